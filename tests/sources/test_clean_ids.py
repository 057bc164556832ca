"""Typed sources: ids are cleaned exactly when some need it (decided by one pass)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rfmkit.backend import connect
from rfmkit.sources import load_transactions
from rfmkit.sources.columns import resolve
from rfmkit.sources.combine import clean_text_fields


def frame(customers, orders):
    return pd.DataFrame(
        {
            "customer_id": customers,
            "order_id": orders,
            "order_date": [dt.date(2024, 1, 1)] * len(customers),
            "amount": [1.0] * len(customers),
        }
    )


def test_clean_sources_are_recognised():
    con = connect()
    columns = resolve(["customer_id", "order_id", "order_date", "amount"], {})
    clean = con.create_table("clean", frame(["1001", "A-2", None], ["o1", "o 2", "o3"]))
    assert clean_text_fields(clean, columns) == {"customer", "order"}
    dirty = con.create_table("dirty", frame([" 1001", "1002.0", "x"], [" o1", "o2", ""]))
    assert clean_text_fields(dirty, columns) == set()


def test_dirty_typed_ids_are_still_normalised():
    data = frame([" 1001", "1001.0", "1002"], ["o1 ", "o2", "o3"])
    loaded = load_transactions(data, con=connect())
    result = loaded.transactions.to_pandas().sort_values("order_id")
    assert result.customer_id.tolist() == ["1001", "1001", "1002"]
    assert result.order_id.tolist() == ["o1", "o2", "o3"]
