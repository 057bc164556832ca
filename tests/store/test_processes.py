"""Crash safety and concurrency, with real processes.

A writer killed by SIGKILL in the middle of a large snapshot leaves the
store openable with the earlier snapshots intact and no partial one; two
processes writing at once either wait their turn or fail with a clear
message; nothing is corrupted.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rfmkit.store import open_store
from tests.store.factory import Q1, Q2, drop_pg_schema, fill, pg_location

ROOT = Path(__file__).resolve().parents[2]
BIG_DAY = dt.date(2025, 1, 1)

WRITER = """
import sys, time
from pathlib import Path
from rfmkit.errors import StoreError
from rfmkit.store import open_store
from tests.store.factory import big_table, record
import datetime as dt
location, rows, day, marker, hold, wait = sys.argv[1:7]
day = dt.date.fromisoformat(day)
table = big_table(int(rows), day)
try:
    store = open_store(location, wait=float(wait))
except StoreError as exc:
    print(exc, file=sys.stderr)
    sys.exit(3)
Path(marker + ".open").write_text(str(time.time()))
store.save_snapshot(
    table, record(day), as_of=day, progress=lambda step: Path(marker).write_text(step)
)
time.sleep(float(hold))
store.close()
Path(marker + ".closed").write_text(str(time.time()))
"""


def _writer(
    location: str, rows: int, day: dt.date, marker: Path, *, hold: float = 0, wait: float = 30
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [location, str(rows), day.isoformat(), str(marker), str(hold), str(wait)]
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, *args], env=env, cwd=ROOT, stderr=subprocess.PIPE
    )


def _wait_for(path: Path, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None:
            pytest.fail(
                f"the writer ended early: {process.stderr.read().decode() if process.stderr else ''}"
            )
        if time.monotonic() > deadline:
            pytest.fail(f"{path.name} did not appear within {seconds} s")
        time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_sigkill_mid_write_leaves_no_partial_snapshot(kind: str, tmp_path: Path) -> None:
    location = str(tmp_path / "store.duckdb") if kind == "duckdb" else pg_location()
    try:
        with open_store(location) as store:
            fill(store, (Q1, Q2))
        marker = tmp_path / "writing"
        writer = _writer(location, 3_000_000, BIG_DAY, marker)
        _wait_for(marker, writer)
        time.sleep(0.4)  # well inside the insert of three million rows
        writer.send_signal(signal.SIGKILL)
        assert writer.wait(30) == -signal.SIGKILL
        with open_store(location, wait=5) as store:
            assert [(s.as_of, s.customers) for s in store.snapshots()] == [(Q1, 6), (Q2, 7)]
            assert store.rows().count().to_pyarrow().as_py() == 13
            table = f"rfm_store.{store.where.schema}.snapshot_customers"
            stored = store.con.con.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert stored == (13,)  # no orphan rows of the killed write either
    finally:
        if kind == "postgres":
            drop_pg_schema(location)


@pytest.mark.slow
def test_a_second_duckdb_writer_waits_then_writes(tmp_path: Path) -> None:
    location = str(tmp_path / "store.duckdb")
    first = _writer(location, 1000, Q1, tmp_path / "first", hold=6)
    _wait_for(tmp_path / "first", first)
    second = _writer(location, 2000, Q2, tmp_path / "second", wait=30)
    assert first.wait(60) == 0
    assert second.wait(60) == 0, second.stderr.read().decode() if second.stderr else ""
    # the second got the file only once the first had let go of it
    opened = float((tmp_path / "second.open").read_text())
    assert opened >= float((tmp_path / "first.closed").read_text())
    with open_store(location) as store:
        assert [(s.as_of, s.customers) for s in store.snapshots()] == [(Q1, 1000), (Q2, 2000)]


@pytest.mark.slow
def test_a_writer_that_cannot_wait_names_the_other_process(tmp_path: Path) -> None:
    location = str(tmp_path / "store.duckdb")
    first = _writer(location, 1000, Q1, tmp_path / "first", hold=10)
    _wait_for(tmp_path / "first", first)
    second = _writer(location, 1000, Q2, tmp_path / "second", wait=0.5)
    assert second.wait(60) == 3
    message = second.stderr.read().decode() if second.stderr else ""
    assert f"is in use by another process (PID {first.pid}" in message
    assert "waited 0.5 s" in message
    assert first.wait(60) == 0
    with open_store(location) as store:
        assert [(s.as_of, s.customers) for s in store.snapshots()] == [(Q1, 1000)]


@pytest.mark.slow
@pytest.mark.postgres
def test_two_postgres_writers_of_one_date_leave_one_snapshot(tmp_path: Path) -> None:
    location = pg_location()
    try:
        open_store(location).close()
        one = _writer(location, 200_000, Q1, tmp_path / "one")
        two = _writer(location, 150_000, Q1, tmp_path / "two")
        assert one.wait(120) == 0, one.stderr.read().decode() if one.stderr else ""
        assert two.wait(120) == 0, two.stderr.read().decode() if two.stderr else ""
        with open_store(location) as store:
            [info] = store.snapshots()
            assert info.customers in (200_000, 150_000)
            raw = store.con.con
            schema = store.where.schema
            total = raw.execute(
                f"SELECT count(*) FROM rfm_store.{schema}.snapshot_customers"
            ).fetchone()
            assert total == (info.customers,)  # the loser's rows were replaced, not kept
    finally:
        drop_pg_schema(location)
