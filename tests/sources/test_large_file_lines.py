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
    loaded = load_transactions([path], con=connect(), options=LoadOptions(keep_duplicates=True))
    lines = sorted(loaded.rejects().to_pandas().line.tolist())
    assert lines == [i + 2 for i in BAD]  # header is line 1


REFUNDS = (250_001, 700_003, 1_300_005, 1_600_007, 1_900_009, 1_950_011)  # 0-based data rows


@pytest.mark.slow
@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_examples_are_the_first_rows_in_a_large_file(tmp_path, suffix):
    """Examples are the first rows a rule took, in file order, however the file is read."""
    path = tmp_path / f"big.{suffix}"
    refunds = ", ".join(map(str, REFUNDS))
    options = "(FORMAT parquet, ROW_GROUP_SIZE 100000)" if suffix == "parquet" else "(HEADER)"
    duckdb.sql(
        f"""COPY (SELECT 'C' || (i % 100000) AS customer_id, 'O' || i AS order_id,
              DATE '2024-01-01' + (i % 300)::INT AS order_date,
              CASE WHEN i IN ({refunds}) THEN -1.0 ELSE (i % 97 + 1)::DOUBLE END AS amount
            FROM range({ROWS}) t(i)) TO '{path}' {options}"""
    )
    loaded = load_transactions([path], con=connect(), options=LoadOptions(keep_duplicates=True))
    header = 1 if suffix == "csv" else 0
    refund_lines = [e["line"] for e in loaded.quality.rule("refunds").examples]
    assert refund_lines == [i + 1 + header for i in REFUNDS[:5]]
