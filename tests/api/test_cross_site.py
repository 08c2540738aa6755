"""Cross-site request forgery: another site's page cannot act with a user's session cookie,
on the JSON API or on the pages; API tokens are not affected (issue #12, finding 7)."""

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from starlette.routing import Mount, Route

from tests.api.test_workbooks import ITEMS, XLSX, a_workbook
from tests.factories import make_work_order, token_for
from tracemes import services
from tracemes.api.deps import api_checks, page_checks
from tracemes.app import create_app
from tracemes.config import Settings
from tracemes.services.context import Context

PASSWORD = "correct horse"
PAGE = {"Accept": "text/html", "Accept-Language": "en"}
CROSS_SITE = {"Sec-Fetch-Site": "cross-site"}
OTHER_PORT = {"Sec-Fetch-Site": "same-site"}  # http://localhost:9000 posting to :8000


def sign_in(client: TestClient, db: Engine, ctx: Context, role: str = "admin") -> str:
    """Sign in through the form like a browser; the form token the pages then carry."""
    services.users.create(db, ctx, f"{role}-user", role, PASSWORD)
    client.post("/login", data={"tenant": "ACME", "user": f"{role}-user", "password": PASSWORD})
    page = client.get("/work-orders", headers=PAGE).text
    found = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', page)
    return found.group(1) if found else ""


def status_of(db: Engine, ctx: Context, code: str) -> str:
    return str(services.work_orders.get(db, ctx, code).order.status)


def test_a_form_from_another_site_cannot_cancel_an_order_with_the_session_cookie(
    db: Engine, ctx: Context, app_client: TestClient
) -> None:
    order = make_work_order(db, ctx)
    sign_in(app_client, db, ctx)

    response = app_client.post(
        f"/api/v1/work-orders/{order.code}/cancel", data={"x": "1"}, headers=CROSS_SITE
    )

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "another site" in response.json()["detail"]
    assert status_of(db, ctx, order.code) == "planned"


def test_a_workbook_posted_from_another_site_imports_nothing(
    db: Engine, ctx: Context, app_client: TestClient
) -> None:
    sign_in(app_client, db, ctx)
    workbook = a_workbook({"Items": [ITEMS, ["CART", "Cart", "pcs", "serial"]]})

    response = app_client.post(
        "/api/v1/imports/master-data",
        files={"file": ("master-data.xlsx", workbook, XLSX)},
        headers=CROSS_SITE,
    )

    assert response.status_code == 403
    assert services.items.list_all(db, ctx) == []


@pytest.mark.parametrize(
    "headers",
    [
        CROSS_SITE,
        OTHER_PORT,
        {"Origin": "http://evil.example"},
        {"Origin": "http://testserver:9000"},
        {"Origin": "null"},
        {},  # a browser that tells neither: the token is needed
    ],
    ids=["cross-site", "same-site", "foreign-origin", "other-port", "null-origin", "silent"],
)
def test_a_cookie_write_that_is_not_proven_same_origin_is_refused(
    db: Engine, ctx: Context, app_client: TestClient, headers: dict[str, str]
) -> None:
    order = make_work_order(db, ctx)
    sign_in(app_client, db, ctx)

    response = app_client.post(f"/api/v1/work-orders/{order.code}/release", headers=headers)

    assert response.status_code == 403
    assert status_of(db, ctx, order.code) == "planned"


@pytest.mark.parametrize(
    ("headers", "with_token"),
    [
        ({"Sec-Fetch-Site": "same-origin"}, False),
        ({"Origin": "http://testserver"}, False),
        ({}, True),
    ],
    ids=["fetch-metadata", "origin", "token"],
)
def test_the_pages_own_cookie_writes_still_work(
    db: Engine,
    ctx: Context,
    app_client: TestClient,
    headers: dict[str, str],
    with_token: bool,
) -> None:
    order = make_work_order(db, ctx)
    token = sign_in(app_client, db, ctx)
    sent = {**headers, "X-CSRF-Token": token} if with_token else headers

    response = app_client.post(f"/api/v1/work-orders/{order.code}/release", headers=sent)

    assert response.status_code == 200
    assert status_of(db, ctx, order.code) == "released"


