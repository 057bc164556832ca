"""``rfmkit demo``: a realistic demo order log, scored end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from rfmkit import i18n
from rfmkit.cli import common as c
from rfmkit.cli import options as o
from rfmkit.cli.score import show_result
from rfmkit.settings import DemoOptions

_NOT_DEMO = ("as_of", "thresholds")


@o.with_settings("demo", "score", skip=_NOT_DEMO)
def demo_command(
    folder: Annotated[Path, typer.Argument(help="Folder for the demo files.")] = Path(
        "rfmkit-demo"
    ),
    **options: Any,
) -> None:
    """Generate a seeded demo order log and run the whole pipeline on it."""
    from rfmkit.verbs.demo import demo_with

    settings = o.settings_from(options)
    demo = o.group_from(DemoOptions, options)
    with c.StepProgress(settings.lang).shown() as progress:
        made = demo_with(folder, demo, settings, progress=progress)
    show_result(made.result, made.files)
    lang = settings.lang
    command = f".venv/bin/rfmkit score {made.orders} -o customers.xlsx --scheme classic11 --lang en"
    c.console().print(
        i18n.t("demo.files", lang, folder=folder)
        + "\n"
        + i18n.t("demo.try", lang, command=command),
        markup=False,
    )
