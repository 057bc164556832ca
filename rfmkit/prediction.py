"""Predict each customer's future next to their RFM scores: ``rfmkit predict``.

:func:`predict` scores customers (as :func:`rfmkit.score`), adds the
forecasts of :func:`rfmkit.models.forecast.fit_predict` (still active?,
purchases, next purchase, value), flags valuable customers at churn risk and
labels value tiers. The model math lives in :mod:`rfmkit.models.forecast`;
its names are re-exported here for existing callers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir

from rfmkit import backend
from rfmkit import glossary as g
from rfmkit.errors import ModelError
from rfmkit.models.forecast import (
    CLV,
    EXPECTED_ORDER_VALUE,
    EXPECTED_PURCHASES,
    NEXT_PURCHASE_DATE,
    P_ALIVE,
    PREDICTION_COLUMNS,
    PROB_PURCHASE,
    Prediction,
    Progress,
    discounted_purchases,
    fit_predict,
    parse_horizon,
    predict_arrays,
)
from rfmkit.pipeline import ScoreResult, score
from rfmkit.segments import Scheme, label_segments, load_scheme

CHURN_RISK = "churn_risk"
VALUE_SEGMENT = "value_segment"
VALUE_SEGMENT_LABEL = "value_segment_label"
#: ``p_alive`` below which a valuable customer is flagged ``churn_risk``.
CHURN_P_ALIVE = 0.3


@dataclass(frozen=True)
class ScoredPrediction:
    """RFM scores and predictions of one run: see :func:`predict`.

    Attributes
    ----------
    customers
        The scored customer table joined with :data:`PREDICTION_COLUMNS` and
        ``churn_risk`` (an Ibis table on the run's engine).
    score
        The :class:`rfmkit.pipeline.ScoreResult` of the run.
    prediction
        The fitted models and validation (:class:`Prediction`).
    at_risk
        Valuable customers (top two M score levels) whose ``p_alive`` is below
        ``churn_p_alive``: how many, and the revenue they brought.
    """

    customers: ir.Table
    score: ScoreResult
    prediction: Prediction
    at_risk: int
    at_risk_revenue: float


def _value_segments(
    customers: ir.Table, value_scheme: str | Scheme, scored: ScoreResult
) -> ir.Table:
    scheme = value_scheme if isinstance(value_scheme, Scheme) else load_scheme(value_scheme)
    labelled, _line = label_segments(
        customers,
        scheme,
        levels=scored.levels,
        lang=scored.lang,
        columns=(VALUE_SEGMENT, VALUE_SEGMENT_LABEL),
    )
    return labelled


def predict(
    transactions: Any = None,
    *,
    horizon: str | float | dt.timedelta = "90d",
    model: str = "bgnbd",
    time_unit: str | float = "W",
    discount_rate: float = 0.10,
    margin: float = 1.0,
    penalizer: float = 0.0,
    validate: bool = True,
    churn_p_alive: float = CHURN_P_ALIVE,
    value_scheme: str | Scheme | None = "clv5",
    progress: Progress | None = None,
    **score_kwargs: Any,
) -> ScoredPrediction:
    """Score customers (as :func:`rfmkit.score`) and add each customer's predictions.

    This is ``rfmkit predict``: the same parameters as :func:`rfmkit.score`
    plus those of :func:`fit_predict`.

    The input is loaded once; scoring and the models use the same canonical
    transactions and the same ``as_of``. ``score_kwargs`` are those of
    :func:`rfmkit.pipeline.score`; the others are those of :func:`fit_predict`.
    The customer table gains the columns of :data:`PREDICTION_COLUMNS` and
    ``churn_risk``: a valuable customer (M score in the top two levels) whose
    ``p_alive`` is below ``churn_p_alive``; and, unless ``value_scheme`` is
    None, ``value_segment`` / ``value_segment_label`` from a scheme whose
    rules may use ``p_alive`` and ``clv`` (default ``clv5``). ``progress`` is
    passed to :func:`fit_predict` (called with each step's name as it starts).
    """
    scored = score(transactions, **score_kwargs)
    log = scored.loaded.transactions
    if log is None:
        raise ModelError(
            "Predictions need the transaction log, not one row per customer.",
            fix="Give rfmkit the orders (customer, date, amount) instead of customer totals.",
        )
    prediction = fit_predict(
        log,
        as_of=scored.as_of,
        horizon=horizon,
        model=model,
        time_unit=time_unit,
        discount_rate=discount_rate,
        margin=margin,
        penalizer=penalizer,
        validate=validate,
        progress=progress,
    )
    predicted = backend.as_table(prediction.predictions, scored.customers.get_backend())
    joined = scored.customers.left_join(predicted, g.CUSTOMER_ID).select(
        *scored.customers.columns, *PREDICTION_COLUMNS[1:]
    )
    valuable = joined[g.M_SCORE] >= scored.levels - 1
    customers = joined.mutate(
        churn_risk=(valuable & (joined[P_ALIVE] < churn_p_alive)).fill_null(False)
    )
    if value_scheme is not None:
        customers = _value_segments(customers, value_scheme, scored)
    customers = customers.cache()
    risky = customers.filter(customers[CHURN_RISK])
    stats = risky.aggregate(n=risky.count(), revenue=risky[g.MONETARY].sum()).to_pyarrow()
    row = stats.to_pylist()[0]
    return ScoredPrediction(
        customers=customers,
        score=scored,
        prediction=prediction,
        at_risk=int(row["n"] or 0),
        at_risk_revenue=float(row["revenue"] or 0.0),
    )


__all__ = [
    "CHURN_P_ALIVE",
    "CHURN_RISK",
    "CLV",
    "EXPECTED_ORDER_VALUE",
    "EXPECTED_PURCHASES",
    "NEXT_PURCHASE_DATE",
    "PREDICTION_COLUMNS",
    "PROB_PURCHASE",
    "P_ALIVE",
    "Prediction",
    "ScoredPrediction",
    "discounted_purchases",
    "fit_predict",
    "parse_horizon",
    "predict",
    "predict_arrays",
]
