"""Campaign measurement on a hand-made order log: exact rates, lift, ROI, z, p and CI."""

from __future__ import annotations

import datetime as dt
import math

import ibis
import pandas as pd
import pytest

from rfmkit.campaigns.measure import MEASURE_COLUMNS, measure, responses
from rfmkit.errors import InputError

SEND = dt.date(2024, 3, 1)  # window of 14 days: 2024-03-01 up to 2024-03-14

ASSIGNMENTS = pd.DataFrame(
    [
        ("t1", "treatment", "A"),
        ("t2", "treatment", "A"),
        ("t3", "treatment", "A"),
        ("t4", "Treatment ", "A"),  # spelled loosely: still treatment
        ("c1", "control", "A"),
        ("c2", "control", "A"),
        ("c3", "control", "A"),
        ("c4", "control", "A"),
        ("t5", "treatment", "B"),
        ("t6", "treatment", "B"),
        ("c5", "control", "B"),
        ("c6", "control", "B"),
        ("g1", "global_control", "A"),  # never measured
    ],
    columns=["customer_id", "group", "segment"],
)
ORDERS = [
    ("t1", "o1", "2024-03-15", 100.0),  # the day the window ends: not counted
    ("t2", "o2", "2024-03-01", 10.0),  # the send date: counted
    ("t3", "o3", "2024-03-14", 12.0),  # two rows of one order
    ("t3", "o3", "2024-03-14", 8.0),
    ("t4", "o4", "2024-03-05", 15.0),  # two orders: a repurchaser
    ("t4", "o5", "2024-03-06", 5.0),
    ("t4", "o6", "2024-03-07", -5.0),  # a refund is no response and not netted
    ("c1", "o7", "2024-02-29", 50.0),  # before the send date
    ("c2", "o8", "2024-03-02", 10.0),
    ("t5", "o9", "2024-03-03", 10.0),
    ("g1", "o10", "2024-03-03", 999.0),
]


@pytest.fixture
def transactions(con: ibis.BaseBackend) -> ibis.Table:
    frame = pd.DataFrame(ORDERS, columns=["customer_id", "order_id", "order_date", "amount"])
    frame["order_date"] = pd.to_datetime(frame["order_date"]).dt.date
    return con.create_table("orders", frame)


@pytest.fixture
def result(transactions: ibis.Table) -> pd.DataFrame:
    return measure(ASSIGNMENTS, transactions, SEND, 14, cost=12.0, margin=0.5, lang="en")


def _row(result: pd.DataFrame, segment: str | None) -> pd.Series:
    if segment is None:
        return result[result["scope"] == "overall"].iloc[0]
    return result[result["segment"] == segment].iloc[0]


def test_shape_and_order(result: pd.DataFrame) -> None:
    assert list(result.columns) == list(MEASURE_COLUMNS)
    assert list(result["scope"]) == ["segment", "segment", "overall"]
    assert list(result["segment"][:2]) == ["A", "B"]
    assert pd.isna(result["segment"].iloc[2])


def test_segment_a_by_hand(result: pd.DataFrame) -> None:
    a = _row(result, "A")
    assert (a["customers_treatment"], a["customers_control"]) == (4, 4)
    assert (a["responders_treatment"], a["responders_control"]) == (3, 1)
    assert a["response_rate_treatment"] == 0.75
    assert a["response_rate_control"] == 0.25
    assert a["repurchase_rate_treatment"] == 0.25
    assert a["repurchase_rate_control"] == 0.0
    assert a["revenue_treatment"] == 50.0  # 10 + 20 + 20; the refund and t1 left out
    assert a["revenue_control"] == 10.0
    assert a["revenue_per_customer_treatment"] == 12.5
    assert a["revenue_per_customer_control"] == 2.5
    assert a["lift"] == 0.5
    assert a["relative_lift"] == 2.0
    assert a["z"] == pytest.approx(math.sqrt(2))
    assert a["p_value"] == pytest.approx(0.157299, abs=1e-6)
    assert a["ci_low"] == pytest.approx(-0.100114, abs=1e-6)
    assert a["ci_high"] == pytest.approx(1.100114, abs=1e-6)
    assert a["incremental_revenue"] == 40.0  # (12.5 - 2.5) x 4
    assert a["cost"] == 8.0  # 12 x 4 / 6 treated
    assert a["roi"] == 1.5  # (40 x 0.5 - 8) / 8
    assert a["revenue_lift"] == 10.0


