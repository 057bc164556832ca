"""Hypothesis: messy CSV and JSON exports never crash rfmkit and never count a row twice.

Each example builds a file from rows of two kinds: *well-formed* rows (a
customer, an ISO date, an amount in cents; ids that look like formulas, CJK
names, quoted cells with commas, quotes and line breaks) whose amounts are
summed here independently, and *hostile* rows that must never be used
(placeholder ids, impossible or implausible dates, NaN/inf/1e308 amounts,
lines in another encoding, a field too many), mixed with blank lines, BOMs
and CRLF line ends. Whatever the file, only an :class:`RfmError` may escape;
when it loads, every row read is used or taken by exactly one rule, and the
used amounts add up to the well-formed ones.

CI runs a fixed, derandomized set of examples (``derandomize=True``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rfmkit
from rfmkit.backend import connect
from rfmkit.errors import RfmError
from rfmkit.sources import Loaded, LoadOptions, load_transactions
from tests.sources.conftest import TODAY

HEADER = ["customer_id", "order_id", "order_date", "amount", "note"]
GOOD_IDS = ["c1", "1001", "00042", "张三", "=1+2", "+8613800000000", "@sum", "-5", "O'Brien"]
GOOD_DATES = ["2023-01-31", "2023-12-01", "2024-02-29", "2024-06-30 18:30:00"]
NOTES = [
    "",
    "plain",
    "a, b",
    'say "hi"',
    "two\nlines",
    "three\r\nlines\nhere",
    "=cmd|' /C calc'!A0",
]
BAD_IDS = ["", "NULL", "N/A", "None", "-"]
BAD_DATES = ["0001-01-01", "1900-01-01", "9999-12-31", "12345-01-01", "2024-02-30", "soon", ""]
BAD_AMOUNTS = ["NaN", "nan", "inf", "-Infinity", "1e308", "1e309", "abc", ""]

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class Corpus:
    """One generated file: its bytes and what loading it must give."""

    rows: list[list[str]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # good, bad, gbk, extra
    cents: list[int] = field(default_factory=list)  # per row (0 for hostile rows)


@st.composite
def good_rows(draw: st.DrawFn, number: int) -> tuple[list[str], int]:
    cents = draw(st.integers(-50_000, 10_000_000))
    text = f"{Decimal(cents) / 100:.2f}"
    amount = draw(st.sampled_from([text, f"￥{text}", f" {text} "]))
    row = [
        draw(st.sampled_from(GOOD_IDS)),
        f"o{number}",  # unique: no row is an exact duplicate of another
        draw(st.sampled_from(GOOD_DATES)),
        amount,
        draw(st.sampled_from(NOTES)),
    ]
    return row, cents


@st.composite
def bad_rows(draw: st.DrawFn, number: int) -> list[str]:
    which = draw(st.sampled_from(["id", "date", "amount"]))
    return [
        draw(st.sampled_from(BAD_IDS)) if which == "id" else "c9",
        f"o{number}",
        draw(st.sampled_from(BAD_DATES)) if which == "date" else "2024-01-02",
        draw(st.sampled_from(BAD_AMOUNTS)) if which == "amount" else "5.00",
        "",
    ]


@st.composite
def corpora(draw: st.DrawFn) -> Corpus:
    corpus = Corpus()
    kinds = draw(
        st.lists(
            st.sampled_from(["good"] * 6 + ["bad"] * 3 + ["gbk", "extra", "blank"]),
            min_size=1,
            max_size=25,
        )
    )
    for number, kind in enumerate(kinds):
        if kind == "blank":
            continue
        if kind == "bad":
            corpus.rows.append(draw(bad_rows(number)))
            corpus.cents.append(0)
        else:
            row, cents = draw(good_rows(number))
            if kind == "gbk":
                row[0] = "李四"  # written in GBK inside a UTF-8 file
            corpus.rows.append([*row, "spill"] if kind == "extra" else row)
            corpus.cents.append(cents)
        corpus.kinds.append(kind)
    return corpus


def _csv_cell(text: str, quote_all: bool) -> str:
    if quote_all or any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_bytes(corpus: Corpus, *, quote_all: bool, crlf: bool, bom: bool, blank: bool) -> bytes:
    end = "\r\n" if crlf else "\n"
    lines = [",".join(HEADER).encode()]
    for row, kind in zip(corpus.rows, corpus.kinds, strict=True):
        text = ",".join(_csv_cell(cell, quote_all) for cell in row)
        lines.append(text.encode("gb18030" if kind == "gbk" else "utf-8"))
        if blank:
            lines.append(b"")
    return (b"\xef\xbb\xbf" if bom else b"") + end.encode().join(lines) + end.encode()


def json_bytes(corpus: Corpus, *, numbers: bool) -> bytes:
    records = []
    for row, kind in zip(corpus.rows, corpus.kinds, strict=True):
        record: dict[str, object] = dict(zip(HEADER, row, strict=False))
        amount = str(row[3]).strip()
        if numbers and kind == "good" and amount[0] != "￥":
            record["amount"] = float(amount)  # numbers and strings in one file
        records.append(record)
    return json.dumps(records, ensure_ascii=False).encode()


def counted_rows(corpus: Corpus, loaded: Loaded) -> list[tuple[str, int]]:
    """(customer, cents) of the well-formed rows, as rfmkit must read them.

    In a CSV read as UTF-8 the ``gbk`` rows are quarantined, in one read as
    GBK they are well-formed; JSON has one encoding and keeps an extra key
    without harm, so there ``gbk`` and ``extra`` rows are well-formed too.
    """
    source = loaded.quality.sources[0]
    counted = {"good"}
    if source.kind == "json":
        counted |= {"gbk", "extra"}
    elif source.detected.get("encoding") == "gb18030":
        counted.add("gbk")
    return [
        (row[0], cents)
        for row, cents, kind in zip(corpus.rows, corpus.cents, corpus.kinds, strict=True)
        if kind in counted
    ]


def expected_cents(corpus: Corpus, loaded: Loaded) -> int:
    return sum(cents for _, cents in counted_rows(corpus, loaded))


def expected_monetary(corpus: Corpus, loaded: Loaded) -> int:
    """Cents of the customers with some order of positive amount (the others are unscored)."""
    rows = counted_rows(corpus, loaded)
    scored = {customer for customer, cents in rows if cents > 0}
    return sum(cents for customer, cents in rows if customer in scored)


def check(path: Path, corpus: Corpus) -> None:
    """Load ``path``: only an RfmError may escape; counts and amounts add up."""
    con = connect()
    try:
        loaded = load_transactions(path, con=con, options=LoadOptions(today=TODAY))
    except RfmError as error:
        assert error.message
        con.disconnect()
        return
    try:
        q = loaded.quality
        taken = sum(r.count for r in q.rules if r.action != "info")
        assert q.rows_read == q.rows_used + taken, q.summary()
        assert q.rows_read == len(corpus.rows), q.summary()
        frame = loaded.transactions.to_pandas()
        used = round(float(frame.amount.sum()) * 100) if len(frame) else 0
        assert used == expected_cents(corpus, loaded), q.summary()
        names = {customer for customer, _ in counted_rows(corpus, loaded)}
        if "张三" in names:  # UTF-8 text is never decoded as GBK (张三 as 寮犱笁)
            assert "张三" in set(frame.customer_id), q.summary()
    finally:
        con.disconnect()


@SETTINGS
@given(
    corpus=corpora(),
    quote_all=st.booleans(),
    crlf=st.booleans(),
    bom=st.booleans(),
    blank=st.booleans(),
)
def test_messy_csv(
    tmp_path: Path, corpus: Corpus, quote_all: bool, crlf: bool, bom: bool, blank: bool
) -> None:
    path = tmp_path / "messy.csv"
    path.write_bytes(csv_bytes(corpus, quote_all=quote_all, crlf=crlf, bom=bom, blank=blank))
    check(path, corpus)


@settings(SETTINGS, max_examples=25)  # the JSON reader costs about 0.7 s a file
@given(corpus=corpora(), numbers=st.booleans())
def test_messy_json(tmp_path: Path, corpus: Corpus, numbers: bool) -> None:
    path = tmp_path / "messy.json"
    path.write_bytes(json_bytes(corpus, numbers=numbers))
    check(path, corpus)


@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(corpus=corpora(), quote_all=st.booleans())
def test_messy_csv_scored(tmp_path: Path, corpus: Corpus, quote_all: bool) -> None:
    """Through :func:`rfmkit.score`: only RfmError escapes; monetary sums the used amounts."""
    path = tmp_path / "messy.csv"
    path.write_bytes(csv_bytes(corpus, quote_all=quote_all, crlf=False, bom=False, blank=False))
    try:
        result = rfmkit.score(path, as_of="2025-01-01", today="2025-01-01")
    except RfmError as error:
        assert error.message
        return
    frame = result.customers.to_pandas()
    total = round(float(frame.monetary.sum()) * 100)
    assert total == expected_monetary(corpus, result.loaded)


@pytest.mark.parametrize("name", ["gbk_line.csv", "extra_field.csv", "formula_ids.csv"])
def test_hand_written_corpus_file(tmp_path: Path, name: str) -> None:
    """A few fixed members of the corpus, so a failure has a readable reproduction."""
    corpus = Corpus()
    base = [["c1", "o1", "2024-01-05", "10.00", ""], ["张三", "o2", "2024-01-06", "5.50", "a\nb"]]
    corpus.rows, corpus.kinds, corpus.cents = base, ["good", "good"], [1000, 550]
    if name == "gbk_line.csv":
        corpus.rows.append(["李四", "o3", "2024-01-07", "7.00", ""])
        corpus.kinds.append("gbk")
        corpus.cents.append(700)
    if name == "extra_field.csv":
        corpus.rows.append(["c2", "o3", "2024-01-07", "1", "234", "x"])
        corpus.kinds.append("extra")
        corpus.cents.append(100)
    if name == "formula_ids.csv":
        corpus.rows.append(["=1+2", "o3", "2024-01-07", "￥7.00", "=cmd"])
        corpus.kinds.append("good")
        corpus.cents.append(700)
    path = tmp_path / name
    path.write_bytes(csv_bytes(corpus, quote_all=False, crlf=False, bom=False, blank=False))
    check(path, corpus)
