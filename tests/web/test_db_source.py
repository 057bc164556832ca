"""Connect a database on the Data screen: an admin's stored connection, a table or one SELECT,
read-only, then the same check and background run as an upload -- against the real PostgreSQL
(and MariaDB) servers. The connection's password is never shown, logged or stored in clear."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rfmkit.store import accounts
from tests.sources.test_databases import MYSQL_URL, PG_URL
from tests.web.conftest import Seeded, bearer, sign_in
from tests.web.databases import (
    PASSWORD,
    Table,
    count_rows,
    define,
    mysql_orders,
    pg_orders,
    vault_app,
)

__all__ = ["mysql_orders", "pg_orders"]  # fixtures
MAPPING = {"customer": "会员ID", "date": "下单时间", "amount": "实付金额", "order": "订单号"}


@pytest.fixture(scope="module")
def dbweb(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app with a secret key and the connection "pg" (its password given apart)."""
    with vault_app(seeded, tmp_path_factory.mktemp("dbweb")) as client:
        define(client, seeded, "pg", PG_URL, PASSWORD)
        yield client


def _wait(web: TestClient, job_id: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job: dict[str, Any] = web.get(f"/api/v1/runs/{job_id}", headers=headers).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError("the run did not finish in 90 s")


def _secrets_kept(web: TestClient, texts: list[str]) -> None:
    """The password is in no answer, audit entry, job, run record or log line."""
    state = web.app.state.web  # type: ignore[attr-defined]
    with state.db() as store:
        stored = [accounts.audit_rows(store, 1000), accounts.list_jobs(store, 1000)]
        stored += [store.record(s.as_of) for s in store.snapshots()]
    everything = "\n".join(texts) + json.dumps(stored, default=str)
    assert PASSWORD not in everything
    assert "Sekr1t" not in everything


@pytest.mark.postgres
def test_a_table_is_checked_and_scored_like_an_upload(
    dbweb: TestClient, seeded: Seeded, pg_orders: Table, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = bearer(seeded.tokens["activate"])
    made = dbweb.post(
        "/api/v1/database-reads",
        json={"connection": "pg", "table": pg_orders.name},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    read = made.json()
    assert read["database"] == {"connection": "pg", "table": pg_orders.name}
    checked = dbweb.post(f"/api/v1/uploads/{read['upload_id']}/check", json={}, headers=headers)
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["mapping"] == MAPPING  # found by name, as in a file
    assert body["quality"]["rows_read"] == pg_orders.rows and len(body["preview"]) == 8
    started = dbweb.post(
        "/api/v1/runs",
        json={"upload_id": read["upload_id"], "as_of": "2025-03-15", "breakpoints_mode": "refit"},
        headers=headers,
    )
    job = _wait(dbweb, started.json()["job_id"], headers)
    assert job["status"] == "done", job["error"]
    assert job["result"]["as_of"] == "2025-03-15" and job["result"]["customers"] > 300
    admin = bearer(seeded.tokens["admin"])
    audit = dbweb.get("/api/v1/audit?limit=100", headers=admin).json()
    reads = [a for a in audit if a["action"] == "database.read"]
    assert reads and reads[0]["object"] == f"database connection pg ({pg_orders.name})"
    runs = [a for a in audit if a["action"] == "run" and "2025-03-15" in a["object"]]
    assert "database connection pg" in runs[0]["object"]
    with dbweb.app.state.web.db() as store:  # type: ignore[attr-defined]
        record = store.record("2025-03-15")
    assert record["settings"]["table"] == pg_orders.name
    assert record["settings"]["from_db"].startswith("postgresql://postgres:***@127.0.0.1")
    texts = [made.text, checked.text, json.dumps(job), caplog.text]
    texts += [dbweb.get(p, headers=admin).text for p in ("/api/v1/connections", "/api/v1/runs")]
    _secrets_kept(dbweb, texts)


@pytest.mark.postgres
def test_reads_run_in_a_read_only_transaction(
    dbweb: TestClient, seeded: Seeded, pg_orders: Table
) -> None:
    headers = bearer(seeded.tokens["activate"])
    # each order id carries the transaction's read-only flag, so the preview shows it
    query = (
        f'SELECT "会员ID", "下单时间", "实付金额", '
        f"current_setting('transaction_read_only') || '|' || \"订单号\" AS \"订单号\" "
        f"FROM {pg_orders.name}"
    )
    read = dbweb.post(
        "/api/v1/database-reads", json={"connection": "pg", "query": query}, headers=headers
    ).json()
    checked = dbweb.post(
        f"/api/v1/uploads/{read['upload_id']}/check", json={"map": MAPPING}, headers=headers
    ).json()
    assert checked["quality"]["rows_read"] == pg_orders.rows
    assert {row["order_id"].split("|")[0] for row in checked["preview"]} == {"on"}
    # a statement that writes but looks like a SELECT is refused by the database itself
    writing = f"SELECT nextval('{pg_orders.sequence}') AS n, * FROM {pg_orders.name}"
    made = dbweb.post(
        "/api/v1/database-reads", json={"connection": "pg", "query": writing}, headers=headers
    ).json()
    refused = dbweb.post(f"/api/v1/uploads/{made['upload_id']}/check", json={}, headers=headers)
    assert refused.status_code == 422 and "read-only transaction" in refused.json()["message"]
    started = dbweb.post("/api/v1/runs", json={"upload_id": made["upload_id"]}, headers=headers)
    job = _wait(dbweb, started.json()["job_id"], headers)
    assert job["status"] == "failed" and job["error"]["error"] == "input_error"
    assert "read-only transaction" in job["error"]["message"]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "query",
    [
        "SELECT 1; DELETE FROM {t}",
        "DELETE FROM {t}",
        "WITH gone AS (DELETE FROM {t} RETURNING *) SELECT * FROM gone",
        "SELECT * INTO rfm_copy FROM {t}",
        "SELECT * FROM {t} FOR UPDATE",
        'UPDATE {t} SET "实付金额" = 0',
        "DROP TABLE {t}",
        "",
    ],
    ids=["second", "delete", "cte", "into", "lock", "update", "drop", "empty"],
)
def test_anything_but_one_select_is_refused(
    dbweb: TestClient, seeded: Seeded, pg_orders: Table, query: str
) -> None:
    answer = dbweb.post(
        "/api/v1/database-reads",
        json={"connection": "pg", "query": query.format(t=pg_orders.name)},
        headers=bearer(seeded.tokens["activate"]),
    )
    assert answer.status_code == 400 and answer.json()["error"] == "config_error", answer.text
    assert count_rows(PG_URL, "postgres", pg_orders.name) == pg_orders.rows


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"connection": "nope", "table": "orders"}, 404),
        ({"connection": "pg"}, 400),
        ({"connection": "pg", "table": "orders", "query": "select 1"}, 400),
        ({"connection": "pg", "table": "orders; drop table x"}, 400),
        ({"connection": "pg", "url": "postgresql://x@y/z", "table": "t"}, 422),
    ],
    ids=["unknown", "neither", "both", "table-name", "no-urls"],
)
def test_bad_reads_are_refused(dbweb: TestClient, seeded: Seeded, body: dict, status: int) -> None:
    answer = dbweb.post("/api/v1/database-reads", json=body, headers=bearer(seeded.tokens["admin"]))
    assert answer.status_code == status, answer.text


