"""The web app's account tables are a step of the store's layout (version 5), on DuckDB and
PostgreSQL: an older store upgrades itself, keeping the tables an older web app made on first
use, rows and all; the step is every table of ``accounts.create_tables``, one list."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from rfmkit.backend import connect, load_duckdb_extension
from rfmkit.errors import ConfigError
from rfmkit.store import SCHEMA_VERSION, Store, accounts, open_store, parse_location
from rfmkit.store.schema import UPGRADES, create_v1, plan, upgrade_v4_to_v5
from rfmkit.store.store import ALIAS
from tests.store.factory import Q1, SERIES, customer_table, record

#: The version a store had before the account step.
BEFORE = next(version for version, step in UPGRADES.items() if step is upgrade_v4_to_v5)
#: What an older web app created on first use (CREATE TABLE IF NOT EXISTS), in part.
OLD_WEB_TABLES = (
    "CREATE TABLE IF NOT EXISTS {p}.users (name VARCHAR PRIMARY KEY, role VARCHAR NOT NULL, "
    "password_hash VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, disabled BOOLEAN NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {p}.audit_log (logged_at TIMESTAMP NOT NULL, actor VARCHAR "
    "NOT NULL, ip VARCHAR, action VARCHAR NOT NULL, object VARCHAR, row_count BIGINT, "
    "detail VARCHAR)",
    "INSERT INTO {p}.users VALUES ('ann', 'admin', 'argon2-hash', '2025-01-02 03:04:05', false)",
    "INSERT INTO {p}.audit_log VALUES ('2025-01-03 09:00:00', 'ann', '10.0.0.1', 'login', NULL, "
    "NULL, NULL)",
)


def account_tables() -> set[str]:
    """The tables the account step lays out (whatever the list holds today)."""
    return {
        re.search(r"EXISTS \S+\.(\w+) ", s).group(1)  # type: ignore[union-attr]
        for s in accounts.create_tables("x.y")
    }


def lay_out_old_store(location: str, *, web_tables: bool) -> None:
    """A store at the version before the account step, by hand, with one snapshot."""
    where = parse_location(location)
    con = connect()
    options = ""
    if where.kind == "postgres":
        load_duckdb_extension(con, "postgres_scanner")
        options = " (TYPE postgres)"
    raw = con.con
    raw.execute(f"ATTACH '{where.target}' AS {ALIAS}{options}")
    prefix = f"{ALIAS}.{where.schema}"
    raw.execute(f"CREATE SCHEMA IF NOT EXISTS {prefix}")
    statements = create_v1(prefix)
    for version in range(1, BEFORE):
        statements += UPGRADES[version](prefix)
    if web_tables:
        statements += [s.format(p=prefix) for s in OLD_WEB_TABLES]
    for statement in statements:
        raw.execute(statement)
    con.disconnect()


def tables_of(store: Store) -> set[str]:
    rows = store.con.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = ?",
        [ALIAS, store.where.schema],
    ).fetchall()
    return {r[0] for r in rows}


def test_the_step_is_every_account_table() -> None:
    prefix = "rfm_store.rfmkit"
    step = UPGRADES[BEFORE](prefix)
    assert set(accounts.create_tables(prefix)) <= set(step)
    assert step[-1].startswith(f"INSERT INTO {prefix}.schema_version VALUES ({BEFORE + 1},")
    assert {"users", "api_tokens", "web_sessions", "audit_log", "secrets", "alert_rules"} <= (
        account_tables()
    )
    assert set(accounts.create_tables(prefix)) <= set(plan(0, prefix))  # a new store too


@pytest.mark.parametrize("web_tables", [False, True], ids=["never-served", "served-before"])
def test_an_old_store_upgrades_itself(location: str, web_tables: bool) -> None:
    lay_out_old_store(location, web_tables=web_tables)
    with open_store(location) as store:
        assert store.version() == SCHEMA_VERSION > BEFORE
        assert account_tables() <= tables_of(store)
        versions = store.con.con.execute(
            f"SELECT list(version ORDER BY version) FROM {store.prefix}.schema_version"
        ).fetchone()
        assert versions == (list(range(1, SCHEMA_VERSION + 1)),)
        users = accounts.list_users(store)
        if web_tables:  # kept as they were
            assert [(u.name, u.role, u.disabled) for u in users] == [("ann", "admin", False)]
            assert accounts.last_logins(store) == {"ann": dt.datetime(2025, 1, 3, 9, 0)}
        else:
            assert users == []
        # the tables work: accounts, the new alert rules, and the snapshots beside them
        accounts.add_user(store, "bob", "viewer", "hash")
        accounts.audit(store, "bob", "login", ip="127.0.0.1")
        accounts.audit(store, "bob", "audience.create", obj="audience vip", row_count=3)
        assert accounts.latest_actors(store, "audience.create") == {"audience vip": "bob"}
        accounts.put_alert_rules(store, "tier5", "scheme: tier5", "bob")
        assert accounts.alert_rules_text(store)["tier5"]["rules"] == "scheme: tier5"
        store.save_snapshot(customer_table(SERIES[Q1], Q1), record(Q1), as_of=Q1)
    with open_store(location, read_only=True) as again:  # no upgrade left to do
        assert again.version() == SCHEMA_VERSION
        assert "bob" in {u.name for u in accounts.list_users(again)}
        accounts.ensure_tables(again)  # a no-op on a read-only store


def test_a_new_store_has_the_account_tables_at_once(location: str) -> None:
    with open_store(location) as store:
        assert account_tables() <= tables_of(store)
        assert accounts.list_users(store) == [] and accounts.audit_rows(store) == []


def test_the_last_admin_stays_an_admin(store: Store) -> None:
    for name, role in (("ann", "admin"), ("bob", "admin"), ("cy", "viewer")):
        accounts.add_user(store, name, role, "hash")
    accounts.add_session(store, "s1", "bob", "csrf", dt.datetime(2999, 1, 1))
    assert accounts.set_disabled(store, "bob", True).disabled
    assert accounts.find_session(store, "s1") is None  # signed out everywhere
    with pytest.raises(ConfigError, match="ann is the last admin"):
        accounts.set_role(store, "ann", "analyst")
    with pytest.raises(ConfigError, match="ann is the last admin"):
        accounts.set_disabled(store, "ann", True)
    accounts.set_disabled(store, "bob", False)
    assert accounts.set_role(store, "ann", "marketer").role == "marketer"
    assert [(u.name, u.role) for u in accounts.list_users(store)] == [
        ("ann", "marketer"),
        ("bob", "admin"),
        ("cy", "viewer"),
    ]
    with pytest.raises(ConfigError, match="No user 'nobody'"):
        accounts.set_role(store, "nobody", "viewer")
    with pytest.raises(ConfigError, match="Unknown role"):
        accounts.set_role(store, "cy", "owner")


def test_secrets_can_be_forgotten(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.duckdb") as store:
        accounts.put_secret(store, "crm", "webhook", "sealed", "ann")
        assert accounts.delete_secret(store, "crm") is True
        assert accounts.delete_secret(store, "crm") is False
        assert accounts.list_secrets(store) == []
