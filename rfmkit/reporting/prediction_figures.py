"""Figures of stored predictions by segment and by value, from small frames.

The web app's predictions page draws these beside the report's own
(:func:`rfmkit.reporting.model_figures.clv_distribution`,
:func:`~rfmkit.reporting.model_figures.p_alive_matrix`): the share of
customers per P(alive) or expected-purchases bin (:func:`bins`, from
:func:`rfmkit.reporting.data.histogram`) and one bar per segment
(:func:`segment_bars`). The caller gives the words (title, axis), the data
is aggregated in the engine before it gets here.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from rfmkit.reporting import fmt, style


def bins(frame: pd.DataFrame, title: str, axis: str, lang: str, *, digits: int = 2) -> go.Figure:
    """Customers per bin (``low``, ``high``, ``customers``): one bar per bin."""
    fig = style.figure(title, height=360)
    if len(frame):
        width = float(frame["high"].iloc[0] - frame["low"].iloc[0])
        hover = [
            f"{fmt.number(r.low, lang, digits)} – {fmt.number(r.high, lang, digits)}<br>"
            f"{fmt.integer(r.customers, lang)}"
            for r in frame.itertuples()
        ]
        fig.add_trace(
            go.Bar(
                x=[float(v) + width / 2 for v in frame["low"]],
                y=[int(v) for v in frame["customers"]],
                width=width * 0.95,
                marker={"color": style.PALETTE[0]},
                customdata=hover,
                hovertemplate="%{customdata}<extra></extra>",
                showlegend=False,
            )
        )
        fig.update_yaxes(**fmt.ticks(0, float(frame["customers"].max()), lang))
    fig.update_xaxes(title=axis)
    return fig


def segment_bars(
    frame: pd.DataFrame,
    value: str,
    title: str,
    axis: str,
    lang: str,
    order: Sequence[str],
) -> go.Figure:
    """One horizontal bar per segment (``segment``, ``segment_label``, ``value``), scheme order."""
    rank = {key: i for i, key in enumerate(order)}
    rows = frame.assign(_rank=[rank.get(k, len(order)) for k in frame["segment"]])
    rows = rows.sort_values("_rank", ascending=False)
    fig = style.figure(title, height=max(300, 90 + 34 * len(rows)))
    fig.update_layout(margin={"l": 130})
    fig.add_trace(
        go.Bar(
            y=list(rows["segment_label"]),
            x=[float(v) for v in rows[value]],
            orientation="h",
            marker={"color": style.colours(list(rows["segment"]), order)},
            text=[fmt.money(v, lang) for v in rows[value]],
            textposition="auto",
            hovertemplate="%{y}: %{text}<extra></extra>",
            showlegend=False,
        )
    )
    if len(rows):
        fig.update_xaxes(**fmt.ticks(0, float(rows[value].max()), lang))
    fig.update_xaxes(title=axis)
    fig.update_yaxes(type="category")
    return fig
