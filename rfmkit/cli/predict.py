"""``rfmkit predict``: the customer table of ``score`` plus each customer's predictions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rfmkit import i18n
from rfmkit.cli import common as c
from rfmkit.cli import options as o
from rfmkit.cli.score import show_result

if TYPE_CHECKING:
    from rfmkit.verbs.predict import ScoredPrediction


@o.with_settings("load", "score", "predict", "lifecycle", "save", "spark")
def predict_command(
    inputs: o.Inputs = None,
    validation_report: Annotated[
        Path | None, typer.Option("--validation-report", help="Write the holdout check as JSON.")
    ] = None,
    save_models_to: Annotated[
        Path | None,
        typer.Option("--save-models", help="Folder to save the fitted models (JSON)."),
    ] = None,
    **options: Any,
) -> None:
    """Add churn risk, expected purchases, next purchase date and lifetime value to the scores."""
    from rfmkit.verbs.predict import predict_with
    from rfmkit.verbs.save import check_paths, save
    from rfmkit.verbs.save_models import save_models, save_validation

    settings = o.settings_from(options)
    targets = o.save_options_from(options)
    check_paths(targets, inputs, required=("output",))
    with c.StepProgress(settings.lang).shown() as progress:
        result = predict_with(o.paths_or_none(inputs), settings, progress=progress)
        progress("save")
        written = save(result, targets)
        if validation_report is not None:
            written.append(save_validation(result.prediction, validation_report))
        if save_models_to is not None:
            written.extend(save_models(result.prediction, save_models_to))
    show_result(result.score, written)
    show_prediction(result)


def show_prediction(result: ScoredPrediction) -> None:
    p = result.prediction
    lang = result.score.lang
    params = ", ".join(f"{k}={v:.4g}" for k, v in p.purchase_model.params_.items())
    lines = [
        i18n.t(
            "predict.done",
            lang,
            customers=f"{result.score.scored_customers:,}",
            as_of=p.as_of,
            days=f"{p.horizon_days:g}",
            model=p.purchase_model.name,
            params=params,
        )
    ]
    if p.validation is not None and p.validation.total_error_pct is not None:
        v = p.validation
        lines.append(
            i18n.t(
                "predict.holdout",
                lang,
                start=v.calibration_end,
                end=v.holdout_end,
                predicted=f"{v.total_predicted:,.0f}",
                actual=f"{v.total_actual:,.0f}",
                error=f"{v.total_error_pct:+.1f}",
            )
        )
    elif p.validation_note:
        lines.append(p.validation_note)
    if result.at_risk:
        lines.append(
            i18n.t(
                "predict.at_risk",
                lang,
                customers=f"{result.at_risk:,}",
                p=f"{result.score.settings.churn_p_alive:g}",
                revenue=f"{result.at_risk_revenue:,.2f}",
            )
        )
    c.console().print("\n".join(lines), markup=False)
