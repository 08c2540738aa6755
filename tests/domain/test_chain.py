"""The ledger's hash chain: canonical bytes and the walk that finds the first broken link."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tracemes.domain import chain
from tracemes.domain.events import Event

AT = datetime(2026, 12, 4, 8, 30, 15, 123456, tzinfo=UTC)


def an_event(number: int = 1, **payload: object) -> Event:
    return Event(1, f"e-{number}", "part.bound", f"S{number}", AT, AT, 7, "ST1", dict(payload))


def a_chain(count: int) -> list[chain.StoredLink]:
    links, _ = chain.seal(chain.Head(), [an_event(n, n=n) for n in range(1, count + 1)])
    return [
        chain.StoredLink(row_id, an_event(row_id, n=row_id), position, sealed)
        for row_id, (position, sealed) in enumerate(links, start=1)
    ]


def walked(links: list[chain.StoredLink], head: chain.Head | None = None) -> chain.Verdict:
    if head is None:
        head = chain.Head(links[-1].position, links[-1].hash) if links else chain.Head()
    return chain.walk(1, links, {link.position for link in links}, head)


def test_canonical_bytes_are_sorted_compact_json_with_utc_microsecond_times() -> None:
    event = an_event(1, b=1, a={"y": [1, "x"], "x": None})
    assert chain.canonical_bytes(event, 3) == (
        b'{"event_id":"e-1","occurred_at":"2026-12-04T08:30:15.123456Z",'
        b'"payload":{"a":{"x":null,"y":[1,"x"]},"b":1},"position":3,'
        b'"recorded_at":"2026-12-04T08:30:15.123456Z","station":"ST1","subject":"S1",'
        b'"tenant_id":1,"type":"part.bound","user_id":7}'
    )


def test_the_same_moment_in_another_offset_hashes_the_same() -> None:
    shanghai = AT.astimezone(timezone(timedelta(hours=8)))
    moved = replace(an_event(), occurred_at=shanghai, recorded_at=shanghai)
    assert chain.canonical_bytes(moved, 1) == chain.canonical_bytes(an_event(), 1)


def test_the_two_times_of_the_hour_a_zone_repeats_hash_apart() -> None:
    """Python calls 02:30 before and after the clocks go back equal; the ledger stores
    them an hour apart in UTC, and the chain must hash what is stored."""
    berlin = ZoneInfo("Europe/Berlin")
    first = datetime(2026, 10, 25, 2, 30, tzinfo=berlin)
    second = first.replace(fold=1)
    hashed = [
        chain.canonical_bytes(replace(an_event(), occurred_at=at), 1) for at in (first, second)
    ]
    assert b'"occurred_at":"2026-10-25T00:30:00.000000Z"' in hashed[0]
    assert b'"occurred_at":"2026-10-25T01:30:00.000000Z"' in hashed[1]


def test_a_number_hashes_by_value_whatever_the_database_hands_back() -> None:
    """PostgreSQL's jsonb hands 1e16 back as an integer; SQLite keeps the float."""
    assert chain.canonical_bytes(an_event(q=2), 1) == chain.canonical_bytes(an_event(q=2.0), 1)
    assert chain.canonical_bytes(an_event(q=1e16), 1) == chain.canonical_bytes(
        an_event(q=10**16), 1
    )
    assert b'"q":1e+30' in chain.canonical_bytes(an_event(q=1e30), 1)
    assert chain.canonical_bytes(an_event(q=-0.0), 1) == chain.canonical_bytes(an_event(q=0), 1)
    assert b'"q":0.1' in chain.canonical_bytes(an_event(q=0.1), 1)
    assert b'"q":"2.50"' in chain.canonical_bytes(an_event(q=Decimal("2.50")), 1)


def test_true_false_and_null_are_json_words() -> None:
    assert b'"q":[true,false,null]' in chain.canonical_bytes(an_event(q=[True, False, None]), 1)


def test_unicode_stays_as_written() -> None:
    assert b'"subject":"S1","tenant_id"' in chain.canonical_bytes(an_event(), 1)
    assert "电池".encode() in chain.canonical_bytes(an_event(name="电池"), 1)


def test_each_link_seals_the_one_before() -> None:
    first = chain.link(chain.GENESIS, an_event(1), 1)
    assert chain.link(first, an_event(2), 2) != chain.link(chain.GENESIS, an_event(2), 2)
    assert len(first) == 64


