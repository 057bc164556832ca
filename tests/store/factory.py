"""Hand-made customer tables and store locations for the store and history tests.

The golden series (:data:`SERIES`, scheme ``tier5``: diamond, gold, silver,
active, sleeping, best first) has three quarterly snapshots whose moves,
trends and alerts the history tests check number by number.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pyarrow as pa
import pytest

from rfmkit.segments import load_scheme
from rfmkit.store import Store, open_store

PG_URL = os.environ.get("RFMKIT_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
TIER5 = tuple(s.key for s in load_scheme("tier5").segments)

Q1, Q2, Q3 = dt.date(2024, 4, 1), dt.date(2024, 7, 1), dt.date(2024, 10, 1)
#: as_of -> customer -> (segment, monetary, recency_days, p_alive, owner)
SERIES: dict[dt.date, dict[str, tuple[str, float, int, float | None, str | None]]] = {
    Q1: {
        "c1": ("diamond", 1000.0, 10, None, "li"),
        "c2": ("gold", 500.0, 15, None, "wang"),
        "c3": ("silver", 200.0, 30, None, "li"),
        "c4": ("active", 50.0, 40, None, None),
        "c5": ("sleeping", 80.0, 200, None, None),
        "c7": ("diamond", 3000.0, 20, None, "zhang"),
    },
    Q2: {
        "c1": ("diamond", 1100.0, 20, 0.8, "li"),
        "c2": ("silver", 520.0, 60, 0.5, "wang"),
        "c3": ("gold", 400.0, 5, 0.9, "li"),
        "c4": ("active", 60.0, 50, 0.4, None),
        "c5": ("sleeping", 80.0, 291, 0.1, None),
        "c6": ("active", 100.0, 3, 0.7, "wang"),
        "c7": ("gold", 3000.0, 110, 0.6, "zhang"),
    },
    Q3: {
        "c1": ("gold", 1100.0, 100, 0.5, "li"),
        "c2": ("sleeping", 520.0, 150, 0.25, "wang"),
        "c3": ("gold", 450.0, 10, 0.9, "li"),
        "c5": ("sleeping", 80.0, 383, 0.05, None),
        "c6": ("diamond", 900.0, 2, 0.95, "wang"),
        "c7": ("sleeping", 3000.0, 202, 0.2, "zhang"),
    },
}


def customer_table(
    rows: dict[str, tuple[str, float, int, float | None, str | None]],
    as_of: dt.date,
    *,
    extra: bool = True,
) -> pa.Table:
    """A scored customer table (all of CUSTOMER_COLUMNS) from (segment, monetary, ...) rows.

    Scores follow the segment's place in tier5: r = m = 5 - position, f = 3.
    ``p_alive`` and ``owner`` are added when ``extra`` and any row has them.
    """
    labels = {s.key: s.label("zh") for s in load_scheme("tier5").segments}
    ids = list(rows)
    pos = [TIER5.index(rows[c][0]) for c in ids]
    recency = [rows[c][2] for c in ids]
    monetary = [rows[c][1] for c in ids]
    last = [as_of - dt.timedelta(days=r) for r in recency]
    data: dict[str, list[object]] = {
        "customer_id": ids,
        "recency_days": recency,
        "frequency": [3] * len(ids),
        "monetary": monetary,
        "r_score": [5 - p for p in pos],
        "f_score": [3] * len(ids),
        "m_score": [5 - p for p in pos],
        "rfm_code": [f"{5 - p}3{5 - p}" for p in pos],
        "rfm_score": [(5 - p) * 0.4 + 3 * 0.2 + (5 - p) * 0.4 for p in pos],
        "segment": [rows[c][0] for c in ids],
        "segment_label": [labels[rows[c][0]] for c in ids],
        "first_purchase": [dt.date(2023, 1, 1)] * len(ids),
        "last_purchase": last,
        "tenure_days": [(as_of - dt.date(2023, 1, 1)).days] * len(ids),
        "avg_order_value": [m / 3 for m in monetary],
    }
    if extra and any(rows[c][3] is not None for c in ids):
        data["p_alive"] = [rows[c][3] for c in ids]
    if extra and any(rows[c][4] is not None for c in ids):
        data["owner"] = [rows[c][4] for c in ids]
    return pa.table(data)


def record(as_of: dt.date, **more: object) -> dict[str, object]:
    """A run record like the lead's: settings with the scheme, breakpoints, version."""
    return {
        "verb": "score",
        "as_of": as_of.isoformat(),
        "settings": {"scheme": "tier5", "levels": 5},
        "breakpoints": {"recency_days": [30, 90, 180, 365]},
        "breakpoints_mode": "frozen",
        **more,
    }


def fill(store: Store, dates: tuple[dt.date, ...] = (Q1, Q2, Q3)) -> None:
    """Save the golden series' snapshots of ``dates``."""
    for day in dates:
        store.save_snapshot(customer_table(SERIES[day], day), record(day), as_of=day)


def require_postgres() -> None:
    """Fail (never skip) when the PostgreSQL server is not reachable."""
    parts = urlsplit(PG_URL)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), 3).close()
    except OSError:
        pytest.fail(
            f"The PostgreSQL server at {parts.hostname}:{parts.port} is not reachable: "
            "start it (service postgresql start) or set RFMKIT_PG_URL."
        )


def pg_location() -> str:
    """A PostgreSQL store location in a fresh schema of its own."""
    require_postgres()
    return f"{PG_URL}?schema=rfm_test_{uuid.uuid4().hex[:10]}"


def drop_pg_schema(location: str) -> None:
    """Drop the schema of a PostgreSQL store location (its tables with it)."""
    schema = location.rsplit("schema=", 1)[1]
    store = open_store(location)
    try:
        store.con.con.execute(f"CALL postgres_execute('rfm_store', 'DROP SCHEMA {schema} CASCADE')")
    finally:
        store.close()


def store_at(kind: str, tmp_path: object) -> Iterator[str]:
    """Yield a fresh store location of ``kind`` (duckdb or postgres); clean up after."""
    if kind == "duckdb":
        yield str(tmp_path) + "/store.duckdb"
        return
    location = pg_location()
    try:
        yield location
    finally:
        drop_pg_schema(location)


def big_table(n: int, as_of: dt.date) -> pa.Table:
    """``n`` customers in tier5's segments (built by DuckDB: fast for millions)."""
    import duckdb

    segments = ", ".join(f"'{k}'" for k in TIER5)
    return duckdb.sql(
        f"""
        SELECT 'cust' || i::VARCHAR AS customer_id, (i % 400)::BIGINT AS recency_days,
               (1 + i % 7)::BIGINT AS frequency, (i % 1000) * 1.5 AS monetary,
               (1 + i % 5)::BIGINT AS r_score, (1 + i % 3)::BIGINT AS f_score,
               (1 + i % 4)::BIGINT AS m_score, '123' AS rfm_code, 2.5 AS rfm_score,
               [{segments}][1 + i % 5] AS segment, 'label ' || (i % 5)::VARCHAR AS segment_label,
               DATE '2023-01-01' AS first_purchase, DATE '{as_of}' - (i % 400)::INTEGER AS last_purchase,
               400::BIGINT AS tenure_days, 10.0 AS avg_order_value
        FROM range({n}) t(i)
        """
    ).to_arrow_table()
