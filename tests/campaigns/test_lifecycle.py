"""Lifecycle stages on hand-made customers: every stage, every boundary."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pandas as pd
import pytest

from rfmkit.campaigns import (
    LifecycleOptions,
    lifecycle_stage,
    onboarding_action,
    stage_summary,
    with_onboarding_action,
)
from rfmkit.campaigns.lifecycle import STAGES, lifecycle_options
from rfmkit.errors import ConfigError

AS_OF = dt.date(2024, 7, 1)

#: Purchase days of each customer, as days before AS_OF. With the default
#: options (new 30 days, factors 2 and 4, intervals at least 7 days) the
#: customers with two or more purchase days have the intervals
#: 1 (floored), 20 x 5, 25, 96.67 and 380: the population interval is 20.
HISTORY: dict[str, list[int]] = {
    "new_edge": [30],  # age 30 = new_days: new
    "single_active": [31],  # population interval 20: at risk after 40
    "single_at_risk": [50],
    "single_lapsed": [81],
    "active": [100, 80, 60, 40, 20],  # interval 20: at risk after 40, lapsed after 80
    "at_risk_edge": [80, 60, 40],  # recency 40 = 2 x 20: still active
    "at_risk": [81, 61, 41],
    "lapsed_edge": [120, 100, 80],  # recency 80 = 4 x 20: at risk, not lapsed
    "lapsed": [121, 101, 81],
    "reactivated": [300, 290, 280, 10],  # before: every 10 days; back after 270
    "reactivated_edge": [100, 90, 50],  # last gap 40 = 4 x 10: active
    "reactivated_two": [400, 20],  # prior interval: the population's 20
    "floored": list(range(35, 9, -1)),  # daily: interval 1 floored to 7
}
EXPECTED = {
    "new_edge": "new",
    "single_active": "active",
    "single_at_risk": "at_risk",
    "single_lapsed": "lapsed",
    "active": "active",
    "at_risk_edge": "active",
    "at_risk": "at_risk",
    "lapsed_edge": "at_risk",
    "lapsed": "lapsed",
    "reactivated": "reactivated",
    "reactivated_edge": "active",
    "reactivated_two": "reactivated",
    "floored": "active",
    "refund_only": "insufficient_data",
}


def _orders(history: dict[str, list[int]]) -> pd.DataFrame:
    rows = [
        (cid, f"{cid}-{k}", AS_OF - dt.timedelta(days=days), 10.0)
        for cid, days_before in history.items()
        for k, days in enumerate(days_before)
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount"])
    return frame


@pytest.fixture
def tables(con: ibis.BaseBackend) -> tuple[ibis.Table, ibis.Table]:
    frame = _orders(HISTORY)
    extra = pd.DataFrame(
        [
            # a second order on the same day is the same purchase day
            ("active", "active-x", AS_OF - dt.timedelta(days=20), 5.0),
            # a refunded order is no purchase
            ("at_risk", "at_risk-r", AS_OF - dt.timedelta(days=5), -10.0),
            ("refund_only", "r1", AS_OF - dt.timedelta(days=5), -3.0),
            # on or after as_of: not seen
            ("lapsed", "lapsed-late", AS_OF, 99.0),
        ],
        columns=frame.columns,
    )
    transactions = con.create_table("tx", pd.concat([frame, extra], ignore_index=True))
    customers = con.create_table("cust", pd.DataFrame({"customer_id": sorted(EXPECTED)}))
    return customers, transactions


def _stages(table: ibis.Table) -> dict[str, str]:
    frame = table.to_pandas()
    return dict(zip(frame["customer_id"], frame["lifecycle_stage"], strict=True))


def test_every_stage_and_boundary(tables: tuple[ibis.Table, ibis.Table]) -> None:
    customers, transactions = tables
    assert _stages(lifecycle_stage(customers, transactions, AS_OF)) == EXPECTED


def test_details_show_the_numbers_behind_the_stage(
    tables: tuple[ibis.Table, ibis.Table],
) -> None:
    customers, transactions = tables
    frame = lifecycle_stage(customers, transactions, AS_OF, details=True).to_pandas()
    row = frame.set_index("customer_id")
    assert row.loc["active", "purchase_days"] == 5
    assert row.loc["active", "interval_days"] == 20.0
    assert row.loc["active", "at_risk_after_days"] == 40.0
    assert row.loc["active", "lapsed_after_days"] == 80.0
    assert row.loc["reactivated", "prior_interval_days"] == 10.0
    assert row.loc["reactivated", "last_gap_days"] == 270
    assert row.loc["single_at_risk", "at_risk_after_days"] == 40.0  # population 20 x 2
    assert row.loc["floored", "interval_days"] == 1.0
    assert row.loc["floored", "at_risk_after_days"] == 14.0  # floored to 7 days


def test_without_the_floor_a_daily_buyer_lapses_after_five_days(
    tables: tuple[ibis.Table, ibis.Table],
) -> None:
    customers, transactions = tables
    stages = _stages(lifecycle_stage(customers, transactions, AS_OF, min_interval_days=0))
    assert stages["floored"] == "lapsed"  # recency 10 > 4 x 1


def test_configured_days_replace_the_intervals(tables: tuple[ibis.Table, ibis.Table]) -> None:
    customers, transactions = tables
    stages = _stages(
        lifecycle_stage(customers, transactions, AS_OF, at_risk_days=30, lapsed_days=60)
    )
    assert stages["single_active"] == "at_risk"  # 31 > 30
    assert stages["single_at_risk"] == "at_risk"
    assert stages["active"] == "active"  # 20
    assert stages["at_risk_edge"] == "at_risk"  # 40 > 30
    assert stages["lapsed_edge"] == "lapsed"  # 80 > 60
    assert stages["reactivated_two"] == "reactivated"  # gap 380 > 60
    assert stages["reactivated_edge"] == "at_risk"  # recency 50 > 30
    assert stages["reactivated"] == "reactivated"  # gap 270 > 60, recency 10
    assert stages["new_edge"] == "new"


def test_new_days_moves_the_new_boundary(tables: tuple[ibis.Table, ibis.Table]) -> None:
    customers, transactions = tables
    stages = _stages(lifecycle_stage(customers, transactions, AS_OF, new_days=29))
    assert stages["new_edge"] == "active"  # single purchase 30 days ago, population 20
    stages = _stages(lifecycle_stage(customers, transactions, AS_OF, new_days=31))
    assert stages["single_active"] == "new"


def test_single_buyers_without_a_population_are_insufficient(con: ibis.BaseBackend) -> None:
    transactions = con.create_table("single", _orders({"x": [10], "y": [90], "z": [400]}))
    customers = transactions.select("customer_id")
    stages = _stages(lifecycle_stage(customers, transactions, AS_OF))
    assert stages == {"x": "new", "y": "insufficient_data", "z": "insufficient_data"}
    fixed = lifecycle_stage(customers, transactions, AS_OF, at_risk_days=60, lapsed_days=365)
    assert _stages(fixed) == {"x": "new", "y": "at_risk", "z": "lapsed"}


def test_summary_by_stage_counts_every_stage_in_order(
    tables: tuple[ibis.Table, ibis.Table],
) -> None:
    customers, transactions = tables
    staged = lifecycle_stage(customers, transactions, AS_OF)
    summary = stage_summary(staged, "en")
    assert list(summary["lifecycle_stage"]) == list(STAGES)
    counts = dict(zip(summary["lifecycle_stage"], summary["customers"], strict=True))
    assert counts == {
        "new": 1,
        "active": 5,
        "reactivated": 2,
        "at_risk": 3,
        "lapsed": 2,
        "insufficient_data": 1,
    }
    assert summary["customers_pct"].sum() == pytest.approx(100.0, abs=0.05)
    assert summary.loc[summary["lifecycle_stage"] == "new", "stage_label"].item() == "New"
    assert summary["revenue"].eq(0.0).all()  # no monetary column: no revenue


def test_summary_revenue_from_monetary(con: ibis.BaseBackend) -> None:
    table = con.create_table(
        "staged",
        pd.DataFrame(
            {
                "customer_id": ["a", "b", "c"],
                "lifecycle_stage": ["new", "new", "lapsed"],
                "recency_days": [3, 5, 200],
                "frequency": [1, 1, 4],
                "monetary": [10.0, 30.0, 60.0],
            }
        ),
    )
    summary = stage_summary(table, "zh").set_index("lifecycle_stage")
    assert summary.loc["new", "revenue"] == 40.0
    assert summary.loc["new", "revenue_pct"] == 40.0
    assert summary.loc["new", "mean_recency_days"] == 4.0
    assert summary.loc["new", "stage_label"] == "新客"
    assert summary.loc["active", "customers"] == 0


def test_new_customers_get_the_onboarding_action(con: ibis.BaseBackend) -> None:
    table = con.create_table(
        "acts",
        pd.DataFrame(
            {
                "customer_id": ["a", "b"],
                "lifecycle_stage": ["new", "lapsed"],
                "action": ["Send a win-back coupon", "Send a win-back coupon"],
            }
        ),
    )
    frame = with_onboarding_action(table, "en").to_pandas().set_index("customer_id")
    assert frame.loc["a", "action"] == onboarding_action("en")
    assert frame.loc["a", "action"].startswith("Onboard")
    assert frame.loc["b", "action"] == "Send a win-back coupon"
    added = with_onboarding_action(table.drop("action"), "zh").to_pandas()
    assert added["action"].tolist()[0] == onboarding_action("zh")
    assert pd.isna(added["action"].tolist()[1])


@pytest.mark.parametrize(
    ("given", "match"),
    [
        ({"at_risk_factor": 3.0, "lapsed_factor": 3.0}, "lapsed_factor must be greater"),
        ({"at_risk_days": 30}, "together"),
        ({"at_risk_days": 60, "lapsed_days": 60}, "lapsed_days must be greater"),
        ({"new_days": -1}, "new_days"),
    ],
)
def test_invalid_options_are_config_errors(given: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        lifecycle_options(**given)


def test_options_object_and_keywords_are_exclusive() -> None:
    with pytest.raises(ConfigError, match="either options= or single"):
        lifecycle_options(LifecycleOptions(), new_days=3)