def test_ledgers_sealed_before_keep_their_hashes() -> None:
    """The hashes of chains already stored must not change with a faster or tidier seal:
    these were sealed by the first release of the chain."""
    batch = [an_event(n, n=n, q=n / 4, d={"x": [1.0, None]}) for n in range(1, 4)]
    links, head = chain.seal(chain.Head(), batch)
    assert links == [
        (1, "10169a6dd73dd85447888461f0b74a00f8ede3f96eac28ba80c42018db624ce8"),
        (2, "338e766170ee9e342075b4f4171b3b88f5b30e47f13ccfa19394ee77f11edf89"),
        (3, "b946f8c5af01d696380745532087ffad98bfc6fb2991c03335f30a911562b152"),
    ]
    assert head == chain.Head(3, links[-1][1])
    assert chain.seal(head, []) == ([], head)


def test_an_untouched_chain_is_intact() -> None:
    links = a_chain(5)
    verdict = walked(links)
    assert verdict.is_intact
    assert verdict.checked == 5
    assert verdict.head == chain.Head(5, links[-1].hash)


def test_an_empty_ledger_is_intact() -> None:
    assert walked([], chain.Head()).is_intact
    assert chain.walk(1, [], set(), None).is_intact


def test_a_deleted_chain_head_is_found() -> None:
    links = a_chain(2)
    verdict = chain.walk(1, links, {1, 2}, None)
    assert verdict.broken is not None
    assert verdict.broken.damage == chain.Damage.HEAD
    assert "the chain head is missing" in verdict.broken.message


def test_an_edited_payload_is_named_as_the_first_broken_link() -> None:
    links = a_chain(5)
    links[2] = replace(links[2], event=replace(links[2].event, payload={"n": 99}))
    verdict = walked(links)
    assert verdict.broken is not None
    assert verdict.broken.damage == chain.Damage.EDITED
    assert verdict.broken.event_id == "e-3"
    assert verdict.checked == 2
    assert "event e-3 (row 3, position 3) was edited or forged" in verdict.broken.message


def test_a_deleted_event_is_named_by_the_event_after_the_gap() -> None:
    links = a_chain(5)
    del links[1]
    verdict = walked(links)
    assert verdict.broken is not None
    assert verdict.broken.damage == chain.Damage.DELETED
    assert verdict.broken.event_id == "e-3"
    assert "position 2 is missing" in verdict.broken.message


def test_events_deleted_from_the_end_are_found_by_the_head() -> None:
    links = a_chain(5)
    verdict = walked(links[:3], chain.Head(5, links[-1].hash))
    assert verdict.broken is not None
    assert verdict.broken.damage == chain.Damage.DELETED
    assert "the last 2 event(s) were deleted" in verdict.broken.message


def test_two_swapped_events_are_named_as_reordered() -> None:
    links = a_chain(5)
    second, third = links[1], links[2]
    links[1] = replace(third, id=second.id)
    links[2] = replace(second, id=third.id)
    verdict = walked(links)
    assert verdict.broken is not None
    assert verdict.broken.damage == chain.Damage.REORDERED
    assert verdict.broken.event_id == "e-3"
    assert verdict.checked == 1


def test_an_event_recomputed_without_its_successors_breaks_the_next_link() -> None:
    """Rewriting one event and its own hash still breaks the link after it."""
    links = a_chain(4)
    forged = replace(links[1].event, payload={"n": 99})
    links[1] = replace(links[1], event=forged, hash=chain.link(links[0].hash, forged, 2))
    verdict = walked(links)
    assert verdict.broken is not None
    assert verdict.broken.event_id == "e-3"
    assert verdict.broken.damage == chain.Damage.EDITED


def test_a_chain_head_that_does_not_match_the_last_event_is_found() -> None:
    links = a_chain(3)
    verdict = walked(links, chain.Head(3, chain.GENESIS))
    assert verdict.broken is not None
    assert verdict.broken.damage == chain.Damage.HEAD
    assert "does not match the ledger's last link" in verdict.broken.message


def test_values_the_database_cannot_hold_still_hash_without_failing() -> None:
    """SQLite kept NaN and infinities before numbers were checked at the door (issue 12)."""
    assert b'"q":[null,null]' in chain.canonical_bytes(an_event(q=(float("nan"), 1e400)), 1)


def test_a_payload_value_json_cannot_hold_is_refused() -> None:
    with pytest.raises(TypeError, match="not JSON serializable: set"):
        chain.canonical_bytes(an_event(q={1}), 1)
