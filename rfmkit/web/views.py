"""The overview and the history of the store, assembled from the verbs and the report's charts.

Both depend only on stored snapshots, which never change (a replaced
snapshot gets a new id), so they are cached by snapshot id and language:
the first request computes, the next ones answer from memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from rfmkit import charts
from rfmkit.reporting import data
from rfmkit.store import SnapshotInfo, Store
from rfmkit.web.errors import NotFound
from rfmkit.web.queries import frame_rows, snapshot_dict
from rfmkit.web.state import WebState

#: The overview's charts, in page order.
OVERVIEW_CHARTS = ("segment_share", "value_map", "pareto", "segment_treemap")


@dataclass(frozen=True)
class Overview:
    """Key figures, the segment table (with actions) and the charts of one snapshot."""

    snapshot: dict[str, Any]
    figures: dict[str, Any]
    segments: list[dict[str, Any]]
    pareto: str
    charts: dict[str, str] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "snapshot": self.snapshot,
            "figures": self.figures,
            "segments": self.segments,
            "pareto": self.pareto,
        }


def overview(state: WebState, info: SnapshotInfo, lang: str) -> Overview:
    key = ("overview", info.snapshot_id, lang)
    return state.cache.get(key, lambda: _overview(state, info, lang))


def _overview(state: WebState, info: SnapshotInfo, lang: str) -> Overview:
    from rfmkit.verbs.stored import stored_result

    with state.db() as store:
        result = stored_result(store, info, lang)
        totals = data.totals(result.customers)
        figures = {name: charts.chart(name, result, lang=lang) for name in OVERVIEW_CHARTS}
    summary = charts.summary_in(result, lang)
    key_figures = {
        "customers": totals.customers,
        "revenue": totals.revenue,
        "orders": totals.orders,
        "first_purchase": _iso(totals.first_purchase),
        "last_purchase": _iso(totals.last_purchase),
        "revenue_per_customer": totals.revenue / totals.customers if totals.customers else None,
        "top_revenue_share": result.pareto.revenue_share,
    }
    return Overview(
        snapshot_dict(info),
        key_figures,
        frame_rows(summary),
        result.pareto.sentence(lang),
        {name: figure_json(fig) for name, fig in figures.items()},
    )


@dataclass(frozen=True)
class History:
    """Snapshots, the latest migration (Sankey and matrix), the trend and the alerts."""

    snapshots: list[dict[str, Any]]
    matrix: list[dict[str, Any]]
    directions: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    charts: dict[str, str] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "snapshots": self.snapshots,
            "migration": self.matrix,
            "directions": self.directions,
            "trend": self.trend,
            "alerts": self.alerts,
        }


def history(state: WebState, lang: str) -> History:
    found = state.snapshots()
    if not found:
        raise NotFound("The store holds no snapshot yet.", fix="Upload data and run a scoring.")
    key = ("history", tuple(s.snapshot_id for s in found), lang)
    return state.cache.get(key, lambda: _history(state, found, lang))


def _history(state: WebState, found: list[SnapshotInfo], lang: str) -> History:
    from rfmkit.history import evaluate_alerts, migration, trend
    from rfmkit.verbs.stored import stored_result
    from rfmkit.web.alerting import rules_in_effect

    latest = found[-1]
    with state.db() as store:
        result = stored_result(store, latest, lang)
        trend_frame = trend(store, lang=lang)
        shown: dict[str, Any] = {"trend": trend_frame}
        matrix: list[dict[str, Any]] = []
        directions: list[dict[str, Any]] = []
        same = len(found) >= 2 and found[-2].scheme == latest.scheme
        if same:
            moved = migration(store, found[-2].as_of, latest.as_of, lang=lang)
            kept = moved.matrix.from_segment.notna() & moved.matrix.to_segment.notna()
            shown.update(
                migration=moved.matrix[kept], from_as_of=found[-2].as_of, to_as_of=latest.as_of
            )
            matrix, directions = frame_rows(moved.matrix), frame_rows(moved.directions)
        rules = rules_in_effect(store, latest.scheme)  # stored in the web app, else shipped
        alerts = frame_rows(evaluate_alerts(store, rules, lang=lang).head(200)) if same else []
    figures = {"trend": charts.trend(result, lang, history=shown)}
    if same:
        figures["migration"] = charts.migration(result, lang, history=shown)
    return History(
        [snapshot_dict(s) for s in reversed(found)],
        matrix,
        directions,
        frame_rows(trend_frame),
        alerts,
        {name: figure_json(fig) for name, fig in figures.items()},
    )


def figure_json(figure: go.Figure) -> str:
    """A figure as JSON text for the page's chart loader."""
    text: str = pio.to_json(figure, validate=False, pretty=False, remove_uids=True)
    return text


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


__all__ = ["History", "Overview", "Store", "history", "overview"]
