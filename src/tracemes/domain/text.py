"""Text and days as people type them: what the door lets in, whatever field it is.

Names, codes, reasons and notes end up in the database, in pages, PDFs, Excel sheets and
CSV files. A lone UTF-16 surrogate cannot be stored or encoded at all, PostgreSQL refuses
NUL in text, and control characters break Excel files and labels. So every text field
refuses them; only notes and reasons may carry line breaks and tabs. Days are kept between
1970 and 2200: earlier or later is a typing slip, and the calendar arithmetic of reports
would run off the end of Python's dates.
"""

import re
from datetime import date

from tracemes.domain.errors import InvalidInputError

FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2200, 12, 31)

# C0 controls, DEL, C1 controls and UTF-16 surrogates: never part of typed text.
_REFUSED = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = frozenset("\t\n\r")


def problem(value: str, *, multiline: bool = False) -> str | None:
    """What is wrong with a piece of text, in the user's words, or None when it is fine."""
    for found in _REFUSED.finditer(value):
        char = found.group()
        if multiline and char in _LINE_BREAKS:
            continue
        position = found.start() + 1
        if "\ud800" <= char <= "\udfff":
            return f"contains a broken character (a lone UTF-16 surrogate) at position {position}"
        return f"contains a control character (U+{ord(char):04X}) at position {position}"
    return None


def check(field: str, value: str, *, multiline: bool = False) -> str:
    """The text when it has no control characters or broken characters; refused otherwise."""
    found = problem(value, multiline=multiline)
    if found:
        raise InvalidInputError(field, found)
    return value


def day_problem(value: date) -> str | None:
    """Why a day is out of the range the system keeps, or None."""
    if FIRST_DAY <= value <= LAST_DAY:
        return None
    return f"{value.isoformat()} is not between {FIRST_DAY.year} and {LAST_DAY.year}"


def check_day(field: str, value: date) -> date:
    """The day when it is between 1970 and 2200; refused otherwise."""
    found = day_problem(value)
    if found:
        raise InvalidInputError(field, found)
    return value
