"""Workbooks: every sheet with orders is read, hidden sheets and formulas are reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from rfmkit.errors import InputError
from rfmkit.sources.excel import OLE_SIGNATURE

AS_OF = dt.date(2024, 7, 1)


def _book(path: Path, sheets: dict[str, list[list[object]]], hidden: tuple[str, ...] = ()) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if name in hidden:
            sheet.sheet_state = "hidden"
    book.save(path)
    return path


Q1 = [["客户ID", "下单时间", "实付金额"], ["c1", "2024-01-05", 10], ["c2", "不是日期", 5]]
Q2 = [
    ["季度二订单"],
    ["会员ID", "下单时间", "实付金额"],
    ["c1", "2024/4/5", 20],
    ["c3", "2024年5月5日", 30],
    ["c4", "2024-05-06", "abc"],
]
NOTES = [["说明"], ["本表由系统导出"]]


def test_every_sheet_with_orders_is_read(load, tmp_path: Path) -> None:
    path = _book(tmp_path / "orders.xlsx", {"说明": NOTES, "Q1": Q1, "Q2": Q2})
    loaded = load(path, as_of=AS_OF)
    got = loaded.transactions.to_pandas().sort_values(["source", "customer_id"])
    assert got[["source", "customer_id", "amount"]].values.tolist() == [
        ["orders#Q1", "c1", 10.0],
        ["orders#Q2", "c1", 20.0],
        ["orders#Q2", "c3", 30.0],
    ]
    rejects = loaded.rejects().to_pandas().sort_values("source")
    assert rejects[["source", "line", "reason"]].values.tolist() == [
        ["orders#Q1", 3, "unparsable_date"],
        ["orders#Q2", 5, "unparsable_amount"],  # title line 1, header line 2
    ]
    detected = loaded.quality.sources[0].detected
    assert detected["sheets"] == {
        "说明": "skipped: no customer, date and amount columns",
        "Q1": "read",
        "Q2": "read",
    }
    only = load(path, as_of=AS_OF, sheet="Q2")
    assert only.quality.rows_read == 3
    assert set(only.transactions.to_pandas().source) == {"orders"}
    assert only.quality.sources[0].detected["sheets"]["Q1"].startswith("not read")


def test_hidden_sheets_are_reported_not_read(load, tmp_path: Path) -> None:
    path = _book(tmp_path / "h.xlsx", {"Q1": Q1, "Q2": Q2}, hidden=("Q2",))
    loaded = load(path, as_of=AS_OF)
    assert loaded.quality.rows_read == 2
    assert loaded.quality.sources[0].detected["sheets"]["Q2"].startswith("hidden: not read")
    named = load(path, as_of=AS_OF, sheet="Q2")
    assert named.quality.rows_read == 3
    assert named.quality.sources[0].detected["sheets"]["Q2"] == (
        "read (hidden sheet, named with --sheet)"
    )
    only_hidden = _book(tmp_path / "oh.xlsx", {"说明": NOTES, "订单": Q1}, hidden=("订单",))
    with pytest.raises(InputError, match="hidden sheet '订单'") as info:
        load(only_hidden, as_of=AS_OF)
    assert "--sheet" in str(info.value.fix)


def test_formulas_without_saved_values_are_named(load, tmp_path: Path) -> None:
    rows = [["customer_id", "order_date", "amount"], ["c1", "2024-01-05", "=5+5"]]
    rows.append(["c2", "2024-01-06", "=B2*2"])
    path = _book(tmp_path / "f.xlsx", {"orders": rows})
    with pytest.raises(InputError, match="'amount' of sheet 'orders' holds formulas") as info:
        load(path, as_of=AS_OF)
    assert "save it" in str(info.value.fix)


def test_compound_files_are_named(load, tmp_path: Path) -> None:
    padding = b"\x00" * 504
    encrypted = tmp_path / "locked.xlsx"
    encrypted.write_bytes(OLE_SIGNATURE + padding + "EncryptedPackage".encode("utf-16-le"))
    with pytest.raises(InputError, match="password-protected"):
        load(encrypted, as_of=AS_OF)
    old = tmp_path / "old.xlsx"
    old.write_bytes(OLE_SIGNATURE + padding + "Workbook".encode("utf-16-le"))
    with pytest.raises(InputError, match=r"old Excel \.xls") as info:
        load(old, as_of=AS_OF)
    assert "save it as .xlsx" in str(info.value.fix)
