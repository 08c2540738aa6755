"""Take the README's screenshots of the demo plant with Debian's Chromium.

Usage: .venv/bin/python scripts/screenshots.py  (seeds a throwaway demo database, serves it
on a free loopback port, signs in, and writes docs/screenshots/*.png)
"""

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
FIRST_BIKE = f"EB{datetime.now(UTC):%y%m%d}0001"  # the demo's first e-bike, shipped
PAGES = {
    "home.png": "/",
    "item.png": "/admin/items/EB-A1",
    "work-order.png": None,  # the first released e-bike order, found on the list page
    "trace.png": f"/trace?q={FIRST_BIKE}",
    "recall.png": "/trace?q=C2611-A",
}
PHONE = {"trace-phone.png": f"/trace?q={FIRST_BIKE}", "yields-phone.png": "/quality/yields"}
STATION = ("station-phone.png", "station-desktop.png")  # the scan loop, mid-unit


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.db"
        tracemes = str(Path(sys.executable).parent / "tracemes")
        server = subprocess.Popen(
            [tracemes, "demo", "--port", str(port), "--database-url", url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            shoot(base)
        finally:
            server.terminate()
            server.wait(timeout=10)


def shoot(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        # English pages for the README; the station shots show the Chinese default.
        page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="en-US")
        page.goto(f"{base}/login")
        page.get_by_label("Company").fill("DEMO")
        page.get_by_label("User").fill("admin")
        page.get_by_label("Password").fill("demo")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/")
        for name, path in PAGES.items():
            if path is None:
                page.goto(f"{base}/work-orders?status=in_progress")
                page.locator("table a", has_text="WO").last.click()
                page.wait_for_url(f"{base}/work-orders/WO*")
            else:
                page.goto(f"{base}{path}")
            page.screenshot(path=str(OUT / name), full_page=True)
            print(f"wrote docs/screenshots/{name}")
        shoot_station(browser, page, base)
        shoot_board(browser, page, base)
        shoot_inspection(browser, page, base)
        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        phone.context.add_cookies(page.context.cookies())
        for name, path in PHONE.items():
            phone.goto(f"{base}{path}")
            phone.screenshot(path=str(OUT / name), full_page=False)
            print(f"wrote docs/screenshots/{name}")
        shoot_nonconformance(browser, page, base)  # last: it places a hold
        browser.close()


def shoot_station(browser: Browser, signed_in: Page, base: str) -> None:
    """The station page on a phone and a desktop: a queued unit scanned, its step started."""
    query = "status=released&status=in_progress"
    orders = signed_in.request.get(f"{base}/api/v1/work-orders?{query}").json()
    serial = ""
    for order in orders:
        detail = signed_in.request.get(f"{base}/api/v1/work-orders/{order['code']}").json()
        queued = [u["serial"] for u in detail["units"] if u["status"] == "queued"]
        if queued:
            serial = queued[0]
            break
    for name, viewport in zip(
        STATION, ({"width": 390, "height": 844}, {"width": 1280, "height": 800}), strict=True
    ):
        page = browser.new_page(
            viewport=viewport,
            locale="zh-CN",
            device_scale_factor=2 if viewport["width"] < 500 else 1,
        )
        page.context.add_cookies(signed_in.context.cookies())
        page.goto(f"{base}/station")
        if page.get_by_label("工位").count():
            page.get_by_label("工位").select_option(index=0)
            with page.expect_navigation():
                page.get_by_role("button", name="使用此工位").click()
        if serial:
            page.get_by_label("扫码").fill(serial)
            with page.expect_response("**/station/scan"):  # sent by fetch, swapped in
                page.keyboard.press("Enter")
            page.locator(".station-unit").wait_for()
        page.screenshot(path=str(OUT / name), full_page=False)
        print(f"wrote docs/screenshots/{name}")
        page.close()


def shoot_board(browser: Browser, signed_in: Page, base: str) -> None:
    """The line board on a phone, in Chinese, on the demo's shift (today once the plant's
    morning is over, else the day before)."""
    page = browser.new_page(
        viewport={"width": 390, "height": 844}, locale="zh-CN", device_scale_factor=2
    )
    page.context.add_cookies(signed_in.context.cookies())
    page.goto(f"{base}/board?line=L1")
    if page.locator('[data-figure="output"]').inner_text().strip() == "0":
        with page.expect_navigation():
            page.locator('a[rel="prev"]').click()
    page.locator("#hourly-chart canvas").wait_for()
    page.screenshot(path=str(OUT / "board-phone.png"), full_page=True)
    print("wrote docs/screenshots/board-phone.png")
    page.close()


def shoot_inspection(browser: Browser, signed_in: Page, base: str) -> None:
    """The inspector's page on a phone, in Chinese: the demo's cell lot waiting for IQC."""
    page = browser.new_page(
        viewport={"width": 390, "height": 844}, locale="zh-CN", device_scale_factor=2
    )
    page.context.add_cookies(signed_in.context.cookies())
    page.goto(f"{base}/quality")
    with page.expect_navigation():
        page.locator("ul.cards a", has_text="C2611-B").click()
    page.screenshot(path=str(OUT / "inspection-phone.png"), full_page=True)
    print("wrote docs/screenshots/inspection-phone.png")
    page.close()


def shoot_nonconformance(browser: Browser, signed_in: Page, base: str) -> None:
    """A customer complaint held by hand from the trace page, then the nonconformance page
    on a phone, in Chinese, with its disposition form."""
    page = browser.new_page(
        viewport={"width": 390, "height": 844}, locale="zh-CN", device_scale_factor=2
    )
    page.context.add_cookies(signed_in.context.cookies())
    page.goto(f"{base}/trace?q=C2611-B")
    page.locator("#hold-reason").fill("客户投诉：电池包发热 Customer complaint: pack runs hot")
    with page.expect_navigation():
        page.locator("form[action='/trace/hold'] button").click()
    page.goto(f"{base}/quality/nonconformances")
    page.screenshot(path=str(OUT / "ncr-phone.png"), full_page=True)
    print("wrote docs/screenshots/ncr-phone.png")
    page.close()


if __name__ == "__main__":
    main()
