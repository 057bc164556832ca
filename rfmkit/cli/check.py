"""``rfmkit check``: load the input and report its data quality, nothing else."""

from __future__ import annotations

from typing import Any

from rfmkit.cli import common as c
from rfmkit.cli import options as o

#: Scoring settings that mean nothing to a check (it only loads).
_NOT_CHECK = ("scheme", "method", "levels", "weights", "split", "top_percent")


@o.with_settings(
    "load", "score", "save", "spark", skip=(*_NOT_CHECK, "output", "summary", "partition_by")
)
def check_command(inputs: o.Inputs = None, **options: Any) -> None:
    """Read the input, apply the cleaning rules and print the data-quality report."""
    from rfmkit.verbs.check import check_with
    from rfmkit.verbs.save import check_paths, save

    settings = o.settings_from(options)
    targets = o.save_options_from(options)
    check_paths(targets, inputs)
    with c.StepProgress(settings.lang).shown() as progress:
        result = check_with(o.paths_or_none(inputs), settings, progress=progress)
        save(result, targets)
    c.console().print(result.quality.summary(settings.lang), markup=False)
