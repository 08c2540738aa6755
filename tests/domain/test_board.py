"""The board's arithmetic: rates with nothing to divide, local hours, days where the clocks
change, operations of several routings in one order."""

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import pairwise

from tracemes.domain.board import (
    OperationLoad,
    by_hour,
    day_bounds,
    day_starts,
    operations_in_order,
    ratio,
    today,
)


def test_a_ratio_of_nothing_is_none_not_zero() -> None:
    assert ratio(0, 0) is None
    assert ratio(0, 3) == Decimal(0)
    assert ratio(2, 3) == Decimal("0.6667")


def test_first_pass_yield_counts_first_tries_only() -> None:
    load = OperationLoad(
        code="OP30",
        name="Test",
        waiting=0,
        in_work=0,
        passed=9,
        failed=1,
        first_tries=8,
        first_passes=7,
    )
    assert load.pass_rate == Decimal("0.9")
    assert load.first_pass_yield == Decimal("0.875")


def test_the_plants_day_begins_at_its_midnight() -> None:
    late = datetime(2026, 3, 15, 17, 0, tzinfo=UTC)  # 01:00 on the 16th in Shanghai
    assert today(late, "Asia/Shanghai") == date(2026, 3, 16)
    start, end = day_bounds(date(2026, 3, 16), "Asia/Shanghai")
    assert start.astimezone(UTC) == datetime(2026, 3, 15, 16, 0, tzinfo=UTC)
    assert (end - start).total_seconds() == 24 * 3600


def test_a_day_when_the_clocks_go_forward_has_23_hours() -> None:
    start, end = day_bounds(date(2026, 3, 29), "Europe/Berlin")
    assert (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 23 * 3600


def test_finished_units_fall_in_their_local_hour() -> None:
    times = [datetime(2026, 3, 16, 1, 5, tzinfo=UTC), datetime(2026, 3, 16, 1, 59, tzinfo=UTC)]
    hours = by_hour(times, "Asia/Shanghai")
    assert hours[9] == 2
    assert sum(hours) == 2
    assert len(hours) == 24


def test_operations_of_several_routings_come_once_in_routing_order() -> None:
    bike = [(10, "OP10", "Frame"), (20, "OP20", "Motor"), (30, "OP30", "Test")]
    pack = [(5, "P05", "Cells"), (20, "OP20", "Motor, pack line")]
    assert operations_in_order([bike, pack]) == [
        ("P05", "Cells"),
        ("OP10", "Frame"),
        ("OP20", "Motor"),
        ("OP30", "Test"),
    ]


def test_day_starts_bound_each_plant_day_also_where_the_clocks_change() -> None:
    bounds = day_starts(date(2026, 3, 28), date(2026, 3, 30), "Europe/Berlin")
    hours = [
        (b.astimezone(UTC) - a.astimezone(UTC)).total_seconds() / 3600 for a, b in pairwise(bounds)
    ]
    assert hours == [24, 23, 24]
    assert bounds[0].astimezone(UTC) == datetime(2026, 3, 27, 23, 0, tzinfo=UTC)
    assert len(day_starts(date(2026, 3, 16), date(2026, 3, 16), "Asia/Shanghai")) == 2
