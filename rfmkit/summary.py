"""Who is worth what: segment sizes and revenue shares, and the Pareto curve.

The aggregation runs in the engine; only the small results (one row per
segment, one per curve point) come back to Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from rfmkit import glossary as g
from rfmkit.errors import ConfigError
from rfmkit.segments import Scheme

SUMMARY_COLUMNS = (
    g.SEGMENT,
    g.SEGMENT_LABEL,
    "customers",
    "customers_pct",
    "revenue",
    "revenue_pct",
    "mean_recency_days",
    "mean_frequency",
    "mean_monetary",
    "action",
)


def segment_summary(customers: ir.Table, scheme: Scheme, lang: str) -> pd.DataFrame:
    """One row per segment of ``scheme`` (empty ones included), in scheme order."""
    stats = (
        customers.group_by(g.SEGMENT)
        .aggregate(
            customers=customers.count(),
            revenue=customers[g.MONETARY].sum(),
            mean_recency_days=customers[g.RECENCY_DAYS].mean(),
            mean_frequency=customers[g.FREQUENCY].mean(),
            mean_monetary=customers[g.MONETARY].mean(),
        )
        .to_pandas()
        .set_index(g.SEGMENT)
    )
    frame = pd.DataFrame(
        {
            g.SEGMENT: [s.key for s in scheme.segments],
            g.SEGMENT_LABEL: [s.label(lang) for s in scheme.segments],
            "action": [s.action(lang) for s in scheme.segments],
        }
    ).join(stats, on=g.SEGMENT)
    frame["customers"] = frame["customers"].fillna(0).astype("int64")
    frame["revenue"] = frame["revenue"].fillna(0.0)
    frame["customers_pct"] = _pct(frame["customers"])
    frame["revenue_pct"] = _pct(frame["revenue"])
    return frame.loc[:, list(SUMMARY_COLUMNS)]


def _pct(values: pd.Series) -> pd.Series:
    total = values.sum()
    return (values * 100.0 / total).round(2) if total else values * 0.0


@dataclass(frozen=True)
class Pareto:
    """Revenue concentration: the share of revenue from the top customers.

    Attributes
    ----------
    top_percent
        The share of customers asked about (20 for "the top 20 %").
    top_customers
        How many customers that is (rounded up).
    revenue_share
        Percent of revenue those customers bring.
    curve
        ``customer_pct`` (1..100) and ``revenue_pct``: the cumulative share of
        revenue from the top ``customer_pct`` percent of customers by monetary.
    """

    top_percent: float
    top_customers: int
    revenue_share: float
    curve: pd.DataFrame

    def sentence(self, lang: str = "en") -> str:
        if lang == "zh":
            return (
                f"前 {self.top_percent:g}% 的客户（{self.top_customers:,} 人）"
                f"贡献了 {self.revenue_share:.1f}% 的收入"
            )
        return (
            f"Top {self.top_percent:g}% of customers ({self.top_customers:,}) "
            f"bring {self.revenue_share:.1f}% of revenue"
        )


def pareto(
    table: ir.Table, top_percent: float = 20.0, points: int = 100, *, customers: int | None = None
) -> Pareto:
    """Share of revenue from the top ``top_percent`` % of customers, and the curve.

    ``customers`` is the number of rows of ``table`` when the caller knows it.
    """
    if not 0 < top_percent < 100:
        raise ConfigError(
            f"top_percent must be between 0 and 100, not {top_percent}.",
            fix="Use e.g. --top-percent 20.",
        )
    n = int(table.count().execute()) if customers is None else customers
    if n == 0:
        return Pareto(top_percent, 0, 0.0, pd.DataFrame({"customer_pct": [], "revenue_pct": []}))
    top_k = math.ceil(n * top_percent / 100)
    ranked = table.select(
        g.MONETARY, rank=ibis.row_number().over(order_by=ibis.desc(table[g.MONETARY]))
    )
    bucket = (ranked["rank"] * points // n + 1).cast("int64")
    rows = (
        ranked.group_by(bucket=bucket)
        .aggregate(
            revenue=ranked[g.MONETARY].sum(),
            top=ranked[g.MONETARY].sum(where=ranked["rank"] < top_k),
        )
        .to_pandas()
        .sort_values("bucket")
    )
    total = float(rows["revenue"].sum())
    top = float(rows["top"].fillna(0).sum())
    curve = pd.DataFrame(
        {
            "customer_pct": rows["bucket"].to_numpy(),
            "revenue_pct": (rows["revenue"].cumsum() * 100.0 / total).round(2) if total else 0.0,
        }
    ).reset_index(drop=True)
    share = round(top * 100.0 / total, 2) if total else 0.0
    return Pareto(top_percent, top_k, share, curve)
