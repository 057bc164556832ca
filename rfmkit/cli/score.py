"""``rfmkit score``: transactions in, scored and segmented customers out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from rfmkit.cli import common as c
from rfmkit.cli.render import breakpoints_table, summary_table
from rfmkit.export import atomic_path, write_table
from rfmkit.pipeline import ScoreResult, score
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
    timezone: c.Timezone = None,
    strict: c.Strict = None,
    from_db: c.FromDb = None,
    table: c.Table = None,
    query: c.Query = None,
    engine: c.Engine = None,
    quality_report: Annotated[
        Path | None, typer.Option("--quality-report", help="Write the data-quality report as JSON.")
    ] = None,
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
    )
    with c.console.status(_STEPS["load"]) as status:
        result = score(
            c.paths_or_none(inputs),
            **settings.score_kwargs(),
            progress=lambda name: status.update(_STEPS[name]),
        )
        status.update(f"Writing {output}…")
        write_table(result.customers, output)
    if quality_report is not None:
        write_quality_report(result.quality, quality_report)
    show_result(result, output)


def write_quality_report(quality: object, path: Path) -> None:
    """Write the data-quality report of a run as JSON."""
    to_dict = getattr(quality, "to_dict", None)
    data = to_dict() if to_dict is not None else quality
    with atomic_path(path) as tmp:
        tmp.write_text(
            json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )


def show_result(result: ScoreResult, output: Path) -> None:
    c.console.print(summary_table(result, actions=c.console.width >= 120))
    c.console.print(breakpoints_table(result))
    note = f"Scored {result.scored_customers:,} customers as of {result.as_of}"
    if result.unscored_customers:
        note += (
            f"; {result.unscored_customers:,} customers had no order with a positive "
            "amount and were not scored"
        )
    c.console.print(f"{note}.\nWrote {output}")
