"""Read the data-quality report and the rejects off the classified stage table.

A handful of small aggregate queries over the (already materialised) stage:
counts per source and rule, a few examples per rule, ranges and amount
statistics of the rows used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
import pandas as pd

from rfmkit.quality import EXAMPLES, RULES, QualityReport, RuleCount, SourceCount
from rfmkit.sources.base import RawSource
from rfmkit.sources.columns import ColumnMap
from rfmkit.sources.combine import Rules

_RAW = ("_raw_customer", "_raw_date", "_raw_amount", "_raw_frequency")
TABLE_MARKED = ("duplicate", "outlier")


def source_table(sources: Sequence[RawSource], starts: dict[int, int]) -> pd.DataFrame:
    """One row per source: index, name, file and the row id its first row has."""
    return pd.DataFrame(
        {
            "_src": list(range(len(sources))),
            "_file": [s.file or "" for s in sources],
            "_offset": [s.header_line + 1 - starts.get(i, 0) for i, s in enumerate(sources)],
        }
    )


def build_report(
    stage: ibis.Table,
    sources: Sequence[RawSource],
    maps: Sequence[ColumnMap],
    rules: Rules,
) -> tuple[QualityReport, dict[int, int]]:
    """The :class:`QualityReport` of a stage, and the first row id of each source."""
    counts = (
        stage.group_by(["_src", "_reason"])
        .aggregate(n=ibis._.count(), first=ibis._._rowid.min())
        .to_pandas()
    )
    starts = {int(k): int(v) for k, v in counts.groupby("_src")["first"].min().items()}
    report = QualityReport(level=maps[0].level if maps else "transactions")
    report.as_of, report.timezone = rules.as_of, rules.timezone
    report.rows_read = int(counts.n.sum())
    report.rows_used = int(counts.loc[counts._reason.isna(), "n"].sum())
    report.sources = _source_counts(counts, sources, maps)
    offsets = source_table(sources, starts)
    examples = _examples(stage, offsets)
    by_rule = counts.dropna(subset=["_reason"]).groupby("_reason")["n"].sum()
    for name, (action, text) in RULES.items():
        if name == "refunds":
            continue
        count = int(by_rule.get(name, 0))
        report.rules.append(
            RuleCount(
                name, action, text, count, _share(count, report.rows_read), examples.get(name, [])
            )
        )
    _add_statistics(report, stage.filter(stage._reason.isnull()), offsets)
    return report, starts


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
                detected=dict(raw.info),
            )
        )
    return result


def with_lines(rows: ibis.Table, offsets: pd.DataFrame) -> ibis.Table:
    """``rows`` of the stage with ``file`` and ``line`` (header = line 1 for text files)."""
    meta = ibis.memtable(offsets)
    joined = rows.join(meta, "_src")
    line = ibis.coalesce(joined._line, joined._rowid + joined._offset)
    return joined.mutate(file=joined._file, line=line)


def _examples(stage: ibis.Table, offsets: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    left_out = stage.filter(stage._reason.notnull())
    rank = ibis.row_number().over(group_by=left_out._reason, order_by=left_out._rowid)
    first = left_out.mutate(_rank=rank).filter(ibis._._rank < EXAMPLES)
    frame = with_lines(first, offsets).order_by(["_reason", "_rowid"]).to_pandas()
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


def _add_statistics(report: QualityReport, used: ibis.Table, offsets: pd.DataFrame) -> None:
    negative = used.amount < 0
    stats = (
        used.aggregate(
            date_min=used.order_date.min(),
            date_max=used.order_date.max(),
            customers=used.customer_id.nunique(),
            total=used.amount.sum(),
            mean=used.amount.mean(),
            low=used.amount.min(),
            high=used.amount.max(),
            refunds=negative.sum(),
            refund_total=used.amount.sum(where=negative),
        )
        .to_pandas()
        .iloc[0]
    )
    report.customers = int(stats.customers or 0)
    report.date_min = _date(stats.date_min)
    report.date_max = _date(stats.date_max)
    report.amount = {
        "sum": _float(stats["total"]),
        "mean": _float(stats["mean"]),
        "min": _float(stats["low"]),
        "max": _float(stats["high"]),
        "refund_total": _float(stats.refund_total) or 0.0,
    }
    refunds = int(stats.refunds or 0) if report.level == "transactions" else 0
    examples = []
    if refunds:
        rows = used.filter(negative).order_by("_rowid").limit(EXAMPLES)
        for _, row in with_lines(rows, offsets).to_pandas().iterrows():
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
    lined = with_lines(left_out, offsets).order_by(["_src", "_rowid"])
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
