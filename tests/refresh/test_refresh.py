"""``rfmkit refresh`` from files, the CLI and Python: merging, counting, refusing, its state."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from rfmkit import glossary as g
from rfmkit.cli import app, main
from rfmkit.cli.errors import exit_code
from rfmkit.errors import ConfigError
from rfmkit.incremental.state import read_state
from rfmkit.store import open_store
from rfmkit.verbs.refresh import refresh
from rfmkit.verbs.score import score
from tests.refresh.test_property import _counts
from tests.store.factory import store_at

HEADER = "customer_id,order_id,order_date,amount\n"
MONDAY = HEADER + "C1,O1,2025-03-03,100.00\nC1,O1,2025-03-03,20.00\nC2,O2,2025-03-03,50.00\n"
# C1's order O1 gets one more line item and a partial refund; C3 is new; one row
# repeats Monday's exactly; one has no customer id.
TUESDAY = (
    HEADER + "C2,O2,2025-03-03,50.00\nC1,O1,2025-03-04,-30.00\nC3,O3,2025-03-04,75.50\n"
    ",O4,2025-03-04,9.00\nC1,O1,2025-03-03,5.00\n"
)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    monday, tuesday = tmp_path / "monday.csv", tmp_path / "tuesday.csv"
    monday.write_text(MONDAY, encoding="utf-8")
    tuesday.write_text(TUESDAY, encoding="utf-8")
    return monday, tuesday


def test_the_cli_merges_a_second_day(files: tuple[Path, Path], tmp_path: Path) -> None:
    store = str(tmp_path / "shop.duckdb")
    runner = CliRunner()
    first = runner.invoke(app, ["refresh", str(files[0]), "--store", store, "--lang", "en"])
    assert first.exit_code == 0, first.output
    assert "merged 3 new rows, dropped 0 exact duplicates" in first.output
    assert "Saved the snapshot of 2025-03-04: 2 customers, revenue 170.00" in first.output
    second = runner.invoke(app, ["refresh", str(files[1]), "--store", store, "--lang", "en"])
    assert second.exit_code == 0, second.output
    assert "Read 5 rows: merged 3 new rows, dropped 1 exact duplicates" in second.output
    assert "recomputed 2 customers" in second.output
    assert "Saved the snapshot of 2025-03-05: 3 customers, revenue 220.50" in second.output
    assert "Breakpoints: those of the snapshot of 2025-03-04 (frozen)" in second.output
    with open_store(store) as opened:
        table = opened.customers(dt.date(2025, 3, 5)).to_pandas().set_index(g.CUSTOMER_ID)
        state = read_state(opened.con.con, opened.prefix)
    assert table.loc["C1", g.MONETARY] == 95.0  # 100 + 20 + 5 - 30: one order
    assert table.loc["C1", g.FREQUENCY] == 1
    assert table.loc["C2", g.MONETARY] == 50.0  # Tuesday's copy dropped
    assert (state.as_of, state.batches) == (dt.date(2025, 3, 5), 2)


def test_two_refreshes_equal_one_score_of_both_files(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    store = str(tmp_path / "shop.duckdb")
    refresh(str(files[0]), store=store, lang="en")
    full = score([str(files[0]), str(files[1])], lang="en")
    done = refresh(str(files[1]), store=store, lang="en", breakpoints=full.breakpoints)
    with open_store(store) as opened:
        stored = opened.customers(done.as_of).to_pandas()
    columns = list(g.CUSTOMER_COLUMNS)
    expected = full.to_pandas()[columns].sort_values(g.CUSTOMER_ID).reset_index(drop=True)
    got = stored[columns].sort_values(g.CUSTOMER_ID).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    counts = {r.rule: r.count for r in done.quality.rules if r.count}
    assert counts == {"missing_customer": 1, "duplicate": 1, "refunds": 1}
    assert counts == {r.rule: r.count for r in full.quality.rules if r.count}
    assert (done.quality.rows_read, done.quality.rows_used) == (8, 6)


def test_a_refresh_without_new_rows_moves_recency(files: tuple[Path, Path], tmp_path: Path) -> None:
    store = str(tmp_path / "shop.duckdb")
    refresh(str(files[0]), store=store, lang="en")
    done = refresh(store=store, as_of="2025-04-03", lang="en")
    assert (done.rows_read, done.rows_new, done.customers_touched) == (0, 0, 0)
    with open_store(store) as opened:
        table = opened.customers(dt.date(2025, 4, 3)).to_pandas().set_index(g.CUSTOMER_ID)
    assert table[g.RECENCY_DAYS].to_dict() == {"C1": 31, "C2": 31}


def test_rows_after_as_of_count_once_time_passes_them(tmp_path: Path) -> None:
    store = str(tmp_path / "shop.duckdb")
    rows = pd.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "order_id": ["O1", "O2"],
            "order_date": ["2025-03-01", "2025-03-20"],
            "amount": [10.0, 20.0],
        }
    )
    early = refresh(rows, store=store, as_of="2025-03-10", lang="en")
    assert early.snapshot.customers == 1
    assert early.quality.rule("after_as_of").count == 1
    later = refresh(store=store, as_of="2025-03-21", lang="en")
    assert later.snapshot.customers == 2
    assert later.customers_touched == 1  # only C2, whose row the new date passes
    assert later.quality.rule("after_as_of").count == 0


def test_other_cleaning_settings_are_refused(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "shop.duckdb")
    refresh(str(files[0]), store=store)
    with pytest.raises(ConfigError, match=r"other cleaning settings \(max_amount\)") as error:
        refresh(str(files[1]), store=store, max_amount=1000)
    assert exit_code(error.value) == 2
    args = ["refresh", str(files[1]), "--store", store, "--exclude-customers", "^C9"]
    assert main([*args, "--lang", "en"]) == 2
    assert "other cleaning settings (exclude_customers)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"outlier_iqr": 1.5}, "outlier-iqr judges every row"),
        ({"engine": "spark"}, "runs on DuckDB"),
        ({"every": "month"}, "records one snapshot"),
        ({"watermark": "created_at"}, "watermark reads past a column"),
    ],
)
def test_settings_a_refresh_cannot_honour(
    given: dict[str, Any], message: str, files: tuple[Path, Path], tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match=message):
        refresh(str(files[0]), store=str(tmp_path / "s.duckdb"), **given)
    assert not (tmp_path / "s.duckdb").exists()  # refused before the store was opened


def test_the_first_refresh_needs_the_history(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="first refresh loads the whole history"):
        refresh(store=str(tmp_path / "s.duckdb"))


def test_a_batch_of_only_rejected_rows_is_counted(files: tuple[Path, Path], tmp_path: Path) -> None:
    store = str(tmp_path / "shop.duckdb")
    refresh(str(files[0]), store=store)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + ",O9,2025-03-04,1.00\n,O9,2025-03-05,2.00\n", encoding="utf-8")
    done = refresh(str(bad), store=store)
    assert (done.rows_read, done.rows_new) == (2, 0)
    assert done.quality.rule("missing_customer").count == 2
    assert done.quality.rows_read == 5


@pytest.mark.parametrize("kind", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_refresh_into_either_store(kind: str, tmp_path: Path) -> None:
    rows = pd.DataFrame(
        {
            "customer_id": ["a", "b", "a"],
            "order_id": ["1", "2", "1"],
            "order_date": ["2024-01-01", "2024-01-02", "2024-01-05"],
            "amount": [10.0, 20.0, -5.0],
        }
    )
    for location in store_at(kind, tmp_path):
        first = refresh(rows.iloc[:2], store=location, lang="en")
        done = refresh(rows.iloc[1:], store=location, lang="en")
        assert (first.as_of, done.as_of) == (dt.date(2024, 1, 3), dt.date(2024, 1, 6))
        assert (done.rows_new, done.duplicates) == (1, 1)
        assert (done.snapshot.customers, done.snapshot.revenue) == (2, 25.0)


def test_rows_after_today_wait_in_the_state_until_today_passes_them(tmp_path: Path) -> None:
    """A row dated after today is left out (future_date) -- until a later refresh's today."""
    store = str(tmp_path / "shop.duckdb")
    rows = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "order_id": ["O1", "O2", "O3"],
            "order_date": ["2025-03-01", "2025-03-12", "2025-03-02"],
            "amount": [10.0, 20.0, 30.0],
        }
    )
    again = rows.iloc[[1]]  # the future row again, in the next batch: an exact duplicate
    common: dict[str, Any] = {"as_of": "2025-03-20", "lang": "en"}
    refit = {"breakpoints_mode": "refit"}
    for batch, seen, today in (
        (rows, rows, "2025-03-05"),
        (again, pd.concat([rows, again]), "2025-03-15"),
    ):
        done = refresh(batch, store=store, today=today, **common, **refit)
        full = score(seen, today=today, **common)
        with open_store(store) as opened:
            stored = opened.customers(done.as_of).to_pandas()
        columns = list(g.CUSTOMER_COLUMNS)
        pd.testing.assert_frame_equal(
            stored[columns].sort_values(g.CUSTOMER_ID).reset_index(drop=True),
            full.to_pandas()[columns].sort_values(g.CUSTOMER_ID).reset_index(drop=True),
            check_dtype=False,
        )
        assert _counts(done.quality) == _counts(full.quality)
    assert sorted(stored[g.CUSTOMER_ID]) == ["C1", "C2", "C3"]
    assert (done.quality.rule("future_date").count, done.quality.rule("duplicate").count) == (0, 1)
