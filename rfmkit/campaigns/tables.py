"""The campaign tables in the snapshot store, beside the store's own.

They live in the store's schema (DuckDB file or PostgreSQL alike) and are
created on first use with ``CREATE TABLE IF NOT EXISTS``:

``audiences``          one row per audience: name, snapshot date, filters (JSON)
``audience_members``   each audience's customers, copied from the snapshot (frozen)
``suppressions``       the opt-out list: customer ids, phones, emails (normalised)
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

from rfmkit.store import Store
from rfmkit.store.schema import OPTIONAL_TYPES, REQUIRED_TYPES
from rfmkit.store.store import ALIAS

#: Stored columns of an audience member: every column a snapshot may hold.
MEMBER_TYPES: dict[str, str] = {**REQUIRED_TYPES, **OPTIONAL_TYPES, "lifecycle_stage": "VARCHAR"}


def prefix(store: Store) -> str:
    """``catalog.schema`` of the store's tables."""
    return f"{ALIAS}.{store.where.schema}"


def raw(store: Store) -> Any:
    """The store's DuckDB connection (the same one its own tables use)."""
    return store.con.con


def ensure_tables(store: Store) -> None:
    """Create the campaign tables when they are missing (no-op on a read-only store)."""
    if store.read_only:
        return
    p = prefix(store)
    members = ", ".join(f"{name} {kind}" for name, kind in MEMBER_TYPES.items())
    for statement in (
        f"CREATE TABLE IF NOT EXISTS {p}.audiences (name VARCHAR PRIMARY KEY, "
        "as_of DATE NOT NULL, snapshot_id VARCHAR NOT NULL, filters VARCHAR, "
        "customers BIGINT NOT NULL, created_at TIMESTAMP NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {p}.audience_members (audience VARCHAR NOT NULL, {members})",
        f"CREATE TABLE IF NOT EXISTS {p}.suppressions (customer_id VARCHAR, phone VARCHAR, "
        "email VARCHAR, reason VARCHAR, added_at TIMESTAMP NOT NULL)",
    ):
        raw(store).execute(statement)


def has_table(store: Store, name: str) -> bool:
    found = (
        raw(store)
        .execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
            "AND table_name = ?",
            [ALIAS, store.where.schema, name],
        )
        .fetchone()
    )
    return bool(found and found[0])


def table(store: Store, name: str) -> ir.Table:
    """An Ibis table of the store."""
    return store.con.table(name, database=(ALIAS, store.where.schema))
