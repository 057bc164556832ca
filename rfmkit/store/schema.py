"""The store's tables, their versions and the upgrade from each older layout.

Every table lives in one schema (``rfmkit`` unless the location names
another) of the attached store database, DuckDB file or PostgreSQL alike:

``schema_version``       one row per layout version applied (``version``, ``applied_at``)
``snapshots``            one row per snapshot (``as_of`` is the primary key)
``snapshot_customers``   every customer's row, tagged with its ``snapshot_id``
``deliveries``           the delivery log: which alert reached which destination

Version 1 held snapshots and their customers; version 2 adds the
breakpoints mode, the owner and prediction columns and the delivery log;
version 3 adds each customer's ``lifecycle_stage``; version 4 adds the state
that ``rfmkit refresh`` continues from (the ``refresh_*`` tables, see
:mod:`rfmkit.incremental.state`); version 5 adds the web app's account
tables (users, tokens, sessions, audit log ... every table of
:func:`rfmkit.store.accounts.create_tables`, one list); version 6 lets a
snapshot hold only the rows that differ from a base snapshot (``base_id``,
``snapshot_removed``; see :meth:`rfmkit.store.Store.save_snapshot`) and keys the
refresh state by customer number and order key.
Opening an older store upgrades it inside one transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from rfmkit import glossary as g

SCHEMA_VERSION = 6

#: Stored type of every column a customer table may have, in stored order:
#: the scored table's columns (always present), then the optional ones.
REQUIRED_TYPES: dict[str, str] = {
    g.CUSTOMER_ID: "VARCHAR",
    g.RECENCY_DAYS: "BIGINT",
    g.FREQUENCY: "BIGINT",
    g.MONETARY: "DOUBLE",
    g.R_SCORE: "BIGINT",
    g.F_SCORE: "BIGINT",
    g.M_SCORE: "BIGINT",
    g.RFM_CODE: "VARCHAR",
    g.RFM_SCORE: "DOUBLE",
    g.SEGMENT: "VARCHAR",
    g.SEGMENT_LABEL: "VARCHAR",
    g.FIRST_PURCHASE: "DATE",
    g.LAST_PURCHASE: "DATE",
    g.TENURE_DAYS: "BIGINT",
    g.AVG_ORDER_VALUE: "DOUBLE",
}
OPTIONAL_TYPES: dict[str, str] = {
    g.LIFECYCLE_STAGE: "VARCHAR",
    "p_alive": "DOUBLE",
    "expected_purchases": "DOUBLE",
    "prob_purchase": "DOUBLE",
    "next_purchase_date": "DATE",
    "expected_order_value": "DOUBLE",
    "clv": "DOUBLE",
    "churn_risk": "BOOLEAN",
    "value_segment": "VARCHAR",
    "value_segment_label": "VARCHAR",
    "owner": "VARCHAR",
}
#: Optional columns that version 2 added (PostgreSQL through DuckDB's ``ALTER
#: TABLE`` takes only type names both spell alike: no DOUBLE here).
_V2_OPTIONAL = ("next_purchase_date", "owner")
_V3_OPTIONAL = (g.LIFECYCLE_STAGE,)
_V1_OPTIONAL = tuple(name for name in OPTIONAL_TYPES if name not in _V2_OPTIONAL + _V3_OPTIONAL)


def _columns(types: dict[str, str]) -> str:
    return ", ".join(f"{name} {kind}" for name, kind in types.items())


def create_v1(prefix: str) -> list[str]:
    """The statements that lay out version 1 under ``prefix`` (``catalog.schema``)."""
    optional = {name: OPTIONAL_TYPES[name] for name in _V1_OPTIONAL}
    return [
        f"CREATE TABLE {prefix}.schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP)",
        f"CREATE TABLE {prefix}.snapshots (as_of DATE PRIMARY KEY, snapshot_id VARCHAR NOT NULL, "
        "created_at TIMESTAMP NOT NULL, customers BIGINT NOT NULL, revenue DOUBLE, "
        "scheme VARCHAR, segment_order VARCHAR, columns VARCHAR, record VARCHAR)",
        f"CREATE TABLE {prefix}.snapshot_customers (snapshot_id VARCHAR NOT NULL, "
        f"{_columns(REQUIRED_TYPES)}, {_columns(optional)})",
        f"INSERT INTO {prefix}.schema_version VALUES (1, now()::TIMESTAMP)",
    ]


def upgrade_v1_to_v2(prefix: str) -> list[str]:
    """Version 2: breakpoints mode, owner and the other prediction columns, delivery log."""
    return [
        f"ALTER TABLE {prefix}.snapshots ADD COLUMN breakpoints_mode VARCHAR",
        *(
            f"ALTER TABLE {prefix}.snapshot_customers ADD COLUMN {name} {OPTIONAL_TYPES[name]}"
            for name in _V2_OPTIONAL
        ),
        f"CREATE TABLE {prefix}.deliveries (destination VARCHAR NOT NULL, "
        "alert_key VARCHAR NOT NULL, status VARCHAR NOT NULL, detail VARCHAR, "
        "recorded_at TIMESTAMP NOT NULL)",
        f"INSERT INTO {prefix}.schema_version VALUES (2, now()::TIMESTAMP)",
    ]


def upgrade_v2_to_v3(prefix: str) -> list[str]:
    """Version 3: each customer's lifecycle stage (older snapshots keep it null)."""
    return [
        *(
            f"ALTER TABLE {prefix}.snapshot_customers ADD COLUMN {name} {OPTIONAL_TYPES[name]}"
            for name in _V3_OPTIONAL
        ),
        f"INSERT INTO {prefix}.schema_version VALUES (3, now()::TIMESTAMP)",
    ]


