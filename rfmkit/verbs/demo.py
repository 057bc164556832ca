"""The ``demo`` verb: a seeded demo order log, scored end to end, written to a folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rfmkit.demo_data import write_demo
from rfmkit.errors import OutputError
from rfmkit.segments import load_scheme
from rfmkit.settings import DemoOptions, SaveOptions, Settings, build_group
from rfmkit.verbs.save import save
from rfmkit.verbs.score import Progress, ScoreResult, as_settings, score_with

#: The files a demo folder holds, by the save setting that writes each.
DEMO_FILES = {
    "output": "customers.csv",
    "summary": "segments.csv",
    "quality_report": "quality.json",
}
#: The demo's HTML report.
REPORT = "report.html"


@dataclass
class DemoResult:
    """The demo's order log, the scored result and the files written."""

    orders: Path
    result: ScoreResult
    files: list[Path]


def demo(
    folder: str | Path = "rfmkit-demo",
    *,
    progress: Progress | None = None,
    **settings: Any,
) -> DemoResult:
    """Generate a demo order log in ``folder``, score it and write the results beside it.

    Takes ``customers`` and ``seed`` (:class:`rfmkit.settings.DemoOptions`)
    and any scoring setting by name. Every setting and the folder are
    checked before anything is written.
    """
    options = build_group(DemoOptions, environ={}, **_pop(settings, DemoOptions))
    return demo_with(Path(folder), options, as_settings(settings), progress=progress)


def demo_with(
    folder: Path,
    options: DemoOptions,
    settings: Settings,
    *,
    progress: Progress | None = None,
) -> DemoResult:
    """:func:`demo` with validated settings."""
    load_scheme(settings.scheme)  # a bad scheme fails before anything is written
    _check_folder(folder)
    if progress is not None:
        progress("demo")
    orders = write_demo(folder, customers=options.customers, seed=options.seed)
    result = score_with([str(orders)], settings, progress=progress, verb="demo")
    targets = SaveOptions(
        output=folder / DEMO_FILES["output"],
        summary=folder / DEMO_FILES["summary"],
        quality_report=folder / DEMO_FILES["quality_report"],
    )
    files = save(result, targets)
    if progress is not None:
        progress("report")
    from rfmkit.reporting import write_report

    files.append(write_report(result, folder / REPORT))
    return DemoResult(orders=orders, result=result, files=files)


def _check_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            f"{folder} is a file, not a folder.",
            file=str(folder),
            fix="Name a new or existing folder for the demo files, e.g. rfmkit-demo.",
        )
    parent = folder.resolve().parent
    if not parent.is_dir():
        raise OutputError(
            f"The folder {parent} does not exist.",
            file=str(folder),
            fix="Create it first or choose another demo folder.",
        )


def _pop(values: dict[str, Any], model: type[DemoOptions]) -> dict[str, Any]:
    return {k: values.pop(k) for k in list(values) if k in model.model_fields}
