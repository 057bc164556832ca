"""Segment summary and Pareto on hand-checked numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from rfmkit.backend import as_table
from rfmkit.errors import ConfigError
from rfmkit.segments import load_scheme
from rfmkit.summary import pareto, segment_summary


def customers(con, monetary, segments=None):
    n = len(monetary)
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "recency_days": list(range(n)),
            "frequency": [1] * n,
            "monetary": [float(m) for m in monetary],
            "segment": segments or ["lost"] * n,
        }
    )
    return as_table(frame, con)


def test_pareto_top_share_and_curve(con):
    # ten customers: one spends 91, nine spend 1 each -> total 100
    table = customers(con, [91] + [1] * 9)
    result = pareto(table, top_percent=20)
    assert result.top_customers == 2
    assert result.revenue_share == 92.0
    assert result.curve.customer_pct.tolist() == [1, 11, 21, 31, 41, 51, 61, 71, 81, 91]
    assert result.curve.revenue_pct.iloc[0] == 91.0
    assert result.curve.revenue_pct.iloc[-1] == 100.0
    assert "92.0%" in result.sentence("en") and "92.0%" in result.sentence("zh")


def test_pareto_rounds_the_top_group_up(con):
    result = pareto(customers(con, [5, 4, 3]), top_percent=50)
    assert result.top_customers == 2
    assert result.revenue_share == 75.0


def test_pareto_rejects_a_bad_percent(con):
    with pytest.raises(ConfigError, match="top_percent must be between 0 and 100"):
        pareto(customers(con, [1]), top_percent=100)


def test_segment_summary_includes_empty_segments_in_scheme_order(con):
    table = customers(con, [10, 30, 60], ["lost", "potential", "lost"])
    summary = segment_summary(table, load_scheme("value4"), "en")
    assert summary.segment.tolist() == ["high_value", "potential", "sleeping", "lost"]
    lost = summary.set_index("segment").loc["lost"]
    assert lost.customers == 2
    assert lost.revenue == 70.0
    assert lost.revenue_pct == 70.0
    assert lost.customers_pct == pytest.approx(66.67)
    assert lost.mean_recency_days == 1.0
    assert summary.set_index("segment").loc["high_value", "customers"] == 0
    assert summary.customers_pct.sum() == pytest.approx(100, abs=0.02)
