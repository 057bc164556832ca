"""The snapshot store on a DuckDB file and on PostgreSQL: same behaviour, same data."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from rfmkit import glossary as g
from rfmkit.errors import ConfigError, InputError, StoreError
from rfmkit.store import SCHEMA_VERSION, Store, open_store, parse_location
from rfmkit.store.schema import create_v1
from tests.store.factory import Q1, Q2, Q3, SERIES, customer_table, fill, record


def _rows(store: Store, day: dt.date) -> list[dict[str, object]]:
    return store.customers(day).to_pyarrow().sort_by(g.CUSTOMER_ID).to_pylist()


def test_save_lists_and_reads_back(store: Store) -> None:
    fill(store)
    infos = store.snapshots()
    assert [(s.as_of, s.customers, s.revenue) for s in infos] == [
        (Q1, 6, 4830.0),
        (Q2, 7, 5260.0),
        (Q3, 6, 6050.0),
    ]
    assert {s.scheme for s in infos} == {"tier5"}
    assert infos[0].segment_order == ("diamond", "gold", "silver", "active", "sleeping")
    assert {s.breakpoints_mode for s in infos} == {"frozen"}
    # Q1 had neither predictions nor owners (nor lifecycle stages): they are not invented for it
    scored = tuple(c for c in g.CUSTOMER_COLUMNS if c != g.LIFECYCLE_STAGE)
    assert infos[0].columns == (*scored, "owner")
    assert infos[1].columns == (*scored, "p_alive", "owner")
    assert _rows(store, Q2) == customer_table(SERIES[Q2], Q2).to_pylist()
    assert store.record(Q2) == json.loads(json.dumps(record(Q2)))
    assert [s.as_of for s in store.latest(2)] == [Q2, Q3]


def test_saving_a_date_again_replaces_it(store: Store) -> None:
    fill(store, (Q1,))
    first = store.snapshot(Q1)
    fewer = {k: v for k, v in SERIES[Q1].items() if k != "c7"}
    again = store.save_snapshot(customer_table(fewer, Q1), record(Q1), as_of=Q1)
    assert [s.as_of for s in store.snapshots()] == [Q1]
    assert again.snapshot_id != first.snapshot_id
    assert store.snapshot(Q1).customers == 5
    assert store.rows().count().to_pyarrow().as_py() == 5  # the old rows are gone


def test_delete(store: Store) -> None:
    fill(store, (Q1, Q2))
    store.delete("2024-04-01")
    assert [s.as_of for s in store.snapshots()] == [Q2]
    with pytest.raises(StoreError, match=r"no snapshot of 2024-04-01.*") as err:
        store.delete(Q1)
    assert err.value.details["stored"] == ["2024-07-01"]


def test_bad_tables_are_refused(store: Store) -> None:
    table = customer_table(SERIES[Q1], Q1)
    with pytest.raises(InputError, match="lacks segment, segment_label"):
        store.save_snapshot(table.drop(["segment", "segment_label"]), record(Q1), as_of=Q1)
    doubled = customer_table(SERIES[Q1], Q1)
    import pyarrow as pa

    with pytest.raises(InputError, match="repeats 6 customer id"):
        store.save_snapshot(pa.concat_tables([doubled, doubled]), record(Q1), as_of=Q1)
    with pytest.raises(ConfigError, match="does not say which segment scheme"):
        store.save_snapshot(table, {"verb": "score"}, as_of=Q1)
    assert store.snapshots() == []


def test_ibis_pandas_and_polars_inputs(store: Store) -> None:
    import ibis
    import polars as pl

    table = customer_table(SERIES[Q1], Q1)
    elsewhere = ibis.duckdb.connect().create_table("scored", table)  # streamed in batches
    store.save_snapshot(elsewhere, record(Q1), as_of=Q1)
    store.save_snapshot(table.to_pandas(), record(Q2), as_of=Q2)
    store.save_snapshot(pl.from_arrow(table), record(Q3), as_of=Q3)
    q4 = dt.date(2025, 1, 1)
    store.save_snapshot(ibis.memtable(table), record(q4), as_of=q4)
    assert [s.customers for s in store.snapshots()] == [6, 6, 6, 6]
    for day in (Q1, Q2, Q3, q4):  # every row stored, not only counted
        stored = store.customers(day).to_pyarrow().sort_by(g.CUSTOMER_ID)
        assert stored[g.CUSTOMER_ID].to_pylist() == sorted(table[g.CUSTOMER_ID].to_pylist())
        assert (
            stored[g.MONETARY].to_pylist() == table.sort_by(g.CUSTOMER_ID)[g.MONETARY].to_pylist()
        )


def test_passwords_never_reach_the_store(store: Store) -> None:
    secret = record(
        Q1,
        settings={"scheme": "tier5", "from_db": "postgresql://shop:hunter2@db.example/sales"},
        webhook={"url": "https://x.example/hook?access_token=abc123", "secret": "whsec_zzz"},
    )
    store.save_snapshot(customer_table(SERIES[Q1], Q1), secret, as_of=Q1)
    store.record_delivery("sales", "k1", "failed", "POST https://u:pw9@x.example/ failed")
    stored = json.dumps(store.record(Q1))
    log = store.deliveries().to_pandas().detail.tolist()
    for text in (stored, *log):
        assert "hunter2" not in text and "abc123" not in text and "whsec_zzz" not in text
        assert "pw9" not in text
    assert "postgresql://shop:***@db.example/sales" in stored


def test_delivery_log(store: Store) -> None:
    assert not store.delivered("sales-group", "k1")
    store.record_delivery("sales-group", "k1", "failed", "HTTP 500")
    assert not store.delivered("sales-group", "k1")
    store.record_delivery("sales-group", "k1", "delivered", "msg-1")
    store.record_delivery("sales-group", "k2", "digest", "msg-2")
    assert store.delivered("sales-group", "k1") and store.delivered("sales-group", "k2")
    assert not store.delivered("other-group", "k1")
    assert store.delivered_keys("sales-group") == {"k1", "k2"}
    assert store.deliveries().count().to_pyarrow().as_py() == 3


def test_the_store_is_a_delivery_log(store: Store) -> None:
    from rfmkit.delivery.log import DELIVERED_STATUSES, DeliveryLog

    assert isinstance(store, DeliveryLog)
    assert set(DELIVERED_STATUSES) == set(Store.delivered.__globals__["DELIVERED_STATUSES"])


def test_duckdb_and_postgres_hold_the_same_data(tmp_path: Path) -> None:
    from tests.store.factory import drop_pg_schema, pg_location

    pg = pg_location()
    try:
        with open_store(tmp_path / "s.duckdb") as duck, open_store(pg) as post:
            fill(duck)
            fill(post)
            strip = ("created_at", "snapshot_id")
            assert [
                {k: v for k, v in vars(s).items() if k not in strip} for s in duck.snapshots()
            ] == [{k: v for k, v in vars(s).items() if k not in strip} for s in post.snapshots()]
            for day in (Q1, Q2, Q3):
                assert _rows(duck, day) == _rows(post, day)
                assert duck.record(day) == post.record(day)
    finally:
        drop_pg_schema(pg)


def test_a_v1_store_is_upgraded_in_place(tmp_path: Path) -> None:
    """A store laid out by hand as version 1 opens, upgrades and keeps its snapshot."""
    import duckdb

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA rfmkit")
    for statement in create_v1("rfmkit"):
        con.execute(statement)
    table = customer_table({k: (*v[:3], None, None) for k, v in SERIES[Q1].items()}, Q1)
    con.register("incoming", table)
    names = ", ".join(table.column_names)
    con.execute(
        f"INSERT INTO rfmkit.snapshot_customers (snapshot_id, {names}) SELECT 'old1', {names} FROM incoming"
    )
    con.execute(
        "INSERT INTO rfmkit.snapshots VALUES ('2024-04-01', 'old1', '2024-04-02 08:00:00', 6, "
        "4830.0, 'tier5', ?, ?, '{\"verb\": \"score\"}')",
        [
            json.dumps(["diamond", "gold", "silver", "active", "sleeping"]),
            json.dumps(list(names.split(", "))),
        ],
    )
    con.close()
    with open_store(path) as store:
        assert store.version() == SCHEMA_VERSION == 6
        [info] = store.snapshots()
        assert (info.as_of, info.customers, info.breakpoints_mode) == (Q1, 6, None)
        assert store.customers(Q1).count().to_pyarrow().as_py() == 6
        store.record_delivery("d", "k", "delivered", "")  # the v2 table exists
        store.save_snapshot(customer_table(SERIES[Q2], Q2), record(Q2), as_of=Q2)
        assert "owner" in store.customers(Q2).columns
        assert store.table("refresh_order_days").count().to_pyarrow().as_py() == 0  # v6's state
    check = duckdb.connect(str(path), read_only=True)
    assert check.execute(
        "SELECT list(version ORDER BY version) FROM rfmkit.schema_version"
    ).fetchone() == ([1, 2, 3, 4, 5, 6],)
    check.close()


def test_a_store_from_a_newer_rfmkit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    open_store(path).close()
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("INSERT INTO rfmkit.schema_version VALUES (99, now()::TIMESTAMP)")
    con.close()
    with pytest.raises(StoreError, match="layout version 99; this rfmkit knows up to 6"):
        open_store(path)


def test_locations() -> None:
    assert parse_location(None).target == "rfmkit-store.duckdb"
    pg = parse_location("postgresql://u:secret@h:5433/db?schema=shop_a&sslmode=disable")
    assert (pg.kind, pg.schema) == ("postgres", "shop_a")
    assert pg.target == "postgresql://u:secret@h:5433/db?sslmode=disable"
    assert "secret" not in pg.display
    with pytest.raises(ConfigError, match="Invalid store schema name"):
        parse_location("postgresql://h/db?schema=Robert');DROP")
    with pytest.raises(ConfigError, match="Unknown store URL 'mysql://u:\\*\\*\\*@h/db'"):
        parse_location("mysql://u:pw@h/db")


def test_missing_folder_and_unreachable_server(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="Cannot open the store"):
        open_store(tmp_path / "no" / "such" / "folder" / "s.duckdb")
    with pytest.raises(
        StoreError, match=r"Cannot open the store postgresql://u:\*\*\*@127\.0\.0\.1:1/db"
    ):
        open_store("postgresql://u:pw@127.0.0.1:1/db", wait=0)


def test_read_only(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with open_store(path) as store:
        fill(store, (Q1,))
    with open_store(path, read_only=True) as one, open_store(path, read_only=True) as two:
        assert one.snapshots() == two.snapshots()
        with pytest.raises(StoreError, match="open read-only"):
            one.delete(Q1)
