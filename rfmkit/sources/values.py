"""Ibis expressions that turn raw cells into customer ids, dates and amounts.

Everything here builds expressions only: the parsing runs inside the engine
(DuckDB's ``TRY_CAST``, ``regexp_replace`` ...), never row by row in Python.
A value that cannot be parsed becomes NULL, and the caller records why.
Clean values take a fast path (one ``TRY_CAST``); the regular expressions
only run on the rows that need them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

import ibis
import ibis.expr.datatypes as dt
from ibis.expr.types import BooleanValue, DateValue, FloatingValue, StringValue, Value

from rfmkit.errors import ConfigError
from rfmkit.sources.options import MISSING_IDS

_BLANKS = "\\s\u00a0\u3000\ufeff"  # the characters themselves: RE2 has no \\u escapes
_SPACE = f"^[{_BLANKS}]+|[{_BLANKS}]+$"
_ID_WRAPPING = f'^[{_BLANKS}\'"=]+|[{_BLANKS}"]+$'
_WHOLE_FLOAT = r"^([0-9]+)\.0+$"
#: Text needing no cleaning: no blank at either end (one regex test, no copy).
_PLAIN_TEXT = f"^[^{_BLANKS}]$|^[^{_BLANKS}].*[^{_BLANKS}]$"
#: Ids needing no cleaning: no blank, dot, quote or ``=`` anywhere.
_PLAIN_ID = f"^[^{_BLANKS}.\"'=]+$"

_CURRENCY = r"(?:[¥￥$€£₩₹]|[A-Za-z]{1,3}\$|[A-Z]{3}|RMB|人民币|元)"
_AMOUNT = (
    r"^\(?\s*[-−+]?\s*"
    + _CURRENCY
    + r"?\s*[-−+]?\s*[0-9][0-9.,'’\s]*\s*"
    + _CURRENCY
    + r"?\s*[-−]?\s*\)?$"
)
_CURRENCY_TOKEN = r"([¥￥$€£₩₹]|RMB|\b[A-Z]{3}\b|人民币|元)"
#: Markers of one currency, reported by its ISO code ("$" stays: which dollar?).
CURRENCY_CODES = {
    "¥": "CNY",
    "￥": "CNY",
    "元": "CNY",
    "RMB": "CNY",
    "人民币": "CNY",
    "€": "EUR",
    "£": "GBP",
    "₩": "KRW",
    "₹": "INR",
}

_TIME_ZONE = (
    r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT|\s[A-Za-z]+/[A-Za-z_]+)$"
)
_YMD = r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})(?:\s*[日号])?(?:\s*T|\s+)?"
_DMY = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})"
_COMPACT = r"^(\d{4})(\d{2})(\d{2})$"
_SERIAL = r"^[1-9][0-9]{4}(\.[0-9]+)?$"
_EXCEL_EPOCH = date(1899, 12, 30)


_TS = dt.Timestamp()
_TSZ = dt.Timestamp(timezone="UTC")


@ibis.udf.scalar.builtin(name="timezone")
def _duckdb_timezone(zone: str, ts: _TSZ) -> _TS:  # type: ignore[valid-type]
    """DuckDB's ``timezone(zone, timestamptz)``: local time in ``zone``."""


@ibis.udf.scalar.builtin(name="from_utc_timestamp")
def _spark_timezone(ts: _TS, zone: str) -> _TS:  # type: ignore[valid-type]
    """Spark's ``from_utc_timestamp(ts, zone)``: local time in ``zone``."""


def clean_text(value: Value) -> StringValue:
    """``value`` as trimmed text; empty text becomes NULL.

    Text with no blank at either end (nearly all of it) is kept as it is,
    after one cheap test; trimming only runs on the rest.
    """
    text = value.cast("string")
    trimmed = text.strip()
    odd = trimmed.contains("\u00a0") | trimmed.contains("\u3000") | trimmed.contains("\ufeff")
    trimmed = ibis.ifelse(odd, trimmed.re_replace(_SPACE, ""), trimmed)
    return ibis.ifelse(text.re_search(_PLAIN_TEXT), text, trimmed.nullif(""))


