"""The line board page: a viewer's phone sees a line's figures, refreshed by htmx; another
tenant's line is not there."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import build_pack, make_plant
from tests.web.test_pages import BROWSER, HTMX, sign_in
from tracemes.services.context import Context


@pytest.fixture
def browser(app_client: TestClient) -> TestClient:
    app_client.headers.update(BROWSER)
    return app_client


def test_the_board_opens_on_the_first_line_and_shows_its_figures(
    db: Engine, ctx: Context, browser: TestClient
) -> None:
    plant = make_plant(db, ctx, bikes=2, packs=2)
    build_pack(db, ctx, plant.packs[0])
    sign_in(browser, db, ctx, "viewer")
    first = browser.get("/board", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/board?line=L1"
    page = browser.get("/board?line=L1")
    assert page.status_code == 200
    assert re.search(r'data-figure="output">\s*1<', page.text)  # the pack, built today
    assert re.search(r'data-figure="pass-rate">\s*100.0%<', page.text)
    assert "WO-PACK" in page.text
    assert 'hx-trigger="every 10s"' in page.text
    assert "/static/vendor/uPlot.iife.min.js" in page.text
    hourly = re.search(r'data-hourly="([^"]+)"', page.text)
    assert hourly is not None
    assert hourly.group(1).count(",") == 23  # 24 hours


def test_the_panel_alone_answers_the_refresh(db: Engine, ctx: Context, browser: TestClient) -> None:
    plant = make_plant(db, ctx, bikes=1, packs=2)
    sign_in(browser, db, ctx, "viewer")
    before = browser.get("/board/panel?line=L1", headers=HTMX).text
    assert "<html" not in before
    assert re.search(r'data-figure="output">\s*0<', before)
    build_pack(db, ctx, plant.packs[1])
    after = browser.get("/board/panel?line=L1", headers=HTMX).text
    assert re.search(r'data-figure="output">\s*1<', after)


def test_the_day_before_is_one_link_away(db: Engine, ctx: Context, browser: TestClient) -> None:
    make_plant(db, ctx, bikes=1, packs=1)
    sign_in(browser, db, ctx, "viewer")
    page = browser.get("/board?line=L1").text
    assert 'href="/board?line=L1&amp;day=2026-03-15" rel="prev"' in page
    assert 'rel="next"' not in page  # no figures from tomorrow
    before = browser.get("/board?line=L1&day=2026-03-15").text
    assert "2026-03-15" in before
    assert 'href="/board?line=L1&amp;day=2026-03-16" rel="next"' in before
    assert browser.get("/board?line=L1&day=yesterday").status_code == 422


def test_another_tenants_line_is_not_found(
    db: Engine, ctx: Context, other_ctx: Context, browser: TestClient
) -> None:
    beta = make_plant(db, other_ctx, bikes=1, packs=1)
    build_pack(db, other_ctx, beta.packs[0])
    sign_in(browser, db, ctx, "viewer")
    assert browser.get("/board?line=L1").status_code == 404
    assert browser.get("/board/panel?line=L1", headers=HTMX).status_code == 404
    assert browser.get("/board").status_code == 200  # no lines of its own: says so


def test_the_board_speaks_chinese_by_default(db: Engine, ctx: Context, browser: TestClient) -> None:
    make_plant(db, ctx, bikes=1, packs=1)
    sign_in(browser, db, ctx, "viewer")
    browser.headers["Accept-Language"] = "zh-CN"
    page = browser.get("/board?line=L1").text
    assert "产线看板" in page
    assert "直通率" in page
    assert "—" in page  # no steps yet: no rate, not 0 %
