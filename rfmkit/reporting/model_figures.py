"""Plotly figures of the predictions and of the history, from small frames."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go

from rfmkit.reporting import fmt, style
from rfmkit.reporting.data import FREQUENCY_CAP
from rfmkit.reporting.text import t

if TYPE_CHECKING:
    from rfmkit.models import ValidationReport


def p_alive_matrix(matrix: pd.DataFrame, lang: str) -> go.Figure:
    """Mean P(alive) per orders (rows) × days since last purchase (columns)."""
    fig = style.figure(t("chart.p_alive_matrix", lang), height=460)
    frequencies = sorted(int(f) for f in matrix["frequency"].unique())
    lows = sorted(float(v) for v in matrix["recency_low"].unique())
    width = float((matrix["recency_high"] - matrix["recency_low"]).iloc[0]) if len(matrix) else 1
    cells: dict[tuple[int, float], Any] = {
        (int(row["frequency"]), float(row["recency_low"])): row for row in matrix.to_dict("records")
    }
    z: list[list[float | None]] = []
    hover: list[list[str]] = []
    for f in frequencies:
        z_row: list[float | None] = []
        hover_row: list[str] = []
        for low in lows:
            if (f, low) in cells:
                cell = cells[(f, low)]
                z_row.append(round(float(cell["p_alive"]), 4))
                hover_row.append(
                    f"{_frequency_label(f, lang)} · {_days_label(low, low + width, lang)}<br>"
                    f"{t('axis.p_alive', lang)}: {float(cell['p_alive']):.2f}<br>"
                    f"{t('hover.customers', lang)}: {fmt.integer(int(cell['customers']), lang)}"
                )
            else:
                z_row.append(None)
                hover_row.append("")
        z.append(z_row)
        hover.append(hover_row)
    fig.add_trace(
        go.Heatmap(
            x=[low + width / 2 for low in lows],
            y=[_frequency_label(f, lang) for f in frequencies],
            z=z,
            zmin=0,
            zmax=1,
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            colorscale="RdYlGn",
            colorbar={"title": {"text": t("axis.p_alive", lang)}},
        )
    )
    fig.update_xaxes(title=t("metric.recency_days", lang))
    fig.update_yaxes(title=t("metric.frequency", lang), type="category")
    return fig


def p_alive_one_time(curve: pd.DataFrame, lang: str, *, note: str | None = None) -> go.Figure:
    """Mean P(alive) of one-time buyers by days since their purchase, with a 10-90 % band."""
    fig = style.figure(t("chart.p_alive_one_time", lang))
    x = list((curve["recency_low"] + curve["recency_high"]) / 2)
    if "p10" in curve and len(curve):
        fig.add_trace(
            go.Scatter(
                x=x + x[::-1],
                y=list(curve["p90"]) + list(curve["p10"])[::-1],
                fill="toself",
                line={"width": 0},
                fillcolor="rgba(31,119,180,0.15)",
                hoverinfo="skip",
                showlegend=False,
            )
        )
    hover = [
        f"{_days_label(r['recency_low'], r['recency_high'], lang)}<br>"
        f"{t('axis.p_alive', lang)}: {r['p_alive']:.2f}<br>"
        f"{t('hover.customers', lang)}: {fmt.integer(r['customers'], lang)}"
        for r in curve.to_dict("records")
    ]
    fig.add_trace(
        go.Scatter(
            x=x,
            y=list(curve["p_alive"]),
            mode="lines+markers",
            line={"color": style.PALETTE[0], "width": 3},
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            showlegend=False,
        )
    )
    if note:
        fig.add_annotation(
            text=note, xref="paper", yref="paper", x=0, y=0.02, showarrow=False, align="left"
        )
    fig.update_xaxes(title=t("metric.recency_days", lang), rangemode="tozero")
    fig.update_yaxes(title=t("axis.p_alive", lang), range=[0, 1.02])
    return fig


def clv_distribution(bins: pd.DataFrame, lang: str) -> go.Figure:
    """Customers per CLV bin (log scale)."""
    fig = style.figure(t("chart.clv_distribution", lang), height=360)
    if len(bins):
        hover = [
            f"CLV {fmt.money(r.low, lang)} – {fmt.money(r.high, lang)}<br>"
            f"{t('hover.customers', lang)}: {fmt.integer(r.customers, lang)}"
            for r in bins.itertuples()
        ]
        fig.add_trace(
            go.Scatter(
                x=[*bins["low"], *bins["high"][-1:]],
                y=[*bins["customers"], *bins["customers"][-1:]],
                mode="lines",
                line={"shape": "hv", "color": style.PALETTE[1]},
                fill="tozeroy",
                customdata=[*hover, *hover[-1:]],
                hovertemplate="%{customdata}<extra></extra>",
                showlegend=False,
            )
        )
        fig.update_xaxes(
            type="log", **fmt.log_ticks(float(bins["low"].min()), float(bins["high"].max()), lang)
        )
        fig.update_yaxes(**fmt.ticks(0, float(bins["customers"].max()), lang))
    fig.update_xaxes(title=t("axis.clv", lang))
    fig.update_yaxes(title=t("axis.customers", lang))
    return fig


def calibration(report: ValidationReport, lang: str) -> go.Figure:
    """Mean holdout purchases per customer, actual vs predicted, by calibration repeat purchases."""
    rows = report.by_frequency
    fig = style.figure(t("chart.calibration", lang))
    for column, key, colour, dash in (
        ("actual_mean", "legend.actual", style.PALETTE[0], "solid"),
        ("predicted_mean", "legend.predicted", style.PALETTE[2], "dash"),
    ):
        fig.add_trace(
            go.Scatter(
                x=[str(v) for v in rows["repeat_purchases"]],
                y=[round(float(v), 4) for v in rows[column]],
                mode="lines+markers",
                name=t(key, lang),
                line={"color": colour, "dash": dash, "width": 3},
                customdata=[fmt.integer(int(n), lang) for n in rows["customers"]],
                hovertemplate="%{x}: %{y:.2f}<br>"
                + t("hover.customers", lang)
                + ": %{customdata}<extra>"
                + t(key, lang)
                + "</extra>",
            )
        )
    fig.update_xaxes(title=t("axis.repeat_purchases", lang), type="category")
    fig.update_yaxes(title=t("legend.predicted", lang) + " / " + t("legend.actual", lang))
    return fig


def at_risk(rows: pd.DataFrame, lang: str) -> go.Figure:
    """The valuable customers most at risk, by spend to date (the value at stake)."""
    rows = rows.iloc[::-1]
    fig = style.figure(t("chart.at_risk", lang), height=max(300, 80 + 26 * len(rows)))
    fig.update_layout(margin={"l": 110})
    hover = [
        f"{r.customer_id} · {r.segment_label}<br>"
        f"{t('risk.monetary', lang)}: {fmt.money(r.monetary, lang)}<br>"
        f"{t('risk.p_alive', lang)}: {r.p_alive:.2f} · CLV {fmt.money(r.clv, lang)}"
        for r in rows.itertuples()
    ]
    fig.add_trace(
        go.Bar(
            y=list(rows["customer_id"]),
            x=list(rows["monetary"]),
            orientation="h",
            marker={"color": style.ACCENT},
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            text=[fmt.money(v, lang) for v in rows["monetary"]],
            textposition="auto",
        )
    )
    if len(rows):
        fig.update_xaxes(**fmt.ticks(0, float(rows["monetary"].max()), lang))
    fig.update_xaxes(title=t("axis.value_at_stake", lang))
    fig.update_yaxes(type="category")
    return fig


def migration(
    moves: pd.DataFrame, labels: Mapping[str, str], order: list[str], lang: str, title: str
) -> go.Figure:
    """Sankey of customers from each segment (left) to each segment (right)."""
    moves = moves[moves["customers"] > 0]
    keys = [k for k in order if k in set(moves["from_segment"]) | set(moves["to_segment"])]
    keys += sorted((set(moves["from_segment"]) | set(moves["to_segment"])) - set(keys))
    left = {k: i for i, k in enumerate(keys)}
    right = {k: len(keys) + i for i, k in enumerate(keys)}
    colours = style.colours(keys, order)
    fig = style.figure(title, height=520)
    fig.add_trace(
        go.Sankey(
            arrangement="snap",
            node={
                "label": [labels.get(k, k) for k in keys] * 2,
                "color": colours * 2,
                "pad": 12,
                "thickness": 14,
            },
            link={
                "source": [left[k] for k in moves["from_segment"]],
                "target": [right[k] for k in moves["to_segment"]],
                "value": [int(v) for v in moves["customers"]],
                "color": [_faded(colours[left[k]]) for k in moves["from_segment"]],
                "hovertemplate": "%{source.label} → %{target.label}: %{value}<extra></extra>",
            },
        )
    )
    return fig


def trend(rows: pd.DataFrame, labels: Mapping[str, str], order: list[str], lang: str) -> go.Figure:
    """Customers per segment at each snapshot date."""
    fig = style.figure(t("chart.trend", lang))
    keys = [k for k in order if k in set(rows["segment"])]
    keys += sorted(set(rows["segment"]) - set(keys))
    for key, colour in zip(keys, style.colours(keys, order), strict=True):
        part = rows[rows["segment"] == key].sort_values("as_of")
        fig.add_trace(
            go.Scatter(
                x=[str(v)[:10] for v in part["as_of"]],
                y=[int(v) for v in part["customers"]],
                mode="lines+markers",
                name=labels.get(key, key),
                line={"color": colour},
            )
        )
    if len(rows):
        fig.update_yaxes(**fmt.ticks(0, float(rows["customers"].max()), lang))
    fig.update_xaxes(title=t("axis.date", lang), type="date")
    fig.update_yaxes(title=t("axis.customers", lang), rangemode="tozero")
    fig.update_layout(legend={"y": -0.25, "yanchor": "top", "x": 0, "xanchor": "left"})
    return fig


def _frequency_label(frequency: int, lang: str) -> str:
    if frequency >= FREQUENCY_CAP:
        return t("legend.more", lang, x=t("unit.orders", lang, x=frequency))
    return t("unit.orders", lang, x=frequency)


def _days_label(low: float, high: float, lang: str) -> str:
    return t("unit.days", lang, x=f"{round(low)}–{round(high) - 1}")


def _faded(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},0.35)"
