"""Rich renderings of results for the terminal."""

from __future__ import annotations

from rich.table import Table

from rfmkit.pipeline import ScoreResult
from rfmkit.scoring import Breakpoints

_HEAD = {
    "zh": (
        "分群",
        "客户数",
        "客户占比",
        "收入",
        "收入占比",
        "平均R天数",
        "平均频次",
        "平均金额",
        "建议动作",
    ),
    "en": (
        "Segment",
        "Customers",
        "% cust.",
        "Revenue",
        "% rev.",
        "Mean R days",
        "Mean F",
        "Mean M",
        "Action",
    ),
}


def summary_table(result: ScoreResult, *, actions: bool = True) -> Table:
    """The per-segment summary with the Pareto line as its caption."""
    head = _HEAD[result.lang] if actions else _HEAD[result.lang][:-1]
    table = Table(
        title=f"{result.scheme.name(result.lang)} · as of {result.as_of}",
        caption=result.pareto.sentence(result.lang),
    )
    for i, name in enumerate(head):
        table.add_column(name, justify="left" if i in (0, 8) else "right", overflow="fold")
    for row in result.summary.itertuples(index=False):
        cells: list[str] = [
            str(row.segment_label),
            f"{row.customers:,}",
            f"{row.customers_pct:.1f}%",
            f"{row.revenue:,.2f}",
            f"{row.revenue_pct:.1f}%",
            _opt(row.mean_recency_days, ".0f"),
            _opt(row.mean_frequency, ".2f"),
            _opt(row.mean_monetary, ",.2f"),
            str(row.action),
        ]
        table.add_row(*cells[: len(head)])
    return table


def breakpoints_table(result: ScoreResult) -> Table:
    """What each score means for each metric."""
    table = Table(title=f"Breakpoints ({result.method}, {result.levels} levels)")
    table.add_column("Score", justify="right")
    bps: list[Breakpoints] = list(result.breakpoints.values())
    for bp in bps:
        table.add_column(bp.metric)
    for score in range(result.levels, 0, -1):
        table.add_row(str(score), *(bp.describe(score) for bp in bps))
    return table


def _opt(value: object, fmt: str) -> str:
    return "-" if value is None or value != value else format(value, fmt)
