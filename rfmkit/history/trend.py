"""Segments over time, and one customer over time."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rfmkit import glossary as g
from rfmkit.errors import StoreError
from rfmkit.history.common import check_lang, label_expr, labels, need
from rfmkit.store.base import SnapshotStore

TREND_COLUMNS = (
    "as_of",
    "segment",
    "label",
    "customers",
    "share",
    "revenue",
    "revenue_share",
    "mean_r_score",
    "mean_f_score",
    "mean_m_score",
)
#: Columns of :func:`customer_history` (the optional ones when any snapshot has them).
HISTORY_COLUMNS = g.HISTORY_COLUMNS
_OPTIONAL_HISTORY = ("p_alive", "clv", "churn_risk", "value_segment", "owner")


def trend(store: SnapshotStore, *, lang: str = "zh") -> pd.DataFrame:
    """Per snapshot and segment: customers, share, revenue, revenue share, mean scores.

    Every segment of each snapshot's scheme has a row (zero when empty), in
    the scheme's order; columns :data:`TREND_COLUMNS`.
    """
    check_lang(lang)
    found = need(store, 1, "The trend")
    rows = store.rows()
    counted = rows.group_by("as_of", g.SEGMENT).aggregate(
        customers=rows.count(),
        revenue=rows[g.MONETARY].sum(),
        mean_r_score=rows[g.R_SCORE].mean(),
        mean_f_score=rows[g.F_SCORE].mean(),
        mean_m_score=rows[g.M_SCORE].mean(),
        stored_label=rows[g.SEGMENT_LABEL].max(),
    )
    frame = counted.to_pandas()
    frame["as_of"] = pd.to_datetime(frame.as_of).dt.date
    parts = [
        _one(frame[frame.as_of == info.as_of], info.segment_order, labels(info, lang), info.as_of)
        for info in found
    ]
    return pd.concat(parts, ignore_index=True)[list(TREND_COLUMNS)]


def _one(
    frame: pd.DataFrame, order: tuple[str, ...], names: dict[str, str] | None, as_of: dt.date
) -> pd.DataFrame:
    known = frame.set_index(g.SEGMENT)
    extra = [s for s in known.index if s not in order]
    full = known.reindex([*order, *extra])
    full["customers"] = full.customers.fillna(0).astype("int64")
    full["revenue"] = full.revenue.fillna(0.0)
    full["share"] = full.customers / max(int(full.customers.sum()), 1)
    total = float(full.revenue.sum())
    full["revenue_share"] = full.revenue / total if total else 0.0
    full["as_of"] = as_of
    stored = full.stored_label.where(full.stored_label.notna(), full.index.to_series())
    full["label"] = [(names or {}).get(k, s) for k, s in zip(full.index, stored, strict=True)]
    return full.rename_axis("segment").reset_index()


def customer_history(store: SnapshotStore, customer_id: str, *, lang: str = "zh") -> pd.DataFrame:
    """One customer's segment and scores in every snapshot that has them, oldest first.

    Raises
    ------
    StoreError
        When no snapshot has the customer.
    """
    check_lang(lang)
    found = need(store, 1, "A customer's history")
    rows = store.rows()
    mine = rows.filter(rows[g.CUSTOMER_ID] == str(customer_id))
    names = labels(found[-1], lang)
    optional = [c for c in _OPTIONAL_HISTORY if any(c in s.columns for s in found)]
    picked = mine.select(
        *HISTORY_COLUMNS[:2],
        label_expr(mine[g.SEGMENT], mine[g.SEGMENT_LABEL], names).name(g.SEGMENT_LABEL),
        *HISTORY_COLUMNS[3:],
        *optional,
    ).order_by("as_of")
    frame = picked.to_pandas()
    if frame.empty:
        raise StoreError(
            f"Customer {customer_id!r} is in none of the {len(found)} snapshots "
            f"of {store.location}.",
            fix="Check the id as written in the order data (leading zeros count).",
        )
    frame["as_of"] = pd.to_datetime(frame.as_of).dt.date
    return frame
