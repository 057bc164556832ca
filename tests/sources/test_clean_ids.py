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


def test_reloading_with_clean_ids():
    data = frame(["1001", " 1001"], ["o1", "o2"])
    checked = load_transactions(data, con=connect())
    assert checked.cleaning_ids() is checked  # checked row by row already
    trusted = load_transactions(data, con=connect(), check_ids=False)
    assert trusted.trusted_ids == {"customer", "order"}
    assert "ids_need_cleaning" not in trusted.quality.sources[0].detected
    cleaned = trusted.cleaning_ids()
    assert cleaned.trusted_ids == frozenset()
    assert cleaned.quality.sources[0].detected["ids_need_cleaning"] is True
    assert cleaned.transactions.to_pandas().customer_id.tolist() == ["1001", "1001"]


def test_dirty_typed_ids_are_still_normalised_and_reported():
    data = frame([" 1001", "1001.0", "1002", ""], ["o1 ", "o2", "o3", "o4"])
    loaded = load_transactions(data, con=connect())
    assert loaded.quality.sources[0].detected["ids_need_cleaning"] is True
    result = loaded.transactions.to_pandas().sort_values("order_id")
    assert result.customer_id.tolist() == ["1001", "1001", "1002"]
    assert result.order_id.tolist() == ["o1", "o2", "o3"]
    assert loaded.quality.rule("missing_customer").count == 1  # the empty id


def test_scoring_checks_trusted_ids_per_customer_and_order():
    """score() reads typed ids as they are and checks them once grouped, not per row."""
    import rfmkit

    clean = frame(["1001", "1001", "1002"], ["o1", "o2", "o3"])
    result = rfmkit.score(clean, as_of="2024-01-02")
    assert "ids_need_cleaning" not in result.quality.sources[0].detected
    # one dirty order id only: "o1 " and "o1" are the same order of 1001
    dirty_order = frame(["1001", "1001", "1002"], ["o1", "o1 ", "o3"])
    result = rfmkit.score(dirty_order, as_of="2024-01-02")
    assert result.quality.sources[0].detected["ids_need_cleaning"] is True
    by_id = result.to_pandas().set_index("customer_id")
    assert by_id.loc["1001", "frequency"] == 1
    assert by_id.loc["1001", "monetary"] == 2.0


def test_scoring_cleans_trusted_customer_ids_that_need_it():
    import rfmkit

    data = frame([" 1001", "1001.0", "1002", ""], ["o1", "o2", "o3", "o4"])
    result = rfmkit.score(data, as_of="2024-01-02")
    assert result.quality.sources[0].detected["ids_need_cleaning"] is True
    assert result.quality.rule("missing_customer").count == 1
    by_id = result.to_pandas().set_index("customer_id")
    assert sorted(by_id.index) == ["1001", "1002"]
    assert by_id.loc["1001", "frequency"] == 2


def test_customer_level_input_checks_trusted_ids():
    import rfmkit

    data = pd.DataFrame(
        {
            "customer_id": ["1001.0", "1002", "1003"],
            "last_purchase": [dt.date(2024, 1, 1)] * 3,
            "frequency": [2, 1, 3],
            "monetary": [10.0, 5.0, 7.0],
        }
    )
    result = rfmkit.score(data, as_of="2024-01-02", level="customers")
    assert sorted(result.to_pandas().customer_id) == ["1001", "1002", "1003"]
