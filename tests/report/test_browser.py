"""The report in a real browser: Debian's Chromium, headless, offline, desktop and phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Route, sync_playwright

from tests.report.conftest import ARTIFACTS, chromium

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}

pytestmark = pytest.mark.xdist_group("browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    path = chromium()
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=path, args=ARGS)
        yield launched
        launched.close()


def open_offline(browser: Browser, report: Path, width: int, height: int) -> dict[str, Any]:
    """Open ``report`` with every non-file request aborted; return what the page did."""
    page = browser.new_page(viewport={"width": width, "height": height})
    blocked: list[str] = []
    errors: list[str] = []

    def route(r: Route) -> None:
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report.as_uri())
    page.wait_for_function(
        "document.querySelectorAll('.chart').length > 0 && "
        "[...document.querySelectorAll('.chart')].every(c => c.querySelector('svg.main-svg'))",
        timeout=30_000,
    )
    charts = page.evaluate(
        """[...document.querySelectorAll('.chart')].map(c => {
            const svg = c.querySelector('svg.main-svg').getBoundingClientRect();
            const marks = c.querySelectorAll('path, rect, text').length;
            return {id: c.id, width: svg.width, height: svg.height, marks: marks};
        })"""
    )
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    return {
        "page": page,
        "blocked": blocked,
        "errors": errors,
        "charts": charts,
        "scroll_width": scroll_width,
    }


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_report_draws_every_chart_offline(
    browser: Browser, demo_report: Path, viewport: str
) -> None:
    width, height = VIEWPORTS[viewport]
    seen = open_offline(browser, demo_report, width, height)
    page = seen["page"]
    try:
        assert seen["blocked"] == []
        assert seen["errors"] == []
        assert len(seen["charts"]) == 14
        for chart in seen["charts"]:
            assert chart["width"] > 100 and chart["height"] > 100, chart
            assert chart["width"] <= width, chart  # fits the screen
            assert chart["marks"] > 5, chart
        assert seen["scroll_width"] <= width  # nothing wider than the screen
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"report-{viewport}.png"), full_page=True)
    finally:
        page.close()


def test_print_hides_navigation_and_makes_a_pdf(browser: Browser, demo_report: Path) -> None:
    seen = open_offline(browser, demo_report, 1280, 800)
    page = seen["page"]
    try:
        page.emulate_media(media="print")
        assert page.evaluate("getComputedStyle(document.querySelector('nav')).display") == "none"
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and len(pdf) > 50_000
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "report.pdf").write_bytes(pdf)
    finally:
        page.close()
