"""``rfmkit score``: transactions in, scored and segmented customers out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rfmkit import i18n
from rfmkit.cli import common as c
from rfmkit.cli import options as o
from rfmkit.cli.campaign_render import stages_view
from rfmkit.cli.render import breakpoints_table, show, summary_view

if TYPE_CHECKING:
    from rfmkit.verbs.score import ScoreResult


@o.with_settings("load", "score", "lifecycle", "save", "spark")
def score_command(inputs: o.Inputs = None, **options: Any) -> None:
    """Score customers by recency, frequency and monetary value and label their segments."""
    from rfmkit.verbs.save import check_paths, save
    from rfmkit.verbs.score import score_with

    settings = o.settings_from(options)
    targets = o.save_options_from(options)
    check_paths(targets, inputs, required=("output",))
    with c.StepProgress(settings.lang).shown() as progress:
        result = score_with(o.paths_or_none(inputs), settings, progress=progress)
        progress("save")
        written = save(result, targets)
    show_result(result, written)


def show_result(result: ScoreResult, written: list[Path]) -> None:
    out = c.console()
    lang = result.lang
    out.print(result.quality.summary(lang), markup=False)
    show(out, summary_view(result, out.width))
    stages = stages_view(result.stages, lang, out.width)
    if stages is not None:
        show(out, stages)
    show(out, breakpoints_table(result))
    note = i18n.t("score.done", lang, customers=f"{result.scored_customers:,}", as_of=result.as_of)
    if result.unscored_customers:
        note += i18n.t("score.unscored", lang, customers=f"{result.unscored_customers:,}")
    out.print(note + ("。" if lang == "zh" else "."), markup=False)
    for warning in result.warnings:
        out.print(i18n.t("warning", lang, text=warning), markup=False)
    for path in written:
        out.print(i18n.t("wrote", lang, path=path), markup=False)
