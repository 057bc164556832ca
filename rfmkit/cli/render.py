"""Rich renderings of results for the terminal, readable at any width.

Labels and numbers are never broken mid-word: on a terminal narrower than
the table needs (80 columns when output is piped or logged), each segment
is shown as a short stacked record instead, with its action kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from rfmkit import i18n

if TYPE_CHECKING:
    from rfmkit.scoring import Breakpoints
    from rfmkit.verbs.score import ScoreResult

#: Below this console width the segment summary is shown as stacked records.
WIDE = 120

_COLUMNS = (
    "col.segment",
    "col.customers",
    "col.customers_pct",
    "col.revenue",
    "col.revenue_pct",
    "col.mean_recency_days",
    "col.mean_frequency",
    "col.mean_monetary",
    "col.action",
)


def _cells(row: Any) -> list[str]:
    return [
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


def summary_view(result: ScoreResult, width: int) -> RenderableType:
    """The per-segment summary: a table when it fits, stacked records otherwise."""
    lang = result.lang
    title = i18n.t(
        "summary.title", lang, scheme=result.scheme.name(lang), as_of=i18n.day(result.as_of, lang)
    )
    caption = pareto_sentence(result)
    if width >= WIDE:
        return _wide_table(result, title, caption)
    return _stacked(result, title, caption)


def _wide_table(result: ScoreResult, title: str, caption: str) -> Table:
    table = Table(title=title, caption=caption)
    for i, key in enumerate(_COLUMNS):
        table.add_column(
            i18n.t(key, result.lang),
            justify="left" if i in (0, len(_COLUMNS) - 1) else "right",
            no_wrap=i < len(_COLUMNS) - 1,
            overflow="ellipsis" if i == 0 else "fold",
        )
    for row in result.summary.itertuples(index=False):
        table.add_row(*_cells(row))
    return table


def _stacked(result: ScoreResult, title: str, caption: str) -> Group:
    """One short block per segment: label, counts on one line, action on the next."""
    lang = result.lang
    names = [i18n.t(key, lang) for key in _COLUMNS]
    parts: list[RenderableType] = [Text(title, style="bold")]
    for row in result.summary.itertuples(index=False):
        cells = _cells(row)
        parts.append(Text(cells[0], style="bold"))
        figures = [f"{names[i]} {cells[i]}" for i in range(1, 8)]
        parts.append(Text("  " + " · ".join(figures[:4])))
        parts.append(Text("  " + " · ".join(figures[4:])))
        parts.append(Text(f"  {names[8]}: {cells[8]}"))
    parts.append(Text(caption, style="italic"))
    return Group(*parts)


def pareto_sentence(result: ScoreResult) -> str:
    p = result.pareto
    return i18n.t(
        "pareto.sentence",
        result.lang,
        percent=f"{p.top_percent:g}",
        customers=f"{p.top_customers:,}",
        share=f"{p.revenue_share:.1f}",
    )


def breakpoints_table(result: ScoreResult) -> Table:
    """What each score means for each metric."""
    lang = result.lang
    table = Table(
        title=i18n.t(
            "breakpoints.title",
            lang,
            method=i18n.t(f"method.{result.method}", lang),
            levels=result.levels,
        )
    )
    table.add_column(i18n.t("col.score", lang), justify="right", no_wrap=True)
    bps: list[Breakpoints] = list(result.breakpoints.values())
    for bp in bps:
        table.add_column(i18n.t(f"metric.{bp.metric}", lang), overflow="fold")
    for score in range(result.levels, 0, -1):
        table.add_row(str(score), *(bp.describe(score) for bp in bps))
    return table


def show(console: Console, renderable: RenderableType) -> None:
    console.print(renderable, soft_wrap=False)


def _opt(value: object, fmt: str) -> str:
    return "-" if value is None or value != value else format(value, fmt)
