"""Predict each customer's future: still active?, purchases, next purchase, value.

:func:`fit_predict` fits a purchase model (BG/NBD or Pareto/NBD) and the
Gamma-Gamma spend model on a transaction log and returns one row per
customer; README (section Predict) explains every column and when not to trust it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from rfmkit import backend, engine
from rfmkit import glossary as g
from rfmkit.errors import ConfigError, ModelError
from rfmkit.models import (
    GammaGamma,
    PurchaseModel,
    ValidationReport,
    calibration_holdout,
    make_purchase_model,
    model_inputs,
    unit_days,
)
from rfmkit.models._arrays import compress
from rfmkit.models.base import FloatArray
from rfmkit.models.data import AGE, AVG_REPEAT_VALUE, RECENCY, REPEAT_PURCHASES
from rfmkit.pipeline import ScoreResult, score
from rfmkit.segments import Scheme, assign, load_scheme, split_values

P_ALIVE = "p_alive"
EXPECTED_PURCHASES = "expected_purchases"
PROB_PURCHASE = "prob_purchase"
NEXT_PURCHASE_DATE = "next_purchase_date"
EXPECTED_ORDER_VALUE = "expected_order_value"
CLV = "clv"

#: Columns of the prediction table, in order.
PREDICTION_COLUMNS = (
    g.CUSTOMER_ID,
    P_ALIVE,
    EXPECTED_PURCHASES,
    PROB_PURCHASE,
    NEXT_PURCHASE_DATE,
    EXPECTED_ORDER_VALUE,
    CLV,
)

_HORIZON = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dwy]?)\s*$", re.IGNORECASE)
_DAYS_PER = {"": 1.0, "d": 1.0, "w": 7.0, "y": 365.0}
_DAYS_PER_YEAR = 365.25
_CLV_STEP_DAYS = 30


@dataclass(frozen=True)
class Prediction:
    """What :func:`fit_predict` returns.

    Attributes
    ----------
    predictions
        One row per customer, columns :data:`PREDICTION_COLUMNS`.
    inputs
        The model inputs per customer (``repeat_purchases``, ``recency``, ``T``, ...).
    purchase_model, spend_model
        The fitted models (save them with ``to_json``).
    validation
        Calibration/holdout report, or None (see ``validation_note``).
    """

    predictions: pd.DataFrame
    inputs: pd.DataFrame
    purchase_model: PurchaseModel
    spend_model: GammaGamma
    as_of: dt.date
    horizon_days: float
    time_unit_days: float
    discount_rate: float
    margin: float
    validation: ValidationReport | None = None
    validation_note: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)


def parse_horizon(horizon: str | float | dt.timedelta) -> float:
    """A horizon in days from ``"90d"``, ``"13w"``, ``"1y"`` (365 days), a number or a timedelta."""
    if isinstance(horizon, dt.timedelta):
        days = horizon.total_seconds() / 86400
    elif isinstance(horizon, int | float) and not isinstance(horizon, bool):
        days = float(horizon)
    else:
        match = _HORIZON.match(str(horizon))
        if not match:
            raise ConfigError(
                f"Cannot read the horizon {horizon!r}.",
                fix="Write a number of days, weeks or years: 90d, 13w, 1y.",
            )
        days = float(match.group(1)) * _DAYS_PER[match.group(2).lower()]
    if not days > 0 or not math.isfinite(days):
        raise ConfigError("The horizon must be a positive length of time.", fix="For example 90d.")
    return days


def fit_predict(
    transactions: ir.Table | Any,
    *,
    as_of: dt.date | None = None,
    horizon: str | float | dt.timedelta = "90d",
    model: str = "bgnbd",
    time_unit: str | float = "W",
    discount_rate: float = 0.10,
    margin: float = 1.0,
    penalizer: float = 0.0,
    validate: bool = True,
) -> Prediction:
    """Fit the models on ``transactions`` before ``as_of`` and predict every customer.

    Parameters
    ----------
    transactions
        Canonical transactions: an Ibis table, or a pandas/polars/pyarrow table.
    as_of
        First day not observed (default: the day after the latest transaction).
    horizon
        How far ahead ``expected_purchases``, ``prob_purchase`` and ``clv`` look.
    model
        Purchase model: ``"bgnbd"`` (default), ``"mbgnbd"`` or ``"pareto"``.
    time_unit
        Model time unit (``"W"`` weeks by default); changes the parameters'
        scale, not the predictions.
    discount_rate
        Annual discount rate for ``clv`` (0.10: a purchase a year ahead counts 1/1.1).
    margin
        Share of revenue that is profit, for ``clv`` (1.0: ``clv`` is revenue).
    penalizer
        L2 penalty on the models' log-parameters (see :class:`rfmkit.models.BaseModel`).
    validate
        Also fit on the log before ``as_of - horizon`` and compare its
        predictions with the last ``horizon`` of the log.
    """
    table = backend.as_table(transactions)
    as_of = as_of or engine.default_as_of(table)
    horizon_days = parse_horizon(horizon)
    unit = unit_days(time_unit)
    _check_money(discount_rate, margin)
    inputs = model_inputs(table, as_of=as_of, time_unit=unit)
    x, tx, T = (inputs[c].to_numpy(float) for c in (REPEAT_PURCHASES, RECENCY, AGE))
    purchase = make_purchase_model(model, penalizer).fit(x, tx, T)
    spend = GammaGamma(penalizer=penalizer).fit(x, inputs[AVG_REPEAT_VALUE].to_numpy(float))
    predictions = _predictions(
        inputs, purchase, spend, as_of, horizon_days / unit, unit, discount_rate, margin
    )
    report, note = (
        _validation(table, as_of, horizon_days, model, unit, penalizer)
        if validate
        else (None, None)
    )
    return Prediction(
        predictions=predictions,
        inputs=inputs,
        purchase_model=purchase,
        spend_model=spend,
        as_of=as_of,
        horizon_days=horizon_days,
        time_unit_days=unit,
        discount_rate=discount_rate,
        margin=margin,
        validation=report,
        validation_note=note,
        settings={"model": purchase.name, "penalizer": penalizer, "validate": validate},
    )


def _predictions(
    inputs: pd.DataFrame,
    purchase: PurchaseModel,
    spend: GammaGamma,
    as_of: dt.date,
    horizon: float,
    unit: float,
    discount_rate: float,
    margin: float,
) -> pd.DataFrame:
    x, tx, T = (inputs[c].to_numpy(float) for c in (REPEAT_PURCHASES, RECENCY, AGE))
    columns = predict_arrays(
        purchase,
        spend,
        (x, tx, T),
        inputs[AVG_REPEAT_VALUE].to_numpy(float),
        horizon=horizon,
        unit=unit,
        discount_rate=discount_rate,
        margin=margin,
    )
    wait_days = columns.pop("next_purchase_wait") * unit
    frame = pd.DataFrame({g.CUSTOMER_ID: inputs[g.CUSTOMER_ID].to_numpy(), **columns})
    frame.insert(4, NEXT_PURCHASE_DATE, _next_dates(as_of, wait_days))
    return frame


def predict_arrays(
    purchase: PurchaseModel,
    spend: GammaGamma,
    xtT: tuple[FloatArray, FloatArray, FloatArray],
    avg_repeat_value: FloatArray,
    *,
    horizon: float,
    unit: float,
    discount_rate: float = 0.10,
    margin: float = 1.0,
) -> dict[str, FloatArray]:
    """Every prediction for customers given as arrays (times in model units).

    Customers sharing ``(x, t_x, T)`` share their purchase predictions, so
    those are computed once per distinct row and spread back. Returns the
    prediction columns, with ``next_purchase_wait`` (model units) in place
    of the date.
    """
    rows = compress(*xtT)
    distinct = rows.columns
    back = rows.inverse
    value = spend.expected_order_value(xtT[0], avg_repeat_value)
    discounted = discounted_purchases(purchase, distinct, horizon, unit, discount_rate)
    return {
        P_ALIVE: purchase.p_alive(*distinct)[back],
        EXPECTED_PURCHASES: purchase.expected_purchases(horizon, *distinct)[back],
        PROB_PURCHASE: purchase.prob_purchase(horizon, *distinct)[back],
        "next_purchase_wait": purchase.next_purchase_wait(*distinct)[back],
        EXPECTED_ORDER_VALUE: value,
        CLV: margin * value * discounted[back],
    }


def discounted_purchases(
    model: PurchaseModel,
    xtT: tuple[FloatArray, ...],
    horizon: float,
    unit: float,
    discount_rate: float,
) -> FloatArray:
    """Expected purchases over ``horizon`` (model units), each discounted to today.

    The horizon is cut into steps of about a month; the purchases expected
    in a step are discounted at the annual ``discount_rate`` from the step's
    end (a slightly conservative choice).
    """
    steps = max(1, math.ceil(horizon * unit / _CLV_STEP_DAYS))
    ends = horizon * np.arange(1, steps + 1) / steps
    total = np.zeros(len(xtT[0]))
    previous = np.zeros(len(xtT[0]))
    for end in ends:
        cumulative = model.expected_purchases(float(end), *xtT)
        factor = (1.0 + discount_rate) ** (-end * unit / _DAYS_PER_YEAR)
        total += (cumulative - previous) * factor
        previous = cumulative
    return total


def _next_dates(as_of: dt.date, wait_days: FloatArray) -> pd.Series:
    """The day by which an active customer has an even chance of having bought again.

    Waits are counted from the last observed day (``as_of - 1``); the date
    is at least ``as_of``.
    """
    days = np.maximum(np.ceil(np.minimum(wait_days, 1e6)), 1).astype("int64")
    last_seen = pd.Timestamp(as_of - dt.timedelta(days=1))
    dates = last_seen + pd.to_timedelta(days, unit="D")
    return pd.Series(dates).dt.date


def _validation(
    table: ir.Table,
    as_of: dt.date,
    horizon_days: float,
    model: str,
    unit: float,
    penalizer: float,
) -> tuple[ValidationReport | None, str | None]:
    holdout = max(1, round(horizon_days))
    calibration_end = as_of - dt.timedelta(days=holdout)
    first = pd.Timestamp(table[g.ORDER_DATE].min().execute()).date()
    if (calibration_end - first).days < holdout:
        return None, (
            f"No validation: the history before {calibration_end} is shorter than the "
            f"{holdout}-day holdout window."
        )
    try:
        report = calibration_holdout(
            table,
            calibration_end=calibration_end,
            holdout_end=as_of,
            model=model,
            time_unit=unit,
            penalizer=penalizer,
        )
    except ModelError as exc:
        return None, f"No validation: {exc}"
    return report, None


def _check_money(discount_rate: float, margin: float) -> None:
    if not (discount_rate > -1 and math.isfinite(discount_rate)):
        raise ConfigError("discount_rate must be a yearly rate above -1, for example 0.10.")
    if not (margin >= 0 and math.isfinite(margin)):
        raise ConfigError("margin must be a share >= 0 of revenue, for example 0.3.")


CHURN_RISK = "churn_risk"
VALUE_SEGMENT = "value_segment"
VALUE_SEGMENT_LABEL = "value_segment_label"
#: ``p_alive`` below which a valuable customer is flagged ``churn_risk``.
CHURN_P_ALIVE = 0.3


@dataclass(frozen=True)
class ScoredPrediction:
    """RFM scores and predictions of one run: see :func:`score_and_predict`.

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
    splits = (
        split_values(customers, scheme.split, scheme.split_fields())
        if scheme.uses_split()
        else None
    )
    return assign(
        customers,
        scheme,
        levels=scored.levels,
        lang=scored.lang,
        splits=splits,
        columns=(VALUE_SEGMENT, VALUE_SEGMENT_LABEL),
    )


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
    rules may use ``p_alive`` and ``clv`` (default ``clv5``).
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
    "PREDICTION_COLUMNS",
    "Prediction",
    "ScoredPrediction",
    "discounted_purchases",
    "fit_predict",
    "parse_horizon",
    "predict",
    "predict_arrays",
]
