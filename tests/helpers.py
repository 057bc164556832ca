"""Small builders shared by the tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def transactions_frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """Rows of (customer_id, order_id, order_date, amount) as a canonical frame."""
    frame = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount"])
    frame["order_date"] = [d(x) if isinstance(x, str) else x for x in frame["order_date"]]
    frame["amount"] = frame["amount"].astype("float64")
    frame["order_id"] = frame["order_id"].astype("object")
    return frame
