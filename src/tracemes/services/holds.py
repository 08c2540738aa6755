"""Holds: stop suspect lots and units, and everything they went into, until a disposition.
Every hold is a nonconformance record too (raised by a rejected inspection or by hand);
`nonconformances` reads them so."""

from collections.abc import Sequence

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain.errors import ConflictError, InvalidInputError, NotFoundError
from tracemes.domain.event_types import EventType
from tracemes.domain.holds import Disposition, Hold, Nonconformance
from tracemes.domain.trace import Location
from tracemes.domain.unit_events import ScrapUnit
from tracemes.services import floor as services_floor
from tracemes.services.context import Context, replayed
from tracemes.services.plans import plans_of
from tracemes.services.submissions import FloorEvent

STILL_HERE = (Location.IN_WORK, Location.IN_STOCK)


def place(
    db: Engine,
    ctx: Context,
    reason: str,
    lots: Sequence[tuple[str, str]] = (),
    serials: Sequence[str] = (),
    extend_to_where_used: bool = False,
) -> Hold:
    """Hold lots and units; with `extend_to_where_used`, also every unit still in the
    factory that holds them, through sub-assemblies."""
    reason = domain.holds.check_reason(reason)
    if not lots and not serials:
        raise InvalidInputError("lots", "name at least one lot or unit to hold")
    with db.begin() as conn:
        if prior := replayed(conn, ctx, EventType.HOLD_PLACED, None):
            return _get(conn, ctx, prior.subject)
        return place_in(conn, ctx, reason, lots, serials, extend_to_where_used)


def place_in(
    conn: Connection,
    ctx: Context,
    reason: str,
    lots: Sequence[tuple[str, str]] = (),
    serials: Sequence[str] = (),
    extend_to_where_used: bool = False,
    unit_ids: Sequence[int] = (),
) -> Hold:
    """The same, inside a caller's transaction (a rejected inspection lot), where units may
    also be named by id."""
    members = _members(conn, ctx, lots, serials) + [("unit", unit_id) for unit_id in unit_ids]
    store.holds.lock(conn, ctx.tenant_id, members)
    if extend_to_where_used:
        for kind, target in list(members):
            members += [
                ("unit", unit_id)
                for unit_id, affected in store.trace.forward(conn, ctx.tenant_id, kind, target)
                if affected.location in STILL_HERE
            ]
    code = _next_code(conn, ctx)
    store.holds.add(conn, ctx.tenant_id, code, reason, ctx.now, ctx.user_id, members)
    store.holds.set_flags(conn, ctx.tenant_id, members, on_hold=True)
    hold = _get(conn, ctx, code)
    placed = ctx.event(
        EventType.HOLD_PLACED,
        code,
        {"reason": reason, "units": list(hold.units), "lots": [list(x) for x in hold.lots]},
    )
    store.ledger.append(conn, placed)
    subjects = [*hold.units, *(f"{item}/{lot}" for item, lot in hold.lots)]
    store.ledger.add_subjects(conn, ctx.tenant_id, [(placed.event_id, s) for s in subjects])
    return hold


def _members(
    conn: Connection, ctx: Context, lots: Sequence[tuple[str, str]], serials: Sequence[str]
) -> list[tuple[str, int]]:
    members: list[tuple[str, int]] = []
    for index, (item_code, lot) in enumerate(lots):
        lot_id = store.trace.lot_id(conn, ctx.tenant_id, item_code, lot)
        if lot_id is None:
            raise InvalidInputError(
                f"lots[{index}]", f"unknown lot {lot} of {item_code}", code="unknown_lot"
            )
        members.append(("lot", lot_id))
    for index, serial in enumerate(serials):
        found = store.trace.units_by_serial(conn, ctx.tenant_id, serial)
        if not found:
            raise InvalidInputError(
                f"units[{index}]", f"unknown serial {serial}", code="unknown_serial"
            )
        members.extend(("unit", unit_id) for unit_id, _ in found)
    return members