#: Texts that stand for "no customer id" in exports (besides empty cells).


def missing_pattern(missing: Sequence[str]) -> str | None:
    """A regular expression matching the ``missing`` markers whole, in any case.

    A regular expression, not ``IN (...)``: DuckDB turns a list of constants
    into a join, and the rows of a parallel scan then lose their input order.
    """
    markers = sorted({m.strip() for m in missing if m.strip()}, key=len, reverse=True)
    if not markers:
        return None
    return "(?i)^(?:" + "|".join(re.escape(m) for m in markers) + ")$"


def is_plain(
    text: StringValue, field: str, *, missing: Sequence[str] = MISSING_IDS
) -> BooleanValue:
    """True where ``text`` needs no cleaning as a ``customer`` id or an ``order`` id.

    Exactly the test :func:`customer_id` and :func:`clean_text` use to keep a
    value as it is (NULL stays NULL, and counts as plain). A customer id that
    is one of the ``missing`` markers (``NULL``, ``N/A`` ...) is not plain.
    """
    if field != "customer":
        return text.isnull() | text.re_search(_PLAIN_TEXT)
    plain = text.re_search(_PLAIN_ID)
    pattern = missing_pattern(missing)
    if pattern:
        plain = plain & ~text.re_search(pattern)
    return text.isnull() | plain


def customer_id(value: Value, *, missing: Sequence[str] = MISSING_IDS) -> StringValue:
    """A customer id as trimmed text, ``1001.0`` read as ``1001``; empty → NULL.

    Quotes and ``=`` that spreadsheets wrap around ids (``="1001"``, ``'1001``)
    are removed too. The ``missing`` markers (``NULL``, ``N/A``, ``-`` ...,
    in any case) become NULL, like NaN, infinity
    and numbers too large to be an id (1e38 and beyond) in a number column.
    """
    kind = value.type()
    if kind.is_integer() or (kind.is_decimal() and kind.scale == 0):
        return value.cast("string")
    if kind.is_floating() or kind.is_decimal():
        return _float_id(value.cast("float64"))
    text = value.cast("string")
    trimmed = text.strip().re_replace(_ID_WRAPPING, "")
    whole = trimmed.re_extract(_WHOLE_FLOAT, 1)  # not a back-reference: see _groups
    fixed = ibis.ifelse(whole == "", trimmed, whole)
    result = ibis.ifelse(text.re_search(_PLAIN_ID), text, fixed.nullif(""))
    pattern = missing_pattern(missing)
    if pattern is None:
        return result
    return ibis.ifelse(result.re_search(pattern), ibis.null("string"), result)


#: Whole numbers below it are exact in int64; up to _MAX_ID_NUMBER, in DECIMAL(38, 0).
_INT64_LIMIT = 9.2e18
_MAX_ID_NUMBER = 1e38


def _is_whole(number: FloatingValue) -> BooleanValue:
    """True for whole numbers; not ``floor(x) = x``, which Ibis casts to int64 (overflow)."""
    return (number % 1) == 0


def _float_id(number: FloatingValue) -> StringValue:
    """A float id as text: ``1001.0`` as ``1001``, ``1e19`` as its 20 digits; NaN, inf → NULL."""
    size = number.abs()
    whole = _is_whole(number)
    return ibis.cases(
        (number.isnan() | (size >= _MAX_ID_NUMBER), ibis.null("string")),
        (whole & (size < _INT64_LIMIT), number.cast("int64").cast("string")),
        (whole, number.cast(dt.Decimal(38, 0)).cast("string")),
        else_=number.cast("string"),
    )


