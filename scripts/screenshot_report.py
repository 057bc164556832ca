"""Make docs/report.png: the report of the demo data, as a phone-free desktop screenshot.

    .venv/bin/python scripts/screenshot_report.py [--lang zh|en] [--out docs/report.png]

Generates the seeded demo order log (fixed dates, so the picture only changes
when the report does), scores and predicts it, writes the HTML report, opens
it in Debian's Chromium through Playwright with the network blocked, and
saves the top of the page as a PNG (kept small: palette-free, 1280 px wide).
Needs `bash scripts/system-deps.sh` (chromium, fonts-noto-cjk).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Route, sync_playwright

import rfmkit
from rfmkit.demo_data import generate_orders
from rfmkit.reporting import write_report

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def make_report(folder: Path, lang: str, customers: int = 5000) -> Path:
    """The demo report in ``folder``."""
    orders = generate_orders(customers, end=dt.date(2025, 6, 30), seed=42)
    result = rfmkit.predict(orders, lang=lang, as_of="2025-07-01")
    return write_report(result, folder / "report.html", lang=lang)


def screenshot(report: Path, out: Path, *, width: int = 1280, height: int = 2000) -> None:
    """Open ``report`` offline and save the top ``height`` pixels of the page."""

    def block(route: Route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.route("**/*", block)
        page.goto(report.as_uri())
        page.wait_for_selector("#chart-pareto svg.main-svg")
        page.wait_for_timeout(500)
        page.screenshot(path=str(out), full_page=False)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report.png")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit("Chromium is missing: run `bash scripts/system-deps.sh`.")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        report = make_report(Path(tmp), args.lang)
        screenshot(report, args.out)
    print(f"Wrote {args.out} ({args.out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
