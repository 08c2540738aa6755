"""The ledger's hash chain: each event sealed with the hash of the one before it, per tenant.

hash_n = SHA-256(hash_{n-1} || canonical bytes of event n), with hash_0 = GENESIS. The
canonical bytes are the same whichever database stored the event: compact UTF-8 JSON with
sorted keys, times as UTC ISO text with microseconds, whole numbers as integers (the float
1e16 and PostgreSQL's 10000000000000000 are one number), decimals as exact strings.
Changing an event, dropping one or moving one breaks every later link, so a walk from the first
event finds the first place the ledger was touched.
"""

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

import orjson

from tracemes.domain.events import Event

GENESIS = "0" * 64
"""The link before a tenant's first event."""


def canonical_bytes(event: Event, position: int) -> bytes:
    """The event as the chain hashes it: identical bytes on SQLite and PostgreSQL."""
    fields = {
        "event_id": event.event_id,
        "occurred_at": _time(event.occurred_at),
        "payload": _numbers(event.payload),
        "position": position,
        "recorded_at": _time(event.recorded_at),
        "station": event.station,
        "subject": event.subject,
        "tenant_id": event.tenant_id,
        "type": event.type,
        "user_id": event.user_id,
    }
    return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def link(previous: str, event: Event, position: int) -> str:
    """The hash sealing `event` at `position` after the link `previous` (hex)."""
    return _digest(bytes.fromhex(previous), event, position).hex()


def seal(head: "Head", batch: Sequence[Event]) -> tuple[list[tuple[int, str]], "Head"]:
    """The (position, hash) of each event appended after `head`, and the new head.

    Runs for every event ingested, so the links are carried as raw digests and only
    written out as hex.
    """
    position, previous = head.position, bytes.fromhex(head.hash)
    links: list[tuple[int, str]] = []
    for event in batch:
        position += 1
        previous = _digest(previous, event, position)
        links.append((position, previous.hex()))
    return links, Head(position, links[-1][1] if links else head.hash)


def _digest(previous: bytes, event: Event, position: int) -> bytes:
    sha = hashlib.sha256(previous)
    sha.update(canonical_bytes(event, position))
    return sha.digest()


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
    # Keyed by the UTC instant: two times of a zone's repeated hour (fold) compare equal.
    return _utc_text(value.astimezone(UTC))


@lru_cache(maxsize=1024)  # a batch shares its recorded time, and often its occurred times
def _utc_text(value: datetime) -> str:
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


_INTEGERS = (-(2**63), 2**64)  # what a JSON integer reads back as, not as a float
_AS_IS = frozenset((str, int, bool, type(None)))  # leaves written as they are: no call


def _numbers(value: Any) -> Any:
    """The payload with each number in the form both databases hand back.

    A whole float becomes an integer: PostgreSQL's jsonb returns 1e16 as 10000000000000000
    while SQLite returns it as written. Other floats come back as the same float from both.
    Decimals are their exact text. The rest is written by orjson with the options the
    database columns use (integer keys as text, datetimes as RFC 3339), so an event hashes
    the same before it is stored and after it is read back; orjson because this runs for
    every event ingested, and plain leaves are passed over without a call for the same
    reason.
    """
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in _AS_IS else _numbers(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [v if type(v) in _AS_IS else _numbers(v) for v in value]
    if kind is float:
        if value.is_integer() and _INTEGERS[0] <= value < _INTEGERS[1]:
            return int(value)
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return _numbers(dict(value))
    return value
