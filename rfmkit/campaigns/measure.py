"""Measure a campaign against its holdout, per segment and overall.

Rules (pinned by ``tests/campaigns/test_measure.py``):

* the window is ``[send_date, send_date + window_days)``; orders are formed
  as everywhere in rfmkit (:func:`rfmkit.engine.orders`: rows sharing an
  ``order_id`` are one order, dated by its earliest row);
* a **responder** has at least one order of positive net amount in the
  window; a **repurchaser** has at least two;
* a customer's **revenue** is the sum of those positive orders (refunds in
  the window are not netted); non-buyers count 0 in every mean;
* only the groups ``treatment`` and ``control`` are measured (a
  ``global_control`` row or any other group is left out);
* ``incremental_revenue = (rpc_t - rpc_c) x customers_treatment`` where
  ``rpc`` is revenue per customer; the campaign ``cost`` is shared among
  segments in proportion to their treated customers;
  ``roi = (incremental_revenue x margin - cost) / cost``;
* ``lift`` is the absolute difference of response rates with a pooled
  two-proportion z-test and a Wald 95 % interval; ``relative_lift`` is
  ``rate_t / rate_c - 1``; ``revenue_lift`` is the difference of revenue per
  customer with Welch's t-test and its 95 % interval
  (:mod:`rfmkit.campaigns.stats`);
* ``mde`` is the minimum detectable difference in response rate for the
  group sizes (alpha 0.05, power 0.8) at the pooled response rate.

Per-customer work and the per-group sums run in the engine; only one row
per segment and group comes back for the statistics.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from rfmkit import glossary as g
from rfmkit.backend import as_table
from rfmkit.campaigns import stats
from rfmkit.engine import orders
from rfmkit.errors import InputError

GROUP = "group"
SEGMENT = g.SEGMENT
TREATMENT = "treatment"
CONTROL = "control"
GROUPS = (TREATMENT, CONTROL)

#: Columns of :func:`measure`'s result, in order.
MEASURE_COLUMNS = (
    "scope",
    SEGMENT,
    "customers_treatment",
    "customers_control",
    "responders_treatment",
    "responders_control",
    "response_rate_treatment",
    "response_rate_control",
    "repurchase_rate_treatment",
    "repurchase_rate_control",
    "revenue_treatment",
    "revenue_control",
    "revenue_per_customer_treatment",
    "revenue_per_customer_control",
    "lift",
    "relative_lift",
    "z",
    "p_value",
    "ci_low",
    "ci_high",
    "revenue_lift",
    "revenue_t",
    "revenue_df",
    "revenue_p_value",
    "revenue_ci_low",
    "revenue_ci_high",
    "incremental_revenue",
    "cost",
    "roi",
    "mde",
    "warning",
)


def measure(
    assignments: Any,
    transactions: ir.Table,
    send_date: dt.date,
    window_days: int,
    *,
    cost: float = 0.0,
    margin: float = 1.0,
    useful_effect: float = 0.01,
    lang: str = "zh",
) -> pd.DataFrame:
    """Response, revenue, lift and ROI of a campaign per segment, plus an overall row.

    Parameters
    ----------
    assignments
        An Ibis table or a pandas/pyarrow/polars frame with ``customer_id``
        and ``group`` (``treatment`` / ``control``) and optionally ``segment``.
    transactions
        Canonical transactions (or one row per order) as an Ibis table.
    send_date, window_days
        The window ``[send_date, send_date + window_days)`` in which orders count.
    cost
        What the campaign cost in total (0: no ROI).
    margin
        Share of revenue that is profit (for the ROI).
    useful_effect
        The absolute difference in response rate worth detecting: groups
        whose minimum detectable effect is larger get a ``warning``.
    lang
        Language of the warnings.

    Returns
    -------
    pandas.DataFrame
        :data:`MEASURE_COLUMNS`: one row per segment (``scope`` ``segment``,
        sorted by segment key), then the ``overall`` row (``segment`` missing).
        Undefined statistics are NaN.
    """
    if window_days <= 0:
        raise InputError(
            f"The measurement window must be at least one day, not {window_days}.",
            fix="Give window_days (--window) as a positive number of days.",
        )
    per_customer = _per_customer(assignments, transactions, send_date, window_days)
    sums = _group_sums(per_customer)
    overall = sums[sums["scope"] == "overall"]
    treated = int(overall.loc[overall[GROUP] == TREATMENT, "customers"].sum())
    rows = [
        _row("segment", str(key), part, cost, treated, margin, useful_effect, lang)
        for key, part in sums[sums["scope"] == "segment"].groupby(SEGMENT, sort=True)
    ]
    rows.append(_row("overall", None, overall, cost, treated, margin, useful_effect, lang))
    return pd.DataFrame(rows, columns=list(MEASURE_COLUMNS))


def responses(transactions: ir.Table, send_date: dt.date, window_days: int) -> ir.Table:
    """Per customer with a positive order in the window: ``orders`` and ``revenue`` (engine)."""
    end = send_date + dt.timedelta(days=window_days)
    o = orders(transactions, end)
    o = o.filter((o[g.ORDER_DATE] >= ibis.literal(send_date)) & (o[g.AMOUNT] > 0))
    return o.group_by(g.CUSTOMER_ID).aggregate(
        orders=o.count(), revenue=o[g.AMOUNT].sum().cast("float64")
    )


def _per_customer(
    assignments: Any, transactions: ir.Table, send_date: dt.date, window_days: int
) -> ir.Table:
    table = _assignments(assignments, transactions)
    window = responses(transactions, send_date, window_days)
    joined = table.left_join(window, g.CUSTOMER_ID)
    count = joined.orders.fill_null(0)
    return joined.select(
        g.CUSTOMER_ID,
        GROUP,
        SEGMENT,
        responder=(count >= 1).cast("int64"),
        repurchaser=(count >= 2).cast("int64"),
        revenue=joined.revenue.fill_null(0.0),
    )


def _assignments(assignments: Any, transactions: ir.Table) -> ir.Table:
    table = as_table(assignments, transactions.get_backend(), name=None)
    missing = [c for c in (g.CUSTOMER_ID, GROUP) if c not in table.columns]
    if missing:
        raise InputError(
            f"The assignments lack the column(s) {', '.join(missing)}.",
            fix="Give a table with customer_id, group (treatment/control) and optionally segment.",
            details={"found": list(table.columns)},
        )
    group = table[GROUP].cast("string").strip().lower()
    segment = table[SEGMENT].cast("string") if SEGMENT in table.columns else ibis.literal("all")
    table = table.select(
        customer_id=table[g.CUSTOMER_ID].cast("string"), group=group, segment=segment
    ).filter(group.isin(GROUPS))
    _check_unique(table)
    return table


def _check_unique(table: ir.Table) -> None:
    counts = table.aggregate(rows=table.count(), customers=table[g.CUSTOMER_ID].nunique())
    row = counts.to_pandas().iloc[0]
    if int(row["rows"]) != int(row["customers"]):
        raise InputError(
            f"The assignments list {int(row['rows']) - int(row['customers'])} customer(s) twice.",
            fix="Give each customer one group.",
        )


def _group_sums(per: ir.Table) -> pd.DataFrame:
    """Customers, responders, repurchasers and revenue moments per (segment, group) and group."""

    def sums(t: ir.Table) -> dict[str, ir.Value]:
        return {
            "customers": t.count(),
            "responders": t.responder.sum(),
            "repurchasers": t.repurchaser.sum(),
            "revenue": t.revenue.sum(),
            "revenue_var": t.revenue.var(how="sample"),
        }

    by_segment = per.group_by([SEGMENT, GROUP]).aggregate(**sums(per))
    overall = per.group_by(GROUP).aggregate(**sums(per))
    frame = pd.concat(
        [
            by_segment.to_pandas().assign(scope="segment"),
            overall.to_pandas().assign(scope="overall", segment=None),
        ],
        ignore_index=True,
    )
    return frame


def _row(
    scope: str,
    segment: str | None,
    part: pd.DataFrame,
    cost: float,
    treated_total: int,
    margin: float,
    useful_effect: float,
    lang: str,
) -> dict[str, Any]:
    t, c = _side(part, TREATMENT), _side(part, CONTROL)
    rate_t, rate_c = (
        _ratio(t["responders"], t["customers"]),
        _ratio(c["responders"], c["customers"]),
    )
    rpc_t, rpc_c = _ratio(t["revenue"], t["customers"]), _ratio(c["revenue"], c["customers"])
    response = stats.two_proportion_test(
        t["responders"], t["customers"], c["responders"], c["customers"]
    )
    revenue = stats.welch_test(
        rpc_t or 0.0,
        t["revenue_var"],
        t["customers"],
        rpc_c or 0.0,
        c["revenue_var"],
        c["customers"],
    )
    share = cost * t["customers"] / treated_total if treated_total else 0.0
    incremental = (
        (rpc_t - rpc_c) * t["customers"] if rpc_t is not None and rpc_c is not None else None
    )
    pooled = _ratio(t["responders"] + c["responders"], t["customers"] + c["customers"])
    return {
        "scope": scope,
        SEGMENT: segment,
        "customers_treatment": t["customers"],
        "customers_control": c["customers"],
        "responders_treatment": t["responders"],
        "responders_control": c["responders"],
        "response_rate_treatment": rate_t,
        "response_rate_control": rate_c,
        "repurchase_rate_treatment": _ratio(t["repurchasers"], t["customers"]),
        "repurchase_rate_control": _ratio(c["repurchasers"], c["customers"]),
        "revenue_treatment": t["revenue"],
        "revenue_control": c["revenue"],
        "revenue_per_customer_treatment": rpc_t,
        "revenue_per_customer_control": rpc_c,
        "lift": response.difference,
        "relative_lift": stats.relative_lift(rate_t, rate_c),
        "z": response.z,
        "p_value": response.p_value,
        "ci_low": response.ci_low,
        "ci_high": response.ci_high,
        "revenue_lift": revenue.difference,
        "revenue_t": revenue.t,
        "revenue_df": revenue.df,
        "revenue_p_value": revenue.p_value,
        "revenue_ci_low": revenue.ci_low,
        "revenue_ci_high": revenue.ci_high,
        "incremental_revenue": incremental,
        "cost": share,
        "roi": stats.roi(incremental, margin, share) if incremental is not None else None,
        "mde": stats.min_detectable_effect(t["customers"], c["customers"], pooled or 0.0),
        "warning": stats.group_warning(
            t["customers"],
            c["customers"],
            baseline=pooled or 0.0,
            useful_effect=useful_effect,
            lang=lang,
        ),
    }


def _side(part: pd.DataFrame, group: str) -> dict[str, Any]:
    rows = part[part[GROUP] == group]
    if rows.empty:
        return {
            "customers": 0,
            "responders": 0,
            "repurchasers": 0,
            "revenue": 0.0,
            "revenue_var": 0.0,
        }
    row = rows.iloc[0]
    var = row["revenue_var"]
    return {
        "customers": int(row["customers"]),
        "responders": int(row["responders"]),
        "repurchasers": int(row["repurchasers"]),
        "revenue": float(row["revenue"]),
        "revenue_var": float(var) if pd.notna(var) else 0.0,
    }


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None
