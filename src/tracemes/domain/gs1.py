"""GS1 identifiers: GTIN check digits (GS1 General Specifications, section 7.9)."""

from tracemes.domain.errors import InvalidInputError

GTIN_LENGTHS = (8, 12, 13, 14)


def check_digit(body: str) -> int:
    """The mod-10 check digit for the digits before it (weights 3,1,3,... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def check_gtin(value: str) -> str:
    """Return the GTIN as 14 digits, or refuse one with a wrong length or check digit."""
    if not value.isdigit() or len(value) not in GTIN_LENGTHS:
        raise InvalidInputError("gtin", f"{value!r} is not 8, 12, 13 or 14 digits")
    expected = check_digit(value[:-1])
    if int(value[-1]) != expected:
        raise InvalidInputError(
            "gtin", f"{value} has check digit {value[-1]}, expected {expected}", code="bad_gtin"
        )
    return value.zfill(14)
