"""The demo factory: an e-bike plant seeded through the ordinary use cases.

`tracemes demo` calls `seed` so that every page has real data to show: a finished e-bike with
a GTIN, serialised key parts, a battery pack built from a lot of cells, two lines with eight
stations, a five-step routing, one user per role, open work orders with units, supplier
receipts, and a shift of production (packs and e-bikes built, some shipped, one in rework).
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from tracemes import domain, services
from tracemes.domain.boms import BomLine
from tracemes.domain.characteristics import Characteristic, Kind
from tracemes.domain.errors import AlreadyExistsError, NotFoundError
from tracemes.domain.genealogy import BindPart, ComponentRef
from tracemes.domain.routings import Operation
from tracemes.domain.shop_floor import Command
from tracemes.domain.step_runs import CompleteStep, StartStep
from tracemes.domain.unit_events import ShipUnit
from tracemes.domain.users import Role
from tracemes.services.context import Context
from tracemes.services.shop_floor import FloorEvent

TENANT_CODE = "DEMO"
TENANT_NAME = "绿源电动车示范工厂 Demo E-bike Works"
# A demo on a laptop (served on 127.0.0.1 unless told otherwise): the one password the
# password rules let through, and only for the demo company's users, seeded here.
DEMO_PASSWORD = "demo"
# Badge cards of the shop-floor users: print one as a barcode, or type it, to sign in.
DEMO_BADGES = {Role.OPERATOR: "BADGE-OP-0001", Role.INSPECTOR: "BADGE-QC-0001"}

EBIKE = "EB-A1"
BATTERY_PACK = "BATT-48V"
_GTIN_BODY = "697012345001"  # GS1 China prefix 697; the check digit is computed below
EBIKE_GTIN = _GTIN_BODY + str(domain.gs1.check_digit(_GTIN_BODY))


@dataclass(frozen=True, slots=True)
class _ItemSpec:
    code: str
    name: str
    uom: str
    tracking: str
    standard_cost: str
    gtin: str | None = None
    serial_pattern: str | None = None


_ITEMS = (
    _ItemSpec(
        EBIKE,
        "城市电动自行车 A1 / City e-bike A1",
        "pcs",
        "serial",
        "2380.00",
        gtin=EBIKE_GTIN,
        serial_pattern="EB{yy}{MM}{dd}{seq:4}",
    ),
    _ItemSpec(
        "FRAME-A1",
        "铝合金车架 A1 / Aluminium frame A1",
        "pcs",
        "serial",
        "420.00",
        serial_pattern="FR-A1-{seq:5}",  # the supplier's serials: a bare scan names the item
    ),
    _ItemSpec("MOTOR-350W", "350W 轮毂电机 / 350 W hub motor", "pcs", "serial", "560.00"),
    _ItemSpec(
        BATTERY_PACK,
        "48V 17.5Ah 锂电池包 / 48 V 17.5 Ah battery pack",
        "pcs",
        "serial",
        "780.00",
        serial_pattern="BP{yy}{MM}{dd}{seq:4}",
    ),
    _ItemSpec(
        "CTRL-48V", "48V 正弦波控制器 / 48 V sine-wave controller", "pcs", "serial", "150.00"
    ),
    _ItemSpec("BMS-48V", "电池管理板 / Battery management board", "pcs", "serial", "65.00"),
    _ItemSpec("CELL-21700", "21700 锂电芯 / 21700 Li-ion cell", "pcs", "lot", "11.50"),
    _ItemSpec("SCREW-M5", "M5×12 内六角螺钉 / M5×12 hex socket screw", "pcs", "lot", "0.12"),
    _ItemSpec("GREASE-01", "轴承润滑脂 / Bearing grease", "g", "none", "0.08"),
    _ItemSpec("LABEL-A1", "铭牌标签 / Rating label", "pcs", "none", "0.30"),
)

# (code, name, stations as (code, name))
_LINES = (
    (
        "L1",
        "总装线 Final assembly",
        (
            ("L1-S1", "车架上线 Frame loading"),
            ("L1-S2", "电机装配 Motor fitting"),
            ("L1-S3", "电池与控制器 Battery & controller"),
            ("L1-S4", "功能测试 Function test"),
            ("L1-S5", "终检包装 Final inspection & packing"),
        ),
    ),
    (
        "L2",
        "电池线 Battery pack line",
        (
            ("L2-S1", "电芯配组 Cell grouping"),
            ("L2-S2", "焊接与BMS Welding & BMS"),
            ("L2-S3", "老化测试 Burn-in test"),
        ),
    ),
)

_BOMS = {
    EBIKE: (
        BomLine("FRAME-A1", Decimal(1), True, "OP10"),
        BomLine("MOTOR-350W", Decimal(1), True, "OP20"),
        BomLine("SCREW-M5", Decimal(12), True, "OP20"),
        BomLine(BATTERY_PACK, Decimal(1), True, "OP30"),
        BomLine("CTRL-48V", Decimal(1), True, "OP30"),
        BomLine("GREASE-01", Decimal(5), False),
        BomLine("LABEL-A1", Decimal(1), False),
    ),
    BATTERY_PACK: (
        BomLine("CELL-21700", Decimal(52), True, "OP10"),  # 13 in series x 4 in parallel
        BomLine("BMS-48V", Decimal(1), True, "OP20"),
    ),
}

_ROUTINGS = {
    EBIKE: (
        Operation(10, "OP10", "车架上线 Frame loading", Decimal(90), "L1", "L1-S1", ("FRAME-A1",)),
        Operation(
            20,
            "OP20",
            "电机装配 Motor fitting",
            Decimal(180),
            "L1",
            "L1-S2",
            ("MOTOR-350W", "SCREW-M5"),
        ),
        Operation(
            30,
            "OP30",
            "电池与控制器 Battery & controller",
            Decimal(150),
            "L1",
            "L1-S3",
            (BATTERY_PACK, "CTRL-48V"),
        ),
        Operation(
            40,
            "OP40",
            "功能测试 Function test",
            Decimal(120),
            "L1",
            "L1-S4",
            inspection="刹车断电、灯光、助力档位、最高车速≤25 km/h / "
            "brake cut-off, lights, assist levels, top speed ≤ 25 km/h",
            checks=(
                Characteristic("top_speed_kmh", "最高车速 Top speed", usl=Decimal(25), unit="km/h"),
                Characteristic("brake_cutoff", "刹车断电 Brake cut-off", Kind.ATTRIBUTE),
                Characteristic("lights", "灯光 Lights", Kind.ATTRIBUTE),
            ),
        ),
        Operation(
            50,
            "OP50",
            "终检包装 Final inspection & packing",
            Decimal(100),
            "L1",
            "L1-S5",
            inspection="外观、铭牌与合格证 / appearance, rating label and certificate",
        ),
    ),
    BATTERY_PACK: (
        Operation(
            10, "OP10", "电芯配组 Cell grouping", Decimal(240), "L2", "L2-S1", ("CELL-21700",)
        ),
        Operation(20, "OP20", "焊接与BMS Welding & BMS", Decimal(300), "L2", "L2-S2", ("BMS-48V",)),
        Operation(
            30,
            "OP30",
            "老化测试 Burn-in test",
            Decimal(600),
            "L2",
            "L2-S3",
            inspection="开路电压 52.0–54.6 V、内阻 ≤ 60 mΩ / "
            "open-circuit voltage 52.0–54.6 V, internal resistance ≤ 60 mΩ",
            checks=(
                Characteristic(
                    "ocv_v",
                    "开路电压 Open-circuit voltage",
                    lsl=Decimal("52.0"),
                    usl=Decimal("54.6"),
                    unit="V",
                ),
                Characteristic("ir_mohm", "内阻 Internal resistance", usl=Decimal(60), unit="mΩ"),
            ),
        ),
    ),
}


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo seed made, for the command line to show."""

    tenant_code: str
    tenant_id: int
    user_names: tuple[str, ...]
    password: str
    item_codes: tuple[str, ...]
    line_codes: tuple[str, ...]
    station_codes: tuple[str, ...]
    work_order_codes: tuple[str, ...]
    serials: tuple[str, ...]


