"""Customer metrics from canonical transactions, as Ibis expressions.

Rules (pinned by ``tests/test_engine.py``):

* only rows dated strictly before ``as_of`` are used;
* rows sharing an ``order_id`` form one order, dated by its earliest row;
  rows without an ``order_id`` are each an order of their own;
* an order whose net amount is <= 0 does not count as an order, but its
  amount still counts in ``monetary`` (refunds reduce it);
* money is exact: every amount is rounded to the currency's minor unit
  (``money_decimals``, :data:`MONEY_DECIMALS` = 2 by default) and summed as a
  decimal, so float noise never makes a fully refunded order count and
  ``monetary`` is ``86.1``, never ``86.10000000000001``; ``avg_order_value``
  is rounded to the same unit (half away from zero). Money columns come out
  as float64 holding those rounded values;
* customers without a positive order are left out of :func:`metrics`
  (:func:`customer_totals` keeps them, with ``frequency`` 0, to be counted).

Everything runs inside the engine: no Python loop touches a row.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.datatypes as idt
import ibis.expr.types as ir
import pandas as pd

from rfmkit import glossary as g
from rfmkit.errors import InputError
from rfmkit.sources import values

#: Decimals of the currency's minor unit (2: cents). Amounts are rounded to it
#: and summed as decimals, so that a fully refunded order (10.51 - 0.66 - 3.25
#: - 4.20 - 2.40 in floating point) nets to exactly 0.
MONEY_DECIMALS = 2


def money(value: ir.NumericValue, decimals: int = MONEY_DECIMALS) -> ir.DecimalValue:
    """``value`` as an exact decimal rounded to ``decimals`` places (sums stay exact)."""
    return value.cast(idt.Decimal(38, decimals))


def default_as_of(transactions: ir.Table) -> dt.date:
    """The day after the latest transaction: the default analysis date."""
    latest = transactions[g.ORDER_DATE].max().execute()
    if latest is None or _is_missing(latest):
        raise InputError(
            "There are no dated transactions to analyse.",
            fix="Check that the input has rows with a valid order date.",
        )
    return _to_date(latest) + dt.timedelta(days=1)


#: Column of :func:`orders` and :func:`customer_totals` with ``check_order_ids``.
UNCLEAN_ORDER_ID = "unclean_order_id"


def orders(
    transactions: ir.Table,
    as_of: dt.date,
    *,
    keyed: str = "some",
    check_order_ids: bool = False,
    money_decimals: int = MONEY_DECIMALS,
) -> ir.Table:
    """One row per order: ``customer_id, order_date, amount`` (net), before ``as_of``.

    ``keyed`` says which rows have an order id, when the caller knows
    (``"all"`` or ``"none"``): the table is then read once instead of twice.
    With ``check_order_ids`` a boolean ``unclean_order_id`` says whether the
    order's id would change if cleaned (see :func:`customer_totals`).
    ``amount`` is the exact net (see :func:`money`) as float64.
    """
    exact = _orders(transactions, as_of, keyed, check_order_ids, money_decimals)
    return exact.mutate(**{g.AMOUNT: exact[g.AMOUNT].cast("float64")})


def _orders(
    transactions: ir.Table, as_of: dt.date, keyed: str, check_order_ids: bool, decimals: int
) -> ir.Table:
    """:func:`orders` with ``amount`` as an exact decimal."""
    clean = {UNCLEAN_ORDER_ID: ibis.literal(False)}
    rows = transactions.filter(transactions[g.ORDER_DATE] < ibis.literal(as_of))
    rows = rows.mutate(**{g.AMOUNT: money(rows[g.AMOUNT], decimals)})
    columns = [g.CUSTOMER_ID, g.ORDER_DATE, g.AMOUNT]
    if check_order_ids:
        columns.append(UNCLEAN_ORDER_ID)
    if g.ORDER_ID not in rows.columns or keyed == "none":
        return rows.mutate(**clean).select(*columns)
    keyed_rows = rows if keyed == "all" else rows.filter(rows[g.ORDER_ID].notnull())
    grouped = keyed_rows.group_by([g.CUSTOMER_ID, g.ORDER_ID]).aggregate(
        order_date=keyed_rows[g.ORDER_DATE].min(),
        amount=money(keyed_rows[g.AMOUNT].sum(), decimals),
    )
    if check_order_ids:
        unclean = ~values.is_plain(grouped[g.ORDER_ID], "order")
        grouped = grouped.mutate(**{UNCLEAN_ORDER_ID: unclean})
    grouped = grouped.select(*columns)
    if keyed == "all":
        return grouped
    single = rows.filter(rows[g.ORDER_ID].isnull()).mutate(**clean)
    return grouped.union(single.select(*columns))


#: Columns of :func:`customer_totals` with ``purchase_days``: the number of days
#: with a positive order and the last such day before ``last_purchase`` (what
#: :mod:`rfmkit.campaigns.lifecycle` needs). Internal: carried through
#: :func:`metrics_from_totals`, never part of the scored table.
PURCHASE_DAYS, PREVIOUS_PURCHASE = "_purchase_days", "_previous_purchase"


def customer_totals(
    transactions: ir.Table,
    as_of: dt.date,
    *,
    keyed: str = "some",
    check_order_ids: bool = False,
    money_decimals: int = MONEY_DECIMALS,
    purchase_days: bool = False,
) -> ir.Table:
    """Per customer: order count, net amount and purchase dates (all customers).

    With ``check_order_ids`` also ``unclean_order_id``: whether some order id
    of the customer needs cleaning. Loading reads the text ids of typed
    sources as they are (see :func:`rfmkit.sources.load_transactions`);
    testing them here, once per order, is far cheaper than once per row.
    ``monetary`` is summed exactly (see :func:`money`) and returned as float64.
    With ``purchase_days`` also :data:`PURCHASE_DAYS` and
    :data:`PREVIOUS_PURCHASE`, from the same orders grouped by day (cheaper
    than a second pass over the transactions for the lifecycle stages).
    """
    o = _orders(transactions, as_of, keyed, check_order_ids, money_decimals)
    if purchase_days:
        return _by_day(o, check_order_ids, money_decimals)
    positive = o[g.AMOUNT] > 0
    extra = {UNCLEAN_ORDER_ID: o[UNCLEAN_ORDER_ID].any()} if check_order_ids else {}
    return o.group_by(g.CUSTOMER_ID).aggregate(
        frequency=positive.sum().cast("int64"),
        monetary=money(o[g.AMOUNT].sum(), money_decimals).cast("float64"),
        first_purchase=o[g.ORDER_DATE].min(where=positive),
        last_purchase=o[g.ORDER_DATE].max(where=positive),
        **extra,
    )


def _by_day(o: ir.Table, check_order_ids: bool, decimals: int) -> ir.Table:
    """:func:`customer_totals` with the purchase days, through one row per customer and day."""
    day = o[g.ORDER_DATE].cast("date")
    extra = {UNCLEAN_ORDER_ID: o[UNCLEAN_ORDER_ID].any()} if check_order_ids else {}
    days = o.group_by([g.CUSTOMER_ID, day.name("day")]).aggregate(
        orders=(o[g.AMOUNT] > 0).sum().cast("int64"),
        net=money(o[g.AMOUNT].sum(), decimals),
        **extra,
    )
    days, previous = second_largest(
        days.mutate(_bought=days.orders > 0), "day", [g.CUSTOMER_ID], "_bought", PREVIOUS_PURCHASE
    )
    bought = days._bought
    extra = {UNCLEAN_ORDER_ID: days[UNCLEAN_ORDER_ID].any()} if check_order_ids else {}
    return days.group_by(g.CUSTOMER_ID).aggregate(
        frequency=days.orders.sum().cast("int64"),
        monetary=money(days.net.sum(), decimals).cast("float64"),
        first_purchase=days.day.min(where=bought),
        last_purchase=days.day.max(where=bought),
        **{PURCHASE_DAYS: bought.sum().cast("int64")},
        **extra,
        **previous,
    )


def second_largest(
    table: ir.Table, column: str, keys: list[str], where: str | None, name: str
) -> tuple[ir.Table, dict[str, ir.Value]]:
    """``table`` and the aggregate ``name``: the largest ``column`` below its group's largest.

    For ``table.group_by(keys).aggregate(**that)``; only rows whose boolean
    column ``where`` is true count, and ``column`` must be distinct within a
    group. On DuckDB ``max(column, 2)`` in the same aggregation; elsewhere
    the group's largest is put beside each row by a window first.
    """
    chosen = table[where] if where is not None else None
    if engine_name(table) == "duckdb":
        return table, {name: top_days(table[column], 2, where=chosen)[1]}
    table = table.mutate(_largest=table[column].max(where=chosen).over(group_by=keys))
    below = table[column] < table._largest
    if where is not None:
        below = below & table[where]
    return table, {name: table[column].max(where=below)}


@ibis.udf.agg.builtin(name="max")
def top_days(arg: idt.Date, n: idt.Int64) -> idt.Array(idt.date):  # type: ignore[valid-type]
    """DuckDB's ``max(arg, n)``: the ``n`` largest values, largest first."""