def upgrade_v3_to_v4(prefix: str) -> list[str]:
    """Version 4: the state an incremental refresh continues from (empty until one runs)."""
    from rfmkit.incremental.state import create_tables

    return [
        *create_tables(prefix),
        f"INSERT INTO {prefix}.schema_version VALUES (4, now()::TIMESTAMP)",
    ]


def upgrade_v4_to_v5(prefix: str) -> list[str]:
    """Version 5: the web app's account tables, all of them in one list.

    The statements are :func:`rfmkit.store.accounts.create_tables` (``CREATE
    TABLE IF NOT EXISTS``): a store whose tables an older web app created on
    first use keeps them, rows and all; a store that never served the web app
    gets them empty.
    """
    from rfmkit.store.accounts import create_tables

    return [
        *create_tables(prefix),
        f"INSERT INTO {prefix}.schema_version VALUES (5, now()::TIMESTAMP)",
    ]


def upgrade_v5_to_v6(prefix: str) -> list[str]:
    """Version 6: snapshots stored over a base snapshot; the refresh state by number and key.

    ``snapshots.base_id`` names the snapshot whose rows a snapshot takes on
    (NULL: it holds all its rows); ``snapshot_removed`` the base's customers
    it does not have. See :func:`rfmkit.incremental.state.upgrade_v6`.
    """
    from rfmkit.incremental.state import upgrade_v6

    return [
        f"ALTER TABLE {prefix}.snapshots ADD COLUMN base_id VARCHAR",
        f"CREATE TABLE {prefix}.snapshot_removed (snapshot_id VARCHAR NOT NULL, "
        "customer_id VARCHAR NOT NULL)",
        *upgrade_v6(prefix),
        f"INSERT INTO {prefix}.schema_version VALUES (6, now()::TIMESTAMP)",
    ]


#: Statements that take a store from version ``n`` to ``n + 1``.
UPGRADES: dict[int, Callable[[str], list[str]]] = {
    1: upgrade_v1_to_v2,
    2: upgrade_v2_to_v3,
    3: upgrade_v3_to_v4,
    4: upgrade_v4_to_v5,
    5: upgrade_v5_to_v6,
}


def plan(current: int, prefix: str) -> list[str]:
    """Every statement that brings a store at version ``current`` (0: empty) up to date."""
    statements = create_v1(prefix) if current == 0 else []
    for version in range(max(current, 1), SCHEMA_VERSION):
        statements += UPGRADES[version](prefix)
    return statements
