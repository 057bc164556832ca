"""End-to-end CLI runs: real files in, real files out, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from rfmkit.cli import main
from rfmkit.glossary import CUSTOMER_COLUMNS
from tests.helpers import transactions_frame
from tests.test_engine import GOLDEN_ROWS


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def orders_csv(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    transactions_frame(GOLDEN_ROWS).to_csv(path, index=False)
    return path


def run(*args: str) -> int:
    return main([str(a) for a in args])


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".xlsx", ".json"])
def test_score_writes_every_format(tmp_path, orders_csv, suffix):
    out = tmp_path / f"customers{suffix}"
    assert run("score", orders_csv, "-o", out, "--as-of", "2024-03-01", "--lang", "en") == 0
    frame = {
        ".parquet": pd.read_parquet,
        ".csv": lambda p: pd.read_csv(p, encoding="utf-8-sig", dtype={"rfm_code": str}),
        ".xlsx": lambda p: pd.read_excel(p, dtype={"rfm_code": str}),
        ".json": lambda p: pd.DataFrame(json.loads(Path(p).read_text(encoding="utf-8"))),
    }[suffix](out)
    assert list(frame.columns) == list(CUSTOMER_COLUMNS)
    assert sorted(frame.customer_id) == ["A", "B", "E"]
    assert frame.set_index("customer_id").loc["A", "monetary"] == 75.0
    assert not list(tmp_path.glob(".*tmp*")), "no temporary file is left behind"


def test_score_prints_summary_pareto_and_breakpoints(orders_csv, tmp_path, capsys):
    assert run("score", orders_csv, "-o", tmp_path / "c.parquet", "--as-of", "2024-03-01") == 0
    out = capsys.readouterr().out
    assert "重要价值客户" in out
    assert "前 20% 的客户" in out
    assert "得分区间" in out
    assert "1 位客户没有金额为正的订单" in out
    for english in ("Breakpoints", "Rows read", "as of", "Wrote", "customers"):
        assert english not in out, english
    assert (
        run(
            "score",
            orders_csv,
            "-o",
            tmp_path / "e.parquet",
            "--as-of",
            "2024-03-01",
            "--lang",
            "en",
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Breakpoints" in out and "Rows read: 15" in out
    assert "1 customers had no order with a positive amount" in out


def test_map_config_and_thresholds(tmp_path):
    source = tmp_path / "export.csv"
    frame = transactions_frame(GOLDEN_ROWS).rename(
        columns={
            "customer_id": "member",
            "order_id": "ticket",
            "order_date": "paid",
            "amount": "total",
        }
    )
    frame.to_csv(source, index=False)
    config = tmp_path / "rfm.toml"
    config.write_text(
        'scheme = "value4"\nlang = "en"\nmethod = "thresholds"\nas_of = 2024-03-01\n'
        "[thresholds]\nrecency_days = [7, 14, 21, 28]\n",
        encoding="utf-8",
    )
    out = tmp_path / "c.csv"
    code = run(
        "score",
        source,
        "-o",
        out,
        "--config",
        config,
        "--map",
        "customer=member,order=ticket,date=paid,amount=total",
    )
    assert code == 0
    result = pd.read_csv(out, encoding="utf-8-sig").set_index("customer_id")
    # A: 29 days -> beyond 28 -> R=1; B: 1 day -> R=5; E: 20 days -> R=3
    assert result.r_score.to_dict() == {"A": 1, "B": 5, "E": 3}
    # split at the means (16.7 days, 1.67 orders, 45.67): B is recent -> potential;
    # A and E are not recent but bought (value4's sleeping rule)
    assert result.segment.to_dict() == {"A": "sleeping", "B": "potential", "E": "sleeping"}


def test_command_line_wins_over_config(tmp_path, orders_csv):
    config = tmp_path / "rfm.yaml"
    config.write_text("scheme: value4\nlang: en\n", encoding="utf-8")
    out = tmp_path / "c.parquet"
    assert run("score", orders_csv, "-o", out, "--config", config, "--scheme", "tier5") == 0
    # default as-of 2024-03-06: A (5 days, 3 orders, 175), B (6 days, 2, 12), D (1 day, 1, 20);
    # E's only order is refunded by then. tier5, not the config's value4, labels them.
    segments = pd.read_parquet(out).set_index("customer_id").segment.to_dict()
    assert segments == {"A": "diamond", "B": "sleeping", "D": "silver"}


def test_user_scheme_file(tmp_path, orders_csv):
    scheme = tmp_path / "mine.yaml"
    scheme.write_text(
        "key: mine\nname: {zh: 我的, en: Mine}\ndescription: {zh: 我的, en: Mine}\nsegments:\n"
        "  - key: top\n    label: {zh: 顶级, en: Top}\n    description: {zh: 顶, en: Top}\n"
        "    action: {zh: 维护, en: Keep}\n    when: {f: [4, 5]}\n"
        "  - key: rest\n    label: {zh: 其他, en: Rest}\n    description: {zh: 其他, en: Rest}\n"
        "    action: {zh: 观察, en: Watch}\n",
        encoding="utf-8",
    )
    out = tmp_path / "c.parquet"
    assert run("score", orders_csv, "-o", out, "--scheme", scheme) == 0
    # only A (3 orders, the most) has an F score of 4-5
    assert pd.read_parquet(out).set_index("customer_id").segment.to_dict() == {
        "A": "top",
        "B": "rest",
        "D": "rest",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scheme", "nope"], "No scheme named 'nope'"),
        (["--levels", "12"], "levels"),
        (["--weights", "1,2"], "Weights must be three"),
        (["--map", "customer"], "Cannot read the column mapping"),
        (["--method", "thresholds"], "needs thresholds"),
    ],
)
def test_bad_options_give_one_clear_paragraph(tmp_path, orders_csv, capsys, args, message):
    out = tmp_path / "c.parquet"
    code = run("score", orders_csv, "-o", out, *args)
    err = capsys.readouterr().err
    assert code == 2
    assert message in " ".join(err.split())
    assert "Traceback" not in err
    assert not out.exists()


def test_missing_file_and_missing_column(tmp_path, capsys):
    assert run("score", tmp_path / "nope.csv", "-o", tmp_path / "c.parquet") == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("who,when\n1,2024-01-01\n", encoding="utf-8")
    assert run("score", bad, "-o", tmp_path / "c.parquet") == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "who" in err  # the columns that were found are listed


def test_schemes_command_lists_and_shows(capsys):
    assert run("schemes") == 0
    listing = capsys.readouterr().out
    for key in ("cn8", "classic11", "value4", "tier5"):
        assert key in listing
    assert run("schemes", "cn8", "--lang", "en") == 0
    assert "Important value" in capsys.readouterr().out


def test_demo_runs_the_whole_pipeline(tmp_path, capsys):
    folder = tmp_path / "demo"
    assert run("demo", folder, "--customers", "800") == 0
    for name in ("orders.csv", "customers.csv", "segments.csv", "quality.json"):
        assert (folder / name).exists(), name
    customers = pd.read_csv(folder / "customers.csv", encoding="utf-8-sig")
    assert 500 < len(customers) <= 800
    assert customers.segment.nunique() >= 4


def test_the_installed_command_runs_as_a_process(tmp_path, orders_csv):
    out = tmp_path / "c.parquet"
    proc = subprocess.run(
        [sys.executable, "-m", "rfmkit", "score", str(orders_csv), "-o", str(out), "--lang", "en"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.exists()
    bad = subprocess.run(
        [sys.executable, "-m", "rfmkit", "score", str(tmp_path / "none.csv"), "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert "Error" in bad.stderr


def test_check_reports_quality_and_writes_rejects(tmp_path, capsys):
    source = tmp_path / "orders.csv"
    source.write_text(
        "customer_id,order_id,order_date,amount\n"
        "A,1,2024-01-05,10.00\n"
        ",2,2024-01-06,5.00\n"  # line 3: no customer
        "B,3,not a date,7.00\n"  # line 4: bad date
        "A,1,2024-01-05,10.00\n",  # line 5: exact duplicate of line 2
        encoding="utf-8",
    )
    report, rejects = tmp_path / "quality.json", tmp_path / "rejects.csv"
    code = run("check", source, "--quality-report", report, "--rejects", rejects, "--lang", "en")
    assert code == 0
    out = capsys.readouterr().out
    assert "Rows read: 4" in out and "used: 1" in out
    data = json.loads(report.read_text(encoding="utf-8"))
    counts = {r["rule"]: r["count"] for r in data["rules"]}
    assert counts["missing_customer"] == 1
    assert counts["unparsable_date"] == 1
    assert counts["duplicate"] == 1
    lines = pd.read_csv(rejects, encoding="utf-8-sig")
    assert sorted(lines.line.tolist()) == [3, 4, 5]


def test_score_strict_refuses_dirty_input(tmp_path, capsys):
    source = tmp_path / "orders.csv"
    source.write_text(
        "customer_id,order_date,amount\nA,2024-01-05,10\n,2024-01-06,5\n", encoding="utf-8"
    )
    out = tmp_path / "c.parquet"
    assert run("score", source, "-o", out, "--strict") == 2
    assert "missing_customer" in capsys.readouterr().err
    assert not out.exists()


def test_a_bad_output_is_refused_before_any_work(tmp_path, orders_csv, capsys):
    assert run("score", orders_csv, "-o", tmp_path / "customers.txt") == 4
    assert "Cannot write the output as .txt" in capsys.readouterr().err
    assert run("score", orders_csv, "-o", tmp_path / "missing" / "c.csv") == 4
    assert "does not exist" in capsys.readouterr().err
