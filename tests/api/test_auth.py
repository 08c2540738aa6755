"""Authentication (401) and role checks (403) on every route; a refusal changes nothing."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import make_bike, token_for
from tracemes import services
from tracemes.services.context import Context

WRITES: list[tuple[str, str, dict[str, object] | None, set[str]]] = [
    (
        "POST",
        "/api/v1/items",
        {"code": "NEW", "name": "New", "tracking": "none"},
        {"admin", "engineer"},
    ),
    ("PUT", "/api/v1/boms/BIKE", {"components": []}, {"admin", "engineer"}),
    (
        "PUT",
        "/api/v1/routings/BIKE",
        {"operations": [{"seq": 1, "code": "A", "name": "A"}]},
        {"admin", "engineer"},
    ),
    ("POST", "/api/v1/lines", {"code": "L9", "name": "L9"}, {"admin", "engineer"}),
    ("POST", "/api/v1/stations", {"code": "S9", "name": "S9", "line": "L1"}, {"admin", "engineer"}),
    (
        "POST",
        "/api/v1/work-orders",
        {"item": "BIKE", "quantity": 1, "line": "L1"},
        {"admin", "engineer", "supervisor"},
    ),
    ("POST", "/api/v1/work-orders/WO-1/release", None, {"admin", "engineer", "supervisor"}),
    ("POST", "/api/v1/work-orders/WO-1/cancel", None, {"admin", "engineer", "supervisor"}),
]
ROLES = ["admin", "engineer", "supervisor", "operator", "inspector", "viewer"]


@pytest.fixture
def plant(db: Engine, ctx: Context) -> None:
    make_bike(db, ctx, "BIKE")
    services.work_orders.create(db, ctx, "BIKE", 5, "L1", code="WO-1")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "allowed"), WRITES)
def test_roles_without_the_permission_are_forbidden_and_nothing_changes(
    db: Engine,
    ctx: Context,
    app_client: TestClient,
    plant: None,
    role: str,
    method: str,
    path: str,
    body: dict[str, object] | None,
    allowed: set[str],
) -> None:
    app_client.headers["Authorization"] = f"Bearer {token_for(db, ctx, role)}"

    response = app_client.request(method, path, json=body)

    if role in allowed:
        assert response.status_code in (200, 201), response.text
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
        assert f"role {role} may not do this" in response.json()["detail"]
        assert services.work_orders.get(db, ctx, "WO-1").order.status == "planned"
        assert services.boms.get(db, ctx, "BIKE").version == 1
        assert len(services.items.list_all(db, ctx)) == 4


@pytest.mark.parametrize("role", ROLES)
def test_every_role_may_read(
    db: Engine, ctx: Context, app_client: TestClient, plant: None, role: str
) -> None:
    app_client.headers["Authorization"] = f"Bearer {token_for(db, ctx, role)}"

    assert app_client.get("/api/v1/work-orders/WO-1").status_code == 200


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer tm_forged", "Basic dXNlcjpwYXNz", "tm_token"]
)
def test_missing_or_bad_credentials_are_unauthorised(
    app_client: TestClient, plant: None, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    response = app_client.get("/api/v1/items", headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_authenticated"


def test_the_openapi_document_is_public_and_lists_the_contract(app_client: TestClient) -> None:
    paths = app_client.get("/api/v1/openapi.json").json()["paths"]

    assert {"/api/v1/items", "/api/v1/work-orders/{code}/units", "/api/v1/boms/{item}"} <= set(
        paths
    )
    assert app_client.get("/api/docs").status_code == 200
