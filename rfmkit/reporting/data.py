"""What the charts show, aggregated inside the engine.

Every function here runs a group-by or an aggregate on the customer table
(DuckDB, Spark, whatever the table lives on) and brings back a small pandas
frame: one row per grid cell, histogram bin or segment, never one per customer.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from rfmkit import glossary as g

#: Number of bins of a histogram.
BINS = 40
#: Quantile above which values go into the last (open) bin.
TAIL = 0.995
#: Bins of the P(alive) matrix: orders 1..FREQUENCY_CAP (the last one open), days per bin.
FREQUENCY_CAP = 15
RECENCY_BINS = 24


@dataclass(frozen=True)
class Totals:
    """The key figures of the customer table."""

    customers: int
    revenue: float
    orders: int
    first_purchase: dt.date | None
    last_purchase: dt.date | None


def totals(customers: ir.Table) -> Totals:
    """Customers, revenue, orders (positive orders) and the purchase date range."""
    row = _one_row(
        customers.aggregate(
            customers=customers.count(),
            revenue=customers[g.MONETARY].sum(),
            orders=customers[g.FREQUENCY].sum(),
            first=customers[g.FIRST_PURCHASE].min(),
            last=customers[g.LAST_PURCHASE].max(),
        )
    )
    return Totals(
        customers=int(row["customers"] or 0),
        revenue=float(row["revenue"] or 0.0),
        orders=int(row["orders"] or 0),
        first_purchase=_as_date(row["first"]),
        last_purchase=_as_date(row["last"]),
    )


def rf_grid(customers: ir.Table) -> pd.DataFrame:
    """One row per (R score, F score): ``customers``, ``revenue``, ``mean_monetary``."""
    return (
        customers.group_by(g.R_SCORE, g.F_SCORE)
        .aggregate(
            customers=customers.count(),
            revenue=customers[g.MONETARY].sum(),
            mean_monetary=customers[g.MONETARY].mean(),
        )
        .to_pandas()
        .sort_values([g.R_SCORE, g.F_SCORE])
        .reset_index(drop=True)
    )


def histogram(
    customers: ir.Table, column: str, *, log: bool = False, bins: int = BINS
) -> pd.DataFrame:
    """Customers per bin of ``column``: ``low``, ``high``, ``customers``.

    Bins are equal-width (in log10 when ``log``) from the smallest value to
    the :data:`TAIL` quantile; the last bin is open above and holds the rest.
    Whole-number columns with a small range get one bin per value.
    Null values are left out.
    """
    values = customers.filter(customers[column].notnull())
    col = values[column].cast("float64")
    if log:
        col = ibis.greatest(col, 0.01).log10()
    row = _one_row(values.aggregate(low=col.min(), high=col.quantile(TAIL)))
    low, high = row["low"], row["high"]
    if low is None or high is None:
        return pd.DataFrame({"low": [], "high": [], "customers": []})
    low, high = float(low), float(high)
    integer = column in (g.FREQUENCY, g.RECENCY_DAYS) and not log
    if integer and high - low < bins:
        width = 1.0
        low = math.floor(low)
        bins = int(high - low) + 1
    else:
        width = (high - low) / bins if high > low else 1.0
    index = ((col - low) / width).floor().cast("int64")
    index = ibis.least(ibis.greatest(index, 0), bins - 1)
    counts = values.group_by(bin=index).aggregate(customers=values.count()).to_pandas()
    frame = pd.DataFrame({"bin": range(bins)}).merge(counts, on="bin", how="left")
    frame["customers"] = frame["customers"].fillna(0).astype("int64")
    frame["low"] = low + frame["bin"] * width
    frame["high"] = frame["low"] + width
    if log:
        frame["low"], frame["high"] = 10 ** frame["low"], 10 ** frame["high"]
    frame["open"] = frame["bin"] == bins - 1
    return frame.drop(columns="bin")


def p_alive_matrix(customers: ir.Table) -> pd.DataFrame:
    """Mean ``p_alive`` per orders (1..cap, the last open) × days-since-purchase bin.

    Columns ``frequency``, ``recency_low``, ``recency_high``, ``customers``, ``p_alive``.
    """
    rated = customers.filter(customers["p_alive"].notnull())
    high = _one_row(rated.aggregate(high=rated[g.RECENCY_DAYS].quantile(TAIL)))["high"]
    width = max(1.0, math.ceil(float(high or 1.0) / RECENCY_BINS))
    frequency = ibis.least(rated[g.FREQUENCY], FREQUENCY_CAP)
    recency = ibis.least((rated[g.RECENCY_DAYS] / width).floor(), RECENCY_BINS - 1)
    frame = (
        rated.group_by(frequency=frequency, recency_bin=recency.cast("int64"))
        .aggregate(customers=rated.count(), p_alive=rated["p_alive"].mean())
        .to_pandas()
    )
    frame["recency_low"] = frame["recency_bin"] * width
    frame["recency_high"] = frame["recency_low"] + width
    return frame.drop(columns="recency_bin").sort_values(["frequency", "recency_low"])


def one_time_p_alive(customers: ir.Table, bins: int = BINS) -> pd.DataFrame:
    """Mean, 10th and 90th percentile ``p_alive`` of one-order customers per day bin.

    Columns ``recency_low``, ``recency_high``, ``customers``, ``p_alive``, ``p10``, ``p90``.
    """
    once = customers.filter((customers[g.FREQUENCY] == 1) & customers["p_alive"].notnull())
    high = _one_row(once.aggregate(high=once[g.RECENCY_DAYS].max()))["high"]
    if high is None:
        return pd.DataFrame({"recency_low": [], "recency_high": [], "customers": [], "p_alive": []})
    width = max(1.0, math.ceil((float(high) + 1) / bins))
    recency = (once[g.RECENCY_DAYS] / width).floor().cast("int64")
    frame = (
        once.group_by(recency_bin=recency)
        .aggregate(
            customers=once.count(),
            p_alive=once["p_alive"].mean(),
            p10=once["p_alive"].quantile(0.1),
            p90=once["p_alive"].quantile(0.9),
        )
        .to_pandas()
        .sort_values("recency_bin")
    )
    frame["recency_low"] = frame["recency_bin"] * width
    frame["recency_high"] = frame["recency_low"] + width
    return frame.drop(columns="recency_bin").reset_index(drop=True)


def at_risk(customers: ir.Table, top: int = 15) -> pd.DataFrame:
    """The ``top`` customers flagged ``churn_risk`` with the most spend to date."""
    risky = customers.filter(customers["churn_risk"])
    return (
        risky.order_by(ibis.desc(g.MONETARY), g.CUSTOMER_ID)
        .limit(top)
        .select(
            g.CUSTOMER_ID,
            g.SEGMENT,
            g.SEGMENT_LABEL,
            g.MONETARY,
            g.RECENCY_DAYS,
            g.FREQUENCY,
            "p_alive",
            "clv",
        )
        .to_pandas()
    )


def _one_row(table: ir.Table) -> dict[str, Any]:
    return dict(table.to_pyarrow().to_pylist()[0])


def _as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()
