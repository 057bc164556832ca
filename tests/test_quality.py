"""The cleaning rules and the data-quality report."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from rfmkit.backend import connect
from rfmkit.errors import OutputError
from rfmkit.quality import QualityReport, write_rejects, write_report
from rfmkit.sources import LoadOptions, load_transactions

TODAY = dt.date(2025, 1, 1)


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["1", "1", "2", None, "TEST-9", "3", "3", "4", "5", "6"],
            "order_date": [
                "2024-01-01",
                "2024-01-01",
                "2024-02-01",
                "2024-02-01",
                "2024-02-01",
                "2024-06-30",
                "2024-07-01",
                "2026-01-01",
                "2024-03-01",
                "2024-03-02",
            ],
            "amount": [10.0, 10.0, -5.0, 1.0, 1.0, 2.0, 2.0, 3.0, 1_000_000.0, 7.0],
        }
    )


def _load(**options: object):  # type: ignore[no-untyped-def]
    options.setdefault("today", TODAY)
    return load_transactions(
        _frame(),
        con=connect(),
        options=LoadOptions(**options),  # type: ignore[arg-type]
        as_of=dt.date(2024, 7, 1),
    )


def test_every_row_is_counted() -> None:
    loaded = _load(exclude_customers="^TEST", max_amount=100_000)
    q = loaded.quality
    counts = {r.rule: r.count for r in q.rules}
    assert counts == {
        "missing_customer": 1,
        "unparsable_date": 0,
        "unparsable_amount": 0,
        "excluded_customer": 1,
        "duplicate": 1,
        "after_as_of": 2,
        "future_date": 0,
        "outlier": 1,
        "refunds": 1,
        "implausible_amount": 0,
        "implausible_date": 0,
        "undecodable_line": 0,
    }
    assert q.rows_read == 10 and q.rows_used == 4
    assert q.rows_read == q.rows_used + q.rows_left_out
    assert q.rule("duplicate").share == pytest.approx(0.1)
    assert q.rule("duplicate").examples[0]["line"] == 2  # frames count rows from 1
    assert (q.date_min, q.date_max) == (dt.date(2024, 1, 1), dt.date(2024, 6, 30))
    assert q.customers == 4
    assert q.amount["sum"] == pytest.approx(14.0)
    assert q.amount["refund_total"] == pytest.approx(-5.0)


def test_future_rows_and_switches() -> None:
    loaded = load_transactions(
        _frame(), con=connect(), options=LoadOptions(today=TODAY, keep_duplicates=True)
    )
    q = loaded.quality
    assert q.rule("future_date").count == 1
    assert q.rule("duplicate").count == 0
    assert q.rule("after_as_of").count == 0


def test_outlier_iqr() -> None:
    q = _load(outlier_iqr=3.0).quality
    assert q.rule("outlier").count == 1
    assert q.rule("outlier").examples[0]["amount"] == "1000000.0"


def test_report_is_json_ready_and_written_atomically(tmp_path: Path) -> None:
    loaded = _load()
    data = json.loads(loaded.quality.to_json())
    assert data["rows_read"] == 10
    assert data["date_min"] == "2024-01-01"
    assert {r["rule"] for r in data["rules"]} >= {"missing_customer", "duplicate", "refunds"}
    target = tmp_path / "quality.json"
    write_report(loaded.quality, target)
    assert json.loads(target.read_text(encoding="utf-8")) == data
    assert [p.name for p in tmp_path.iterdir()] == ["quality.json"]
    assert "Rows read: 10" in loaded.quality.summary()


def test_rejects_file(tmp_path: Path) -> None:
    loaded = _load()
    target = tmp_path / "rejects.csv"
    assert write_rejects(loaded.rejects(), target) == 4
    rows = pd.read_csv(target, encoding="utf-8-sig")
    assert list(rows.columns) == ["source", "file", "line", "reason", "customer", "date", "amount"]
    assert rows.reason.tolist() == ["duplicate", "missing_customer", "after_as_of", "after_as_of"]


def test_write_failure_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="folder does not exist"):
        write_report(QualityReport(), tmp_path / "missing" / "q.json")

    def boom() -> None:
        raise OSError(28, "No space left on device")

    from rfmkit.quality import atomic_write

    with pytest.raises(OutputError, match="No space"):
        atomic_write(tmp_path / "x.json", lambda tmp: (tmp.write_text("partial"), boom()))
    assert list(tmp_path.iterdir()) == []


def test_a_row_dated_today_is_not_in_the_future() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "order_date": ["2024-12-31", "2025-01-01", "2025-01-02"],  # yesterday, today, tomorrow
            "amount": [1.0, 2.0, 3.0],
        }
    )
    loaded = load_transactions(frame, con=connect(), options=LoadOptions(today=TODAY))
    assert loaded.quality.rule("future_date").count == 1
    assert sorted(loaded.transactions.to_pandas().customer_id) == ["a", "b"]
