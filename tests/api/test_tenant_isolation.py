"""The tenant wall: a token of BETA never sees or touches ACME's objects (404, not 403)."""

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import build_bike, build_pack, make_blade_plant, make_plant, token_for
from tracemes import services
from tracemes.app import create_app
from tracemes.services.context import Context

from ..conftest import NOW

# Every API route that addresses one object, with a body that would succeed for its owner.
OBJECT_ROUTES: list[tuple[str, str, dict[str, object] | None]] = [
    ("GET", "/api/v1/items/{code}", None),
    ("GET", "/api/v1/boms/{item}", None),
    ("PUT", "/api/v1/boms/{item}", {"components": []}),
    ("GET", "/api/v1/routings/{item}", None),
    ("PUT", "/api/v1/routings/{item}", {"operations": [{"seq": 1, "code": "A", "name": "A"}]}),
    ("GET", "/api/v1/lines/{code}", None),
    ("GET", "/api/v1/stations/{code}", None),
    ("GET", "/api/v1/work-orders/{code}", None),
    ("POST", "/api/v1/work-orders/{code}/release", None),
    ("POST", "/api/v1/work-orders/{code}/cancel", None),
    ("POST", "/api/v1/work-orders/{code}/close", None),
    ("POST", "/api/v1/work-orders/{code}/units", {"count": 1}),
    ("POST", "/api/v1/work-orders/{code}/lots", {"quantities": [1]}),
    ("GET", "/api/v1/work-orders/{code}/lots", None),
    ("GET", "/api/v1/work-orders/{code}/yield", None),
    ("GET", "/api/v1/production-lots/{item}/{lot}", None),
    ("GET", "/api/v1/trace/lots/{item}/{lot}", None),
    ("GET", "/api/v1/lots/{item}/{lot}", None),
    ("GET", "/api/v1/trace/units/{serial}", None),
    ("GET", "/api/v1/trace/units/{serial}/history", None),
    ("GET", "/api/v1/trace/lots/{item}/{lot}/where-used", None),
    ("GET", "/api/v1/trace/serials/{serial}/where-used", None),
    ("GET", "/api/v1/holds/{code}", None),
    ("POST", "/api/v1/holds/{code}/release", {"disposition": "use_as_is"}),
    (
        "PUT",
        "/api/v1/quality/inspection-plans/{code}",
        {"item": "CELL", "stage": "incoming", "aql_major": "6.5", "full": True},
    ),
    ("GET", "/api/v1/quality/inspection-plans/{code}", None),
    ("GET", "/api/v1/quality/inspection-lots/{number}", None),
    (
        "POST",
        "/api/v1/quality/inspection-lots/{number}/samples",
        {"samples": [{"id": "s-1", "index": 1, "defects": []}]},
    ),
    ("POST", "/api/v1/quality/inspection-lots/{number}/decide", None),
    ("DELETE", "/api/v1/tokens/{token_id}", None),
    ("POST", "/api/v1/users/{name}/disable", None),
    ("POST", "/api/v1/users/{name}/enable", None),
]
ACME_USER = "acme-wang"
# ACME's object each route names, by the first path segment after /api/v1/.
ACME_KEYS: dict[str, dict[str, str]] = {
    "lines": {"code": "L1"},
    "stations": {"code": "L1-S1"},
    "work-orders": {"code": "WO-ACME"},
    "lots": {"item": "CELL", "lot": "C-1"},
    "production-lots": {"item": "BLADE", "lot": "BL0001"},
    "trace": {"serial": "BK0001", "item": "CELL", "lot": "C-1"},
    "holds": {"code": "H20260316-001"},
    "quality": {"code": "IQC-CELL", "number": "IQC20260316-001"},
    "tokens": {"token_id": "1"},  # ACME's token is the first made (acme_token)
    "users": {"name": ACME_USER},
}
NO_SUCH = {
    "token_id": "999999",
    "name": "NO-SUCH",
    "code": "NO-SUCH",
    "item": "NO-SUCH",
    "lot": "NO-SUCH",
    "serial": "NO-SUCH",
    "number": "NO-SUCH",
}


def acme_keys(path: str) -> dict[str, str]:
    noun = path.split("/")[3]
    return {"code": "BIKE", "item": "BIKE", **ACME_KEYS.get(noun, {})}


