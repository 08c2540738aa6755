"""Holds, what they cover, and the on-hold flags they set on units and lots."""

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.holds import Disposition, Hold
from tracemes.store.chunks import chunks
from tracemes.store.schema import hold_members, holds, items, lots, units


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
