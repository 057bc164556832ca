"""Parsing of ids, amounts and dates inside the engine, example- and property-based."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rfmkit.backend import connect
from rfmkit.errors import ConfigError
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
    assert _run(texts, values.amount) == pytest.approx(numbers, rel=0, abs=0.001)  # to the cent


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


@pytest.mark.parametrize("text", ["NULL", "N/A", "None", "-", "null", "nan", "#N/A", "NaN", "n/a"])
def test_missing_id_markers(text: str) -> None:
    assert _run([text, f" {text} ", "A1"], values.customer_id) == [None, None, "A1"]
    table = ibis.memtable({"v": [text, "A1"]})
    plain = CON.execute(table.select(p=values.is_plain(table.v, "customer")))["p"].tolist()
    assert plain == [False, True]  # a trusted id column holding it gets cleaned


def test_missing_id_markers_are_configurable() -> None:
    def parse(v):  # type: ignore[no-untyped-def]
        return values.customer_id(v, missing=["UNKNOWN", "0"])

    assert _run(["unknown", "0", "NULL", "007"], parse) == [None, None, "NULL", "007"]
    assert _run(["NULL", ""], lambda v: values.customer_id(v, missing=[])) == ["NULL", None]


def test_float_ids_never_overflow() -> None:
    column = [1001.0, 1002.5, float("nan"), float("inf"), 1e19, 9.3e18, -5.0, 1e40]
    table = ibis.memtable(pd.DataFrame({"f": column}))
    got = CON.execute(table.select(c=values.customer_id(table.f)))["c"]
    assert [None if pd.isna(x) else x for x in got] == [
        "1001",
        "1002.5",
        None,
        None,
        "10000000000000000000",
        "9300000000000000000",
        "-5",
        None,
    ]
    counts = CON.execute(table.select(n=values.whole_number(table.f)))["n"]
    assert [None if pd.isna(x) else int(x) for x in counts] == [1001] + [None] * 7


def test_yuan_markers_are_one_currency() -> None:
    texts = ["￥1", "¥2", "3元", "RMB4", "CNY 5", "人民币6", "$7", "€8", "9 EUR", "10"]
    assert _run(texts, values.currency) == ["CNY"] * 6 + ["$", "EUR", "EUR", None]
    assert _run(["人民币6"], values.amount) == [6.0]


@pytest.mark.parametrize(
    "text", ["2024-07-01", "2024/07/01", "2024/7/1", "2024年7月1日", "20240701", " 2024.7.1 "]
)
def test_parse_day(text: str) -> None:
    assert values.parse_day(text) == dt.date(2024, 7, 1)


@pytest.mark.parametrize("text", ["2024-02-30", "soon", "", "7/1", "2024"])
def test_parse_day_refuses(text: str) -> None:
    with pytest.raises(ConfigError, match="Cannot read the date"):
        values.parse_day(text)
