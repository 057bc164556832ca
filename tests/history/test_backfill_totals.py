"""The series totals of a back-fill equal the engine's customer totals of the rows before each date.

Hypothesis over random logs: several orders and line items on one day,
refunds dated in a later period than their order (the amount, and so the
order count, changes from one snapshot to the next), full refunds, rows
without an order id, dates exactly on a snapshot date.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rfmkit import engine
from rfmkit import glossary as g
from rfmkit.history.backfill import SeriesTotals
from rfmkit.sources import Loaded

START = dt.date(2024, 1, 1)
DATES = [dt.date(2024, 2, 1), dt.date(2024, 3, 1), dt.date(2024, 4, 1), dt.date(2024, 5, 1)]
COLUMNS = [
    g.CUSTOMER_ID,
    g.FREQUENCY,
    g.MONETARY,
    g.FIRST_PURCHASE,
    g.LAST_PURCHASE,
    engine.PURCHASE_DAYS,
    engine.PREVIOUS_PURCHASE,
]

row = st.tuples(
    st.integers(0, 5),  # customer
    st.integers(0, 6),  # order number
    st.integers(0, 125),  # day
    st.integers(-400, 2000),  # amount in cents
    st.booleans(),  # without order id
)


def _table(rows: list[tuple[int, int, int, int, bool]]) -> ibis.Table:
    frame = pd.DataFrame(
        [
            (
                f"c{c}",
                None if bare else f"o{c}-{o}",
                START + dt.timedelta(days=d),
                Decimal(a) / 100,
            )
            for c, o, d, a, bare in rows
        ],
        columns=[g.CUSTOMER_ID, g.ORDER_ID, g.ORDER_DATE, g.AMOUNT],
    )
    frame[g.ORDER_ID] = frame[g.ORDER_ID].astype("string")
    con = ibis.duckdb.connect()
    table = con.create_table("t", frame)
    table = table.mutate(**{g.AMOUNT: engine.money(table[g.AMOUNT], 2)})
    return table.filter(table[g.ORDER_DATE] < DATES[-1])


def _frame(table: ibis.Table) -> pd.DataFrame:
    frame = table.select(*COLUMNS).to_pandas()
    return frame.sort_values(g.CUSTOMER_ID).reset_index(drop=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(row, min_size=1, max_size=60))
def test_every_date_equals_the_engine_totals_of_the_cut_rows(rows) -> None:
    table = _table(rows)
    series = SeriesTotals.of(Loaded(table), DATES, 2)
    assert series is not None
    for day in DATES:
        engine_totals = engine.customer_totals(table, day, purchase_days=True)
        expected = _frame(engine.scorable(engine_totals, day))
        got = series.at(day)
        pd.testing.assert_frame_equal(_frame(got.metrics), expected, check_dtype=False)
        assert got.scorable == len(expected)
        customers = engine_totals.count().to_pyarrow().as_py()
        assert got.scorable + got.unscored == customers == got.loaded.quality.customers


def test_a_refund_after_the_cut_counts_only_from_the_next_date() -> None:
    # o1 on Jan 20 refunded in full on Feb 3: an order on Feb 1, none on Mar 1
    table = _table([(0, 1, 19, 500, False), (0, 1, 33, -500, False), (0, 2, 10, 300, False)])
    series = SeriesTotals.of(Loaded(table), DATES, 2)
    assert series is not None
    feb, mar = (_frame(series.at(d).metrics).iloc[0] for d in DATES[:2])
    assert (feb[g.FREQUENCY], feb[g.MONETARY]) == (2, 8.0)
    assert feb[engine.PREVIOUS_PURCHASE] == pd.Timestamp(2024, 1, 11)
    assert (mar[g.FREQUENCY], mar[g.MONETARY]) == (1, 3.0)
    assert pd.isna(mar[engine.PREVIOUS_PURCHASE])
    assert mar[engine.PURCHASE_DAYS] == 1


@pytest.mark.parametrize("day", DATES)
def test_an_empty_cut_has_no_customers(day) -> None:
    table = _table([(0, 1, 100, 500, False)])  # Apr 10: only the last date sees it
    series = SeriesTotals.of(Loaded(table), DATES, 2)
    assert series is not None
    assert series.at(day).scorable == (1 if day == DATES[-1] else 0)
