"""Campaigns in the store: holdout drawn on an audience less the suppressed, measured later."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import ibis
import pandas as pd
import pytest

from rfmkit.campaigns.audiences import create_audience
from rfmkit.campaigns.campaign import (
    campaign_assignments,
    campaign_history,
    create_campaign,
    measure_campaign,
    show_campaign,
)
from rfmkit.campaigns.holdout import hash_unit_text
from rfmkit.campaigns.suppression import add_suppressions
from rfmkit.errors import ConfigError, StoreError
from rfmkit.store import Store, open_store
from tests.campaigns.test_audiences import customers

AS_OF = dt.date(2024, 4, 1)
SEND = dt.date(2024, 4, 10)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    rows = {f"c{i:02d}": ("gold" if i < 20 else "silver", 3.0, 0.5) for i in range(30)}
    with open_store(tmp_path / "shop.duckdb") as opened:
        opened.save_snapshot(customers(rows, AS_OF), {"scheme": "tier5"}, as_of=AS_OF)
        create_audience(opened, "all", AS_OF)
        yield opened


def test_create_stores_a_stratified_holdout(store: Store) -> None:
    add_suppressions(store, pd.DataFrame({"customer_id": ["c00"]}))
    info = create_campaign(
        store, "spring", audience="all", send_date=SEND, window_days=14, holdout="10%", cost=50
    )
    # 19 gold (c00 suppressed) -> 2 control; 10 silver -> 1 control
    assert (info.treatment, info.control, info.suppressed) == (26, 3, 1)
    assert info.warning is not None  # far too small to detect one point
    frame = campaign_assignments(store, "spring").to_pandas()
    assert "c00" not in set(frame["customer_id"])
    gold = frame[frame["segment"] == "gold"]
    lowest = sorted(gold["customer_id"], key=lambda c: hash_unit_text(f"spring:{c}"))[:2]
    assert set(gold.loc[gold["group"] == "control", "customer_id"]) == set(lowest)
    assert show_campaign(store, "spring").cost == 50.0
    with pytest.raises(ConfigError, match="already a campaign 'spring'"):
        create_campaign(store, "spring", audience="all", send_date=SEND, window_days=14)
    with pytest.raises(StoreError, match="no audience 'none'"):
        create_campaign(store, "x", audience="none", send_date=SEND, window_days=14)


def test_measure_reads_the_stored_groups_and_keeps_the_result(
    store: Store, con: ibis.BaseBackend
) -> None:
    create_campaign(
        store, "spring", audience="all", send_date=SEND, window_days=14, cost=10, margin=0.5
    )
    groups = campaign_assignments(store, "spring").to_pandas().set_index("customer_id")["group"]
    treated = [c for c, grp in groups.items() if grp == "treatment"][:3]
    held = [c for c, grp in groups.items() if grp == "control"][:1]
    orders = pd.DataFrame(
        {
            "customer_id": treated + held,
            "order_date": [SEND + dt.timedelta(days=1)] * 4,
            "amount": [20.0] * 4,
        }
    )
    result = measure_campaign(store, "spring", con.create_table("orders", orders), lang="en")
    overall = result[result["scope"] == "overall"].iloc[0]
    assert (overall["responders_treatment"], overall["responders_control"]) == (3, 1)
    assert overall["customers_treatment"] + overall["customers_control"] == 30
    history = campaign_history(store, "spring")
    assert len(history) == 1
    assert history[0][1][-1]["responders_treatment"] == 3
