"""Output files: one atomic writer, the same permissions, every path checked first."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from rfmkit.errors import OutputError
from rfmkit.export import (
    atomic_path,
    check_outputs,
    write_frame,
    write_json,
    write_table,
    write_workbook,
)
from rfmkit.export.files import current_umask
from rfmkit.quality import QualityReport, write_rejects, write_report

FRAME = pd.DataFrame({"customer_id": ["b", "a"], "monetary": [1.5, 2.25]})


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx", ".json"])
def test_a_symlink_planted_at_the_old_temporary_name_is_not_followed(tmp_path, suffix):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    target = tmp_path / f"customers{suffix}"
    # the name the old writer used: .stem.PID.tmp.ext, predictable from the PID
    (tmp_path / f".customers.{os.getpid()}.tmp{suffix}").symlink_to(victim)
    write_table(FRAME, target)
    assert victim.read_text() == "precious"
    assert target.is_file() and not target.is_symlink()


def test_a_symlink_at_the_target_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    target = tmp_path / "quality.json"
    target.symlink_to(victim)
    write_json({"a": 1}, target)
    assert victim.read_text() == "precious"
    assert json.loads(target.read_text()) == {"a": 1}


def _rejects() -> pd.DataFrame:
    return pd.DataFrame({"source": ["in"], "line": [2], "reason": ["duplicate"]})


def test_every_output_gets_the_mode_of_a_plain_open(tmp_path):
    write_table(FRAME, tmp_path / "c.csv")
    write_table(FRAME, tmp_path / "c.parquet")
    write_table(FRAME, tmp_path / "c.xlsx")
    write_table(FRAME, tmp_path / "c.json")
    write_frame(FRAME, tmp_path / "segments.csv")
    write_workbook(tmp_path / "book.xlsx", [("one", FRAME)])
    write_report(QualityReport(), tmp_path / "quality.json")
    write_rejects(_rejects(), tmp_path / "rejects.csv")
    write_json({"holdout": 1}, tmp_path / "validation.json")
    with open(tmp_path / "plain.txt", "w"):
        pass
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
    assert len(modes) == 10
    assert set(modes.values()) == {0o666 & ~current_umask()}, modes


def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "c.csv"
    target.write_text("old")
    target.chmod(0o640)
    write_table(FRAME, target)
    assert target.stat().st_mode & 0o777 == 0o640
    assert "old" not in target.read_text(encoding="utf-8-sig")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "c.csv"
    target.write_text("old")
    with pytest.raises(OutputError, match="No space"), atomic_path(target) as tmp:
        tmp.write_text("partial")
        raise OSError(28, "No space left on device")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["c.csv"]


def test_check_outputs_returns_the_paths_given(tmp_path):
    found = check_outputs(
        {"output": tmp_path / "c.xlsx", "rejects": None, "quality_report": tmp_path / "q.json"},
        [tmp_path / "orders.csv"],
    )
    assert found == {"output": tmp_path / "c.xlsx", "quality_report": tmp_path / "q.json"}


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ({"output": "c.txt"}, "Cannot write the output as .txt"),
        ({"output": "c"}, "without an extension"),
        ({"quality_report": "q.csv"}, "quality report as .csv"),
        ({"output": "missing/c.csv"}, "folder does not exist"),
        ({"output": "folder.csv"}, "is a folder"),
        ({"output": "c.csv", "rejects": "./c.csv"}, "output and the rejects are the same file"),
        ({"output": "orders.csv"}, "also an input file"),
        ({"output": "link.csv"}, "also an input file"),
    ],
)
def test_check_outputs_refuses_bad_paths_before_any_work(tmp_path, monkeypatch, outputs, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder.csv").mkdir()
    (tmp_path / "orders.csv").write_text("customer_id\n")
    (tmp_path / "link.csv").symlink_to(tmp_path / "orders.csv")
    with pytest.raises(OutputError, match=message) as caught:
        check_outputs(outputs, ["orders.csv"])
    assert caught.value.fix


def test_an_input_named_by_a_glob_or_a_hard_link_is_protected(tmp_path):
    source = tmp_path / "orders_2024.csv"
    source.write_text("customer_id\n")
    with pytest.raises(OutputError, match="also an input"):
        check_outputs({"output": source}, [str(tmp_path / "orders_*.csv")])
    os.link(source, tmp_path / "same.csv")
    with pytest.raises(OutputError, match="also an input"):
        check_outputs({"output": tmp_path / "same.csv"}, [source])


def test_a_default_named_file_that_exists_is_not_replaced_unless_forced(tmp_path):
    existing = tmp_path / "customers.parquet"
    existing.write_text("someone's file")
    outputs = {"output": existing}
    with pytest.raises(OutputError, match="already exists and was not named") as caught:
        check_outputs(outputs, defaulted={"output"})
    assert "--force" in (caught.value.fix or "")
    assert check_outputs(outputs, defaulted={"output"}, force=True) == outputs
    assert check_outputs(outputs) == outputs  # named by the user: replaced
    assert check_outputs({"output": tmp_path / "new.parquet"}, defaulted={"output"})


def test_quality_report_json_has_no_nan(tmp_path: Path):
    report = QualityReport(amount={"sum": float("nan"), "mean": float("inf")})
    target = tmp_path / "quality.json"
    write_report(report, target)
    text = target.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["amount"] == {"sum": None, "mean": None}
