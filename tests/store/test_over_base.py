"""Snapshots stored over a base: only the differing rows are written, every reader sees all rows.

A snapshot saved with ``over=`` holds the rows that differ from its base's
(recency and tenure moved on to its date) and the base customers it lost;
``customers``, ``rows``, the web look-ups and the history analyses resolve
it, and deleting or replacing the base stores it in full first. On DuckDB
and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from rfmkit import glossary as g
from rfmkit.errors import InputError
from rfmkit.store import Store, lookup
from tests.store.factory import SERIES, customer_table, record

BASE, LATER = dt.date(2024, 4, 1), dt.date(2024, 4, 11)
DAYS = (LATER - BASE).days


def _full_later() -> pa.Table:
    """The later snapshot in full: the base's rows ten days on, c2 changed, c4 gone, c9 new."""
    rows = dict(SERIES[BASE])
    rows = {c: (s, m, r + DAYS, p, o) for c, (s, m, r, p, o) in rows.items()}
    rows["c2"] = ("silver", 650.0, 1, None, "wang")
    del rows["c4"]
    rows["c9"] = ("active", 30.0, 2, None, None)
    table = customer_table(rows, LATER)
    tenure = pc.add(customer_table(SERIES[BASE], BASE)["tenure_days"][0], DAYS)
    return table.set_column(
        table.schema.get_field_index("tenure_days"),
        "tenure_days",
        pa.array([tenure.as_py()] * table.num_rows),
    )


def _changed(full: pa.Table) -> pa.Table:
    keep = pc.is_in(full[g.CUSTOMER_ID], pa.array(["c2", "c9"]))
    return full.filter(keep)


def _save_pair(store: Store) -> tuple[Any, Any, pa.Table]:
    base = store.save_snapshot(customer_table(SERIES[BASE], BASE), record(BASE), as_of=BASE)
    full = _full_later()
    removed = pa.table({g.CUSTOMER_ID: ["c4"]})
    later = store.save_snapshot(
        _changed(full), record(LATER), as_of=LATER, over=base, removed=removed
    )
    return base, later, full


def _sorted(table: Any) -> list[dict[str, Any]]:
    frame = table.to_pyarrow() if hasattr(table, "to_pyarrow") else table
    return sorted(frame.to_pylist(), key=lambda row: row[g.CUSTOMER_ID])


def test_a_snapshot_over_a_base_reads_in_full(store: Store) -> None:
    base, later, full = _save_pair(store)
    assert later.base_id == base.snapshot_id and store.snapshots()[1].base_id == base.snapshot_id
    assert (later.customers, later.revenue) == (6, pytest.approx(sum(full["monetary"].to_pylist())))
    # only the two differing rows and the one removal are written
    raw, prefix = store.con.con, store.prefix
    own = raw.execute(
        f"SELECT count(*) FROM {prefix}.snapshot_customers WHERE snapshot_id = ?",
        [later.snapshot_id],
    ).fetchone()
    assert own == (2,)
    stored = store.customers(LATER)
    assert list(stored.columns) == list(later.columns)
    assert _sorted(stored) == _sorted(full.select(list(later.columns)))
    rows = store.rows()
    assert rows.filter(rows.as_of == LATER).count().to_pyarrow().as_py() == 6
    assert rows.filter(rows.as_of == BASE).count().to_pyarrow().as_py() == 6


def test_the_web_look_ups_resolve_it(store: Store) -> None:
    _base, later, full = _save_pair(store)
    cursor, where = store.con.con.cursor(), lookup.prefix(store)
    sid = later.snapshot_id
    assert lookup.count_members(cursor, where, sid, None, None) == 6
    assert lookup.count_members(cursor, where, sid, "silver", None) == 2  # c2 and c3
    page = lookup.member_page(
        cursor, where, sid, segment=None, q="c", sort=g.RECENCY_DAYS, desc=True, limit=2, offset=0
    )
    expected = sorted(full.to_pylist(), key=lambda r: (-r[g.RECENCY_DAYS], r[g.CUSTOMER_ID]))
    assert [r[g.CUSTOMER_ID] for r in page] == [r[g.CUSTOMER_ID] for r in expected[:2]]
    assert page[0][g.RECENCY_DAYS] == expected[0][g.RECENCY_DAYS]
    history = lookup.customer_rows(cursor, where, "c1")
    assert [(r["as_of"], r[g.RECENCY_DAYS]) for r in history] == [(BASE, 10), (LATER, 10 + DAYS)]
    assert [r["as_of"] for r in lookup.customer_rows(cursor, where, "c4")] == [BASE]


@pytest.mark.parametrize("how", ["delete", "replace"])
def test_deleting_or_replacing_the_base_keeps_the_later_snapshot(store: Store, how: str) -> None:
    _base, later, full = _save_pair(store)
    if how == "delete":
        store.delete(BASE)
    else:
        store.save_snapshot(customer_table(SERIES[BASE], BASE), record(BASE), as_of=BASE)
    [info] = [s for s in store.snapshots() if s.as_of == LATER]
    assert info.base_id is None and info.snapshot_id == later.snapshot_id
    assert _sorted(store.customers(LATER)) == _sorted(full.select(list(later.columns)))
    removed = store.con.con.execute(f"SELECT count(*) FROM {store.prefix}.snapshot_removed")
    assert removed.fetchone() == (0,)


def test_a_base_must_hold_all_its_rows(store: Store) -> None:
    _base, later, full = _save_pair(store)
    with pytest.raises(InputError, match="cannot be the base"):
        store.save_snapshot(full, record(LATER), as_of=dt.date(2024, 5, 1), over=later)
