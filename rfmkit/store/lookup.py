"""Point look-ups in the store for interactive use: one page of a segment, one customer.

The web app answers these many times a second, so they are single
parameterised statements (planned by DuckDB, no expression compiling per
request), run on a DuckDB cursor of the store's database -- a cursor per
thread reads in parallel with the others. Sorting and cutting a page happen
in the engine; only the page comes back. A snapshot stored over a base is
read through :func:`rfmkit.store.store.rows_sql`, like every other reader.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import duckdb

from rfmkit import glossary as g
from rfmkit.store.store import ALIAS, SHIFTED, Store, rows_sql

#: Columns of a member row, in order.
MEMBER_COLUMNS = (
    g.CUSTOMER_ID,
    g.SEGMENT,
    g.SEGMENT_LABEL,
    g.R_SCORE,
    g.F_SCORE,
    g.M_SCORE,
    g.RFM_SCORE,
    g.RECENCY_DAYS,
    g.FREQUENCY,
    g.MONETARY,
    g.LAST_PURCHASE,
)
#: Columns a page can be sorted by.
SORTABLE = (
    g.CUSTOMER_ID,
    g.RECENCY_DAYS,
    g.FREQUENCY,
    g.MONETARY,
    g.RFM_SCORE,
    g.R_SCORE,
    g.F_SCORE,
    g.M_SCORE,
    g.LAST_PURCHASE,
)
#: Columns of a customer's history row (before the optional ones).
HISTORY_COLUMNS = (*g.HISTORY_COLUMNS, g.LAST_PURCHASE)


def prefix(store: Store) -> str:
    return f"{ALIAS}.{store.where.schema}"


def _rows(cursor: duckdb.DuckDBPyConnection, where: str, snapshot_id: str) -> str:
    """The snapshot's rows as a relation (one small look-up for its base, if any)."""
    found = cursor.execute(
        f"SELECT s.base_id, date_diff('day', b.as_of, s.as_of) FROM {where}.snapshots s "
        f"JOIN {where}.snapshots b ON b.snapshot_id = s.base_id WHERE s.snapshot_id = ?",
        [snapshot_id],
    ).fetchone()
    base = (str(found[0]), int(found[1])) if found else None
    return rows_sql(where, snapshot_id, base, MEMBER_COLUMNS)


def _where(segment: str | None, q: str | None) -> tuple[str, list[Any]]:
    clauses, params = ["TRUE"], []
    if segment is not None:
        clauses.append(f"{g.SEGMENT} = ?")
        params.append(segment)
    if q:
        clauses.append(f"contains({g.CUSTOMER_ID}, ?)")
        params.append(q)
    return " AND ".join(clauses), params


def count_members(
    cursor: duckdb.DuckDBPyConnection,
    where: str,
    snapshot_id: str,
    segment: str | None,
    q: str | None,
) -> int:
    """How many customers of the snapshot match ``segment`` and ``q`` (part of the id)."""
    clause, params = _where(segment, q)
    rows = _rows(cursor, where, snapshot_id)
    row = cursor.execute(f"SELECT count(*) FROM {rows} c WHERE {clause}", params).fetchone()
    return int(row[0]) if row else 0


