"""``rfmkit score``: transactions in, scored and segmented customers out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import ibis.expr.types as ir
import typer

from rfmkit.cli import common as c
from rfmkit.cli.render import breakpoints_table, summary_table
from rfmkit.export import write_table
from rfmkit.pipeline import ScoreResult, score
from rfmkit.quality import QualityReport, write_rejects, write_report
from rfmkit.settings import build_settings

_STEPS = {
    "load": "Reading transactions…",
    "metrics": "Computing recency, frequency, monetary…",
    "scores": "Scoring and segmenting…",
    "summary": "Summarising segments…",
}


def score_command(
    inputs: c.Inputs = None,
    output: c.Output = Path("customers.parquet"),
    as_of: c.AsOf = None,
    map: c.Map = None,
    scheme: Annotated[
        str | None,
        typer.Option("--scheme", help="cn8, classic11, value4, tier5 or a scheme YAML file."),
    ] = None,
    method: Annotated[str | None, typer.Option("--method", help="quantile or thresholds.")] = None,
    levels: Annotated[
        int | None, typer.Option("--levels", help="Score levels, 3-10 (default 5).")
    ] = None,
    weights: Annotated[
        str | None,
        typer.Option(
            "--weights", help="R,F,M weights (e.g. 1,2,1) or a preset (fmcg, luxury, ...)."
        ),
    ] = None,
    lang: c.Lang = None,
    split: Annotated[
        str | None, typer.Option("--split", help="mean or median, for high/low schemes.")
    ] = None,
    top_percent: Annotated[
        float | None,
        typer.Option("--top-percent", help="Pareto: revenue share of the top N% (default 20)."),
    ] = None,
    config: c.Config = None,
    sheet: c.Sheet = None,
    encoding: c.Encoding = None,
    delimiter: c.Delimiter = None,
    timezone: c.Timezone = None,
    dayfirst: c.Dayfirst = None,
    strict: c.Strict = None,
    exclude_customers: c.ExcludeCustomers = None,
    keep_duplicates: c.KeepDuplicates = None,
    keep_future: c.KeepFuture = None,
    max_amount: c.MaxAmount = None,
    outlier_iqr: c.OutlierIqr = None,
    level: c.Level = None,
    from_db: c.FromDb = None,
    table: c.Table = None,
    query: c.Query = None,
    engine: c.Engine = None,
    quality_report: c.QualityReport = None,
    rejects: c.Rejects = None,
) -> None:
    """Score customers by recency, frequency and monetary value and label their segments."""
    settings = build_settings(
        config,
        as_of=c.as_date(as_of),
        map=map,
        scheme=scheme,
        method=method,
        levels=levels,
        weights=weights,
        lang=lang,
        split=split,
        top_percent=top_percent,
        sheet=sheet,
        encoding=encoding,
        timezone=timezone,
        strict=strict,
        from_db=from_db,
        table=table,
        query=query,
        engine=engine,
        **c.load_settings(
            delimiter=delimiter,
            dayfirst=dayfirst,
            exclude_customers=exclude_customers,
            keep_duplicates=keep_duplicates,
            keep_future=keep_future,
            max_amount=max_amount,
            outlier_iqr=outlier_iqr,
            level=level,
        ),
    )
    with c.console.status(_STEPS["load"]) as status:
        result = score(
            c.paths_or_none(inputs),
            **settings.score_kwargs(),
            progress=lambda name: status.update(_STEPS[name]),
        )
        status.update(f"Writing {output}…")
        write_table(result.customers, output)
    write_outputs(result.quality, result.rejects, quality_report, rejects)
    show_result(result, output)


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
    c.console.print(result.quality.summary(), markup=False)
    c.console.print(summary_table(result, actions=c.console.width >= 120))
    c.console.print(breakpoints_table(result))
    note = f"Scored {result.scored_customers:,} customers as of {result.as_of}"
    if result.unscored_customers:
        note += (
            f"; {result.unscored_customers:,} customers had no order with a positive "
            "amount and were not scored"
        )
    c.console.print(f"{note}.\nWrote {output}")
