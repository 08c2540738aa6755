"""Every table. Each row belongs to one tenant, and every business key is unique per tenant.

The database is the last wall behind the code: quantities and stock are checked (CHECK), enum
columns hold only their enum's values, and a reference names a row of the same tenant
(composite foreign keys on (x_id, tenant_id) -> (id, tenant_id); every referenced table is
UNIQUE (id, tenant_id)). A binding's parent and child, and a hold member's target, are a unit
or a lot by kind: the database copies each into a computed column per kind, which a key follows.
"""

from datetime import UTC, datetime
from decimal import Context, Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import SchemaItem

from tracemes.domain.floor import Kind
from tracemes.domain.holds import Disposition
from tracemes.domain.inspection import Stage
from tracemes.domain.items import Tracking
from tracemes.domain.units import UnitStatus
from tracemes.domain.users import Role
from tracemes.domain.work_orders import Status

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """An aware UTC datetime on both databases (SQLite hands back naive values)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value} cannot be stored; give it a time zone")
        return value.astimezone(UTC)

    def bind_processor(self, dialect: Dialect) -> Any:
        process = super().bind_processor(dialect)
        if process is None:
            return None
        # A batch's rows share the moment they were recorded, and often the moment they
        # happened: each moment is converted once (5 us a value on SQLite, on every event's
        # ledger line and binding), keyed by its UTC instant, since two times of a zone's
        # repeated hour (fold) compare equal. A naive time raises and is not kept.
        once = lru_cache(maxsize=256)(process)

        def convert(value: datetime | None) -> Any:
            if value is not None and value.tzinfo is not None:
                return once(value.astimezone(UTC))
            return process(value)

        return convert

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        # SQLite keeps UTC as naive ISO text; the C parser reads it with its offset appended
        # ten times faster than the generic DateTime processor, and five times faster than
        # parsing then replace(tzinfo=...), which matters on traces of 50,000 units.
        def process(value: str | None) -> datetime | None:
            return None if value is None else datetime.fromisoformat(value + "+00:00")

        return process


_EXACT = Context(prec=100)  # wide enough for any stored quantity's digits
_COLUMN_LIMIT = Decimal(10) ** 14  # NUMERIC(20, 6): 14 digits before the point
_SCALE = Decimal("0.000001")  # and 6 after it


class Quantity(sa.TypeDecorator[Decimal]):
    """An exact decimal: NUMERIC on PostgreSQL, text on SQLite (which has no decimal type)."""

    impl = sa.Numeric(20, 6)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(40))
        return dialect.type_descriptor(sa.Numeric(20, 6))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        # The same wall on both databases: PostgreSQL would round a 7th decimal away and
        # SQLite would keep any size. The domain refuses such numbers before they get here.
        if (
            not number.is_finite()
            or number.copy_abs() >= _COLUMN_LIMIT
            or number != number.quantize(_SCALE, context=_EXACT)
        ):
            raise ValueError(f"{value} does not fit a quantity column, NUMERIC(20, 6)")
        return str(number) if dialect.name == "sqlite" else number

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        number = Decimal(str(value))
        # Drop storage padding (1.500000 -> 1.5) without exponents (100, not 1E+2). Exact at
        # any size: a row too large for the decimal context (stored before numbers were
        # bounded) is still read, so it can be seen and corrected.
        if number == number.to_integral_value():
            return Decimal(int(number))
        return number.normalize(_EXACT)


Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True)


def _tenant() -> sa.Column[int]:
    return sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), nullable=False)


def _referable() -> sa.UniqueConstraint:
    """What a composite foreign key of a child points at: this row, of this tenant."""
    # (id, tenant_id), not (tenant_id, id): an index that leads with the tenant is one the
    # SQLite planner takes to walk a whole tenant in id order for `tenant_id = ? AND serial
    # IN (...) ORDER BY id`, instead of finding the serials (issue #12: ingest 20 % slower).
    return sa.UniqueConstraint("id", "tenant_id")


def _ref(column: str, parent: str) -> sa.ForeignKeyConstraint:
    """`column` names a row of `parent` that belongs to the same tenant."""
    return sa.ForeignKeyConstraint([column, "tenant_id"], [f"{parent}.id", f"{parent}.tenant_id"])


def _unit_or_lot(prefix: str, kind: str, id_column: str) -> list[SchemaItem]:
    """`id_column` names a unit or a lot of this tenant, as `kind` says. No key can follow
    one column into two tables, so the database copies the id into a column per kind
    (computed, never written: `{prefix}_unit_id`, `{prefix}_lot_id`) and a composite key
    follows each (issue #12: a binding could name another tenant's unit, or none)."""
    items: list[SchemaItem] = []
    for target, table in ((Kind.UNIT, "units"), (Kind.LOT, "lots")):
        column = f"{prefix}_{target.value}_id"
        case = f"CASE WHEN {kind} = '{target.value}' THEN {id_column} END"
        items += [
            sa.Column(column, sa.Integer, sa.Computed(case, persisted=True)),
            _ref(column, table),
        ]
    return items


# The columns that hold an enum's values, and the enum. Their CHECKs are built from here, so
# a value added to an enum reaches the database's list only by a migration (a test compares).
ENUM_COLUMNS: dict[str, dict[str, type[StrEnum]]] = {
    "users": {"role": Role},
    "items": {"tracking": Tracking},
    "work_orders": {"status": Status},
    "units": {"status": UnitStatus},
    "bindings": {"parent_kind": Kind, "child_kind": Kind},
    "holds": {"disposition": Disposition},
    "hold_members": {"kind": Kind},
    "inspection_plans": {"stage": Stage},
}


def _known(table: str) -> list[sa.CheckConstraint]:
    """CHECK that each enum column of `table` holds one of its enum's values (or null)."""
    return [
        sa.CheckConstraint(
            f"{column} IN ({', '.join(repr(str(value)) for value in enum)})", name=f"{column}_known"
        )
        for column, enum in ENUM_COLUMNS[table].items()
    ]


# Quantities are text on SQLite: compared as numbers only once cast (a no-op on PostgreSQL).
def _positive(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"CAST({column} AS NUMERIC) > 0", name=f"{column}_positive")


def _not_negative(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"CAST({column} AS NUMERIC) >= 0", name=f"{column}_not_negative")


tenants = sa.Table(
    "tenants",
    metadata,
    _id(),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False, server_default="Asia/Shanghai"),
    comment="Enterprises: the wall between factories sharing one deployment.",
)

