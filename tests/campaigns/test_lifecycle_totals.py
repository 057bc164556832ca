"""Lifecycle stages from the purchase days counted with the totals equal those from the orders.

``rfmkit score`` counts each customer's purchase days and previous purchase
day in the metrics pass (``customer_totals(..., purchase_days=True)``) instead
of reading the transactions again; the stages and the numbers behind them
must not change.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rfmkit import engine
from rfmkit.campaigns import lifecycle_stage
from rfmkit.campaigns.lifecycle import DETAIL_COLUMNS
from tests.campaigns.test_lifecycle import AS_OF, EXPECTED, HISTORY, _orders

OPTIONS = ({}, {"min_interval_days": 0}, {"at_risk_days": 30, "lapsed_days": 60})


def _both(con: ibis.BaseBackend, frame: pd.DataFrame, **options: object) -> tuple[dict, dict]:
    """Stages and details per customer: from the orders, and from the totals' counts."""
    transactions = ibis.memtable(frame)
    totals = engine.customer_totals(transactions, AS_OF, purchase_days=True)
    metrics = engine.scorable(totals, AS_OF)
    assert engine.PURCHASE_DAYS in metrics.columns
    plain = metrics.drop(engine.PURCHASE_DAYS, engine.PREVIOUS_PURCHASE)
    columns = ["customer_id", "lifecycle_stage", *DETAIL_COLUMNS]
    read = lifecycle_stage(plain, transactions, AS_OF, details=True, **options)
    counted = lifecycle_stage(metrics, None, AS_OF, details=True, **options)  # type: ignore[arg-type]
    return (_rows(con.execute(read.select(*columns))), _rows(con.execute(counted.select(*columns))))


def _rows(frame: pd.DataFrame) -> dict:
    frame = frame.astype(object).where(frame.notna(), None)
    return {row["customer_id"]: row for row in frame.to_dict("records")}


def test_counted_stages_equal_the_hand_made_expectations(con: ibis.BaseBackend) -> None:
    frame = _orders(HISTORY)
    same_day = pd.DataFrame(
        [("active", "active-x", AS_OF - dt.timedelta(days=20), 5.0)], columns=frame.columns
    )
    frame = pd.concat([frame, same_day], ignore_index=True)
    for options in OPTIONS:
        read, counted = _both(con, frame, **options)
        assert counted == read
    read, counted = _both(con, frame)
    assert {c: r["lifecycle_stage"] for c, r in counted.items()} == {
        c: s for c, s in EXPECTED.items() if c != "refund_only"
    }
    assert counted["active"]["purchase_days"] == 5  # two orders on one day: one purchase day


ORDER = st.tuples(
    st.integers(0, 5),  # customer
    st.integers(0, 400),  # days before as_of (0: on as_of, left out)
    st.sampled_from([12.5, 3.0, -3.0, -12.5, 0.0]),
    st.integers(0, 3),  # order number: lines of one order may fall on other days
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(ORDER, min_size=1, max_size=40))
def test_counted_stages_equal_read_stages(con: ibis.BaseBackend, rows: list) -> None:
    frame = pd.DataFrame(
        [
            (f"c{c}", f"c{c}-o{o}", AS_OF - dt.timedelta(days=days), amount)
            for c, days, amount, o in rows
        ],
        columns=["customer_id", "order_id", "order_date", "amount"],
    )
    for options in OPTIONS:
        read, counted = _both(con, frame, **options)
        assert counted == read
