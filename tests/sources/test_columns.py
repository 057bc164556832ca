"""Column detection from English and Chinese headers."""

from __future__ import annotations

import pytest

from rfmkit.errors import ColumnNotFoundError
from rfmkit.sources.columns import find_header_row, normalize_header, resolve


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            ["客户ID", "下单时间", "金额"],
            {"customer": "客户ID", "date": "下单时间", "amount": "金额"},
        ),
        (
            ["客户编号", "订单日期", "订单金额", "订单号"],
            {"customer": "客户编号", "date": "订单日期", "amount": "订单金额", "order": "订单号"},
        ),
        (
            ["会员ID", "交易日期", "实付金额"],
            {"customer": "会员ID", "date": "交易日期", "amount": "实付金额"},
        ),
        (
            ["用户ID", "支付时间", "销售额", "订单编号"],
            {"customer": "用户ID", "date": "支付时间", "amount": "销售额", "order": "订单编号"},
        ),
        (
            ["Customer ID", "Order Date", "Order Amount"],
            {"customer": "Customer ID", "date": "Order Date", "amount": "Order Amount"},
        ),
        (
            ["member_id", "InvoiceDate", "Quantity", "UnitPrice", "InvoiceNo"],
            {
                "customer": "member_id",
                "date": "InvoiceDate",
                "quantity": "Quantity",
                "price": "UnitPrice",
                "order": "InvoiceNo",
            },
        ),
        (
            ["客户ID", "下单时间", "实付金额(元)"],
            {"customer": "客户ID", "date": "下单时间", "amount": "实付金额(元)"},
        ),
    ],
)
def test_detects_columns(headers: list[str], expected: dict[str, str]) -> None:
    found = resolve(headers, {})
    assert found.level == "transactions"
    assert found.fields == expected


def test_customer_level_detected() -> None:
    found = resolve(["客户ID", "最近购买日期", "购买次数", "累计消费金额"], {})
    assert found.level == "customers"
    assert found.fields == {
        "customer": "客户ID",
        "last_purchase": "最近购买日期",
        "frequency": "购买次数",
        "monetary": "累计消费金额",
    }


def test_mapping_wins() -> None:
    found = resolve(["id", "date", "amount", "cust"], {"customer": "cust"})
    assert found.fields["customer"] == "cust"


def test_missing_column_error_has_candidates() -> None:
    with pytest.raises(ColumnNotFoundError) as info:
        resolve(["cust_name", "order_date", "amount"], {}, file="a.csv")
    assert info.value.details["found"] == ["cust_name", "order_date", "amount"]
    assert info.value.details["candidates"][0] == "cust_name"
    assert info.value.location.file == "a.csv"


def test_normalize_and_header_row() -> None:
    assert normalize_header(" Order  Amount (元) ") == "orderamount"
    rows = [["订单导出"], [], ["客户ID", "订单日期", "金额"], ["1", "2024-01-01", "3"]]
    assert find_header_row(rows, {}) == 2