def test_the_public_url_is_a_same_origin_behind_a_proxy_that_rewrites_the_host(
    db: Engine, ctx: Context
) -> None:
    settings = Settings(public_url="https://mes.example.cn")
    order = make_work_order(db, ctx)

    with TestClient(create_app(db, settings=settings), base_url="https://testserver") as client:
        sign_in(client, db, ctx)
        response = client.post(
            f"/api/v1/work-orders/{order.code}/release",
            headers={"Origin": "https://mes.example.cn"},
        )

    assert response.status_code == 200


def test_an_api_token_is_not_held_to_the_browser_checks(
    db: Engine, ctx: Context, app_client: TestClient
) -> None:
    order = make_work_order(db, ctx)
    bearer = {"Authorization": f"Bearer {token_for(db, ctx, 'admin')}"}

    response = app_client.post(
        f"/api/v1/work-orders/{order.code}/release", headers={**bearer, **CROSS_SITE}
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, OTHER_PORT, {"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://testserver"}],
    ids=["silent", "same-site", "same-origin-without-token", "origin-without-token"],
)
def test_a_page_form_without_the_sessions_token_is_refused_and_stores_nothing(
    db: Engine, ctx: Context, app_client: TestClient, headers: dict[str, str]
) -> None:
    sign_in(app_client, db, ctx, "engineer")

    response = app_client.post(
        "/admin/lines", data={"code": "L9", "name": "Assembly 9"}, headers={**PAGE, **headers}
    )

    assert response.status_code == 403
    assert "another site" in response.text
    assert services.lines.list_all(db, ctx) == []


def test_a_page_form_with_the_token_in_its_hidden_field_is_stored(
    db: Engine, ctx: Context, app_client: TestClient
) -> None:
    token = sign_in(app_client, db, ctx, "engineer")
    form = app_client.get("/admin/lines", headers=PAGE).text
    assert f'<input type="hidden" name="csrf_token" value="{token}">' in form

    response = app_client.post(
        "/admin/lines",
        data={"code": "L9", "name": "Assembly 9", "csrf_token": token},
        headers={**PAGE, "Sec-Fetch-Site": "same-origin"},
    )

    assert response.status_code < 400
    assert [line.code for line in services.lines.list_all(db, ctx)] == ["L9"]


def test_another_sessions_token_does_not_pass(
    db: Engine, ctx: Context, app_client: TestClient
) -> None:
    stolen_elsewhere = sign_in(app_client, db, ctx, "engineer")
    app_client.post("/logout", headers={"X-CSRF-Token": stolen_elsewhere})
    sign_in(app_client, db, ctx, "admin")

    response = app_client.post(
        "/admin/lines",
        data={"code": "L9", "name": "Assembly 9"},
        headers={**PAGE, "X-CSRF-Token": stolen_elsewhere},
    )

    assert response.status_code == 403
    assert services.lines.list_all(db, ctx) == []


def test_htmx_sends_the_token_from_the_body_of_every_page(
    db: Engine, ctx: Context, app_client: TestClient
) -> None:
    token = sign_in(app_client, db, ctx)
    assert token, "the pages carry the session's form token"
    page = app_client.get("/", headers=PAGE).text
    assert f'"X-CSRF-Token": "{token}"' in re.search(r"<body hx-headers='([^']*)'", page)[1]  # type: ignore[index]


def test_signing_in_from_another_site_is_refused(
    db: Engine, ctx: Context, app_client: TestClient
) -> None:
    services.users.create(db, ctx, "alice", "admin", PASSWORD)

    response = app_client.post(
        "/login",
        data={"tenant": "ACME", "user": "alice", "password": PASSWORD},
        headers={**PAGE, **CROSS_SITE},
        follow_redirects=False,
    )

    assert response.status_code == 403
    assert "tracemes_session" not in app_client.cookies


def test_every_route_the_app_holds_runs_the_checks_of_its_kind(db: Engine) -> None:
    """The app holds its routes directly (no included routers to re-resolve per request), so
    each route must carry its checks itself: the API's, or the pages'."""
    app = create_app(db)
    kinds = {"api": 0, "page": 0}
    for route in app.routes:
        if not isinstance(route, APIRoute):
            assert isinstance(route, Route | Mount), route
            continue
        checks = {dependency.dependency for dependency in route.dependencies}
        if route.path.startswith("/api/v1/"):
            assert checks == {api_checks}, route.path
            kinds["api"] += 1
        else:
            assert checks == {page_checks}, route.path
            kinds["page"] += 1
    assert kinds["api"] > 50
    assert kinds["page"] > 40
