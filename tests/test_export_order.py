"""Deterministic outputs: two identical runs write byte-identical files."""

from __future__ import annotations

import pandas as pd
import pytest

from rfmkit.export import write_table
from rfmkit.verbs.score import score


def _orders(seed: int) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i % 997:04d}" for i in range(20_000)],
            "order_date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta([i % 300 for i in range(20_000)], unit="D"),
            "amount": [round(1 + (i * 7919) % 10_000 / 100, 2) for i in range(20_000)],
        }
    )
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_two_runs_write_identical_bytes(tmp_path, suffix):
    first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    # the same orders in another row order: the engine's groups come out in any order
    write_table(score(_orders(1), as_of="2024-12-01").customers, first)
    write_table(score(_orders(2), as_of="2024-12-01").customers, second)
    assert first.read_bytes() == second.read_bytes()
    lines = first.read_text(encoding="utf-8-sig").splitlines()
    ids = [line.split(",")[0] for line in lines[1:]] if suffix == ".csv" else None
    if ids is not None:
        assert ids == sorted(ids) and len(ids) == 997


def test_order_by_none_keeps_the_table_order(tmp_path):
    frame = pd.DataFrame({"customer_id": ["b", "a", "c"]})
    write_table(frame, tmp_path / "c.csv", order_by=None)
    assert (tmp_path / "c.csv").read_text(encoding="utf-8-sig").split() == [
        '"customer_id"',
        '"b"',
        '"a"',
        '"c"',
    ]
