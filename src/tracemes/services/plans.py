"""Plans of released work orders, read once per database and kept.

A plan is made from pinned BOM and routing versions and the items' tracking modes, none of
which ever change once stored, so plans read from a database are kept for later batches.
Only speed depends on this cache: a process without it reads the same plans again.
"""

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain.floor import Plan
from tracemes.services.context import Context
from tracemes.services.per_database import PerDatabase
from tracemes.store.floor import WorkOrderRow

PlanKey = tuple[int, str, int, int]
_plans: PerDatabase[PlanKey, Plan] = PerDatabase(limit=2000)


def plans_of(db: Engine) -> dict[PlanKey, Plan]:
    """The plans already read from a database (for record and record_in callers)."""
    return _plans.of(db)


def plan_for(
    conn: Connection, ctx: Context, order: WorkOrderRow, plans: dict[PlanKey, Plan]
) -> Plan | None:
    """The plan of a released order (None before release), from the cache when read before."""
    if order.bom_version is None or order.routing_version is None:
        return None
    key = (ctx.tenant_id, order.item_code, order.bom_version, order.routing_version)
    if key not in plans:
        plans[key] = _read(conn, ctx, *key[1:])
    return plans[key]


def _read(conn: Connection, ctx: Context, item_code: str, bom_version: int, version: int) -> Plan:
    bom = store.boms.get(conn, ctx.tenant_id, item_code, bom_version)
    routing = store.routings.get(conn, ctx.tenant_id, item_code, version)
    assert bom is not None  # pinned versions are never deleted
    assert routing is not None
    parts = store.items.get_many(conn, ctx.tenant_id, (line.item_code for line in bom.lines))
    tracking = {code: item.tracking for code, item in parts.items()}
    return domain.floor.plan(bom, routing, tracking)
