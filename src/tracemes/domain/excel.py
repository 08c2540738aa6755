"""Spreadsheet cells and shop values: codes Excel turned into numbers, yes/no in two languages."""

import re
import unicodedata
from decimal import Decimal

from tracemes.domain.errors import InvalidInputError


def fold(text: str) -> str:
    """Text compared loosely: full-width forms, case and runs of spaces don't matter."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def clean(value: object) -> object:
    """A cell value with surrounding spaces dropped; an empty text cell is empty.

    Text comes as the file holds it, where a character XML cannot carry is written _xHHHH_
    (and a literal "_x" as _x005F_x), so those are turned back into what was typed.
    """
    if isinstance(value, str):
        if "_x" in value:
            value = _ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), value)
        return value.strip() or None
    return value


def text(value: object) -> str:
    """A cell as text; Excel turns typed codes like 1001 into numbers, so undo that."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def optional_text(value: object) -> str | None:
    """A cell as text, or None when it is empty."""
    return text(value) or None


_TRACKING_WORDS = {"序列号": "serial", "批次": "lot", "批号": "lot", "无": "none", "不追溯": "none"}


def tracking(value: object) -> str:
    """A tracking mode's English name from its English or Chinese name."""
    folded = fold(text(value))
    return _TRACKING_WORDS.get(folded, folded)


_YES = frozenset({"yes", "y", "true", "1", "是"})
_NO = frozenset({"no", "n", "false", "0", "否"})


def flag(field: str, value: object) -> bool:
    """A yes/no cell: yes/no, 是/否, 1/0, true/false, or an Excel TRUE/FALSE; empty is no."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    folded = fold(text(value))
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise InvalidInputError(field, f"{value!r} is not yes or no (是/否)")


def whole(value: object) -> object:
    """A whole number from a number or numeric text; anything else is left for the rules."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return value


_SEPARATORS = re.compile(r"[,，、;；\n]")


def code_list(value: object) -> tuple[str, ...]:
    """Codes separated by , 、 ; (or their full-width forms) or line breaks."""
    parts = (part.strip() for part in _SEPARATORS.split(text(value)))
    return tuple(part for part in parts if part)


def number(value: Decimal) -> int | float | str:
    """A decimal as an Excel number when Excel keeps it exactly, else as text."""
    if abs(value) < 10**15:
        if value == value.to_integral_value():
            return int(value)
        as_float = float(value)
        if Decimal(repr(as_float)) == value:
            return as_float
    return format(value.normalize(), "f")
