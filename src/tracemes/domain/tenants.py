"""Tenants: the enterprises sharing one deployment, each behind its own wall."""

from dataclasses import dataclass

from tracemes.domain import codes


@dataclass(frozen=True, slots=True)
class Tenant:
    """An enterprise using this deployment."""

    id: int
    code: str
    name: str


def check(code: str, name: str) -> tuple[str, str]:
    """A tenant's code and name, checked."""
    return codes.check("code", code), codes.check_name("name", name)
