"""Cleaning rules and the data-quality report: nothing is left out without being counted.

Loading classifies every input row (see :mod:`rfmkit.sources.combine`): a
row is either *used* or left out by exactly one rule. The report counts, per
rule, how many rows it took, their share of the rows read and a few
examples with file and line; so ``rows_read == rows_used + sum(left out)``
always holds. ``refunds`` is informational: refund rows are used (they net
against the customer's monetary value) and only counted.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from rfmkit.errors import DataQualityError
from rfmkit.export import write_json, write_rows
from rfmkit.export.files import atomic_write as atomic_write

EXAMPLES = 5

#: Rule name → (what happens to the rows, one-line description).
RULES: dict[str, tuple[str, str]] = {
    "missing_customer": ("excluded", "no customer id"),
    "unparsable_date": ("quarantined", "the date cannot be read"),
    "unparsable_amount": ("quarantined", "the amount cannot be read"),
    "implausible_date": ("quarantined", "date before min_date or after 2100-01-01"),
    "implausible_amount": ("quarantined", "amount beyond ±1e15: a typo or a placeholder"),
    "undecodable_line": ("quarantined", "the line is not valid text in the file's encoding"),
    "excluded_customer": ("excluded", "customer id matches the exclude pattern"),
    "duplicate": ("dropped", "exact duplicate of an earlier row"),
    "after_as_of": ("excluded", "dated on or after the as-of date"),
    "future_date": ("excluded", "dated after today"),
    "outlier": ("excluded", "amount outside the outlier limits"),
    "refunds": ("info", "negative amounts, netted against the customer's total"),
}


@dataclass
class RuleCount:
    """How many rows one rule took, their share of the rows read, and examples."""

    rule: str
    action: str
    description: str
    count: int = 0
    share: float = 0.0
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SourceCount:
    """Rows read and used from one input, and what was detected while reading it."""

    name: str
    file: str | None
    kind: str
    rows_read: int = 0
    rows_used: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    detected: dict[str, Any] = field(default_factory=dict)


@dataclass
class QualityReport:
    """What loading found: rows read and used, per-rule counts, ranges and statistics."""

    level: str = "transactions"
    rows_read: int = 0
    rows_used: int = 0
    customers: int = 0
    rows_without_order_id: int = 0
    sources: list[SourceCount] = field(default_factory=list)
    rules: list[RuleCount] = field(default_factory=list)
    date_min: date | None = None
    date_max: date | None = None
    amount: dict[str, float | None] = field(default_factory=dict)
    currencies: dict[str, int] = field(default_factory=dict)
    as_of: date | None = None
    timezone: str = "UTC"
    warnings: list[str] = field(default_factory=list)
    #: Rows shared by two files, exact duplicates across them: ``{"files": [a, b], "rows": n}``.
    overlaps: list[dict[str, Any]] = field(default_factory=list)
    #: Files left out by ``skip_bad_files``: ``{"file": f, "reason": text}``.
    skipped: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rows_left_out(self) -> int:
        """Rows read but not used (every rule except the informational ones)."""
        return sum(r.count for r in self.rules if r.action != "info")

    def rule(self, name: str) -> RuleCount:
        """The count of rule ``name``."""
        for item in self.rules:
            if item.rule == name:
                return item
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (dates as ISO text)."""
        return _jsonable(asdict(self))

    def to_json(self, indent: int = 2) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def summary(self, lang: str = "en") -> str:
        """A few lines for people: rows, customers, dates, rules that took rows."""
        from rfmkit import i18n

        def t(key: str, **values: Any) -> str:
            return i18n.t(f"quality.{key}", lang, **values)

        lines = [
            t(
                "rows",
                read=f"{self.rows_read:,}",
                used=f"{self.rows_used:,}",
                customers=f"{self.customers:,}",
            )
        ]
        if len(self.sources) > 1:
            for s in self.sources:
                lines.append(
                    t("source", name=s.name, read=f"{s.rows_read:,}", used=f"{s.rows_used:,}")
                )
        if self.date_min is not None:
            lines.append(t("dates", first=self.date_min, last=self.date_max))
        if self.amount.get("sum") is not None:
            total, mean = self.amount["sum"], self.amount.get("mean") or 0.0
            lines.append(t("amount", total=f"{total:,.2f}", mean=f"{mean:,.2f}"))
        for r in self.rules:
            if r.count:
                lines.append(
                    t(
                        "rule",
                        rule=r.rule,
                        count=f"{r.count:,}",
                        share=f"{r.share:.1%}",
                        action=i18n.rule_action(r.action, lang),
                        description=i18n.rule_description(r.rule, r.description, lang),
                        where=_where(r.examples[0], lang) if r.examples else "",
                    )
                )
        lines.extend(i18n.t("warning", lang, text=w) for w in self.warnings)
        return "\n".join(lines)


def _where(example: dict[str, Any], lang: str = "en") -> str:
    from rfmkit import i18n

    if example.get("line") is None:
        return ""
    return i18n.t(
        "quality.example", lang, file=example.get("file") or "input", line=example["line"]
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item())
    return value


def enforce_strict(report: QualityReport) -> None:
    """Raise :class:`DataQualityError` when any row was left out (``--strict``)."""
    taken = [r for r in report.rules if r.count and r.action != "info"]
    if not taken:
        return
    first = taken[0]
    example = first.examples[0] if first.examples else {}
    counts = ", ".join(f"{r.rule}: {r.count}" for r in taken)
    raise DataQualityError(
        f"{report.rows_left_out} of {report.rows_read} rows would be left out ({counts}).",
        file=example.get("file"),
        row=example.get("line"),
        fix="Correct the input, or run without --strict to leave these rows out and see "
        "them in the data-quality report.",
        details={"rules": {r.rule: r.count for r in taken}},
    )


def write_report(report: QualityReport, path: str | Path) -> Path:
    """Write ``report`` as JSON to ``path``, atomically (ISO dates, never NaN)."""
    return write_json(report.to_dict(), path)


def write_rejects(
    rejects: ibis.Table | pd.DataFrame, path: str | Path, *, raw_cells: bool = False
) -> int:
    """Write the left-out rows (``Loaded.rejects()``) in their order; return how many.

    The format follows the extension (.csv, as a rule). Raw cells that a
    spreadsheet would run as a formula (``=...``) are quoted unless
    ``raw_cells`` (see :mod:`rfmkit.export.cells`).
    """
    return write_rows(rejects, path, order_by=None, raw_cells=raw_cells)
