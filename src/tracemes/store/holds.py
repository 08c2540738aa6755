"""Holds, what they cover, the on-hold flags they set on units and lots, and holds read as
nonconformance records (every hold is one)."""

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.holds import Disposition, Hold, Nonconformance
from tracemes.domain.inspection import verdict_from_dict
from tracemes.store.chunks import chunks
from tracemes.store.schema import (
    hold_members,
    holds,
    inspection_lots,
    items,
    lots,
    units,
    users,
    work_orders,
)


def add(
    conn: Connection,
    tenant_id: int,
    code: str,
    reason: str,
    created_at: datetime,
    created_by: int | None,
    members: Sequence[tuple[str, int]],
) -> None:
    """Store a hold with its members (kind, id)."""
    hold_id = conn.execute(
        sa.insert(holds)
        .values(
            tenant_id=tenant_id,
            code=code,
            reason=reason,
            created_at=created_at,
            created_by=created_by,
        )
        .returning(holds.c.id)
    ).scalar_one()
    if members:
        conn.execute(
            sa.insert(hold_members),
            [
                {"tenant_id": tenant_id, "hold_id": hold_id, "kind": kind, "target_id": target}
                for kind, target in dict.fromkeys(members)
            ],
        )


def count_codes_starting(conn: Connection, tenant_id: int, prefix: str) -> int:
    """How many holds have a code with this prefix (for numbering the day's holds)."""
    return int(
        conn.execute(
            sa.select(sa.func.count()).where(
                holds.c.tenant_id == tenant_id, holds.c.code.startswith(prefix)
            )
        ).scalar_one()
    )


def get(conn: Connection, tenant_id: int, code: str, lock: bool = False) -> tuple[int, Hold] | None:
    """A hold with the serials and lots it covers (its row locked when releasing it)."""
    query = sa.select(holds).where(holds.c.tenant_id == tenant_id, holds.c.code == code)
    row = conn.execute(query.with_for_update() if lock else query).mappings().one_or_none()
    if row is None:
        return None
    members = hold_members.alias("m")
    serials = conn.execute(
        sa.select(units.c.serial)
        .select_from(members.join(units, units.c.id == members.c.target_id))
        .where(members.c.hold_id == row["id"], members.c.kind == "unit")
        .order_by(units.c.serial)
    ).scalars()
    lot_keys = conn.execute(
        sa.select(items.c.code, lots.c.lot)
        .select_from(
            members.join(lots, lots.c.id == members.c.target_id).join(
                items, items.c.id == lots.c.item_id
            )
        )
        .where(members.c.hold_id == row["id"], members.c.kind == "lot")
        .order_by(items.c.code, lots.c.lot)
    )
    hold = Hold(
        code=row["code"],
        reason=row["reason"],
        units=tuple(serials),
        lots=tuple((item, lot) for item, lot in lot_keys),
        created_at=row["created_at"],
        released_at=row["released_at"],
        disposition=Disposition(row["disposition"]) if row["disposition"] else None,
        note=row["note"],
    )
    return int(row["id"]), hold


def members_of(conn: Connection, tenant_id: int, hold_id: int) -> list[tuple[str, int]]:
    """(kind, id) of everything a hold covers."""
    rows = conn.execute(
        sa.select(hold_members.c.kind, hold_members.c.target_id).where(
            hold_members.c.tenant_id == tenant_id, hold_members.c.hold_id == hold_id
        )
    )
    return [(kind, int(target)) for kind, target in rows]


def lock(conn: Connection, tenant_id: int, members: Iterable[tuple[str, int]]) -> None:
    """Lock units and lots (PostgreSQL), so a batch binding them now finishes before a hold
    traces where they went, and one starting later sees them held."""
    for kind, table in (("unit", units), ("lot", lots)):
        ids = [target for member_kind, target in members if member_kind == kind]
        for chunk in chunks(ids):
            conn.execute(
                sa.select(table.c.id)
                .where(table.c.tenant_id == tenant_id, table.c.id.in_(chunk))
                .with_for_update()
            ).all()


def still_held(
    conn: Connection, tenant_id: int, members: Iterable[tuple[str, int]], other_than: int
) -> set[tuple[str, int]]:
    """Which of these are covered by another hold that is not released."""
    wanted = list(members)
    if not wanted:
        return set()
    rows = conn.execute(
        sa.select(hold_members.c.kind, hold_members.c.target_id)
        .select_from(hold_members.join(holds, holds.c.id == hold_members.c.hold_id))
        .where(
            hold_members.c.tenant_id == tenant_id,
            holds.c.released_at.is_(None),
            holds.c.id != other_than,
            sa.tuple_(hold_members.c.kind, hold_members.c.target_id).in_(wanted),
        )
    )
    return {(kind, int(target)) for kind, target in rows}


