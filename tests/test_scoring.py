"""Scores: quantile and threshold breakpoints, ties, weights, codes."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rfmkit import scoring
from rfmkit.backend import as_table, connect
from rfmkit.errors import ConfigError
from rfmkit.weights import presets, resolve_weights


def metrics_table(recency, frequency, monetary, con=None):
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(len(recency))],
            "recency_days": np.asarray(recency, dtype="int64"),
            "frequency": np.asarray(frequency, dtype="int64"),
            "monetary": np.asarray(monetary, dtype="float64"),
        }
    )
    return as_table(frame, con)


def scored(table, **kwargs):
    kwargs.setdefault("method", "quantile")
    kwargs.setdefault("levels", 5)
    weights = kwargs.pop("weights", (1, 1, 1))
    bps = scoring.breakpoints_for(table, **kwargs)
    out = scoring.apply_scores(table, bps, weights).to_pandas()
    return out.sort_values("customer_id", key=lambda s: s.str[1:].astype(int)).reset_index(
        drop=True
    ), bps


def test_quantile_scores_on_ten_distinct_values():
    values = list(range(1, 11))
    out, bps = scored(metrics_table(values, values, values))
    # edges at the 20/40/60/80 % quantiles (linear interpolation): 2.8, 4.6, 6.4, 8.2,
    # whole numbers for whole-number metrics
    assert bps["monetary"].edges == pytest.approx((2.8, 4.6, 6.4, 8.2))
    assert bps["frequency"].edges == (2, 4, 6, 8)
    assert out.f_score.tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert out.m_score.tolist() == out.f_score.tolist()
    # fewer days is better
    assert out.r_score.tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert out.rfm_code[0] == "511"


def test_heavily_tied_frequency_shares_a_score():
    frequency = [1] * 60 + [2] * 20 + [3] * 10 + [7] * 10
    out, bps = scored(metrics_table(range(100), frequency, range(100)))
    assert set(out.loc[out.frequency == 1, "f_score"]) == {1}
    assert set(out.loc[out.frequency == 7, "f_score"]) == {5}
    assert bps["frequency"].describe(5) == "frequency > 2"
    # the levels tied customers skip are reported as empty
    assert bps["frequency"].describe(2) == "none (ties at frequency = 1 share one score)"


def test_thresholds_follow_business_rules():
    recency = [0, 30, 31, 60, 61, 90, 91, 180, 181, 999]
    table = metrics_table(recency, [1] * 10, [1.0] * 10)
    out, bps = scored(
        table,
        method="thresholds",
        thresholds={
            "recency_days": [30, 60, 90, 180],
            "frequency": [1, 2, 4, 6],
            "monetary": [1, 2, 3, 4],
        },
    )
    assert out.r_score.tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert bps["recency_days"].describe(5) == "recency_days <= 30"
    assert bps["recency_days"].describe(4) == "30 < recency_days <= 60"
    assert bps["frequency"].describe(5) == "frequency > 6"


def test_thresholds_for_some_metrics_fall_back_to_quantiles():
    values = list(range(1, 11))
    _out, bps = scored(
        metrics_table(values, values, values),
        method="thresholds",
        thresholds={"recency_days": [1, 2, 3, 4]},
    )
    assert bps["recency_days"].edges == (1, 2, 3, 4)
    assert bps["monetary"].edges == pytest.approx((2.8, 4.6, 6.4, 8.2))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"levels": 2}, "between 3 and 10"),
        ({"levels": 11}, "between 3 and 10"),
        ({"method": "kmeans"}, "Unknown method"),
        ({"method": "thresholds"}, "needs thresholds"),
        ({"method": "thresholds", "thresholds": {"recency_days": [1, 2]}}, "needs 4 thresholds"),
        ({"method": "thresholds", "thresholds": {"recency_days": [4, 3, 2, 1]}}, "ascending"),
        ({"method": "thresholds", "thresholds": {"age": [1, 2, 3, 4]}}, "Cannot set thresholds"),
    ],
)
def test_invalid_scoring_settings_are_rejected(kwargs, message):
    table = metrics_table([1, 2, 3], [1, 2, 3], [1, 2, 3])
    kwargs = {"method": "quantile", "levels": 5, **kwargs}
    with pytest.raises(ConfigError, match=message):
        scoring.breakpoints_for(table, **kwargs)


def test_weighted_composite_stays_on_the_score_scale():
    values = list(range(1, 11))
    out, _ = scored(metrics_table(values, values, values), weights=(2, 1, 1))
    expected = ((out.r_score * 2 + out.f_score + out.m_score) / 4).round(2)
    assert out.rfm_score.tolist() == expected.tolist()
    assert out.rfm_score.between(1, 5).all()


def test_ten_levels_code_is_separated():
    values = list(range(1, 21))
    out, _ = scored(metrics_table(values, values, values), levels=10)
    assert out.rfm_code[0] == "10-1-1"


def test_weight_presets_and_text():
    assert resolve_weights(None) == (1.0, 1.0, 1.0)
    assert resolve_weights("1,2,1") == (1.0, 2.0, 1.0)
    assert resolve_weights("luxury") == tuple(float(w) for w in presets()["luxury"]["weights"])
    for bad in ("heavy", "1,2", "-1,1,1", "0,0,0"):
        with pytest.raises(ConfigError, match=r"Unknown weights|Weights must be three"):
            resolve_weights(bad)


# -- properties ------------------------------------------------------------------

metric_lists = st.integers(min_value=1, max_value=40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 400), min_size=n, max_size=n),
        st.lists(st.integers(1, 6), min_size=n, max_size=n),
        st.lists(
            st.floats(-50, 5000, allow_nan=False).map(lambda x: round(x, 2)), min_size=n, max_size=n
        ),
    )
)


@pytest.fixture(scope="module")
def shared_con():
    return connect()


@settings(max_examples=40, deadline=None)
@given(data=metric_lists, levels=st.integers(3, 10))
def test_score_properties(shared_con, data, levels):
    recency, frequency, monetary = data
    out, _ = scored(metrics_table(recency, frequency, monetary, shared_con), levels=levels)
    for metric, column, higher in (
        ("recency_days", "r_score", False),
        ("frequency", "f_score", True),
        ("monetary", "m_score", True),
    ):
        assert out[column].between(1, levels).all()
        # ties share a score
        assert (out.groupby(metric)[column].nunique() == 1).all()
        # monotone: a better value never gets a lower score
        ordered = out.sort_values(metric, ascending=higher)[column].to_numpy()
        assert (np.diff(ordered) >= 0).all()
    assert out.rfm_score.between(1, levels).all()


@settings(max_examples=20, deadline=None)
@given(data=metric_lists, seed=st.integers(0, 1000))
def test_row_order_does_not_change_scores(shared_con, data, seed):
    recency, frequency, monetary = data
    first, _ = scored(metrics_table(recency, frequency, monetary, shared_con))
    perm = np.random.default_rng(seed).permutation(len(recency))
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in perm],
            "recency_days": np.asarray(recency)[perm],
            "frequency": np.asarray(frequency)[perm],
            "monetary": np.asarray(monetary, dtype="float64")[perm],
        }
    )
    second, _ = scored(as_table(frame, shared_con))
    pd.testing.assert_frame_equal(first, second)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(-1000, 1000), min_size=1, max_size=20),
    st.floats(-1200, 1200, allow_nan=False),
    st.sampled_from([">", ">=", "<", "<="]),
)
def test_compare_answers_as_python_does_for_integer_and_float_columns(values, number, op) -> None:
    import operator

    from rfmkit.scoring import compare

    python = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}[op]
    frame = pd.DataFrame({"i": values, "f": [v / 7 for v in values]})
    table = ibis.memtable(frame)
    got = table.select(i=compare(table.i, op, number), f=compare(table.f, op, number)).to_pandas()
    assert list(got.i) == [python(v, number) for v in frame.i]
    assert list(got.f) == [python(v, number) for v in frame.f]
