"""CDNOW fixtures for the prediction models.

``cdnow_summary`` builds the papers' inputs with plain pandas, independently
of the engine: 39-week calibration from 1997-01-01 (last day 1997-09-30),
weeks, purchases on the same day collapsed, every purchase counted (2,357
customers).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

from rfmkit.backend import as_table

CDNOW = Path(__file__).parent.parent / "data" / "CDNOW_sample.txt"
CALIBRATION_END = dt.date(1997, 10, 1)  # first day not observed
HOLDOUT_END = dt.date(1998, 7, 1)


@pytest.fixture(scope="session")
def cdnow_raw() -> pd.DataFrame:
    frame = pd.read_csv(
        CDNOW,
        sep=r"\s+",
        header=None,
        names=["customer_id", "original_id", "date", "cds", "amount"],
        dtype={"customer_id": str, "date": str},
    )
    frame["order_date"] = pd.to_datetime(frame["date"], format="%Y%m%d").dt.date
    return frame


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_raw: pd.DataFrame) -> pd.DataFrame:
    """Per customer: x (repeat purchases), tx, T in weeks and m (mean repeat spend)."""
    cal = cdnow_raw[cdnow_raw["order_date"] < CALIBRATION_END]
    days = cal.groupby(["customer_id", "order_date"], as_index=False)["amount"].sum()
    days = days.sort_values(["customer_id", "order_date"])
    per = days.groupby("customer_id").agg(
        n=("amount", "size"),
        total=("amount", "sum"),
        first_amount=("amount", "first"),
        first=("order_date", "min"),
        last=("order_date", "max"),
    )
    window_end = pd.Timestamp(CALIBRATION_END - dt.timedelta(days=1))
    first, last = pd.to_datetime(per["first"]), pd.to_datetime(per["last"])
    x = per["n"] - 1
    return pd.DataFrame(
        {
            "x": x,
            "tx": (last - first).dt.days / 7,
            "T": (window_end - first).dt.days / 7,
            "m": np.where(x > 0, (per["total"] - per["first_amount"]) / x.clip(lower=1), np.nan),
        }
    )


@pytest.fixture(scope="session")
def cdnow_table(cdnow_raw: pd.DataFrame) -> ibis.Table:
    """The CDNOW log as canonical transactions on a fresh DuckDB connection."""
    frame = cdnow_raw[["customer_id", "order_date", "amount"]].copy()
    frame["order_id"] = pd.Series([None] * len(frame), dtype="string")
    return as_table(frame)


@pytest.fixture(scope="session")
def calibration_end() -> dt.date:
    return CALIBRATION_END


@pytest.fixture(scope="session")
def holdout_end() -> dt.date:
    return HOLDOUT_END
