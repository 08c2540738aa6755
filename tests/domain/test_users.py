import pytest

from tracemes.domain.errors import InvalidInputError, PermissionDeniedError
from tracemes.domain.users import Permission, Principal, Role, can, parse_role, require


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        (Role.ADMIN, Permission.MASTER_DATA, True),
        (Role.ENGINEER, Permission.MASTER_DATA, True),
        (Role.SUPERVISOR, Permission.MASTER_DATA, False),
        (Role.SUPERVISOR, Permission.PLAN, True),
        (Role.OPERATOR, Permission.PLAN, False),
        (Role.OPERATOR, Permission.SHOP_FLOOR, True),
        (Role.INSPECTOR, Permission.QUALITY, True),
        (Role.VIEWER, Permission.READ, True),
        (Role.VIEWER, Permission.SHOP_FLOOR, False),
    ],
)
def test_each_role_has_its_permissions(role: Role, permission: Permission, allowed: bool) -> None:
    assert can(role, permission) is allowed


def test_every_role_can_read() -> None:
    assert all(can(role, Permission.READ) for role in Role)


def test_a_refusal_names_the_role_and_the_missing_permission() -> None:
    viewer = Principal(tenant_id=1, user_id=1, user_name="v", role=Role.VIEWER)
    with pytest.raises(PermissionDeniedError, match=r"role viewer may not do this .*plan"):
        require(viewer, Permission.PLAN)


def test_an_unknown_role_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidInputError, match="'boss' is not one of admin, engineer"):
        parse_role("boss")
