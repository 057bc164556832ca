"""The suppression (opt-out) list: applied to every export and push, always.

A customer is suppressed when the list holds their ``customer_id``, their
normalised phone or their normalised email (see
:mod:`rfmkit.campaigns.contacts`). The list comes from the store's
``suppressions`` table and, for one run, from a file or table given by the
caller; both apply. The count removed is always reported.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from rfmkit import glossary as g
from rfmkit.backend import as_table
from rfmkit.campaigns import tables
from rfmkit.campaigns.contacts import (
    DEFAULT_COUNTRY_CODE,
    EMAIL,
    PHONE,
    normalise_contacts,
    normalise_email,
    normalise_phone,
)
from rfmkit.errors import InputError
from rfmkit.store import Store

KEYS = (g.CUSTOMER_ID, PHONE, EMAIL)


def add_suppressions(
    store: Store, data: Any, *, reason: str = "", country_code: str = DEFAULT_COUNTRY_CODE
) -> int:
    """Add the rows of ``data`` (any of customer_id, phone, email) to the store's list.

    Returns the number of rows added. Phones and emails are stored normalised.
    """
    tables.ensure_tables(store)
    given = _suppression_table(data, store.con, country_code)
    arrow = given.to_pyarrow()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    con = tables.raw(store)
    con.register("rfm_suppress_in", arrow)
    try:
        con.execute(
            f"INSERT INTO {tables.prefix(store)}.suppressions "
            "SELECT customer_id, phone, email, ?, ? FROM rfm_suppress_in",
            [reason, now],
        )
    finally:
        con.unregister("rfm_suppress_in")
    return arrow.num_rows


def suppression_list(store: Store) -> ir.Table | None:
    """The store's suppression list (``customer_id, phone, email``), None when it has none."""
    if not tables.has_table(store, "suppressions"):
        return None
    return tables.table(store, "suppressions").select(*KEYS)


def apply_suppression(
    table: ir.Table,
    suppress: Any = None,
    *,
    store: Store | None = None,
    country_code: str = DEFAULT_COUNTRY_CODE,
) -> tuple[ir.Table, int]:
    """``table`` without its suppressed customers, and how many were removed.

    Parameters
    ----------
    table
        Customers (``customer_id``, optionally ``phone`` and ``email``).
    suppress
        A list for this run: an Ibis table or a frame with any of
        ``customer_id``, ``phone``, ``email``.
    store
        Its ``suppressions`` table applies too.
    """
    con = table.get_backend()
    lists = []
    if store is not None:
        stored = suppression_list(store)
        if stored is not None:
            lists.append(_on(stored, con))
    if suppress is not None:
        lists.append(_suppression_table(suppress, con, country_code))
    kept = table
    for listed in lists:
        kept = _without(kept, listed, country_code)
    removed = int(table.count().execute()) - int(kept.count().execute())
    return kept, removed


def _without(table: ir.Table, listed: ir.Table, country_code: str) -> ir.Table:
    keys = [k for k in KEYS if k in table.columns and k in listed.columns]
    work = table.mutate(**{f"_key_{k}": _normal(table[k], k, country_code) for k in keys})
    for k in keys:
        values = listed.filter(listed[k].notnull()).select(_value=listed[k]).distinct()
        work = work.anti_join(values, work[f"_key_{k}"] == values["_value"])
    return work.drop(*(f"_key_{k}" for k in keys))


def _normal(value: ir.Value, key: str, country_code: str) -> ir.Value:
    if key == PHONE:
        return normalise_phone(value, country_code)
    if key == EMAIL:
        return normalise_email(value)
    return value.cast("string")


def _suppression_table(data: Any, con: ibis.BaseBackend, country_code: str) -> ir.Table:
    given = as_table(data, con)
    present = [k for k in KEYS if k in given.columns]
    if not present:
        raise InputError(
            "The suppression list has none of the columns customer_id, phone, email.",
            fix="Give a file with a customer_id, phone or email column.",
            details={"found": list(given.columns)},
        )
    typed = given.select(
        **{k: given[k].cast("string") if k in given.columns else ibis.null("string") for k in KEYS}
    )
    return normalise_contacts(typed, country_code)


def _on(listed: ir.Table, con: ibis.BaseBackend) -> ir.Table:
    """``listed`` on ``con``: as it is when it already lives there, else copied."""
    try:
        if listed.get_backend() is con:
            return listed
    except Exception:  # an unbound table
        pass
    data: pa.Table = listed.to_pyarrow()
    return as_table(data, con)
