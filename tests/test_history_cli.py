"""The history commands: listing, writing and deleting snapshots, trend, one customer,
the default store, and the exact exit code of every mistake."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import rfmkit.verbs as verbs
from rfmkit.cli import main
from rfmkit.glossary import CUSTOMER_COLUMNS
from rfmkit.verbs.snapshot import add_months, series
from tests.history import golden_log as golden

SERIES = ["--every", "quarter", "--from", "2024-04-01", "--to", "2024-10-01"]


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    return code, " ".join(text.split())


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # tables unwrapped, as on a wide terminal


@pytest.fixture
def store(tmp_path: Path) -> str:
    log, config = golden.write(tmp_path)
    location = str(tmp_path / "shop.duckdb")
    assert main(["snapshot", str(log), *SERIES, "--store", location, "--config", str(config)]) == 0
    return location


def test_series_dates_include_both_ends() -> None:
    import datetime as dt

    days = series("quarter", dt.date(2024, 1, 1), dt.date(2025, 1, 1))
    assert days == [dt.date(2024, m, 1) for m in (1, 4, 7, 10)] + [dt.date(2025, 1, 1)]
    assert series("month", dt.date(2024, 1, 31), dt.date(2024, 4, 30))[1:] == [
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 31),
        dt.date(2024, 4, 30),
    ]
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)


def test_history_lists_snapshots(store: str, capsys) -> None:
    code, out = run(capsys, "history", "--store", store, "--lang", "en")
    assert code == 0
    assert "Snapshots (3)" in out
    assert "2024-07-01 │ 6 │ 4,310.00 │ tier5 │ frozen" in out
    assert f"Store: {Path(store).resolve()}" in out


def test_history_writes_one_snapshot_with_the_score_columns(
    store: str, tmp_path: Path, capsys
) -> None:
    output = tmp_path / "q2.csv"
    code, _out = run(capsys, "history", "--store", store, "--as-of", "2024/07/01", "-o", output)
    assert code == 0
    with output.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0])[: len(CUSTOMER_COLUMNS)] == CUSTOMER_COLUMNS
    assert {r["customer_id"]: r["segment"] for r in rows} == golden.SEGMENTS[golden.Q2]


def test_history_deletes_a_snapshot(store: str, capsys) -> None:
    code, out = run(capsys, "history", "--store", store, "--delete", "2024-04-01", "--lang", "en")
    assert (code, "Deleted the snapshot of 2024-04-01" in out) == (0, True)
    assert verbs.snapshots(store=store).as_of.tolist() == [golden.Q2, golden.Q3]
    code, out = run(capsys, "history", "--store", store, "--delete", "2024-04-01")
    assert code == 6
    assert "There is no snapshot of 2024-04-01" in out


def test_trend_and_customer(store: str, tmp_path: Path, capsys) -> None:
    output = tmp_path / "trend.csv"
    code, out = run(capsys, "trend", "--store", store, "--lang", "en", "-o", output)
    assert code == 0
    with output.open(encoding="utf-8-sig") as f:
        q3 = {
            r["segment"]: int(r["customers"])
            for r in csv.DictReader(f)
            if r["as_of"] == "2024-10-01"
        }
    assert q3 == {"diamond": 2, "gold": 1, "silver": 1, "active": 0, "sleeping": 3}
    code, out = run(capsys, "customer", "c6", "--store", store, "--lang", "en")
    assert code == 0
    assert "2024-07-01 │ diamond │ Diamond" in out and "2024-10-01 │ sleeping │ Sleeping" in out
    assert verbs.customer("c6", store=store).segment.tolist() == ["diamond", "sleeping"]


def test_default_store_is_in_the_current_folder_and_printed(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    log, config = golden.write(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out = run(capsys, "snapshot", log, "--as-of", "2024-07-01", "--config", config)
    assert code == 0
    assert (tmp_path / "rfmkit-store.duckdb").is_file()
    assert f"Store: {tmp_path / 'rfmkit-store.duckdb'}" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["snapshot", "LOG", "--every", "quarter", "--from", "2024-04-01"],
            2,
            "needs --from and --to",
        ),
        (
            ["snapshot", "LOG", "--from", "2024-04-01", "--to", "2024-10-01"],
            2,
            "--from and --to make a series only with --every",
        ),
        (["snapshot", "LOG", *SERIES, "--as-of", "2024-07-01"], 2, "Give either --as-of"),
        (
            ["snapshot", "LOG", "--every", "week", "--from", "2024-04-01", "--to", "2024-10-01"],
            2,
            "Invalid setting every",
        ),
        (
            ["snapshot", "LOG", "--as-of", "2024-07-01", "--breakpoints", "mean"],
            2,
            "Invalid setting breakpoints_mode",
        ),
        (
            ["snapshot", "LOG", "--as-of", "2024-07-01", "--reference", "2023-01-01"],
            6,
            "There is no snapshot of 2023-01-01",
        ),
        (
            ["snapshot", "LOG", "--as-of", "2024-07-01", "--store", "mysql://x/y"],
            2,
            "Unknown store URL",
        ),
        (["history", "--as-of", "2024-07-01"], 2, "No output file was named"),
        (["migration", "--from", "2024-07-01"], 2, "Give both --from and --to"),
        (
            ["migration", "--from", "2023-07-01", "--to", "2024-10-01"],
            6,
            "There is no snapshot of 2023-07-01",
        ),
        (["customer", "nobody"], 6, "Customer 'nobody' is in none of the 3 snapshots"),
        (["trend", "-o", "trend.txt"], 4, "Cannot write"),
    ],
)
def test_exit_codes(
    store: str, tmp_path: Path, args: list[str], code: int, message: str, capsys
) -> None:
    log = str(tmp_path / "orders.csv")
    given = [log if a == "LOG" else a for a in args]
    if "--store" not in given:
        given += ["--store", store]
    got, out = run(capsys, *given)
    assert (got, message in out) == (code, True), out


def test_migration_needs_two_snapshots(tmp_path: Path, capsys) -> None:
    log, config = golden.write(tmp_path)
    location = tmp_path / "one.duckdb"
    assert (
        main(
            [
                "snapshot",
                str(log),
                "--as-of",
                "2024-07-01",
                "--store",
                str(location),
                "--config",
                str(config),
            ]
        )
        == 0
    )
    code, out = run(capsys, "migration", "--store", location)
    assert code == 2
    assert "A migration needs two snapshots" in out


def test_report_from_the_store_has_the_history_sections(store: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "stored.html"
    code, text = run(capsys, "report", "--store", store, "-o", out, "--lang", "en")
    assert code == 0, text
    html = out.read_text(encoding="utf-8")
    assert '<section id="history">' in html
    assert 'id="chart-migration"' in html and 'id="chart-trend"' in html
    code, text = run(capsys, "report", "--store", store, "--as-of", "2024-07-01", "-o", out)
    assert code == 0, text
    code, text = run(capsys, "report", "--store", store, "--as-of", "2023-01-01", "-o", out)
    assert code == 6, text
