"""The ``predict`` verb: the scores of ``score`` plus each customer's predictions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from rfmkit import backend
from rfmkit import glossary as g
from rfmkit.errors import ModelError
from rfmkit.quality import QualityReport
from rfmkit.record import RunRecord
from rfmkit.scoring import Breakpoints
from rfmkit.segments import Scheme, label_segments, load_scheme
from rfmkit.settings import Settings
from rfmkit.verbs.score import Progress, ScoreResult, as_settings, score_with

if TYPE_CHECKING:
    from rfmkit.models.forecast import Prediction

CHURN_RISK = g.CHURN_RISK
VALUE_SEGMENT = g.VALUE_SEGMENT
VALUE_SEGMENT_LABEL = g.VALUE_SEGMENT_LABEL


@dataclass(frozen=True)
class ScoredPrediction:
    """RFM scores and predictions of one run.

    Attributes
    ----------
    customers
        The scored customer table joined with the prediction columns
        (``p_alive``, ``expected_purchases``, ``prob_purchase``,
        ``next_purchase_date``, ``expected_order_value``, ``clv``),
        ``churn_risk`` and, with a value scheme, ``value_segment`` /
        ``value_segment_label`` (an Ibis table on the run's engine).
    score
        The :class:`rfmkit.verbs.score.ScoreResult` of the run.
    prediction
        The fitted models and validation (:class:`rfmkit.models.forecast.Prediction`).
    at_risk, at_risk_revenue
        Valuable customers (top two M score levels) whose ``p_alive`` is below
        ``churn_p_alive``: how many, and the revenue they brought.
    """

    customers: ir.Table
    score: ScoreResult
    prediction: Prediction
    at_risk: int
    at_risk_revenue: float

    @property
    def record(self) -> RunRecord:
        return self.score.record

    @property
    def settings(self) -> Settings:
        return self.score.settings

    @property
    def breakpoints(self) -> dict[str, Breakpoints]:
        return self.score.breakpoints

    @property
    def quality(self) -> QualityReport:
        return self.score.quality

    @property
    def summary(self) -> pd.DataFrame:
        return self.score.summary

    def rejects(self) -> ir.Table:
        return self.score.rejects()


def predict(
    transactions: Any = None,
    *,
    con: BaseBackend | None = None,
    progress: Progress | None = None,
    **settings: Any,
) -> ScoredPrediction:
    """Score customers (as :func:`rfmkit.score`) and add each customer's predictions.

    Takes every setting of :func:`rfmkit.score` and the prediction settings
    of :class:`rfmkit.settings.PredictOptions` by name (``horizon``,
    ``model``, ``time_unit``, ``discount_rate``, ``margin``, ``penalizer``,
    ``churn_p_alive``, ``value_scheme`` -- ``"none"`` for no value
    segments -- and ``validate_model``). The input is loaded once; scoring
    and the models use the same canonical transactions and ``as_of``.
    """
    scheme = settings.pop("scheme", None)
    chosen = scheme if isinstance(scheme, Scheme) else None
    run = as_settings(settings, scheme=None if chosen else scheme)
    return predict_with(transactions, run, con=con, progress=progress, scheme=chosen)


def predict_with(
    transactions: Any,
    settings: Settings,
    *,
    con: BaseBackend | None = None,
    progress: Progress | None = None,
    scheme: Scheme | None = None,
) -> ScoredPrediction:
    """:func:`predict` with validated settings."""
    from rfmkit.models.forecast import fit_predict

    scored = score_with(
        transactions, settings, con=con, progress=progress, scheme=scheme, verb="predict"
    )
    log = scored.loaded.transactions
    if log is None:
        raise ModelError(
            "Predictions need the transaction log, not one row per customer.",
            fix="Give rfmkit the orders (customer, date, amount) instead of customer totals.",
        )
    with scored.record.step("predict"):
        prediction = fit_predict(
            log,
            as_of=scored.as_of,
            horizon=settings.horizon,
            model=settings.model,
            time_unit=settings.time_unit,
            discount_rate=settings.discount_rate,
            margin=settings.margin,
            penalizer=settings.penalizer,
            validate=settings.validate_model,
            progress=progress,
        )
        if progress is not None:
            progress("join predictions")
        predicted = backend.as_table(prediction.predictions, scored.customers.get_backend())
        joined = scored.customers.left_join(predicted, g.CUSTOMER_ID).select(
            *scored.customers.columns, *g.PREDICTION_COLUMNS[1:]
        )
        valuable = joined[g.M_SCORE] >= settings.levels - 1
        customers = joined.mutate(
            **{
                CHURN_RISK: (valuable & (joined[g.P_ALIVE] < settings.churn_p_alive)).fill_null(
                    False
                )
            }
        )
        if settings.value_scheme.lower() != "none":
            customers = _value_segments(customers, load_scheme(settings.value_scheme), settings)
        customers = customers.order_by(g.CUSTOMER_ID).cache()
        at_risk, revenue = _at_risk(customers)
    scored.record.models = {
        prediction.purchase_model.name: dict(prediction.purchase_model.params_),
        "gammagamma": dict(prediction.spend_model.params_),
    }
    return ScoredPrediction(customers, scored, prediction, at_risk, revenue)


def _value_segments(customers: ir.Table, scheme: Scheme, settings: Settings) -> ir.Table:
    labelled, _line = label_segments(
        customers,
        scheme,
        levels=settings.levels,
        lang=settings.lang,
        split=settings.split,
        columns=(VALUE_SEGMENT, VALUE_SEGMENT_LABEL),
    )
    return labelled


def _at_risk(customers: ir.Table) -> tuple[int, float]:
    risky = customers.filter(customers[CHURN_RISK])
    row = risky.aggregate(n=risky.count(), revenue=risky[g.MONETARY].sum()).to_pyarrow()
    values = row.to_pylist()[0]
    return int(values["n"] or 0), float(values["revenue"] or 0.0)
