"""Fixtures of the web tests that read real databases: a table of the seeded demo orders in
PostgreSQL (and MariaDB), and web apps with a secret key and stored connections to them.

The servers are those of tests/sources/test_databases.py (RFMKIT_PG_URL, RFMKIT_MYSQL_URL);
when one is not reachable the test fails, naming the server to start.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from rfmkit.backend import connect, load_duckdb_extension
from rfmkit.sources.databases import parse_url
from tests.sources.test_databases import MYSQL_URL, PG_URL, _require
from tests.web.conftest import Seeded, app_over, bearer

#: A password that must never be shown, logged or stored in clear (the test servers trust
#: local connections, so it is sent and ignored).
PASSWORD = "Sekr1t-pw-4-web"
#: The demo orders' columns as a Chinese back-office names them (detected without a mapping).
COLUMNS = {
    "customer_id": "会员ID",
    "order_id": "订单号",
    "order_date": "下单时间",
    "amount": "实付金额",
}


@dataclass(frozen=True)
class Table:
    """A table of demo orders in a database, and a sequence beside it (PostgreSQL)."""

    name: str
    rows: int
    sequence: str | None = None


def _fill(url: str, kind: str, orders: Path) -> Iterator[Table]:
    con = connect()
    load_duckdb_extension(con, f"{kind}_scanner")
    raw = con.con
    raw.sql(f"ATTACH '{parse_url(url).target}' AS db (TYPE {kind})")
    frame = pd.read_csv(orders, dtype={"customer_id": str, "order_id": str})
    raw.register("orders_in", frame)
    name = "rfm_web_" + uuid.uuid4().hex[:8]
    chosen = ", ".join(
        f'CAST(order_date AS DATE) AS "{COLUMNS[c]}"'
        if c == "order_date"
        else f'{c} AS "{COLUMNS[c]}"'
        for c in COLUMNS
    )
    raw.sql(f"CREATE TABLE db.{name} AS SELECT {chosen} FROM orders_in")
    sequence = None
    if kind == "postgres":
        sequence = name + "_seq"
        raw.sql(f"CALL postgres_execute('db', 'CREATE SEQUENCE {sequence}')")
    try:
        yield Table(name, len(frame), sequence)
    finally:
        raw.sql(f"DROP TABLE db.{name}")
        if sequence:
            raw.sql(f"CALL postgres_execute('db', 'DROP SEQUENCE {sequence}')")
        con.disconnect()


def count_rows(url: str, kind: str, table: str) -> int:
    con = connect()
    load_duckdb_extension(con, f"{kind}_scanner")
    con.con.sql(f"ATTACH '{parse_url(url).target}' AS db (TYPE {kind}, READ_ONLY)")
    try:
        return int(con.con.sql(f"SELECT count(*) FROM db.{table}").fetchone()[0])  # type: ignore[index]
    finally:
        con.disconnect()


@pytest.fixture(scope="module")
def pg_orders(seeded: Seeded) -> Iterator[Table]:
    _require(PG_URL, "PostgreSQL", "start it (service postgresql start) or set RFMKIT_PG_URL.")
    yield from _fill(PG_URL, "postgres", seeded.orders)


@pytest.fixture(scope="module")
def mysql_orders(seeded: Seeded) -> Iterator[Table]:
    _require(
        MYSQL_URL, "MySQL/MariaDB", "start it (service mariadb start) or set RFMKIT_MYSQL_URL."
    )
    yield from _fill(MYSQL_URL, "mysql", seeded.orders)


def vault_app(seeded: Seeded, folder: Path) -> TestClient:
    """A web app over a copy of the seeded store, with a secret key (not yet started)."""
    (folder / "key").write_bytes(Fernet.generate_key())
    shutil.copy(seeded.store, folder / "store.duckdb")
    return app_over(folder / "store.duckdb", folder, secret_key_file=folder / "key")


def define(client: TestClient, seeded: Seeded, name: str, url: str, secret: str | None) -> None:
    """Store the connection or destination ``name`` as an admin would."""
    kind = "database" if url.split(":", 1)[0].startswith(("postgres", "mysql")) else "webhook"
    answer = client.post(
        "/api/v1/connections",
        json={"name": name, "kind": kind, "url": url, "secret": secret},
        headers=bearer(seeded.tokens["admin"]),
    )
    assert answer.status_code == 201, answer.text
