"""Model inputs built in the engine from a transaction log."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest

from rfmkit.backend import as_table
from rfmkit.errors import ConfigError
from rfmkit.models import model_inputs, unit_days
from rfmkit.models.data import INPUT_COLUMNS

D = dt.date


def log(rows: list[tuple[str, dt.date, float, str | None]]) -> ibis.Table:
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount", "order_id"])
    frame["order_id"] = frame["order_id"].astype("string")
    return as_table(frame)


def test_rules_for_orders_days_refunds_and_as_of() -> None:
    table = log(
        [
            ("a", D(2024, 1, 1), 10.0, None),
            ("a", D(2024, 1, 1), 5.0, None),  # same day: one purchase of 15
            ("a", D(2024, 1, 8), 20.0, "o1"),
            ("a", D(2024, 1, 9), 4.0, "o1"),  # same order, dated by its first row
            ("a", D(2024, 1, 15), 30.0, "o2"),
            ("a", D(2024, 1, 15), -30.0, "o2"),  # fully refunded: not a purchase
            ("a", D(2024, 1, 29), 50.0, None),  # on as_of: not observed
            ("b", D(2024, 1, 20), 7.0, None),
            ("c", D(2024, 1, 3), -5.0, None),  # only a refund: no purchase
        ]
    )
    inputs = model_inputs(table, as_of=D(2024, 1, 29), time_unit="D").set_index("customer_id")
    assert list(inputs.reset_index().columns) == list(INPUT_COLUMNS)
    assert sorted(inputs.index) == ["a", "b"]
    a, b = inputs.loc["a"], inputs.loc["b"]
    assert a["repeat_purchases"] == 1
    assert a["recency"] == 7.0  # Jan 1 -> Jan 8
    assert a["T"] == 27.0  # Jan 1 -> Jan 28, the last observed day
    assert a["avg_repeat_value"] == 24.0  # the repeat purchase, first day excluded
    assert b["repeat_purchases"] == 0 and b["recency"] == 0.0 and b["T"] == 8.0
    assert np.isnan(b["avg_repeat_value"])


def test_time_units() -> None:
    assert unit_days("W") == 7 and unit_days("days") == 1 and unit_days(30.5) == 30.5
    with pytest.raises(ConfigError, match="Unknown time unit 'fortnight'"):
        unit_days("fortnight")


def test_cdnow_inputs_match_the_papers_inputs(
    cdnow_table: ibis.Table, cdnow_summary: pd.DataFrame, calibration_end: dt.date
) -> None:
    """Same as the pandas reference, except the 8 customers whose only purchase cost $0.

    rfmkit does not count an order with a net amount <= 0 as a purchase; the
    papers counted every CD bought.
    """
    inputs = model_inputs(cdnow_table, as_of=calibration_end).set_index("customer_id")
    assert len(inputs) == 2349
    reference = cdnow_summary.loc[inputs.index]
    np.testing.assert_array_equal(inputs["repeat_purchases"], reference["x"])
    np.testing.assert_allclose(inputs["recency"], reference["tx"])
    np.testing.assert_allclose(inputs["T"], reference["T"])
    np.testing.assert_allclose(inputs["avg_repeat_value"], reference["m"])
    dropped = cdnow_summary.index.difference(inputs.index)
    assert len(dropped) == 8 and (cdnow_summary.loc[dropped, "x"] == 0).all()
