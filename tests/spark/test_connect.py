"""rfmkit as a client of a real Spark Connect server (started on 127.0.0.1 by conftest.py).

The messy-input corpus of tests/sources/test_spark_sources.py is read by
Spark's own readers on the server (sampled through Spark for encoding,
delimiter and title lines; Excel read here because it is small, and said
so) and must give what DuckDB gives; outputs are written by Spark and read
back identical; a customer table larger than the driver's result limit
still scores and writes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

import rfmkit
from rfmkit.sources import LoadOptions, load_transactions
from tests.sources.conftest import TODAY
from tests.sources.test_spark_sources import AS_OF, _corpus, _summary

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

DRIVER_NOTE = (
    "{file}: Excel is read on this machine and sent to Spark (small workbooks only); "
    "save large ones as CSV or Parquet."
)


@pytest.mark.parametrize("name", ["cn_dates.csv", "gbk_title.csv", "bom_zones.csv", "book.xlsx"])
def test_messy_files_load_the_same_through_spark_connect(
    remote_con, con, tmp_path: Path, name: str
) -> None:
    path = _corpus(tmp_path, name)
    options = LoadOptions(today=TODAY, timezone="Asia/Shanghai")
    duck = _summary(load_transactions(path, con=con, options=options, as_of=AS_OF))
    spark = _summary(load_transactions(path, con=remote_con, options=options, as_of=AS_OF))
    if name.endswith(".xlsx"):  # read here, sent to the server, and the report says so
        assert spark.pop("warnings") == [DRIVER_NOTE.format(file=f"{path}[Q1, Q2]")]
        assert [d.pop("read_on_driver") for d in spark["detected"]] == [True]
        duck.pop("warnings")
    assert spark == duck


def test_scores_and_outputs_through_spark_connect_match_duckdb(
    remote_con, con, tmp_path: Path
) -> None:
    path = _corpus(tmp_path, "gbk_title.csv")
    kwargs = {"as_of": AS_OF, "today": TODAY, "lang": "en"}
    duck = rfmkit.score(path, con=con, **kwargs)
    spark = rfmkit.score(path, con=remote_con, partition_by="segment", **kwargs)
    expected = duck.to_pandas().sort_values("customer_id").reset_index(drop=True)
    assert spark.breakpoints == duck.breakpoints
    pd.testing.assert_frame_equal(spark.summary, duck.summary, check_dtype=False)
    assert spark.quality.to_dict() == duck.quality.to_dict()
    # Written by Spark as a folder of Parquet files, one sub-folder per segment.
    folder = tmp_path / "customers"
    written = rfmkit.save(spark, output=str(folder))
    assert written == [Path(f"file:{folder}")]
    segments = sorted(p.name for p in folder.iterdir() if p.is_dir())
    assert segments == sorted(f"segment={s}" for s in expected.segment.unique())
    back = duckdb.sql(
        f"SELECT * FROM read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"
    ).df()
    back = back[list(expected.columns)].sort_values("customer_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)


def test_parquet_folders_and_catalog_tables_are_read_by_spark(
    remote_con, con, tmp_path: Path
) -> None:
    frame = _orders(2_000, seed=3)
    folder = tmp_path / "orders"
    folder.mkdir()
    for i, start in enumerate(range(0, len(frame), 700)):
        frame.iloc[start : start + 700].to_parquet(folder / f"part-{i}.parquet")
    kwargs = {"as_of": dt.date(2024, 7, 1), "lang": "en"}
    duck = rfmkit.score(frame, con=con, **kwargs).to_pandas().sort_values("customer_id")
    on_folder = rfmkit.score(f"file://{folder}", con=remote_con, **kwargs)
    session = remote_con._session
    session.read.parquet(f"file://{folder}").createOrReplaceTempView("rfm_test_orders")
    on_table = rfmkit.score(con=remote_con, table="rfm_test_orders", **kwargs)
    for result in (on_folder, on_table):
        got = result.to_pandas().sort_values("customer_id")
        pd.testing.assert_frame_equal(
            got.reset_index(drop=True), duck.reset_index(drop=True), check_dtype=False
        )
    assert on_folder.quality.rows_read == len(frame)


def test_nothing_big_goes_through_the_driver(remote_con, tmp_path: Path) -> None:
    """The server's maxResultSize (1 MB) is far below the customer table: it still scores."""
    frame = _orders(400_000, seed=11, customers=150_000)
    source = tmp_path / "big.parquet"
    frame.to_parquet(source)
    result = rfmkit.score(f"file://{source}", con=remote_con, as_of="2024-07-01", lang="en")
    assert result.scored_customers + result.unscored_customers == frame.customer_id.nunique()
    with pytest.raises(Exception, match="maxResultSize"):  # the limit is real
        result.to_pandas()
    out = tmp_path / "scored"
    rfmkit.save(result, output=str(out))
    rows = duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}/*.parquet')").fetchone()
    assert rows == (result.scored_customers,)


def _orders(n: int, *, seed: int, customers: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, customers, n)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:07d}" for i in ids],
            "order_id": [f"O{i:09d}" for i in range(n)],
            "order_date": pd.Timestamp("2023-01-01")
            + pd.to_timedelta(rng.integers(0, 540, n), unit="D"),
            "amount": rng.lognormal(3, 1, n).round(2),
        }
    )


def test_readme_example_runs_against_the_server(
    remote_con, connect_server, tmp_path: Path, monkeypatch
) -> None:
    """README's "Beyond one machine" Python example, with SPARK_REMOTE naming the server."""
    import re

    from pyspark.sql.connect.session import SparkSession as ConnectSession

    from tests.history import golden_log as golden

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Beyond one machine", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```py\n(.*?)```", section, flags=re.S)
    golden.write(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPARK_REMOTE", connect_server.url)
    try:
        exec(compile(code, "README.md", "exec"), {})
    finally:
        made = ConnectSession.getActiveSession()
        if made is not None and made is not remote_con._session:
            made.stop()
        ConnectSession._set_default_and_active_session(remote_con._session)
    written = duckdb.sql(f"SELECT count(*) FROM read_parquet('{tmp_path}/scored/*.parquet')")
    assert written.fetchone() == (golden.TOTALS[golden.Q2][0],)


def test_a_connect_run_prints_nothing_of_spark(connect_server, tmp_path: Path) -> None:
    """A scoring run through Spark Connect leaves stdout and stderr to rfmkit: no Spark
    log lines, and no errors from the client's thread pools at exit."""
    import os
    import subprocess
    import sys

    from tests.history import golden_log as golden

    log, _ = golden.write(tmp_path)
    code = (
        "import rfmkit; "
        f"r = rfmkit.score({str(log)!r}, engine='spark', as_of='2024-07-01', lang='en'); "
        "print(r.scored_customers)"
    )
    env = {**os.environ, "SPARK_REMOTE": connect_server.url}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parents[2],
        timeout=600,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "6\n", "")
