"""Production lines (ISA-95 work centres) and their stations (work units)."""

from dataclasses import dataclass

from tracemes.domain import codes


@dataclass(frozen=True, slots=True)
class Line:
    """A production line of a site."""

    code: str
    name: str
    site: str | None = None


@dataclass(frozen=True, slots=True)
class Station:
    """A place on a line where operators work and scan."""

    code: str
    name: str
    line_code: str


def new_line(code: str, name: str, site: str | None = None) -> Line:
    """Check a line's fields."""
    return Line(
        code=codes.check("code", code),
        name=codes.check_name("name", name),
        site=codes.check_name("site", site) if site else None,
    )


def new_station(code: str, name: str, line_code: str) -> Station:
    """Check a station's fields."""
    return Station(
        code=codes.check("code", code),
        name=codes.check_name("name", name),
        line_code=codes.check("line", line_code),
    )
