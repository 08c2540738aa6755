"""Serial number patterns: a prefix, date parts and a sequence, e.g. ``EB{yy}{MM}{dd}{seq:5}``.

Placeholders: ``{item}`` (item code), ``{yyyy}``, ``{yy}``, ``{MM}``, ``{dd}``, ``{seq}`` or
``{seq:N}`` (zero-padded to N digits). The sequence restarts whenever the text around it
changes (a new day for a dated pattern), so counters are kept per rendered prefix.
"""

import re
from dataclasses import dataclass
from datetime import date

from tracemes.domain.errors import InvalidInputError

DEFAULT_PATTERN = "{item}-{yy}{MM}{dd}-{seq:4}"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_DATE_PARTS = {"yyyy": "%Y", "yy": "%y", "MM": "%m", "dd": "%d"}


@dataclass(frozen=True, slots=True)
class SerialPattern:
    """A checked pattern; `text` is what the engineer typed."""

    text: str
    seq_width: int


def parse(text: str) -> SerialPattern:
    """Check a pattern: known placeholders only and exactly one sequence."""
    widths = []
    for name in _PLACEHOLDER.findall(text):
        if name in _DATE_PARTS or name == "item":
            continue
        match = re.fullmatch(r"seq(?::(\d{1,2}))?", name)
        if not match:
            raise InvalidInputError(
                "serial_pattern",
                f"unknown placeholder {{{name}}}; use item, yyyy, yy, MM, dd, seq or seq:N",
            )
        widths.append(int(match.group(1) or 1))
    if len(widths) != 1:
        raise InvalidInputError("serial_pattern", f"{text!r} needs exactly one {{seq}}")
    leftover = _PLACEHOLDER.sub("", text)
    if "{" in leftover or "}" in leftover or any(ch.isspace() for ch in leftover):
        raise InvalidInputError("serial_pattern", f"{text!r} has stray braces or spaces")
    return SerialPattern(text=text, seq_width=widths[0])


def _fill(pattern: SerialPattern, item_code: str, on: date, seq: str) -> str:
    def part(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "item":
            return item_code
        if name in _DATE_PARTS:
            return on.strftime(_DATE_PARTS[name])
        return seq

    return _PLACEHOLDER.sub(part, pattern.text)


def scope(pattern: SerialPattern, item_code: str, on: date) -> str:
    """The text a sequence counts within: the serial with its sequence left out."""
    return _fill(pattern, item_code, on, "#")


def render(pattern: SerialPattern, item_code: str, on: date, seq: int) -> str:
    """The serial for one sequence number."""
    if seq < 1:
        raise ValueError("sequences start at 1")
    return _fill(pattern, item_code, on, str(seq).zfill(pattern.seq_width))


def in_force(text: str | None) -> SerialPattern:
    """An item's serial pattern, or the default when it set none."""
    return parse(text or DEFAULT_PATTERN)


def regex(pattern: SerialPattern, item_code: str) -> re.Pattern[str]:
    """A regular expression matching every serial the pattern can produce (for scans)."""
    pieces: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(pattern.text):
        pieces.append(re.escape(pattern.text[position : match.start()]))
        name = match.group(1)
        if name == "item":
            pieces.append(re.escape(item_code))
        elif name == "yyyy":
            pieces.append(r"\d{4}")
        elif name in _DATE_PARTS:
            pieces.append(r"\d{2}")
        else:
            pieces.append(rf"\d{{{pattern.seq_width},}}")
        position = match.end()
    pieces.append(re.escape(pattern.text[position:]))
    return re.compile("".join(pieces))
