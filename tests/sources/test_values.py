"""Parsing of ids, amounts and dates inside the engine, example- and property-based."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rfmkit.backend import connect
from rfmkit.sources import values

CON = connect()


def _run(column: list[object], parse) -> list[object]:  # type: ignore[no-untyped-def]
    table = ibis.memtable(pd.DataFrame({"v": pd.Series(column, dtype=object)}))
    result = CON.execute(table.select(out=parse(table.v)))["out"]
    return [None if pd.isna(x) else x for x in result]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.5", 1234.5),
        ("￥1,234.50", 1234.5),
        ("¥ 1,234.50", 1234.5),
        ("$1,234.50", 1234.5),
        ("€12", 12.0),
        ("£3.5", 3.5),
        ("12 EUR", 12.0),
        ("CNY 100", 100.0),
        ("RMB100", 100.0),
        ("100元", 100.0),
        ("(12.00)", -12.0),
        ("12.00-", -12.0),
        ("-￥12", -12.0),
        ("1.234,50", 1234.5),
        ("3,5", 3.5),
        ("1,234", 1234.0),
        ("1.234.567", 1234567.0),
        ("1 234,50", 1234.5),
        ("nan", None),
        ("inf", None),
        ("12abc", None),
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_amounts(text: str | None, expected: float | None) -> None:
    assert _run([text], values.amount) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-05", "2024-01-05"),
        ("2024/1/5", "2024-01-05"),
        ("2024.01.05", "2024-01-05"),
        ("20240105", "2024-01-05"),
        ("2024年1月5日 13:05", "2024-01-05"),
        ("2024年1月5日", "2024-01-05"),
        ("2024-01-05 23:59:59", "2024-01-05"),
        ("45296", "2024-01-05"),
        ("45296.75", "2024-01-05"),
        ("2024-01-05T23:30:00Z", "2024-01-06"),
        ("2024-01-05T13:05:00+08:00", "2024-01-05"),
        ("1/13/2024", "2024-01-13"),
        ("2024-02-30", None),
        ("soon", None),
        ("  ", None),
    ],
)
def test_dates_in_shanghai(text: str, expected: str | None) -> None:
    def parse(v):  # type: ignore[no-untyped-def]
        return values.order_date(v, timezone="Asia/Shanghai")

    got = _run([text], parse)
    assert [None if g is None else str(pd.Timestamp(g).date()) for g in got] == [expected]


def test_dayfirst() -> None:
    def parse(v):  # type: ignore[no-untyped-def]
        return values.order_date(v, dayfirst=True)

    assert [pd.Timestamp(d).date() for d in _run(["05/01/2024"], parse)] == [dt.date(2024, 1, 5)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" 1001 ", "1001"),
        ("1001.0", "1001"),
        ('="1001"', "1001"),
        ("'1001", "1001"),
        ("\t1002\t", "1002"),
        ("A1.0", "A1.0"),
        ("007", "007"),
        ("", None),
        (None, None),
    ],
)
def test_customer_ids(text: str | None, expected: str | None) -> None:
    assert _run([text], values.customer_id) == [expected]


def test_numeric_ids_and_dates() -> None:
    table = ibis.memtable({"f": [1001.0, 1002.5], "d": [45296.5, 20240105.0]})
    got = CON.execute(table.select(c=values.customer_id(table.f), d=values.order_date(table.d)))
    assert got.c.tolist() == ["1001", "1002.5"]
    assert [str(pd.Timestamp(x).date()) for x in got.d] == ["2024-01-05", "2024-01-05"]


def _format(value: float, symbol: str, thousands: bool, negative_style: str) -> str:
    text = f"{abs(value):,.2f}" if thousands else f"{abs(value):.2f}"
    text = symbol + text
    if value < 0:
        text = {"minus": "-" + text, "parens": f"({text})", "trailing": text + "-"}[negative_style]
    return text


@settings(max_examples=60, deadline=None)
@given(
    amounts=st.lists(
        st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
        min_size=1,
        max_size=20,
    ),
    symbol=st.sampled_from(["", "¥", "￥", "$", "€", "£"]),
    thousands=st.booleans(),
    negative_style=st.sampled_from(["minus", "parens", "trailing"]),
)
def test_formatted_amounts_round_trip(amounts, symbol, thousands, negative_style) -> None:  # type: ignore[no-untyped-def]
    numbers = [float(a) for a in amounts]
    texts = [_format(n, symbol, thousands, negative_style) for n in numbers]
    assert _run(texts, values.amount) == pytest.approx(numbers)


@settings(max_examples=60, deadline=None)
@given(
    days=st.lists(st.dates(dt.date(1950, 1, 1), dt.date(2100, 12, 31)), min_size=1, max_size=20),
    style=st.sampled_from(
        ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "{y}年{m}月{d}日", "%Y-%m-%dT%H:%M:%S"]
    ),
)
def test_formatted_dates_round_trip(days: list[dt.date], style: str) -> None:
    if "{" in style:
        texts = [style.format(y=d.year, m=d.month, d=d.day) for d in days]
    else:
        texts = [dt.datetime(d.year, d.month, d.day, 12).strftime(style) for d in days]
    got = _run(texts, values.order_date)
    assert [pd.Timestamp(g).date() for g in got] == days
