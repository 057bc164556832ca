"""Merging a batch of new rows into the refresh state, inside the store's DuckDB.

Every step below runs as SQL on the store's connection; its results are
local temporary tables (``rfm_refresh_*``) until :func:`write` copies them
into the store's state tables (see :mod:`rfmkit.incremental.state`). The
order of work:

1. :func:`stage_rows` -- the batch's used rows, each with a 63-bit key of its
   canonical values (customer, order id, day, amount to 1/10,000); a row whose
   key an earlier batch stored is an exact duplicate of it (``dup``);
2. :func:`stage_orders` -- the rows not duplicated, summed per customer,
   order and day, with the customer's number (new customers get the next
   ones) and the order's key, as they are stored;
3. :func:`touched_customers` -- the customers the batch touches, and those
   with a stored row between the old and the new date of the totals (time
   passed them);
4. :func:`recompute` -- those customers' totals, from their own rows only
   (:func:`rfmkit.engine.customer_totals`, as a full run groups them): the
   stored rows are read by customer number and key (fixed-width columns),
   never by text;
5. :func:`write` -- all of it into the state, in the refresh's transaction.

Steps 1-3 are plain SQL (compiling Ibis expressions step by step cost more
than running them).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from rfmkit import engine
from rfmkit import glossary as g
from rfmkit.incremental.state import ORDER_AMOUNT, TEXT_KEY

BATCH = "rfm_refresh_batch"
NUMBERS = "rfm_refresh_numbers"
KEYED = "rfm_refresh_keyed"
AFFECTED = "rfm_refresh_affected"
TOTALS = "rfm_refresh_totals"
TOUCHED = "rfm_refresh_touched"
COUNTS = "rfm_refresh_counts"
TEMPORARY = (BATCH, NUMBERS, KEYED, AFFECTED, TOTALS, TOUCHED, COUNTS)

#: Row rules whose verdict a later ``as_of`` can change (the rule ``after_as_of``
#: is tested before them): counted per day, decided when scoring.
DATED_RULES = ("duplicate", "future_date", "outlier")
#: The loader's classified rows when a refresh has none (no new rows).
NO_ROWS = (
    "SELECT NULL::VARCHAR AS customer_id, NULL::VARCHAR AS order_id, NULL::DATE AS order_date, "
    "NULL::DOUBLE AS amount, NULL::VARCHAR AS _reason LIMIT 0"
)

_KEY = (
    "CAST(hash(struct_pack(c := customer_id, o := order_id, d := strftime(order_date, '%Y-%m-%d'), "
    "a := CAST(round(raw_amount * 10000) AS BIGINT))) >> 1 AS BIGINT)"
)


def prepare(raw: duckdb.DuckDBPyConnection) -> None:
    """Settings of the store's connection for a refresh.

    No vacuum when the store is checkpointed at the end: the few rows a
    refresh appends to tables of millions would otherwise have DuckDB merge
    and rewrite their neighbouring row groups (measured: the checkpoint after
    a 1 % refresh of 10M rows took 0.5 CPU-seconds with it, 0.02 without).
    Deleted rows are reclaimed by later writes (``rfmkit history --delete``).
    """
    raw.execute("SET max_vacuum_tasks = 0")


def stage_rows(
    raw: duckdb.DuckDBPyConnection,
    prefix: str,
    stage: str,
    money_decimals: int,
    drop_duplicates: bool,
) -> None:
    """Stage the batch's used rows as ``BATCH`` (``stage``: the SQL of the loader's rows).

    ``amount`` is exact (rounded to ``money_decimals``, as :func:`rfmkit.engine.money`
    does); ``dup`` marks the rows whose key was stored by an earlier batch
    (never, with ``drop_duplicates`` off).
    """
    dup = (
        f"row_key IN (SELECT row_key FROM {prefix}.refresh_hashes "
        f"WHERE row_key IN (SELECT row_key FROM keyed))"
        if drop_duplicates
        else "FALSE"
    )
    raw.execute(
        f"CREATE OR REPLACE TEMP TABLE {BATCH} AS "
        "WITH used AS (SELECT customer_id, order_id, CAST(order_date AS DATE) AS order_date, "
        "amount AS raw_amount, "
        f"CAST(amount AS DECIMAL(38, {int(money_decimals)})) AS amount FROM ({stage}) "
        "WHERE _reason IS NULL), "
        "keyed AS (SELECT customer_id, order_id, order_date, amount, raw_amount < 0 AS refund, "
        f"{_KEY} AS row_key FROM used) SELECT *, {dup} AS dup FROM keyed"
    )


def stage_orders(raw: duckdb.DuckDBPyConnection, prefix: str) -> None:
    """Stage the batch's new rows summed per customer, order and day, keyed as stored.

    Summed as :func:`rfmkit.verbs.snapshot.shared_orders` does (rows without an
    order id stay rows). ``NUMBERS`` holds each customer's number (the stored
    one, or the next free ones for new customers, in id order); ``KEYED`` the
    rows as the state stores them: customer number, order key (NULL without an
    order id), day, exact amount.
    """
    key = TEXT_KEY.format(value="o.order_id")
    orders = (
        f"SELECT customer_id, order_id, order_date, sum(amount) AS amount FROM {BATCH} "
        "WHERE NOT dup AND order_id IS NOT NULL GROUP BY ALL UNION ALL "
        f"SELECT customer_id, order_id, order_date, amount FROM {BATCH} "
        "WHERE NOT dup AND order_id IS NULL"
    )
    for statement in (
        f"CREATE OR REPLACE TEMP TABLE {NUMBERS} AS "
        f"WITH batch AS (SELECT DISTINCT customer_id FROM {BATCH} WHERE NOT dup), "
        f"known AS (SELECT customer_id, t.cno FROM batch JOIN {prefix}.refresh_totals t "
        "USING (customer_id)) "
        "SELECT customer_id, cno FROM known UNION ALL "
        f"SELECT customer_id, (SELECT coalesce(max(cno), 0) FROM {prefix}.refresh_totals) + "
        "row_number() OVER (ORDER BY customer_id) FROM batch ANTI JOIN known USING (customer_id)",
        f"CREATE OR REPLACE TEMP TABLE {KEYED} AS SELECT n.cno, {key} AS okey, o.order_date, "
        f"CAST(o.amount AS {ORDER_AMOUNT}) AS amount FROM ({orders}) o "
        f"JOIN {NUMBERS} n USING (customer_id)",
    ):
        raw.execute(statement)


def stage_counts(
    raw: duckdb.DuckDBPyConnection, stage: str | None, rejected: dict[str, int]
) -> None:
    """Stage the batch's rows per day and kind as ``COUNTS`` (see :mod:`rfmkit.incremental.state`).

    ``stage`` is the SQL of the loader's classified rows (None when every row
    was left out and only the counts per rule, ``rejected``, are known).
    """
    raw.execute(
        f"CREATE OR REPLACE TEMP TABLE {COUNTS} "
        "(order_date DATE, kind VARCHAR NOT NULL, row_count BIGINT NOT NULL)"
    )
    if stage is not None:
        dated = ", ".join(f"'{rule}'" for rule in DATED_RULES)
        raw.execute(
            f"INSERT INTO {COUNTS} SELECT CASE WHEN _reason IN ({dated}) THEN order_date END, "
            f"_reason, count(*) FROM ({stage}) WHERE _reason IS NOT NULL GROUP BY ALL "
            "UNION ALL SELECT order_date, CASE WHEN dup THEN 'duplicate' ELSE 'used' END, "
            f"count(*) FROM {BATCH} GROUP BY ALL "
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
        f"least(t.first_row, b.first_row) AS first_row, {int(batch)} AS batch, "
        "t.cno IS NULL AS fresh "
        f"FROM {AFFECTED} a LEFT JOIN {prefix}.refresh_totals t USING (cno) "
        f"LEFT JOIN {NUMBERS} n USING (cno) "
        f"LEFT JOIN (SELECT cno, min(order_date) AS first_row FROM {KEYED} GROUP BY cno) b "
        f"USING (cno) LEFT JOIN {TOTALS} x ON x.customer_id = a.cno"
    )


def write(raw: duckdb.DuckDBPyConnection, prefix: str, drop_duplicates: bool) -> None:
    """Copy the staged batch into the store's state tables (in the caller's transaction).

    Known customers' totals are updated in place: deleting and inserting them
    would leave a tenth of the table's rows deleted after each refresh, which
    DuckDB rewrites the whole table to reclaim.
    """
    updated = ", ".join(f"{c} = x.{c}" for c in _TOTALS)
    statements = [
        f"INSERT INTO {prefix}.refresh_order_days SELECT cno, okey, order_date, amount "
        f"FROM {KEYED}",
        f"UPDATE {prefix}.refresh_totals t SET {updated} FROM {TOUCHED} x "
        "WHERE t.cno = x.cno AND NOT x.fresh",
        f"INSERT INTO {prefix}.refresh_totals SELECT customer_id, cno, {', '.join(_TOTALS)} "
        f"FROM {TOUCHED} WHERE fresh",
        f"INSERT INTO {prefix}.refresh_counts SELECT order_date, kind, row_count FROM {COUNTS}",
    ]
    if drop_duplicates:
        statements.insert(
            0, f"INSERT INTO {prefix}.refresh_hashes SELECT row_key FROM {BATCH} WHERE NOT dup"
        )
    for statement in statements:
        raw.execute(statement)


#: The columns of ``refresh_totals`` a refresh computes again.
_TOTALS = (
    "frequency",
    "monetary",
    "first_purchase",
    "last_purchase",
    "purchase_days",
    "previous_purchase",
    "first_row",
    "batch",
)


def drop_temporary(con: BaseBackend) -> None:
    """Drop the staged tables (the store is closed soon after; this frees memory sooner)."""
    for name in TEMPORARY:
        con.con.execute(f"DROP TABLE IF EXISTS {name}")
