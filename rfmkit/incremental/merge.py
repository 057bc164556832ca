"""Merging a batch of new rows into the refresh state, inside the store's DuckDB.

Every step below runs as SQL on the store's connection; its results are
local temporary tables (``rfm_refresh_*``) until :func:`write` copies them
into the store's state tables (see :mod:`rfmkit.incremental.state`). The
order of work:

1. :func:`stage_rows` -- the batch's used rows, each with a 63-bit key of its
   canonical values (customer, order id, day, amount to 1/10,000); a row whose
   key an earlier batch stored is an exact duplicate of it (``dup``);
2. the rows not duplicated are summed per customer, order and day (the
   caller does it with :func:`rfmkit.verbs.snapshot.shared_orders`) and staged
   by :func:`stage_orders`: with the customer's number (new customers get the
   next ones) and the order's key, as they are stored;
3. :func:`touched_customers` -- the customers the batch touches, and those
   with a stored row between the old and the new ``as_of`` (time passed them);
4. :func:`recompute` -- those customers' totals, from their own rows only:
   the stored rows are read by customer number and key (fixed-width columns),
   never by text.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from rfmkit import engine
from rfmkit import glossary as g
from rfmkit.incremental.state import AMOUNT_TYPE, TEXT_KEY

ROWS = "rfm_refresh_rows"
BATCH = "rfm_refresh_batch"
ORDERS = "rfm_refresh_orders"
NUMBERS = "rfm_refresh_numbers"
KEYED = "rfm_refresh_keyed"
AFFECTED = "rfm_refresh_affected"
TOTALS = "rfm_refresh_totals"
TOUCHED = "rfm_refresh_touched"
COUNTS = "rfm_refresh_counts"
TEMPORARY = (ROWS, BATCH, ORDERS, NUMBERS, KEYED, AFFECTED, TOTALS, TOUCHED, COUNTS)

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


def stage_orders(con: BaseBackend, prefix: str, orders: ir.Table) -> None:
    """Stage the batch's rows summed per customer, order and day, keyed as stored.

    ``ORDERS`` holds them by customer id and order id; ``NUMBERS`` each
    customer's number (the stored one, or the next free ones for new
    customers, in id order); ``KEYED`` the rows as the state stores them:
    customer number, order key (NULL without an order id), day, exact amount.
    """
    exact = orders.select(
        g.CUSTOMER_ID,
        g.ORDER_ID,
        g.ORDER_DATE,
        **{g.AMOUNT: orders[g.AMOUNT].cast(AMOUNT_TYPE.lower())},
    )
    con.create_table(ORDERS, exact, temp=True, overwrite=True)
    key = TEXT_KEY.format(value="o.order_id")
    for statement in (
        f"CREATE OR REPLACE TEMP TABLE {NUMBERS} AS "
        f"WITH batch AS (SELECT DISTINCT customer_id FROM {ORDERS}), "
        f"known AS (SELECT customer_id, t.cno FROM batch JOIN {prefix}.refresh_totals t "
        "USING (customer_id)) "
        "SELECT customer_id, cno FROM known UNION ALL "
        f"SELECT customer_id, (SELECT coalesce(max(cno), 0) FROM {prefix}.refresh_totals) + "
        "row_number() OVER (ORDER BY customer_id) FROM batch ANTI JOIN known USING (customer_id)",
        f"CREATE OR REPLACE TEMP TABLE {KEYED} AS SELECT n.cno, {key} AS okey, o.order_date, "
        f"o.amount FROM {ORDERS} o JOIN {NUMBERS} n USING (customer_id)",
    ):
        con.con.execute(statement)


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


def touched_customers(con: BaseBackend, prefix: str, old: dt.date | None, new: dt.date) -> None:
    """Stage as ``AFFECTED`` the numbers of the customers whose totals change from ``old`` to ``new``.

    Those of the batch, and those with a stored row dated between the two
    dates (the rows that the move of ``as_of`` counts or no longer counts).
    """
    moved = ""
    if old is not None and old != new:
        low, high = min(old, new), max(old, new)
        moved = (
            f" UNION SELECT cno FROM {prefix}.refresh_order_days "
            f"WHERE order_date >= DATE '{low.isoformat()}' AND order_date < DATE '{high.isoformat()}'"
        )
    con.con.execute(
        f"CREATE OR REPLACE TEMP TABLE {AFFECTED} AS SELECT DISTINCT cno FROM {KEYED}" + moved
    )


def recompute(
    con: BaseBackend, prefix: str, stored: ir.Table, as_of: dt.date, decimals: int, batch: int
) -> None:
    """Stage as ``TOUCHED`` the affected customers' state rows at ``as_of``, from their own rows.

    ``stored`` is ``refresh_order_days``. The customers' stored rows and the
    batch's are grouped as a full run groups them
    (:func:`rfmkit.engine.customer_totals`, with the purchase days the
    lifecycle stages need), by customer number and order key. ``batch``
    numbers the refresh that computed them.
    """
    staged = con.table(KEYED)
    mine = stored.semi_join(con.table(AFFECTED), "cno").select(*staged.columns)
    rows = mine.union(staged).rename(customer_id="cno", order_id="okey")
    totals = engine.customer_totals(
        rows, as_of, keyed="some", money_decimals=decimals, purchase_days=True
    )
    con.create_table(
        TOTALS,
        totals.select(
            "customer_id",
            g.FREQUENCY,
            g.MONETARY,
            g.FIRST_PURCHASE,
            g.LAST_PURCHASE,
            purchase_days=totals[engine.PURCHASE_DAYS],
            previous_purchase=totals[engine.PREVIOUS_PURCHASE],
        ),
        temp=True,
        overwrite=True,
    )
    con.con.execute(
        f"CREATE OR REPLACE TEMP TABLE {TOUCHED} AS SELECT "
        "coalesce(t.customer_id, n.customer_id) AS customer_id, a.cno, "
        "coalesce(x.frequency, 0) AS frequency, coalesce(x.monetary, 0) AS monetary, "
        "x.first_purchase, x.last_purchase, x.purchase_days, x.previous_purchase, "
        f"least(t.first_row, b.first_row) AS first_row, {int(batch)} AS batch "
        f"FROM {AFFECTED} a LEFT JOIN {prefix}.refresh_totals t USING (cno) "
        f"LEFT JOIN {NUMBERS} n USING (cno) "
        f"LEFT JOIN (SELECT cno, min(order_date) AS first_row FROM {KEYED} GROUP BY cno) b "
        f"USING (cno) LEFT JOIN {TOTALS} x ON x.customer_id = a.cno"
    )


def write(raw: duckdb.DuckDBPyConnection, prefix: str, drop_duplicates: bool) -> None:
    """Copy the staged batch into the store's state tables (in the caller's transaction)."""
    statements = [
        f"INSERT INTO {prefix}.refresh_order_days SELECT cno, okey, order_date, amount "
        f"FROM {KEYED}",
        f"DELETE FROM {prefix}.refresh_totals WHERE cno IN (SELECT cno FROM {AFFECTED})",
        f"INSERT INTO {prefix}.refresh_totals SELECT customer_id, cno, frequency, monetary, "
        "first_purchase, last_purchase, purchase_days, previous_purchase, first_row, batch "
        f"FROM {TOUCHED}",
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