def is_seeded(db: Engine) -> bool:
    """Whether the demo tenant is already in this database."""
    try:
        services.tenants.get(db, TENANT_CODE)
    except NotFoundError:
        return False
    return True


def seed(db: Engine, now: datetime) -> DemoSummary | None:
    """Seed the demo e-bike plant; do nothing (None) when tenant DEMO already exists."""
    if is_seeded(db):
        return None
    try:
        tenant = services.tenants.create(db, now, TENANT_CODE, TENANT_NAME)
    except AlreadyExistsError:  # another `tracemes demo` seeded it a moment ago
        return None
    ctx = Context(tenant_id=tenant.id, user_id=None, now=now)
    user_names = tuple(role.value for role in Role)
    for role in Role:
        services.users.create(db, ctx, role.value, role.value, DEMO_PASSWORD, demo=True)
    for role, badge in DEMO_BADGES.items():
        services.users.set_badge(db, ctx, role.value, badge)
    for spec in _ITEMS:
        services.items.create(
            db,
            ctx,
            spec.code,
            spec.name,
            spec.uom,
            spec.tracking,
            gtin=spec.gtin,
            standard_cost=spec.standard_cost,
            serial_pattern=spec.serial_pattern,
        )
    station_codes: list[str] = []
    for line_code, line_name, stations in _LINES:
        services.lines.create(db, ctx, line_code, line_name, site="示范工厂 Demo plant")
        for station_code, station_name in stations:
            services.lines.create_station(db, ctx, station_code, station_name, line_code)
            station_codes.append(station_code)
    for item_code, bom_lines in _BOMS.items():
        services.boms.replace(db, ctx, item_code, bom_lines)
    for item_code, operations in _ROUTINGS.items():
        services.routings.replace(db, ctx, item_code, operations)
    order_codes, serials = _work_orders(db, ctx)
    _receipts(db, ctx)
    _production(
        db,
        ctx,
        [s for s in serials if s.startswith("BP")],
        [s for s in serials if s.startswith("EB")],
    )
    _patrol_inspection(db, ctx, order_codes[0])
    return DemoSummary(
        tenant_code=tenant.code,
        tenant_id=tenant.id,
        user_names=user_names,
        password=DEMO_PASSWORD,
        item_codes=tuple(spec.code for spec in _ITEMS),
        line_codes=tuple(code for code, _, _ in _LINES),
        station_codes=tuple(station_codes),
        work_order_codes=order_codes,
        serials=serials,
    )


