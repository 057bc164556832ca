"""Lifecycle stage beside RFM: new, active, at risk, lapsed, reactivated.

Every customer gets one ``lifecycle_stage``, computed in the engine from the
customer's own purchase rhythm. The rules, applied in this order (the first
that matches wins):

Definitions, per customer, over the orders dated before ``as_of`` whose net
amount is positive (orders as in :func:`rfmkit.engine.orders`; several orders
on one day count as one *purchase day*):

* ``n``: number of purchase days; ``d1 < ... < dn`` those days;
* ``recency = as_of - dn`` and ``age = as_of - d1``, in whole days;
* ``interval``, the customer's typical inter-purchase interval: the mean gap
  between purchase days, ``(dn - d1) / (n - 1)``, when ``n >= 2``;
* ``prior_interval``, the typical interval *before the last purchase*:
  ``(d(n-1) - d1) / (n - 2)`` when ``n >= 3``;
* ``population_interval``: the median of ``interval`` over every customer
  of the order table with ``n >= 2`` (the fallback of customers with a
  single purchase day, and of ``prior_interval`` when ``n = 2``);
* each interval used is at least ``min_interval_days``;
* thresholds: ``at_risk_after = at_risk_factor x interval`` and
  ``lapsed_after = lapsed_factor x interval`` -- or ``at_risk_days`` and
  ``lapsed_days`` for everyone when those are configured;
  ``prior_lapsed_after`` is ``lapsed_after`` computed with ``prior_interval``.

Stages:

1. ``insufficient_data``: the customer has no positive order in the table;
2. ``new``: ``age <= new_days`` (the first purchase is within ``new_days``);
3. ``insufficient_data``: no threshold can be set (a single purchase day,
   no customer with two, and no configured days);
4. ``lapsed``: ``recency > lapsed_after``;
5. ``at_risk``: ``recency > at_risk_after``;
6. ``reactivated``: ``n >= 2`` and the last gap ``dn - d(n-1)`` is longer
   than ``prior_lapsed_after`` (the customer came back after a lapse);
7. ``active``: everything else.

Comparisons are strict: a customer exactly at a threshold is still on the
better side of it. The shipped segment schemes' actions do not fit new
customers; :func:`with_onboarding_action` gives them the onboarding action.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from rfmkit import glossary as g
from rfmkit import i18n
from rfmkit.engine import PREVIOUS_PURCHASE, PURCHASE_DAYS, orders
from rfmkit.errors import ConfigError
from rfmkit.settings import LifecycleOptions

LIFECYCLE_STAGE = g.LIFECYCLE_STAGE
#: The stages, in the order of the summary.
STAGES = ("new", "active", "reactivated", "at_risk", "lapsed", "insufficient_data")
Stage = Literal["new", "active", "reactivated", "at_risk", "lapsed", "insufficient_data"]
#: Columns added by ``lifecycle_stage(..., details=True)``.
DETAIL_COLUMNS = (
    "purchase_days",
    "interval_days",
    "prior_interval_days",
    "last_gap_days",
    "at_risk_after_days",
    "lapsed_after_days",
)


def lifecycle_options(options: LifecycleOptions | None = None, **given: Any) -> LifecycleOptions:
    """Validated options: ``options`` as given, or built from keyword settings."""
    if options is not None:
        if given:
            raise ConfigError("Give either options= or single lifecycle settings, not both.")
        return options
    try:
        return LifecycleOptions(**given)
    except ValueError as exc:
        raise ConfigError(
            f"Invalid lifecycle settings: {_first_error(exc)}.",
            fix="Check new_days, at_risk_factor < lapsed_factor, at_risk_days < lapsed_days.",
        ) from exc


def lifecycle_stage(
    customers: ir.Table,
    transactions: ir.Table,
    as_of: dt.date,
    options: LifecycleOptions | None = None,
    *,
    details: bool = False,
    population: float | Literal["computed"] | None = "computed",
    **settings: Any,
) -> ir.Table:
    """``customers`` with a ``lifecycle_stage`` column, computed in the engine.

    Parameters
    ----------
    customers
        Any table with ``customer_id`` (usually the scored customers). When it
        carries the purchase-day counts of :func:`rfmkit.engine.customer_totals`
        (``purchase_days=True``, at the same ``as_of``), ``transactions`` is
        not read: every customer in it has a positive order.
    transactions
        Canonical transactions or one row per order (``customer_id``,
        ``order_date``, ``amount``, optional ``order_id``), on the same engine.
    as_of
        The analysis date: only orders before it count.
    options, settings
        :class:`LifecycleOptions`, or its fields by name (``new_days=60``).
    details
        Also return :data:`DETAIL_COLUMNS` (the numbers behind each stage).
    population
        The ``population_interval`` when it is known (:func:`population_interval`
        of all the customers; None when none has two purchase days): then
        ``customers`` may be any part of them (the incremental refresh judges
        only the customers that changed). By default it is computed over ``customers``.
    """
    opts = lifecycle_options(options, **settings)
    keep = [LIFECYCLE_STAGE, *(DETAIL_COLUMNS if details else ())]
    if PURCHASE_DAYS in customers.columns:  # counted with the totals: no second pass
        per = _facts(_own_days(customers), as_of, opts, population)
        return per.select(*customers.columns, **{c: per[c] for c in keep})
    facts = _facts(_purchase_days(transactions, as_of), as_of, opts)
    joined = customers.left_join(facts, g.CUSTOMER_ID)
    stage = ibis.coalesce(joined[LIFECYCLE_STAGE], ibis.literal("insufficient_data"))
    return joined.select(
        *customers.columns, **{c: stage if c == LIFECYCLE_STAGE else joined[c] for c in keep}
    )


def population_interval(customers: ir.Table) -> float | None:
    """The median typical interval of the customers with two purchase days or more.

    ``customers`` carries the purchase-day counts of
    :func:`rfmkit.engine.customer_totals` (``purchase_days=True``); None
    when no customer has two purchase days. Pass it to :func:`lifecycle_stage`
    (``population=``) to judge a part of the customers as all of them.
    """
    row = _population(_intervals(_own_days(customers))).to_pyarrow().to_pylist()[0]
    value = row["population_interval"]
    return None if value is None else float(value)


def _intervals(per: ir.Table) -> ir.Table:
    n = per.purchase_days
    interval = ibis.ifelse(
        n >= 2, per.last_day.delta(per.first_day, unit="day").cast("float64") / (n - 1), None
    )
    prior = ibis.ifelse(
        n >= 3, per.previous_day.delta(per.first_day, unit="day").cast("float64") / (n - 2), None
    )
    return per.mutate(interval_days=interval, prior_interval_days=prior)


def _population(per: ir.Table) -> ir.Table:
    return per.filter(per.purchase_days >= 2).aggregate(
        population_interval=lambda t: t.interval_days.median()
    )


def _facts(
    per: ir.Table,
    as_of: dt.date,
    opts: LifecycleOptions,
    population: float | Literal["computed"] | None = "computed",
) -> ir.Table:
    """``per`` (see :func:`_purchase_days`) with the stage and the numbers behind it."""
    per = _intervals(per)
    if population == "computed":
        per = per.cross_join(_population(per))
    else:  # spelled as text: the double is read back exactly
        known = ibis.literal(repr(population)).cast("float64") if population is not None else None
        per = per.mutate(population_interval=known if known is not None else ibis.null("float64"))
    typical = _floor(ibis.coalesce(per.interval_days, per.population_interval), opts)
    before = _floor(ibis.coalesce(per.prior_interval_days, per.population_interval), opts)
    day = ibis.literal(as_of)
    per = per.mutate(
        recency=day.delta(per.last_day, unit="day"),
        age=day.delta(per.first_day, unit="day"),
        last_gap_days=per.last_day.delta(per.previous_day, unit="day"),
        at_risk_after_days=_threshold(typical, opts.at_risk_days, opts.at_risk_factor),
        lapsed_after_days=_threshold(typical, opts.lapsed_days, opts.lapsed_factor),
        prior_lapsed=_threshold(before, opts.lapsed_days, opts.lapsed_factor),
    )
    return per.mutate(**{LIFECYCLE_STAGE: _stage(per, opts)})


def _purchase_days(transactions: ir.Table, as_of: dt.date) -> ir.Table:
    """Per customer: number of purchase days, the first, the last and the one before it."""
    o = orders(transactions, as_of)
    days = (
        o.filter(o[g.AMOUNT] > 0).select(g.CUSTOMER_ID, day=o[g.ORDER_DATE].cast("date")).distinct()
    )
    per = days.group_by(g.CUSTOMER_ID).aggregate(
        purchase_days=days.count(), first_day=days.day.min(), last_day=days.day.max()
    )
    ends = days.inner_join(per.select(g.CUSTOMER_ID, "last_day"), g.CUSTOMER_ID)
    ends = ends.filter(ends.day < ends.last_day)
    previous = ends.group_by(g.CUSTOMER_ID).aggregate(previous_day=ends.day.max())
    joined = per.left_join(previous, g.CUSTOMER_ID)
    return joined.select(*per.columns, previous_day=joined.previous_day)


def _own_days(customers: ir.Table) -> ir.Table:
    """``customers`` with the columns of :func:`_purchase_days`, from the facts they carry.

    Those are :func:`rfmkit.engine.customer_totals`' (``purchase_days=True``),
    counted over the same orders in the same pass as the metrics.
    """
    return customers.mutate(
        purchase_days=customers[PURCHASE_DAYS],
        first_day=customers[g.FIRST_PURCHASE].cast("date"),
        last_day=customers[g.LAST_PURCHASE].cast("date"),
        previous_day=customers[PREVIOUS_PURCHASE],
    )


def _floor(interval: ir.FloatingValue, opts: LifecycleOptions) -> ir.FloatingValue:
    floor = ibis.literal(float(opts.min_interval_days))
    return ibis.ifelse(interval.isnull(), None, ibis.greatest(interval, floor))


def _threshold(interval: ir.FloatingValue, days: int | None, factor: float) -> ir.FloatingValue:
    if days is not None:
        return ibis.literal(float(days))
    return interval * factor


def _stage(per: ir.Table, opts: LifecycleOptions) -> ir.StringValue:
    reactivated = (per.purchase_days >= 2) & (per.last_gap_days > per.prior_lapsed)
    return ibis.cases(
        (per.age <= opts.new_days, "new"),
        (per.lapsed_after_days.isnull(), "insufficient_data"),
        (per.recency > per.lapsed_after_days, "lapsed"),
        (per.recency > per.at_risk_after_days, "at_risk"),
        (reactivated.fill_null(False), "reactivated"),
        else_="active",
    )


# -- summary and actions -----------------------------------------------------------

STAGE_SUMMARY_COLUMNS = (
    LIFECYCLE_STAGE,
    "stage_label",
    "customers",
    "customers_pct",
    "revenue",
    "revenue_pct",
    "mean_recency_days",
    "mean_frequency",
    "mean_monetary",
)


def stage_label(stage: str, lang: str = "zh") -> str:
    """The name of a lifecycle stage for people."""
    return i18n.t(f"lifecycle.{stage}", lang)


def stage_summary(customers: ir.Table, lang: str = "zh") -> pd.DataFrame:
    """One row per lifecycle stage (empty ones included), in :data:`STAGES` order.

    ``customers`` needs ``lifecycle_stage``; the revenue and mean columns are
    filled when it also has the RFM metrics (``recency_days``, ``frequency``,
    ``monetary``). Aggregated in the engine.
    """
    stats = _stage_stats(customers).set_index(LIFECYCLE_STAGE)
    frame = pd.DataFrame(
        {LIFECYCLE_STAGE: list(STAGES), "stage_label": [stage_label(s, lang) for s in STAGES]}
    ).join(stats, on=LIFECYCLE_STAGE)
    frame["customers"] = frame["customers"].fillna(0).astype("int64")
    frame["revenue"] = frame["revenue"].astype("float64").fillna(0.0)
    frame["customers_pct"] = _pct(frame["customers"])
    frame["revenue_pct"] = _pct(frame["revenue"])
    return frame.loc[:, list(STAGE_SUMMARY_COLUMNS)]


def _stage_stats(customers: ir.Table) -> pd.DataFrame:
    def mean(name: str) -> ir.Value:
        return customers[name].mean() if name in customers.columns else ibis.null("float64")

    revenue = (
        customers[g.MONETARY].sum() if g.MONETARY in customers.columns else ibis.null("float64")
    )
    return (
        customers.group_by(LIFECYCLE_STAGE)
        .aggregate(
            customers=customers.count(),
            revenue=revenue,
            mean_recency_days=mean(g.RECENCY_DAYS),
            mean_frequency=mean(g.FREQUENCY),
            mean_monetary=mean(g.MONETARY),
        )
        .to_pandas()
    )


def _pct(values: pd.Series) -> pd.Series:
    total = values.sum()
    return (values * 100.0 / total).round(2) if total else values * 0.0


def onboarding_action(lang: str = "zh") -> str:
    """The recommended action for new customers (instead of a scheme's lost/low-value one)."""
    return i18n.t("lifecycle.action.new", lang)


def stage_action(stage: str, lang: str = "zh") -> str:
    """The recommended action for the customers of a lifecycle stage (``new``: onboarding)."""
    return onboarding_action(lang) if stage == "new" else i18n.t(f"lifecycle.action.{stage}", lang)


def stage_actions(customers: ir.Table, lang: str = "zh") -> pd.DataFrame:
    """:func:`stage_summary` with each stage's recommended ``action``.

    Empty (with the summary's columns) when ``customers`` has no ``lifecycle_stage``
    (a snapshot stored before stages were kept).
    """
    columns = [*STAGE_SUMMARY_COLUMNS, "action"]
    if LIFECYCLE_STAGE not in customers.columns:
        return pd.DataFrame(columns=columns)
    frame = stage_summary(customers, lang)
    frame["action"] = [stage_action(stage, lang) for stage in frame[LIFECYCLE_STAGE]]
    return frame.loc[:, columns]


def with_onboarding_action(
    customers: ir.Table, lang: str = "zh", column: str = "action"
) -> ir.Table:
    """``customers`` whose ``column`` is the onboarding action where the stage is ``new``.

    The column is added (null for other stages) when the table lacks it.
    """
    current = customers[column] if column in customers.columns else ibis.null("string")
    stage = customers[LIFECYCLE_STAGE]
    action = ibis.ifelse(stage == "new", ibis.literal(onboarding_action(lang)), current)
    return customers.mutate(**{column: action})


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = str(first.get("msg", exc)).removeprefix("Value error, ")
        return f"{where}: {message}" if where else message
    return str(exc)
