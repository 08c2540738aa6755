"""The pages as a browser sees them: sign-in, role checks, forms and htmx actions."""

import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import make_bike, make_work_order
from tracemes import services
from tracemes.api import deps
from tracemes.api.deps import SESSION_COOKIE
from tracemes.services.context import Context

PASSWORD = "correct horse"
# An English-reading browser: these tests check the words of the English catalogue.
BROWSER = {"Accept": "text/html,application/xhtml+xml", "Accept-Language": "en-GB,en;q=0.9"}
HTMX = {"HX-Request": "true", "Accept": "text/html", "Accept-Language": "en"}


def sign_in(client: TestClient, db: Engine, ctx: Context, role: str, tenant: str = "ACME") -> None:
    """Make a user with this role and sign in through the real form."""
    name = f"{role}-user"
    services.users.create(db, ctx, name, role, PASSWORD)
    response = client.post(
        "/login",
        data={"tenant": tenant, "user": name, "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303
    # What the page's htmx and forms send with every post (the form token of the session).
    client.headers["X-CSRF-Token"] = deps.csrf_token_for(client.cookies[SESSION_COOKIE])


@pytest.fixture
def browser(app_client: TestClient) -> TestClient:
    """A client that asks for pages, as a browser does."""
    app_client.headers.update(BROWSER)
    return app_client


def test_signing_in_sets_the_session_cookie_and_shows_home(
    db: Engine, ctx: Context, browser: TestClient
) -> None:
    services.users.create(db, ctx, "alice", "admin", PASSWORD)

    response = browser.post(
        "/login",
        data={"tenant": "ACME", "user": "alice", "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    home = browser.get("/")
    assert home.status_code == 200
    assert "Open work orders" in home.text
    assert "alice" in home.text


def test_signing_in_goes_on_to_the_page_asked_for_but_never_to_another_site(
    db: Engine, ctx: Context, browser: TestClient
) -> None:
    services.users.create(db, ctx, "alice", "admin", PASSWORD)
    form = {"tenant": "ACME", "user": "alice", "password": PASSWORD}

    local = browser.post("/login", data={**form, "next": "/work-orders"}, follow_redirects=False)
    foreign = browser.post(
        "/login", data={**form, "next": "//evil.example/x"}, follow_redirects=False
    )

    assert local.headers["location"] == "/work-orders"
    assert foreign.headers["location"] == "/"


def test_a_wrong_password_is_refused_without_a_cookie(
    db: Engine, ctx: Context, browser: TestClient
) -> None:
    services.users.create(db, ctx, "alice", "admin", PASSWORD)

    response = browser.post("/login", data={"tenant": "ACME", "user": "alice", "password": "wrong"})

    assert response.status_code == 401
    assert "Unknown company, user or password" in response.text
    assert 'value="alice"' in response.text
    assert "set-cookie" not in response.headers
    assert SESSION_COOKIE not in browser.cookies


def test_a_page_without_a_session_redirects_to_sign_in(browser: TestClient) -> None:
    response = browser.get("/work-orders", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/work-orders"
    assert "Sign in" in browser.get(response.headers["location"]).text


def test_an_operator_may_not_create_items_and_nothing_is_stored(
    db: Engine, ctx: Context, browser: TestClient
) -> None:
    sign_in(browser, db, ctx, "operator")

    response = browser.post(
        "/admin/items", data={"code": "SAW", "name": "Saw", "uom": "pcs", "tracking": "serial"}
    )

    assert response.status_code == 403
    assert "You may not do this" in response.text
    assert services.items.list_all(db, ctx) == []


def test_an_operator_sees_items_but_no_create_form(
    db: Engine, ctx: Context, browser: TestClient
) -> None:
    sign_in(browser, db, ctx, "operator")

    response = browser.get("/admin/items")

    assert response.status_code == 200
    assert "New item" not in response.text


def test_the_item_form_stores_an_item(db: Engine, ctx: Context, browser: TestClient) -> None:
    sign_in(browser, db, ctx, "engineer")
    form = {
        "code": "EBIKE-A1",
        "name": "E-bike A1",
        "uom": "pcs",
        "tracking": "serial",
        "gtin": "06901234567892",
        "standard_cost": "1234.50",
        "serial_pattern": "EB{yy}{MM}{dd}{seq:5}",
    }

    response = browser.post("/admin/items", data=form)

    assert response.status_code == 200
    assert response.url.path == "/admin/items/EBIKE-A1"
    assert "E-bike A1" in response.text
    assert "1,234.5" in response.text  # numbers as the page language writes them
    item = services.items.get(db, ctx, "EBIKE-A1")
    assert item.name == "E-bike A1"
    assert item.standard_cost == Decimal("1234.50")


def test_a_refused_item_form_shows_the_reason_and_keeps_the_input(
    db: Engine, ctx: Context, browser: TestClient
) -> None:
    sign_in(browser, db, ctx, "engineer")

    response = browser.post(
        "/admin/items", data={"code": "X1", "name": "Thing", "uom": "pcs", "tracking": "boxes"}
    )

    assert response.status_code == 422
    assert "is not serial, lot or none" in response.text
    assert 'value="Thing"' in response.text
    assert services.items.list_all(db, ctx) == []


@pytest.mark.parametrize("cost", ["1e300", "1e400", "NaN", "Infinity", "0.0000001"])
def test_an_item_form_with_a_cost_out_of_range_is_refused_and_the_list_still_shows(
    db: Engine, ctx: Context, browser: TestClient, cost: str
) -> None:
    sign_in(browser, db, ctx, "engineer")
    form = {"code": "X1", "name": "Thing", "uom": "pcs", "tracking": "lot", "standard_cost": cost}

    response = browser.post("/admin/items", data=form)

    assert response.status_code == 422
    assert "standard_cost" in response.text
    assert services.items.list_all(db, ctx) == []
    assert browser.get("/admin/items").status_code == 200


@pytest.mark.parametrize("quantity", ["1e30", "1e400", "NaN", "1000000000000"])
def test_a_work_order_form_with_a_quantity_out_of_range_is_refused(
    db: Engine, ctx: Context, browser: TestClient, quantity: str
) -> None:
    make_bike(db, ctx)
    sign_in(browser, db, ctx, "supervisor")
    form = {"item": "BIKE", "quantity": quantity, "line": "L1", "code": "WO-7"}

    response = browser.post("/work-orders", data=form)

    assert response.status_code == 422
    assert "quantity" in response.text
    assert browser.get("/work-orders").status_code == 200
    assert "WO-7" not in browser.get("/work-orders").text


def test_the_item_page_shows_its_bom_and_routing(
    db: Engine, ctx: Context, browser: TestClient
) -> None:
    make_bike(db, ctx)
    sign_in(browser, db, ctx, "viewer")

    response = browser.get("/admin/items/BIKE")

    assert response.status_code == 200
    text = response.text
    for shown in ("BIKE-FRAME", "BIKE-MOTOR", "BIKE-SCREW", ">8<", "OP10", "Frame", "L1-S2"):
        assert shown in text
    assert ">90<" in text  # the motor operation's standard time in seconds


def test_the_lines_page_adds_a_line_and_a_station(
    db: Engine, ctx: Context, browser: TestClient
) -> None:
    sign_in(browser, db, ctx, "engineer")

    browser.post("/admin/lines", data={"code": "L9", "name": "Assembly 9"})
    response = browser.post(
        "/admin/stations", data={"code": "L9-S1", "name": "Press", "line": "L9"}
    )

    assert response.status_code == 200
    assert "Assembly 9" in response.text
    assert "L9-S1 (Press)" in response.text
    assert services.lines.get_station(db, ctx, "L9-S1").line_code == "L9"


def test_the_work_order_form_plans_an_order(db: Engine, ctx: Context, browser: TestClient) -> None:
    make_bike(db, ctx)
    sign_in(browser, db, ctx, "supervisor")
    form = {"item": "BIKE", "quantity": "5", "line": "L1", "due": "2026-03-31", "code": "WO-7"}

    response = browser.post("/work-orders", data=form)

    assert response.status_code == 200
    assert response.url.path == "/work-orders/WO-7"
    assert "planned" in response.text
    assert services.work_orders.get(db, ctx, "WO-7").order.due_on is not None


def test_the_work_order_list_filters_by_status(
    db: Engine, ctx: Context, browser: TestClient
) -> None:
    planned = make_work_order(db, ctx)
    released = make_work_order(db, ctx)
    services.work_orders.release(db, ctx, released.code)
    sign_in(browser, db, ctx, "viewer")

    response = browser.get("/work-orders", params={"status": "released"})

    assert f">{released.code}<" in response.text
    assert f">{planned.code}<" not in response.text


def test_the_release_button_releases_the_order_in_place(
    db: Engine, ctx: Context, browser: TestClient
) -> None:
    order = make_work_order(db, ctx)
    sign_in(browser, db, ctx, "supervisor")

    response = browser.post(f"/work-orders/{order.code}/release", headers=HTMX)

    assert response.status_code == 200
    assert 'id="work-order"' in response.text
    assert "<html" not in response.text
    assert "released" in response.text
    assert services.work_orders.get(db, ctx, order.code).order.status == "released"


def test_releasing_twice_shows_the_refusal_with_409(
    db: Engine, ctx: Context, browser: TestClient
) -> None:
    order = make_work_order(db, ctx)
    sign_in(browser, db, ctx, "supervisor")
    browser.post(f"/work-orders/{order.code}/release", headers=HTMX)

    response = browser.post(f"/work-orders/{order.code}/release", headers=HTMX)

    assert response.status_code == 409
    assert f"work order {order.code} is released; it cannot become released" in response.text


def test_the_add_units_button_makes_units(db: Engine, ctx: Context, browser: TestClient) -> None:
    order = make_work_order(db, ctx, quantity=3)
    services.work_orders.release(db, ctx, order.code)
    sign_in(browser, db, ctx, "supervisor")

    response = browser.post(f"/work-orders/{order.code}/units", data={"count": "2"}, headers=HTMX)

    assert response.status_code == 200
    assert "Added 2 units." in response.text
    serials = [unit.serial for unit in services.work_orders.get(db, ctx, order.code).units]
    assert len(serials) == 2
    assert all(serial in response.text for serial in serials)


def test_a_plain_form_post_without_javascript_comes_back_to_the_page(
    db: Engine, ctx: Context, browser: TestClient
) -> None:
    order = make_work_order(db, ctx)
    sign_in(browser, db, ctx, "supervisor")

    response = browser.post(f"/work-orders/{order.code}/cancel", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == f"/work-orders/{order.code}"
    assert "cancelled" in browser.get(response.headers["location"]).text


def test_another_companys_work_order_is_not_found(
    db: Engine, ctx: Context, other_ctx: Context, browser: TestClient
) -> None:
    order = make_work_order(db, ctx)
    sign_in(browser, db, other_ctx, "admin", tenant="BETA")

    page = browser.get(f"/work-orders/{order.code}")
    action = browser.post(f"/work-orders/{order.code}/release", headers=HTMX)

    assert page.status_code == 404
    assert "Not found" in page.text
    assert action.status_code == 404
    assert services.work_orders.get(db, ctx, order.code).order.status == "planned"


def test_signing_out_ends_the_session(db: Engine, ctx: Context, browser: TestClient) -> None:
    sign_in(browser, db, ctx, "viewer")
    old_session = browser.cookies[SESSION_COOKIE]

    response = browser.post("/logout", follow_redirects=False)
    forgotten = SESSION_COOKIE not in browser.cookies
    browser.cookies.set(SESSION_COOKIE, old_session)
    again = browser.get("/", follow_redirects=False)

    assert response.status_code == 303
    assert forgotten
    assert again.status_code == 303
    assert again.headers["location"] == "/login?next=/"


def test_an_operator_may_not_release_a_work_order(
    db: Engine, ctx: Context, browser: TestClient
) -> None:
    order = make_work_order(db, ctx)
    sign_in(browser, db, ctx, "operator")

    response = browser.post(f"/work-orders/{order.code}/release", headers=HTMX)

    assert response.status_code == 403
    assert response.headers["hx-retarget"] == "#flash"
    assert "You may not do this" in response.text
    assert services.work_orders.get(db, ctx, order.code).order.status == "planned"


def test_a_form_posted_from_another_site_is_refused(
    db: Engine, ctx: Context, browser: TestClient
) -> None:
    sign_in(browser, db, ctx, "engineer")

    response = browser.post(
        "/admin/lines",
        data={"code": "L9", "name": "Assembly 9"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )

    assert response.status_code == 403
    assert services.lines.list_all(db, ctx) == []


def test_a_badge_scan_signs_in_to_the_station_and_the_device_keeps_its_company(
    db: Engine, ctx: Context, browser: TestClient
) -> None:
    services.users.create(db, ctx, "wang", "operator")
    services.users.set_badge(db, ctx, "wang", "CARD-0001")
    first = browser.get("/login")
    assert 'id="login-badge"' in first.text
    assert re.search(r'id="login-tenant"[^>]*autofocus', first.text)  # no company known yet

    refused = browser.post("/login", data={"tenant": "ACME", "badge": "CARD-9999"})
    assert refused.status_code == 401
    assert "Unknown company or badge." in refused.text
    signed = browser.post(
        "/login", data={"tenant": "ACME", "badge": "CARD-0001"}, follow_redirects=False
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/station"
    assert "wang" in browser.get("/station").text

    browser.post("/logout")
    again = browser.get("/login").text
    assert 'value="ACME"' in again  # remembered on this device
    assert re.search(r'id="login-badge"[^>]*autofocus', again)  # one scan is enough
