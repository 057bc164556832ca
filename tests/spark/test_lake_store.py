"""The lake store on a Spark Connect server: back-filled snapshots, migration and trend
match the DuckDB store; DuckDB reads the lake's files; deletes and the delivery log work;
refreshes match the DuckDB store's, and one stopped half-way leaves the lake as it was."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from rfmkit.errors import StoreError
from rfmkit.store import open_store
from rfmkit.store.lake import LakeStore, is_lake
from rfmkit.verbs.history import migration, trend
from rfmkit.verbs.refresh import refresh
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


HEADER = "customer_id,order_id,order_date,amount\n"
#: Three refreshes: the history (one row dated after the first as_of), then a day with
#: a line item and a refund of known orders, an exact duplicate and a row without a
#: customer, then no new rows (time passes the later row).
BATCHES = (
    HEADER + "C1,O1,2025-03-01,100.00\nC1,O1,2025-03-01,20.00\nC2,O2,2025-03-02,50.00\n"
    "C3,O3,2025-03-02,10.00\nC4,O9,2025-03-20,40.00\n",
    HEADER + "C2,O2,2025-03-02,50.00\nC1,O1,2025-03-05,-30.00\nC3,O5,2025-03-05,75.50\n"
    ",O4,2025-03-05,9.00\nC1,O1,2025-03-01,5.00\nC3,O3,2025-03-06,-10.00\n",
    None,
)
AS_OF = ("2025-03-04", "2025-03-07", "2025-03-25")


def _batch_files(tmp_path: Path) -> list[str | None]:
    files: list[str | None] = []
    for number, text in enumerate(BATCHES):
        if text is None:
            files.append(None)
            continue
        path = tmp_path / f"batch{number}.csv"
        path.write_text(text, encoding="utf-8")
        files.append(str(path))
    return files


def _table(location: str, day: object) -> pd.DataFrame:
    with open_store(location) as store:
        frame = store.customers(day).to_pandas()
    return frame.sort_values("customer_id").reset_index(drop=True)


def test_refresh_on_the_lake_matches_the_duckdb_store(remote_con, tmp_path: Path) -> None:
    lake, duck = f"lake:{tmp_path / 'lake'}", str(tmp_path / "store.duckdb")
    for path, as_of in zip(_batch_files(tmp_path), AS_OF, strict=True):
        on_lake = refresh(path, con=remote_con, store=lake, engine="spark", as_of=as_of, lang="en")
        on_duck = refresh(path, store=duck, as_of=as_of, lang="en")
        sizes = ("rows_read", "rows_new", "duplicates", "customers_touched")
        assert [getattr(on_lake, n) for n in sizes] == [getattr(on_duck, n) for n in sizes]
        assert on_lake.quality.to_dict() == on_duck.quality.to_dict()
        assert (on_lake.snapshot.customers, on_lake.snapshot.revenue) == (
            on_duck.snapshot.customers,
            on_duck.snapshot.revenue,
        )
        pd.testing.assert_frame_equal(
            _table(lake, on_lake.as_of), _table(duck, on_duck.as_of), check_dtype=False
        )
    assert (on_lake.rows_read, on_lake.customers_touched) == (0, 1)  # C4, passed by time
    # the lake keeps its state as Parquet that Spark wrote, one folder per refresh
    with open_store(lake) as store:
        assert isinstance(store, LakeStore)
        named = store.refresh_state()
        assert named is not None and named["batches"] == 3 and named["as_of"] == "2025-03-25"
    folders = sorted((tmp_path / "lake" / "refresh").iterdir())
    assert len(folders) == 3 and len(named["orders"]) == 3
    totals = named["totals"].removeprefix("file:")
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{totals}/*.parquet')").fetchone() == (4,)


def test_a_lake_refresh_stopped_before_its_run_line_leaves_the_store_as_it_was(
    remote_con, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = f"lake:{tmp_path / 'lake'}"
    first, second, _ = _batch_files(tmp_path)
    refresh(first, con=remote_con, store=lake, engine="spark", as_of=AS_OF[0], lang="en")
    with open_store(lake) as store:
        before = (store.refresh_state(), store.snapshots())

    def stop(self: LakeStore, line: dict[str, object]) -> None:
        raise KeyboardInterrupt  # the process dies before the run line lands

    with monkeypatch.context() as patched:
        patched.setattr(LakeStore, "_append_run", stop)
        with pytest.raises(KeyboardInterrupt):
            refresh(second, con=remote_con, store=lake, engine="spark", as_of=AS_OF[1])
    with open_store(lake) as store:
        assert (store.refresh_state(), store.snapshots()) == before
    done = refresh(second, con=remote_con, store=lake, engine="spark", as_of=AS_OF[1], lang="en")
    assert (done.rows_new, done.duplicates, done.snapshot.customers) == (4, 1, 3)
