"""The administration and insight pages in a real browser (Debian's Chromium through Playwright,
uvicorn on 127.0.0.1, every other address blocked): an admin adds a user and makes a token, the
new user signs in and opens predictions, audiences (making one), an audience, campaigns, alert
rules and the history's alerts -- at desktop and phone sizes, with no console error."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Page

import rfmkit
from rfmkit.demo_data import generate_orders
from rfmkit.settings import ServeOptions
from rfmkit.store import accounts, open_store
from rfmkit.verbs.audience import create_audience
from rfmkit.verbs.campaign import create_campaign, measure_campaign
from rfmkit.verbs.snapshot import snapshot
from rfmkit.web import WebConfig, create_app, security
from tests.web.test_browser import (  # noqa: F401 (the browser fixture)
    SIZES,
    Watch,
    browser,
    charts_drawn,
    fits,
    free_port,
    shot,
)

pytestmark = pytest.mark.xdist_group("browser")
PASSWORD = "open sesame 42"
NEW_PASSWORD = "bea's own secret"
FIRST, SECOND = dt.date(2025, 1, 1), dt.date(2025, 4, 1)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A store with a plain snapshot, a later one with predictions, an audience and a measured
    campaign; one admin, ann."""
    folder = tmp_path_factory.mktemp("browser-insight")
    orders = generate_orders(600, end=dt.date(2025, 3, 31), seed=5)
    csv = folder / "orders.csv"
    orders.to_csv(csv, index=False)
    store = folder / "store.duckdb"
    snapshot(str(csv), store=str(store), as_of=FIRST, lang="en")
    predicted = rfmkit.predict(str(csv), as_of=SECOND, lang="en", validate_model=False)
    with open_store(store) as opened:
        opened.save_snapshot(
            predicted.customers, predicted.record.to_dict(), as_of=predicted.score.as_of
        )
        accounts.add_user(opened, "ann", "admin", security.hash_password(PASSWORD))
    create_audience(
        "winback", as_of=FIRST, segment=["important_value", "general_value"], store=store
    )
    create_campaign(
        "winback-sms", audience="winback", send_date="2025-01-06", window_days=30, cost=300,
        margin=0.3, holdout="30%", store=store,
    )  # fmt: skip
    measure_campaign("winback-sms", str(csv), store=store, lang="en")
    port = free_port()
    options = ServeOptions(data_dir=folder / "data", secure_cookies=False)
    app = create_app(WebConfig(serve=options, store=str(store), lang="en"))
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started, "uvicorn did not start"
    yield {"url": f"http://127.0.0.1:{port}"}
    running.should_exit = True
    thread.join(timeout=30)


def sign_in(page: Page, base: str, user: str, password: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/overview")


def sign_out(page: Page) -> None:
    page.click("form[action='/logout'] button[type=submit]")
    page.wait_for_url("**/login")


def test_an_admin_adds_a_user_who_works_with_the_insight_pages(
    browser: Browser,  # noqa: F811
    server: dict[str, Any],
) -> None:
    base = server["url"]
    width, height = SIZES["desktop"]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    watch = Watch(page, base)
    sign_in(page, base, "ann", PASSWORD)
    page.click("header nav a[href='/admin/users']")
    page.wait_for_url("**/admin/users")
    page.fill("#add-user input[name=name]", "bea")
    page.select_option("#add-user select[name=role]", "marketer")
    page.fill("#add-user input[name=password]", NEW_PASSWORD)
    page.click("#add-user button[type=submit]")
    page.wait_for_url("**/admin/users?done=user_added")
    assert page.input_value("tr[data-user=bea] select[name=role]") == "marketer"
    page.select_option("#add-token select[name=user]", "bea")
    page.check("#add-token input[name=scopes][value=export]")
    page.click("#add-token button[type=submit]")
    token = page.inner_text("#token-value")
    assert token.startswith("rfk_") and len(token) == 60
    shot(page, "users-desktop")
    page.goto(base + "/admin/users")
    assert token not in page.content()  # shown once
    sign_out(page)
    sign_in(page, base, "bea", NEW_PASSWORD)
    assert "bea" in page.inner_text(".who")
    page.click("header nav a[href='/predictions']")
    page.wait_for_url("**/predictions")
    drawn = charts_drawn(page)
    assert {c["id"] for c in drawn} == {
        "chart-p_alive",
        "chart-expected_purchases",
        "chart-clv_by_segment",
        "chart-clv_distribution",
    }
    assert all(c["marks"] > 5 and c["width"] > 300 for c in drawn)
    assert page.locator("#top-clv tbody tr").count() == 20
    shot(page, "predictions-desktop")
    page.select_option("select[name=as_of]", FIRST.isoformat())
    page.wait_for_selector("#no-predictions")
    page.click("header nav a[href='/audiences']")
    page.wait_for_url("**/audiences")
    page.fill("#create-audience input[name=name]", "vip")
    page.check("#create-audience input[name=segment][value=important_value]")
    page.click("#create-audience button[type=submit]")
    page.wait_for_url("**/audiences/vip")
    assert int(page.inner_text("[data-kpi=customers] strong").replace(",", "")) > 0
    page.goto(base + "/audiences")
    assert "bea" in page.inner_text("tr[data-audience=vip]")
    shot(page, "audiences-desktop")
    page.click("tr[data-audience=winback] a")
    page.wait_for_url("**/audiences/winback")
    assert page.locator("#audience-members tbody tr").count() > 0
    shot(page, "audience-desktop")
    page.click("header nav a[href='/campaigns']")
    page.wait_for_url("**/campaigns")
    assert page.locator(".campaign-results tr.overall").count() == 1
    shot(page, "campaigns-desktop")
    page.click("header nav a[href='/alert-rules']")
    page.wait_for_url("**/alert-rules")
    assert page.locator("#rules-cn8 .rule-list tbody tr").count() == 4
    page.click("header nav a[href='/history']")
    page.wait_for_selector(
        "#alerts-panel #delivery-log, #alerts-panel :text('Nothing delivered yet.')"
    )
    assert "No destinations yet" in page.inner_text("#alerts-panel")  # loaded by htmx
    assert watch.errors == [] and watch.blocked == []
    context.close()


def test_the_insight_pages_fit_a_phone(browser: Browser, server: dict[str, Any]) -> None:  # noqa: F811
    base = server["url"]
    width, height = SIZES["phone"]
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=True)
    page = context.new_page()
    watch = Watch(page, base)
    sign_in(page, base, "ann", PASSWORD)
    page.goto(base + "/predictions")
    drawn = charts_drawn(page)
    assert all(c["width"] <= width for c in drawn)
    fits(page, width)
    shot(page, "predictions-phone")
    for path, name in (
        ("/audiences", "audiences"),
        ("/audiences/winback", "audience"),
        ("/campaigns", "campaigns"),
        ("/alert-rules", "alert-rules"),
        ("/admin/users", "users"),
        (f"/predictions?as_of={FIRST}", "no-predictions"),
    ):
        page.goto(base + path)
        fits(page, width)
        shot(page, f"{name}-phone")
    assert watch.errors == [] and watch.blocked == []
    context.close()
