"""Every bad value on every command: one paragraph, the documented exit code, no traceback,
and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from rfmkit.cli import main
from tests.helpers import transactions_frame
from tests.test_engine import GOLDEN_ROWS


@pytest.fixture
def orders_csv(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    transactions_frame(GOLDEN_ROWS).to_csv(path, index=False)
    return path


def run(capsys, *args: object) -> tuple[int, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    text = captured.err + captured.out
    assert "Traceback" not in text
    return code, " ".join(text.split())


BAD_SCORE_VALUES = [
    (["--levels", "-1"], 2, "Invalid setting levels"),
    (["--levels", "12"], 2, "Invalid setting levels"),
    (["--scheme", "nope"], 2, "No scheme named 'nope'"),
    (["--lang", "fr"], 2, "Invalid setting lang"),
    (["--method", "median"], 2, "Invalid setting method"),
    (["--as-of", "not a date"], 2, "Cannot read the date 'not a date'"),
    (["--top-percent", "150"], 2, "top_percent"),
    (["--weights", "1,2"], 2, "Weights must be three"),
    (["--scheme", "clv5"], 2, "rfmkit predict --value-scheme clv5"),
    (["--map", "customer"], 2, "Cannot read the column mapping"),
]


@pytest.mark.parametrize(("args", "code", "message"), BAD_SCORE_VALUES)
@pytest.mark.parametrize("command", ["score", "predict"])
def test_bad_scoring_values(tmp_path, orders_csv, capsys, command, args, code, message):
    out = tmp_path / "c.csv"
    got, text = run(capsys, command, orders_csv, "-o", out, *args)
    assert (got, message in text) == (code, True), text
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--customers", "0"], 2, "Invalid setting customers"),
        (["--customers", "-5"], 2, "Invalid setting customers"),
        (["--scheme", "nope"], 2, "No scheme named 'nope'"),
        (["--lang", "fr"], 2, "Invalid setting lang"),
        (["--levels", "-1"], 2, "Invalid setting levels"),
    ],
)
def test_bad_demo_values_write_nothing(tmp_path, capsys, args, code, message):
    folder = tmp_path / "d3"
    got, text = run(capsys, "demo", folder, *args)
    assert (got, message in text) == (code, True), text
    assert not folder.exists()


def test_demo_into_an_existing_file_is_refused(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("mine", encoding="utf-8")
    got, text = run(capsys, "demo", target, "--customers", "50")
    assert got == 4 and "is a file, not a folder" in text
    assert target.read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize(
    ("output", "code", "message"),
    [
        ("customers.txt", 4, "Cannot write the output as .txt"),
        ("missing/c.csv", 4, "does not exist"),
    ],
)
def test_bad_outputs_are_refused_before_any_work(
    tmp_path, orders_csv, capsys, output, code, message
):
    got, text = run(capsys, "score", orders_csv, "-o", tmp_path / output)
    assert (got, message in text) == (code, True), text


def test_score_needs_a_named_output_and_never_writes_a_default_file(
    tmp_path, orders_csv, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    got, text = run(capsys, "score", orders_csv)
    assert got == 2 and "-o" in text
    assert not list(tmp_path.glob("customers.*"))


def test_an_output_that_is_a_folder_is_refused(tmp_path, orders_csv, capsys):
    folder = tmp_path / "out.csv"
    folder.mkdir()
    got, text = run(capsys, "score", orders_csv, "-o", folder)
    assert got == 4 and "out.csv" in text


def test_a_bad_config_key_names_the_key(tmp_path, orders_csv, capsys):
    config = tmp_path / "rfm.toml"
    config.write_text("horizonn = 52\n", encoding="utf-8")
    got, text = run(capsys, "predict", orders_csv, "-o", tmp_path / "c.csv", "--config", config)
    assert got == 2 and "Unknown setting 'horizonn'" in text


def test_version(capsys):
    got, text = run(capsys, "--version")
    assert got == 0 and text.startswith("rfmkit ")
