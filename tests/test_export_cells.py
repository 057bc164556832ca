"""Cells that are safe to open in a spreadsheet: no formula, no split record, no NaN."""

from __future__ import annotations

import csv
import json

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rfmkit.backend import as_table
from rfmkit.export import write_table
from rfmkit.export.cells import neutralise
from rfmkit.quality import write_rejects

RISKY = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "ok", "a=b"]


def _read_csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_csv_text_cells_that_start_like_a_formula_get_a_quote(tmp_path):
    frame = pd.DataFrame({"customer_id": RISKY, "monetary": [-5.0] * len(RISKY)})
    target = tmp_path / "c.csv"
    write_table(frame, target, order_by=None)
    rows = _read_csv(target)
    assert [r[0] for r in rows[1:]] == [
        '\'=HYPERLINK("http://x")',
        "'+1+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\tTAB",
        "'\rCR",
        "ok",
        "a=b",
    ]
    assert {r[1] for r in rows[1:]} == {"-5.00"}  # a negative amount is a number, not a formula


def test_raw_cells_writes_text_as_it_is(tmp_path):
    target = tmp_path / "c.csv"
    write_table(pd.DataFrame({"customer_id": RISKY}), target, order_by=None, raw_cells=True)
    assert [r[0] for r in _read_csv(target)[1:]] == RISKY


def test_rejects_neutralise_raw_cells_and_file_names_and_quote_cr(tmp_path, con):
    rejects = pd.DataFrame(
        {
            "source": ["orders"],
            "file": ["=cmd|' /C calc'!A0.csv"],
            "line": [7],
            "reason": ["unparsable_amount"],
            "customer": ["a\rb"],
            "date": ["2024-01-01"],
            "amount": ["=1+1"],
        }
    )
    target = tmp_path / "rejects.csv"
    assert write_rejects(as_table(rejects, con), target) == 1
    rows = _read_csv(target)
    assert len(rows) == 2  # the bare CR did not split the record
    assert rows[1] == [
        "orders",
        "'=cmd|' /C calc'!A0.csv",
        "7",
        "unparsable_amount",
        "a\rb",
        "2024-01-01",
        "'=1+1",
    ]
    write_rejects(rejects, target, raw_cells=True)
    assert _read_csv(target)[1][6] == "=1+1"


def test_xlsx_cells_are_strings_never_formulas(tmp_path):
    frame = pd.DataFrame({"customer_id": [*RISKY, "A\x0bB"], "monetary": range(len(RISKY) + 1)})
    target = tmp_path / "c.xlsx"
    write_table(frame, target, order_by=None)
    sheet = openpyxl.load_workbook(target).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    ids = [c.value for c in sheet["A"][1:]]
    # the value is kept; Excel's quote prefix keeps it text when edited
    assert ids[:4] == RISKY[:4]
    assert [c.quotePrefix for c in sheet["A"][1:]] == [True] * 6 + [False] * 3
    # a control character is written in the OOXML escape instead of failing
    assert ids[-1] == "A_x000B_B"


def test_xlsx_raw_cells_has_no_quote_prefix(tmp_path):
    target = tmp_path / "c.xlsx"
    write_table(pd.DataFrame({"customer_id": RISKY}), target, order_by=None, raw_cells=True)
    sheet = openpyxl.load_workbook(target).active
    assert not any(c.quotePrefix for c in sheet["A"])
    assert all(c.data_type == "s" for c in sheet["A"])


def test_json_has_no_nan_and_iso_dates(tmp_path, con):
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "p_alive": [float("nan"), float("inf")],
            "last_purchase": pd.to_datetime(["2024-01-02", "2024-03-04"]).date,
            "monetary": [86.10000000000001, float("nan")],
        }
    )
    target = tmp_path / "c.json"
    write_table(as_table(frame, con), target)
    text = target.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == [
        {"customer_id": "a", "p_alive": None, "last_purchase": "2024-01-02", "monetary": 86.1},
        {"customer_id": "b", "p_alive": None, "last_purchase": "2024-03-04", "monetary": None},
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=6), min_size=1, max_size=20))
def test_neutralised_text_never_starts_like_a_formula(values):
    out = neutralise(pa.array(values, pa.string())).to_pylist()
    for before, after in zip(values, out, strict=True):
        assert not after.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert after in (before, "'" + before)


def test_csv_round_trips_any_text(tmp_path):
    values = ["line\nbreak", 'quote "x"', "comma, here", "cr\r\nlf", "中文"]
    target = tmp_path / "c.csv"
    write_table(pd.DataFrame({"customer_id": values}), target, order_by=None)
    assert [r[0] for r in _read_csv(target)[1:]] == values


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_numbers_stay_numbers(tmp_path, suffix):
    frame = pd.DataFrame({"customer_id": ["a"], "frequency": [-3], "monetary": [-12.5]})
    target = tmp_path / f"c{suffix}"
    write_table(frame, target)
    if suffix == ".csv":
        assert _read_csv(target)[1] == ["a", "-3", "-12.50"]
    else:
        row = next(openpyxl.load_workbook(target).active.iter_rows(min_row=2, values_only=True))
        assert row == ("a", -3, -12.5)