def _work_orders(db: Engine, ctx: Context) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Packs on the battery line, e-bikes on the floor today, and e-bikes planned next week."""
    today = ctx.now.date()
    packs = services.work_orders.create(
        db, ctx, BATTERY_PACK, 24, "L2", due_on=today + timedelta(days=1)
    )
    services.work_orders.release(db, ctx, packs.code)
    pack_serials = services.work_orders.add_units(db, ctx, packs.code, count=24)
    bikes = services.work_orders.create(db, ctx, EBIKE, 20, "L1", due_on=today + timedelta(days=2))
    services.work_orders.release(db, ctx, bikes.code)
    bike_serials = services.work_orders.add_units(db, ctx, bikes.code, count=20)
    planned = services.work_orders.create(
        db, ctx, EBIKE, 50, "L1", due_on=today + timedelta(days=7)
    )
    return (packs.code, bikes.code, planned.code), (*pack_serials, *bike_serials)


def _receipts(db: Engine, ctx: Context) -> None:
    """Supplier lots of cells and screws, and purchased motors, controllers and BMS boards.
    Cells are inspected on receipt: lot C2611-A was accepted, C2611-B waits for the
    inspector."""
    services.inspection.put_plan(
        db,
        ctx,
        "IQC-CELL",
        "CELL-21700",
        "incoming",
        [
            Characteristic(
                "voltage_v", "电压 Voltage", lsl=Decimal("3.50"), usl=Decimal("3.70"), unit="V"
            ),
            Characteristic("ir_mohm", "内阻 Internal resistance", usl=Decimal(20), unit="mΩ"),
        ],
        [
            {"code": "SWELL", "name": "鼓包 Swollen", "class": "critical"},
            {"code": "LEAK", "name": "漏液 Leaking", "class": "critical"},
            {"code": "DENT", "name": "凹痕 Dented can", "class": "major"},
            {"code": "SLEEVE", "name": "套膜破损 Torn sleeve", "class": "major"},
            {"code": "LABEL", "name": "标签模糊 Smudged label", "class": "minor"},
        ],
        "II",
        "0.65",
        "2.5",
    )
    received = ctx.now - timedelta(days=2)
    for item, lot, quantity, supplier in (
        ("CELL-21700", "C2611-A", 1000, "天津力神 Tianjin Lishen"),
        ("CELL-21700", "C2611-B", 1000, "天津力神 Tianjin Lishen"),
        ("SCREW-M5", "S-2611", 5000, "宁波紧固件 Ningbo Fasteners"),
    ):
        services.lots.receive(db, ctx, item, lot, quantity, supplier, received)
    for item, prefix, supplier, lot in (
        ("MOTOR-350W", "M350-", "八方电气 Bafang", "BF-2611"),
        ("CTRL-48V", "CT48-", "八方电气 Bafang", "BF-2611"),
        ("BMS-48V", "BMS-", "深圳华宝 Shenzhen Huabao", "HB-11"),
    ):
        serials = [f"{prefix}{n:04d}" for n in range(1, 13)]
        services.lots.receive_serials(db, ctx, item, serials, supplier, lot, received)
    (accepted,) = [
        row.number for row in services.inspection.list_lots(db, ctx, "open") if row.lot == "C2611-A"
    ]
    samples: list[tuple[str, int, dict[str, object], list[str]]] = [
        (f"demo-iqc-{n}", n, {"voltage_v": 3.60 + (n % 7) / 100, "ir_mohm": 14 + n % 3}, [])
        for n in range(1, 81)
    ]
    services.inspection.record(db, ctx, accepted, samples)
    services.inspection.decide(db, ctx, accepted)


def _patrol_inspection(db: Engine, ctx: Context, pack_order: str) -> None:
    """Welded packs are sampled at the welding station (IPQC); the packs welded so far wait
    for the patrol inspector."""
    services.inspection.put_plan(
        db,
        ctx,
        "IPQC-PACK-WELD",
        BATTERY_PACK,
        "in_process",
        [],
        [
            {"code": "WELD-COLD", "name": "虚焊 Cold weld", "class": "critical"},
            {"code": "WELD-SPATTER", "name": "焊渣 Weld spatter", "class": "major"},
            {"code": "TAPE", "name": "绝缘胶带偏位 Insulation tape misplaced", "class": "minor"},
        ],
        "II",
        "1.0",
        "4.0",
        operation="OP20",
    )
    services.inspection.open_in_process(db, ctx, pack_order, "OP20")


def _production(db: Engine, ctx: Context, packs: list[str], bikes: list[str]) -> None:
    """The last finished day shift (from 08:00 plant time): eight packs built, six e-bikes
    built (three shipped), one e-bike failed its function test and waits for rework, one is
    halfway. The line board shows it as today once the plant's morning is over."""
    zone = ZoneInfo(domain.tenants.DEFAULT_TIMEZONE)
    shift = datetime.combine(ctx.now.astimezone(zone).date(), time(8), zone)
    if shift + timedelta(hours=6) > ctx.now:
        shift -= timedelta(days=1)
    clock = iter(shift + timedelta(minutes=2 * n) for n in range(10_000))
    numbers = iter(range(1, 10_000))
    events: list[FloorEvent] = []

    def at(station: str, *commands: Command) -> None:
        for command in commands:
            events.append(
                FloorEvent(f"demo-{next(numbers)}", command, next(clock), station, "operator")
            )

    for n, pack in enumerate(packs[:8]):
        cells = "C2611-A" if n < 6 else "C2611-B"
        at(
            "L2-S1",
            StartStep(pack, "OP10"),
            BindPart(pack, ComponentRef(item="CELL-21700", lot=cells)),
        )
        at("L2-S1", CompleteStep(pack, "OP10", True))
        at(
            "L2-S2",
            StartStep(pack, "OP20"),
            BindPart(pack, ComponentRef(serial=f"BMS-{n + 1:04d}")),
        )
        at("L2-S2", CompleteStep(pack, "OP20", True))
        at("L2-S3", StartStep(pack, "OP30"))
        at("L2-S3", CompleteStep(pack, "OP30", True, {"ocv_v": 53.9 - n / 20, "ir_mohm": 41.0 + n}))
    for n, bike in enumerate(bikes[:8]):
        at("L1-S1", StartStep(bike, "OP10"))
        at("L1-S1", BindPart(bike, ComponentRef(serial=f"FR-A1-{n + 1:05d}", item="FRAME-A1")))
        at("L1-S1", CompleteStep(bike, "OP10", True))
        at(
            "L1-S2",
            StartStep(bike, "OP20"),
            BindPart(bike, ComponentRef(serial=f"M350-{n + 1:04d}")),
        )
        at("L1-S2", BindPart(bike, ComponentRef(item="SCREW-M5", lot="S-2611")))
        at("L1-S2", CompleteStep(bike, "OP20", True))
        if n == 7:
            break  # halfway: waits at OP30 for a battery pack
        at("L1-S3", StartStep(bike, "OP30"), BindPart(bike, ComponentRef(serial=packs[n])))
        at("L1-S3", BindPart(bike, ComponentRef(serial=f"CT48-{n + 1:04d}")))
        at("L1-S3", CompleteStep(bike, "OP30", True))
        at("L1-S4", StartStep(bike, "OP40"))
        if n == 6:
            at(
                "L1-S4",
                CompleteStep(bike, "OP40", False, {"top_speed_kmh": 27.1}, ("SPEED-LIMIT",)),
            )
            continue
        at("L1-S4", CompleteStep(bike, "OP40", True, {"top_speed_kmh": 24.6}))
        at("L1-S5", StartStep(bike, "OP50"), CompleteStep(bike, "OP50", True))
        if n < 3:
            at(
                "L1-S5",
                ShipUnit(
                    bike, "杭州骑行商贸 Hangzhou Ride Trading", "SO-2611-08", f"DN-{n + 1:03d}"
                ),
            )
    refused = [o for o in services.shop_floor.record(db, ctx, events) if o.error is not None]
    assert not refused, f"demo production refused: {refused[0].error}"
