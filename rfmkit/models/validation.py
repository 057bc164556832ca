"""Calibration / holdout check of a purchase model on the user's own log.

The log is cut at ``calibration_end``: the model is fitted on the purchases
before it and predicts, for the same customers, the repeat purchases in the
holdout window ``[calibration_end, holdout_end)``. The report puts the
prediction next to what happened, in total, per period (week by default)
and by the number of repeat purchases customers had made in calibration
(the comparison of Fader, Hardie and Lee 2005, figure 4).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from rfmkit import glossary as g
from rfmkit.errors import ConfigError
from rfmkit.models.data import (
    AGE,
    HOLDOUT_PURCHASES,
    RECENCY,
    REPEAT_PURCHASES,
    holdout_by_period,
    holdout_counts,
    model_inputs,
    unit_days,
)
from rfmkit.models.purchase import PurchaseModel
from rfmkit.models.registry import make_purchase_model

FREQUENCY_GROUPS = 7  # groups 0, 1, ..., 6 and "7+"


@dataclass(frozen=True)
class ValidationReport:
    """Predicted versus actual repeat purchases in a holdout window.

    Attributes
    ----------
    model
        The purchase model fitted on the calibration window.
    calibration_end, holdout_end
        The holdout window is ``[calibration_end, holdout_end)``.
    customers
        Customers with a purchase before ``calibration_end``.
    total_actual, total_predicted
        Repeat purchases in the holdout window, summed over customers.
    total_error_pct
        ``100 * (predicted - actual) / actual``; NaN (``null`` in
        :meth:`to_dict`) when nobody bought in the holdout window.
    customer_mae, customer_rmse
        Mean absolute and root mean squared error per customer.
    period_mae
        Mean absolute error of the per-period totals.
    by_period
        ``period, start, actual, predicted, cumulative_actual, cumulative_predicted``.
    by_frequency
        ``repeat_purchases`` group (``"0"`` ... ``"7+"``), ``customers``,
        ``actual_mean``, ``predicted_mean`` (holdout purchases per customer).
    note
        Why a figure is missing (None when every figure could be computed).
    """

    model: PurchaseModel
    calibration_end: dt.date
    holdout_end: dt.date
    customers: int
    total_actual: float
    total_predicted: float
    total_error_pct: float
    customer_mae: float
    customer_rmse: float
    period_mae: float
    by_period: pd.DataFrame
    by_frequency: pd.DataFrame
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the tables as lists of records).

        Strict JSON: a figure that cannot be computed is None (``null``),
        never NaN, and ``note`` says why.
        """
        return {
            "model": self.model.name,
            "params": dict(self.model.params_),
            "calibration_end": self.calibration_end.isoformat(),
            "holdout_end": self.holdout_end.isoformat(),
            "customers": self.customers,
            "total_actual": _plain(self.total_actual),
            "total_predicted": _plain(self.total_predicted),
            "total_error_pct": _plain(self.total_error_pct),
            "customer_mae": _plain(self.customer_mae),
            "customer_rmse": _plain(self.customer_rmse),
            "period_mae": _plain(self.period_mae),
            "note": self.note,
            "by_period": _records(self.by_period),
            "by_frequency": _records(self.by_frequency),
        }


