from decimal import Decimal

import pytest

from tracemes.domain import codes
from tracemes.domain.errors import InvalidInputError
from tracemes.domain.items import Tracking, new


def test_a_new_item_is_checked_and_normalised() -> None:
    item = new("EB-A1", " City e-bike ", "pcs", "serial", "4006381333931", "1299.50", "EB{seq:5}")

    assert item.tracking is Tracking.SERIAL
    assert item.name == "City e-bike"
    assert item.gtin == "04006381333931"
    assert item.standard_cost == Decimal("1299.50")


def test_untracked_items_have_no_pattern_lot_tracked_ones_number_their_lots() -> None:
    with pytest.raises(InvalidInputError, match="only serial- and lot-tracked"):
        new("GREASE", "Grease", "g", "none", serial_pattern="G{seq}")
    assert new("BLADE", "Blade", "pcs", "lot", serial_pattern="BL{seq:4}").pattern.text == (
        "BL{seq:4}"
    )


def test_an_unknown_tracking_mode_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="'batch' is not serial, lot or none"):
        new("X", "X", "pcs", "batch")


def test_an_item_without_a_pattern_uses_the_default_one() -> None:
    assert new("X", "X", "pcs", "serial").pattern.text == "{item}-{yy}{MM}{dd}-{seq:4}"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "must not be empty"),
        (" A", "leading or trailing spaces"),
        ("A\tB", "control characters"),
        ("A/B", "cannot appear in a URL"),
        ("X" * 65, "longer than 64"),
    ],
)
def test_bad_business_keys_are_refused(value: str, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason):
        codes.check("code", value)


def test_business_keys_keep_case_and_inner_spaces_and_chinese() -> None:
    assert codes.check("code", "电机 M-1a") == "电机 M-1a"