def test_segment_b_by_hand(result: pd.DataFrame) -> None:
    b = _row(result, "B")
    assert (b["responders_treatment"], b["responders_control"]) == (1, 0)
    assert b["response_rate_treatment"] == 0.5
    assert pd.isna(b["relative_lift"])  # control rate 0
    assert b["incremental_revenue"] == 10.0
    assert b["cost"] == 4.0
    assert b["roi"] == 0.25  # (10 x 0.5 - 4) / 4
    # revenues [10, 0] vs [0, 0]: se 5, one degree of freedom
    assert b["revenue_t"] == pytest.approx(1.0)
    assert b["revenue_df"] == pytest.approx(1.0)
    assert b["revenue_p_value"] == pytest.approx(0.5)
    assert b["revenue_ci_low"] == pytest.approx(5 - 12.706204736 * 5)


def test_overall_row_by_hand(result: pd.DataFrame) -> None:
    total = _row(result, None)
    assert (total["customers_treatment"], total["customers_control"]) == (6, 6)
    assert (total["responders_treatment"], total["responders_control"]) == (4, 1)
    assert total["revenue_per_customer_treatment"] == 10.0
    assert total["revenue_per_customer_control"] == pytest.approx(10 / 6)
    assert total["incremental_revenue"] == pytest.approx(50.0)
    assert total["cost"] == 12.0
    assert total["roi"] == pytest.approx(13 / 12)  # (50 x 0.5 - 12) / 12
    # pooled 5/12: z = 0.5 / sqrt(5/12 * 7/12 * 2/6)
    assert total["z"] == pytest.approx(0.5 / math.sqrt(5 / 12 * 7 / 12 / 3))


def test_small_groups_carry_a_warning(result: pd.DataFrame) -> None:
    assert result["warning"].notna().all()
    assert "percentage points" in _row(result, "A")["warning"]
    assert _row(result, None)["mde"] == pytest.approx(
        2.801585 * math.sqrt(5 / 12 * 7 / 12 / 3), rel=1e-6
    )


def test_without_segments_and_without_cost(transactions: ibis.Table) -> None:
    plain = ASSIGNMENTS.drop(columns="segment")
    result = measure(plain, transactions, SEND, 14)
    assert result["segment"].iloc[0] == "all"
    assert pd.isna(result["segment"].iloc[1])
    assert pd.isna(result["roi"]).all()
    assert result["cost"].eq(0.0).all()


def test_responders_come_from_the_engine(transactions: ibis.Table) -> None:
    frame = responses(transactions, SEND, 14).to_pandas().set_index("customer_id")
    assert sorted(frame.index) == ["c2", "g1", "t2", "t3", "t4", "t5"]
    assert frame.loc["t4", "orders"] == 2
    assert frame.loc["t3", "orders"] == 1
    assert frame.loc["t3", "revenue"] == 20.0


def test_a_longer_window_counts_the_last_day(transactions: ibis.Table) -> None:
    result = measure(ASSIGNMENTS, transactions, SEND, 15)
    assert _row(result, "A")["responders_treatment"] == 4


def test_bad_assignments_are_input_errors(transactions: ibis.Table) -> None:
    with pytest.raises(InputError, match="lack the column"):
        measure(ASSIGNMENTS.drop(columns="group"), transactions, SEND, 14)
    twice = pd.concat([ASSIGNMENTS, ASSIGNMENTS.iloc[:1]], ignore_index=True)
    with pytest.raises(InputError, match="1 customer"):
        measure(twice, transactions, SEND, 14)
    with pytest.raises(InputError, match="at least one day"):
        measure(ASSIGNMENTS, transactions, SEND, 0)
