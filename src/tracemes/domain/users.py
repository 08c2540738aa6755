"""Roles and what each may do."""

from dataclasses import dataclass
from enum import StrEnum

from tracemes.domain.errors import InvalidInputError, PermissionDeniedError


class Role(StrEnum):
    """A user's job on the floor or in the office."""

    ADMIN = "admin"
    ENGINEER = "engineer"
    SUPERVISOR = "supervisor"
    OPERATOR = "operator"
    INSPECTOR = "inspector"
    VIEWER = "viewer"


class Permission(StrEnum):
    """A kind of action, checked on every route."""

    READ = "read"
    MASTER_DATA = "master_data"
    PLAN = "plan"
    SHOP_FLOOR = "shop_floor"
    QUALITY = "quality"
    ADMIN = "admin"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.ENGINEER: frozenset({Permission.READ, Permission.MASTER_DATA, Permission.PLAN}),
    Role.SUPERVISOR: frozenset({Permission.READ, Permission.PLAN, Permission.SHOP_FLOOR}),
    Role.OPERATOR: frozenset({Permission.READ, Permission.SHOP_FLOOR}),
    Role.INSPECTOR: frozenset({Permission.READ, Permission.QUALITY, Permission.SHOP_FLOOR}),
    Role.VIEWER: frozenset({Permission.READ}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: one user of one tenant."""

    tenant_id: int
    user_id: int
    user_name: str
    role: Role
    language: str | None = None  # the user's choice of page language; None: the browser's


LANGUAGES = ("zh_CN", "en")  # page languages with a catalogue; Chinese first


def check_language(code: str) -> str:
    """A page language we have a catalogue for."""
    if code not in LANGUAGES:
        raise InvalidInputError("language", f"{code!r} is not one of {', '.join(LANGUAGES)}")
    return code


def can(role: Role, permission: Permission) -> bool:
    """Whether a role includes a permission."""
    return permission in _GRANTS[role]


def require(principal: Principal, permission: Permission) -> None:
    """Refuse an action the principal's role does not include."""
    if not can(principal.role, permission):
        raise PermissionDeniedError(
            f"role {principal.role} may not do this (needs {permission} permission)"
        )


def parse_role(value: str) -> Role:
    """A role from its name, or a refusal listing the valid ones."""
    try:
        return Role(value)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InvalidInputError("role", f"{value!r} is not one of {names}") from None
