"""Back-filling a quarterly series end to end, through the CLI and the Python API, on
DuckDB and PostgreSQL stores: known segments per quarter, known moves, idempotent re-runs."""

from __future__ import annotations

import csv
from pathlib import Path

import rfmkit.verbs as verbs
from rfmkit.cli import main
from rfmkit.store import open_store
from tests.history import golden_log as golden

SERIES = ["--every", "quarter", "--from", "2024-04-01", "--to", "2024-10-01"]


def stored_segments(location: str) -> dict[object, dict[str, str]]:
    with open_store(location) as store:
        found = {}
        for info in store.snapshots():
            frame = store.customers(info.as_of).to_pandas()
            found[info.as_of] = dict(zip(frame.customer_id, frame.segment, strict=True))
        return found


def test_cli_backfill_golden_segments(location: str, tmp_path: Path, capsys) -> None:
    log, config = golden.write(tmp_path)
    code = main(["snapshot", str(log), *SERIES, "--store", location, "--config", str(config)])
    out = capsys.readouterr().out
    assert code == 0
    assert stored_segments(location) == golden.SEGMENTS
    with open_store(location) as store:
        infos = store.snapshots()
        assert [(i.as_of, i.customers, i.revenue) for i in infos] == [
            (day, *golden.TOTALS[day]) for day in (golden.Q1, golden.Q2, golden.Q3)
        ]
        assert {i.breakpoints_mode for i in infos} == {"frozen"}
        assert {i.scheme for i in infos} == {"tier5"}
        record = store.record(golden.Q1)
    assert record["breakpoints_reference"] == "2024-10-01"
    assert record["as_of"] == "2024-04-01"
    assert "Saved the snapshot of 2024-07-01: 6 customers, revenue 4,310.00" in out
    assert "Breakpoints: those of the snapshot of 2024-10-01 (frozen)" in out


def test_python_api_stores_what_the_cli_stores(tmp_path: Path) -> None:
    log, _ = golden.write(tmp_path)
    location = str(tmp_path / "api.duckdb")
    done = verbs.snapshot(
        str(log),
        every="quarter",
        from_as_of="2024-04-01",
        to_as_of="2024-10-01",
        store=location,
        **golden.SETTINGS,
    )
    assert [s.as_of for s in done.snapshots] == [golden.Q1, golden.Q2, golden.Q3]
    assert (done.breakpoints_mode, done.reference) == ("frozen", golden.Q3)
    assert stored_segments(location) == golden.SEGMENTS
    moved = verbs.migration(store=location, lang="en")
    directions = {
        r.direction: (r.customers, r.revenue) for r in moved.directions.itertuples(index=False)
    }
    assert directions == golden.DIRECTIONS
    assert verbs.snapshots(store=location).as_of.tolist() == [golden.Q1, golden.Q2, golden.Q3]


def test_rerunning_a_series_replaces_it(tmp_path: Path, capsys) -> None:
    log, config = golden.write(tmp_path)
    location = str(tmp_path / "s.duckdb")
    args = ["snapshot", str(log), *SERIES, "--store", location, "--config", str(config)]
    assert main(args) == 0
    with open_store(location) as store:
        first = [s.snapshot_id for s in store.snapshots()]
    assert main(args) == 0
    with open_store(location) as store:
        again = store.snapshots()
        rows = store.rows().count().execute()
    assert len(again) == 3 and not set(first) & {s.snapshot_id for s in again}
    assert rows == sum(n for n, _ in golden.TOTALS.values())


def test_refit_mode_is_recorded_and_fits_each_snapshot(tmp_path: Path) -> None:
    log, _ = golden.write(tmp_path)
    location = str(tmp_path / "r.duckdb")
    settings = {**golden.SETTINGS, "method": "quantile", "thresholds": None}
    done = verbs.snapshot(
        str(log),
        every="quarter",
        from_as_of="2024-04-01",
        to_as_of="2024-10-01",
        store=location,
        breakpoints_mode="refit",
        **settings,
    )
    assert (done.breakpoints_mode, done.reference) == ("refit", None)
    with open_store(location) as store:
        assert {s.breakpoints_mode for s in store.snapshots()} == {"refit"}
        edges = [
            store.record(d)["breakpoints"]["monetary"]["edges"] for d in (golden.Q1, golden.Q3)
        ]
    assert edges[0] != edges[1]  # fitted on each quarter's own customers


def test_one_snapshot_reuses_the_latest_stored_edges(tmp_path: Path) -> None:
    log, _ = golden.write(tmp_path)
    location = str(tmp_path / "one.duckdb")
    settings = {**golden.SETTINGS, "method": "quantile", "thresholds": None}
    verbs.snapshot(str(log), as_of="2024-07-01", store=location, **settings)
    later = verbs.snapshot(str(log), as_of="2024-10-01", store=location, **settings)
    assert later.reference == golden.Q2
    with open_store(location) as store:
        edges = [store.record(d)["breakpoints"] for d in (golden.Q2, golden.Q3)]
    assert edges[0] == edges[1]


def test_migration_cli_writes_matrix_and_moves(location: str, tmp_path: Path, capsys) -> None:
    log, config = golden.write(tmp_path)
    assert main(["snapshot", str(log), *SERIES, "--store", location, "--config", str(config)]) == 0
    matrix, moves = tmp_path / "matrix.csv", tmp_path / "moves.csv"
    code = main(
        ["migration", "--from", "2024-07-01", "--to", "2024-10-01", "--store", location,
         "--lang", "en", "-o", str(matrix), "--customers", str(moves), "--chain"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    with moves.open(encoding="utf-8-sig") as f:
        got = {
            r["customer_id"]: (r["from_segment"], r["to_segment"], r["direction"])
            for r in csv.DictReader(f)
        }
    assert got == {
        "c1": ("sleeping", "sleeping", "stable"),
        "c2": ("diamond", "diamond", "stable"),
        "c3": ("silver", "diamond", "up"),
        "c4": ("sleeping", "sleeping", "stable"),
        "c5": ("silver", "gold", "up"),
        "c6": ("diamond", "sleeping", "down"),
        "c7": ("", "silver", "new"),
    }
    with matrix.open(encoding="utf-8-sig") as f:
        cells = {
            (r["from_segment"], r["to_segment"]): int(r["customers"]) for r in csv.DictReader(f)
        }
    assert cells[("diamond", "sleeping")] == 1 and cells[("silver", "diamond")] == 1
    assert "Segment moves: 2024-07-01 to 2024-10-01" in out
    assert "Average transition probabilities (2 periods)" in out
