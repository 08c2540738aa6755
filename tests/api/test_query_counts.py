"""List endpoints cost a fixed number of queries, however many rows they return."""

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import make_bike, make_item, statements_run
from tracemes import services
from tracemes.services.context import Context


def queries_for(db: Engine, client: TestClient, path: str) -> int:
    """Statements of one request, the token having been checked a moment ago."""
    client.get("/api/v1/items")
    with statements_run(db) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_list_endpoints_do_not_query_per_row(db: Engine, ctx: Context, client: TestClient) -> None:
    paths = ["/api/v1/items", "/api/v1/lines", "/api/v1/stations", "/api/v1/work-orders"]
    make_bike(db, ctx, "BIKE")
    services.work_orders.create(db, ctx, "BIKE", 5, "L1")
    few = {path: queries_for(db, client, path) for path in paths}

    for n in range(10):
        make_item(db, ctx)
        services.lines.create(db, ctx, f"LX{n}", "Line")
        services.lines.create_station(db, ctx, f"SX{n}", "Station", f"LX{n}")
        services.work_orders.create(db, ctx, "BIKE", 5, "L1")
    many = {path: queries_for(db, client, path) for path in paths}

    assert many == few
    assert max(many.values()) <= 2  # the list (+ a BEGIN on SQLite)