users = sa.Table(
    "users",
    metadata,
    _id(),
    _tenant(),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("password_hash", sa.String(200)),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("language", sa.String(10)),
    sa.Column("badge_hash", sa.String(64)),  # sha256 of the badge card's code; null = none
    sa.Column("disabled_at", UtcDateTime),  # set: no sign-in, no session, no token works
    _referable(),
    *_known("users"),
    sa.UniqueConstraint("tenant_id", "name"),
    sa.UniqueConstraint("tenant_id", "badge_hash"),
    comment="People who sign in; each belongs to one tenant with one role.",
)

tokens = sa.Table(
    "tokens",
    metadata,
    _id(),
    _tenant(),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    _ref("user_id", "users"),
    sa.UniqueConstraint("token_hash"),
    sa.Index(None, "tenant_id", "user_id"),
    comment="API tokens and browser sessions, stored only as SHA-256 hashes.",
)

# The one table without tenant_id: a client address is counted across every company, and an
# account is counted before we know whether its company exists.
sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    _id(),
    sa.Column("key_hash", sa.String(64), nullable=False),  # sha256 of "account|ACME|wang" ...
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("last_failed_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("key_hash"),
    sa.Index(None, "last_failed_at"),  # forgotten counters are deleted by age
    comment="Failed sign-ins per account and per client address, for the backoff.",
)