def calibration_holdout(
    transactions: ir.Table,
    *,
    calibration_end: dt.date,
    holdout_end: dt.date,
    model: str | PurchaseModel = "bgnbd",
    time_unit: str | float = "W",
    penalizer: float = 0.0,
    period_days: int = 7,
) -> ValidationReport:
    """Fit on the log before ``calibration_end``; compare predictions with ``[calibration_end, holdout_end)``.

    Parameters
    ----------
    transactions
        Canonical transactions.
    calibration_end, holdout_end
        First day of the holdout window and first day after it.
    model
        ``"bgnbd"``, ``"mbgnbd"`` or ``"pareto"``, or an unfitted purchase model instance.
    time_unit
        Model time unit (see :func:`rfmkit.models.data.unit_days`).
    penalizer
        Passed to the model when ``model`` is a name.
    period_days
        Length of the periods of ``by_period`` (7: weeks).
    """
    if holdout_end <= calibration_end:
        raise ConfigError("holdout_end must come after calibration_end.")
    if period_days < 1:
        raise ConfigError("period_days must be at least 1.")
    unit = unit_days(time_unit)
    fitter = make_purchase_model(model, penalizer) if isinstance(model, str) else model
    inputs = model_inputs(transactions, as_of=calibration_end, time_unit=unit)
    x, tx, T = (inputs[c].to_numpy(float) for c in (REPEAT_PURCHASES, RECENCY, AGE))
    fitter.fit(x, tx, T)
    holdout_days = (holdout_end - calibration_end).days
    actual = (
        inputs[[g.CUSTOMER_ID]]
        .merge(holdout_counts(transactions, calibration_end, holdout_end), how="left")[
            HOLDOUT_PURCHASES
        ]
        .fillna(0)
        .to_numpy(float)
    )
    predicted = fitter.expected_purchases(holdout_days / unit, x, tx, T)
    periods = _by_period(
        fitter, (x, tx, T), transactions, calibration_end, holdout_end, unit, period_days
    )
    total_actual, total_predicted = float(actual.sum()), float(predicted.sum())
    return ValidationReport(
        model=fitter,
        calibration_end=calibration_end,
        holdout_end=holdout_end,
        customers=len(x),
        total_actual=total_actual,
        total_predicted=total_predicted,
        total_error_pct=_pct(total_predicted, total_actual),
        customer_mae=float(np.mean(np.abs(predicted - actual))),
        customer_rmse=float(np.sqrt(np.mean((predicted - actual) ** 2))),
        period_mae=float(np.mean(np.abs(periods.predicted - periods.actual))),
        by_period=periods,
        by_frequency=_by_frequency(x, actual, predicted),
        note=None if total_actual else _no_holdout_purchases(calibration_end, holdout_end),
    )


def _no_holdout_purchases(calibration_end: dt.date, holdout_end: dt.date) -> str:
    last = holdout_end - dt.timedelta(days=1)
    return (
        f"No customer bought again between {calibration_end} and {last}, so the "
        "relative error total_error_pct cannot be computed (null); compare "
        "total_predicted with 0 instead, and check that the log covers that window."
    )


def _by_period(
    model: PurchaseModel,
    xtT: tuple[np.ndarray, np.ndarray, np.ndarray],
    transactions: ir.Table,
    calibration_end: dt.date,
    holdout_end: dt.date,
    unit: float,
    period_days: int,
) -> pd.DataFrame:
    holdout_days = (holdout_end - calibration_end).days
    n_periods = math.ceil(holdout_days / period_days)
    ends = np.minimum(np.arange(1, n_periods + 1) * period_days, holdout_days)
    cumulative = np.array([model.expected_purchases(e / unit, *xtT).sum() for e in ends])
    frame = pd.DataFrame(
        {
            "period": np.arange(n_periods),
            "start": [
                calibration_end + dt.timedelta(days=int(k * period_days)) for k in range(n_periods)
            ],
        }
    )
    actual = holdout_by_period(transactions, calibration_end, holdout_end, period_days)
    frame = frame.merge(actual, on="period", how="left")
    frame["actual"] = frame["actual"].fillna(0).astype(float)
    frame["predicted"] = np.diff(cumulative, prepend=0.0)
    frame["cumulative_actual"] = frame["actual"].cumsum()
    frame["cumulative_predicted"] = cumulative
    return frame


def _by_frequency(x: np.ndarray, actual: np.ndarray, predicted: np.ndarray) -> pd.DataFrame:
    top = FREQUENCY_GROUPS
    group = np.minimum(x, top).astype(int)
    labels = [str(k) for k in range(top)] + [f"{top}+"]
    frame = pd.DataFrame({"group": group, "actual": actual, "predicted": predicted})
    summary = frame.groupby("group").agg(
        customers=("actual", "size"),
        actual_mean=("actual", "mean"),
        predicted_mean=("predicted", "mean"),
    )
    summary.index = pd.Index([labels[k] for k in summary.index], name=REPEAT_PURCHASES)
    return summary.reset_index()


def _pct(predicted: float, actual: float) -> float:
    return 100.0 * (predicted - actual) / actual if actual else math.nan


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(lambda v: v.isoformat() if isinstance(v, dt.date) else v)
    return [{str(k): _plain(v) for k, v in row.items()} for row in out.to_dict(orient="records")]


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
