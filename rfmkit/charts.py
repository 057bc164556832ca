"""Charts of a scoring (or prediction) run, one by one, as Plotly figures.

Every function takes the result of :func:`rfmkit.score` (or of
:func:`rfmkit.predict`, which holds one) and returns a
``plotly.graph_objects.Figure``: it renders inline in Jupyter, ``.show()``
opens it in a browser, and :func:`export_chart` writes it as PNG or SVG::

    result = rfmkit.score("orders.csv")
    fig = rfmkit.charts.value_map(result, lang="en")
    rfmkit.charts.export_chart(fig, "value_map.png", width=1000, height=600)

The data behind a chart is aggregated inside the engine (a group-by per
chart); a figure never holds one point per customer. ``lang`` (``zh`` or
``en``) defaults to the language of the run. The charts of predictions need
the result of :func:`rfmkit.predict`; those of history need ``history`` (see
:mod:`rfmkit.reporting.history`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir
import pandas as pd
import plotly.graph_objects as go

from rfmkit import glossary as g
from rfmkit.errors import ConfigError
from rfmkit.reporting import data, figures, model_figures
from rfmkit.reporting.export import export_chart
from rfmkit.reporting.history import History, as_history
from rfmkit.reporting.text import t
from rfmkit.verbs.score import ScoreResult

if TYPE_CHECKING:
    from rfmkit.verbs.predict import ScoredPrediction

HistoryLike = History | Mapping[str, Any] | None


def value_map(result: Any, lang: str | None = None) -> go.Figure:
    """R score × F score grid, coloured by mean spend and annotated with customers."""
    scored = score_of(result)
    return figures.value_map(data.rf_grid(scored.customers), scored.levels, _lang(result, lang))


def r_distribution(result: Any, lang: str | None = None) -> go.Figure:
    """Customers by days since last purchase, with the R breakpoints."""
    return _distribution(result, g.RECENCY_DAYS, lang)


def f_distribution(result: Any, lang: str | None = None) -> go.Figure:
    """Customers by number of orders, with the F breakpoints."""
    return _distribution(result, g.FREQUENCY, lang)


def m_distribution(result: Any, lang: str | None = None) -> go.Figure:
    """Customers by spend (log scale), with the M breakpoints."""
    return _distribution(result, g.MONETARY, lang)


def segment_treemap(result: Any, lang: str | None = None) -> go.Figure:
    """One tile per segment, sized by its customers."""
    return figures.segment_treemap(summary_in(result, _lang(result, lang)), _lang(result, lang))


def segment_share(result: Any, lang: str | None = None) -> go.Figure:
    """Share of customers beside share of revenue, per segment."""
    return figures.segment_share(summary_in(result, _lang(result, lang)), _lang(result, lang))


def pareto(result: Any, lang: str | None = None) -> go.Figure:
    """Cumulative share of revenue by share of customers, with the top-N % point."""
    return figures.pareto_curve(score_of(result).pareto, _lang(result, lang))


def p_alive_matrix(result: Any, lang: str | None = None) -> go.Figure:
    """Mean P(alive) over orders × days since last purchase (needs predictions)."""
    return model_figures.p_alive_matrix(
        data.p_alive_matrix(_predicted(result, "p_alive_matrix").customers), _lang(result, lang)
    )


def p_alive_one_time(result: Any, lang: str | None = None) -> go.Figure:
    """P(alive) of one-time buyers by days since their purchase (needs predictions)."""
    predicted = _predicted(result, "p_alive_one_time")
    chosen = _lang(result, lang)
    note = t("pred.bgnbd_note", chosen) if _is_bgnbd(predicted) else None
    return model_figures.p_alive_one_time(
        data.one_time_p_alive(predicted.customers), chosen, note=_wrap(note)
    )


def clv_distribution(result: Any, lang: str | None = None) -> go.Figure:
    """Customers by predicted lifetime value, log scale (needs predictions)."""
    customers = _predicted(result, "clv_distribution").customers
    return model_figures.clv_distribution(
        data.histogram(customers, "clv", log=True), _lang(result, lang)
    )


def calibration(result: Any, lang: str | None = None) -> go.Figure:
    """Holdout purchases per customer, predicted vs actual (needs a validated prediction)."""
    report = _predicted(result, "calibration").prediction.validation
    if report is None:
        raise ConfigError(
            "The calibration chart needs the model check, which this prediction has not.",
            fix="Predict with validate=True on a history longer than twice the horizon.",
        )
    return model_figures.calibration(report, _lang(result, lang))


def at_risk(result: Any, lang: str | None = None, top: int = 15) -> go.Figure:
    """The ``top`` valuable customers at risk of leaving, by spend to date (needs predictions)."""
    chosen = _lang(result, lang)
    rows = at_risk_rows(result, chosen, top)
    return model_figures.at_risk(rows, chosen)


def migration(result: Any, lang: str | None = None, *, history: HistoryLike = None) -> go.Figure:
    """Sankey of customers between the segments of two snapshots (needs ``history``)."""
    chosen = _lang(result, lang)
    past = _history(history, "migration")
    assert past.migration is not None
    scored = score_of(result)
    title = t(
        "chart.migration",
        chosen,
        start=past.from_as_of.isoformat() if past.from_as_of else "",
        end=past.to_as_of.isoformat() if past.to_as_of else "",
    )
    return model_figures.migration(
        past.migration, _labels(scored, chosen), _order(scored), chosen, title
    )


def trend(result: Any, lang: str | None = None, *, history: HistoryLike = None) -> go.Figure:
    """Customers per segment at each snapshot (needs ``history``)."""
    chosen = _lang(result, lang)
    past = _history(history, "trend")
    assert past.trend is not None
    scored = score_of(result)
    return model_figures.trend(past.trend, _labels(scored, chosen), _order(scored), chosen)


#: Every chart: name → function, in the report's order.
CHARTS: dict[str, Callable[..., go.Figure]] = {
    "value_map": value_map,
    "r_distribution": r_distribution,
    "f_distribution": f_distribution,
    "m_distribution": m_distribution,
    "segment_treemap": segment_treemap,
    "segment_share": segment_share,
    "pareto": pareto,
    "migration": migration,
    "trend": trend,
    "p_alive_matrix": p_alive_matrix,
    "p_alive_one_time": p_alive_one_time,
    "clv_distribution": clv_distribution,
    "calibration": calibration,
    "at_risk": at_risk,
}
NAMES: tuple[str, ...] = tuple(CHARTS)
#: Charts that need :func:`rfmkit.predict`'s result, and those that need history.
PREDICTION_CHARTS = frozenset(
    {"p_alive_matrix", "p_alive_one_time", "clv_distribution", "calibration", "at_risk"}
)
HISTORY_CHARTS = frozenset({"migration", "trend"})


def chart(
    name: str, result: Any, *, lang: str | None = None, history: HistoryLike = None
) -> go.Figure:
    """The chart ``name`` (one of :data:`NAMES`) of ``result``: what ``rfmkit chart NAME`` calls."""
    check_name(name)
    if name in HISTORY_CHARTS:
        return CHARTS[name](result, lang, history=history)
    return CHARTS[name](result, lang)


def check_name(name: str) -> None:
    """Refuse a chart name that is not one of :data:`NAMES`."""
    if name not in CHARTS:
        raise ConfigError(
            f"No chart named {name!r}.",
            fix=f"Use one of {', '.join(NAMES)} (rfmkit chart --list).",
        )


def describe(lang: str = "en") -> list[tuple[str, str]]:
    """``(name, title)`` of every chart, for ``rfmkit chart --list``."""
    titles = {"pareto": "chart.pareto", "migration": "chart.migration", "trend": "chart.trend"}
    out = []
    for name in NAMES:
        text = t(titles.get(name, f"chart.{name}"), lang, start="A", end="B")
        out.append((name, text.split("：")[0] if name == "migration" else text))
    return out


# -- helpers shared with the report ---------------------------------------------


def score_of(result: Any) -> ScoreResult:
    """The :class:`ScoreResult` of a scoring or a prediction result."""
    if isinstance(result, ScoreResult):
        return result
    inner = getattr(result, "score", None)
    if isinstance(inner, ScoreResult):
        return inner
    raise ConfigError(
        f"Charts are drawn from the result of rfmkit.score or rfmkit.predict, not {type(result).__name__}.",
        fix="Pass what rfmkit.score(...) or rfmkit.predict(...) returned.",
    )


def prediction_of(result: Any) -> ScoredPrediction | None:
    """The prediction result, or None for a plain scoring result."""
    return result if hasattr(result, "prediction") and hasattr(result, "score") else None


def with_customers(result: Any, customers: ir.Table) -> Any:
    """A copy of ``result`` whose customer table is ``customers`` (e.g. cached)."""
    if prediction_of(result) is not None:
        scored = dataclasses.replace(result.score, customers=customers.select(*g.CUSTOMER_COLUMNS))
        return dataclasses.replace(result, customers=customers, score=scored)
    return dataclasses.replace(result, customers=customers)


def summary_in(result: Any, lang: str) -> pd.DataFrame:
    """The segment summary with labels and actions in ``lang``."""
    scored = score_of(result)
    frame = scored.summary.copy()
    if lang != scored.lang:
        frame[g.SEGMENT_LABEL] = [scored.scheme.segment(k).label(lang) for k in frame[g.SEGMENT]]
        frame["action"] = [scored.scheme.segment(k).action(lang) for k in frame[g.SEGMENT]]
    return frame


def at_risk_rows(result: Any, lang: str, top: int = 15) -> pd.DataFrame:
    """The ``top`` customers at risk, with segment labels in ``lang``."""
    predicted = _predicted(result, "at_risk")
    rows = data.at_risk(predicted.customers, top)
    labels = _labels(score_of(result), lang)
    rows[g.SEGMENT_LABEL] = [labels.get(k, k) for k in rows[g.SEGMENT]]
    return rows


def _distribution(result: Any, metric: str, lang: str | None) -> go.Figure:
    scored = score_of(result)
    log = metric == g.MONETARY
    bins = data.histogram(scored.customers, metric, log=log)
    return figures.distribution(bins, scored.breakpoints[metric], _lang(result, lang), log=log)


def _lang(result: Any, lang: str | None) -> str:
    chosen = lang or score_of(result).lang
    if chosen not in ("zh", "en"):
        raise ConfigError(f"Unknown language {chosen!r}.", fix="Use zh or en.")
    return chosen


def _predicted(result: Any, name: str) -> ScoredPrediction:
    predicted = prediction_of(result)
    if predicted is None:
        raise ConfigError(
            f"The chart {name} needs predictions.",
            fix="Draw it from the result of rfmkit.predict(...) (rfmkit predict on the command line).",
        )
    return predicted


def _history(history: HistoryLike, part: str) -> History:
    past = as_history(history)
    if past is None or getattr(past, part) is None:
        raise ConfigError(
            f"The chart {part} needs history with a {part} table.",
            fix="Pass history={'migration': ..., 'trend': ...} (see rfmkit.reporting.history).",
        )
    return past


def _labels(scored: ScoreResult, lang: str) -> dict[str, str]:
    return {s.key: s.label(lang) for s in scored.scheme.segments}


def _order(scored: ScoreResult) -> list[str]:
    return [s.key for s in scored.scheme.segments]


def _is_bgnbd(predicted: ScoredPrediction) -> bool:
    return str(predicted.prediction.settings.get("model", "")).lower() in ("bgnbd", "bg/nbd")


def _wrap(text: str | None, width: int = 60) -> str | None:
    """Break a long note into lines (``<br>``) for a chart annotation."""
    if text is None:
        return None
    step = width // 2 if any("\u4e00" <= ch <= "\u9fff" for ch in text) else width
    words = list(text) if step != width else text.split(" ")
    lines, line = [], ""
    for word in words:
        joined = line + word if step != width else (f"{line} {word}" if line else word)
        if len(joined) > step and line:
            lines.append(line)
            line = word
        else:
            line = joined
    return "<br>".join([*lines, line])


__all__ = [
    "CHARTS",
    "HISTORY_CHARTS",
    "NAMES",
    "PREDICTION_CHARTS",
    "at_risk",
    "calibration",
    "chart",
    "clv_distribution",
    "describe",
    "export_chart",
    "f_distribution",
    "m_distribution",
    "migration",
    "p_alive_matrix",
    "p_alive_one_time",
    "pareto",
    "r_distribution",
    "segment_share",
    "segment_treemap",
    "trend",
    "value_map",
]
