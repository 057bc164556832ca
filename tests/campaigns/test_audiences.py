"""Audiences: frozen selections in the store, exports with contacts, suppression always."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import ibis
import pandas as pd
import pytest

from rfmkit.campaigns.audiences import (
    AudienceFilters,
    audience_members,
    create_audience,
    export_audience,
    list_audiences,
    parse_ranges,
    push_audience,
    select_customers,
    show_audience,
)
from rfmkit.campaigns.suppression import add_suppressions, apply_suppression
from rfmkit.errors import ConfigError, InputError, StoreError
from rfmkit.store import Store, open_store
from tests.delivery.conftest import clock, endpoint
from tests.delivery.endpoint import FakeClock, FakeEndpoint
from tests.delivery.helpers import SECRET, destination

__all__ = ["clock", "endpoint"]  # fixtures of the delivery tests, used here too

Q1, Q2 = dt.date(2024, 4, 1), dt.date(2024, 7, 1)


def customers(rows: dict[str, tuple[str, float, float]], as_of: dt.date) -> pd.DataFrame:
    """A scored customer table from ``{id: (segment, rfm_score, p_alive)}``."""
    ids = list(rows)
    n = len(ids)
    return pd.DataFrame(
        {
            "customer_id": ids,
            "recency_days": [10] * n,
            "frequency": [2] * n,
            "monetary": [100.0] * n,
            "r_score": [3] * n,
            "f_score": [3] * n,
            "m_score": [3] * n,
            "rfm_code": ["333"] * n,
            "rfm_score": [rows[c][1] for c in ids],
            "segment": [rows[c][0] for c in ids],
            "segment_label": [rows[c][0].title() for c in ids],
            "first_purchase": [as_of - dt.timedelta(days=100)] * n,
            "last_purchase": [as_of - dt.timedelta(days=10)] * n,
            "tenure_days": [100] * n,
            "avg_order_value": [50.0] * n,
            "p_alive": [rows[c][2] for c in ids],
            "owner": ["li" if c in ("c1", "c2") else "wang" for c in ids],
        }
    )


FIRST = {
    "c1": ("gold", 4.0, 0.9),
    "c2": ("gold", 3.0, 0.2),
    "c3": ("silver", 2.0, 0.8),
    "c4": ("gold", 4.5, 0.7),
    "c5": ("sleeping", 1.0, 0.1),
}
LATER = {c: ("sleeping", 1.0, 0.1) for c in ("c1", "c2", "c3", "c4", "c5", "c6")}


def save(store: Store, rows: dict[str, tuple[str, float, float]], as_of: dt.date) -> None:
    store.save_snapshot(customers(rows, as_of), {"scheme": "tier5"}, as_of=as_of)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "shop.duckdb") as opened:
        save(opened, FIRST, Q1)
        yield opened


def _ids(table: ibis.Table) -> list[str]:
    return sorted(table.to_pandas()["customer_id"])


def test_filters_select_in_the_engine(store: Store) -> None:
    table = store.customers(Q1)
    assert _ids(select_customers(table, AudienceFilters(segments=("gold",)))) == ["c1", "c2", "c4"]
    chosen = AudienceFilters(segments=("gold",), ranges={"p_alive": (0.5, None)})
    assert _ids(select_customers(table, chosen)) == ["c1", "c4"]
    bounded = AudienceFilters(ranges={"rfm_score": (2.0, 4.0)})  # inclusive
    assert _ids(select_customers(table, bounded)) == ["c1", "c2", "c3"]
    assert _ids(select_customers(table, AudienceFilters(owners=("li",)))) == ["c1", "c2"]


def test_lifecycle_filter_needs_the_column(con: ibis.BaseBackend, store: Store) -> None:
    with pytest.raises(ConfigError, match="no column 'lifecycle_stage'"):
        select_customers(store.customers(Q1), AudienceFilters(lifecycle_stages=("at_risk",)))
    staged = con.create_table(
        "staged", pd.DataFrame({"customer_id": ["a", "b"], "lifecycle_stage": ["at_risk", "new"]})
    )
    assert _ids(select_customers(staged, AudienceFilters(lifecycle_stages=("at_risk",)))) == ["a"]


def test_an_audience_stays_frozen_across_later_snapshots(store: Store) -> None:
    info = create_audience(store, "winback", Q1, segments=["gold"], ranges={"p_alive": (0.5, None)})
    assert (info.customers, info.as_of) == (2, Q1)
    save(store, LATER, Q2)  # a later snapshot
    save(store, LATER, Q1)  # the same date saved again, everyone moved
    assert _ids(audience_members(store, "winback")) == ["c1", "c4"]
    members = audience_members(store, "winback").to_pandas().set_index("customer_id")
    assert members.loc["c1", "segment"] == "gold"  # the row as it was
    assert members.loc["c4", "p_alive"] == 0.7


def test_list_show_and_replace(store: Store) -> None:
    assert list_audiences(store) == []
    create_audience(store, "b-gold", Q1, segments=["gold"])
    create_audience(store, "a-silver", Q1, {"segments": ["silver"]})
    assert [a.name for a in list_audiences(store)] == ["a-silver", "b-gold"]
    shown = show_audience(store, "b-gold")
    assert shown.filters.segments == ("gold",)
    assert shown.customers == 3
    with pytest.raises(ConfigError, match="already an audience 'b-gold'"):
        create_audience(store, "b-gold", Q1, segments=["silver"])
    replaced = create_audience(store, "b-gold", Q1, segments=["silver"], replace=True)
    assert replaced.customers == 1
    assert _ids(audience_members(store, "b-gold")) == ["c3"]
    with pytest.raises(StoreError, match="no audience 'nope'"):
        show_audience(store, "nope")
    with pytest.raises(StoreError, match="no snapshot of 2024-01-01"):
        create_audience(store, "x", "2024-01-01")
    with pytest.raises(ConfigError, match="Invalid audience filter"):
        create_audience(store, "x", Q1, segment=["gold"])


CONTACTS = pd.DataFrame(
    {
        "customer_id": ["c1", "c1", "c2", "c3", "c4"],
        "phone": ["+86 138-0013-8000", None, "13900139000", "008613700137000", "13600136000"],
        "email": ["Li@Example.com ", None, None, "c3@shop.cn", "c4@shop.cn"],
    }
)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_export_hashes_and_drops_raw_contacts(store: Store, tmp_path: Path) -> None:
    create_audience(store, "gold", Q1, segments=["gold"])
    out = tmp_path / "list.csv"
    result = export_audience(store, "gold", out, contacts=CONTACTS, hash="sha256", no_pii=True)
    assert (result.rows, result.suppressed) == (3, 0)
    rows = {r["customer_id"]: r for r in _read(out)}
    assert "phone" not in rows["c1"] and "email" not in rows["c1"]
    assert rows["c1"]["phone_sha256"] == hashlib.sha256(b"+8613800138000").hexdigest()
    assert rows["c1"]["email_sha256"] == hashlib.sha256(b"li@example.com").hexdigest()
    assert rows["c2"]["phone_sha256"] == hashlib.sha256(b"+8613900139000").hexdigest()
    assert rows["c2"]["email_sha256"] == ""


def test_suppression_applies_to_every_export(store: Store, tmp_path: Path) -> None:
    create_audience(store, "gold", Q1, segments=["gold"])
    # the store's list: c2 by customer id
    assert add_suppressions(store, pd.DataFrame({"customer_id": ["c2"]}), reason="opt-out") == 1
    plain = export_audience(store, "gold", tmp_path / "a.csv")
    assert (plain.rows, plain.suppressed) == (2, 1)
    assert sorted(r["customer_id"] for r in _read(tmp_path / "a.csv")) == ["c1", "c4"]
    # one more for this export: c4 by phone written another way
    extra = pd.DataFrame({"phone": ["+86 136 0013 6000"]})
    result = export_audience(store, "gold", tmp_path / "b.csv", contacts=CONTACTS, suppress=extra)
    assert (result.rows, result.suppressed) == (1, 2)
    rows = _read(tmp_path / "b.csv")
    assert [(r["customer_id"], r["phone"]) for r in rows] == [("c1", "+8613800138000")]


def test_csv_cells_are_neutralised_but_phones_stay_e164(store: Store, tmp_path: Path) -> None:
    risky = customers({"=cmd()": ("gold", 4.0, 0.9), "c9": ("gold", 4.0, 0.9)}, Q2)
    store.save_snapshot(risky, {"scheme": "tier5"}, as_of=Q2)
    create_audience(store, "risky", Q2)
    contacts = pd.DataFrame({"customer_id": ["=cmd()", "c9"], "phone": ["13800138000", "-1"]})
    export_audience(store, "risky", tmp_path / "r.csv", contacts=contacts)
    rows = {r["customer_id"]: r["phone"] for r in _read(tmp_path / "r.csv")}
    assert rows == {"'=cmd()": "+8613800138000", "c9": ""}  # "-1" is no phone: empty
    export_audience(store, "risky", tmp_path / "raw.csv", contacts=contacts, raw_cells=True)
    assert {r["customer_id"] for r in _read(tmp_path / "raw.csv")} == {"=cmd()", "c9"}


def test_suppression_by_email_is_normalised(con: ibis.BaseBackend) -> None:
    table = con.create_table(
        "people",
        pd.DataFrame({"customer_id": ["a", "b", "c"], "email": ["A@X.cn", "b@x.cn", None]}),
    )
    kept, removed = apply_suppression(table, pd.DataFrame({"email": [" a@x.CN"]}))
    assert removed == 1
    assert _ids(kept) == ["b", "c"]
    with pytest.raises(InputError, match="none of the columns"):
        apply_suppression(table, pd.DataFrame({"name": ["x"]}))


def test_parse_ranges() -> None:
    assert parse_ranges(["clv=500", "p_alive=0.5"], ["recency_days=90", "clv=2000"]) == {
        "clv": (500.0, 2000.0),
        "p_alive": (0.5, None),
        "recency_days": (None, 90.0),
    }
    with pytest.raises(ConfigError, match="COLUMN=NUMBER"):
        parse_ranges(["clv"])


def test_push_sends_each_unsuppressed_customer_once(
    store: Store, endpoint: FakeEndpoint, clock: FakeClock
) -> None:
    create_audience(store, "gold", Q1, segments=["gold"])
    add_suppressions(store, pd.DataFrame({"customer_id": ["c2"]}))
    hook = destination("webhook", endpoint.url, max_items=1)
    endpoint.webhook_secret = SECRET
    report, suppressed = push_audience(
        store, "gold", hook, contacts=CONTACTS, hash="sha256", no_pii=True, clock=clock
    )
    assert report.ok and suppressed == 1
    sent = [c for r in endpoint.requests for c in r.json["data"]["customers"]]
    assert [c["customer_id"] for c in sent] == ["c1", "c4"]
    assert sent[0]["phone_sha256"] == hashlib.sha256(b"+8613800138000").hexdigest()
    assert "phone" not in sent[0]
    assert all(r.json["type"] == "rfmkit.audience" and r.signature_ok for r in endpoint.requests)
    again, _ = push_audience(store, "gold", hook, contacts=CONTACTS, clock=clock)
    assert again.skipped == {"webhook": 2}  # the store's delivery log remembers
    assert len(endpoint.requests) == 2
