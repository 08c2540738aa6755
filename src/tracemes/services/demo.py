"""The demo factory: an e-bike plant seeded through the ordinary use cases.

`tracemes demo` calls `seed` so that every page has real data to show: a finished e-bike with
a GTIN, serialised key parts, a battery pack built from a lot of cells, two lines with eight
stations, a five-step routing, one user per role and open work orders with units.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.engine import Engine

from tracemes import domain, services
from tracemes.domain.boms import BomLine
from tracemes.domain.errors import AlreadyExistsError, NotFoundError
from tracemes.domain.routings import Operation
from tracemes.domain.users import Role
from tracemes.services.context import Context

TENANT_CODE = "DEMO"
TENANT_NAME = "绿源电动车示范工厂 Demo E-bike Works"
DEMO_PASSWORD = "demo"  # a demo on a laptop; real deployments create their own users

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
    _ItemSpec("FRAME-A1", "铝合金车架 A1 / Aluminium frame A1", "pcs", "serial", "420.00"),
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
        services.users.create(db, ctx, role.value, role.value, DEMO_PASSWORD)
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