def test_reading_needs_the_activate_scope(dbweb: TestClient, seeded: Seeded) -> None:
    answer = dbweb.post(
        "/api/v1/database-reads",
        json={"connection": "pg", "table": "orders"},
        headers=bearer(seeded.tokens["read"]),
    )
    assert answer.status_code == 403 and answer.json()["details"]["scope"] == "activate"


@pytest.mark.postgres
def test_the_data_screen_connects_a_database(
    dbweb: TestClient, seeded: Seeded, pg_orders: Table
) -> None:
    csrf = sign_in(dbweb, "analyst")
    page = dbweb.get("/data").text
    assert 'id="database-form"' in page and '<option value="pg"' in page
    assert "127.0.0.1" not in page and PASSWORD not in page
    wrong = dbweb.post(
        "/data/database",
        data={"csrf_token": csrf, "connection": "pg", "query": f"DELETE FROM {pg_orders.name}"},
    )
    assert wrong.status_code == 400 and 'role="alert"' in wrong.text
    assert f"DELETE FROM {pg_orders.name}" in wrong.text  # kept to be corrected
    sent = dbweb.post(
        "/data/database",
        data={"csrf_token": csrf, "connection": "pg", "table": pg_orders.name},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    check = dbweb.get(sent.headers["location"])
    assert check.status_code == 200 and 'id="preview"' in check.text
    assert "Database: pg" in check.text and 'id="contacts-form"' not in check.text
    assert 'value="会员ID"' in check.text  # the detected mapping, editable
    run = dbweb.post(
        sent.headers["location"] + "/run",
        data={"csrf_token": csrf, "as_of": "2025-02-20", "scheme": "value4"},
        follow_redirects=False,
    )
    job_id = run.headers["location"].rsplit("/", 1)[1]
    job = _wait(dbweb, job_id, bearer(seeded.tokens["admin"]))
    assert job["status"] == "done" and job["result"]["scheme"] == "value4"
    dbweb.get("/lang/zh")
    assert "连接数据库" in dbweb.get("/data").text
    dbweb.get("/lang/en")
    _secrets_kept(dbweb, [page, check.text])


def test_without_connections_the_screen_says_who_defines_them(
    seeded: Seeded, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with vault_app(seeded, tmp_path_factory.mktemp("noconn")) as client:
        sign_in(client, "analyst")
        page = client.get("/data").text
    assert 'id="database-form"' not in page and "/api/v1/connections" in page


@pytest.mark.mysql
def test_mariadb_table_and_query(
    seeded: Seeded, mysql_orders: Table, tmp_path_factory: pytest.TempPathFactory
) -> None:
    headers = bearer(seeded.tokens["admin"])
    with vault_app(seeded, tmp_path_factory.mktemp("mysql")) as client:
        define(client, seeded, "shop", MYSQL_URL, None)
        for read in ({"table": mysql_orders.name}, {"query": f"select * from {mysql_orders.name}"}):
            made = client.post(
                "/api/v1/database-reads", json={"connection": "shop", **read}, headers=headers
            ).json()
            checked = client.post(
                f"/api/v1/uploads/{made['upload_id']}/check", json={}, headers=headers
            ).json()
            assert checked["mapping"] == MAPPING, checked
            assert checked["quality"]["rows_read"] == mysql_orders.rows
        refused = client.post(
            "/api/v1/database-reads",
            json={"connection": "shop", "query": f"delete from {mysql_orders.name}"},
            headers=headers,
        )
        assert refused.status_code == 400
    assert count_rows(MYSQL_URL, "mysql", mysql_orders.name) == mysql_orders.rows
