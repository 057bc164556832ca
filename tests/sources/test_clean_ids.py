"""Typed sources: ids are trusted to be clean, and cleaned when some are not."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rfmkit.backend import connect
from rfmkit.sources import load_transactions


def frame(customers, orders):
    return pd.DataFrame(
        {
            "customer_id": customers,
            "order_id": orders,
            "order_date": [dt.date(2024, 1, 1)] * len(customers),
            "amount": [1.0] * len(customers),
        }
    )


def test_clean_typed_ids_are_read_as_they_are():
    loaded = load_transactions(frame(["1001", "A-2", None], ["o1", "o 2", "o3"]), con=connect())
    assert "ids_need_cleaning" not in loaded.quality.sources[0].detected
    result = loaded.transactions.to_pandas().sort_values("order_id")
    assert result.customer_id.tolist() == ["A-2", "1001"]
    assert loaded.quality.rule("missing_customer").count == 1


def test_dirty_typed_ids_are_still_normalised_and_reported():
    data = frame([" 1001", "1001.0", "1002", ""], ["o1 ", "o2", "o3", "o4"])
    loaded = load_transactions(data, con=connect())
    assert loaded.quality.sources[0].detected["ids_need_cleaning"] is True
    result = loaded.transactions.to_pandas().sort_values("order_id")
    assert result.customer_id.tolist() == ["1001", "1001", "1002"]
    assert result.order_id.tolist() == ["o1", "o2", "o3"]
    assert loaded.quality.rule("missing_customer").count == 1  # the empty id
