"""The web app in a real browser: Debian's Chromium driven by Playwright, against uvicorn on
127.0.0.1, every other address blocked. Log in, upload the demo CSV, confirm the mapping,
run, open a segment and a customer, export, view history -- at desktop and phone sizes,
with no console error. Screenshots go to tests/artifacts/ (not tracked): a test run leaves
the work tree as it was. scripts/screenshot_web.py copies the desktop overview's to
docs/web.png, the README's picture, when it is to change."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, Route, sync_playwright

from rfmkit.demo_data import generate_orders
from rfmkit.settings import ServeOptions
from rfmkit.store import accounts, open_store
from rfmkit.verbs.snapshot import snapshot
from rfmkit.web import WebConfig, create_app, security
from tests.report.conftest import ARTIFACTS, chromium
from tests.report.test_browser import ARGS

pytestmark = pytest.mark.xdist_group("browser")
PASSWORD = "open sesame 42"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """uvicorn on 127.0.0.1 over a store with one earlier snapshot and an admin."""
    folder = tmp_path_factory.mktemp("browser")
    orders = generate_orders(600, end=dt.date(2025, 6, 30), seed=5)
    csv = folder / "demo-orders.csv"
    orders.to_csv(csv, index=False)
    store = folder / "store.duckdb"
    snapshot(str(csv), store=str(store), as_of="2025-01-01", lang="en")
    with open_store(store) as opened:
        accounts.ensure_tables(opened)
        accounts.add_user(opened, "ann", "admin", security.hash_password(PASSWORD))
    port = free_port()
    options = ServeOptions(data_dir=folder / "data", secure_cookies=False)
    app = create_app(WebConfig(serve=options, store=str(store), lang="en"))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started, "uvicorn did not start"
    yield {"url": f"http://127.0.0.1:{port}", "csv": csv, "folder": folder}
    running.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium(), args=ARGS)
        yield launched
        launched.close()


class Watch:
    """Console errors, page errors and requests to anywhere but the server."""

    def __init__(self, page: Page, base: str) -> None:
        self.errors: list[str] = []
        self.blocked: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

        def route(r: Route) -> None:
            if r.request.url.startswith(base):
                r.continue_()
            else:
                self.blocked.append(r.request.url)
                r.abort()

        page.route("**/*", route)


def charts_drawn(page: Page) -> list[dict[str, Any]]:
    page.wait_for_function(
        "document.querySelectorAll('.chart').length > 0 && [...document.querySelectorAll('.chart')]"
        ".every(c => c.querySelector('svg.main-svg'))",
        timeout=30_000,
    )
    found: list[dict[str, Any]] = page.evaluate(
        "[...document.querySelectorAll('.chart')].map(c => ({id: c.id, "
        "width: c.querySelector('svg.main-svg').getBoundingClientRect().width, "
        "marks: c.querySelectorAll('path, rect, text').length}))"
    )
    return found


def fits(page: Page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + 1, f"{page.url} is {scroll}px wide on a {width}px screen"


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"web-{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def sign_in(page: Page, base: str) -> None:
    page.goto(base + "/")
    page.fill("input[name=username]", "ann")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/overview")


def test_the_whole_journey_on_a_desktop(browser: Browser, server: dict[str, Any]) -> None:
    base = server["url"]
    width, height = SIZES["desktop"]
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    page = context.new_page()
    watch = Watch(page, base)
    sign_in(page, base)
    page.click("header nav a[href='/data']")
    page.set_input_files("input[type=file]", str(server["csv"]))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/data/*")
    mapping = {
        f: page.input_value(f"form.mapping input[name=map_{f}]")
        for f in ("customer", "date", "amount", "order")
    }
    assert mapping == {
        "customer": "customer_id",
        "date": "order_date",
        "amount": "amount",
        "order": "order_id",
    }
    assert page.locator("#preview tbody tr").count() == 8
    assert "Rows read" in page.inner_text("#quality")
    shot(page, "check-desktop")
    page.click("#run-form button[type=submit]")
    page.wait_for_selector("#open-overview", timeout=60_000)
    assert page.get_attribute("#run-status", "data-status") == "done"
    page.click("#open-overview")
    page.wait_for_url("**/overview*")
    drawn = charts_drawn(page)
    assert {c["id"] for c in drawn} == {
        "chart-segment_share",
        "chart-value_map",
        "chart-pareto",
        "chart-segment_treemap",
    }
    assert all(c["marks"] > 5 and c["width"] > 300 for c in drawn)
    shot(page, "overview-desktop")  # scripts/screenshot_web.py makes it docs/web.png
    page.click("#segments tbody tr:first-child a")
    page.wait_for_url("**/segments/*")
    first = page.inner_text("#members tbody tr:first-child td:first-child")
    page.click("#members th a:has-text('Days since last order')")
    page.wait_for_function(
        f"document.querySelector('#members tbody tr td') && "
        f"document.querySelector('#members tbody tr td').innerText !== {first!r}",
        timeout=10_000,
    )
    days = page.eval_on_selector_all(
        "#members tbody tr",
        "rows => rows.map(r => Number(r.children[5].innerText.replace(/,/g, '')))",
    )
    assert days == sorted(days, reverse=True)
    shot(page, "segment-desktop")
    with page.expect_download() as download:
        page.click("#export-form button[type=submit]")
    saved = server["folder"] / "export.csv"
    download.value.save_as(saved)
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith('"customer_id"') and len(lines) > 1
    page.click("#members tbody tr:first-child td:first-child a")
    page.wait_for_url("**/customers/*")
    assert page.locator("#customer-history tbody tr").count() >= 1
    shot(page, "customer-desktop")
    page.click("header nav a[href='/history']")
    page.wait_for_url("**/history")
    drawn = charts_drawn(page)
    assert {c["id"] for c in drawn} == {"chart-trend", "chart-migration"}
    assert page.locator("#snapshots tbody tr").count() == 2
    shot(page, "history-desktop")
    page.click("a.lang")
    page.wait_for_load_state()
    assert "历史" in page.inner_text("header nav")
    assert watch.errors == [] and watch.blocked == []
    context.close()


def test_the_pages_fit_a_phone(browser: Browser, server: dict[str, Any]) -> None:
    base = server["url"]
    width, height = SIZES["phone"]
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=True)
    page = context.new_page()
    watch = Watch(page, base)
    sign_in(page, base)
    page.goto(base + "/overview")
    drawn = charts_drawn(page)
    assert all(c["width"] <= width for c in drawn)
    fits(page, width)
    shot(page, "overview-phone")
    page.click("#segments tbody tr:first-child a")
    page.wait_for_url("**/segments/*")
    fits(page, width)
    shot(page, "segment-phone")
    page.click("#members tbody tr:first-child td:first-child a")
    page.wait_for_url("**/customers/*")
    fits(page, width)
    shot(page, "customer-phone")
    page.goto(base + "/history")
    charts_drawn(page)
    fits(page, width)
    shot(page, "history-phone")
    assert watch.errors == [] and watch.blocked == []
    context.close()