@pytest.fixture
def acme_token(db: Engine, ctx: Context) -> str:
    """An API token of ACME's user ACME_USER, the first token of the database (id 1)."""
    services.users.create(db, ctx, ACME_USER, "operator")
    return services.users.create_token(db, ctx, ACME_USER)


@pytest.fixture
def beta(db: Engine, ctx: Context, other_ctx: Context, acme_token: str) -> Iterator[TestClient]:
    """ACME has a plant with a built bike, a planned order and a hold; the client is BETA's."""
    plant = make_plant(db, ctx, bikes=1, packs=1)
    build_pack(db, ctx, plant.packs[0])
    build_bike(db, ctx, plant.bikes[0], plant.packs[0], 1)
    services.work_orders.create(db, ctx, "BIKE", 5, "L1", code="WO-ACME")
    services.holds.place(db, ctx, "suspect screws", serials=["F-1"])
    make_blade_plant(db, ctx, blades=10, saws=1)
    services.production_lots.open_lots(db, ctx, "WO-BLADE", [10])
    defects = [{"code": "DENT", "name": "Dent", "class": "major"}]
    services.inspection.put_plan(db, ctx, "IQC-CELL", "CELL", "incoming", [], defects, "II", "1.0")
    services.lots.receive(db, ctx, "CELL", "C-9", 100)  # opens IQC20260316-001
    with TestClient(create_app(db, clock=lambda: NOW)) as client:
        client.headers["Authorization"] = f"Bearer {token_for(db, other_ctx, 'admin')}"
        yield client


def test_every_object_route_is_covered_here(beta: TestClient) -> None:
    paths = beta.get("/api/v1/openapi.json").json()["paths"]
    in_api = {
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if "{" in path
    }
    assert in_api <= {(method, path) for method, path, _ in OBJECT_ROUTES}, (
        "a new object route needs a tenant-isolation case in OBJECT_ROUTES"
    )


@pytest.mark.parametrize(("method", "path", "body"), OBJECT_ROUTES)
def test_another_tenants_object_is_not_found(
    db: Engine,
    ctx: Context,
    beta: TestClient,
    acme_token: str,
    method: str,
    path: str,
    body: dict[str, object] | None,
) -> None:
    url = path.format(**acme_keys(path))

    response = beta.request(method, url, json=body)
    nonexistent = beta.request(method, path.format(**NO_SUCH), json=body)

    assert response.status_code == 404, response.text
    assert response.json()["code"] == nonexistent.json()["code"] == "not_found"
    assert services.work_orders.get(db, ctx, "WO-ACME").order.status == "planned"
    assert services.boms.get(db, ctx, "BIKE").version == 1
    assert services.holds.get(db, ctx, "H20260316-001").released_at is None
    inspection = services.inspection.get_lot(db, ctx, "IQC20260316-001")
    assert (inspection.status, inspection.samples) == ("open", ())
    plan = services.inspection.get_plan(db, ctx, "IQC-CELL")  # as ACME set it
    assert (plan.aql_major, plan.full, [d.code for d in plan.defects]) == (
        Decimal("1.0"),
        False,
        ["DENT"],
    )
    acme = {"Authorization": f"Bearer {acme_token}"}
    assert beta.get("/api/v1/items", headers=acme).status_code == 200  # not revoked, not disabled


@pytest.mark.parametrize(
    "path", ["/api/v1/items", "/api/v1/lines", "/api/v1/stations", "/api/v1/work-orders"]
)
def test_lists_show_only_the_own_tenants_objects(beta: TestClient, path: str) -> None:
    assert beta.get(path).json() == []


def test_references_to_another_tenants_objects_look_unknown(beta: TestClient) -> None:
    order = beta.post("/api/v1/work-orders", json={"item": "BIKE", "quantity": 1, "line": "L1"})
    station = beta.post("/api/v1/stations", json={"code": "S", "name": "S", "line": "L1"})

    assert (order.status_code, order.json()["code"]) == (422, "unknown_item")
    assert (station.status_code, station.json()["code"]) == (422, "unknown_line")


def test_the_same_codes_are_free_in_another_tenant(beta: TestClient) -> None:
    response = beta.post(
        "/api/v1/items", json={"code": "BIKE", "name": "Saw", "tracking": "serial"}
    )

    assert response.status_code == 201
    assert beta.get("/api/v1/items/BIKE").json()["name"] == "Saw"
