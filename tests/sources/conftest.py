"""Fixtures for the source tests: a fresh DuckDB per test and a messy-file corpus."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from rfmkit.backend import connect
from rfmkit.sources import Loaded, LoadOptions, load_transactions

TODAY = dt.date(2025, 1, 1)


@pytest.fixture
def con():  # type: ignore[no-untyped-def]
    connection = connect()
    yield connection
    connection.disconnect()


@pytest.fixture
def load(con) -> Callable[..., Loaded]:  # type: ignore[no-untyped-def]
    """``load(inputs, as_of=..., **options)`` with ``today`` pinned to 2025-01-01."""

    def _load(inputs: object = None, as_of: dt.date | None = None, **options: object) -> Loaded:
        options.setdefault("today", TODAY)
        return load_transactions(
            inputs,
            con=con,
            options=LoadOptions(**options),
            as_of=as_of,  # type: ignore[arg-type]
        )

    return _load


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` in ``encoding``; return the path."""
    path.write_bytes(text.encode(encoding))
    return path


def rfm(loaded: Loaded, as_of: dt.date) -> dict[str, tuple[int, int, float]]:
    """Customer → (recency_days, frequency, monetary), by the glossary's definitions.

    Computed in pandas from the loaded rows, so the tests can compare it with
    numbers worked out by hand.
    """
    assert loaded.transactions is not None
    frame = loaded.transactions.to_pandas()
    frame["order"] = frame.order_id.fillna(pd.Series([f"row{i}" for i in range(len(frame))]))
    orders = frame.groupby(["customer_id", "order"], as_index=False).agg(
        amount=("amount", "sum"), day=("order_date", "min")
    )
    result = {}
    for customer, rows in frame.groupby("customer_id"):
        positive = orders[(orders.customer_id == customer) & (orders.amount > 0)]
        last = pd.Timestamp(max(positive.day)).date() if len(positive) else None
        recency = (as_of - last).days if last is not None else -1
        result[str(customer)] = (recency, len(positive), round(float(rows.amount.sum()), 2))
    return result
