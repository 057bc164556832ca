"""The self-contained HTML report of a run: :func:`render_report` and :func:`write_report`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from rfmkit import charts, i18n
from rfmkit import glossary as g
from rfmkit.errors import ConfigError
from rfmkit.quality import atomic_write
from rfmkit.reporting import data, fmt
from rfmkit.reporting.history import History, as_history
from rfmkit.reporting.page import (
    Chart,
    charts_grid,
    esc,
    json_text,
    page,
    paragraph,
    section,
    table,
)
from rfmkit.reporting.text import has, t
from rfmkit.scoring import Breakpoints
from rfmkit.verbs.score import ScoreResult

#: Sections in page order; history and predictions appear only with their data.
SECTIONS = (
    "key-figures",
    "method",
    "value-map",
    "distributions",
    "segments",
    "pareto",
    "segment-table",
    "history",
    "campaigns",
    "predictions",
    "record",
)
_TITLES = {
    "key-figures": "section.key_figures",
    "method": "section.method",
    "value-map": "section.value_map",
    "distributions": "section.distributions",
    "segments": "section.segments",
    "pareto": "section.pareto",
    "segment-table": "section.segment_table",
    "history": "section.history",
    "campaigns": "section.campaigns",
    "predictions": "section.predictions",
    "record": "section.record",
}


def render_report(
    result: Any,
    *,
    lang: str | None = None,
    history: History | Mapping[str, Any] | None = None,
    predictions: Any = None,
    record: Mapping[str, Any] | None = None,
    campaigns: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
) -> str:
    """The report of ``result`` as one self-contained HTML document.

    Parameters
    ----------
    result
        What :func:`rfmkit.score` returned, or :func:`rfmkit.predict` (then the
        predictions section is drawn from it).
    lang
        ``zh`` or ``en``; default: the language of the run.
    history
        Segment migration and trend tables (see :mod:`rfmkit.reporting.history`);
        the history section appears only when given.
    predictions
        The result of :func:`rfmkit.predict` when ``result`` is a plain scoring
        result of the same run.
    record
        The run record (JSON-ready) for the appendix; default: ``result.record``
        when the result has one.
    campaigns
        Measured campaigns (the ``results`` of
        :func:`rfmkit.verbs.campaign.measure_campaign`, or several by name):
        the campaign section appears only when given.
    """
    source = predictions if predictions is not None else result
    if predictions is not None and charts.prediction_of(predictions) is None:
        raise ConfigError(
            "predictions must be the result of rfmkit.predict.",
            fix="Pass what rfmkit.predict(...) returned, or leave predictions out.",
        )
    chosen = charts._lang(result, lang)
    cached = source.customers.cache()
    try:
        return _Report(charts.with_customers(source, cached), chosen).html(
            as_history(history), _record(result, record), campaigns
        )
    finally:
        cached.release()


def write_report(result: Any, path: str | Path, **options: Any) -> Path:
    """Write :func:`render_report` to ``path`` (atomically) and return the path."""
    target = Path(path)
    text = render_report(result, **options)
    atomic_write(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return target


class _Report:
    """The sections of one report; every chart is drawn from the (cached) customer table."""

    def __init__(self, result: Any, lang: str) -> None:
        self.result = result
        self.scored: ScoreResult = charts.score_of(result)
        self.predicted = charts.prediction_of(result)
        self.lang = lang
        self.charts: list[Chart] = []

    def html(
        self,
        history: History | None,
        record: Mapping[str, Any] | None,
        campaigns: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
    ) -> str:
        totals = data.totals(self.scored.customers)
        parts = {
            "key-figures": self.key_figures(totals),
            "method": self.method(),
            "value-map": self.figures("value-map", "value_map"),
            "distributions": self.figures(
                "distributions", "r_distribution", "f_distribution", "m_distribution"
            ),
            "segments": self.figures("segments", "segment_treemap", "segment_share"),
            "pareto": self.pareto(),
            "segment-table": self.segment_table(),
            "history": self.history(history) if history and not history.empty else "",
            "campaigns": self.campaigns(campaigns) if campaigns is not None else "",
            "predictions": self.predictions() if self.predicted is not None else "",
            "record": self.record(record) if record else "",
        }
        shown = [key for key in SECTIONS if parts[key]]
        return page(
            lang=self.lang,
            title=t("report.title", self.lang),
            header=self.header(totals, shown),
            sections=[parts[key] for key in shown],
            charts=self.charts,
        )

    def header(self, totals: data.Totals, shown: list[str]) -> str:
        from rfmkit import __version__

        subtitle = t(
            "report.subtitle",
            self.lang,
            as_of=fmt.date(self.scored.as_of, self.lang),
            start=fmt.date(totals.first_purchase, self.lang),
            end=fmt.date(totals.last_purchase, self.lang),
            version=__version__,
        )
        links = "".join(
            f'<li><a href="#{key}">{esc(t(_TITLES[key], self.lang))}</a></li>' for key in shown
        )
        return (
            f"<header><h1>{esc(t('report.title', self.lang))}</h1>"
            f"{paragraph(subtitle, 'subtitle')}"
            f'<nav aria-label="{esc(t("report.contents", self.lang))}"><ol>{links}</ol></nav>'
            "</header>"
        )

    # -- sections -----------------------------------------------------------

    def key_figures(self, totals: data.Totals) -> str:
        lang, q = self.lang, self.scored.quality
        average = totals.revenue / totals.orders if totals.orders else None
        cards = [
            ("kpi.customers", fmt.integer(totals.customers, lang)),
            ("kpi.revenue", fmt.money(totals.revenue, lang)),
            ("kpi.orders", fmt.integer(totals.orders, lang)),
            ("kpi.avg_order_value", fmt.money(average, lang)),
            (
                "kpi.date_range",
                f"{fmt.date(totals.first_purchase, lang)} – {fmt.date(totals.last_purchase, lang)}",
            ),
            ("kpi.as_of", fmt.date(self.scored.as_of, lang)),
        ]
        html_cards = "".join(
            f'<div class="card" data-kpi="{key.split(".")[1]}"><div class="label">'
            f'{esc(t(key, lang))}</div><div class="value">{esc(value)}</div></div>'
            for key, value in cards
        )
        parts = [f'<div class="cards">{html_cards}</div>']
        if self.scored.unscored_customers:
            n = fmt.integer(self.scored.unscored_customers, lang)
            parts.append(paragraph(t("kpi.unscored", lang, n=n), "note"))
        parts.append(f"<h3>{esc(t('quality.title', lang))}</h3>")
        parts.append(
            paragraph(
                t(
                    "quality.rows",
                    lang,
                    read=fmt.integer(q.rows_read, lang),
                    used=fmt.integer(q.rows_used, lang),
                    left=fmt.integer(q.rows_left_out, lang),
                )
            )
        )
        taken = [r for r in q.rules if r.count]
        rows = [
            [
                _rule_text(r.rule, r.description, lang),
                t(f"action.{r.action}", lang) if r.action in _ACTIONS else r.action,
                fmt.integer(r.count, lang),
                fmt.percent(r.share * 100, 2),
            ]
            for r in taken
        ]
        head = [
            t(k, lang) for k in ("quality.rule", "quality.action", "quality.count", "quality.share")
        ]
        if rows:
            parts.append(table(head, rows, numeric=[False, False, True, True]))
        others = [_rule_text(r.rule, r.description, lang) for r in q.rules if not r.count]
        if others:
            joined = "、".join(others) if lang == "zh" else "; ".join(others)
            parts.append(paragraph(t("quality.checked", lang, rules=joined), "note"))
        if not q.rows_left_out:
            parts.append(paragraph(t("quality.none", lang), "note"))
        return section("key-figures", t("section.key_figures", lang), *parts)

    def method(self) -> str:
        lang, scored = self.lang, self.scored
        r, f, m = (f"{w:g}" for w in scored.weights)
        scheme = scored.scheme
        texts = [
            t(
                "method.scores",
                lang,
                levels=scored.levels,
                method=t(f"method.{scored.method}", lang),
            ),
            t("method.weights", lang, r=r, f=f, m=m),
            t(
                "method.scheme",
                lang,
                name=scheme.name(lang),
                key=scheme.key,
                description=scheme.description(lang),
            ),
        ]
        split = _split_text(scored, lang)
        if split:
            texts.append(split)
        metrics = (g.RECENCY_DAYS, g.FREQUENCY, g.MONETARY)
        ranges = {m_: _ranges(scored.breakpoints[m_], lang) for m_ in metrics}
        head = [t("method.score", lang)] + [
            f"{letter} · {t(f'metric.{m_}', lang)}"
            for letter, m_ in zip("RFM", metrics, strict=True)
        ]
        rows = [
            [str(score), *(ranges[m_].get(score, "–") for m_ in metrics)]
            for score in range(scored.levels, 0, -1)
        ]
        body = "".join(paragraph(text) for text in texts) + table(head, rows)
        return section("method", t("section.method", lang), body)

    def figures(self, key: str, *names: str) -> str:
        drawn = [self.chart(name) for name in names]
        return section(key, t(_TITLES[key], self.lang), charts_grid(drawn))

    def pareto(self) -> str:
        sentence = self.scored.pareto.sentence(self.lang)
        return section(
            "pareto",
            t("section.pareto", self.lang),
            paragraph(sentence),
            charts_grid([self.chart("pareto")]),
        )

    def segment_table(self) -> str:
        lang = self.lang
        frame = charts.summary_in(self.result, lang)
        columns = (
            "customers",
            "customers_pct",
            "revenue",
            "revenue_pct",
            "mean_recency_days",
            "mean_frequency",
            "mean_monetary",
        )
        head = [t("table.segment", lang), *(t(f"table.{c}", lang) for c in columns)]
        head.append(t("table.action", lang))
        rows = [
            [
                row[g.SEGMENT_LABEL],
                fmt.integer(row["customers"], lang),
                fmt.percent(row["customers_pct"]),
                fmt.money(row["revenue"], lang),
                fmt.percent(row["revenue_pct"]),
                _num(row["mean_recency_days"], lang, 0),
                _num(row["mean_frequency"], lang, 1),
                fmt.money(row["mean_monetary"], lang),
                row["action"],
            ]
            for _, row in frame.iterrows()
        ]
        numeric = [False, *([True] * len(columns)), False]
        return section(
            "segment-table", t("section.segment_table", lang), table(head, rows, numeric)
        )

    def campaigns(self, measured: pd.DataFrame | Mapping[str, pd.DataFrame]) -> str:
        from rfmkit.reporting.campaigns import campaign_section

        labels = {s.key: s.label(self.lang) for s in self.scored.scheme.segments}
        return campaign_section(measured, self.lang, labels)

    def history(self, past: History) -> str:
        drawn = []
        if past.migration is not None:
            drawn.append(self.chart("migration", history=past))
        if past.trend is not None:
            drawn.append(self.chart("trend", history=past))
        return section(
            "history",
            t("section.history", self.lang),
            paragraph(t("history.note", self.lang), "note"),
            charts_grid(drawn),
        )

    def predictions(self) -> str:
        lang, predicted = self.lang, self.predicted
        assert predicted is not None
        prediction = predicted.prediction
        parts = [
            paragraph(
                t(
                    "pred.summary",
                    lang,
                    model=prediction.purchase_model.name,
                    horizon=f"{prediction.horizon_days:g}",
                    at_risk=fmt.integer(predicted.at_risk, lang),
                    revenue=fmt.money(predicted.at_risk_revenue, lang),
                )
            )
        ]
        names = ["p_alive_matrix", "p_alive_one_time", "clv_distribution"]
        report = prediction.validation
        if report is not None:
            names.append("calibration")
            parts.append(
                paragraph(
                    t(
                        "pred.validation",
                        lang,
                        start=report.calibration_end.isoformat(),
                        end=(report.holdout_end - dt.timedelta(days=1)).isoformat(),
                        predicted=fmt.number(report.total_predicted, lang, 0),
                        actual=fmt.number(report.total_actual, lang, 0),
                        error=f"{report.total_error_pct:+.1f}",
                    )
                )
            )
        elif prediction.validation_note:
            parts.append(
                paragraph(t("pred.no_validation", lang, note=prediction.validation_note), "note")
            )
        drawn = [self.chart(name) for name in names]
        parts.append(charts_grid(drawn))
        parts.append(f"<h3>{esc(t('chart.at_risk', lang))}</h3>")
        rows = charts.at_risk_rows(self.result, lang)
        if len(rows):
            parts.append(charts_grid([self.chart("at_risk")]))
            parts.append(_risk_table(rows, lang))
        else:
            parts.append(paragraph(t("risk.none", lang), "note"))
        return section("predictions", t("section.predictions", lang), *parts)

    def record(self, record: Mapping[str, Any]) -> str:
        return section(
            "record",
            t("section.record", self.lang),
            paragraph(t("record.note", self.lang), "note"),
            f'<pre class="record">{esc(json_text(record))}</pre>',
        )

    def chart(self, name: str, **extra: Any) -> Chart:
        figure = charts.CHARTS[name](self.result, self.lang, **extra)
        drawn = Chart(name, figure)
        self.charts.append(drawn)
        return drawn


_ACTIONS = frozenset({"excluded", "quarantined", "dropped", "info"})


def _record(result: Any, record: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The run record: given, or ``result.record`` (an object with ``to_dict`` or a dict)."""
    if record is not None:
        return record
    found = getattr(result, "record", None) or getattr(
        getattr(result, "score", None), "record", None
    )
    if found is None:
        return None
    return found.to_dict() if hasattr(found, "to_dict") else dict(found)


