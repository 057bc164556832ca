"""The lake store on a Spark Connect server: back-filled snapshots, migration and trend
match the DuckDB store; DuckDB reads the lake's files; deletes and the delivery log work."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from rfmkit.errors import StoreError
from rfmkit.store import open_store
from rfmkit.store.lake import LakeStore, is_lake
from rfmkit.verbs.history import migration, trend
from rfmkit.verbs.snapshot import snapshot
from tests.history import golden_log as golden

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

SERIES = {"every": "quarter", "from_as_of": "2024-04-01", "to_as_of": "2024-10-01"}


def test_lake_locations() -> None:
    assert is_lake("lake:/data/rfmkit") and is_lake("s3a://bucket/rfmkit/")
    assert is_lake("shop/") and is_lake("file:///tmp/x")
    assert not is_lake("shop.duckdb") and not is_lake("postgresql://u@h/db")
    assert not is_lake(None)


def _segments(location: str) -> dict[object, dict[str, str]]:
    with open_store(location) as store:
        found = {}
        for info in store.snapshots():
            frame = store.customers(info.as_of).to_pandas()
            found[info.as_of] = dict(zip(frame.customer_id, frame.segment, strict=True))
        return found


def test_backfill_and_migration_on_the_lake_match_the_duckdb_store(
    remote_con, tmp_path: Path
) -> None:
    log, _ = golden.write(tmp_path)
    lake = f"lake:{tmp_path / 'lake'}"
    duck = str(tmp_path / "store.duckdb")
    on_lake = snapshot(str(log), con=remote_con, store=lake, **SERIES, **golden.SETTINGS)
    snapshot(str(log), store=duck, **SERIES, **golden.SETTINGS)
    assert [s.as_of for s in on_lake.snapshots] == [golden.Q1, golden.Q2, golden.Q3]
    assert _segments(lake) == _segments(duck) == golden.SEGMENTS
    with open_store(lake) as store:
        assert isinstance(store, LakeStore)
        infos = store.snapshots()
        assert [(i.as_of, i.customers, i.revenue) for i in infos] == [
            (day, *golden.TOTALS[day]) for day in (golden.Q1, golden.Q2, golden.Q3)
        ]
        assert store.record(golden.Q1)["breakpoints_reference"] == "2024-10-01"
    lake_moves = migration(store=lake, lang="en")
    duck_moves = migration(store=duck, lang="en")
    directions = {
        r.direction: (r.customers, r.revenue) for r in lake_moves.directions.itertuples(index=False)
    }
    assert directions == golden.DIRECTIONS
    pd.testing.assert_frame_equal(lake_moves.matrix, duck_moves.matrix, check_dtype=False)
    pd.testing.assert_frame_equal(
        trend(store=lake, lang="en"), trend(store=duck, lang="en"), check_dtype=False
    )
    # DuckDB reads what Spark wrote: the customers and the run lines.
    root = tmp_path / "lake"
    counts = duckdb.sql(
        f"SELECT as_of, count(*) FROM read_parquet('{root}/snapshots/*/*/*.parquet', "
        "hive_partitioning = true) GROUP BY as_of ORDER BY as_of"
    ).fetchall()
    assert [(str(day), n) for day, n in counts] == [
        (str(day), golden.TOTALS[day][0]) for day in (golden.Q1, golden.Q2, golden.Q3)
    ]
    runs = duckdb.sql(f"SELECT count(*) FROM read_json('{root}/runs/*.txt')").fetchone()
    assert runs == (3,)


def test_lake_delete_replace_and_delivery_log(remote_con, tmp_path: Path) -> None:
    log, _ = golden.write(tmp_path)
    lake = f"{tmp_path / 'lake'}/"
    snapshot(str(log), con=remote_con, store=lake, as_of="2024-07-01", **golden.SETTINGS)
    first = snapshot(
        str(log), con=remote_con, store=lake, as_of="2024-07-01", **golden.SETTINGS
    ).snapshots[0]
    with open_store(lake) as store:
        assert [s.snapshot_id for s in store.snapshots()] == [first.snapshot_id]  # replaced
        assert store.rows().count().to_pyarrow().as_py() == golden.TOTALS[golden.Q2][0]
        assert not store.delivered("ops", "k1")
        store.record_delivery("ops", "k1", "delivered", "id-1")
        store.record_delivery("ops", "k2", "failed", "timeout")
        assert store.delivered("ops", "k1") and not store.delivered("ops", "k2")
        assert store.delivered_keys("ops") == {"k1"}
        store.delete("2024-07-01")
        assert store.snapshots() == []
        with pytest.raises(StoreError, match="There is no snapshot of 2024-07-01"):
            store.customers("2024-07-01")
