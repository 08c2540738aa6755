"""Business keys (item codes, line codes, work order codes, serials, lot numbers)."""

from tracemes.domain import text
from tracemes.domain.errors import InvalidInputError

MAX_LENGTH = 64


def check(field: str, value: str) -> str:
    """Return a usable business key or refuse it; keys are case-sensitive and kept as typed."""
    if not value or not value.strip():
        raise InvalidInputError(field, "must not be empty")
    if value != value.strip():
        raise InvalidInputError(field, f"{value!r} has leading or trailing spaces")
    if len(value) > MAX_LENGTH:
        raise InvalidInputError(field, f"is longer than {MAX_LENGTH} characters")
    if any((ch.isspace() and ch != " ") or not ch.isprintable() for ch in value):
        raise InvalidInputError(field, f"{value!r} contains control characters")
    if "/" in value:
        raise InvalidInputError(field, f"{value!r} contains '/', which cannot appear in a URL")
    return value


def check_name(field: str, value: str) -> str:
    """A display name: any text on one line without control characters, not empty."""
    text.check(field, value)
    if not value or not value.strip():
        raise InvalidInputError(field, "must not be empty")
    if len(value) > 200:
        raise InvalidInputError(field, "is longer than 200 characters")
    return value.strip()
