from datetime import date

import pytest

from tracemes.domain.errors import InvalidInputError
from tracemes.domain.serials import parse, regex, render, scope

DAY = date(2026, 3, 16)


def test_a_dated_pattern_renders_date_parts_and_a_padded_sequence() -> None:
    pattern = parse("EB{yy}{MM}{dd}{seq:5}")

    assert render(pattern, "EBIKE", DAY, 42) == "EB26031600042"


def test_the_item_code_and_four_digit_year_can_be_part_of_a_serial() -> None:
    assert render(parse("{item}-{yyyy}-{seq:3}"), "MOTOR", DAY, 7) == "MOTOR-2026-007"


def test_the_sequence_restarts_per_day_because_the_scope_changes() -> None:
    pattern = parse("EB{yy}{MM}{dd}{seq:4}")

    assert scope(pattern, "EB", DAY) != scope(pattern, "EB", date(2026, 3, 17))
    assert scope(parse("X{seq}"), "EB", DAY) == scope(parse("X{seq}"), "EB", date(2027, 1, 1))


def test_a_sequence_wider_than_its_padding_still_renders() -> None:
    assert render(parse("S{seq:2}"), "I", DAY, 123) == "S123"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("EB{yy}", "exactly one {seq}"),
        ("EB{seq}{seq}", "exactly one {seq}"),
        ("EB{week}{seq}", "unknown placeholder {week}"),
        ("EB {seq}", "stray braces or spaces"),
        ("EB}{seq}", "stray braces or spaces"),
    ],
)
def test_a_bad_pattern_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason) as refusal:
        parse(text)
    assert refusal.value.field == "serial_pattern"


def test_the_pattern_regex_matches_its_own_serials_and_not_others() -> None:
    pattern = parse("{item}{yy}{MM}{dd}{seq:4}")
    matcher = regex(pattern, "EB.1")

    assert matcher.fullmatch(render(pattern, "EB.1", DAY, 9))
    assert not matcher.fullmatch("EBX12603160009")  # the '.' in the item code is literal
    assert not matcher.fullmatch("EB.1260316009")  # too few sequence digits
