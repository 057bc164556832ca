"""Segment schemes: validation, orientation, coverage, user schemes."""

from __future__ import annotations

import itertools
import textwrap

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rfmkit import scoring, segments
from rfmkit.backend import as_table, connect
from rfmkit.errors import ConfigError
from rfmkit.segments import load_scheme, parse_scheme, shipped_schemes

SHIPPED = ["classic11", "cn8", "tier5", "value4"]  # RFM schemes
VALUE_SCHEMES = ["clv5"]  # schemes on predictions


def test_the_schemes_ship():
    assert shipped_schemes() == sorted(SHIPPED + VALUE_SCHEMES)
    sizes = {key: len(load_scheme(key).segments) for key in SHIPPED + VALUE_SCHEMES}
    assert sizes == {"classic11": 11, "cn8": 8, "tier5": 5, "value4": 4, "clv5": 5}
    assert [k for k in shipped_schemes() if load_scheme(k).uses_predictions()] == VALUE_SCHEMES


def test_every_segment_has_bilingual_texts():
    for key in SHIPPED + VALUE_SCHEMES:
        for seg in load_scheme(key).segments:
            for text in (seg.label, seg.description, seg.action):
                assert text.zh and text.en
                assert text("zh") == text.zh and text("en") == text.en


def scored_table(rows, con=None):
    """rows: (recency_days, frequency, monetary); scores by quantile, 5 levels."""
    frame = pd.DataFrame(rows, columns=["recency_days", "frequency", "monetary"])
    frame.insert(0, "customer_id", [f"c{i}" for i in range(len(frame))])
    frame["monetary"] = frame["monetary"].astype("float64")
    table = as_table(frame, con)
    bps = scoring.breakpoints_for(table, method="quantile", levels=5)
    return table, scoring.apply_scores(table, bps)


def labelled(rows, scheme_key, lang="zh", split=None):
    _table, scored = scored_table(rows)
    scheme = load_scheme(scheme_key)
    out, _line = segments.label_segments(scored, scheme, levels=5, lang=lang, split=split)
    out = out.to_pandas()
    return out.set_index("customer_id")


# recent/frequent/high-spend combinations around means of 50 days, 5 orders, 500 spent
CN8_ROWS = [
    (10, 9, 900.0),  # c0 recent, frequent, high spend
    (10, 1, 900.0),  # c1 recent, infrequent, high spend
    (90, 9, 900.0),  # c2 not recent, frequent, high spend
    (90, 1, 900.0),  # c3 not recent, infrequent, high spend
    (10, 9, 100.0),  # c4
    (10, 1, 100.0),  # c5
    (90, 9, 100.0),  # c6
    (90, 1, 100.0),  # c7
]


def test_cn8_orientation():
    out = labelled(CN8_ROWS, "cn8")
    assert out.loc["c0", "segment_label"] == "重要价值客户"  # recent, frequent, high spend
    assert out.loc["c2", "segment_label"] == "重要保持客户"  # not recent, frequent, high spend
    assert out.segment.tolist() == [s.key for s in load_scheme("cn8").segments]


def test_cn8_english_labels():
    out = labelled(CN8_ROWS, "cn8", lang="en")
    assert out.loc["c3", "segment_label"] == "Important win-back"


def test_median_split_changes_the_line():
    rows = [(1, 1, 1.0), (2, 1, 2.0), (3, 1, 3.0), (100, 1, 1000.0)]
    mean = labelled(rows, "cn8", split="mean")
    median = labelled(rows, "cn8", split="median")
    # everyone bought once: F is high for all at the mean (frequency >= 1)
    # and low for all at the median (not strictly above 1).
    # c2 = 3 days, 3.0 spent. Means: 26.5 days, 251.5 spent -> recent, low M.
    # Medians: 2.5 days, 2.5 spent -> not recent, high M.
    assert mean.loc["c2", "segment"] == "general_value"
    assert median.loc["c2", "segment"] == "important_winback"


def test_median_split_puts_one_time_buyers_in_low_f():
    # five one-time buyers and two repeat buyers: the median frequency is 1
    rows = [(10, 1, 500.0)] * 5 + [(10, 3, 500.0), (10, 4, 500.0)]
    out = labelled(rows, "cn8", split="median")
    one_time = out.loc[[f"c{i}" for i in range(5)], "segment"]
    # recency and spend are tied: not strictly better than the median -> low
    assert set(one_time) == {"general_winback"}
    assert out.loc["c5", "segment"] == out.loc["c6", "segment"] == "general_retention"


def test_mean_split_counts_a_customer_at_the_mean_as_high():
    # recency 10, 20, 30: mean 20 -> c1 (20 days) is recent; frequency 1, 2, 3: mean 2 -> c1 high F
    rows = [(10, 1, 1.0), (20, 2, 2.0), (30, 3, 3.0)]
    out = labelled(rows, "cn8", split="mean")
    assert out.loc["c1", "segment"] == "important_value"  # each metric exactly at its mean: high
    assert out.loc["c0", "segment"] == "general_development"  # R high, F low, M low


def test_a_split_that_leaves_a_side_empty_is_reported():
    _, scored = scored_table([(10, 1, 1.0), (20, 1, 2.0), (30, 1, 3.0)])
    _, line = segments.label_segments(scored, load_scheme("cn8"), levels=5, split="median")
    assert line is not None
    assert line.empty == (("f", "high"),)


def test_value4_groups():
    out = labelled(CN8_ROWS, "value4")
    assert out.loc["c0", "segment"] == "high_value"
    assert out.loc["c5", "segment"] == "potential"
    assert out.loc["c2", "segment"] == "sleeping"
    assert out.loc["c7", "segment"] == "lost"


