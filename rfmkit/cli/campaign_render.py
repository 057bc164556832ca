"""Rich renderings of audiences and campaign measurements, readable at any width.

Numbers are never broken: below :data:`rfmkit.cli.render.WIDE` columns each
row of a measurement is shown as a short stacked record instead of a table.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from rfmkit import i18n
from rfmkit.cli import common as c
from rfmkit.cli.render import WIDE, show

if TYPE_CHECKING:
    import pandas as pd

if TYPE_CHECKING:
    from rfmkit.verbs.audience import AudienceView
    from rfmkit.verbs.campaign import Created, Measured

#: The measurement's columns on the terminal (the file written has them all).
MEASURE_SHOWN = (
    "col.segment",
    "campaigns.col.treated",
    "campaigns.col.control",
    "campaigns.col.rate_t",
    "campaigns.col.rate_c",
    "campaigns.col.lift",
    "campaigns.col.relative",
    "campaigns.col.p",
    "campaigns.col.ci",
    "campaigns.col.incremental",
    "campaigns.col.roi",
)


# -- formatting ---------------------------------------------------------------------


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def percent(value: Any, decimals: int = 2) -> str:
    """A share as a percentage: 0.046 -> ``4.60%``."""
    return "-" if _missing(value) else f"{float(value) * 100:.{decimals}f}%"


def points(value: Any, decimals: int = 2) -> str:
    """A difference of shares in percentage points, signed: 0.006 -> ``+0.60``."""
    return "-" if _missing(value) else f"{float(value) * 100:+.{decimals}f}"


def signed_percent(value: Any) -> str:
    return "-" if _missing(value) else f"{float(value) * 100:+.1f}%"


def p_value(value: Any) -> str:
    if _missing(value):
        return "-"
    return "<0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def money(value: Any) -> str:
    return "-" if _missing(value) else f"{float(value):,.2f}"


def interval(low: Any, high: Any) -> str:
    return "-" if _missing(low) or _missing(high) else f"[{points(low)}, {points(high)}]"


def count(value: Any) -> str:
    return "-" if _missing(value) else f"{int(value):,}"


# -- measurements -------------------------------------------------------------------


def measure_cells(row: Any, label: str) -> list[str]:
    """One row of the measurement as the texts of :data:`MEASURE_SHOWN`."""
    return [
        label,
        count(row.customers_treatment),
        count(row.customers_control),
        percent(row.response_rate_treatment),
        percent(row.response_rate_control),
        points(row.lift),
        signed_percent(row.relative_lift),
        p_value(row.p_value),
        interval(row.ci_low, row.ci_high),
        money(row.incremental_revenue),
        signed_percent(row.roi),
    ]


def measured_view(measured: Measured, lang: str, width: int) -> RenderableType:
    """The measurement: a table when it fits, stacked records otherwise."""
    title = i18n.t(
        "campaigns.measured.title",
        lang,
        name=measured.name or i18n.t("campaigns.external", lang),
        send_date=i18n.day(measured.send_date, lang),
        window=measured.window_days,
    )
    rows = [
        (measure_cells(row, _label(row, measured.labels, lang)), row)
        for row in measured.results.itertuples(index=False)
    ]
    names = [i18n.t(key, lang) for key in MEASURE_SHOWN]
    if width >= WIDE:
        table = Table(title=title)
        for i, name in enumerate(names):
            table.add_column(
                name,
                justify="left" if i == 0 else "right",
                no_wrap=i > 0,
                overflow="ellipsis" if i == 0 else "fold",
            )
        for cells, row in rows:
            table.add_row(*cells, style="bold" if row.scope == "overall" else None)
        return table
    parts: list[RenderableType] = [Text(title, style="bold")]
    for cells, _row in rows:
        parts.append(Text(cells[0], style="bold"))
        parts.append(Text("  " + " · ".join(f"{names[i]} {cells[i]}" for i in range(1, 5))))
        parts.append(Text("  " + " · ".join(f"{names[i]} {cells[i]}" for i in range(5, 9))))
        parts.append(Text("  " + " · ".join(f"{names[i]} {cells[i]}" for i in range(9, 11))))
    return Group(*parts)


def _label(row: Any, labels: dict[str, str], lang: str) -> str:
    if row.scope == "overall":
        return i18n.t("campaign.overall", lang)
    key = str(row.segment)
    return labels.get(key, key)


def show_measured(measured: Measured, lang: str) -> None:
    out = c.console()
    show(out, measured_view(measured, lang, out.width))
    out.print(i18n.t("campaigns.measured.note", lang), markup=False)
    overall = measured.results[measured.results["scope"] == "overall"]
    for warning in overall["warning"].dropna().unique():
        out.print(i18n.t("warning", lang, text=warning), markup=False)
    if measured.written is not None:
        out.print(i18n.t("wrote", lang, path=measured.written), markup=False)


def show_history(name: str, frame: pd.DataFrame, lang: str) -> None:
    """The overall row of every stored measurement."""
    overall = frame[frame["scope"] == "overall"] if "scope" in frame else frame
    heads = [i18n.t(k, lang) for k in ("campaigns.col.measured_at", *MEASURE_SHOWN[1:])]
    rows = [
        [_when(row.measured_at), *measure_cells(row, "")[1:]]
        for row in overall.itertuples(index=False)
    ]
    out = c.console()
    show(out, records(i18n.t("campaigns.history.title", lang, name=name), heads, rows, out.width))


def _when(value: Any) -> str:
    import pandas as pd

    return pd.Timestamp(str(value)).strftime("%Y-%m-%d %H:%M")


def records(title: str, heads: list[str], rows: list[list[str]], width: int) -> RenderableType:
    """A table when it fits in ``width``, else one stacked record per row (nothing broken)."""
    table = Table(title=title)
    for i, head in enumerate(heads):
        table.add_column(head, justify="left" if i == 0 else "right", no_wrap=True)
    for cells in rows:
        table.add_row(*cells)
    if table.__rich_measure__(c.console(), c.console().options).maximum <= width:
        return table
    parts: list[RenderableType] = [Text(title, style="bold")]
    for cells in rows:
        parts.append(Text(cells[0], style="bold"))
        pairs = [f"{heads[i]} {cells[i]}" for i in range(1, len(cells))]
        for start in range(0, len(pairs), 3):
            parts.append(Text("  " + " · ".join(pairs[start : start + 3])))
    return Group(*parts)


# -- campaigns and audiences ----------------------------------------------------------


def show_created(created: Created, lang: str) -> None:
    info, out = created.info, c.console()
    text = i18n.t(
        "campaigns.created",
        lang,
        name=info.name,
        audience=info.audience,
        treatment=f"{info.treatment:,}",
        control=f"{info.control:,}",
        excluded=f"{info.excluded:,}",
    )
    out.print(text, markup=False)
    out.print(i18n.t("suppression.removed", lang, count=f"{info.suppressed:,}"), markup=False)
    if created.mde is not None:
        line = i18n.t("campaigns.mde", lang, mde=f"{created.mde * 100:.2f}", baseline="5")
        out.print(line, markup=False)
    if created.warning:
        out.print(i18n.t("warning", lang, text=created.warning), markup=False)


def show_audience(view: AudienceView, lang: str) -> None:
    out = c.console()
    head = i18n.t(
        "campaigns.audience",
        lang,
        name=view.name,
        customers=f"{view.customers:,}",
        as_of=i18n.day(view.as_of, lang),
    )
    out.print(head, markup=False)
    given = {k: v for k, v in view.filters.items() if v}
    if given:
        text = "; ".join(f"{k}: {_filter_text(v)}" for k, v in given.items())
        out.print(i18n.t("campaigns.filters", lang, filters=text), markup=False)
    members = view.members
    table = Table()
    for column in members.columns:
        label = i18n.t(f"campaigns.member.{column}", lang)
        table.add_column(label, justify="right" if column == "customers" else "left")
    for row in members.itertuples(index=False):
        table.add_row(
            *(_member_cell(name, v, lang) for name, v in zip(members.columns, row, strict=True))
        )
    show(out, table)


def _filter_text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {_bounds(*v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


def _bounds(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{low:g}..{high:g}"
    return f">= {low:g}" if low is not None else f"<= {high:g}"


def _member_cell(column: str, value: Any, lang: str) -> str:
    if column == "customers":
        return count(value)
    if column == "lifecycle_stage" and isinstance(value, str):
        return i18n.t(f"lifecycle.{value}", lang) if i18n.has(f"lifecycle.{value}") else value
    return "-" if value is None else str(value)


def show_audiences(frame: pd.DataFrame, lang: str) -> None:
    _plain(frame, i18n.t("campaigns.audiences.title", lang, count=len(frame)))


def show_campaigns(frame: pd.DataFrame, lang: str) -> None:
    _plain(frame, i18n.t("campaigns.campaigns.title", lang, count=len(frame)))


def _plain(frame: pd.DataFrame, title: str) -> None:
    heads = [str(name) for name in frame.columns]
    rows = [[_plain_cell(v) for v in row] for row in frame.itertuples(index=False)]
    out = c.console()
    show(out, records(title, heads, rows, out.width))


def _plain_cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if hasattr(value, "strftime") and hasattr(value, "hour"):
        return value.strftime("%Y-%m-%d" if value == value.normalize() else "%Y-%m-%d %H:%M")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 1 or value == 0 else f"{value:g}"
    return str(value)


def stages_view(stages: pd.DataFrame, lang: str, width: int) -> RenderableType | None:
    """The customers per lifecycle stage with each stage's action (None without stages)."""
    if stages.empty:
        return None
    title = i18n.t("stages.title", lang)
    if width >= WIDE:
        table = Table(title=title)
        for i, key in enumerate(
            ("col.stage", "col.customers", "col.customers_pct", "col.revenue_pct", "col.action")
        ):
            table.add_column(
                i18n.t(key, lang), justify="right" if 0 < i < 4 else "left", no_wrap=i < 4
            )
        for row in stages.itertuples(index=False):
            table.add_row(
                str(row.stage_label),
                count(row.customers),
                f"{row.customers_pct:.1f}%",
                f"{row.revenue_pct:.1f}%",
                str(row.action),
            )
        return table
    parts: list[RenderableType] = [Text(title, style="bold")]
    for row in stages.itertuples(index=False):
        parts.append(
            Text(
                f"{row.stage_label} · {count(row.customers)} · {row.customers_pct:.1f}%",
                style="bold",
            )
        )
        parts.append(Text(f"  {row.action}"))
    return Group(*parts)
