"""rfmkit.score accepts pandas, polars and pyarrow tables and Ibis tables alike."""

from __future__ import annotations

import ibis
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import rfmkit
from tests.helpers import d, transactions_frame
from tests.test_engine import AS_OF, EXPECTED, GOLDEN_ROWS


def golden_pandas() -> pd.DataFrame:
    return transactions_frame(GOLDEN_ROWS)


@pytest.mark.parametrize(
    "convert",
    [
        lambda f: f,
        lambda f: pl.from_pandas(f),
        lambda f: pa.Table.from_pandas(f, preserve_index=False),
        lambda f: ibis.duckdb.connect().create_table("orders", f),
    ],
    ids=["pandas", "polars", "pyarrow", "ibis-table"],
)
def test_every_kind_of_table_gives_the_golden_metrics(convert):
    result = rfmkit.score(convert(golden_pandas()), as_of=AS_OF, lang="en")
    table = result.to_pandas().sort_values("customer_id").reset_index(drop=True)
    assert table.customer_id.tolist() == EXPECTED.customer_id.tolist()
    assert table.frequency.tolist() == EXPECTED.frequency.tolist()
    assert table.monetary.tolist() == EXPECTED.monetary.tolist()
    assert table.recency_days.tolist() == EXPECTED.recency_days.tolist()
    assert result.unscored_customers == 1
    assert result.as_of == d("2024-03-01")


def test_a_parquet_file(tmp_path):
    path = tmp_path / "orders.parquet"
    golden_pandas().to_parquet(path)
    result = rfmkit.score(str(path), as_of="2024-03-01")
    assert sorted(result.to_pandas().customer_id) == ["A", "B", "E"]


def test_default_as_of_is_the_day_after_the_latest_row_used():
    """Rows left out (no customer, future date) do not move the default analysis date."""
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "A", None, "B"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-10", "2999-01-01"]),
            "amount": [10.0, 5.0, 1.0, 2.0],
        }
    )
    result = rfmkit.score(frame)
    assert result.as_of == d("2024-02-02")
    assert result.to_pandas().recency_days.tolist() == [1]