def test_classic11_covers_the_whole_grid_and_reaches_every_segment():
    con = connect()
    grid = list(itertools.product(range(1, 6), repeat=3))
    frame = pd.DataFrame(grid, columns=["r_score", "f_score", "m_score"]).astype("int8")
    frame.insert(0, "customer_id", [f"g{i}" for i in range(len(frame))])
    frame["rfm_score"] = (frame.r_score + frame.f_score + frame.m_score) / 3
    for column in ("recency_days", "frequency", "monetary"):
        frame[column] = 1
    table = as_table(frame, con)
    for key in ("classic11", "tier5"):
        out = segments.assign(table, load_scheme(key), levels=5, lang="en").to_pandas()
        assert out.segment.notna().all()
        assert set(out.segment) == {s.key for s in load_scheme(key).segments}
    out = (
        segments.assign(table, load_scheme("classic11"), levels=5)
        .to_pandas()
        .set_index("customer_id")
    )
    by_cell = {(r.r_score, r.f_score, r.m_score): r.segment for r in out.itertuples()}
    assert by_cell[(5, 5, 5)] == "champions"
    assert by_cell[(1, 5, 5)] == "cant_lose"
    assert by_cell[(5, 1, 1)] == "new_customers"
    assert by_cell[(1, 1, 1)] == "lost"


@settings(max_examples=25, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 500), st.integers(1, 20), st.floats(0.01, 1e5, allow_nan=False)),
        min_size=1,
        max_size=30,
    ),
    levels=st.integers(3, 10),
)
def test_every_customer_gets_exactly_one_segment_in_every_scheme(rows, levels):
    con = connect()
    frame = pd.DataFrame(rows, columns=["recency_days", "frequency", "monetary"])
    frame.insert(0, "customer_id", [f"c{i}" for i in range(len(frame))])
    table = as_table(frame, con)
    scored = scoring.apply_scores(
        table, scoring.breakpoints_for(table, method="quantile", levels=levels)
    )
    for key in SHIPPED:
        scheme = load_scheme(key)
        labelled_table, _line = segments.label_segments(scored, scheme, levels=levels)
        out = labelled_table.to_pandas()
        assert len(out) == len(frame)
        assert out.customer_id.is_unique
        assert set(out.segment) <= {s.key for s in scheme.segments}
        assert out.segment_label.notna().all()


# -- validation ---------------------------------------------------------------------

SEGMENT = """
  - key: {key}
    label: {{zh: 甲, en: A}}
    description: {{zh: 甲, en: A}}
    action: {{zh: 甲, en: A}}
"""


def scheme_text(*segs: tuple[str, str | None]) -> str:
    body = ""
    for key, when in segs:
        body += SEGMENT.format(key=key)
        if when:
            body += f"    when: {when}\n"
    return (
        textwrap.dedent(
            """
        key: mine
        name: {zh: 我的, en: Mine}
        description: {zh: 我的, en: Mine}
        segments:
        """
        )
        + body
    )


def test_a_user_scheme_loads_from_a_file(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(scheme_text(("top", "{rfm_score: [4, 5]}"), ("rest", None)), encoding="utf-8")
    scheme = load_scheme(path)
    assert [s.key for s in scheme.segments] == ["top", "rest"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (scheme_text(("top", "{r: [4, 5]}")), "catch-all"),
        (scheme_text(("a", None), ("b", "{r: [4, 5]}"), ("c", None)), "could never match"),
        (scheme_text(("a", "{r: [4, 5]}"), ("a", None)), "appear twice"),
        (scheme_text(("a", "{r: [5, 4]}"), ("b", None)), "is empty"),
        (scheme_text(("a", "{x: [1, 2]}"), ("b", None)), "Extra inputs"),
        (scheme_text(("Bad Key", "{r: [4, 5]}"), ("b", None)), "lower_snake_case"),
        (scheme_text(("a", "{fm: high}"), ("b", None)), "fm"),
        ("key: [unclosed", "not valid YAML"),
    ],
)
def test_invalid_schemes_are_rejected_with_the_reason(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_scheme(text, source="mine.yaml")


def test_unknown_scheme_name_lists_the_shipped_ones():
    with pytest.raises(ConfigError, match="cn8"):
        load_scheme("nope")


def test_value_scheme_on_predictions():
    con = connect()
    frame = pd.DataFrame(
        {
            "customer_id": ["star", "gone", "rising", "steady", "fading"],
            "recency_days": [5, 400, 30, 60, 300],
            "frequency": [9, 8, 3, 2, 1],
            "monetary": [900.0, 1000.0, 300.0, 100.0, 20.0],
            "r_score": [5, 1, 4, 3, 1],
            "f_score": [5, 5, 3, 2, 1],
            "m_score": [5, 5, 3, 2, 1],
            "rfm_score": [5.0, 3.67, 3.33, 2.33, 1.0],
            "p_alive": [0.9, 0.1, 0.6, 0.8, 0.2],
            "clv": [500.0, 10.0, 300.0, 50.0, 1.0],
        }
    )
    table = as_table(frame, con)
    scheme = load_scheme("clv5")
    out, line = segments.label_segments(
        table, scheme, levels=5, columns=("value_segment", "value_segment_label")
    )
    assert line is not None and set(line.values) == {"clv", "m"}
    out = out.to_pandas()
    assert dict(zip(out.customer_id, out.value_segment, strict=True)) == {
        "star": "star",
        "gone": "valuable_at_risk",
        "rising": "rising",
        "steady": "steady",
        "fading": "fading",
    }


def test_a_value_scheme_cannot_label_plain_scores():
    _, scored = scored_table(CN8_ROWS)
    with pytest.raises(ConfigError, match="rfmkit predict --value-scheme"):
        segments.label_segments(scored, load_scheme("clv5"), levels=5)
