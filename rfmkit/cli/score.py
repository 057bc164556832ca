"""``rfmkit score``: transactions in, scored and segmented customers out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis.expr.types as ir

from rfmkit.cli import common as c
from rfmkit.cli.render import breakpoints_table, summary_table
from rfmkit.export import check_output, write_table
from rfmkit.pipeline import ScoreResult, score
from rfmkit.quality import QualityReport, write_rejects, write_report
from rfmkit.settings import ScoreSettings, build_settings

_STEPS = {
    "load": "Reading transactions…",
    "metrics": "Computing recency, frequency, monetary…",
    "scores": "Scoring and segmenting…",
    "summary": "Summarising segments…",
}


@c.with_options(c.scoring_options, c.reading_options)
def score_command(
    inputs: c.Inputs = None,
    output: c.Output = Path("customers.parquet"),
    **options: Any,
) -> None:
    """Score customers by recency, frequency and monetary value and label their segments."""
    settings = score_settings(**options)
    check_output(output)
    with c.console().status(_STEPS["load"]) as status:
        result = score(
            c.paths_or_none(inputs),
            **settings.score_kwargs(),
            progress=lambda name: status.update(_STEPS[name]),
        )
        status.update(f"Writing {output}…")
        write_table(result.customers, output)
    write_outputs(result.quality, result.rejects, options["quality_report"], options["rejects"])
    show_result(result, output)


def score_settings(
    *,
    config: Path | None,
    as_of: dt.datetime | None,
    **given: Any,
) -> ScoreSettings:
    """Settings from the config file and the options given (the CLI's shared options).

    Options that are not settings (``inputs``, ``output``, report paths, a
    command's own options) are ignored.
    """
    known = {k: v for k, v in given.items() if k in ScoreSettings.model_fields}
    return build_settings(
        config,
        as_of=c.as_date(as_of),
        **known,
    )


def write_outputs(
    quality: QualityReport,
    rejected: Callable[[], ir.Table],
    quality_report: Path | None,
    rejects: Path | None,
) -> None:
    """Write the data-quality report and the rejected rows, when asked for."""
    if quality_report is not None:
        write_report(quality, quality_report)
    if rejects is not None:
        write_rejects(rejected(), rejects)


def show_result(result: ScoreResult, output: Path) -> None:
    c.console().print(result.quality.summary(), markup=False)
    c.console().print(summary_table(result, actions=c.console().width >= 120))
    c.console().print(breakpoints_table(result))
    note = f"Scored {result.scored_customers:,} customers as of {result.as_of}"
    if result.unscored_customers:
        note += (
            f"; {result.unscored_customers:,} customers had no order with a positive "
            "amount and were not scored"
        )
    c.console().print(f"{note}.\nWrote {output}")
