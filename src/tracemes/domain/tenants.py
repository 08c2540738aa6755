"""Tenants: the enterprises sharing one deployment, each behind its own wall."""

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tracemes.domain import codes
from tracemes.domain.errors import InvalidInputError

# The clusters TraceMES serves work on China Standard Time; a plant elsewhere says so.
DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True, slots=True)
class Tenant:
    """An enterprise using this deployment; `timezone` is where its working day begins."""

    id: int
    code: str
    name: str
    timezone: str = DEFAULT_TIMEZONE


def check(code: str, name: str) -> tuple[str, str]:
    """A tenant's code and name, checked."""
    return codes.check("code", code), codes.check_name("name", name)


def check_timezone(name: str) -> str:
    """An IANA time zone name such as `Asia/Shanghai`."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError("timezone", f"{name!r} is not a known time zone") from None
    return name
