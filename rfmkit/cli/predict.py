"""``rfmkit predict``: the customer table of ``score`` plus each customer's predictions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rfmkit.cli import common as c
from rfmkit.cli.score import score_settings, show_result, write_outputs
from rfmkit.export import atomic_path, check_output, write_table

if TYPE_CHECKING:
    from rfmkit.prediction import ScoredPrediction

#: The default of --churn-p-alive (rfmkit.prediction.CHURN_P_ALIVE, not imported
#: here so that the CLI starts without loading SciPy).
CHURN_P_ALIVE = 0.3


@c.with_options(c.scoring_options, c.reading_options)
def predict_command(
    inputs: c.Inputs = None,
    output: c.Output = Path("customers.parquet"),
    horizon: Annotated[
        str, typer.Option("--horizon", help="How far ahead to predict: 90d, 13w, 1y.")
    ] = "90d",
    model: Annotated[
        str,
        typer.Option("--model", help="Purchase model: bgnbd, mbgnbd (modified BG/NBD) or pareto."),
    ] = "bgnbd",
    time_unit: Annotated[
        str, typer.Option("--time-unit", help="Model time unit: W (weeks) or D (days).")
    ] = "W",
    discount_rate: Annotated[
        float, typer.Option("--discount-rate", help="Yearly discount rate of the CLV.")
    ] = 0.10,
    margin: Annotated[
        float, typer.Option("--margin", help="Share of revenue that is profit (CLV).")
    ] = 1.0,
    penalizer: Annotated[
        float, typer.Option("--penalizer", help="L2 penalty when a model does not converge.")
    ] = 0.0,
    churn_p_alive: Annotated[
        float,
        typer.Option(
            "--churn-p-alive", help="Flag valuable customers whose p_alive is below this."
        ),
    ] = CHURN_P_ALIVE,
    value_scheme: Annotated[
        str,
        typer.Option(
            "--value-scheme",
            help="Scheme on predictions for value_segment (clv5, a file, or none).",
        ),
    ] = "clv5",
    validate: Annotated[
        bool, typer.Option("--validate/--no-validate", help="Check the model on the last horizon.")
    ] = True,
    validation_report: Annotated[
        Path | None, typer.Option("--validation-report", help="Write the holdout check as JSON.")
    ] = None,
    save_models: Annotated[
        Path | None, typer.Option("--save-models", help="Folder to save the fitted models (JSON).")
    ] = None,
    **options: Any,
) -> None:
    """Add churn risk, expected purchases, next purchase date and lifetime value to the scores."""
    settings = score_settings(**options)
    check_output(output)
    from rfmkit.prediction import predict

    with c.console().status("Scoring and fitting the prediction models…") as status:
        result = predict(
            c.paths_or_none(inputs),
            horizon=horizon,
            model=model,
            time_unit=time_unit,
            discount_rate=discount_rate,
            margin=margin,
            penalizer=penalizer,
            validate=validate,
            churn_p_alive=churn_p_alive,
            value_scheme=None if value_scheme.lower() == "none" else value_scheme,
            **settings.score_kwargs(),
        )
        status.update(f"Writing {output}…")
        write_table(result.customers, output)
        write_outputs(
            result.score.quality,
            result.score.rejects,
            options["quality_report"],
            options["rejects"],
        )
    write_extras(result, validation_report, save_models)
    show_result(result.score, output)
    show_prediction(result, churn_p_alive)


def write_extras(result: ScoredPrediction, report: Path | None, models: Path | None) -> None:
    """The validation report and the fitted models, when asked for."""
    prediction = result.prediction
    if report is not None and prediction.validation is not None:
        with atomic_path(report) as tmp:
            tmp.write_text(json.dumps(prediction.validation.to_dict(), indent=2), encoding="utf-8")
    if models is not None:
        models.mkdir(parents=True, exist_ok=True)
        prediction.purchase_model.to_json(models / f"{prediction.purchase_model.name}.json")
        prediction.spend_model.to_json(models / "gammagamma.json")


def show_prediction(result: ScoredPrediction, churn_p_alive: float) -> None:
    p = result.prediction
    params = ", ".join(f"{k}={v:.4g}" for k, v in p.purchase_model.params_.items())
    lines = [
        f"Predicted {result.score.scored_customers:,} customers as of {p.as_of}, "
        f"{p.horizon_days:g} days ahead ({p.purchase_model.name}: {params}).",
    ]
    if p.validation is not None:
        v = p.validation
        lines.append(
            f"Holdout check ({v.calibration_end} to {v.holdout_end}): predicted "
            f"{v.total_predicted:,.0f} repeat purchases, actual {v.total_actual:,.0f} "
            f"({v.total_error_pct:+.1f}%)."
        )
    elif p.validation_note:
        lines.append(p.validation_note)
    if result.at_risk:
        lines.append(
            f"Churn warning: {result.at_risk:,} valuable customers (top M scores) have "
            f"p_alive < {churn_p_alive:g}; they brought {result.at_risk_revenue:,.2f} in revenue "
            "(column churn_risk)."
        )
    c.console().print("\n".join(lines))
