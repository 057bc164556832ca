"""``rfmkit report`` and ``rfmkit chart``: a run drawn as an HTML report or one image."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from rfmkit import i18n
from rfmkit.cli import common as c
from rfmkit.cli import options as o
from rfmkit.errors import ConfigError, OutputError
from rfmkit.settings import ReportOptions

_NOT_PICTURE = ("summary", "quality_report", "rejects", "raw_cells")
#: Of the history settings, a report takes only the store (``--store``).
_NOT_REPORT = ("every", "from_as_of", "to_as_of", "breakpoints_mode", "reference")


@o.with_settings(
    "load",
    "score",
    "predict",
    "lifecycle",
    "report",
    "save",
    "history",
    "spark",
    skip=(*_NOT_PICTURE, *_NOT_REPORT, "partition_by"),
)
def report_command(inputs: o.Inputs = None, **options: Any) -> None:
    """Write a self-contained bilingual HTML report (opens offline): of INPUT..., or with
    --store of a stored snapshot (--as-of, default the latest) with its history."""
    from rfmkit.verbs.report import report_with
    from rfmkit.verbs.stored import report_from_store

    settings = o.settings_from(options)
    output = _output(options, ".html")
    store = options.get("store")
    if store is not None and not inputs:
        drawn = report_from_store(output, store=store, as_of=settings.as_of, lang=settings.lang)
        c.console().print(i18n.t("wrote", settings.lang, path=drawn.path), markup=False)
        return
    with c.StepProgress(settings.lang).shown() as progress:
        drawn = report_with(
            o.paths_or_none(inputs),
            settings,
            o.group_from(ReportOptions, options),
            output,
            progress=progress,
        )
    c.console().print(i18n.t("wrote", settings.lang, path=drawn.path), markup=False)


@o.with_settings(
    "load",
    "score",
    "predict",
    "lifecycle",
    "report",
    "save",
    "spark",
    skip=(*_NOT_PICTURE, "partition_by"),
)
def chart_command(
    name: Annotated[str | None, typer.Argument(help="Chart name (rfmkit chart --list).")] = None,
    inputs: o.Inputs = None,
    list_charts: Annotated[
        bool, typer.Option("--list", help="List the charts and what each shows.")
    ] = False,
    **options: Any,
) -> None:
    """Export one chart of the report as PNG or SVG (the format follows -o)."""
    from rfmkit import charts
    from rfmkit.verbs.report import chart_with

    settings = o.settings_from(options)
    if list_charts or name is None:
        for key, title in charts.describe(settings.lang):
            c.console().print(f"{key:<18} {title}", markup=False)
        return
    charts.check_name(name)
    output = _output(options, ".png")
    with c.StepProgress(settings.lang).shown() as progress:
        drawn = chart_with(
            name,
            o.paths_or_none(inputs),
            settings,
            o.group_from(ReportOptions, options),
            output,
            progress=progress,
        )
    c.console().print(i18n.t("wrote", settings.lang, path=drawn.path), markup=False)


#: The picture formats, by the command that writes them.
_SUFFIXES = {".html": (".html", ".htm"), ".png": (".png", ".svg", ".jpg", ".jpeg", ".webp", ".pdf")}


def _output(options: dict[str, Any], example: str) -> Path:
    """The -o path, checked before any work."""
    output = o.save_options_from(options).output
    if output is None:
        raise ConfigError(
            "No output file was named.", fix=f"Name it with -o, e.g. -o report{example}."
        )
    allowed = _SUFFIXES[example]
    if output.suffix.lower() not in allowed:
        raise OutputError(
            f"Cannot write the output as {output.suffix or 'a file without an extension'}.",
            file=str(output),
            fix=f"Name it with one of: {', '.join(allowed)}.",
        )
    if not output.resolve().parent.is_dir() or output.is_dir():
        raise OutputError(
            "The output folder does not exist, or the output is a folder.",
            file=str(output),
            fix="Create the folder first or choose another output path.",
        )
    return output
