"""Golden, hand-checked customer metrics for every metric rule."""

from __future__ import annotations

import pandas as pd
import pytest

from rfmkit import engine
from rfmkit.backend import as_table
from rfmkit.errors import InputError
from tests.helpers import d, transactions_frame

AS_OF = d("2024-03-01")

# fmt: off
GOLDEN_ROWS = [
    # A: line items, a partial refund dated later, a fully refunded order, a row on as_of
    ("A", "A1", "2024-01-10", 30.0), ("A", "A1", "2024-01-10", 20.0),
    ("A", "A2", "2024-02-01", 40.0), ("A", "A2", "2024-02-05", -15.0),
    ("A", "A3", "2024-02-20", 80.0), ("A", "A3", "2024-02-22", -80.0),
    ("A", "A4", "2024-03-01", 100.0),
    # B: no order ids: each row is an order; a refund row lowers monetary only
    ("B", None, "2024-02-28", 10.0), ("B", None, "2024-02-29", 5.0), ("B", None, "2024-01-01", -3.0),
    # C: the only order is fully refunded: not scored, counted
    ("C", "C1", "2023-12-31", 60.0), ("C", "C1", "2023-12-31", -60.0),
    # D: bought only on/after as_of: not there at all
    ("D", "D1", "2024-03-05", 20.0),
    # E: the refund comes after as_of, so it does not count yet
    ("E", "E1", "2024-02-10", 50.0), ("E", "E1", "2024-03-02", -50.0),
]
# fmt: on

EXPECTED = pd.DataFrame(
    {
        "customer_id": ["A", "B", "E"],
        "recency_days": [29, 1, 20],
        "frequency": [2, 2, 1],
        "monetary": [75.0, 12.0, 50.0],
        "first_purchase": [d("2024-01-10"), d("2024-02-28"), d("2024-02-10")],
        "last_purchase": [d("2024-02-01"), d("2024-02-29"), d("2024-02-10")],
        "tenure_days": [51, 2, 20],
        "avg_order_value": [37.5, 6.0, 50.0],
    }
)


@pytest.fixture
def golden(con):
    return as_table(transactions_frame(GOLDEN_ROWS), con)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.sort_values("customer_id").reset_index(drop=True)
    for col in ("first_purchase", "last_purchase"):
        out[col] = pd.to_datetime(out[col]).dt.date
    return out


def test_golden_metrics(golden):
    result = _sorted(engine.metrics(golden, AS_OF).to_pandas())
    pd.testing.assert_frame_equal(result, EXPECTED, check_dtype=False)


def test_customers_without_positive_order_are_counted(golden):
    totals = engine.customer_totals(golden, AS_OF).to_pandas()
    assert totals.loc[totals.frequency == 0, "customer_id"].tolist() == ["C"]


def test_default_as_of_is_day_after_latest_transaction(golden):
    assert engine.default_as_of(golden) == d("2024-03-06")


def test_as_of_boundary_is_exclusive(con):
    table = as_table(transactions_frame([("A", "1", "2024-01-31", 10.0)]), con)
    assert engine.metrics(table, d("2024-01-31")).count().execute() == 0
    row = engine.metrics(table, d("2024-02-01")).to_pandas().iloc[0]
    assert row.recency_days == 1
    assert row.tenure_days == 1


def test_order_dated_by_earliest_row(con):
    rows = [("A", "1", "2024-01-05", 10.0), ("A", "1", "2024-01-02", 5.0)]
    row = engine.metrics(as_table(transactions_frame(rows), con), d("2024-01-10")).to_pandas()
    assert row.iloc[0].recency_days == 8
    assert row.iloc[0].frequency == 1
    assert row.iloc[0].monetary == 15.0


def test_missing_order_id_column_means_each_row_is_an_order(con):
    frame = transactions_frame([("A", None, "2024-01-01", 1.0), ("A", None, "2024-01-01", 2.0)])
    table = as_table(frame.drop(columns="order_id"), con)
    row = engine.metrics(table, d("2024-01-02")).to_pandas().iloc[0]
    assert (row.frequency, row.monetary) == (2, 3.0)


def test_default_as_of_on_empty_input_is_a_clear_error(con):
    empty = pd.DataFrame(
        {
            "customer_id": pd.Series([], dtype="str"),
            "order_date": pd.Series([], dtype="datetime64[s]"),
            "amount": pd.Series([], dtype="float64"),
        }
    )
    with pytest.raises(InputError, match="no dated transactions"):
        engine.default_as_of(as_table(empty, con))


def test_a_fully_refunded_order_nets_to_exactly_zero(con):
    # 0.66 + 3.25 + 4.20 + 2.40 - 10.51 is 1.8e-15 in floating point
    rows = [("A", "1", "2024-01-01", 40.29)] + [
        ("A", "2", "2024-01-08", x) for x in (0.66, 3.25, 4.20, 2.40, -10.51)
    ]
    row = (
        engine.metrics(as_table(transactions_frame(rows), con), d("2024-02-01")).to_pandas().iloc[0]
    )
    assert row.frequency == 1
    assert row.monetary == 40.29


@pytest.mark.parametrize("keyed", ["some", "all", "none"])
def test_known_order_id_coverage_gives_the_same_metrics(con, keyed):
    rows = (
        [r for r in GOLDEN_ROWS if (r[1] is None) == (keyed == "none")]
        if keyed != "some"
        else GOLDEN_ROWS
    )
    schema = {
        "customer_id": "string",
        "order_id": "string",
        "order_date": "date",
        "amount": "float64",
    }
    table = con.create_table(f"golden_{keyed}", schema=schema, temp=True)
    con.insert(f"golden_{keyed}", transactions_frame(rows))
    told = engine.customer_totals(table, AS_OF, keyed=keyed)
    if keyed == "some":  # the general path: against the hand-checked golden metrics
        metrics = _sorted(engine.scorable(told, AS_OF).to_pandas())[list(EXPECTED.columns)]
        pd.testing.assert_frame_equal(metrics, EXPECTED, check_dtype=False)
        return
    general = engine.customer_totals(table, AS_OF, keyed="some").to_pandas()
    pd.testing.assert_frame_equal(_sorted(told.to_pandas()), _sorted(general))
