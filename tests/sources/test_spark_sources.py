"""Files and frames load the same on Spark as on DuckDB (Spark's own readers, no Python rows)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from rfmkit.sources import LoadOptions, load_transactions
from tests.sources.conftest import TODAY, rfm, write

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

AS_OF = dt.date(2024, 7, 1)
ORDERS = pd.DataFrame(
    {
        "customer_id": ["1", "1", "1", "2", None, "3"],
        "order_id": ["A1", "A2", "A2", "B1", "C1", "D1"],
        "order_date": pd.to_datetime(
            ["2024-01-05", "2024-03-01", "2024-03-01", "2024-02-10", "2024-02-11", "2024-08-01"]
        ),
        "amount": [10.0, 5.0, 5.0, -2.5, 1.0, 3.0],
    }
)
EXPECTED = {
    "1": ((AS_OF - dt.date(2024, 3, 1)).days, 2, 15.0),
    "2": (-1, 0, -2.5),
}
COUNTS = {"missing_customer": 1, "duplicate": 1, "after_as_of": 1, "refunds": 1}


def _inputs(tmp_path: Path) -> dict[str, object]:
    ORDERS.to_parquet(tmp_path / "orders.parquet")
    text = ORDERS.assign(order_date=ORDERS.order_date.dt.strftime("%Y-%m-%d"))
    csv = write(tmp_path / "orders.csv", text.to_csv(index=False))
    return {"parquet": tmp_path / "orders.parquet", "csv": csv, "frame": ORDERS}


@pytest.mark.parametrize("kind", ["parquet", "csv", "frame"])
def test_sources_load_the_same_on_spark(spark_con, con, tmp_path: Path, kind: str) -> None:
    source = _inputs(tmp_path)[kind]
    options = LoadOptions(today=TODAY)
    duck = load_transactions(source, con=con, options=options, as_of=AS_OF)
    spark = load_transactions(source, con=spark_con, options=options, as_of=AS_OF)
    for loaded in (duck, spark):
        assert rfm(loaded, AS_OF) == EXPECTED
        counts = {r.rule: r.count for r in loaded.quality.rules if r.count}
        assert counts == COUNTS
        assert (loaded.quality.rows_read, loaded.quality.rows_used) == (6, 3)
    lines = spark.rejects().to_pandas().sort_values("line")
    assert lines[["line", "reason"]].values.tolist() == (
        duck.rejects().to_pandas().sort_values("line")[["line", "reason"]].values.tolist()
    )
