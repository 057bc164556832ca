"""DuckDB and Spark (local mode) give identical results from the same code."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import rfmkit
from rfmkit import engine
from rfmkit.backend import as_table
from tests.helpers import d
from tests.test_engine import AS_OF, GOLDEN_ROWS, transactions_frame

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]


def random_log(n: int = 3000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    orders = rng.integers(0, n // 2, n)
    frame = pd.DataFrame(
        {
            "customer_id": (orders % 400).astype(str),
            "order_id": orders.astype(str),
            "order_date": (
                pd.Timestamp("2023-01-01") + pd.to_timedelta(orders % 500, unit="D")
            ).date,
            "amount": rng.lognormal(3, 1, n).round(2),
        }
    )
    refunds = frame.sample(frac=0.05, random_state=seed).assign(amount=lambda f: -f.amount)
    return pd.concat([frame, refunds], ignore_index=True)


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.sort_values("customer_id").reset_index(drop=True)
    for col in ("first_purchase", "last_purchase"):
        if col in out:
            out[col] = pd.to_datetime(out[col]).dt.date
    return out


def test_golden_metrics_are_identical_on_spark(con, spark_con):
    frame = transactions_frame(GOLDEN_ROWS)
    on_duck = engine.metrics(as_table(frame, con), AS_OF).to_pandas()
    on_spark = engine.metrics(as_table(frame, spark_con), AS_OF).to_pandas()
    pd.testing.assert_frame_equal(_canonical(on_duck), _canonical(on_spark), check_dtype=False)
    totals = engine.customer_totals(as_table(frame, spark_con), AS_OF).to_pandas()
    assert totals.loc[totals.frequency == 0, "customer_id"].tolist() == ["C"]


@pytest.mark.parametrize("scheme", ["cn8", "classic11"])
def test_whole_pipeline_is_identical_on_spark(con, spark_con, scheme):
    frame = random_log()
    kwargs = {"as_of": d("2024-06-01"), "scheme": scheme, "lang": "en"}
    duck = rfmkit.score(frame, con=con, **kwargs)
    spark = rfmkit.score(frame, con=spark_con, **kwargs)
    pd.testing.assert_frame_equal(
        _canonical(duck.to_pandas()), _canonical(spark.to_pandas()), check_dtype=False
    )
    assert duck.breakpoints == spark.breakpoints
    pd.testing.assert_frame_equal(duck.summary, spark.summary, check_dtype=False)
    assert duck.pareto.revenue_share == spark.pareto.revenue_share
    assert duck.unscored_customers == spark.unscored_customers


def test_local_spark_prints_only_rfmkit_lines(tmp_path):
    import subprocess
    import sys

    source = tmp_path / "o.csv"
    source.write_text("customer_id,order_date,amount\na,2024-01-01,10\nb,2024-02-01,20\n")
    args = ["score", str(source), "-o", str(tmp_path / "c.csv"), "--engine", "spark"]
    proc = subprocess.run(
        [sys.executable, "-m", "rfmkit", *args, "--lang", "en"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    steps = [line for line in proc.stderr.splitlines() if line.strip()]
    assert steps and all(line.endswith(" s") for line in steps), proc.stderr
    loud = subprocess.run(
        [sys.executable, "-m", "rfmkit", *args, "--verbose"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert loud.returncode == 0, loud.stderr
    assert "log level" in loud.stderr  # --verbose: Spark's own lines are shown
