"""The state an incremental refresh continues from: its tables, read and written.

Beside the snapshots, a store keeps (schema version 6):

``refresh_state``        settings and marks of the state (``name``, ``value``): the
                         cleaning policy it was built with, the date its customer
                         totals are at, the database watermark, the number of
                         batches merged and the snapshot later ones are stored over
``refresh_hashes``       one 63-bit key per row kept so far (the exact-duplicate check)
``refresh_totals``       one row per customer ever seen: the customer's number
                         (``cno``), order count, net amount, first and last purchase,
                         days with a purchase and the one before the last (for the
                         lifecycle stages) at the date of ``refresh_state``; the date
                         of the customer's earliest row (``first_row``: counted once
                         it is before ``as_of``) and the batch that last computed them
``refresh_order_days``   the rows kept so far, summed per customer, order and day:
                         customer number, order key (a 63-bit key of the order id;
                         NULL for a row without one, an order of its own), day and
                         exact amount -- fixed-width columns, cheap to scan
``refresh_counts``       rows per day and kind (``used``, ``duplicate``,
                         ``future_date``, ``outlier``, ``no_order_id``), and rows per
                         rule that no date decides (``order_date`` NULL): the data
                         quality counts at any ``as_of``

Rows dated on or after a snapshot's ``as_of`` are kept too: they count once a
later ``as_of`` passes them. Nothing here holds raw input rows.

Version 4 laid out the rows and totals by customer id (``refresh_orders``,
``refresh_customers``); :func:`upgrade_v6` numbers the customers and moves them over.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

#: Scale of the stored amounts (``money_decimals`` is at most 6) in layout version 4.
AMOUNT_TYPE = "DECIMAL(38, 6)"
#: Type of the stored amounts: 64-bit, summed far faster than 128-bit decimals (an order's
#: day beyond 9.2 trillion does not fit and stops the refresh).
ORDER_AMOUNT = "DECIMAL(18, 6)"
#: The state's own tables, emptied by :func:`clear`.
TABLES = ("refresh_hashes", "refresh_order_days", "refresh_totals", "refresh_counts")
#: A 63-bit key of a text value that no engine version changes (the low half of its MD5).
TEXT_KEY = "CAST(md5_number_lower({value}) >> 1 AS BIGINT)"


def create_tables(prefix: str) -> list[str]:
    """The statements of layout version 4 (see :func:`upgrade_v6` for the current one)."""
    return [
        f"CREATE TABLE {prefix}.refresh_state (name VARCHAR NOT NULL, value VARCHAR)",
        f"CREATE TABLE {prefix}.refresh_hashes (row_key BIGINT NOT NULL)",
        f"CREATE TABLE {prefix}.refresh_orders (customer_id VARCHAR NOT NULL, "
        f"order_id VARCHAR, order_date DATE NOT NULL, amount {AMOUNT_TYPE} NOT NULL)",
        f"CREATE TABLE {prefix}.refresh_customers (customer_id VARCHAR NOT NULL, "
        "frequency BIGINT NOT NULL, monetary DOUBLE NOT NULL, first_purchase DATE, "
        "last_purchase DATE, purchase_days BIGINT, previous_purchase DATE)",
        f"CREATE TABLE {prefix}.refresh_counts (order_date DATE, kind VARCHAR NOT NULL, "
        "row_count BIGINT NOT NULL)",
    ]


@dataclass
class State:
    """The marks of a store's refresh state (``refresh_state``); empty before the first refresh.

    Attributes
    ----------
    as_of
        The date the stored customer totals are at (None: no state yet).
    policy
        The cleaning settings the state was built with (they must not change).
    watermark_column, watermark
        The database column read past, and the last value read (as text).
    batches
        How many refreshes merged into the state.
    base
        What a later refresh needs to store its snapshot over the last one a
        refresh stored in full (see :mod:`rfmkit.incremental.scoring`), or None.
    """

    as_of: dt.date | None = None
    policy: dict[str, Any] = field(default_factory=dict)
    watermark_column: str | None = None
    watermark: str | None = None
    batches: int = 0
    base: dict[str, Any] | None = None

    @property
    def empty(self) -> bool:
        return self.as_of is None

    def rows(self) -> list[tuple[str, str | None]]:
        """The ``(name, value)`` rows of ``refresh_state``."""
        return [
            ("as_of", self.as_of.isoformat() if self.as_of else None),
            ("policy", json.dumps(self.policy, sort_keys=True, default=str)),
            ("watermark_column", self.watermark_column),
            ("watermark", self.watermark),
            ("batches", str(self.batches)),
            ("base", json.dumps(self.base, sort_keys=True) if self.base else None),
        ]


def read_state(raw: duckdb.DuckDBPyConnection, prefix: str) -> State:
    """The state's marks as stored (an empty :class:`State` before the first refresh)."""
    found = dict(raw.execute(f"SELECT name, value FROM {prefix}.refresh_state").fetchall())
    if not found.get("as_of"):
        return State()
    return State(
        as_of=dt.date.fromisoformat(found["as_of"]),
        policy=json.loads(found.get("policy") or "{}"),
        watermark_column=found.get("watermark_column"),
        watermark=found.get("watermark"),
        batches=int(found.get("batches") or 0),
        base=json.loads(found["base"]) if found.get("base") else None,
    )


