"""Model inputs built in the engine from the canonical transaction log.

The purchase models see a customer as ``repeat_purchases`` (purchases after
the first one), ``recency`` (time from the first to the last purchase) and
``T`` (time from the first purchase to the end of the observation window),
in a chosen time unit. These names differ on purpose from the RFM metrics
(``recency_days`` is days *since* the last purchase; ``frequency`` counts all
orders): see :mod:`rfmkit.glossary`.

Rules, the same as :mod:`rfmkit.engine` for orders:

* only rows dated strictly before ``as_of`` are used, so the observation
  window ends on the day before ``as_of``;
* rows sharing an ``order_id`` form one order dated by its earliest row;
  orders whose net amount is <= 0 are not purchases;
* purchases on the same day are collapsed into one (their amounts added);
* ``avg_repeat_value`` is the mean value of the repeat purchase days (the
  first day excluded), the input of the Gamma-Gamma model; null without
  repeat purchases.

Everything up to one row per customer runs inside the engine.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pandas as pd

from rfmkit import engine
from rfmkit import glossary as g
from rfmkit.errors import ConfigError, InputError

REPEAT_PURCHASES = "repeat_purchases"
RECENCY = "recency"
AGE = "T"
AVG_REPEAT_VALUE = "avg_repeat_value"
HOLDOUT_PURCHASES = "holdout_purchases"

#: Columns of the model-input table, in order.
INPUT_COLUMNS = (
    g.CUSTOMER_ID,
    REPEAT_PURCHASES,
    RECENCY,
    AGE,
    AVG_REPEAT_VALUE,
    g.FIRST_PURCHASE,
    g.LAST_PURCHASE,
)

_UNITS = {"d": 1.0, "day": 1.0, "days": 1.0, "w": 7.0, "week": 7.0, "weeks": 7.0}


def unit_days(time_unit: str | float) -> float:
    """Length of a model time unit in days: ``"D"``/``"day"``, ``"W"``/``"week"`` or a number."""
    if isinstance(time_unit, int | float) and not isinstance(time_unit, bool):
        days = float(time_unit)
    else:
        key = str(time_unit).strip().lower()
        if key not in _UNITS:
            raise ConfigError(
                f"Unknown time unit {time_unit!r}.",
                fix="Use 'D' (days), 'W' (weeks) or a number of days.",
            )
        days = _UNITS[key]
    if not days > 0:
        raise ConfigError("The time unit must be a positive number of days.")
    return days


def purchase_days(transactions: ir.Table, as_of: dt.date) -> ir.Table:
    """One row per customer and purchase day before ``as_of``: ``customer_id, order_date, amount``."""
    orders = engine.orders(transactions, as_of)
    positive = orders.filter(orders[g.AMOUNT] > 0)
    return positive.group_by([g.CUSTOMER_ID, g.ORDER_DATE]).aggregate(
        amount=positive[g.AMOUNT].sum()
    )


def model_inputs_expr(
    transactions: ir.Table, as_of: dt.date, time_unit: str | float = "W"
) -> ir.Table:
    """The model inputs of every customer with a purchase before ``as_of``, as an Ibis table."""
    unit = unit_days(time_unit)
    days = purchase_days(transactions, as_of)
    per = days.group_by(g.CUSTOMER_ID).aggregate(
        n=days.count(),
        total=days[g.AMOUNT].sum(),
        first_amount=days[g.AMOUNT].argmin(days[g.ORDER_DATE]),
        first_purchase=days[g.ORDER_DATE].min(),
        last_purchase=days[g.ORDER_DATE].max(),
    )
    window_end = ibis.literal(as_of - dt.timedelta(days=1))
    repeat = per.n - 1
    return per.select(
        g.CUSTOMER_ID,
        repeat_purchases=repeat.cast("int64"),
        recency=per.last_purchase.delta(per.first_purchase, unit="day").cast("float64") / unit,
        T=window_end.delta(per.first_purchase, unit="day").cast("float64") / unit,
        avg_repeat_value=ibis.ifelse(
            repeat > 0, (per.total - per.first_amount) / repeat.cast("float64"), ibis.null()
        ).cast("float64"),
        first_purchase=per.first_purchase,
        last_purchase=per.last_purchase,
    )


def model_inputs(
    transactions: ir.Table, *, as_of: dt.date | None = None, time_unit: str | float = "W"
) -> pd.DataFrame:
    """Model inputs per customer as a pandas DataFrame (one row per customer).

    Parameters
    ----------
    transactions
        Canonical transactions (see :mod:`rfmkit.glossary`).
    as_of
        First day *not* observed; defaults to the day after the latest transaction.
    time_unit
        Unit of ``recency`` and ``T``: ``"W"`` (weeks, the default, as in the
        papers), ``"D"`` or a number of days.
    """
    if as_of is None:
        as_of = engine.default_as_of(transactions)
    frame = model_inputs_expr(transactions, as_of, time_unit).to_pandas()
    if frame.empty:
        raise InputError(
            f"No customer has a purchase with a positive amount before {as_of}.",
            fix="Check the as_of date and that amounts are read correctly.",
        )
    return frame.sort_values(g.CUSTOMER_ID, ignore_index=True)[list(INPUT_COLUMNS)]


def holdout_expr(
    transactions: ir.Table, calibration_end: dt.date, holdout_end: dt.date
) -> ir.Table:
    """Purchase days in ``[calibration_end, holdout_end)`` of customers seen before ``calibration_end``.

    Columns ``customer_id, order_date, day`` where ``day`` counts days from
    ``calibration_end`` (0 on its first day).
    """
    days = purchase_days(transactions, holdout_end)
    start = ibis.literal(calibration_end)
    known = days.filter(days[g.ORDER_DATE] < start).select(g.CUSTOMER_ID).distinct()
    later = days.filter(days[g.ORDER_DATE] >= start)
    joined = later.semi_join(known, g.CUSTOMER_ID)
    return joined.select(
        g.CUSTOMER_ID,
        g.ORDER_DATE,
        day=joined[g.ORDER_DATE].delta(start, unit="day").cast("int64"),
    )


def holdout_counts(
    transactions: ir.Table, calibration_end: dt.date, holdout_end: dt.date
) -> pd.DataFrame:
    """Per calibration customer with holdout purchases: ``customer_id, holdout_purchases``."""
    rows = holdout_expr(transactions, calibration_end, holdout_end)
    counts = rows.group_by(g.CUSTOMER_ID).aggregate(holdout_purchases=rows.count())
    return counts.to_pandas()


def holdout_by_period(
    transactions: ir.Table, calibration_end: dt.date, holdout_end: dt.date, period_days: int = 7
) -> pd.DataFrame:
    """Holdout purchases per period (``period`` 0, 1, ...), counted in the engine."""
    rows = holdout_expr(transactions, calibration_end, holdout_end)
    rows = rows.mutate(period=rows.day // period_days)
    per = rows.group_by("period").aggregate(actual=rows.count())
    return per.to_pandas().sort_values("period", ignore_index=True)
