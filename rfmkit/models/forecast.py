"""Forecasts per customer: still active?, purchases, next purchase, value.

:func:`fit_predict` fits a purchase model (BG/NBD, modified BG/NBD or
Pareto/NBD) and the Gamma-Gamma spend model on a transaction log and
returns one row per customer, with an optional calibration/holdout check;
:func:`predict_arrays` does the same on arrays for fitted models. README
(section Predict) explains every column and when not to trust it. Scoring
and churn flags are not here: see :func:`rfmkit.verbs.predict.predict`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from rfmkit import backend, engine
from rfmkit import glossary as g
from rfmkit.errors import ConfigError, ModelError
from rfmkit.glossary import (
    CLV,
    EXPECTED_ORDER_VALUE,
    EXPECTED_PURCHASES,
    NEXT_PURCHASE_DATE,
    P_ALIVE,
    PREDICTION_COLUMNS,
    PROB_PURCHASE,
)
from rfmkit.models._arrays import compress
from rfmkit.models.base import FloatArray
from rfmkit.models.data import (
    AGE,
    AVG_REPEAT_VALUE,
    RECENCY,
    REPEAT_PURCHASES,
    model_inputs,
    unit_days,
)
from rfmkit.models.gammagamma import GammaGamma
from rfmkit.models.purchase import PurchaseModel
from rfmkit.models.registry import make_purchase_model
from rfmkit.models.validation import ValidationReport, calibration_holdout

#: ``p_alive`` below which a valuable customer is flagged ``churn_risk``.
CHURN_P_ALIVE = 0.3

#: The steps of :func:`fit_predict`, in order, as passed to its ``progress``.
PROGRESS_STEPS = (
    "build model inputs",
    "fit purchase model",
    "fit spend model",
    "predict",
    "validate",
)
#: A function told the name of each step of :func:`fit_predict` as it starts.
Progress = Callable[[str], None]

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
    progress: Progress | None = None,
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
    progress
        Called with the name of each step (:data:`PROGRESS_STEPS`: ``"build
        model inputs"``, ``"fit purchase model"``, ``"fit spend model"``,
        ``"predict"``, ``"validate"``) as it starts, so that a shell can show
        what is running and for how long; ``"validate"`` only when
        ``validate`` is true.
    """
    step = progress or _quiet
    table = backend.as_table(transactions)
    as_of = as_of or engine.default_as_of(table)
    horizon_days = parse_horizon(horizon)
    unit = unit_days(time_unit)
    _check_money(discount_rate, margin)
    step("build model inputs")
    inputs = model_inputs(table, as_of=as_of, time_unit=unit)
    x, tx, T = (inputs[c].to_numpy(float) for c in (REPEAT_PURCHASES, RECENCY, AGE))
    step("fit purchase model")
    purchase = make_purchase_model(model, penalizer).fit(x, tx, T)
    step("fit spend model")
    spend = GammaGamma(penalizer=penalizer).fit(x, inputs[AVG_REPEAT_VALUE].to_numpy(float))
    step("predict")
    predictions = _predictions(
        inputs, purchase, spend, as_of, horizon_days / unit, unit, discount_rate, margin
    )
    report, note = None, None
    if validate:
        step("validate")
        report, note = _validation(table, as_of, horizon_days, model, unit, penalizer)
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


def _quiet(step: str) -> None:
    """The default ``progress``: say nothing."""


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


__all__ = [
    "CLV",
    "EXPECTED_ORDER_VALUE",
    "EXPECTED_PURCHASES",
    "NEXT_PURCHASE_DATE",
    "PREDICTION_COLUMNS",
    "PROB_PURCHASE",
    "PROGRESS_STEPS",
    "P_ALIVE",
    "Prediction",
    "Progress",
    "discounted_purchases",
    "fit_predict",
    "parse_horizon",
    "predict_arrays",
]