def set_flags(
    conn: Connection, tenant_id: int, members: Iterable[tuple[str, int]], on_hold: bool
) -> None:
    """Set or clear the on-hold flag of units and lots."""
    wanted = list(members)
    for kind, table in (("unit", units), ("lot", lots)):
        for chunk in chunks(target for member_kind, target in wanted if member_kind == kind):
            conn.execute(
                sa.update(table)
                .where(table.c.tenant_id == tenant_id, table.c.id.in_(chunk))
                .values(on_hold=on_hold)
            )


def release(
    conn: Connection,
    tenant_id: int,
    hold_id: int,
    released_at: datetime,
    released_by: int | None,
    disposition: Disposition,
    note: str,
) -> None:
    """Close a hold with its disposition."""
    conn.execute(
        sa.update(holds)
        .where(holds.c.tenant_id == tenant_id, holds.c.id == hold_id)
        .values(
            released_at=released_at,
            released_by=released_by,
            disposition=disposition.value,
            note=note,
        )
    )


def reject_lots(conn: Connection, tenant_id: int, ids: Sequence[int]) -> None:
    """Mark held lots rejected: they can never be bound again."""
    if ids:
        conn.execute(
            sa.update(lots)
            .where(lots.c.tenant_id == tenant_id, lots.c.id.in_(ids))
            .values(rejected=True)
        )


# -- holds as nonconformance records --------------------------------------------------


def nonconformances(
    conn: Connection, tenant_id: int, is_open: bool | None = None, limit: int | None = None
) -> list[Nonconformance]:
    """Every hold as a nonconformance record (only open or only closed ones when `is_open`
    says so), newest first: raised by a rejected inspection (with its lot and verdict) or
    by hand (its reason), who raised it, how many units and lots it stopped, and who closed
    it with which disposition."""

    def held(kind: str) -> sa.ScalarSelect[int]:
        return (
            sa.select(sa.func.count())
            .where(
                hold_members.c.tenant_id == tenant_id,
                hold_members.c.hold_id == holds.c.id,
                hold_members.c.kind == kind,
            )
            .scalar_subquery()
        )

    raised_by, closed_by = users.alias("raised_by"), users.alias("closed_by")
    rows = conn.execute(
        sa.select(
            holds.c.code.label("hold"),
            holds.c.reason,
            holds.c.created_at.label("raised_at"),
            raised_by.c.name.label("raised_by"),
            held("unit").label("held_units"),
            held("lot").label("held_lots"),
            holds.c.released_at,
            closed_by.c.name.label("released_by"),
            holds.c.disposition,
            holds.c.note,
            inspection_lots.c.number.label("inspection"),
            items.c.code.label("item"),
            lots.c.lot.label("lot"),
            work_orders.c.code.label("work_order"),
            inspection_lots.c.operation,
            inspection_lots.c.supplier,
            inspection_lots.c.decided_at,
            inspection_lots.c.verdict,
        )
        .select_from(
            holds.outerjoin(
                inspection_lots,
                sa.and_(
                    inspection_lots.c.tenant_id == tenant_id,
                    inspection_lots.c.hold_code == holds.c.code,
                ),
            )
            .outerjoin(items, inspection_lots.c.item_id == items.c.id)
            .outerjoin(lots, inspection_lots.c.lot_id == lots.c.id)
            .outerjoin(work_orders, inspection_lots.c.work_order_id == work_orders.c.id)
            .outerjoin(raised_by, raised_by.c.id == holds.c.created_by)
            .outerjoin(closed_by, closed_by.c.id == holds.c.released_by)
        )
        .where(holds.c.tenant_id == tenant_id, *_released(is_open))
        .order_by(holds.c.created_at.desc(), holds.c.id.desc())
        .limit(limit)
    )
    return [
        Nonconformance(
            hold=row.hold,
            reason=row.reason,
            raised_at=row.raised_at,
            raised_by=row.raised_by,
            held_units=int(row.held_units or 0),
            held_lots=int(row.held_lots or 0),
            released_at=row.released_at,
            released_by=row.released_by,
            disposition=row.disposition,
            note=row.note,
            inspection=row.inspection,
            item=row.item,
            lot=row.lot,
            work_order=row.work_order,
            operation=row.operation,
            supplier=row.supplier,
            decided_at=row.decided_at,
            verdict=None if row.verdict is None else verdict_from_dict(row.verdict),
        )
        for row in rows
    ]


def _released(is_open: bool | None) -> list[sa.ColumnElement[bool]]:
    """Open holds, closed ones, or (None) no condition."""
    if is_open is None:
        return []
    released = holds.c.released_at
    return [released.is_(None) if is_open else released.is_not(None)]


def count_open_holds(conn: Connection, tenant_id: int) -> int:
    """How many holds (nonconformances) are not released yet."""
    return int(
        conn.execute(
            sa.select(sa.func.count()).where(holds.c.tenant_id == tenant_id, *_released(True))
        ).scalar_one()
    )