def _next_code(conn: Connection, ctx: Context) -> str:
    prefix = f"H{ctx.now:%Y%m%d}-"
    return f"{prefix}{store.holds.count_codes_starting(conn, ctx.tenant_id, prefix) + 1:03d}"


def release(db: Engine, ctx: Context, code: str, disposition: str, note: str = "") -> Hold:
    """Release a hold with a disposition: scrap scraps held units still here and rejects
    held lots, return_to_supplier rejects held lots; a unit or lot under another open hold
    stays on hold."""
    decided = domain.holds.parse_disposition(disposition)
    with db.begin() as conn:
        if replayed(conn, ctx, EventType.HOLD_RELEASED, code):
            return _get(conn, ctx, code)
        found = store.holds.get(conn, ctx.tenant_id, code, lock=True)
        if found is None:
            raise NotFoundError("hold", code)
        hold_id, hold = found
        if hold.released_at is not None:
            raise ConflictError(f"hold {code} was already released", code="hold_released")
        members = store.holds.members_of(conn, ctx.tenant_id, hold_id)
        store.holds.release(conn, ctx.tenant_id, hold_id, ctx.now, ctx.user_id, decided, note)
        covered = store.holds.still_held(conn, ctx.tenant_id, members, other_than=hold_id)
        store.holds.set_flags(conn, ctx.tenant_id, set(members) - covered, on_hold=False)
        lot_ids = [target for kind, target in members if kind == "lot"]
        if decided in (Disposition.SCRAP, Disposition.RETURN_TO_SUPPLIER):
            store.holds.reject_lots(conn, ctx.tenant_id, lot_ids)
        released = ctx.event(
            EventType.HOLD_RELEASED, code, {"disposition": decided.value, "note": note}
        )
        store.ledger.append(conn, released)
        if decided is Disposition.SCRAP:
            _scrap(conn, ctx, db, hold, released.event_id)
        subjects = [*hold.units, *(f"{item}/{lot}" for item, lot in hold.lots)]
        store.ledger.add_subjects(conn, ctx.tenant_id, [(released.event_id, s) for s in subjects])
        return _get(conn, ctx, code)


def _scrap(conn: Connection, ctx: Context, db: Engine, hold: Hold, event_id: str) -> None:
    """Scrap the held units as shop-floor events (open steps closed, each unit's history
    told); a unit already gone, or still inside another unit, is left as it is."""
    reason = f"hold {hold.code}: {hold.reason}"
    scraps = [
        FloorEvent(f"{event_id}:scrap:{serial}", ScrapUnit(serial, reason)) for serial in hold.units
    ]
    services_floor.record_in(conn, ctx, scraps, plans_of(db))


def get(db: Engine, ctx: Context, code: str) -> Hold:
    """A hold and what it covers."""
    with store.db.reading(db) as conn:
        return _get(conn, ctx, code)


def _get(conn: Connection, ctx: Context, code: str) -> Hold:
    found = store.holds.get(conn, ctx.tenant_id, code)
    if found is None:
        raise NotFoundError("hold", code)
    return found[1]


# -- nonconformance records -----------------------------------------------------------

NCR_STATUSES = ("open", "closed")


def nonconformances(
    db: Engine, ctx: Context, status: str | None = None, limit: int | None = None
) -> list[Nonconformance]:
    """The nonconformance records (all, or `open` or `closed` ones; the newest `limit`):
    every hold, each raised by a rejected inspection (with its reasons) or by hand (a
    customer complaint, a finding on the line, a recall), with what it stopped and, once
    closed, the disposition, who decided it and when."""
    if status is not None and status not in NCR_STATUSES:
        raise InvalidInputError("status", f"{status!r} is not open or closed")
    is_open = None if status is None else status == "open"
    with store.db.reading(db) as conn:
        return store.holds.nonconformances(conn, ctx.tenant_id, is_open, limit)


def open_nonconformances(db: Engine, ctx: Context) -> int:
    """How many nonconformances wait for a disposition."""
    with store.db.reading(db) as conn:
        return store.holds.count_open_holds(conn, ctx.tenant_id)
