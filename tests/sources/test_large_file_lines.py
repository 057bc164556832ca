"""Line numbers of rejected rows stay right in files DuckDB reads in parallel."""

from __future__ import annotations

import duckdb
import pytest

from rfmkit.backend import connect
from rfmkit.sources import LoadOptions, load_transactions

ROWS = 2_000_000
BAD = (123_456, 1_000_000, 1_999_990)  # 0-based data rows with an unreadable date


@pytest.mark.slow
def test_rejected_lines_in_a_large_csv(tmp_path):
    path = tmp_path / "big.csv"
    bad = ", ".join(map(str, BAD))
    duckdb.sql(
        f"""COPY (SELECT 'C' || (i % 100000) AS customer_id, 'O' || i AS order_id,
              CASE WHEN i IN ({bad}) THEN 'not a date'
                   ELSE strftime(DATE '2024-01-01' + (i % 300)::INT, '%Y-%m-%d') END AS order_date,
              (i % 97 + 1)::DOUBLE AS amount
            FROM range({ROWS}) t(i)) TO '{path}' (HEADER)"""
    )
    loaded = load_transactions([path], con=connect(), options=LoadOptions(drop_duplicates=False))
    lines = sorted(loaded.rejects().to_pandas().line.tolist())
    assert lines == [i + 2 for i in BAD]  # header is line 1
