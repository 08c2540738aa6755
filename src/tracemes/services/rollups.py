"""Rollups kept up as the floor works, and rebuilt from the ledger when asked.

The floor's writers hand over the ledger lines they just appended (`add_in`, inside their
transaction); a rebuild reads every such line of the ledger in order. Both count with the
same pure function, domain.rollups.deltas, so the rollups rebuilt equal the ones kept up.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain.events import Event
from tracemes.domain.rollups import Counts, Key, UnitFacts
from tracemes.services.context import Context


def add_in(conn: Connection, ctx: Context, appended: Sequence[Event]) -> None:
    """Add what these just-appended ledger lines did to the rollups, in the caller's
    transaction: nothing at all for lines that count nothing (a bound part), else one
    lookup and one upsert."""
    counted = [e for e in appended if domain.rollups.is_counted(e)]
    if not counted:
        return
    timezone = ""
    units: dict[str, UnitFacts] = {}
    ended: Counter[tuple[str, str]] = Counter()
    lot_lines: dict[tuple[str, str], str] = {}
    serials = domain.rollups.serials(counted)
    if serials:
        timezone, units, ended_now = store.rollups.unit_facts(conn, ctx.tenant_id, serials)
        ended = ended_now - domain.rollups.closures(counted, units)  # as before these lines
    lots = domain.rollups.lots(counted)
    if lots:
        timezone, lot_lines = store.rollups.lot_lines(conn, ctx.tenant_id, lots)
    deltas = domain.rollups.deltas(counted, timezone, units, lot_lines, ended)
    store.rollups.add(conn, ctx.tenant_id, deltas)


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What a rebuild read and wrote."""

    events: int  # ledger lines counted
    rows: int  # rollup rows written


def rebuild(db: Engine, tenant_id: int) -> Rebuilt:
    """Replace a tenant's rollups by a count of its whole ledger, in one transaction that
    holds the ledger's head, so no event is written meanwhile."""
    with db.begin() as conn:
        store.ledger.lock_head(conn, tenant_id)
        store.rollups.delete_all(conn, tenant_id)
        timezone, units, _ = store.rollups.unit_facts(conn, tenant_id, None)
        _, lot_lines = store.rollups.lot_lines(conn, tenant_id, None)
        ended: Counter[tuple[str, str]] = Counter()  # filled as the ledger is read in order
        total: dict[Key, Counts] = {}
        read = 0
        types = domain.rollups.UNIT_TYPES | domain.rollups.LOT_TYPES
        for lines in store.rollups.ledger_lines(conn, tenant_id, types):
            read += len(lines)
            part = domain.rollups.deltas(lines, timezone, units, lot_lines, ended)
            total = domain.rollups.merged([*total.items(), *part.items()])
        store.rollups.add(conn, tenant_id, total)
    return Rebuilt(read, len(total))


def rows(db: Engine, tenant_id: int) -> dict[Key, Counts]:
    """Every rollup row of a tenant (what a rebuild is compared with)."""
    with store.db.reading(db) as conn:
        return store.rollups.all_rows(conn, tenant_id)