def member_page(
    cursor: duckdb.DuckDBPyConnection,
    where: str,
    snapshot_id: str,
    *,
    segment: str | None,
    q: str | None,
    sort: str,
    desc: bool,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """One page of matching customers, sorted by ``sort`` (then by id), as dicts."""
    if sort not in SORTABLE:
        raise ValueError(f"cannot sort by {sort!r}")
    clause, params = _where(segment, q)
    order = f"{sort} {'DESC' if desc else 'ASC'} NULLS LAST"
    if sort != g.CUSTOMER_ID:
        order += f", {g.CUSTOMER_ID}"
    rows = cursor.execute(
        f"SELECT {', '.join(MEMBER_COLUMNS)} FROM {_rows(cursor, where, snapshot_id)} c "
        f"WHERE {clause} ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    return [dict(zip(MEMBER_COLUMNS, row, strict=True)) for row in rows]


def customer_rows(
    cursor: duckdb.DuckDBPyConnection,
    where: str,
    customer_id: str,
    optional: Sequence[str] = (),
    *,
    bases: bool = True,
) -> list[dict[str, Any]]:
    """The customer's row in every stored snapshot, oldest first (``optional`` columns too).

    ``bases=False`` when no snapshot is stored over a base: the rows a
    snapshot takes on from its base are then not looked for (half the work).
    """
    columns = [*HISTORY_COLUMNS[1:], *optional]
    picked = ", ".join(f"c.{c}" for c in columns)
    moved = ", ".join(
        f"c.{c} + date_diff('day', b.as_of, s.as_of)" if c in SHIFTED else f"c.{c}" for c in columns
    )
    customer = f"c.{g.CUSTOMER_ID} = ?"
    # its own rows, then a base's row in each snapshot stored over it that holds
    # no row of the customer and did not remove it
    inherited = (
        f"SELECT s.as_of, {moved} FROM {where}.snapshots s "
        f"JOIN {where}.snapshots b ON b.snapshot_id = s.base_id "
        f"JOIN {where}.snapshot_customers c ON c.snapshot_id = b.snapshot_id AND {customer} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {where}.snapshot_customers o WHERE "
        f"o.snapshot_id = s.snapshot_id AND o.{g.CUSTOMER_ID} = c.{g.CUSTOMER_ID}) "
        f"AND NOT EXISTS (SELECT 1 FROM {where}.snapshot_removed r WHERE "
        f"r.snapshot_id = s.snapshot_id AND r.{g.CUSTOMER_ID} = c.{g.CUSTOMER_ID})"
    )
    own = (
        f"SELECT s.as_of, {picked} FROM {where}.snapshot_customers c "
        f"JOIN {where}.snapshots s ON s.snapshot_id = c.snapshot_id WHERE {customer}"
    )
    if bases:
        rows = cursor.execute(
            f"{own} UNION ALL {inherited} ORDER BY 1", [customer_id, customer_id]
        ).fetchall()
    else:
        rows = cursor.execute(f"{own} ORDER BY 1", [customer_id]).fetchall()
    return [dict(zip(("as_of", *columns), row, strict=True)) for row in rows]


def customer_places(
    cursor: duckdb.DuckDBPyConnection, where: str, snapshot_id: str
) -> tuple[Any, Any]:
    """Each customer id of the snapshot's own rows and the ``rowid`` of its row (numpy arrays).

    For an index kept in memory (a DuckDB store file's row ids): see
    :func:`rows_at`.
    """
    found = cursor.execute(
        f"SELECT {g.CUSTOMER_ID}, rowid FROM {where}.snapshot_customers WHERE snapshot_id = ?",
        [snapshot_id],
    ).fetchnumpy()
    return found[g.CUSTOMER_ID], found["rowid"]


def rows_at(
    cursor: duckdb.DuckDBPyConnection,
    where: str,
    customer_id: str,
    places: Sequence[tuple[dt.date, str, int]],
    optional: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """The customer's rows at ``places`` (``as_of``, ``snapshot_id``, ``rowid``), oldest first.

    Like :func:`customer_rows` for snapshots stored in full, in one statement
    that reads one row per place by its ``rowid``; a place whose row is not
    this customer's row of that snapshot gives nothing (so an index that is
    out of date can miss rows but never return a wrong one).
    """
    columns = [*HISTORY_COLUMNS[1:], *optional]
    picked = ", ".join(columns)
    one = (
        f"SELECT CAST(? AS DATE) AS as_of, {picked} FROM {where}.snapshot_customers "
        f"WHERE rowid = ? AND snapshot_id = ? AND {g.CUSTOMER_ID} = ?"
    )
    if not places:
        return []
    params: list[Any] = []
    for as_of, snapshot_id, rowid in places:
        params += [as_of, int(rowid), snapshot_id, customer_id]
    sql = " UNION ALL ".join(one for _ in places) + " ORDER BY 1"
    rows = cursor.execute(sql, params).fetchall()
    return [dict(zip(("as_of", *columns), row, strict=True)) for row in rows]


def has_contacts(cursor: duckdb.DuckDBPyConnection, where: str) -> bool:
    """Whether the store keeps any customer's phone or email."""
    row = cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {where}.contacts)").fetchone()
    return bool(row and row[0])


def contacts_of(
    cursor: duckdb.DuckDBPyConnection, where: str, ids: Sequence[str]
) -> dict[str, tuple[Any, Any]]:
    """``customer_id -> (phone, email)`` for the customers in ``ids`` that have contacts."""
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    rows = cursor.execute(
        f"SELECT customer_id, phone, email FROM {where}.contacts WHERE customer_id IN ({marks})",
        list(ids),
    ).fetchall()
    return {str(c): (p, e) for c, p, e in rows}
