"""The ``save`` verb: write a result and its extras, after checking every path first.

A result of ``score`` or ``predict`` is written as the customer table
(``output``), the segment summary (``summary``), the data-quality report
(``quality_report``) and the rows left out (``rejects``). Every path is
checked before any work (:func:`check_paths`): its format, its folder, that
it is not an input, that two outputs differ, and that a default-named file
is not silently replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import ibis.expr.types as ir

from rfmkit.errors import ConfigError, OutputError
from rfmkit.export import check_outputs, write_frame, write_table
from rfmkit.export.sheets import report_sheets
from rfmkit.quality import QualityReport, write_rejects, write_report
from rfmkit.settings import SaveOptions, build_save_options


class Saveable(Protocol):
    """What ``save`` needs of any result (``check``'s too)."""

    @property
    def quality(self) -> QualityReport: ...

    def rejects(self) -> ir.Table: ...


def check_paths(
    options: SaveOptions,
    inputs: Any = None,
    *,
    required: Sequence[str] = (),
) -> None:
    """Refuse bad output paths before any work (see :func:`rfmkit.export.check_outputs`).

    ``required`` names the outputs that must be given (rfmkit never writes
    to a default file name, so it never replaces a file the user did not name).
    """
    paths = _paths(options)
    if paths["output"] is not None and _folder_output(paths["output"]):
        paths["output"] = None  # a Parquet folder written by Spark: checked when written
    for name in required:
        if paths.get(name) is None:
            flag = "-o" if name == "output" else "--" + name.replace("_", "-")
            raise ConfigError(
                f"No {name.replace('_', ' ')} file was named.",
                fix=f"Name it with {flag}, e.g. {flag} customers.csv "
                "(.csv, .parquet, .xlsx or .json).",
            )
    check_outputs(paths, _input_paths(inputs))


def save(result: Saveable, options: SaveOptions | None = None, **given: Any) -> list[Path]:
    """Write ``result`` where ``options`` (or the keyword settings) say; return the paths written.

    Takes the settings of :class:`rfmkit.settings.SaveOptions` by name:
    ``output``, ``summary``, ``quality_report``, ``rejects``, ``raw_cells``.
    """
    opts = options or build_save_options(environ={}, **given)
    settings = getattr(result, "settings", None)
    decimals = settings.money_decimals if settings is not None else 2
    written = []
    if opts.output is not None and _folder_output(opts.output):
        written.append(_spark_folder(result, opts.output, settings, decimals))
    elif opts.output is not None:
        sheets = (
            report_sheets(
                _part(result, "summary"), getattr(result, "breakpoints", None), result.quality
            )
            if opts.output.suffix.lower() == ".xlsx"
            else []
        )
        written.append(
            write_table(
                _part(result, "customers"),
                opts.output,
                sheets=sheets,
                raw_cells=opts.raw_cells,
                money_decimals=decimals,
            )
        )
    if opts.summary is not None:
        written.append(
            write_frame(
                _part(result, "summary"),
                opts.summary,
                raw_cells=opts.raw_cells,
                money_decimals=decimals,
            )
        )
    if opts.quality_report is not None:
        write_report(result.quality, opts.quality_report)
        written.append(Path(opts.quality_report))
    if opts.rejects is not None:
        write_rejects(result.rejects(), opts.rejects, raw_cells=opts.raw_cells)
        written.append(Path(opts.rejects))
    return written


def _folder_output(target: Path) -> bool:
    from rfmkit.spark.writing import is_folder_target

    return is_folder_target(target)


def _spark_folder(result: Saveable, target: Path, settings: Any, decimals: int) -> Path:
    """The customer table written by Spark as a Parquet folder (see :mod:`rfmkit.spark.writing`)."""
    from rfmkit.backend import engine_name
    from rfmkit.spark.writing import write_parquet_folder

    customers = _part(result, "customers")
    if not isinstance(customers, ir.Table) or engine_name(customers.get_backend()) != "spark":
        raise OutputError(
            f"A Parquet folder output ({target}) is written by Spark.",
            file=str(target),
            fix="Run with --engine spark, or name a file: -o customers.parquet.",
        )
    uri = write_parquet_folder(
        customers,
        target,
        partition_by=getattr(settings, "partition_by", None),
        money_decimals=decimals,
    )
    return Path(uri)


def save_table(data: Any, output: str | Path, *, raw_cells: bool = False) -> Path:
    """Write one result table (a DataFrame or an Ibis table) as it is, e.g. a campaign's
    measurements or a migration matrix; the format follows the extension."""
    return write_frame(data, Path(output), raw_cells=raw_cells)


def _part(result: Saveable, name: str) -> Any:
    """A table of the result; a result without it (``check``'s) cannot write it."""
    part = getattr(result, name, None)
    if part is None:
        raise ConfigError(
            f"This result has no {name} to write.",
            fix="Score the input (rfmkit score) to write customers and a segment summary.",
        )
    return part


def _paths(options: SaveOptions) -> dict[str, Path | None]:
    return {
        "output": options.output,
        "summary": options.summary,
        "quality_report": options.quality_report,
        "rejects": options.rejects,
    }


def _input_paths(inputs: Any) -> list[str]:
    items = inputs if isinstance(inputs, list | tuple) else [inputs]
    return [str(item) for item in items if isinstance(item, str | Path)]