events = sa.Table(
    "events",
    metadata,
    _id(),
    _tenant(),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("user_id", sa.Integer),
    sa.Column("station", sa.String(64)),
    sa.Column("payload", Json, nullable=False),
    sa.Column("chain_position", sa.BigInteger, nullable=False),
    sa.Column("chain_hash", sa.String(64), nullable=False),
    _ref("user_id", "users"),
    sa.UniqueConstraint("tenant_id", "event_id"),
    sa.UniqueConstraint("tenant_id", "chain_position"),
    sa.Index(None, "tenant_id", "subject"),
    # Each event is sealed by chain_hash = SHA-256(the tenant's previous hash || the event),
    # at chain_position 1, 2, 3... per tenant (domain/chain.py).
    comment="The append-only ledger of everything that happened; never updated or deleted.",
)

ledger_heads = sa.Table(
    "ledger_heads",
    metadata,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    comment="The last link of each tenant's ledger chain; a writer locks it, so the chain "
    "never forks.",
)

lines = sa.Table(
    "lines",
    metadata,
    _id(),
    _tenant(),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("site", sa.String(200)),
    _referable(),
    sa.UniqueConstraint("tenant_id", "code"),
    comment="Production lines (ISA-95 work centres).",
)

stations = sa.Table(
    "stations",
    metadata,
    _id(),
    _tenant(),
    sa.Column("line_id", sa.Integer, nullable=False),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    _referable(),
    _ref("line_id", "lines"),
    sa.UniqueConstraint("tenant_id", "code"),
    comment="Stations on a line, where operators scan.",
)

items = sa.Table(
    "items",
    metadata,
    _id(),
    _tenant(),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("uom", sa.String(64), nullable=False),
    sa.Column("tracking", sa.String(10), nullable=False),
    sa.Column("gtin", sa.String(14)),
    sa.Column("standard_cost", Quantity),
    sa.Column("serial_pattern", sa.String(100)),
    _referable(),
    *_known("items"),
    _not_negative("standard_cost"),
    sa.UniqueConstraint("tenant_id", "code"),
    comment="Material definitions: part numbers with tracking mode and standard cost.",
)