def engine_name(table: ir.Table) -> str:
    """The name of the engine ``table`` lives on (``duckdb`` when unbound)."""
    try:
        return str(table.get_backend().name)
    except Exception:  # an unbound memtable: DuckDB runs it
        return "duckdb"


def metrics(
    transactions: ir.Table, as_of: dt.date, *, money_decimals: int = MONEY_DECIMALS
) -> ir.Table:
    """Customer metrics (see :mod:`rfmkit.glossary`) for customers with a positive order."""
    totals = customer_totals(transactions, as_of, money_decimals=money_decimals)
    return scorable(totals, as_of, money_decimals=money_decimals)


def scorable(totals: ir.Table, as_of: dt.date, *, money_decimals: int = MONEY_DECIMALS) -> ir.Table:
    """Metrics of the customers in ``totals`` that have a positive order."""
    return metrics_from_totals(
        totals.filter(totals.frequency > 0), as_of, money_decimals=money_decimals, rounded=True
    )


def metrics_from_totals(
    totals: ir.Table,
    as_of: dt.date,
    *,
    money_decimals: int = MONEY_DECIMALS,
    rounded: bool = False,
) -> ir.Table:
    """Derive the day counts and averages from per-customer totals.

    Also used for customer-level input (already aggregated per customer),
    where ``first_purchase`` may be missing; its ``monetary`` is rounded to
    ``money_decimals`` here, unless ``rounded`` says it is (a float64 of an
    exact sum, from :func:`customer_totals`).
    """
    day = ibis.literal(as_of)
    first = totals[g.FIRST_PURCHASE] if g.FIRST_PURCHASE in totals.columns else None
    monetary = totals[g.MONETARY] if rounded else money(totals[g.MONETARY], money_decimals)
    facts = [c for c in (PURCHASE_DAYS, PREVIOUS_PURCHASE) if c in totals.columns]
    return totals.select(
        g.CUSTOMER_ID,
        recency_days=day.delta(totals[g.LAST_PURCHASE], unit="day").cast("int64"),
        frequency=totals[g.FREQUENCY].cast("int64"),
        monetary=monetary.cast("float64"),
        first_purchase=first if first is not None else ibis.null("date"),
        last_purchase=totals[g.LAST_PURCHASE],
        tenure_days=day.delta(first, unit="day").cast("int64")
        if first is not None
        else ibis.null("int64"),
        avg_order_value=_per_order(monetary, totals[g.FREQUENCY], money_decimals),
        **{c: totals[c] for c in facts},
    )


def _per_order(monetary: ir.NumericValue, frequency: ir.IntegerValue, decimals: int) -> ir.Value:
    """``monetary / frequency`` rounded to ``decimals`` (half away from zero), as float64.

    Divided in minor units (cents), which are whole numbers, so that an exact
    half (1 cent over 2 orders) rounds the same way on every engine.
    ``monetary`` is an exact decimal, or a float64 of one (then the nearest
    whole number of minor units is its exact value).
    """
    unit = 10**decimals
    scaled = monetary * unit
    minor = (scaled if scaled.type().is_decimal() else scaled.round(0)).cast("int64")
    return ((minor / frequency).round(0) / unit).cast("float64")


def _is_missing(value: object) -> bool:
    try:
        return bool(value != value)  # NaT / NaN
    except (TypeError, ValueError):
        return False


def _to_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(str(value)).date()
