"""Merging a batch of new rows into the refresh state, inside the store's DuckDB.

Every step below runs as SQL on the store's connection; its results are
local temporary tables (``rfm_refresh_*``) until :func:`write` copies them
into the store inside the snapshot's transaction. The order of work:

1. :func:`stage_rows` -- the batch's used rows, each with a 63-bit key of its
   canonical values (customer, order id, day, amount to 1/10,000); a row whose
   key an earlier batch stored is an exact duplicate of it (``dup``);
2. the rows not duplicated are summed per customer, order and day (the
   caller does it with :func:`rfmkit.verbs.snapshot.shared_orders`) and staged
   by :func:`stage_orders`;
3. :func:`touched_customers` -- the customers the batch touches, and those
   whose stored rows lie between the old and the new ``as_of`` (time passed them);
4. :func:`customer_table` -- the stored totals of everyone else, and those
   customers' totals computed again from their orders.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from rfmkit import engine
from rfmkit import glossary as g
from rfmkit.incremental.state import AMOUNT_TYPE

ROWS = "rfm_refresh_rows"
BATCH = "rfm_refresh_batch"
ORDERS = "rfm_refresh_orders"
AFFECTED = "rfm_refresh_affected"
TOUCHED = "rfm_refresh_touched"
CUSTOMERS = "rfm_refresh_customers"
COUNTS = "rfm_refresh_counts"
TEMPORARY = (ROWS, BATCH, ORDERS, AFFECTED, TOUCHED, CUSTOMERS, COUNTS)

#: Row rules whose verdict a later ``as_of`` can change (the rule ``after_as_of``
#: is tested before them): counted per day, decided when scoring.
DATED_RULES = ("duplicate", "future_date", "outlier")

_KEY = (
    "CAST(hash(struct_pack(c := customer_id, o := order_id, d := strftime(order_date, '%Y-%m-%d'), "
    "a := CAST(round(raw_amount * 10000) AS BIGINT))) >> 1 AS BIGINT)"
)


def stage_rows(
    con: BaseBackend, prefix: str, used: ir.Table, money_decimals: int, drop_duplicates: bool
) -> None:
    """Stage the batch's used rows (``customer_id, order_id, order_date, amount``) as ``BATCH``.

    ``amount`` is exact (rounded to ``money_decimals``); ``dup`` marks the rows
    whose key was stored by an earlier batch (never, with ``drop_duplicates`` off).
    """
    rows = used.select(
        g.CUSTOMER_ID,
        g.ORDER_ID,
        g.ORDER_DATE,
        raw_amount=used[g.AMOUNT],
        amount=engine.money(used[g.AMOUNT], money_decimals),
    )
    con.create_table(ROWS, rows, temp=True, overwrite=True)
    raw = con.con
    dup = (
        f"row_key IN (SELECT row_key FROM {prefix}.refresh_hashes "
        f"WHERE row_key IN (SELECT row_key FROM keyed))"
        if drop_duplicates
        else "FALSE"
    )
    raw.execute(
        f"CREATE OR REPLACE TEMP TABLE {BATCH} AS "
        f"WITH keyed AS (SELECT customer_id, order_id, order_date, amount, raw_amount < 0 AS refund, "
        f"{_KEY} AS row_key "
        f"FROM {ROWS}) SELECT *, {dup} AS dup FROM keyed"
    )


def fresh_rows(con: BaseBackend) -> ir.Table:
    """The staged rows that no earlier batch holds (canonical transaction columns)."""
    batch = con.table(BATCH)
    return batch.filter(~batch.dup).select(g.CUSTOMER_ID, g.ORDER_DATE, g.AMOUNT, g.ORDER_ID)


def stage_orders(con: BaseBackend, orders: ir.Table) -> None:
    """Stage the batch's rows summed per customer, order and day as ``ORDERS``."""
    exact = orders.select(
        g.CUSTOMER_ID,
        g.ORDER_ID,
        g.ORDER_DATE,
        **{g.AMOUNT: orders[g.AMOUNT].cast(AMOUNT_TYPE.lower())},
    )
    con.create_table(ORDERS, exact, temp=True, overwrite=True)


def stage_counts(con: BaseBackend, stage: ir.Table | None, rejected: dict[str, int]) -> None:
    """Stage the batch's rows per day and kind as ``COUNTS`` (see :mod:`rfmkit.incremental.state`).

    ``stage`` is the loader's classified rows (None when every row was left
    out and only the counts per rule, ``rejected``, are known).
    """
    raw = con.con
    raw.execute(
        f"CREATE OR REPLACE TEMP TABLE {COUNTS} "
        "(order_date DATE, kind VARCHAR NOT NULL, row_count BIGINT NOT NULL)"
    )
    if stage is not None:
        left = stage.filter(stage._reason.notnull())
        dated = left._reason.isin(DATED_RULES)
        counts = left.group_by(
            order_date=ibis.ifelse(dated, left[g.ORDER_DATE], ibis.null("date")),
            kind=left._reason,
        ).aggregate(row_count=ibis._.count())
        con.insert(COUNTS, counts)
        raw.execute(
            f"INSERT INTO {COUNTS} SELECT order_date, CASE WHEN dup THEN 'duplicate' ELSE 'used' "
            f"END, count(*) FROM {BATCH} GROUP BY ALL "
            f"UNION ALL SELECT order_date, 'no_order_id', count(*) FROM {BATCH} "
            "WHERE NOT dup AND order_id IS NULL GROUP BY ALL "
            f"UNION ALL SELECT order_date, 'refunds', count(*) FROM {BATCH} "
            "WHERE NOT dup AND refund GROUP BY ALL"
        )
    elif any(rejected.values()):
        raw.executemany(
            f"INSERT INTO {COUNTS} VALUES (NULL, ?, ?)",
            [(rule, n) for rule, n in rejected.items() if n],
        )


