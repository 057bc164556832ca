"""What the CLI prints: readable at 80 columns, all in the chosen language, progress in logs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from rfmkit.cli import main
from rfmkit.demo_data import write_demo


@pytest.fixture(scope="module")
def demo_orders(tmp_path_factory) -> Path:
    return write_demo(tmp_path_factory.mktemp("demo"), customers=400, seed=5)


def printed(capsys, *args: object) -> str:
    assert main([str(a) for a in args]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_at_80_columns_no_label_or_number_is_broken_and_actions_stay(
    demo_orders, tmp_path, capsys, monkeypatch, lang
):
    monkeypatch.setenv("COLUMNS", "80")
    out = printed(capsys, "score", demo_orders, "-o", tmp_path / "c.csv", "--lang", lang)
    from rfmkit.scheme import load_scheme

    scheme = load_scheme("cn8")
    lines = out.splitlines()
    for segment in scheme.segments:
        label = segment.label(lang)
        if any(label in line for line in lines):  # a segment may be empty
            assert any(segment.action(lang) in line for line in lines), segment.key
    assert all(len(line) <= 80 for line in lines)
    # every money figure is whole on its line: digits, separators and two decimals
    for line in lines:
        for figure in re.findall(r"[\d,]+\.\d+", line):
            assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{1,2}", figure), (figure, line)


def test_chinese_output_has_no_english_words(demo_orders, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = printed(capsys, "score", demo_orders, "-o", tmp_path / "c.csv")
    for english in ("Breakpoints", "Rows read", "as of", "Wrote", "Scored", "Top 20%"):
        assert english not in out
    assert "得分区间" in out and "已写入" in out


def test_an_as_of_far_after_the_last_order_is_warned_about(demo_orders, tmp_path, capsys):
    out = printed(
        capsys,
        "score",
        demo_orders,
        "-o",
        tmp_path / "c.csv",
        "--as-of",
        "2035-01-01",
        "--lang",
        "en",
    )
    assert re.search(r"Warning: The analysis date 2035-01-01 is \d+ days after the last order", out)


def test_progress_is_a_line_per_step_with_its_duration_when_logged(demo_orders, tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "rfmkit",
            "score",
            str(demo_orders),
            "-o",
            str(tmp_path / "c.csv"),
            "--lang",
            "en",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    steps = re.findall(r"^(.+): (\d+\.\d) s$", proc.stderr, flags=re.M)
    assert [name for name, _ in steps] == [
        "Reading transactions",
        "Computing recency, frequency, monetary",
        "Scoring and segmenting",
        "Judging lifecycle stages",
        "Summarising segments",
        "Writing the results",
    ]


def test_all_future_dates_point_to_keep_future(tmp_path, capsys):
    source = tmp_path / "future.csv"
    source.write_text("customer_id,order_date,amount\na,2099-01-01,10\nb,2099-02-01,5\n")
    assert main(["score", str(source), "-o", str(tmp_path / "c.csv"), "--lang", "en"]) == 2
    assert "--keep-future" in " ".join(capsys.readouterr().err.split())