def amount(value: Value) -> FloatingValue:
    """An amount as float64: currency symbols and codes, thousands separators,
    decimal commas, parentheses and trailing minus for negatives; NaN and
    infinity, like anything else unreadable, become NULL."""
    kind = value.type()
    if kind.is_numeric() or kind.is_boolean():
        number = value.cast("float64")
    else:
        text = value.cast("string")
        number = ibis.coalesce(text.try_cast("float64"), _parse_amount_text(text))
    # Not isinf(): Ibis' Spark translation lets infinity through.
    bad = number.isnan() | (number.abs() == ibis.literal(float("inf")))
    return ibis.ifelse(bad, ibis.null("float64"), number)


def _parse_amount_text(text: StringValue) -> FloatingValue:
    valid = text.re_search(_AMOUNT)
    negative = text.contains("-") | text.contains("−") | text.re_search(r"^\s*\(")
    digits = text.re_replace(r"[^0-9.,]", "")
    european = digits.re_search(r",[0-9]*$") & ~digits.re_search(r"^[0-9]{1,3}(,[0-9]{3})+$")
    as_european = digits.re_replace(r"\.", "").re_replace(",", ".")
    plain = digits.re_replace(",", "")
    plain = ibis.ifelse(
        plain.re_search(r"^[0-9]{1,3}(\.[0-9]{3}){2,}$"), plain.re_replace(r"\.", ""), plain
    )
    number = ibis.ifelse(european, as_european, plain).try_cast("float64")
    signed = ibis.ifelse(negative, -number, number)
    return ibis.ifelse(valid, signed, ibis.null("float64"))


def currency(value: Value) -> StringValue:
    """The currency written in an amount cell as its code (``￥``, ``元``, ``RMB`` → ``CNY``), else NULL.

    Symbols and names of one currency share its ISO code (:data:`CURRENCY_CODES`),
    so a file mixing ``￥`` and ``元`` is in one currency; other codes stay as written.
    """
    if not value.type().is_string():
        return ibis.null("string")
    text = value.cast("string")
    found = text.re_extract(_CURRENCY_TOKEN, 1)
    code = found.substitute(CURRENCY_CODES, else_=found)
    plain = text.try_cast("float64").notnull() | text.isnull()
    return ibis.ifelse(plain | (found == ""), ibis.null("string"), code)


def whole_number(value: Value) -> Value:
    """A count (number of orders) as int64; fractions and negatives become NULL."""
    number = amount(value)
    ok = number.notnull() & _is_whole(number) & (number >= 0) & (number < _INT64_LIMIT)
    return ibis.ifelse(ok, number.cast("int64"), ibis.null("int64"))


def order_date(
    value: Value, *, timezone: str = "UTC", dayfirst: bool = False, engine: str = "duckdb"
) -> DateValue:
    """A date in the business ``timezone`` from a date, timestamp, number or text.

    Text may be ISO (``2024-01-05``, ``2024-01-05T13:05:00+08:00``),
    ``2024/1/5``, ``2024.01.05``, ``20240105``, ``2024年1月5日 13:05``,
    ``05/01/2024`` (month first unless ``dayfirst``) or an Excel serial
    number. Timestamps carrying a zone are converted to ``timezone`` before
    their date is taken; timestamps without a zone are taken as local time.
    """
    kind = value.type()
    if kind.is_date():
        return value
    if kind.is_timestamp():
        if kind.timezone is not None:
            return _to_zone(value, timezone, engine).date()
        return value.date()
    if kind.is_numeric():
        return _date_from_number(value.cast("float64"), engine)
    return _date_from_text(clean_text(value), timezone, dayfirst, engine)


def _groups(template: str, engine: str) -> str:
    """A replacement ``template`` written with ``\\1`` for ``engine``.

    DuckDB (RE2) writes back-references ``\\1``; Spark (Java) writes ``$1``
    and reads ``\\1`` as a plain ``1``.
    """
    return template if engine == "duckdb" else re.sub(r"\\(\d)", r"$\1", template)


def _to_zone(ts: Value, timezone: str, engine: str) -> Value:
    if engine == "duckdb":
        return _duckdb_timezone(timezone, ts)
    return _spark_timezone(ts, timezone)


