"""``rfmkit check``: load the input and report its data quality, nothing else."""

from __future__ import annotations

from typing import Any

from rfmkit.backend import connect
from rfmkit.cli import common as c
from rfmkit.cli.score import score_settings, write_outputs
from rfmkit.sources import load_transactions


@c.with_options(c.reading_options)
def check_command(inputs: c.Inputs = None, **options: Any) -> None:
    """Read the input, apply the cleaning rules and print the data-quality report."""
    settings = score_settings(**options)
    with c.console().status("Reading and checking…"):
        loaded = load_transactions(
            c.paths_or_none(inputs),
            con=connect(settings.engine),
            options=settings.load_options(),
            as_of=settings.as_of,
        )
        write_outputs(loaded.quality, loaded.rejects, options["quality_report"], options["rejects"])
    c.console().print(loaded.quality.summary(), markup=False)
