"""Rollup deltas: what each ledger line adds to which plant hour, counted without a database."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tracemes.domain.board import day_bounds
from tracemes.domain.event_types import EventType
from tracemes.domain.events import Event
from tracemes.domain.rollups import (
    NONE,
    Counts,
    Key,
    UnitFacts,
    by_hour_of_day,
    closures,
    deltas,
    plant_hour,
)

T0 = datetime(2026, 3, 16, 4, 10, tzinfo=UTC)  # 09:40 in Kolkata, 12:10 in Shanghai
BIKE = UnitFacts("BIKE", "L1", "OP30")


def line(type_: EventType, minutes: int = 0, station: str | None = "S1", **facts: Any) -> Event:
    return Event(1, f"e{minutes}{type_}", type_, "x", T0 + timedelta(minutes=minutes), T0,
                 station=station, payload=facts)  # fmt: skip


def completed(serial: str, op: str, result: str, minutes: int = 0, **more: Any) -> Event:
    return line(EventType.STEP_COMPLETED, minutes, unit=serial, operation=op, result=result, **more)


def test_a_plant_hour_in_a_half_hour_zone_starts_at_half_past_in_utc() -> None:
    hour = plant_hour(T0, "Asia/Kolkata")  # 09:40 local: the hour began 09:00 = 03:30 UTC
    assert hour == datetime(2026, 3, 16, 3, 30, tzinfo=UTC)
    start, end = day_bounds(hour.date(), "Asia/Kolkata")
    assert start <= hour < end  # a plant day is an exact run of hours
    assert plant_hour(start, "Asia/Kolkata") == start


def test_the_repeated_hour_when_clocks_go_back_is_two_hours_of_one_wall_clock_hour() -> None:
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST in Berlin
    second = first + timedelta(hours=1)  # 02:30 CET, the same wall-clock hour again
    hours = [plant_hour(first, "Europe/Berlin"), plant_hour(second, "Europe/Berlin")]
    assert hours == [first.replace(minute=0), second.replace(minute=0)]
    assert by_hour_of_day([(hours[0], 1), (hours[1], 2)], "Europe/Berlin")[2] == 3


def test_a_retry_after_rework_is_not_a_first_try_and_the_last_pass_finishes_the_unit() -> None:
    events = [
        line(EventType.STEP_STARTED, 0, unit="B1", operation="OP30"),
        completed("B1", "OP30", "fail", 1, defects=["NOISE", "NOISE"]),
        line(EventType.STEP_STARTED, 2, unit="B1", operation="OP30"),
        completed("B1", "OP30", "pass", 3, defects=["SCRATCH"]),  # a pass: no Pareto
    ]
    counted = deltas(events, "Asia/Kolkata", {"B1": BIKE}, {}, Counter())
    hour = datetime(2026, 3, 16, 3, 30, tzinfo=UTC)
    key = Key(hour, "L1", "S1", "BIKE", "OP30")
    assert counted[key] == Counts(started=2, passed=1, failed=1, first_tries=1, finished=1)
    assert counted[Key(hour, "L1", "S1", "BIKE", "OP30", "NOISE")] == Counts(defects=2)
    assert len(counted) == 2


def test_a_step_ended_before_these_lines_makes_the_next_one_a_retry() -> None:
    ended = Counter({("B1", "OP20"): 1})
    counted = deltas([completed("B1", "OP20", "pass")], "UTC", {"B1": BIKE}, {}, ended)
    assert counted[Key(T0.replace(minute=0), "L1", "S1", "BIKE", "OP20")] == Counts(passed=1)
    assert ended[("B1", "OP20")] == 2


def test_scrapping_a_unit_mid_step_ends_the_step_failed_where_it_was() -> None:
    facts = UnitFacts("BIKE", "L1", "OP30", step_cut_short="OP20", current_operation="OP20")
    scrap = line(EventType.UNIT_SCRAPPED, station=None, unit="B1", reason="dropped")
    counted = deltas([scrap], "UTC", {"B1": facts}, {}, Counter())
    key = Key(T0.replace(minute=0), "L1", NONE, "BIKE", "OP20")
    assert counted == {key: Counts(failed=1, first_tries=1, scrapped=1)}
    assert closures([scrap], {"B1": facts}) == Counter({("B1", "OP20"): 1})


def test_a_lot_report_adds_its_quantities_and_defects_to_its_orders_line() -> None:
    report = line(EventType.LOT_STEP_REPORTED, item="BLADE", lot="BL1", operation="CUT",
                  good="9.5", scrap="0.5", defects={"BURR": "0.5"})  # fmt: skip
    counted = deltas([report], "UTC", {}, {("BLADE", "BL1"): "L2"}, Counter())
    key = Key(T0.replace(minute=0), "L2", "S1", "BLADE", "CUT")
    assert counted[key] == Counts(lot_good=Decimal("9.5"), lot_scrap=Decimal("0.5"))
    assert counted[Key(key.hour, "L2", "S1", "BLADE", "CUT", "BURR")] == Counts(
        lot_defects=Decimal("0.5")
    )


def test_a_bound_part_counts_nothing() -> None:
    bound = line(EventType.PART_BOUND, unit="B1", component={"serial": "F-1"})
    assert deltas([bound], "UTC", {}, {}, Counter()) == {}
