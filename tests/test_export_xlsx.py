"""Excel results: typed, formatted, frozen header, fitted widths, extra sheets."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from rfmkit.backend import as_table
from rfmkit.errors import OutputError
from rfmkit.export import Sheet, write_frame, write_table, write_workbook
from rfmkit.export import workbook as wb
from rfmkit.export.sheets import report_sheets
from rfmkit.verbs.score import score
from tests.helpers import d

CUSTOMERS = pd.DataFrame(
    {
        "customer_id": ["C2", "C1", "重要客户-长名字"],
        "frequency": [1234, 2, 3],
        "monetary": [1234567.891, 86.10000000000001, -5.0],
        "last_purchase": [d("2024-01-02"), d("2024-02-03"), None],
        "segment_label": ["重要价值", "new", "lost"],
        "p_alive": [0.5, float("nan"), 0.25],
    }
)


@pytest.fixture
def sheet(tmp_path, con):
    target = tmp_path / "c.xlsx"
    write_table(as_table(CUSTOMERS, con), target)
    return openpyxl.load_workbook(target)["customers"]


def test_cells_are_typed_and_formatted(sheet):
    assert [c.value for c in sheet[1]] == list(CUSTOMERS.columns)
    assert all(c.font.b for c in sheet[1])
    row = sheet[2]  # sorted by customer id: C1 first
    assert row[0].value == "C1"
    assert (row[1].value, row[1].number_format) == (2, "#,##0")
    assert (row[2].value, row[2].number_format) == (86.1, "#,##0.00")
    assert row[3].value == dt.datetime(2024, 2, 3)
    assert row[3].number_format == "yyyy-mm-dd"  # a date, not 2024-02-03 00:00:00
    assert row[5].value is None  # NaN: an empty cell
    assert sheet["C3"].value == 1234567.89
    assert sheet["D4"].value is None


def test_header_frozen_and_widths_fit(sheet):
    assert sheet.freeze_panes == "A2"
    widths = {k: v.width for k, v in sheet.column_dimensions.items()}
    # the id column fits 7 wide Chinese characters and a hyphen, plus a margin
    assert widths["A"] >= 7 * 2 + 1 + 2
    assert all(8 <= w <= 51 for w in widths.values())


def test_extra_sheets_of_a_scoring_run(tmp_path, con):
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "d"],
            "order_date": ["2024-01-01", "2024-02-01", "2024-01-15", "2024-02-20", "2024-03-01"],
            "amount": [10.0, 20.0, 5.5, 7.25, 100.0],
        }
    )
    result = score(frame, as_of="2024-04-01", con=con, lang="en")
    target = tmp_path / "result.xlsx"
    sheets = report_sheets(result.summary, result.breakpoints, result.quality)
    write_table(result.customers, target, sheets=sheets)
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["customers", "segments", "breakpoints", "data_quality"]
    assert book["customers"].max_row == 5
    segments = book["segments"]
    assert [c.value for c in segments[1]][:3] == ["segment", "segment_label", "customers"]
    assert segments.max_row == len(result.summary) + 1
    header = [c.value for c in segments[1]]
    revenue = [r[header.index("revenue")] for r in segments.iter_rows(min_row=2)]
    assert sum(c.value for c in revenue) == pytest.approx(142.75)
    assert {c.number_format for c in revenue} == {"#,##0.00"}
    quality = list(book["data_quality"].iter_rows(min_row=2, max_row=2, values_only=True))
    assert quality[0][:4] == ("rows_read", "", "rows read", 5)
    assert book["breakpoints"].max_row == 1 + 3 * 5


def test_the_summary_alone_keeps_the_scheme_order(tmp_path):
    summary = pd.DataFrame({"segment": ["z", "a"], "customers": [1, 2], "revenue": [0.1 + 0.2, 3]})
    write_frame(summary, tmp_path / "s.csv")
    text = (tmp_path / "s.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines() == ['"segment","customers","revenue"', '"z",1,0.30', '"a",2,3.00']
    write_frame(summary, tmp_path / "s.xlsx")
    assert openpyxl.load_workbook(tmp_path / "s.xlsx").sheetnames == ["summary"]


def test_write_workbook_takes_name_and_table_pairs(tmp_path):
    target = write_workbook(
        tmp_path / "b.xlsx",
        [("a/b:c", CUSTOMERS), Sheet("second", CUSTOMERS.head(1), order_by=None)],
    )
    assert openpyxl.load_workbook(target).sheetnames == ["a_b_c", "second"]
    with pytest.raises(OutputError, match=r"written as \.xlsx"):
        write_workbook(tmp_path / "b.csv", [("a", CUSTOMERS)])


def test_too_many_rows_for_a_sheet_fail_and_leave_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(wb, "EXCEL_MAX_ROWS", 2)
    with pytest.raises(OutputError, match="do not fit in an Excel sheet"):
        write_table(CUSTOMERS, tmp_path / "c.xlsx")
    assert list(tmp_path.iterdir()) == []
