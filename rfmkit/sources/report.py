"""Read the data-quality report and the rejects off the classified stage.

The counts per source and rule and the statistics of the rows used come
from one aggregate query over the stage; the examples (a few rows per rule,
taken with top-N queries) and the currencies are only queried when there is
something to show.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
import pandas as pd

from rfmkit.backend import engine_name
from rfmkit.quality import EXAMPLES, RULES, QualityReport, RuleCount, SourceCount
from rfmkit.sources.base import RawSource
from rfmkit.sources.columns import ColumnMap
from rfmkit.sources.combine import Rules

_RAW = ("_raw_customer", "_raw_date", "_raw_amount", "_raw_frequency")
TABLE_MARKED = ("duplicate", "outlier")


def source_table(sources: Sequence[RawSource]) -> pd.DataFrame:
    """One row per source: index, file, and the line before its first row."""
    return pd.DataFrame(
        {
            "_src": list(range(len(sources))),
            "_file": [s.file or "" for s in sources],
            "_offset": [s.header_line for s in sources],
        }
    )


def build_report(
    stage: ibis.Table,
    sources: Sequence[RawSource],
    maps: Sequence[ColumnMap],
    rules: Rules,
    *,
    currencies: bool = True,
    customers: bool = True,
) -> QualityReport:
    """The :class:`QualityReport` of a stage.

    ``currencies`` False skips the query for currency symbols (no amount
    column is text, so there are none); ``customers`` False leaves
    ``customers`` at 0 for the caller to fill (counting them costs a pass).
    """
    counts = _counts(stage, customers)
    report = QualityReport(level=maps[0].level if maps else "transactions")
    report.as_of, report.timezone = rules.as_of, rules.timezone
    report.rows_read = int(counts.n.sum())
    used = counts[counts._reason.isna()]
    report.rows_used = int(used.n.sum())
    report.sources = _source_counts(counts, sources, maps)
    by_rule = counts.dropna(subset=["_reason"]).groupby("_reason")["n"].sum()
    taken = [str(name) for name, n in by_rule.items() if n]
    in_order = _in_input_order(stage, sources, by_rule)
    examples = _examples(stage, sources, taken, in_order)
    for name, (action, text) in RULES.items():
        if name == "refunds":
            continue
        count = int(by_rule.get(name, 0))
        report.rules.append(
            RuleCount(
                name, action, text, count, _share(count, report.rows_read), examples.get(name, [])
            )
        )
    rows = stage.filter(stage._reason.isnull())
    _add_statistics(report, used, rows, sources, in_order)
    if currencies:
        _add_currencies(report, rows)
    return report


def _counts(stage: ibis.Table, customers: bool = True) -> pd.DataFrame:
    """Rows per source and reason, with the statistics of the rows used (one query)."""
    used = stage._reason.isnull()
    negative = used & (stage.amount < 0)
    no_order = (
        {"no_order": (used & stage.order_id.isnull()).sum()} if "order_id" in stage.columns else {}
    )
    if "_dirty" in stage.columns:
        no_order["dirty"] = stage._dirty.sum()
    return (
        stage.group_by(["_src", "_reason"])
        .aggregate(
            **no_order,
            n=ibis._.count(),
            date_min=stage.order_date.min(where=used),
            date_max=stage.order_date.max(where=used),
            total=stage.amount.sum(where=used),
            low=stage.amount.min(where=used),
            high=stage.amount.max(where=used),
            refunds=negative.sum(),
            refund_total=stage.amount.sum(where=negative),
            **({"customers": stage.customer_id.nunique(where=used)} if customers else {}),
        )
        .to_pandas()
    )


def _dirty(rows: pd.DataFrame) -> dict[str, bool]:
    """``ids_need_cleaning`` when the source's text ids were trusted and some were not clean."""
    return {"ids_need_cleaning": True} if "dirty" in rows and rows["dirty"].sum() else {}


def dirty_sources(report: QualityReport) -> list[int]:
    """Indexes of the sources whose ids turned out to need cleaning."""
    return [i for i, s in enumerate(report.sources) if s.detected.get("ids_need_cleaning")]


def _share(count: int, total: int) -> float:
    return round(count / total, 6) if total else 0.0


def _source_counts(
    counts: pd.DataFrame, sources: Sequence[RawSource], maps: Sequence[ColumnMap]
) -> list[SourceCount]:
    result = []
    for index, (raw, columns) in enumerate(zip(sources, maps, strict=True)):
        rows = counts[counts._src == index]
        used = int(rows.loc[rows._reason.isna(), "n"].sum())
        result.append(
            SourceCount(
                name=raw.name,
                file=raw.file,
                kind=raw.kind,
                rows_read=int(rows.n.sum()),
                rows_used=used,
                columns=dict(columns.fields),
                detected=dict(raw.info) | _dirty(rows),
            )
        )
    return result


def with_lines(rows: ibis.Table, offsets: pd.DataFrame) -> ibis.Table:
    """``rows`` of the stage with ``file`` and ``line`` (header = line 1 for text files)."""
    meta = ibis.memtable(offsets)
    joined = rows.join(meta, "_src")
    line = ibis.coalesce(joined._line, joined._row + joined._offset)
    return joined.mutate(file=joined._file, line=line)


def _in_input_order(stage: ibis.Table, sources: Sequence[RawSource], by_rule: pd.Series) -> bool:
    """Whether a scan of ``stage`` yields its rows in input order.

    True for one source on DuckDB, which keeps the order of a scan (its
    ``preserve_insertion_order``), unless duplicates were marked (a join).
    """
    if len(sources) != 1 or by_rule.get("duplicate", 0):
        return False
    try:
        return engine_name(stage.get_backend()) == "duckdb"
    except Exception:  # an unbound table: no engine to rely on
        return False


