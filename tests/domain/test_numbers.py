"""Numbers at the door: one range and precision for quantities, costs and measurements."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracemes.domain import numbers, times
from tracemes.domain.errors import InvalidInputError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.1", Decimal("0.1")),
        (0.1, Decimal("0.1")),
        (3, Decimal(3)),
        (Decimal("2.5"), Decimal("2.5")),
        (" 12.5 ", Decimal("12.5")),
        ("999999999999.999999", Decimal("999999999999.999999")),
        ("0.000001", Decimal("0.000001")),
        ("1.50000000", Decimal("1.5")),  # trailing zeros past the 6th decimal lose nothing
        ("1E+3", Decimal(1000)),
    ],
)
def test_numbers_become_exact_decimals(value: object, expected: Decimal) -> None:
    assert numbers.quantity("quantity", value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("abc", "is not a number"),
        (True, "is not a number"),
        (None, "is not a number"),
        ("NaN", "is not a finite number"),
        ("sNaN", "is not a finite number"),
        ("-Infinity", "is not a finite number"),
        (float("inf"), "is not a finite number"),
        (float("nan"), "is not a finite number"),
        ("1e400", "too large"),
        (1e30, "too large"),
        (10**12, "too large"),
        ("1000000000000", "too large"),
        pytest.param(10**5000, "too large", id="5001 digits"),
        ("0.0000001", "more than 6 decimals"),
        (1e-7, "more than 6 decimals"),
        ("1" * 65, "at most 64 characters"),
        ("-1", "greater than zero"),
        ("0", "greater than zero"),
        ("-0", "greater than zero"),
    ],
)
def test_a_quantity_out_of_range_or_too_precise_is_refused_by_name(
    value: object, reason: str
) -> None:
    with pytest.raises(InvalidInputError, match=reason) as refused:
        numbers.quantity("quantity", value)
    assert refused.value.field == "quantity"


def test_costs_and_times_may_be_zero_but_not_negative() -> None:
    assert numbers.cost("standard_cost", "0") == 0
    assert numbers.seconds("std_time_s", 0) == 0
    assert numbers.quantity("good", "-0", allow_zero=True) == 0
    with pytest.raises(InvalidInputError, match="must not be negative"):
        numbers.cost("standard_cost", "-0.01")


def test_measurements_may_be_negative_and_fine_but_not_huge() -> None:
    assert numbers.measurement("v", "-40.5") == Decimal("-40.5")
    assert numbers.measurement("v", "0.00000012") == Decimal("0.00000012")
    with pytest.raises(InvalidInputError, match="too large"):
        numbers.measurement("v", -1e12)
    with pytest.raises(InvalidInputError, match="not a finite number"):
        numbers.measurement("v", "Infinity")


_EXACT = st.decimals(
    min_value=Decimal("0.000001"),
    max_value=Decimal("999999999999.999999"),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)


@given(_EXACT)
def test_every_quantity_in_range_passes_unchanged_as_number_or_text(value: Decimal) -> None:
    assert numbers.quantity("quantity", value) == value
    assert numbers.quantity("quantity", str(value)) == value
    assert numbers.quantity("quantity", format(value, "f")) == value


@given(
    st.one_of(
        st.floats(),
        st.integers(),
        st.decimals(),
        st.text(max_size=70),
        st.sampled_from(["1e400", "-1e400", "NaN", "Infinity", "+inf", "1e-400", "0x10"]),
    )
)
def test_whatever_comes_in_is_a_storable_quantity_or_a_named_refusal(value: object) -> None:
    refusal: InvalidInputError | None = None
    try:
        parsed = numbers.quantity("quantity", value)
    except InvalidInputError as refused:
        refusal = refused
    if refusal is not None:
        assert refusal.field == "quantity"
        return
    assert parsed.is_finite()
    assert 0 < parsed < Decimal(10) ** 12
    assert parsed == parsed.quantize(Decimal("0.000001"))  # fits NUMERIC(20, 6) exactly


@pytest.mark.parametrize(
    "value",
    [
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(2026, 3, 16, 16, 30, tzinfo=timezone(timedelta(hours=8))),
        datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC),
    ],
)
def test_times_from_1970_to_2200_with_an_offset_pass(value: datetime) -> None:
    assert times.moment("at", value) == value


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (datetime(2026, 3, 16, 8, 30), "has no UTC offset"),  # noqa: DTZ001 - the point
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))), "not between 1970"),
        (datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-5))), "not between"),
        (datetime(1969, 12, 31, 23, 59, tzinfo=UTC), "not between"),
        (datetime(1970, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), "not between"),
        (datetime(2200, 1, 1, tzinfo=UTC), "not between"),
    ],
)
def test_times_without_offset_or_out_of_range_are_refused(value: datetime, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason) as refused:
        times.moment("at", value)
    assert refused.value.field == "at"