def _date_from_number(number: FloatingValue, engine: str) -> DateValue:
    compact = (number >= 19000101) & (number <= 21001231) & _is_whole(number)
    as_text = number.cast("int64").cast("string").re_replace(_COMPACT, _groups(r"\1-\2-\3", engine))
    serial = (number >= 1) & (number < 200000)
    return ibis.cases(
        (compact, as_text.try_cast("date")),
        (serial, _serial_date(number)),
        else_=ibis.null("date"),
    )


def _serial_date(number: FloatingValue) -> DateValue:
    days = number.floor().cast("int32")
    return ibis.literal(_EXCEL_EPOCH) + days.as_interval("D")


def _date_from_text(text: StringValue, timezone: str, dayfirst: bool, engine: str) -> DateValue:
    zoned = text.re_search(_TIME_ZONE)
    normal = _normalize_date_text(text, dayfirst, engine)
    local = _strict_cast(normal, "timestamp", _ISO_TIMESTAMP, engine).date()
    instant = _to_zone(normal.try_cast(dt.Timestamp(timezone="UTC")), timezone, engine)
    serial = text.re_search(_SERIAL)
    plain = _strict_cast(text, "date", _ISO_DATE, engine)
    return ibis.cases(
        ((text.length() <= 10) & plain.notnull(), plain),
        (zoned, instant.date()),
        (serial, _serial_date(text.try_cast("float64"))),
        else_=ibis.coalesce(plain, local),
    )


#: What DuckDB's casts read as a date / a timestamp without zone (Spark reads more).
_ISO_DATE = r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$"
_ISO_TIMESTAMP = (
    r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?$"
)


def _strict_cast(text: StringValue, kind: str, pattern: str, engine: str) -> Value:
    """``text`` cast to ``kind``; on Spark only when it has the form DuckDB casts.

    Spark's casts also read ``2024`` and ``2024-03`` (as the 1st) and
    ``45296`` (as the year 45296), which DuckDB refuses.
    """
    cast = text.try_cast(kind)
    if engine == "duckdb":
        return cast
    return ibis.ifelse(text.re_search(pattern), cast, ibis.null(kind))


def _normalize_date_text(text: StringValue, dayfirst: bool, engine: str) -> StringValue:
    dmy = r"\3-\2-\1" if dayfirst else r"\3-\1-\2"
    cleaned = (
        text.re_replace(_YMD, _groups(r"\1-\2-\3 ", engine))
        .re_replace(_COMPACT, _groups(r"\1-\2-\3", engine))
        .re_replace(_DMY, _groups(dmy, engine))
        .re_replace(r"(\d)\s*[时點点:]\s*(\d{1,2})\s*分?", _groups(r"\1:\2", engine))
        .re_replace(r"(\d)秒", _groups(r"\1", engine))
        .re_replace(r"\s+$", "")
    )
    return cleaned


def is_blank(value: Value) -> BooleanValue:
    """True where ``value`` is NULL or only white space."""
    if not value.type().is_string():
        return value.isnull()
    return value.isnull() | (value.re_replace(_SPACE, "") == "")


def parse_day(text: str) -> date:
    """One date written the way the data may write it: ``2024-07-01``, ``2024/7/1``,
    ``2024年7月1日``, ``20240701`` ... (for ``--as-of`` and dates in settings).

    Read by the same expression as the dates of the data (:func:`order_date`),
    so a form accepted in a file is accepted here.

    Raises
    ------
    ConfigError
        When ``text`` is not a date.
    """
    value = None
    if text.strip():
        con = ibis.duckdb.connect()
        try:
            value = con.execute(order_date(ibis.literal(text.strip(), "string")))
        finally:
            con.disconnect()
    if value is None or value != value:  # NULL or NaT
        raise ConfigError(
            f"Cannot read the date {text!r}.",
            fix="Write it like 2024-07-01, 2024/7/1, 2024年7月1日 or 20240701.",
        )
    return date(value.year, value.month, value.day)
