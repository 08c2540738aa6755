"""The trace page: search a serial or lot, read the tree or the where-used, hold what is here."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import accept, build_bike, build_pack, make_plant
from tracemes import services
from tracemes.api import deps
from tracemes.api.deps import SESSION_COOKIE
from tracemes.domain.unit_events import ShipUnit
from tracemes.services.context import Context

PASSWORD = "correct horse"
# An English-reading browser: these tests check the words of the English catalogue.
BROWSER = {"Accept": "text/html,application/xhtml+xml", "Accept-Language": "en-GB,en;q=0.9"}


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


@pytest.fixture
def bike(db: Engine, ctx: Context) -> str:
    """A completed bike BK0001 with frame F-1, motor M-1 and pack PK0001 of cell lot C-1."""
    plant = make_plant(db, ctx, bikes=2, packs=2)
    build_pack(db, ctx, plant.packs[0], lot="C-1")
    build_bike(db, ctx, plant.bikes[0], plant.packs[0], 1)
    return plant.bikes[0]


def _details_of(text: str, serial: str) -> str:
    """The markup of the sub-assembly with this serial (its summary names it, then links to
    its own trace), up to the end of its <details>."""
    start = text.index(f">Trace {serial}<")
    assert text.rfind("<details open>", 0, start) > text.rfind("</details>", 0, start)
    return text[start : text.index("</details>", start)]


def test_the_page_has_one_autofocused_search_field_and_a_nav_link(
    db: Engine, ctx: Context, browser: TestClient
) -> None:
    sign_in(browser, db, ctx, "viewer")

    response = browser.get("/trace")

    assert response.status_code == 200
    assert '<label for="trace-q">Serial or lot</label>' in response.text
    assert 'name="q"' in response.text
    assert "autofocus" in response.text
    current = r'<a href="/trace" aria-current="page">(<span[^>]*></span>)?Trace</a>'
    assert re.search(current, response.text)


def test_a_bike_serial_shows_its_parts_and_the_cell_lot_under_the_pack(
    db: Engine, ctx: Context, bike: str, browser: TestClient
) -> None:
    sign_in(browser, db, ctx, "viewer")

    response = browser.get("/trace", params={"q": bike})

    assert response.status_code == 200
    text = response.text
    assert f"Unit {bike}" in text
    assert ">WO-BIKE<" in text
    for part in (">F-1<", ">M-1<", "PK0001", ">S-1<", "operation OP10"):
        assert part in text
    pack = _details_of(text, "PK0001")
    assert ">C-1<" in pack
    assert "× 4" in pack
    assert "supplier CELL supplier" in pack
    assert "Step runs" in text
    assert text.count(">pass<") == 4  # P10 of the pack, OP10-OP30 of the bike


def test_a_part_inside_a_bike_links_to_its_parent_and_its_where_used(
    db: Engine, ctx: Context, bike: str, browser: TestClient
) -> None:
    sign_in(browser, db, ctx, "viewer")

    unit = browser.get("/trace", params={"q": "PK0001"})
    where = browser.get("/trace", params={"q": "PK0001", "view": "where-used"})

    assert "This unit is inside:" in unit.text
    assert f'<a href="/trace?q={bike}">{bike}</a>' in unit.text
    assert "/trace?q=PK0001&amp;view=where-used" in unit.text
    assert where.status_code == 200
    assert "Where part PK0001 went" in where.text
    assert "/api/v1/trace/serials/PK0001/where-used?format=csv" in where.text


def test_a_lot_number_shows_the_bike_as_affected_with_download_links(
    db: Engine, ctx: Context, bike: str, browser: TestClient
) -> None:
    sign_in(browser, db, ctx, "viewer")

    by_number = browser.get("/trace", params={"q": "C-1"})
    by_item = browser.get("/trace", params={"q": "CELL/C-1"})

    assert by_number.status_code == 200
    text = by_number.text
    assert "Where lot C-1 of CELL went" in text
    assert f'<a href="/trace?q={bike}">{bike}</a>' in text
    assert '<a href="/trace?q=PK0001">PK0001</a>' in text
    assert ">finished<" in text
    assert ">sub-assembly<" in text
    csv_link = "/api/v1/trace/lots/CELL/C-1/where-used?format=csv"
    assert csv_link in text
    assert "/api/v1/trace/lots/CELL/C-1/where-used?format=xlsx" in text
    assert by_item.text.count(csv_link) == 1
    download = browser.get(csv_link)  # the session cookie is enough for the API
    assert download.status_code == 200
    assert bike in download.content.decode("utf-8-sig")


def test_the_counts_show_where_the_finished_units_are(
    db: Engine, ctx: Context, bike: str, browser: TestClient
) -> None:
    accept(db, ctx, ShipUnit(bike, "Velo Shop"))
    sign_in(browser, db, ctx, "viewer")

    text = browser.get("/trace", params={"q": "C-1"}).text

    assert '<span class="count">1</span>shipped' in text
    assert '<span class="count">0</span>in stock' in text
    assert "Velo Shop" in text


def test_the_hold_button_holds_the_bike_and_says_what_it_covers(
    db: Engine, ctx: Context, bike: str, browser: TestClient
) -> None:
    sign_in(browser, db, ctx, "inspector")
    assert "Hold every affected unit still in the factory" in browser.get("/trace?q=C-1").text

    response = browser.post(
        "/trace/hold",
        data={"item": "CELL", "lot": "C-1", "serial": "", "reason": "cells swell"},
        follow_redirects=False,
    )

    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/trace?q=CELL%2FC-1&hold=H20260316-001")
    page = browser.get(location)
    assert "Hold H20260316-001 placed." in page.text
    assert "It covers 2 units." in page.text
    assert services.trace.backward(db, ctx, bike).unit.on_hold is True
    assert services.trace.backward(db, ctx, "PK0001").unit.on_hold is True
    assert services.lots.get(db, ctx, "CELL", "C-1").on_hold is True


def test_a_hold_without_a_reason_is_refused_and_holds_nothing(
    db: Engine, ctx: Context, bike: str, browser: TestClient
) -> None:
    sign_in(browser, db, ctx, "inspector")

    response = browser.post("/trace/hold", data={"item": "CELL", "lot": "C-1", "reason": " "})

    assert response.status_code == 422
    assert "say why these are held" in response.text
    assert services.trace.backward(db, ctx, bike).unit.on_hold is False


def test_a_viewer_sees_no_hold_button_and_may_not_post_one(
    db: Engine, ctx: Context, bike: str, browser: TestClient
) -> None:
    sign_in(browser, db, ctx, "viewer")

    page = browser.get("/trace", params={"q": "C-1"})
    response = browser.post(
        "/trace/hold", data={"item": "CELL", "lot": "C-1", "reason": "cells swell"}
    )

    assert "Hold every affected unit" not in page.text
    assert response.status_code == 403
    assert "You may not do this" in response.text
    assert services.trace.backward(db, ctx, bike).unit.on_hold is False


def test_another_tenants_serial_and_lot_are_not_found(
    db: Engine, ctx: Context, other_ctx: Context, bike: str, browser: TestClient
) -> None:
    sign_in(browser, db, other_ctx, "admin", tenant="BETA")

    unit = browser.get("/trace", params={"q": bike})
    lot = browser.get("/trace", params={"q": "C-1"})

    assert unit.status_code == 404
    assert f"“{bike}” was not found" in unit.text
    assert "PK0001" not in unit.text
    assert lot.status_code == 404
    assert "was not found" in lot.text


def test_a_scanned_gs1_label_of_a_lot_finds_its_where_used(
    db: Engine, ctx: Context, bike: str, browser: TestClient
) -> None:
    sign_in(browser, db, ctx, "viewer")

    response = browser.get("/trace", params={"q": "(01)06901234567816(10)C-1"})

    assert response.status_code == 200
    assert "Where lot C-1 of CELL went" in response.text
