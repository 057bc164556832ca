"""What keeps the web app fast under load stays correct: the remembered callers and snapshot
list (revocations and disabled users are seen at once here, within seconds from another
process), the per-snapshot customer indexes (the same rows as a scan, a moved row id falls
back to it) and one computation per cold listing."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from rfmkit.settings import ServeOptions
from rfmkit.store import accounts, lookup, open_store
from rfmkit.web import WebConfig, create_app, security
from rfmkit.web.finder import Finder, Places
from rfmkit.web.state import FRESH_FOR, Cache, Recent
from tests.store.factory import SERIES, customer_table, pg_location, record, store_at
from tests.web.conftest import BASE_URL, Seeded, app_over, bearer


@pytest.fixture
def fresh(seeded: Seeded, tmp_path: Path) -> Iterator[TestClient]:
    shutil.copy(seeded.store, tmp_path / "store.duckdb")
    with app_over(tmp_path / "store.duckdb", tmp_path) as client:
        yield client


def new_token(client: TestClient, owner: str, ends: dt.datetime | None = None) -> tuple[str, str]:
    token_id, token = security.new_token()
    with client.app.state.web.db() as store:  # type: ignore[attr-defined]
        accounts.add_token(store, token_id, owner, security.digest(token), ("read",), ends)
    return token_id, token


def test_recent_answers_expire_and_a_change_forgets_them() -> None:
    recent = Recent(fresh_for=0.3)
    calls: list[int] = []

    def make() -> int:
        calls.append(1)
        return len(calls)

    assert recent.get("k", make) == 1 and recent.get("k", make) == 1
    recent.changed()
    assert recent.get("k", make) == 2
    time.sleep(0.35)
    assert recent.peek("k", "gone") == "gone" and recent.get("k", make) == 3

    def made_during_a_change() -> int:
        recent.changed()  # a write lands while the answer is being read
        return 99

    recent.changed()
    assert recent.get("k", made_during_a_change) == 99
    assert recent.peek("k", "not kept") == "not kept"


def test_a_cold_listing_is_computed_once_for_everyone_asking() -> None:
    cache = Cache()
    calls: list[int] = []
    started = threading.Event()

    def slow() -> str:
        calls.append(1)
        started.set()
        time.sleep(0.3)
        return "page"

    answers: list[str] = []
    threads = [
        threading.Thread(target=lambda: answers.append(cache.get("key", slow))) for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == ["page"] * 6 and len(calls) == 1


def test_a_revoked_token_and_a_disabled_owner_are_refused_at_once(fresh: TestClient) -> None:
    token_id, token = new_token(fresh, "analyst")
    for _ in range(3):  # remembered now
        assert fresh.get("/api/v1/snapshots", headers=bearer(token)).status_code == 200
    with fresh.app.state.web.db() as store:  # type: ignore[attr-defined]
        accounts.revoke_token(store, token_id)
    assert fresh.get("/api/v1/snapshots", headers=bearer(token)).status_code == 401
    _, other = new_token(fresh, "analyst")
    assert fresh.get("/api/v1/snapshots", headers=bearer(other)).status_code == 200
    with fresh.app.state.web.db() as store:  # type: ignore[attr-defined]
        accounts.set_disabled(store, "analyst", True)
    assert fresh.get("/api/v1/snapshots", headers=bearer(other)).status_code == 401


def test_a_remembered_token_is_refused_the_second_it_expires(fresh: TestClient) -> None:
    ends = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) + dt.timedelta(seconds=2)
    _, token = new_token(fresh, "viewer", ends)
    assert fresh.get("/api/v1/snapshots", headers=bearer(token)).status_code == 200
    while dt.datetime.now(dt.UTC).replace(tzinfo=None) < ends:
        time.sleep(0.1)
    answer = fresh.get("/api/v1/snapshots", headers=bearer(token))
    assert answer.status_code == 401 and answer.json()["error"] == "unauthorized"


def test_a_change_no_write_of_this_server_made_is_seen_within_seconds(fresh: TestClient) -> None:
    """A revocation written to the store behind the app's back (as another process sharing a
    PostgreSQL store does) stops the token within FRESH_FOR seconds."""
    token_id, token = new_token(fresh, "marketer")
    assert fresh.get("/api/v1/snapshots", headers=bearer(token)).status_code == 200
    state = fresh.app.state.web  # type: ignore[attr-defined]
    with state.read() as store:  # no db() block: nothing in the app hears of it
        accounts.revoke_token(store, token_id)
    began = time.monotonic()
    while fresh.get("/api/v1/snapshots", headers=bearer(token)).status_code == 200:
        assert time.monotonic() - began < FRESH_FOR + 1.0, "the revoked token still works"
        time.sleep(0.1)
    assert time.monotonic() - began <= FRESH_FOR + 1.0


@pytest.mark.postgres
def test_a_token_revoked_by_the_cli_on_a_shared_postgres_store_stops_within_seconds(
    tmp_path: Path,
) -> None:
    from tests.store.factory import drop_pg_schema

    location = pg_location()
    try:
        with open_store(location) as store:
            store.save_snapshot(customer_table(SERIES[dt.date(2024, 4, 1)], dt.date(2024, 4, 1)),
                                record(dt.date(2024, 4, 1)), as_of=dt.date(2024, 4, 1))  # fmt: skip
            accounts.ensure_tables(store)
            accounts.add_user(store, "ann", "admin", security.hash_password("a long secret"))
            token_id, token = security.new_token()
            accounts.add_token(store, token_id, "ann", security.digest(token), ("read",), None)
        config = WebConfig(serve=ServeOptions(data_dir=tmp_path / "data"), store=location)
        with TestClient(create_app(config), base_url=BASE_URL) as client:
            assert client.get("/api/v1/snapshots", headers=bearer(token)).status_code == 200
            rfmkit = str(Path(sys.executable).with_name("rfmkit"))
            done = subprocess.run(
                [rfmkit, "tokens", "revoke", token_id, "--store", location],
                capture_output=True, text=True, timeout=120, env=dict(os.environ),
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            began = time.monotonic()
            while client.get("/api/v1/snapshots", headers=bearer(token)).status_code == 200:
                assert time.monotonic() - began < FRESH_FOR + 1.0, "the revoked token still works"
                time.sleep(0.1)
    finally:
        drop_pg_schema(location)


# -- customer indexes ----------------------------------------------------------------


def built(client: TestClient) -> Finder:
    state = client.app.state.web  # type: ignore[attr-defined]
    finder: Finder = state.finder
    builder = finder.build(state.snapshots())
    if builder is not None:
        builder.join(timeout=60)
    assert finder.ready(state.snapshots())
    return finder


def test_the_index_finds_the_rows_a_scan_finds(fresh: TestClient, seeded: Seeded) -> None:
    finder = built(fresh)
    state = fresh.app.state.web  # type: ignore[attr-defined]
    found, reader = state.snapshots(), state.reader()
    with open_store(seeded.store, read_only=True) as store:
        ids = store.customers(found[-1].as_of).customer_id.to_pyarrow().to_pylist()
        ids += store.customers(found[0].as_of).customer_id.to_pyarrow().to_pylist()
    assert len(set(ids)) > 100
    for customer_id in [*sorted(set(ids)), "nobody", ""]:
        scanned = lookup.customer_rows(reader.cursor, reader.where, customer_id, bases=False)
        assert finder.rows(reader, found, customer_id, ()) == scanned, customer_id
    # the API answers the same with and without the index
    token = seeded.tokens["export"]
    with_index = fresh.get(f"/api/v1/customers/{seeded.customer}", headers=bearer(token)).json()
    state.finder = None
    try:
        scanned = fresh.get(f"/api/v1/customers/{seeded.customer}", headers=bearer(token)).json()
    finally:
        state.finder = finder
    assert with_index == scanned and len(scanned["history"]) == 2


def test_a_row_id_that_moved_falls_back_to_a_scan(fresh: TestClient, seeded: Seeded) -> None:
    finder = built(fresh)
    state = fresh.app.state.web  # type: ignore[attr-defined]
    found, reader = state.snapshots(), state.reader()
    latest = found[-1].snapshot_id
    right = finder.rows(reader, found, seeded.customer, ())
    assert right is not None and len(right) == 2
    index = finder._places[latest]
    finder._places[latest] = Places(index.keys, index.rowids[::-1].copy())  # every row id wrong
    assert finder.rows(reader, found, seeded.customer, ()) is None  # scan instead
    assert not finder.ready(found)  # forgotten, to be built again
    token = seeded.tokens["read"]
    answer = fresh.get(f"/api/v1/customers/{seeded.customer}", headers=bearer(token)).json()
    assert [r["as_of"] for r in answer["history"]] == [r["as_of"].isoformat() for r in right]


def test_snapshots_stored_over_a_base_are_scanned(tmp_path: Path) -> None:
    base_day, later_day = dt.date(2024, 4, 1), dt.date(2024, 4, 11)
    location = next(store_at("duckdb", tmp_path))
    with open_store(location) as store:
        base = store.save_snapshot(customer_table(SERIES[base_day], base_day), record(base_day),
                                   as_of=base_day)  # fmt: skip
        rows = customer_table(SERIES[base_day], later_day)
        changed = rows.filter(pa.compute.equal(rows["customer_id"], "c2"))
        store.save_snapshot(changed, record(later_day), as_of=later_day, over=base)
        cursor = store.con.con.cursor()
        finder = Finder(lambda: None)  # type: ignore[arg-type, return-value]
        found = store.snapshots()
        assert found[-1].base_id == base.snapshot_id and not finder.usable(found)
        assert finder.rows(None, found, "c1", ()) is None
        history = lookup.customer_rows(cursor, lookup.prefix(store), "c1")
        assert [r["as_of"] for r in history] == [base_day, later_day]


def test_the_server_builds_the_indexes_when_it_starts(fresh: TestClient) -> None:
    state = fresh.app.state.web  # type: ignore[attr-defined]
    deadline = time.monotonic() + 30
    while not state.finder.ready(state.snapshots()):
        assert time.monotonic() < deadline, "no index built after start"
        time.sleep(0.05)
