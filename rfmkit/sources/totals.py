"""Per-customer totals of loaded transactions, with every id checked.

Loading may read the ids of typed sources as they are (``check_ids=False``)
and leave their check to this step, where they are grouped: one test per
customer and per order instead of one per row. When some id turns out to
need cleaning, the inputs are loaded again with every id cleaned -- a
shortcut that stays inside :mod:`rfmkit.sources`.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir

from rfmkit import engine
from rfmkit import glossary as g
from rfmkit.sources.values import is_plain

if TYPE_CHECKING:
    from rfmkit.sources import Loaded


@dataclass(frozen=True)
class Totals:
    """The metrics of the scorable customers and how many were and were not scorable.

    Attributes
    ----------
    metrics
        One row per scorable customer: the metrics of :mod:`rfmkit.engine`.
    as_of
        The analysis date: the given one, or the day after the latest date used.
    scorable, unscored
        Customers with at least one positive order, and those without.
    loaded
        The loaded input (reloaded with clean ids when that was needed).
    """

    metrics: ir.Table
    as_of: dt.date
    scorable: int
    unscored: int
    loaded: Loaded


def customer_totals(loaded: Loaded, as_of: dt.date | None, money_decimals: int = 2) -> Totals:
    """The scorable customers' metrics at ``as_of`` (default: the day after the latest order).

    Amounts are summed exactly to ``money_decimals`` decimals (see :mod:`rfmkit.engine`).
    """
    totals = _totals(loaded, as_of, money_decimals)
    if totals is None:  # some id read as it is needs cleaning after all
        totals = _totals(loaded.cleaning_ids(), as_of, money_decimals)
    assert totals is not None
    totals.loaded.quality.as_of = totals.as_of
    return totals


def default_as_of(loaded: Loaded) -> dt.date | None:
    """The day after the latest date of the rows used (from the quality report)."""
    latest = loaded.quality.date_max
    return latest + dt.timedelta(days=1) if latest is not None else None


def _totals(loaded: Loaded, as_of: dt.date | None, money_decimals: int) -> Totals | None:
    customers = loaded.customers
    if customers is not None:
        day = (
            as_of
            or default_as_of(loaded)
            or engine.default_as_of(customers.rename(order_date=g.LAST_PURCHASE))
        )
        kept = customers.filter(customers[g.LAST_PURCHASE] < day).cache()
        counts = _first_row(kept.aggregate(n=kept.count(), **unclean_ids(kept, loaded)))
        if counts.get("unclean"):
            return None
        metrics = engine.metrics_from_totals(kept, day, money_decimals=money_decimals)
        return Totals(metrics, day, int(counts["n"]), 0, loaded)
    transactions = loaded.transactions
    assert transactions is not None
    day = as_of or default_as_of(loaded) or engine.default_as_of(transactions)
    totals = engine.customer_totals(
        transactions if loaded.keyed is None else loaded.keyed,
        day,
        keyed=_keyed(loaded),
        check_order_ids="order" in loaded.trusted_ids,
        money_decimals=money_decimals,
        purchase_days=True,  # for the lifecycle stages, in the same pass
    )
    if not totals[g.CUSTOMER_ID].type().is_string():  # grouped by the numbers as read
        totals = totals.mutate(**{g.CUSTOMER_ID: totals[g.CUSTOMER_ID].cast("string")})
    totals = totals.cache()
    counts = _first_row(
        totals.aggregate(
            customers=totals.count(),
            scorable=(totals[g.FREQUENCY] > 0).sum(),
            **unclean_ids(totals, loaded),
        )
    )
    if counts.get("unclean"):
        return None
    loaded.quality.customers = int(counts["customers"])  # those with rows used
    scorable = int(counts["scorable"] or 0)
    unscored = loaded.quality.customers - scorable
    metrics = engine.scorable(totals, day, money_decimals=money_decimals)
    return Totals(metrics, day, scorable, unscored, loaded)


def unclean_ids(totals: ir.Table, loaded: Loaded) -> dict[str, ir.Value]:
    """An ``unclean`` count of customers with an id read as it is that needs cleaning."""
    tests = []
    if "customer" in loaded.trusted_ids:
        tests.append(~is_plain(totals[g.CUSTOMER_ID], "customer"))
    if engine.UNCLEAN_ORDER_ID in totals.columns:
        tests.append(totals[engine.UNCLEAN_ORDER_ID])
    if not tests:
        return {}
    return {"unclean": functools.reduce(operator.or_, tests).sum()}


def _first_row(table: ir.Table) -> dict[str, Any]:
    return table.to_pyarrow().to_pylist()[0]


def _keyed(loaded: Loaded) -> str:
    """Which rows have an order id ("all", "none" or "some"), from the quality report."""
    without = loaded.quality.rows_without_order_id
    if without == 0:
        return "all"
    return "none" if without == loaded.quality.rows_used else "some"