def _rule_text(rule: str, description: str, lang: str) -> str:
    return t(f"rule.{rule}", lang) if has(f"rule.{rule}") else description


def _split_text(scored: ScoreResult, lang: str) -> str | None:
    """Where "high" starts for each metric of a scheme that splits high/low."""
    line = getattr(scored, "split", None)
    if line is None:
        return None
    strict = line.how == "median"
    values = line.values
    parts = {}
    for name, better, unit in (
        ("r", "<", "unit.days"),
        ("f", ">", "unit.orders"),
        ("m", ">", None),
    ):
        if name not in values:
            parts[name] = "–"
            continue
        op = better if strict else better + "="
        op = {"<=": "≤", ">=": "≥"}.get(op, op)
        shown = _num(values[name], lang, 1) if unit else fmt.money(values[name], lang)
        parts[name] = f"{op} " + (t(unit, lang, x=shown) if unit else shown)
    return t("method.splits", lang, split=i18n.t(f"split.{line.how}", lang), **parts)


def _ranges(bp: Breakpoints, lang: str) -> dict[int, str]:
    """What each score of one metric means, in words."""
    integer = bp.metric in (g.RECENCY_DAYS, g.FREQUENCY)
    unit = {g.RECENCY_DAYS: "unit.days", g.FREQUENCY: "unit.orders"}.get(bp.metric)
    out = {}
    for score, low, high in bp.score_ranges():
        if low is not None and high is not None and low >= high:
            out[score] = "–"
            continue
        if integer:
            first = None if low is None else int(low) + 1
            last = None if high is None else int(high)
            if first is None and last is None:
                text = t("range.any", lang)
            elif first is None:
                text = f"≤ {last}"
            elif last is None:
                text = f"≥ {first}"
            else:
                text = f"{first}" if first == last else f"{first}–{last}"
            out[score] = t(unit, lang, x=text) if unit else text
        else:
            if low is None and high is None:
                out[score] = t("range.any", lang)
            elif low is None:
                out[score] = f"≤ {fmt.money(high, lang)}"
            elif high is None:
                out[score] = f"> {fmt.money(low, lang)}"
            else:
                out[score] = f"{fmt.money(low, lang)} – {fmt.money(high, lang)}"
    return out


def _risk_table(rows: pd.DataFrame, lang: str) -> str:
    head = [
        t(k, lang)
        for k in (
            "risk.customer",
            "risk.segment",
            "risk.monetary",
            "risk.p_alive",
            "risk.clv",
            "risk.recency",
        )
    ]
    body = [
        [
            r.customer_id,
            r.segment_label,
            fmt.money(r.monetary, lang),
            f"{r.p_alive:.2f}",
            fmt.money(r.clv, lang),
            t("unit.days", lang, x=fmt.integer(r.recency_days, lang)),
        ]
        for r in rows.itertuples()
    ]
    return table(head, body, numeric=[False, False, True, True, True, True])


def _num(value: float | None, lang: str, digits: int = 1) -> str:
    if value is None:
        return "–"
    return fmt.number(float(value), lang, digits)