def write_state(raw: duckdb.DuckDBPyConnection, prefix: str, state: State) -> None:
    """Replace the marks (inside the caller's transaction)."""
    raw.execute(f"DELETE FROM {prefix}.refresh_state")
    raw.executemany(f"INSERT INTO {prefix}.refresh_state VALUES (?, ?)", state.rows())


def clear(raw: duckdb.DuckDBPyConnection, prefix: str) -> None:
    """Empty every state table (inside the caller's transaction)."""
    for name in (*TABLES, "refresh_state"):
        raw.execute(f"DELETE FROM {prefix}.{name}")


def upgrade_v6(prefix: str) -> list[str]:
    """The statements that take the version 4 state to the current layout, rows and all.

    Customers are numbered in id order; ``first_row`` is their earliest stored
    row; every customer counts as computed by batch 0, so the next refresh
    stores its snapshot in full.
    """
    key = TEXT_KEY.format(value="o.order_id")
    return [
        f"CREATE TABLE {prefix}.refresh_totals (customer_id VARCHAR NOT NULL, "
        "cno BIGINT NOT NULL, frequency BIGINT NOT NULL, monetary DOUBLE NOT NULL, "
        "first_purchase DATE, last_purchase DATE, purchase_days BIGINT, "
        "previous_purchase DATE, first_row DATE, batch BIGINT NOT NULL)",
        f"CREATE TABLE {prefix}.refresh_order_days (cno BIGINT NOT NULL, okey BIGINT, "
        f"order_date DATE NOT NULL, amount {ORDER_AMOUNT} NOT NULL)",
        f"INSERT INTO {prefix}.refresh_totals WITH seen AS (SELECT customer_id, "
        f"min(order_date) AS first_row FROM {prefix}.refresh_orders GROUP BY customer_id), "
        "numbered AS (SELECT *, row_number() OVER (ORDER BY customer_id) AS cno FROM seen) "
        "SELECT n.customer_id, n.cno, coalesce(c.frequency, 0), coalesce(c.monetary, 0), "
        "c.first_purchase, c.last_purchase, c.purchase_days, c.previous_purchase, "
        f"n.first_row, 0 FROM numbered n LEFT JOIN {prefix}.refresh_customers c "
        "USING (customer_id)",
        f"INSERT INTO {prefix}.refresh_order_days SELECT t.cno, {key}, o.order_date, o.amount "
        f"FROM {prefix}.refresh_orders o JOIN {prefix}.refresh_totals t USING (customer_id)",
        f"DROP TABLE {prefix}.refresh_orders",
        f"DROP TABLE {prefix}.refresh_customers",
    ]


def policy_of(options: Mapping[str, Any]) -> dict[str, Any]:
    """The loading settings that decide which rows are kept: a state is built with one set."""
    names = (
        "timezone",
        "dayfirst",
        "exclude_customers",
        "keep_duplicates",
        "keep_future",
        "min_date",
        "missing_ids",
        "max_amount",
        "money_decimals",
    )
    return {name: _plain(options.get(name)) for name in names}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value
