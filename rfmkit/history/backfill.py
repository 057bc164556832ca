"""Every snapshot of a back-filled series from one pass over the orders.

A series scores one order log at dates ``A1 < ... < AK``; snapshot ``k``
counts the rows dated before ``Ak``. The dates cut time into *periods*:
period ``j`` holds the days in ``[A(j-1), Aj)``, so snapshot ``k`` sees
periods ``1..k``. The customer totals of :mod:`rfmkit.engine` (orders,
net amount, first and last purchase day, purchase days, the purchase day
before the last) combine across periods: sums add, and since a period's
days all come before the next period's, the last purchase day is the last
of the latest period with one, and the day before it is either that
period's second-last or an earlier period's last.

So each customer's orders are summed once per period (``parts``) and each
snapshot only adds up its periods' parts: one small aggregation per
snapshot instead of grouping the orders again. The one exception is an
order with rows in a later period than its first (a refund after the cut):
its amount, and so whether it counts, depends on the snapshot. The
periods of a customer holding such an order are summed again for every
snapshot that sees them (``changing``); those are few.

The result equals :func:`rfmkit.engine.customer_totals` with
``purchase_days=True`` over the rows before each date (the back-fill tests
compare the two).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from rfmkit import engine
from rfmkit import glossary as g
from rfmkit.engine import UNCLEAN_ORDER_ID
from rfmkit.sources.totals import Totals, unclean_ids
from rfmkit.sources.values import is_plain

if TYPE_CHECKING:
    from rfmkit.sources import Loaded

#: The columns of one period's (or one snapshot's) part of a customer's totals.
_PERIOD, _SNAPSHOT = "_period", "_snapshot"


@dataclass(frozen=True)
class SeriesTotals:
    """The customer totals of every date of a series, ready to cut.

    Attributes
    ----------
    loaded
        The load (reloaded with clean ids when some id needed cleaning); its
        rows before the last date are what the snapshots count.
    dates
        The series' dates, oldest first.
    parts
        Per customer and period without a changing order: the totals of that
        period's orders.
    changing
        Per customer, period and snapshot, for the periods with an order
        whose amount changes after the period: their totals as that
        snapshot sees them.
    money_decimals
        Decimals amounts are summed to.
    """

    loaded: Loaded
    dates: tuple[dt.date, ...]
    parts: ir.Table
    changing: ir.Table
    money_decimals: int

    @classmethod
    def of(cls, loaded: Loaded, dates: list[dt.date], money_decimals: int) -> SeriesTotals | None:
        """The series totals of ``loaded`` at ``dates`` (None for customer-level input).

        Ids that loading read as they are (``loaded.trusted_ids``) are
        checked here, once per order; when one needs cleaning the inputs are
        loaded again with every id cleaned (see :meth:`Loaded.cleaning_ids`).
        """
        rows = loaded.transactions
        if rows is None:
            return None
        days = tuple(sorted(set(dates)))
        rows = rows.filter(rows[g.ORDER_DATE] < days[-1])  # what the last date sees
        orders = _orders(rows, days, money_decimals)
        if "order" in loaded.trusted_ids:
            orders = orders.mutate(**{UNCLEAN_ORDER_ID: ~is_plain(orders[g.ORDER_ID], "order")})
        orders = orders.cache()
        unclean = unclean_ids(orders, loaded)
        if unclean and orders.aggregate(**unclean).to_pyarrow().to_pylist()[0]["unclean"]:
            return cls.of(loaded.cleaning_ids(), dates, money_decimals)
        stable = orders.filter(~orders.moves)
        unstable = _unstable_periods(orders)
        keep = stable.anti_join(unstable, [g.CUSTOMER_ID, _PERIOD])
        parts = _parts(_days(keep, [_PERIOD]), [_PERIOD]).cache()
        changing = _changing(rows, orders, unstable, days, money_decimals)
        changed = _parts(_days(changing, [_PERIOD, _SNAPSHOT]), [_PERIOD, _SNAPSHOT]).cache()
        return cls(loaded, days, parts, changed, money_decimals)

    def at(self, as_of: dt.date) -> Totals:
        """The totals of the snapshot at ``as_of`` (one of :attr:`dates`)."""
        k = self.dates.index(as_of) + 1
        seen = self.parts.filter(self.parts[_PERIOD] <= k).drop(_PERIOD)
        changed = self.changing.filter(self.changing[_SNAPSHOT] == k)
        every = seen.union(changed.drop(_PERIOD, _SNAPSHOT))
        totals = _combine(every, self.money_decimals).cache()
        counts = totals.aggregate(n=totals.count(), scorable=(totals[g.FREQUENCY] > 0).sum())
        row = counts.to_pyarrow().to_pylist()[0]
        customers, scorable = int(row["n"]), int(row["scorable"] or 0)
        quality = dataclasses.replace(self.loaded.quality, customers=customers, as_of=as_of)
        loaded = dataclasses.replace(self.loaded, quality=quality)
        metrics = engine.scorable(totals, as_of, money_decimals=self.money_decimals)
        return Totals(metrics, as_of, scorable, customers - scorable, loaded)


def _period(day: ir.Value, dates: tuple[dt.date, ...]) -> ir.IntegerValue:
    """The period of ``day``: 1 before the first date, ``j`` in ``[A(j-1), Aj)``."""
    later = [(day >= ibis.literal(d)).cast("int32") for d in dates[:-1]]
    return sum(later, ibis.literal(1, "int32"))


def _orders(rows: ir.Table, dates: tuple[dt.date, ...], decimals: int) -> ir.Table:
    """One row per order: customer, first day, its period, net amount, whether it ``moves``.

    An order moves when it has rows in a later period than its first day's.
    Rows without an order id are orders of their own. Amounts are summed
    exactly (see :func:`rfmkit.engine.money`).
    """
    rows = rows.mutate(
        _day=rows[g.ORDER_DATE].cast("date"), _amount=engine.money(rows[g.AMOUNT], decimals)
    )
    keyed = rows.filter(rows[g.ORDER_ID].notnull())
    grouped = keyed.group_by([g.CUSTOMER_ID, g.ORDER_ID]).aggregate(
        day=keyed._day.min(),
        last=keyed._day.max(),
        amount=engine.money(keyed._amount.sum(), decimals),
    )
    single = rows.filter(rows[g.ORDER_ID].isnull()).select(
        g.CUSTOMER_ID, g.ORDER_ID, day=rows._day, last=rows._day, amount=rows._amount
    )
    orders = grouped.union(single)
    first = _period(orders.day, dates)
    return orders.mutate(**{_PERIOD: first, "moves": _period(orders["last"], dates) > first})


def _unstable_periods(orders: ir.Table) -> ir.Table:
    """The customer periods holding an order that moves."""
    return orders.filter(orders.moves).select(g.CUSTOMER_ID, _PERIOD).distinct()


def _changing(
    rows: ir.Table,
    orders: ir.Table,
    unstable: ir.Table,
    dates: tuple[dt.date, ...],
    decimals: int,
) -> ir.Table:
    """The orders of the unstable periods once per snapshot that sees them, net as it sees them."""
    key = [g.CUSTOMER_ID, _PERIOD]
    held = orders.semi_join(unstable, key)
    # each row once per snapshot (an array unnested: no table to register, on any engine)
    numbers = ibis.literal(list(range(1, len(dates) + 1)), "array<int32>")
    cuts = ibis.literal(list(dates), "array<date>")
    expanded = held.mutate(**{_SNAPSHOT: numbers.unnest()})
    expanded = expanded.filter(expanded[_SNAPSHOT] >= expanded[_PERIOD])
    # the rows of moving orders dated on or after each snapshot's date: not seen yet
    moving = held.filter(held.moves).select(g.CUSTOMER_ID, g.ORDER_ID)
    late = rows.semi_join(moving, [g.CUSTOMER_ID, g.ORDER_ID])
    late = late.mutate(**{_SNAPSHOT: numbers.unnest()})
    late = late.filter(late[g.ORDER_DATE].cast("date") >= cuts[late[_SNAPSHOT] - 1])
    late = late.group_by([g.CUSTOMER_ID, g.ORDER_ID, _SNAPSHOT]).aggregate(
        late=engine.money(late[g.AMOUNT], decimals).sum()
    )
    joined = expanded.left_join(late, [g.CUSTOMER_ID, g.ORDER_ID, _SNAPSHOT])
    return joined.select(
        g.CUSTOMER_ID,
        _PERIOD,
        _SNAPSHOT,
        day=joined.day,
        amount=(joined.amount - joined.late.fill_null(0)).cast(orders.amount.type()),
    )


def _days(orders: ir.Table, by: list[str]) -> ir.Table:
    """Per customer and day (and ``by``): positive orders and net amount."""
    return orders.group_by([g.CUSTOMER_ID, *by, "day"]).aggregate(
        orders=(orders.amount > 0).sum().cast("int64"), net=orders.amount.sum()
    )


def _parts(days: ir.Table, by: list[str]) -> ir.Table:
    """Per customer and ``by``: the totals of :func:`_days`' rows, with the last two purchase days."""
    keys = [g.CUSTOMER_ID, *by]
    days, second = engine.second_largest(
        days.mutate(_bought=days.orders > 0), "day", keys, "_bought", "before"
    )
    return days.group_by(keys).aggregate(
        frequency=days.orders.sum().cast("int64"),
        net=days.net.sum(),
        first=days.day.min(where=days._bought),
        last=days.day.max(where=days._bought),
        purchase_days=days._bought.sum().cast("int64"),
        **second,
    )


def _combine(parts: ir.Table, decimals: int) -> ir.Table:
    """Per customer: the totals of :func:`rfmkit.engine.customer_totals`, from period parts.

    The purchase day before the last is the latest of every part's second-last
    day and of the last days of the parts other than the latest one.
    """
    parts, second = engine.second_largest(parts, "last", [g.CUSTOMER_ID], None, "_second")
    totals = parts.group_by(g.CUSTOMER_ID).aggregate(
        frequency=parts.frequency.sum().cast("int64"),
        monetary=engine.money(parts.net.sum(), decimals).cast("float64"),
        first_purchase=parts["first"].min(),
        last_purchase=parts["last"].max(),
        **{engine.PURCHASE_DAYS: parts.purchase_days.sum().cast("int64")},
        _before=parts.before.max(),
        **second,
    )
    previous = ibis.greatest(totals._before, totals._second)
    both = ibis.coalesce(previous, totals._before, totals._second)
    return totals.select(
        g.CUSTOMER_ID,
        g.FREQUENCY,
        g.MONETARY,
        g.FIRST_PURCHASE,
        g.LAST_PURCHASE,
        engine.PURCHASE_DAYS,
        **{engine.PREVIOUS_PURCHASE: both},
    )
