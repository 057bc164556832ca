"""Schedules the server runs itself: cadences, a due schedule scoring a real PostgreSQL table
into the store, its alerts delivered to a local receiver, errors recorded and shown, one copy
at a time, restarts, the Schedules screen (zh/en, roles) and the new screens at phone width."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from rfmkit.store import accounts
from rfmkit.web.cadence import Cadence, Cron, CronError
from rfmkit.web.schedules import next_run
from tests.delivery.endpoint import FakeEndpoint, Reply
from tests.delivery.helpers import SECRET
from tests.sources.test_databases import PG_URL
from tests.web.conftest import Seeded, bearer, sign_in
from tests.web.databases import PASSWORD, Table, define, pg_orders, vault_app

__all__ = ["pg_orders"]  # fixture
SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def at(text: str, tz: dt.tzinfo = SHANGHAI) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=tz)


# -- cadences -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cadence", "after", "expected"),
    [
        ({"every": "daily", "hour": 2}, "2025-03-10 01:59", "2025-03-10 02:00"),
        ({"every": "daily", "hour": 2}, "2025-03-10 02:00", "2025-03-11 02:00"),
        ({"every": "weekly", "weekday": 0, "hour": 9}, "2025-03-12 10:00", "2025-03-17 09:00"),
        ({"every": "monthly", "day": 1, "hour": 3}, "2025-03-01 03:30", "2025-04-01 03:00"),
        ({"every": "monthly", "day": 31}, "2025-02-01 00:00", "2025-02-28 02:00"),
        ({"every": "monthly", "day": 31}, "2024-02-10 00:00", "2024-02-29 02:00"),
        ({"every": "cron", "cron": "0 2 1 * *"}, "2025-03-01 02:00", "2025-04-01 02:00"),
        (
            {"every": "cron", "cron": "*/15 8-18 * * mon-fri"},
            "2025-03-08 00:00",
            "2025-03-10 08:00",
        ),
        ({"every": "cron", "cron": "30 6 13 * 5"}, "2025-06-01 00:00", "2025-06-06 06:30"),
        ({"every": "cron", "cron": "0 0 29 2 *"}, "2025-03-01 00:00", "2028-02-29 00:00"),
        ({"every": "cron", "cron": "@monthly"}, "2025-12-05 00:00", "2026-01-01 00:00"),
        ({"every": "cron", "cron": "0 12 * jan,jul sun"}, "2025-01-06 00:00", "2025-01-12 12:00"),
    ],
    ids=[
        "daily-today",
        "daily-tomorrow",
        "weekly",
        "monthly",
        "monthly-31-in-february",
        "leap-year",
        "cron-monthly",
        "cron-steps-ranges-names",
        "cron-either-day",
        "cron-leap-day",
        "shortcut",
        "cron-month-names",
    ],
)
def test_next_run(cadence: dict[str, Any], after: str, expected: str) -> None:
    found = Cadence.model_validate(cadence).next_after(at(after), SHANGHAI)
    assert found == at(expected).astimezone(dt.UTC)


def test_daylight_saving_time_is_the_local_clock() -> None:
    daily = Cadence(every="daily", hour=3)
    before = daily.next_after(at("2025-03-28 12:00", BERLIN), BERLIN)
    after = daily.next_after(before, BERLIN)
    assert before.astimezone(BERLIN).hour == after.astimezone(BERLIN).hour == 3
    assert after - before == dt.timedelta(hours=23)  # the night the clocks go forward


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("0 2 * *", "5 fields"),
        ("61 * * * *", "outside 0-59"),
        ("0 24 * * *", "outside 0-23"),
        ("0 0 30 2 *", "never runs"),
        ("0 0 * * funday", "not a number"),
        ("*/0 * * * *", "at least 1"),
        ("5-1 * * * *", "outside"),
        ("² * * * *", "not a number"),
    ],
)
def test_bad_cron_expressions_are_refused_with_the_reason(text: str, problem: str) -> None:
    with pytest.raises(CronError, match=problem):
        Cron.parse(text)
    with pytest.raises(ValidationError, match=problem):
        Cadence(every="cron", cron=text)


def test_the_next_run_comes_from_the_stored_last_run() -> None:
    row = {
        "spec": {"cadence": {"every": "monthly", "day": 1, "hour": 2}, "enabled": True},
        "updated_at": dt.datetime(2025, 1, 10),
        "last_started_at": dt.datetime(2025, 3, 1, 2, 0, 5),
    }
    assert next_run(row, dt.UTC) == dt.datetime(2025, 4, 1, 2, tzinfo=dt.UTC)
    never = {**row, "last_started_at": None}
    assert next_run(never, dt.UTC) == dt.datetime(2025, 2, 1, 2, tzinfo=dt.UTC)
    assert next_run({**row, "spec": {**row["spec"], "enabled": False}}, dt.UTC) is None


# -- the server runs them -------------------------------------------------------------------


@pytest.fixture(scope="module")
def receiver() -> Iterator[FakeEndpoint]:
    server = FakeEndpoint().start()
    server.webhook_secret = SECRET
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sched(
    seeded: Seeded,
    pg_orders: Table,
    receiver: FakeEndpoint,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TestClient]:
    """An app with the PostgreSQL connection "pg", the webhook "hook" and a configuration."""
    with vault_app(seeded, tmp_path_factory.mktemp("schedules")) as client:
        define(client, seeded, "pg", PG_URL, PASSWORD)
        define(client, seeded, "hook", receiver.url + "/hooks/rfm", SECRET)
        config = {"scheme": "cn8", "as_of": "2025-03-20", "weights": "retail"}
        admin = bearer(seeded.tokens["admin"])
        assert client.put("/api/v1/configurations/m", json=config, headers=admin).status_code == 200
        yield client
    assert not any(t.name.startswith("rfmkit-schedule") for t in threading.enumerate())


def spec(table: str, **more: Any) -> dict[str, Any]:
    return {
        "source": {"connection": "pg", "query": f"SELECT * FROM {table}"},
        "configuration": "m",
        "cadence": {"every": "monthly", "day": 1, "hour": 2},
        **more,
    }


def finished(web: TestClient, seeded: Seeded, name: str, since: str | None) -> dict[str, Any]:
    """The schedule once a run after ``since`` has finished."""
    headers = bearer(seeded.tokens["read"])
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        row: dict[str, Any] = web.get(f"/api/v1/schedules/{name}", headers=headers).json()
        if not row["running"] and row["last_finished_at"] and row["last_finished_at"] != since:
            return row
        time.sleep(0.2)
    raise AssertionError(f"schedule {name} did not finish in 90 s")


@pytest.mark.postgres
def test_a_due_schedule_scores_the_database_into_the_store(
    sched: TestClient, seeded: Seeded, pg_orders: Table
) -> None:
    admin = bearer(seeded.tokens["admin"])
    saved = sched.put("/api/v1/schedules/monthly", json=spec(pg_orders.name), headers=admin)
    assert saved.status_code == 200, saved.text
    row = saved.json()
    assert row["last_status"] is None and row["source"] == "pg: query"
    assert row["cadence"] == {"every": "monthly", "at": "02:00", "day": 1}
    due = dt.datetime.fromisoformat(row["next_run"])
    scheduler = sched.app.state.scheduler  # type: ignore[attr-defined]
    assert scheduler.run_due() == []  # not yet
    scheduler.clock = lambda: due + dt.timedelta(minutes=1)
    try:
        scheduler.wake()
        done = finished(sched, seeded, "monthly", None)
    finally:
        scheduler.clock = lambda: dt.datetime.now(dt.UTC)
    assert done["last_status"] == "ok", done["last_result"]
    result = done["last_result"]
    assert result["as_of"] == "2025-03-20" and result["customers"] > 300
    assert result["duration_s"] > 0
    assert dt.datetime.fromisoformat(done["last_started_at"]) == due + dt.timedelta(minutes=1)
    assert dt.datetime.fromisoformat(done["next_run"]) > due + dt.timedelta(days=27)
    with sched.app.state.web.db() as store:  # type: ignore[attr-defined]
        info = store.snapshot("2025-03-20")
        record = store.record("2025-03-20")
    assert info.customers == result["customers"] and record["settings"]["weights"] == "retail"
    assert PASSWORD not in str(record) and PASSWORD not in str(done)
    job = sched.get(f"/api/v1/runs/{result['job_id']}", headers=admin).json()
    assert job["created_by"] == "scheduler" and job["status"] == "done"
    audit = sched.get("/api/v1/audit?limit=100", headers=admin).json()
    assert any(a["action"] == "schedule.run" and a["object"] == "monthly" for a in audit)


@pytest.mark.postgres
def test_one_copy_at_a_time(sched: TestClient, seeded: Seeded, pg_orders: Table) -> None:
    admin = bearer(seeded.tokens["admin"])
    sched.put("/api/v1/schedules/once", json=spec(pg_orders.name), headers=admin)
    before = sched.get("/api/v1/schedules/once", headers=admin).json()["last_finished_at"]
    first = sched.post("/api/v1/schedules/once/run", headers=admin)
    assert first.status_code == 202
    second = sched.post("/api/v1/schedules/once/run", headers=admin)
    assert second.status_code == 409 and second.json()["error"] == "busy"
    scheduler = sched.app.state.scheduler  # type: ignore[attr-defined]
    assert "once" in scheduler.running()
    with sched.app.state.web.db() as store:  # type: ignore[attr-defined]
        assert not accounts.claim_schedule(store, "once", "another-server", dt.datetime.now())
    assert finished(sched, seeded, "once", before)["last_status"] == "ok"
    assert scheduler.running() == set()


@pytest.mark.postgres
def test_alerts_are_delivered_to_the_destination(
    sched: TestClient, seeded: Seeded, pg_orders: Table, receiver: FakeEndpoint
) -> None:
    admin = bearer(seeded.tokens["admin"])
    body = spec(pg_orders.name, alerts=True, destination="hook", lang="en")
    body["configuration"] = None  # as of the day after the last order: the latest snapshot
    assert sched.put("/api/v1/schedules/alerting", json=body, headers=admin).status_code == 200
    receiver.requests.clear()
    sched.post("/api/v1/schedules/alerting/run", headers=admin)
    done = finished(sched, seeded, "alerting", None)
    assert done["last_status"] == "ok", done["last_result"]
    result = done["last_result"]
    assert result["sent"] > 0 and result["sent"] == result["alerts"]
    assert receiver.requests and all(r.signature_ok for r in receiver.requests)
    delivered = [a for r in receiver.requests for a in r.json["data"]["alerts"]]
    assert len(delivered) == result["sent"]
    # the receiver refuses: the snapshot is kept, the run is an error that says why
    receiver.reply(*[Reply(400, {"error": "no"})] * 5)
    sched.post("/api/v1/schedules/alerting/run", headers=admin)
    again = finished(sched, seeded, "alerting", done["last_finished_at"])
    # every alert reached the receiver once already: nothing new to send, so it stays ok
    assert again["last_status"] == "ok" and again["last_result"]["sent"] == 0
    receiver.script.clear()


@pytest.mark.postgres
def test_a_refused_delivery_is_recorded(
    sched: TestClient, seeded: Seeded, pg_orders: Table, receiver: FakeEndpoint
) -> None:
    admin = bearer(seeded.tokens["admin"])
    define(sched, seeded, "hook2", receiver.url + "/hooks/other", SECRET)
    body = spec(pg_orders.name, alerts=True, destination="hook2")
    body["configuration"] = None
    sched.put("/api/v1/schedules/refused", json=body, headers=admin)
    receiver.reply(*[Reply(400, {"error": "no"})] * 5)
    sched.post("/api/v1/schedules/refused/run", headers=admin)
    done = finished(sched, seeded, "refused", None)
    receiver.script.clear()
    assert done["last_status"] == "error"
    assert "not delivered" in done["last_result"]["message"] and done["last_result"]["customers"]


def test_an_error_is_recorded_and_shown(sched: TestClient, seeded: Seeded) -> None:
    admin = bearer(seeded.tokens["admin"])
    body = {
        "source": {"path": "/nonexistent/rfmkit/orders.csv"},
        "cadence": {"every": "cron", "cron": "0 6 * * 1"},
    }
    assert sched.put("/api/v1/schedules/broken", json=body, headers=admin).status_code == 200
    sched.post("/api/v1/schedules/broken/run", headers=admin)
    done = finished(sched, seeded, "broken", None)
    assert done["last_status"] == "error"
    assert done["last_result"]["file"] == "/nonexistent/rfmkit/orders.csv"
    sign_in(sched, "analyst")
    page = sched.get("/schedules").text
    row = page.split('data-name="broken"', 1)[1].split("</tr>", 1)[0]
    assert 'data-status="error"' in page and "badge error" in row
    assert "orders.csv" in row and "Cron: 0 6 * * 1" in row
    sched.get("/lang/zh")
    assert "失败" in sched.get("/schedules").text
    sched.get("/lang/en")


@pytest.mark.parametrize(
    ("change", "status", "needle"),
    [
        ({"source": {"connection": "nope", "table": "t"}}, 404, "nope"),
        ({"source": {"connection": "pg", "query": "DELETE FROM t"}}, 400, "one SELECT"),
        ({"source": {"path": "orders.csv"}}, 400, "absolute"),
        ({"source": {"path": "/etc/"}}, 400, "absolute"),
        ({"source": {}}, 422, "connection"),
        ({"configuration": "nope"}, 404, "nope"),
        ({"cadence": {"every": "cron", "cron": "0 0 31 2 *"}}, 422, "never runs"),
        ({"cadence": {"every": "hourly"}}, 422, "every"),
        ({"alerts": True}, 422, "destination"),
        ({"alerts": True, "destination": "pg"}, 404, "pg"),
        ({"map": {"shoe_size": "x"}}, 422, "map"),
    ],
)
def test_bad_schedules_are_refused(
    sched: TestClient, seeded: Seeded, change: dict[str, Any], status: int, needle: str
) -> None:
    body = {**spec("orders"), **change}
    answer = sched.put("/api/v1/schedules/bad", json=body, headers=bearer(seeded.tokens["admin"]))
    assert answer.status_code == status and needle in answer.text, answer.text
    missing = sched.get("/api/v1/schedules/bad", headers=bearer(seeded.tokens["read"]))
    assert missing.status_code == 404


def test_roles(sched: TestClient, seeded: Seeded) -> None:
    read = bearer(seeded.tokens["read"])
    assert sched.get("/api/v1/schedules", headers=read).status_code == 200
    refused = sched.put("/api/v1/schedules/x", json=spec("t"), headers=read)
    assert refused.status_code == 403 and refused.json()["details"]["scope"] == "admin"
    assert sched.post("/api/v1/schedules/x/run", headers=read).status_code == 403
    csrf = sign_in(sched, "analyst")
    page = sched.get("/schedules")
    assert page.status_code == 200 and 'id="schedule-form"' not in page.text
    assert sched.post("/schedules", data={"csrf_token": csrf, "name": "x"}).status_code == 403
    sign_in(sched, "viewer")
    assert sched.get("/schedules").status_code == 403


@pytest.mark.postgres
def test_the_schedules_screen(sched: TestClient, seeded: Seeded, pg_orders: Table) -> None:
    csrf = sign_in(sched, "admin")
    sched.get("/lang/zh")
    page = sched.get("/schedules").text
    assert "定时任务" in page and 'id="schedule-form"' in page and '<option value="hook"' in page
    form = {
        "csrf_token": csrf,
        "name": "weekly-pg",
        "configuration": "m",
        "source_kind": "connection",
        "connection": "pg",
        "table": pg_orders.name,
        "every": "weekly",
        "weekday": "6",
        "hour": "23",
        "minute": "30",
        "as_of": "run_day",
        "lang": "zh",
        "map_customer": "会员ID",
        "enabled": "1",
    }
    saved = sched.post("/schedules", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    listed = sched.get("/schedules").text
    row = listed.split('data-name="weekly-pg"', 1)[1].split("</tr>", 1)[0]
    assert "每周日 23:30" in row and "从未运行" in row
    stored = sched.get("/api/v1/schedules/weekly-pg", headers=bearer(seeded.tokens["read"])).json()
    assert stored["spec"]["map"] == {"customer": "会员ID"} and stored["spec"]["as_of"] == "run_day"
    edit = sched.get("/schedules?edit=weekly-pg").text
    assert f'value="{pg_orders.name}"' in edit and 'value="23"' in edit
    wrong = sched.post("/schedules", data={**form, "every": "cron", "cron": "99 * * * *"})
    assert wrong.status_code == 400 and 'role="alert"' in wrong.text and "99 * * * *" in wrong.text
    sched.get("/lang/en")
    ran = sched.post("/schedules/weekly-pg/run", data={"csrf_token": csrf}, follow_redirects=False)
    assert ran.headers["location"] == "/schedules?started=weekly-pg"
    assert "Started weekly-pg." in sched.get(ran.headers["location"]).text
    done = finished(sched, seeded, "weekly-pg", None)
    assert done["last_status"] == "ok", done["last_result"]
    assert done["last_result"]["as_of"] == dt.date.today().isoformat()  # the run's day
    shown = sched.get("/schedules").text.split('data-name="weekly-pg"', 1)[1].split("</tr>")[0]
    assert "badge ok" in shown and "customers" in shown
    gone = sched.post("/schedules/weekly-pg/delete", data={"csrf_token": csrf})
    assert gone.status_code == 200 and 'data-name="weekly-pg"' not in gone.text


def _age(store: Any, name: str, days: int) -> None:
    """Pretend ``name`` was saved, and last ran, ``days`` days ago."""
    when = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=days)
    assert accounts.claim_schedule(store, name, "t", when)
    accounts.finish_schedule(store, name, "t", started=when, status="ok", result={})
    store.con.con.execute(
        f"UPDATE {accounts._p(store)}.schedules SET updated_at = ? WHERE name = ?", [when, name]
    )


@pytest.mark.postgres
def test_restarts_forget_nothing(
    seeded: Seeded, pg_orders: Table, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("restart")
    admin = bearer(seeded.tokens["admin"])
    monthly = {**spec(pg_orders.name), "configuration": None}
    with vault_app(seeded, folder) as client:
        define(client, seeded, "pg", PG_URL, PASSWORD)
        for name in ("missed", "recent", "cut-off"):
            assert client.put(f"/api/v1/schedules/{name}", json=monthly, headers=admin).is_success
        scheduler = client.app.state.scheduler  # type: ignore[attr-defined]
        scheduler.tick = 3600.0
    assert not scheduler._thread.is_alive()  # stopped with the app
    from rfmkit.store import open_store

    with open_store(folder / "store.duckdb") as store:
        _age(store, "missed", 45)  # the 1st of a month passed while the server was down
        _age(store, "recent", 1)
        _age(store, "cut-off", 10)
        assert accounts.claim_schedule(store, "cut-off", "a-run", dt.datetime(2025, 1, 1))
    with vault_app_again(folder) as client:
        missed = finished(client, seeded, "missed", None)
        assert missed["last_status"] == "ok" and missed["last_result"]["customers"] > 300
        recent = client.get("/api/v1/schedules/recent", headers=admin).json()
        assert recent["last_result"] == {} and recent["next_run"] > missed["last_started_at"]
        cut = client.get("/api/v1/schedules/cut-off", headers=admin).json()
        assert cut["last_status"] == "error" and "stopped" in cut["last_result"]["message"]
        assert not cut["running"]


def vault_app_again(folder: Any) -> TestClient:
    from tests.web.conftest import app_over

    return app_over(folder / "store.duckdb", folder, secret_key_file=folder / "key")


# -- at phone width, in a real browser --------------------------------------------------------


@pytest.fixture(scope="module")
def live(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn on 127.0.0.1 with a secret key, a connection, a configuration and a schedule."""
    import shutil

    import httpx
    import uvicorn
    from cryptography.fernet import Fernet

    from rfmkit.settings import ServeOptions
    from rfmkit.web import WebConfig, create_app
    from tests.web.test_browser import free_port

    folder = tmp_path_factory.mktemp("phone")
    (folder / "key").write_bytes(Fernet.generate_key())
    shutil.copy(seeded.store, folder / "store.duckdb")
    options = ServeOptions(
        data_dir=folder / "data", secure_cookies=False, secret_key_file=folder / "key"
    )
    app = create_app(WebConfig(serve=options, store=str(folder / "store.duckdb"), lang="zh"))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    admin = bearer(seeded.tokens["admin"])
    long_query = (
        "SELECT " + ", ".join(f"column_with_a_long_name_{i}" for i in range(12)) + " FROM t"
    )
    with httpx.Client(base_url=base, headers=admin) as api:
        connection = {"name": "warehouse-reporting-replica", "kind": "database", "url": PG_URL}
        assert api.post("/api/v1/connections", json=connection).status_code == 201
        config = {"scheme": "classic11", "weights": "mother_baby", "split": "median"}
        assert api.put("/api/v1/configurations/mother-baby-median", json=config).is_success
        body = {
            "source": {"connection": "warehouse-reporting-replica", "query": long_query},
            "configuration": "mother-baby-median",
            "cadence": {"every": "cron", "cron": "0 2 1,15 * *"},
        }
        assert api.put("/api/v1/schedules/twice-a-month-from-the-warehouse", json=body).is_success
        broken = {"source": {"path": "/srv/exports/missing/*.csv"}, "cadence": {"every": "daily"}}
        assert api.put("/api/v1/schedules/broken-export", json=broken).is_success
        assert api.post("/api/v1/schedules/broken-export/run").status_code == 202
        deadline = time.monotonic() + 60
        while api.get("/api/v1/schedules/broken-export").json()["last_status"] is None:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    yield base
    server.should_exit = True
    thread.join(timeout=30)