boms = sa.Table(
    "boms",
    metadata,
    _id(),
    _tenant(),
    sa.Column("item_id", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    _referable(),
    _ref("item_id", "items"),
    sa.CheckConstraint("version > 0", name="version_positive"),
    sa.UniqueConstraint("tenant_id", "item_id", "version"),
    comment="BOM versions of an item; the highest is current, older ones serve released orders.",
)

bom_lines = sa.Table(
    "bom_lines",
    metadata,
    _id(),
    _tenant(),
    sa.Column("bom_id", sa.Integer, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("item_id", sa.Integer, nullable=False),
    sa.Column("quantity", Quantity, nullable=False),
    sa.Column("is_key", sa.Boolean, nullable=False),
    sa.Column("operation_code", sa.String(64)),
    _ref("bom_id", "boms"),
    _ref("item_id", "items"),
    _positive("quantity"),
    sa.UniqueConstraint("tenant_id", "bom_id", "item_id"),
    comment="Components of one BOM version.",
)

routings = sa.Table(
    "routings",
    metadata,
    _id(),
    _tenant(),
    sa.Column("item_id", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    _referable(),
    _ref("item_id", "items"),
    sa.CheckConstraint("version > 0", name="version_positive"),
    sa.UniqueConstraint("tenant_id", "item_id", "version"),
    comment="Routing versions of an item; the highest is current.",
)

operations = sa.Table(
    "operations",
    metadata,
    _id(),
    _tenant(),
    sa.Column("routing_id", sa.Integer, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("line_id", sa.Integer),
    sa.Column("station_id", sa.Integer),
    sa.Column("standard_seconds", Quantity, nullable=False),
    sa.Column("binds", Json, nullable=False),
    sa.Column("inspection", sa.String(200)),
    sa.Column("rework_operation", sa.String(64)),
    sa.Column("checks", Json),  # characteristics measured here; null = none
    _ref("routing_id", "routings"),
    _ref("line_id", "lines"),
    _ref("station_id", "stations"),
    _not_negative("standard_seconds"),
    sa.UniqueConstraint("tenant_id", "routing_id", "seq"),
    sa.UniqueConstraint("tenant_id", "routing_id", "code"),
    comment="Operations of one routing version, in seq order.",
)

work_orders = sa.Table(
    "work_orders",
    metadata,
    _id(),
    _tenant(),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("item_id", sa.Integer, nullable=False),
    sa.Column("line_id", sa.Integer, nullable=False),
    sa.Column("quantity", Quantity, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("due_on", sa.Date),
    sa.Column("bom_id", sa.Integer),
    sa.Column("routing_id", sa.Integer),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # Units that passed their last operation; decides when the order is complete.
    sa.Column("finished_units", sa.Integer, nullable=False, server_default="0"),
    _referable(),
    _ref("item_id", "items"),
    _ref("line_id", "lines"),
    _ref("bom_id", "boms"),
    _ref("routing_id", "routings"),
    *_known("work_orders"),
    _positive("quantity"),
    sa.CheckConstraint("finished_units >= 0", name="finished_units_not_negative"),
    sa.UniqueConstraint("tenant_id", "code"),
    sa.Index(None, "tenant_id", "status"),
    comment="Orders to make an item on a line; bom_id/routing_id are the versions snapshotted "
    "at release.",
)

units = sa.Table(
    "units",
    metadata,
    _id(),
    _tenant(),
    sa.Column("item_id", sa.Integer, nullable=False),
    sa.Column("serial", sa.String(64), nullable=False),
    sa.Column("work_order_id", sa.Integer),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("current_operation", sa.String(64)),
    sa.Column("on_hold", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("completed_at", UtcDateTime),
    sa.Column("supplier", sa.String(200)),
    sa.Column("supplier_lot", sa.String(64)),
    sa.Column("unit_cost", Quantity),
    sa.Column("customer", sa.String(200)),
    sa.Column("sales_order", sa.String(64)),
    sa.Column("delivery", sa.String(64)),
    sa.Column("shipped_at", UtcDateTime),
    _referable(),
    _ref("item_id", "items"),
    _ref("work_order_id", "work_orders"),
    *_known("units"),
    _not_negative("unit_cost"),
    sa.UniqueConstraint("tenant_id", "item_id", "serial"),
    sa.Index(None, "tenant_id", "serial"),
    sa.Index(None, "tenant_id", "work_order_id", "status"),
    sa.Index(None, "tenant_id", "completed_at"),  # a day's output, for the line board
    # Made here under a work order, or received from a supplier (no work order).
    comment="Serialised instances of an item.",
)

lots = sa.Table(
    "lots",
    metadata,
    _id(),
    _tenant(),
    sa.Column("item_id", sa.Integer, nullable=False),
    sa.Column("lot", sa.String(64), nullable=False),
    sa.Column("quantity", Quantity, nullable=False),
    sa.Column("remaining", Quantity, nullable=False),
    sa.Column("supplier", sa.String(200)),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("unit_cost", Quantity),
    sa.Column("on_hold", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("rejected", sa.Boolean, nullable=False, server_default=sa.false()),
    _referable(),
    _ref("item_id", "items"),
    _positive("quantity"),
    _not_negative("remaining"),
    _not_negative("unit_cost"),
    sa.CheckConstraint(
        "CAST(remaining AS NUMERIC) <= CAST(quantity AS NUMERIC)", name="remaining_within_quantity"
    ),
    sa.UniqueConstraint("tenant_id", "item_id", "lot"),
    # Lots are looked up by number (scans, events naming item and lot): SQLite cannot use the
    # unique index for (item code, lot) pairs across a join, and read every lot instead.
    sa.Index(None, "tenant_id", "lot"),
    comment="Quantities of one item from one receipt or batch; remaining never goes below zero.",
)

bindings = sa.Table(
    "bindings",
    metadata,
    _id(),
    _tenant(),
    sa.Column("parent_kind", sa.String(4), nullable=False),
    sa.Column("parent_id", sa.Integer, nullable=False),
    sa.Column("child_kind", sa.String(4), nullable=False),
    sa.Column("child_id", sa.Integer, nullable=False),
    sa.Column("item_id", sa.Integer, nullable=False),
    sa.Column("quantity", Quantity, nullable=False),
    sa.Column("operation_code", sa.String(64)),
    sa.Column("station_id", sa.Integer),
    sa.Column("operator_id", sa.Integer),
    sa.Column("bound_at", UtcDateTime, nullable=False),
    sa.Column("unbound_at", UtcDateTime),
    sa.Column("unbound_reason", sa.String(200)),
    _ref("item_id", "items"),
    _ref("station_id", "stations"),
    _ref("operator_id", "users"),
    *_unit_or_lot("parent", "parent_kind", "parent_id"),
    *_unit_or_lot("child", "child_kind", "child_id"),
    *_known("bindings"),
    _positive("quantity"),
    # The trace walks read only these covering indexes of live edges, never the table:
    # down (backward trace, binding checks) and up (where-used). `unbound_at` is in the key
    # because SQLite reads the table for a column of the WHERE clause that is not in the
    # index, even one the index's own condition fixes; PostgreSQL also carries the id.
    sa.Index(
        "ix_bindings_live_down",
        "tenant_id",
        "parent_kind",
        "parent_id",
        "child_kind",
        "child_id",
        "unbound_at",
        sqlite_where=sa.text("unbound_at IS NULL"),
        postgresql_where=sa.text("unbound_at IS NULL"),
        postgresql_include=["id"],
    ),
    sa.Index(
        "ix_bindings_live_up",
        "tenant_id",
        "child_kind",
        "child_id",
        "parent_kind",
        "parent_id",
        "unbound_at",
        sqlite_where=sa.text("unbound_at IS NULL"),
        postgresql_where=sa.text("unbound_at IS NULL"),
        postgresql_include=["id"],
    ),
    sa.Index(
        "ix_bindings_unbound",
        "tenant_id",
        "parent_kind",
        "parent_id",
        sqlite_where=sa.text("unbound_at IS NOT NULL"),
        postgresql_where=sa.text("unbound_at IS NOT NULL"),
    ),
    sa.Index(
        "uq_bindings_live_serial",
        "tenant_id",
        "child_kind",
        "child_id",
        unique=True,
        sqlite_where=sa.text("unbound_at IS NULL AND child_kind = 'unit'"),
        postgresql_where=sa.text("unbound_at IS NULL AND child_kind = 'unit'"),
    ),
    comment="Genealogy edges: a component (unit or lot, with quantity) went into a parent. "
    "Kinds are 'unit' or 'lot'; a serialised component has at most one live edge.",
)

step_runs = sa.Table(
    "step_runs",
    metadata,
    _id(),
    _tenant(),
    sa.Column("unit_id", sa.Integer, nullable=False),
    sa.Column("operation_code", sa.String(64), nullable=False),
    sa.Column("station_id", sa.Integer),
    sa.Column("operator_id", sa.Integer),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("completed_at", UtcDateTime),
    sa.Column("result", sa.String(10)),
    sa.Column("measurements", Json),
    sa.Column("defects", Json),
    _ref("unit_id", "units"),
    _ref("station_id", "stations"),
    _ref("operator_id", "users"),
    # a unit's runs; with the operation, "was there an earlier run here?" (first-pass yield)
    # is answered from the index alone
    sa.Index(None, "tenant_id", "unit_id", "operation_code"),
    # the steps that ended in a period (line board, quality report), covering what the
    # yields count so a month of a busy plant is read from the index alone
    sa.Index(
        "ix_step_runs_period", "tenant_id", "completed_at", "unit_id", "operation_code", "result"
    ),
    comment="One unit through one operation: when, where, who, the result and measurements.",
)

batch_lots = sa.Table(
    "batch_lots",
    metadata,
    _id(),
    _tenant(),
    sa.Column("lot_id", sa.Integer, nullable=False),
    sa.Column("work_order_id", sa.Integer, nullable=False),
    sa.Column("started", Quantity, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    _referable(),
    _ref("lot_id", "lots"),
    _ref("work_order_id", "work_orders"),
    _positive("started"),
    sa.UniqueConstraint("tenant_id", "lot_id"),
    sa.Index(None, "tenant_id", "work_order_id"),
    comment="A production lot of a work order; its stock (finished good) is lots.remaining.",
)

batch_steps = sa.Table(
    "batch_steps",
    metadata,
    _id(),
    _tenant(),
    sa.Column("batch_id", sa.Integer, nullable=False),
    sa.Column("operation_code", sa.String(64), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("received", Quantity, nullable=False),
    sa.Column("good", Quantity, nullable=False),
    sa.Column("scrap", Quantity, nullable=False),
    sa.Column("rework", Quantity, nullable=False),
    sa.Column("moved", Quantity, nullable=False),
    sa.Column("sent", Quantity, nullable=False),
    sa.Column("defects", Json, nullable=False),
    _ref("batch_id", "batch_lots"),
    _not_negative("received"),
    _not_negative("good"),
    _not_negative("scrap"),
    _not_negative("rework"),
    _not_negative("moved"),
    _not_negative("sent"),
    sa.UniqueConstraint("tenant_id", "batch_id", "operation_code"),
    comment="One operation of a production lot: received = good + scrap + rework + moved + "
    "in process; sent <= good. The ledger holds the events that made these numbers.",
)

lot_shipments = sa.Table(
    "lot_shipments",
    metadata,
    _id(),
    _tenant(),
    sa.Column("lot_id", sa.Integer, nullable=False),
    sa.Column("quantity", Quantity, nullable=False),
    sa.Column("customer", sa.String(200), nullable=False),
    sa.Column("sales_order", sa.String(64)),
    sa.Column("delivery", sa.String(64)),
    sa.Column("shipped_at", UtcDateTime, nullable=False),
    _ref("lot_id", "lots"),
    _positive("quantity"),
    sa.Index(None, "tenant_id", "lot_id"),
    comment="Quantities of a lot sent to a customer; forward trace names them.",
)

event_subjects = sa.Table(
    "event_subjects",
    metadata,
    _id(),
    _tenant(),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Index(None, "tenant_id", "subject"),
    comment="Further things an event is about (a bound part's serial or lot), for histories.",
)

holds = sa.Table(
    "holds",
    metadata,
    _id(),
    _tenant(),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.Integer),
    sa.Column("released_at", UtcDateTime),
    sa.Column("released_by", sa.Integer),
    sa.Column("disposition", sa.String(30)),
    sa.Column("note", sa.String(500)),
    _referable(),
    _ref("created_by", "users"),
    _ref("released_by", "users"),
    *_known("holds"),
    sa.UniqueConstraint("tenant_id", "code"),
    comment="Quality holds: units and lots that may not move on until released.",
)

hold_members = sa.Table(
    "hold_members",
    metadata,
    _id(),
    _tenant(),
    sa.Column("hold_id", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(4), nullable=False),
    sa.Column("target_id", sa.Integer, nullable=False),
    _ref("hold_id", "holds"),
    *_unit_or_lot("target", "kind", "target_id"),
    *_known("hold_members"),
    sa.UniqueConstraint("tenant_id", "hold_id", "kind", "target_id"),
    sa.Index(None, "tenant_id", "kind", "target_id"),
    comment="What a hold covers: units and lots by kind and id.",
)

serial_counters = sa.Table(
    "serial_counters",
    metadata,
    _id(),
    _tenant(),
    sa.Column("item_id", sa.Integer, nullable=False),
    sa.Column("scope", sa.String(100), nullable=False),
    sa.Column("last_seq", sa.Integer, nullable=False),
    _ref("item_id", "items"),
    sa.CheckConstraint("last_seq >= 0", name="last_seq_not_negative"),
    sa.UniqueConstraint("tenant_id", "item_id", "scope"),
    comment="The last sequence number used per item and serial prefix.",
)

inspection_plans = sa.Table(
    "inspection_plans",
    metadata,
    _id(),
    _tenant(),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("item_id", sa.Integer, nullable=False),
    sa.Column("stage", sa.String(20), nullable=False),
    sa.Column("plan", Json, nullable=False),  # the whole plan, as the domain writes it
    sa.Column("updated_at", UtcDateTime, nullable=False),
    _ref("item_id", "items"),
    *_known("inspection_plans"),
    sa.UniqueConstraint("tenant_id", "code"),
    sa.Index(None, "tenant_id", "item_id", "stage"),
    comment="Inspection plans: what to check on an item at a stage, and how to sample it.",
)

inspection_lots = sa.Table(
    "inspection_lots",
    metadata,
    _id(),
    _tenant(),
    sa.Column("number", sa.String(64), nullable=False),
    sa.Column("item_id", sa.Integer, nullable=False),
    sa.Column("lot_id", sa.Integer),
    # final and in-process inspection: the order whose units are inspected
    sa.Column("work_order_id", sa.Integer),
    sa.Column("operation", sa.String(64)),  # in-process inspection: at this operation
    sa.Column("supplier", sa.String(200)),
    # Lots hold up to 10^12 items: 64 bits (SQLite's INTEGER already is).
    sa.Column("lot_size", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("plan", Json, nullable=False),  # the plan as it was when the lot was opened
    sa.Column("class_plans", Json, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("verdict", Json),
    sa.Column("hold_code", sa.String(64)),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("decided_at", UtcDateTime),
    _referable(),
    _ref("item_id", "items"),
    _ref("lot_id", "lots"),
    _ref("work_order_id", "work_orders"),
    sa.CheckConstraint("lot_size >= 0", name="lot_size_not_negative"),
    sa.UniqueConstraint("tenant_id", "number"),
    sa.Index(None, "tenant_id", "status"),
    comment="One inspection of one lot: its sampling plans, status and verdict.",
)

inspection_lot_units = sa.Table(
    "inspection_lot_units",
    metadata,
    _id(),
    _tenant(),
    sa.Column("inspection_lot_id", sa.Integer, nullable=False),
    sa.Column("unit_id", sa.Integer, nullable=False),
    _ref("inspection_lot_id", "inspection_lots"),
    _ref("unit_id", "units"),
    sa.UniqueConstraint("tenant_id", "inspection_lot_id", "unit_id"),
    sa.Index(None, "tenant_id", "unit_id"),  # is a unit already in an inspection lot?
    comment="The units an inspection lot of a work order's output covers, fixed when it opens.",
)

inspection_samples = sa.Table(
    "inspection_samples",
    metadata,
    _id(),
    _tenant(),
    sa.Column("inspection_lot_id", sa.Integer, nullable=False),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("sample_index", sa.Integer, nullable=False),
    sa.Column("measurements", Json, nullable=False),
    sa.Column("defects", Json, nullable=False),
    sa.Column("inspector_id", sa.Integer),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    _ref("inspection_lot_id", "inspection_lots"),
    _ref("inspector_id", "users"),
    sa.UniqueConstraint("tenant_id", "event_id"),
    sa.Index(None, "tenant_id", "inspection_lot_id"),
    # Append-only: a sample recorded again is a correction; the latest record counts.
    comment="What an inspector found on each sampled item, as recorded.",
)

# Lot quantities are added up by the database as rows are upserted, so they are whole
# millionths (a quantity has six decimals): SQLite keeps decimals as text, and text does not
# add up exactly.
rollups = sa.Table(
    "rollups",
    metadata,
    _id(),
    _tenant(),
    sa.Column("hour_starts_at", UtcDateTime, nullable=False),  # the plant's local hour
    sa.Column("line", sa.String(64), nullable=False),  # codes; "" where there is none
    sa.Column("station", sa.String(64), nullable=False),
    sa.Column("item", sa.String(64), nullable=False),
    sa.Column("operation", sa.String(64), nullable=False),
    sa.Column("defect", sa.String(64), nullable=False),  # "" except on a defect's row
    *(
        sa.Column(name, sa.BigInteger, nullable=False, server_default="0")
        for name in (
            "started",
            "passed",
            "failed",
            "first_tries",
            "first_passes",
            "finished",
            "scrapped",
            "lot_good_millionths",
            "lot_scrap_millionths",
            "lot_rework_millionths",
            "defects",
            "lot_defects_millionths",
        )
    ),
    sa.UniqueConstraint(
        "tenant_id", "hour_starts_at", "line", "station", "item", "operation", "defect"
    ),
    comment="What the floor did per plant hour, line, station, item and operation, kept up "
    "by the events that change it; the boards read these, never the step runs.",
)
