"""The ledger's hash chain: each event sealed with the hash of the one before it, per tenant.

hash_n = SHA-256(hash_{n-1} || canonical bytes of event n), with hash_0 = GENESIS. The
canonical bytes are the same whichever database stored the event: times as UTC ISO text with
microseconds, the payload as JSON with sorted keys and no whitespace, numbers by value (the
integer 2, the float 2.0 and PostgreSQL's numeric 2.00 are one number), decimals as exact
strings. Changing an event, dropping one or moving one breaks every later link, so a walk from
the first event finds the first place the ledger was touched.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tracemes.domain.events import Event

GENESIS = "0" * 64
"""The link before a tenant's first event."""


def canonical_bytes(event: Event, position: int) -> bytes:
    """The event as the chain hashes it: identical bytes on SQLite and PostgreSQL."""
    fields = {
        "event_id": event.event_id,
        "occurred_at": _time(event.occurred_at),
        "payload": event.payload,
        "position": position,
        "recorded_at": _time(event.recorded_at),
        "station": event.station,
        "subject": event.subject,
        "tenant_id": event.tenant_id,
        "type": event.type,
        "user_id": event.user_id,
    }
    return _json(fields).encode()


def link(previous: str, event: Event, position: int) -> str:
    """The hash sealing `event` at `position` after the link `previous` (hex)."""
    return hashlib.sha256(bytes.fromhex(previous) + canonical_bytes(event, position)).hexdigest()


def seal(head: "Head", batch: Sequence[Event]) -> tuple[list[tuple[int, str]], "Head"]:
    """The (position, hash) of each event appended after `head`, and the new head."""
    position, previous = head.position, head.hash
    links: list[tuple[int, str]] = []
    for event in batch:
        position += 1
        previous = link(previous, event, position)
        links.append((position, previous))
    return links, Head(position, previous)


@dataclass(frozen=True, slots=True)
class Head:
    """The last link of a tenant's chain: how many events it seals and the last hash."""

    position: int = 0
    hash: str = GENESIS


@dataclass(frozen=True, slots=True)
class StoredLink:
    """One ledger row as read back for checking: its row id, the event, its chain fields."""

    id: int
    event: Event
    position: int
    hash: str


class Damage(StrEnum):
    """What is wrong at the first broken link."""

    EDITED = "edited"
    DELETED = "deleted"
    REORDERED = "reordered"
    HEAD = "head"


@dataclass(frozen=True, slots=True)
class Break:
    """The first broken link: the row where the walk stopped, what is wrong, in words."""

    event_row_id: int | None
    event_id: str | None
    damage: Damage
    message: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """The result of walking one tenant's chain."""

    tenant_id: int
    checked: int
    head: Head
    broken: Break | None

    @property
    def is_intact(self) -> bool:
        """Whether every link held."""
        return self.broken is None


def walk(
    tenant_id: int,
    links: Iterable[StoredLink],
    positions: frozenset[int] | set[int],
    recorded_head: Head | None,
) -> Verdict:
    """Walk a tenant's events in row order from the first; stop at the first broken link.

    `positions` are all chain positions the tenant's rows carry (to tell a deleted event from
    one moved later); `recorded_head` is the head kept beside the ledger (to find events
    deleted from the end).
    """
    head = Head()
    for stored in links:
        expected = head.position + 1
        if stored.position != expected:
            return Verdict(tenant_id, head.position, head, _misplaced(stored, expected, positions))
        sealed = link(head.hash, stored.event, stored.position)
        if sealed != stored.hash:
            return Verdict(
                tenant_id,
                head.position,
                head,
                Break(
                    stored.id,
                    stored.event.event_id,
                    Damage.EDITED,
                    f"event {stored.event.event_id} (row {stored.id}, position "
                    f"{stored.position}) was edited or forged: "
                    "what it says does not match its hash",
                ),
            )
        head = Head(stored.position, sealed)
    if recorded_head is None and head.position > 0:
        message = f"the chain head is missing: {head.position} events have no head to end at"
        return Verdict(tenant_id, head.position, head, Break(None, None, Damage.HEAD, message))
    if recorded_head is not None and recorded_head != head:
        if recorded_head.position > head.position:
            message = (
                f"the last {recorded_head.position - head.position} event(s) were deleted: "
                f"the chain head says {recorded_head.position} events, the ledger ends at "
                f"{head.position}"
            )
            damage = Damage.DELETED
        else:
            message = (
                f"the chain head (position {recorded_head.position}) does not match the "
                f"ledger's last link (position {head.position})"
            )
            damage = Damage.HEAD
        return Verdict(tenant_id, head.position, head, Break(None, None, damage, message))
    return Verdict(tenant_id, head.position, head, None)


def _misplaced(stored: StoredLink, expected: int, positions: frozenset[int] | set[int]) -> Break:
    where = f"event {stored.event.event_id} (row {stored.id}, position {stored.position})"
    if stored.position > expected and expected not in positions:
        missing = stored.position - expected
        return Break(
            stored.id,
            stored.event.event_id,
            Damage.DELETED,
            f"{missing} event(s) before {where} were deleted: position {expected} is missing",
        )
    return Break(
        stored.id,
        stored.event.event_id,
        Damage.REORDERED,
        f"{where} is out of order or was inserted: position {expected} was expected here",
    )


def _time(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _json(value: Any) -> str:
    """JSON with sorted keys, no whitespace, every number in one exact form, decimals as text."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        items = sorted(((str(key), item) for key, item in value.items()), key=_first)
        return "{" + ",".join(f"{_json(key)}:{_json(item)}" for key, item in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_json(item) for item in value) + "]"
    if isinstance(value, Decimal):
        return _json(str(value))
    if isinstance(value, int | float):
        return _number(value)
    raise TypeError(f"a ledger payload cannot hold {type(value).__name__}")


def _first(pair: tuple[str, Any]) -> str:
    return pair[0]


def _number(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    exact = Decimal(repr(value))
    if not exact.is_finite():
        return json.dumps(repr(value))
    if exact == exact.to_integral_value():
        return str(int(exact))
    return str(exact.normalize())
