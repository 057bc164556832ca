"""Plotly figures of the RFM result, built from aggregated frames (see :mod:`.data`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from rfmkit import glossary as g
from rfmkit.reporting import fmt, style
from rfmkit.reporting.text import t
from rfmkit.scoring import Breakpoints
from rfmkit.summary import Pareto


def value_map(grid: pd.DataFrame, levels: int, lang: str) -> go.Figure:
    """Heatmap of R score (rows) × F score (columns), coloured by mean spend.

    Each cell is annotated with its number of customers.
    """
    scores = list(range(1, levels + 1))
    cells: dict[tuple[int, int], Any] = {
        (int(row[g.R_SCORE]), int(row[g.F_SCORE])): row for row in grid.to_dict("records")
    }
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    hover: list[list[str]] = []
    for r in scores:
        z_row: list[float | None] = []
        text_row: list[str] = []
        hover_row: list[str] = []
        for f in scores:
            if (r, f) in cells:
                cell = cells[(r, f)]
                z_row.append(float(cell["mean_monetary"]))
                text_row.append(fmt.integer(int(cell["customers"]), lang))
                hover_row.append(
                    f"R={r} F={f}<br>{t('hover.customers', lang)}: "
                    f"{fmt.integer(int(cell['customers']), lang)}<br>"
                    f"{t('axis.mean_monetary', lang)}: {fmt.money(cell['mean_monetary'], lang)}<br>"
                    f"{t('axis.revenue', lang)}: {fmt.money(cell['revenue'], lang)}"
                )
            else:
                z_row.append(None)
                text_row.append("")
                hover_row.append(f"R={r} F={f}<br>{t('hover.customers', lang)}: 0")
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
    fig = style.figure(t("chart.value_map", lang), height=460)
    values = [v for row in z for v in row if v is not None]
    colorbar: dict[str, Any] = {"title": {"text": t("axis.mean_monetary", lang)}}
    if values:
        colorbar |= fmt.ticks(min(values), max(values), lang)
    fig.add_trace(
        go.Heatmap(
            x=scores,
            y=scores,
            z=z,
            text=text,
            texttemplate="%{text}",
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            colorscale="YlGnBu",
            colorbar=colorbar,
            xgap=2,
            ygap=2,
        )
    )
    fig.update_xaxes(title=t("axis.f_score", lang), dtick=1)
    fig.update_yaxes(title=t("axis.r_score", lang), dtick=1)
    return fig


def distribution(
    bins: pd.DataFrame, breakpoints: Breakpoints, lang: str, *, log: bool = False
) -> go.Figure:
    """Customers per bin of one metric, with the score breakpoints as dashed lines."""
    metric = breakpoints.metric
    name = {g.RECENCY_DAYS: "r", g.FREQUENCY: "f", g.MONETARY: "m"}[metric]
    fig = style.figure(t(f"chart.{name}_distribution", lang), height=360)
    hover = [_bin_text(row, metric, lang) for row in bins.itertuples()]
    top = float(bins["customers"].max()) if len(bins) else 1.0
    if log:
        edges = [*bins["low"], *bins["high"][-1:]]
        counts = [*bins["customers"], *bins["customers"][-1:]]
        fig.add_trace(
            go.Scatter(
                x=edges,
                y=counts,
                mode="lines",
                line={"shape": "hv", "color": style.PALETTE[0]},
                fill="tozeroy",
                customdata=[*hover, *hover[-1:]],
                hovertemplate="%{customdata}<extra></extra>",
                showlegend=False,
            )
        )
        fig.update_xaxes(type="log", **_log_ticks(bins, lang))
    else:
        fig.add_trace(
            go.Bar(
                x=(bins["low"] + bins["high"]) / 2,
                y=bins["customers"],
                width=bins["high"] - bins["low"],
                marker={"color": style.PALETTE[0], "line": {"width": 0}},
                customdata=hover,
                hovertemplate="%{customdata}<extra></extra>",
                showlegend=False,
            )
        )
    _breakpoint_lines(fig, breakpoints, top, lang)
    fig.update_xaxes(title=t(f"metric.{metric}", lang))
    fig.update_yaxes(title=t("axis.customers", lang), **fmt.ticks(0, top, lang))
    return fig


def segment_treemap(summary: pd.DataFrame, lang: str) -> go.Figure:
    """One tile per non-empty segment, sized by its customers."""
    rows = summary[summary["customers"] > 0]
    fig = style.figure(t("chart.segment_treemap", lang), height=460)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 56, "b": 10})
    text = [
        f"{fmt.integer(r['customers'], lang)} · {fmt.percent(r['customers_pct'])}<br>"
        f"{t('legend.revenue', lang)} {fmt.percent(r['revenue_pct'])}"
        for r in rows.to_dict("records")
    ]
    fig.add_trace(
        go.Treemap(
            ids=list(rows[g.SEGMENT]),
            labels=list(rows[g.SEGMENT_LABEL]),
            parents=[""] * len(rows),
            values=[int(v) for v in rows["customers"]],
            text=text,
            textinfo="label+text",
            hovertemplate="%{label}<br>%{text}<extra></extra>",
            marker={"colors": style.colours(list(rows[g.SEGMENT]), list(summary[g.SEGMENT]))},
            sort=False,
        )
    )
    return fig


def segment_share(summary: pd.DataFrame, lang: str) -> go.Figure:
    """Per segment: share of customers beside share of revenue (horizontal bars)."""
    rows = summary.iloc[::-1]
    fig = style.figure(t("chart.segment_share", lang), height=max(320, 60 + 42 * len(rows)))
    fig.update_layout(barmode="group", margin={"l": 140})
    for column, key, colour in (
        ("customers_pct", "legend.customers", style.PALETTE[0]),
        ("revenue_pct", "legend.revenue", style.PALETTE[2]),
    ):
        fig.add_trace(
            go.Bar(
                y=list(rows[g.SEGMENT_LABEL]),
                x=list(rows[column]),
                orientation="h",
                name=t(key, lang),
                marker={"color": colour},
                text=[fmt.percent(v) for v in rows[column]],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y}: %{x:.1f}%<extra>" + t(key, lang) + "</extra>",
            )
        )
    fig.update_xaxes(title=t("axis.share", lang), rangemode="tozero")
    return fig


def pareto_curve(pareto: Pareto, lang: str) -> go.Figure:
    """Cumulative revenue share against the share of customers, best first."""
    curve = pareto.curve
    fig = style.figure(t("chart.pareto", lang))
    x = [0.0, *curve["customer_pct"].astype(float)]
    y = [0.0, *curve["revenue_pct"].astype(float)]
    fig.add_trace(
        go.Scatter(
            x=[0, 100],
            y=[0, 100],
            mode="lines",
            line={"dash": "dot", "color": style.MUTED},
            name=t("pareto.even", lang),
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="lines",
            line={"color": style.PALETTE[0], "width": 3},
            fill="tozeroy",
            name=t("axis.revenue_pct", lang),
            hovertemplate="%{x:.0f}% → %{y:.1f}%<extra></extra>",
            showlegend=False,
        )
    )
    label = t(
        "pareto.point", lang, top=f"{pareto.top_percent:g}", share=f"{pareto.revenue_share:.1f}"
    )
    fig.add_trace(
        go.Scatter(
            x=[pareto.top_percent],
            y=[pareto.revenue_share],
            mode="markers+text",
            marker={"size": 12, "color": style.ACCENT},
            text=[label],
            textposition="bottom right",
            name=label,
            hovertemplate=label + "<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_xaxes(title=t("axis.customer_pct", lang), range=[0, 100], ticksuffix="%")
    fig.update_yaxes(title=t("axis.revenue_pct", lang), range=[0, 102], ticksuffix="%")
    return fig


def _bin_text(row: object, metric: str, lang: str) -> str:
    low, high, count, is_open = (getattr(row, k) for k in ("low", "high", "customers", "open"))
    if metric == g.MONETARY:
        span = f"{fmt.money(low, lang)} – {fmt.money(high, lang)}"
        if is_open:
            span = f"≥ {fmt.money(low, lang)}"
    else:
        first, last = round(low), round(high) - 1
        span = f"{first}" if last <= first else f"{first}–{last}"
        if is_open:
            span = t("legend.more", lang, x=first)
    return f"{t(f'metric.{metric}', lang)}: {span}<br>{t('hover.customers', lang)}: " + fmt.integer(
        count, lang
    )


def _breakpoint_lines(fig: go.Figure, breakpoints: Breakpoints, top: float, lang: str) -> None:
    """One dashed vertical line per edge (a trace, so it holds on log axes too)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for edge in breakpoints.edges:
        xs += [edge, edge, None]
        ys += [0, top * 1.05, None]
    if not breakpoints.edges:
        return
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"dash": "dash", "color": style.ACCENT, "width": 1.5},
            name=t("legend.breakpoints", lang),
            hovertemplate="%{x}<extra>" + t("legend.breakpoints", lang) + "</extra>",
        )
    )


def _log_ticks(bins: pd.DataFrame, lang: str) -> dict[str, object]:
    if not len(bins):
        return {}
    return dict(fmt.log_ticks(float(bins["low"].min()), float(bins["high"].max()), lang))
