"""A refresh killed by SIGKILL in the middle of its transaction leaves the store as it was."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from rfmkit.incremental.state import read_state
from rfmkit.store import open_store
from rfmkit.verbs.refresh import refresh

ROOT = Path(__file__).resolve().parents[2]

#: A refresh whose state writes, once done, announce themselves and wait to be killed
#: (inside the transaction: the snapshot row and the commit come after them).
KILLED = """
import sys, time
from pathlib import Path
import pandas as pd
from rfmkit.incremental import merge
from rfmkit.verbs.refresh import refresh

store, marker = sys.argv[1:3]
write = merge.write

def slow(raw, prefix, drop):
    write(raw, prefix, drop)
    Path(marker).write_text("written")
    time.sleep(60)

merge.write = slow
rows = pd.DataFrame({
    "customer_id": [f"N{i}" for i in range(5000)] + ["C1"],
    "order_id": [f"R{i}" for i in range(5000)] + ["O1"],
    "order_date": ["2025-03-10"] * 5001,
    "amount": [10.0] * 5000 + [-40.0],
})
refresh(rows, store=store, lang="en")
"""


def _history() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["C1", "C1", "C2"],
            "order_id": ["O1", "O2", "O3"],
            "order_date": ["2025-03-01", "2025-03-04", "2025-03-02"],
            "amount": [100.0, 20.0, 50.0],
        }
    )


def _contents(store: str) -> tuple[object, ...]:
    with open_store(store, wait=10) as opened:
        raw, prefix = opened.con.con, opened.prefix
        counts = tuple(
            raw.execute(f"SELECT count(*) FROM {prefix}.{name}").fetchone()
            for name in ("refresh_hashes", "refresh_order_days", "refresh_totals", "refresh_counts")
        )
        customers = opened.customers(opened.snapshots()[-1].as_of).to_pandas()
        state = read_state(raw, prefix)
        return (
            [s.as_of for s in opened.snapshots()],
            counts,
            customers.sort_values("customer_id").to_dict("records"),
            (state.as_of, state.batches),
        )


@pytest.mark.slow
def test_sigkill_mid_refresh_leaves_the_store_as_before(tmp_path: Path) -> None:
    store = str(tmp_path / "shop.duckdb")
    refresh(_history(), store=store, lang="en")
    before = _contents(store)
    marker = tmp_path / "written"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED, store, str(marker)], env=env, stderr=subprocess.PIPE
    )
    try:
        for _ in range(1200):
            if marker.exists() or process.poll() is not None:
                break
            subprocess.run(["sleep", "0.05"], check=True)
        assert marker.exists(), process.stderr.read().decode() if process.stderr else ""
    finally:
        process.send_signal(signal.SIGKILL)
    assert process.wait(30) == -signal.SIGKILL
    assert _contents(store) == before
    assert before[0] == [dt.date(2025, 3, 5)]
    # and the store takes the same refresh afterwards
    again = refresh(_history().iloc[[0]], store=store, lang="en", as_of="2025-03-11")
    assert (again.rows_new, again.duplicates) == (0, 1)
