"""The station page in a real browser: Debian's Chromium driven by Playwright against
`tracemes serve` on loopback, on a phone-sized screen, keyboard only."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.factories import make_plant
from tracemes import services
from tracemes.services.context import Context
from tracemes.store.db import open_database

CHROMIUM = os.environ.get("TRACEMES_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "correct horse"
NOW = datetime(2026, 3, 16, 8, 30, tzinfo=UTC)

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and os.environ.get("CI") != "true",
    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A plant on a SQLite file (two bikes at OP10, frames due at L1-S1), served."""
    path = tmp_path_factory.mktemp("browser") / "plant.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    db = open_database(url)
    tenant = services.tenants.create(db, NOW, "ACME", "Acme E-bikes")
    ctx = Context(tenant_id=tenant.id, user_id=None, now=NOW)
    make_plant(db, ctx, bikes=2, packs=1)
    services.users.create(db, ctx, "wang", "operator", PASSWORD)
    db.dispose()
    port = _free_port()
    tracemes = str(Path(sys.executable).parent / "tracemes")
    process = subprocess.Popen(
        [tracemes, "serve", "--port", str(port), "--database-url", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/login", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def phone(server: str) -> Iterator[Page]:
    """An operator signed in on a 390 x 844 phone screen that reads Chinese."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{server}/login?next=/station")
        page.get_by_label("公司代码").fill("ACME")
        page.get_by_label("用户名").fill("wang")
        page.get_by_label("密码").fill(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{server}/station")
        yield page
        browser.close()


def _scan(page: Page, text: str) -> None:
    """What a keyboard-wedge scanner does: type into the focused field, then Enter."""
    page.keyboard.type(text)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_one_unit_through_its_operation_by_keyboard_with_a_refused_duplicate(
    phone: Page,
) -> None:
    page = phone
    page.get_by_label("工位").select_option("L1-S1")
    page.keyboard.press("Tab")  # to the button, still keyboard only
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="工位 L1-S1")).to_be_visible()
    expect(page.get_by_label("扫码")).to_be_focused()

    _scan(page, "BK0001")
    expect(page.get_by_role("alert")).to_contain_text("已开工 OP10")
    expect(page.get_by_label("扫码")).to_be_focused()
    _scan(page, "FR-00001")
    expect(page.get_by_role("alert")).to_contain_text("已绑定零件：FR-00001")
    _scan(page, "PASS")
    expect(page.get_by_role("alert")).to_contain_text("合格。请扫描下一个产品。")

    _scan(page, "BK0002")
    _scan(page, "FR-00001")  # already in BK0001
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("该零件已装在其他产品上")
    expect(alert).to_contain_text("BK0001")
    expect(page.get_by_label("扫码")).to_be_focused()  # ready for the next scan


def test_the_language_switch_turns_the_page_english(phone: Page) -> None:
    page = phone
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Station")).to_be_visible()