def all_orders(con: BaseBackend, stored: ir.Table) -> ir.Table:
    """The stored orders and the batch's (canonical transaction columns, amounts exact)."""
    staged = con.table(ORDERS)
    columns = {c: stored[c].cast(staged[c].type().copy(nullable=True)) for c in _ORDER_COLUMNS}
    return stored.select(**columns).union(staged.select(**{c: staged[c] for c in _ORDER_COLUMNS}))


_ORDER_COLUMNS = (g.CUSTOMER_ID, g.ORDER_DATE, g.AMOUNT, g.ORDER_ID)


def touched_customers(con: BaseBackend, prefix: str, old: dt.date | None, new: dt.date) -> None:
    """Stage as ``AFFECTED`` the customers whose totals change from ``old`` to ``new``.

    Those of the batch, and those with a stored order dated between the two
    dates (the rows that the move of ``as_of`` counts or no longer counts).
    """
    raw = con.con
    moved = ""
    if old is not None and old != new:
        low, high = min(old, new), max(old, new)
        moved = (
            f" UNION SELECT customer_id FROM {prefix}.refresh_orders "
            f"WHERE order_date >= DATE '{low.isoformat()}' AND order_date < DATE '{high.isoformat()}'"
        )
    raw.execute(
        f"CREATE OR REPLACE TEMP TABLE {AFFECTED} AS SELECT DISTINCT customer_id FROM {ORDERS}"
        + moved
    )


def customer_table(
    con: BaseBackend, prefix: str, orders: ir.Table, as_of: dt.date, money_decimals: int
) -> ir.Table:
    """Every customer's totals at ``as_of``: the stored ones, the affected ones computed again.

    ``orders`` is :func:`all_orders`; only the affected customers' orders are
    grouped (:func:`rfmkit.engine.customer_totals`, exactly as a full run),
    with the purchase days the lifecycle stages need when the engine counts
    them (then the stages are judged without reading the orders again).
    """
    affected = con.table(AFFECTED)
    mine = orders.semi_join(affected, g.CUSTOMER_ID)
    facts = _facts()
    days = {"purchase_days": True} if facts else {}
    totals = engine.customer_totals(
        mine, as_of, keyed="some", money_decimals=money_decimals, **days
    )
    stored = {name: totals[column] for name, column in facts.items()}
    stored |= {name: ibis.null(kind) for name, kind in _FACTS.items() if name not in stored}
    con.create_table(TOUCHED, totals.select(*_TOTALS, **stored), temp=True, overwrite=True)
    names = ", ".join(_TOTALS)
    shown = "".join(f", {name} AS {column}" for name, column in facts.items())
    con.con.execute(
        f"CREATE OR REPLACE TEMP TABLE {CUSTOMERS} AS "
        f"SELECT {names}{shown} FROM {prefix}.refresh_customers "
        f"ANTI JOIN {AFFECTED} USING (customer_id) "
        f"UNION ALL SELECT {names}{shown} FROM {TOUCHED}"
    )
    return con.table(CUSTOMERS)


_TOTALS = (g.CUSTOMER_ID, g.FREQUENCY, g.MONETARY, g.FIRST_PURCHASE, g.LAST_PURCHASE)
#: Stored columns of the purchase-day facts, and their types.
_FACTS = {"purchase_days": "int64", "previous_purchase": "date"}


def _facts() -> dict[str, str]:
    """Stored name -> engine column of the purchase-day facts (none when the engine has none)."""
    names = (getattr(engine, "PURCHASE_DAYS", None), getattr(engine, "PREVIOUS_PURCHASE", None))
    if None in names:
        return {}
    return dict(zip(_FACTS, names, strict=True))  # type: ignore[arg-type]


def write(raw: duckdb.DuckDBPyConnection, prefix: str, drop_duplicates: bool) -> None:
    """Copy the staged batch into the store's state tables (in the caller's transaction)."""
    statements = [
        f"INSERT INTO {prefix}.refresh_orders SELECT customer_id, order_id, order_date, amount "
        f"FROM {ORDERS}",
        f"DELETE FROM {prefix}.refresh_customers WHERE customer_id IN "
        f"(SELECT customer_id FROM {AFFECTED})",
        f"INSERT INTO {prefix}.refresh_customers SELECT customer_id, frequency, monetary, "
        f"first_purchase, last_purchase, purchase_days, previous_purchase FROM {TOUCHED}",
        f"INSERT INTO {prefix}.refresh_counts SELECT order_date, kind, row_count FROM {COUNTS}",
    ]
    if drop_duplicates:
        statements.insert(
            0, f"INSERT INTO {prefix}.refresh_hashes SELECT row_key FROM {BATCH} WHERE NOT dup"
        )
    for statement in statements:
        raw.execute(statement)


def drop_temporary(con: BaseBackend) -> None:
    """Drop the staged tables (the store is closed soon after; this frees memory sooner)."""
    for name in TEMPORARY:
        con.con.execute(f"DROP TABLE IF EXISTS {name}")