def _first_rows(rows: ibis.Table, in_order: bool) -> ibis.Table:
    """The first few of ``rows`` by input position.

    When a scan yields them ``in_order``, a plain LIMIT takes them and stops
    reading early; otherwise every row is read to find the first ones.
    """
    if in_order:
        return rows.limit(EXAMPLES)
    return rows.order_by(["_src", "_row"]).limit(EXAMPLES)


def _located(frame: pd.DataFrame, sources: Sequence[RawSource]) -> pd.DataFrame:
    """``frame`` (rows of the stage, in pandas) with ``file`` and ``line``."""
    frame = frame.copy()
    src = frame["_src"].astype(int)
    frame["file"] = [sources[i].file for i in src]
    offset = pd.Series([sources[i].header_line for i in src], index=frame.index)
    frame["line"] = frame["_line"].fillna(frame["_row"] + offset)
    return frame


def _examples(
    stage: ibis.Table, sources: Sequence[RawSource], rules: Sequence[str], in_order: bool
) -> dict[str, list[dict[str, Any]]]:
    """The first few rows each rule in ``rules`` took (one query of top-N parts)."""
    if not rules:
        return {}
    parts = [_first_rows(stage.filter(stage._reason == rule), in_order) for rule in rules]
    found = ibis.union(*parts) if len(parts) > 1 else parts[0]
    frame = _located(found.to_pandas(), sources).sort_values(["_reason", "_src", "_row"])
    result: dict[str, list[dict[str, Any]]] = {}
    for _, row in frame.iterrows():
        result.setdefault(str(row["_reason"]), []).append(_example(row))
    return result


def _example(row: pd.Series) -> dict[str, Any]:
    example: dict[str, Any] = {"file": row["file"] or None, "line": int(row["line"])}
    example["source"] = row["source"]
    for column in _RAW:
        if column in row.index and row[column] is not None and not pd.isna(row[column]):
            example[column.removeprefix("_raw_")] = str(row[column])
    if row["_reason"] in TABLE_MARKED:  # marked after parsing: show the parsed values
        example.update(
            customer=row["customer_id"], date=str(row["order_date"]), amount=str(row["amount"])
        )
    return example


def _add_statistics(
    report: QualityReport,
    counts: pd.DataFrame,
    used: ibis.Table,
    sources: Sequence[RawSource],
    in_order: bool,
) -> None:
    """Ranges and amount statistics of the rows used, from the per-source counts."""
    total = _float(counts["total"].sum(min_count=1))
    report.customers = _customers(counts, used) if "customers" in counts else 0
    if "no_order" in counts:
        report.rows_without_order_id = int(counts["no_order"].sum())
    report.date_min = _date(counts.date_min.min())
    report.date_max = _date(counts.date_max.max())
    report.amount = {
        "sum": total,
        "mean": total / report.rows_used if total is not None and report.rows_used else None,
        "min": _float(counts.low.min()),
        "max": _float(counts.high.max()),
        "refund_total": _float(counts.refund_total.sum(min_count=1)) or 0.0,
    }
    refunds = int(counts.refunds.sum()) if report.level == "transactions" else 0
    examples = []
    if refunds:
        rows = _first_rows(used.filter(used.amount < 0), in_order).to_pandas()
        for _, row in _located(rows, sources).sort_values(["_src", "_row"]).iterrows():
            examples.append(
                {
                    "file": row["file"] or None,
                    "line": int(row["line"]),
                    "customer": row["customer_id"],
                    "amount": float(row["amount"]),
                }
            )
    action, text = RULES["refunds"]
    report.rules.append(
        RuleCount("refunds", action, text, refunds, _share(refunds, report.rows_read), examples)
    )


def _customers(counts: pd.DataFrame, used: ibis.Table) -> int:
    """Distinct customers used: from the counts for one source, else one more query."""
    if len(counts) <= 1:
        return int(counts.customers.sum())
    return int(used.customer_id.nunique().execute())


def _add_currencies(report: QualityReport, used: ibis.Table) -> None:
    currencies = (
        used.filter(used._currency.notnull())
        .group_by("_currency")
        .aggregate(n=ibis._.count())
        .to_pandas()
    )
    report.currencies = dict(
        zip(currencies["_currency"].astype(str), currencies["n"].astype(int), strict=True)
    )
    if len(report.currencies) > 1:
        report.warnings.append(
            "Amounts are in several currencies "
            f"({', '.join(report.currencies)}); they are added up as they are."
        )


def _date(value: Any) -> Any:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def _float(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def rejects(stage: ibis.Table, offsets: pd.DataFrame) -> ibis.Table:
    """Every left-out row with source, file, line, reason and its raw values."""
    left_out = stage.filter(stage._reason.notnull())
    lined = with_lines(left_out, offsets).order_by(["_src", "_row"])
    raw: dict[str, ibis.Value] = {
        "customer": ibis.coalesce(lined._raw_customer, lined.customer_id),
        "date": ibis.coalesce(lined._raw_date, lined.order_date.cast("string")),
        "amount": ibis.coalesce(lined._raw_amount, lined.amount.cast("string")),
    }
    if "_raw_frequency" in lined.columns:
        raw["frequency"] = ibis.coalesce(lined._raw_frequency, lined.frequency.cast("string"))
    return lined.select(
        source=lined.source, file=lined.file, line=lined.line, reason=lined._reason, **raw
    )
