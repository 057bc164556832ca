"""``refresh --from-db --watermark`` against the real PostgreSQL server on 127.0.0.1.

The server's URL comes from RFMKIT_PG_URL; when it is not reachable the
test fails, naming the server to start.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from rfmkit import glossary as g
from rfmkit.backend import connect, load_duckdb_extension
from rfmkit.errors import ConfigError, InputError
from rfmkit.sources.databases import parse_url
from rfmkit.store import open_store
from rfmkit.verbs.refresh import refresh
from rfmkit.verbs.score import score
from tests.sources.test_databases import PG_URL, _require

pytestmark = pytest.mark.postgres

FIRST = [
    (1, "C1", "O1", "2025-03-01", "100.00"),
    (2, "C1", "O1", "2025-03-01", "20.00"),
    (3, "C2", "O2", "2025-03-02", "50.00"),
    (4, None, "O3", "2025-03-02", "5.00"),
]
LATER = [
    (5, "C1", "O1", "2025-03-05", "-30.00"),  # a refund of an order read before
    (6, "C3", "O4", "2025-03-06", "75.50"),
    (7, "C2", "O5", "2025-03-06", "12.00"),
]


class Orders:
    """A fresh ``orders`` table on the server, filled through DuckDB's scanner."""

    def __init__(self) -> None:
        self.con = connect()
        load_duckdb_extension(self.con, "postgres_scanner")
        self.raw = self.con.con
        self.raw.sql(f"ATTACH '{parse_url(PG_URL).target}' AS db (TYPE postgres)")
        self.name = "rfm_refresh_" + uuid.uuid4().hex[:8]
        self.raw.sql(
            f"CREATE TABLE db.{self.name} (id BIGINT, customer_id VARCHAR, order_id VARCHAR, "
            "order_date DATE, amount DECIMAL(10, 2))"
        )

    def add(self, rows: list[tuple[Any, ...]]) -> None:
        for row in rows:
            self.raw.execute(f"INSERT INTO db.{self.name} VALUES (?, ?, ?, ?, ?)", list(row))

    def drop(self) -> None:
        self.raw.sql(f"DROP TABLE IF EXISTS db.{self.name}")
        self.con.disconnect()


@pytest.fixture
def orders() -> Iterator[Orders]:
    _require(PG_URL, "PostgreSQL", "start it, e.g. `service postgresql start`")
    table = Orders()
    try:
        yield table
    finally:
        table.drop()


def test_each_refresh_reads_only_rows_past_the_watermark(orders: Orders, tmp_path: Path) -> None:
    store = str(tmp_path / "shop.duckdb")
    source: dict[str, Any] = {
        "from_db": PG_URL,
        "table": orders.name,
        "watermark": "id",
        "lang": "en",
    }
    orders.add(FIRST)
    first = refresh(store=store, **source)
    assert (first.rows_read, first.rows_new, first.watermark) == (4, 3, "4")
    assert first.quality.rule("missing_customer").count == 1
    again = refresh(store=store, **source)  # nothing new: the watermark stays
    assert (again.rows_read, again.watermark) == (0, "4")
    orders.add(LATER)
    last_as_of = dt.date(2025, 3, 7)
    full = score(from_db=PG_URL, table=orders.name, as_of=last_as_of, lang="en")
    done = refresh(store=store, breakpoints=full.breakpoints, **source)
    assert (done.rows_read, done.rows_new, done.watermark, done.as_of) == (3, 3, "7", last_as_of)
    with open_store(store) as opened:
        stored = opened.customers(last_as_of).to_pandas()
        info = opened.snapshots()
    columns = list(g.CUSTOMER_COLUMNS)
    expected = full.to_pandas()[columns].sort_values(g.CUSTOMER_ID).reset_index(drop=True)
    got = stored[columns].sort_values(g.CUSTOMER_ID).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert got.set_index(g.CUSTOMER_ID).loc["C1", g.MONETARY] == 90.0
    assert [s.as_of for s in info] == [dt.date(2025, 3, 3), last_as_of]
    assert (done.quality.rows_read, done.quality.rows_used) == (7, 6)


def test_the_watermark_column_cannot_change(orders: Orders, tmp_path: Path) -> None:
    store = str(tmp_path / "shop.duckdb")
    orders.add(FIRST)
    refresh(store=store, from_db=PG_URL, table=orders.name, watermark="id")
    with pytest.raises(ConfigError, match="reads its database past the column 'id'"):
        refresh(store=store, from_db=PG_URL, table=orders.name, watermark="order_date")


def test_a_missing_watermark_column_is_named(orders: Orders, tmp_path: Path) -> None:
    orders.add(FIRST)
    with pytest.raises(InputError, match="watermark column 'created_at' is not in the table"):
        refresh(
            store=str(tmp_path / "s.duckdb"),
            from_db=PG_URL,
            table=orders.name,
            watermark="created_at",
        )
