"""Turn raw sources into one classified *stage* table, materialised once.

Every row of every source gets its canonical values and, in the same pass,
a ``_reason`` (NULL for a row that is used, else the name of the rule that
left it out). The stage is a temporary table on DuckDB, so the transactions,
the data-quality report and the rejects are all read from it without parsing
the input again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import ibis
from ibis.backends import BaseBackend

from rfmkit.backend import engine_name
from rfmkit.errors import InputError, RfmError
from rfmkit.sources import values
from rfmkit.sources.base import RawSource
from rfmkit.sources.columns import ColumnMap

#: The rules that leave a row out, in the order they are tested.
ROW_RULES = (
    "missing_customer",
    "unparsable_date",
    "unparsable_amount",
    "excluded_customer",
    "after_as_of",
    "future_date",
    "outlier",
)
#: Rules decided after the stage exists (they compare rows with each other).
TABLE_RULES = ("duplicate",)


@dataclass(frozen=True)
class Rules:
    """The cleaning policy, resolved for one run."""

    as_of: date | None
    today: date
    timezone: str = "UTC"
    dayfirst: bool = False
    exclude_customers: str | None = None
    exclude_future: bool = True
    max_amount: float | None = None
    drop_duplicates: bool = True
    outlier_iqr: float | None = None


def classify(
    raw: RawSource, columns: ColumnMap, index: int, rules: Rules, engine: str
) -> ibis.Table:
    """The canonical, classified rows of one source (an expression, not run yet).

    Two steps: parse every value once, then classify the parsed values (so
    the engine does not parse a cell again for each rule that looks at it).
    """
    t = raw.table
    raw_text = {
        f"_raw_{name}": _raw_text(t, columns, field) for name, field in _RAW_FIELDS[columns.level]
    }
    data_columns = [c for c in t.columns if c != "_line"]
    row_hash = ibis.struct({f"c{i}": t[c] for i, c in enumerate(data_columns)}).hash()
    line = t["_line"].cast("int64") if "_line" in t.columns else ibis.null("int64")
    extra = {"_rowid": ibis.row_number().cast("int64")} if engine != "duckdb" else {}
    parsed = t.select(
        _src=ibis.literal(index, "int32"),
        _line=line,
        _hash=row_hash,
        **_parse(t, columns, rules, engine, raw.name),
        **raw_text,
        **extra,
    )
    reason = _reason(parsed, columns.level, rules)
    kept = {name: ibis.ifelse(reason.notnull(), parsed[name], None) for name in raw_text}
    return parsed.mutate(_reason=reason, **kept).relocate(*raw_text, after="_reason")


_RAW_FIELDS = {
    "transactions": (("customer", "customer"), ("date", "date"), ("amount", "amount")),
    "customers": (
        ("customer", "customer"),
        ("date", "last_purchase"),
        ("amount", "monetary"),
        ("frequency", "frequency"),
    ),
}


def _raw_text(t: ibis.Table, columns: ColumnMap, field: str) -> ibis.Value:
    if field == "amount" and columns.get("amount") is None:
        qty, price = t[columns.fields["quantity"]], t[columns.fields["price"]]
        return qty.cast("string").concat(" × ", price.cast("string"))
    return t[columns.fields[field]].cast("string")


def _parse(
    t: ibis.Table, columns: ColumnMap, rules: Rules, engine: str, name: str
) -> dict[str, ibis.Value]:
    f = columns.fields

    def to_date(name: str) -> ibis.Value:
        return values.order_date(
            t[f[name]], timezone=rules.timezone, dayfirst=rules.dayfirst, engine=engine
        )

    source = ibis.literal(name)
    if "source" in f:
        source = ibis.coalesce(values.clean_text(t[f["source"]]), source)
    customer = values.customer_id(t[f["customer"]])
    if columns.level == "customers":
        first = to_date("first_purchase") if "first_purchase" in f else ibis.null("date")
        return {
            "customer_id": customer,
            "order_date": to_date("last_purchase"),
            "amount": values.amount(t[f["monetary"]]),
            "frequency": values.whole_number(t[f["frequency"]]),
            "first_purchase": first,
            "source": source,
            "_currency": values.currency(t[f["monetary"]]),
        }
    if "amount" in f:
        amount = values.amount(t[f["amount"]])
        currency = values.currency(t[f["amount"]])
    else:
        amount = values.amount(t[f["quantity"]]) * values.amount(t[f["price"]])
        currency = values.currency(t[f["price"]])
    order = values.clean_text(t[f["order"]]) if "order" in f else ibis.null("string")
    return {
        "customer_id": customer,
        "order_date": to_date("date"),
        "amount": amount,
        "order_id": order,
        "source": source,
        "_currency": currency,
    }


def _reason(parsed: ibis.Table, level: str, rules: Rules) -> ibis.Value:
    customer, day, amount = parsed["customer_id"], parsed["order_date"], parsed["amount"]
    bad_amount = amount.isnull()
    if level == "customers":
        bad_amount = bad_amount | parsed["frequency"].isnull()
    branches: list[tuple[ibis.Value, str]] = [
        (customer.isnull(), "missing_customer"),
        (day.isnull(), "unparsable_date"),
        (bad_amount, "unparsable_amount"),
    ]
    if rules.exclude_customers:
        branches.append((customer.re_search(rules.exclude_customers), "excluded_customer"))
    if rules.as_of is not None:
        branches.append((day >= rules.as_of, "after_as_of"))
    if rules.exclude_future:
        branches.append((day > rules.today, "future_date"))
    if rules.max_amount is not None:
        branches.append((amount.abs() > rules.max_amount, "outlier"))
    return ibis.cases(*branches, else_=ibis.null("string"))


def build_stage(
    con: BaseBackend,
    sources: Sequence[RawSource],
    maps: Sequence[ColumnMap],
    rules: Rules,
) -> ibis.Table:
    """Classify every source and materialise the union as one stage table."""
    engine = engine_name(con)
    exprs = [
        classify(raw, columns, index, rules, engine)
        for index, (raw, columns) in enumerate(zip(sources, maps, strict=True))
    ]
    if engine != "duckdb":
        return ibis.union(*exprs).cache() if len(exprs) > 1 else exprs[0].cache()
    name = ibis.util.gen_name("rfm_stage")
    for index, (raw, expr) in enumerate(zip(sources, exprs, strict=True)):
        try:
            if index == 0:
                con.create_table(name, expr, temp=True)
            else:
                con.insert(name, expr)
        except RfmError:
            raise
        except Exception as exc:
            raise read_error(exc, raw) from exc
    return con.sql(f'SELECT CAST(rowid AS BIGINT) AS _rowid, * FROM "{name}"')


def mark_duplicates(con: BaseBackend, stage: ibis.Table, rules: Rules) -> ibis.Table:
    """Mark exact duplicate rows (all input columns equal, same source) after the first.

    A quick count on the row hashes decides whether the (costlier) window is
    needed at all, so clean data pays one aggregation only.
    """
    if not rules.drop_duplicates:
        return stage
    used = stage.filter(stage._reason.isnull())
    repeated = used.group_by(["_src", "_hash"]).aggregate(n=ibis._.count()).filter(ibis._.n > 1)
    if int(repeated.count().execute()) == 0:
        return stage
    keys = ["_src", "_hash", "customer_id", "order_date", "amount"]
    window = ibis.window(group_by=[stage[k] for k in keys], order_by=stage._rowid)
    rank = ibis.row_number().over(window)
    marked = ibis.ifelse(stage._reason.isnull() & (rank > 0), "duplicate", stage._reason)
    return _materialize(con, stage.mutate(_reason=marked))


def mark_outliers(con: BaseBackend, stage: ibis.Table, rules: Rules) -> ibis.Table:
    """Mark amounts outside the Tukey fences (``outlier_iqr`` × IQR beyond the quartiles)."""
    if rules.outlier_iqr is None:
        return stage
    used = stage.filter(stage._reason.isnull())
    stats = used.aggregate(q1=used.amount.quantile(0.25), q3=used.amount.quantile(0.75)).execute()
    if stats.empty or stats.q1.isna().iloc[0]:
        return stage
    q1, q3 = float(stats.q1.iloc[0]), float(stats.q3.iloc[0])
    low, high = q1 - rules.outlier_iqr * (q3 - q1), q3 + rules.outlier_iqr * (q3 - q1)
    outside = (stage.amount < low) | (stage.amount > high)
    marked = ibis.ifelse(stage._reason.isnull() & outside, "outlier", stage._reason)
    return _materialize(con, stage.mutate(_reason=marked))


def _materialize(con: BaseBackend, expr: ibis.Table) -> ibis.Table:
    if engine_name(con) != "duckdb":
        return expr.cache()
    name = ibis.util.gen_name("rfm_stage")
    return con.create_table(name, expr, temp=True)


_LINE = re.compile(r"Line:\s*(\d+)")


def read_error(exc: Exception, raw: RawSource) -> InputError:
    """A clean :class:`InputError` for an engine error met while reading ``raw``."""
    text = str(exc)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    found = _LINE.search(text)
    row = int(found.group(1)) + int(raw.info.get("skip", 0)) if found else None
    encoding = raw.info.get("encoding")
    if "Invalid unicode" in text or "byte sequence mismatch" in text:
        other = "utf-8" if encoding == "gb18030" else "gb18030"
        return InputError(
            f"The file is not valid {encoding} text.",
            file=raw.file,
            row=row,
            fix=f"Give the right encoding, e.g. --encoding {other}, or save the file as UTF-8.",
        )
    if "CSV Error" in text or "sniff" in text.lower():
        return InputError(
            f"The file cannot be read as CSV: {first}",
            file=raw.file,
            row=row,
            fix="Check the delimiter (--delimiter) and quoting, or re-export the file.",
        )
    return InputError(
        f"The input cannot be read: {first}",
        file=raw.file,
        row=row,
        fix="Check that the file is complete and in a supported format.",
    )
