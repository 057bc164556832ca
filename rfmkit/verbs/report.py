"""The ``report`` and ``chart`` verbs: a run drawn as an offline HTML report or one image."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ibis.backends import BaseBackend

from rfmkit.settings import ReportOptions, Settings, build_group
from rfmkit.verbs.score import Progress, ScoreResult, as_settings, score_with


@dataclass
class Drawn:
    """What was drawn: the file written and the run it shows."""

    path: Path
    result: Any


def report(
    transactions: Any = None,
    *,
    output: str | Path,
    con: BaseBackend | None = None,
    progress: Progress | None = None,
    history: Any = None,
    **settings: Any,
) -> Drawn:
    """Score ``transactions`` (and predict with ``predict=True``) and write the HTML report.

    Takes every setting of :func:`rfmkit.score` (and of :func:`rfmkit.predict`)
    by name; ``history`` adds the migration and trend sections (see
    :mod:`rfmkit.reporting.history`).
    """
    options = build_group(ReportOptions, environ={}, **_pop(settings, ReportOptions))
    return report_with(
        transactions,
        as_settings(settings),
        options,
        Path(output),
        con=con,
        progress=progress,
        history=history,
    )


def report_with(
    transactions: Any,
    settings: Settings,
    options: ReportOptions,
    output: Path,
    *,
    con: BaseBackend | None = None,
    progress: Progress | None = None,
    history: Any = None,
) -> Drawn:
    """:func:`report` with validated settings."""
    from rfmkit.reporting import write_report

    result = run_for(transactions, settings, options.predict, con=con, progress=progress)
    if progress is not None:
        progress("report")
    return Drawn(write_report(result, output, history=history), result)


def chart(
    name: str,
    transactions: Any = None,
    *,
    output: str | Path,
    con: BaseBackend | None = None,
    progress: Progress | None = None,
    history: Any = None,
    **settings: Any,
) -> Drawn:
    """Score ``transactions`` and export the chart ``name`` (see :data:`rfmkit.charts.NAMES`)."""
    options = build_group(ReportOptions, environ={}, **_pop(settings, ReportOptions))
    return chart_with(
        name,
        transactions,
        as_settings(settings),
        options,
        Path(output),
        con=con,
        progress=progress,
        history=history,
    )


def chart_with(
    name: str,
    transactions: Any,
    settings: Settings,
    options: ReportOptions,
    output: Path,
    *,
    con: BaseBackend | None = None,
    progress: Progress | None = None,
    history: Any = None,
) -> Drawn:
    """:func:`chart` with validated settings (an unknown name fails before any work)."""
    from rfmkit import charts

    charts.check_name(name)
    predicted = options.predict or name in charts.PREDICTION_CHARTS
    result = run_for(transactions, settings, predicted, con=con, progress=progress)
    if progress is not None:
        progress("report")
    figure = charts.chart(name, result, lang=settings.lang, history=history)
    path = charts.export_chart(
        figure, output, width=options.width, height=options.height, scale=options.scale
    )
    return Drawn(path, result)


def run_for(
    transactions: Any,
    settings: Settings,
    predicted: bool,
    *,
    con: BaseBackend | None = None,
    progress: Progress | None = None,
) -> Any:
    """The run a picture shows: scores, or scores and predictions."""
    if predicted:
        from rfmkit.verbs.predict import predict_with

        return predict_with(transactions, settings, con=con, progress=progress)
    result: ScoreResult = score_with(transactions, settings, con=con, progress=progress)
    return result


def _pop(values: dict[str, Any], model: type[ReportOptions]) -> dict[str, Any]:
    return {k: values.pop(k) for k in list(values) if k in model.model_fields}
