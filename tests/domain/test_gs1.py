import pytest

from tracemes.domain.errors import InvalidInputError
from tracemes.domain.gs1 import check_digit, check_gtin


@pytest.mark.parametrize(
    ("gtin", "normalised"),
    [
        ("4006381333931", "04006381333931"),  # GTIN-13 from the GS1 check digit example
        ("96385074", "00000096385074"),  # GTIN-8
        ("036000291452", "00036000291452"),  # GTIN-12 (UPC-A)
        ("10614141000415", "10614141000415"),  # GTIN-14
    ],
)
def test_valid_gtins_are_kept_as_fourteen_digits(gtin: str, normalised: str) -> None:
    assert check_gtin(gtin) == normalised


def test_the_check_digit_follows_the_gs1_weights() -> None:
    assert check_digit("400638133393") == 1
    assert check_digit("9638507") == 4


def test_a_wrong_check_digit_names_the_expected_one() -> None:
    with pytest.raises(InvalidInputError, match="expected 1") as refusal:
        check_gtin("4006381333932")
    assert refusal.value.code == "bad_gtin"


@pytest.mark.parametrize("value", ["12345", "40063813339a1", "123456789012345"])
def test_a_gtin_of_the_wrong_shape_is_refused(value: str) -> None:
    with pytest.raises(InvalidInputError, match="not 8, 12, 13 or 14 digits"):
        check_gtin(value)
