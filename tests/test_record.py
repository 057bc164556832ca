"""The run record: what a run did, serialisable, with the inputs' fingerprint."""

from __future__ import annotations

import json
from pathlib import Path

import rfmkit
from rfmkit.record import RunRecord
from tests.helpers import transactions_frame
from tests.test_engine import GOLDEN_ROWS


def test_a_file_run_records_path_size_and_time(tmp_path: Path):
    source = tmp_path / "orders.csv"
    transactions_frame(GOLDEN_ROWS).to_csv(source, index=False)
    result = rfmkit.score(str(source), as_of="2024-03-01", weights="1,2,1")
    record = result.record
    assert record.verb == "score" and record.rfmkit_version == rfmkit.__version__
    [entry] = record.inputs
    assert entry["path"] == str(source.resolve()) and entry["size"] == source.stat().st_size
    assert entry["modified"].startswith("20")
    assert record.weights == [1.0, 2.0, 1.0]
    assert record.breakpoints["recency_days"]["higher_is_better"] is False
    assert record.rows["read"] == 15 and record.rows["scored"] == 3
    assert list(record.timings) == ["load", "metrics", "scores", "lifecycle", "summary"]
    assert RunRecord.from_json(record.to_json()) == record


def test_a_frame_is_fingerprinted_by_its_content():
    first = rfmkit.score(transactions_frame(GOLDEN_ROWS), as_of="2024-03-01").record
    again = rfmkit.score(transactions_frame(GOLDEN_ROWS), as_of="2024-03-01").record
    changed = rfmkit.score(transactions_frame(GOLDEN_ROWS[:-1]), as_of="2024-03-01").record
    assert first.inputs[0]["sha256"] == again.inputs[0]["sha256"]
    assert first.inputs[0]["sha256"] != changed.inputs[0]["sha256"]


def test_the_record_is_strict_json_and_masks_passwords():
    record = RunRecord.start("check")
    record.settings = {"from_db": "postgresql://u:***@h/db"}
    text = record.to_json()
    assert json.loads(text)["settings"]["from_db"] == "postgresql://u:***@h/db"
    assert RunRecord.from_dict({**record.to_dict(), "unknown_future_key": 1}) == record