def test_the_new_screens_fit_a_phone(live: str) -> None:
    from playwright.sync_api import sync_playwright

    from tests.report.conftest import chromium
    from tests.report.test_browser import ARGS
    from tests.web.conftest import PASSWORD as USER_PASSWORD
    from tests.web.test_browser import SIZES, Watch, fits, shot

    width, height = SIZES["phone"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=ARGS)
        context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=True)
        page = context.new_page()
        watch = Watch(page, live)
        page.goto(live + "/login")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", USER_PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url("**/overview")
        for path, marker in (
            ("/data", "#database-form"),
            ("/settings", "#configuration-form"),
            ("/schedules", "#schedule-form"),
        ):
            page.goto(live + path)
            assert page.locator(marker).is_visible()
            fits(page, width)
            shot(page, path.strip("/") + "-phone")
        row = page.locator('tr[data-name="broken-export"]')
        assert "失败" in row.inner_text() and "/srv/exports/missing/*.csv" in row.inner_text()
        page.goto(live + "/settings")
        page.fill("#configuration-form input[name=name]", "fmcg-on-a-phone")
        page.select_option("#configuration-form select[name=weights]", "fmcg")
        page.click("#configuration-form button[type=submit]")
        page.wait_for_url("**/settings?saved=fmcg-on-a-phone")
        assert page.locator("#saved").is_visible()
        assert page.locator('tr[data-name="fmcg-on-a-phone"]').is_visible()
        fits(page, width)
        assert watch.errors == [] and watch.blocked == []
        context.close()
        browser.close()
