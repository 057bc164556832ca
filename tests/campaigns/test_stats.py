"""Campaign statistics: published and hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs
from scipy import stats as st

from rfmkit.campaigns.stats import (
    group_warning,
    min_detectable_effect,
    relative_lift,
    roi,
    two_proportion_test,
    welch_test,
)


def test_published_two_proportion_example() -> None:
    """460 of 10,000 treated vs 400 of 10,000 held out: z = 2.09, p = 0.036."""
    test = two_proportion_test(460, 10_000, 400, 10_000)
    assert test.z is not None and test.p_value is not None
    assert round(test.z, 2) == 2.09
    assert round(test.p_value, 3) == 0.036
    assert test.difference == pytest.approx(0.006)


def test_two_proportion_by_hand() -> None:
    # pooled p = 0.043, se = sqrt(0.043 * 0.957 * 2e-4) = 0.00286883...
    test = two_proportion_test(460, 10_000, 400, 10_000)
    assert test.z == pytest.approx(0.006 / math.sqrt(0.043 * 0.957 * 2e-4), rel=1e-12)
    # unpooled se = sqrt(0.046 * 0.954 / 1e4 + 0.04 * 0.96 / 1e4) = 0.00286852...
    se = math.sqrt(0.046 * 0.954 / 1e4 + 0.04 * 0.96 / 1e4)
    assert test.ci_low == pytest.approx(0.006 - 1.959963985 * se, rel=1e-8)
    assert test.ci_high == pytest.approx(0.006 + 1.959963985 * se, rel=1e-8)
    assert test.ci_low is not None and test.ci_high is not None
    assert (round(test.ci_low, 6), round(test.ci_high, 6)) == (0.000378, 0.011622)


def test_two_proportion_three_of_four_against_one_of_four() -> None:
    # pooled 0.5: z = 0.5 / sqrt(0.25 * 0.5) = sqrt(2)
    test = two_proportion_test(3, 4, 1, 4)
    assert test.z == pytest.approx(math.sqrt(2))
    assert test.p_value == pytest.approx(0.157299, abs=1e-6)
    assert test.ci_low == pytest.approx(0.5 - 1.959964 * math.sqrt(0.09375), abs=1e-6)


def test_two_proportion_undefined_cases() -> None:
    assert two_proportion_test(0, 0, 1, 4).z is None
    none_respond = two_proportion_test(0, 5, 0, 5)
    assert none_respond.z is None and none_respond.p_value is None
    assert none_respond.difference == 0.0


def test_welch_by_hand_and_against_scipy() -> None:
    treated = np.array([0.0, 0.0, 10.0, 20.0])
    control = np.array([0.0, 0.0, 0.0, 10.0])
    test = welch_test(7.5, 275 / 3, 4, 2.5, 25.0, 4)
    # se^2 = 91.667/4 + 25/4 = 29.1667; t = 5 / 5.40062 = 0.925820
    assert test.t == pytest.approx(5 / math.sqrt(29.1666666667), rel=1e-9)
    assert test.df == pytest.approx(29.1666666667**2 / ((275 / 12) ** 2 / 3 + 6.25**2 / 3))
    reference = st.ttest_ind(treated, control, equal_var=False)
    assert test.t == pytest.approx(reference.statistic)
    assert test.p_value == pytest.approx(reference.pvalue)


def test_welch_one_degree_of_freedom() -> None:
    # variances 50 and 0 over 2 customers each: se = 5, df = 1 (Cauchy), P(|T| > 1) = 0.5
    test = welch_test(5.0, 50.0, 2, 0.0, 0.0, 2)
    assert test.t == pytest.approx(1.0)
    assert test.df == pytest.approx(1.0)
    assert test.p_value == pytest.approx(0.5)
    assert test.ci_high == pytest.approx(5 + 12.706204736 * 5)


def test_welch_undefined_cases() -> None:
    assert welch_test(1.0, 0.0, 3, 1.0, 0.0, 3).t is None  # no spread
    assert welch_test(1.0, 1.0, 1, 0.0, 1.0, 3).t is None  # one customer
    assert welch_test(1.0, 1.0, 1, 0.0, 1.0, 3).difference == 1.0


def test_minimum_detectable_effect_by_hand() -> None:
    # (1.959964 + 0.841621) * sqrt(0.04 * 0.96 * (1/10000 + 1/10000))
    mde = min_detectable_effect(10_000, 10_000, 0.04)
    assert mde == pytest.approx(2.801585 * math.sqrt(0.0384 * 2e-4), rel=1e-6)
    assert mde is not None and round(mde, 5) == 0.00776
    assert min_detectable_effect(0, 10, 0.04) is None


def test_group_warning_says_how_small_the_groups_are() -> None:
    assert group_warning(10_000, 10_000, baseline=0.04, lang="en") is None
    text = group_warning(1000, 100, baseline=0.04, useful_effect=0.01, lang="en")
    assert text is not None
    # 2.801585 * sqrt(0.0384 * 0.011) = 0.05758: 5.8 points
    assert "only a difference in response rate of at least 5.8 percentage points" in text
    assert "1000 treated and 100 held out" in text
    zh = group_warning(5, 1, lang="zh")
    assert zh is not None and "至少需要 2 人" in zh


def test_roi_and_relative_lift_by_hand() -> None:
    assert roi(40.0, 0.5, 10.0) == 1.0  # (40 * 0.5 - 10) / 10
    assert roi(50.0, 0.5, 12.0) == pytest.approx(13 / 12)
    assert roi(50.0, 0.5, 0.0) is None
    assert relative_lift(0.75, 0.25) == 2.0
    assert relative_lift(0.5, 0.0) is None


@given(
    x_t=hs.integers(0, 500),
    n_t=hs.integers(1, 500),
    x_c=hs.integers(0, 500),
    n_c=hs.integers(1, 500),
)
def test_interval_contains_the_difference(x_t: int, n_t: int, x_c: int, n_c: int) -> None:
    x_t, x_c = min(x_t, n_t), min(x_c, n_c)
    test = two_proportion_test(x_t, n_t, x_c, n_c)
    assert test.ci_low is not None and test.ci_high is not None and test.difference is not None
    assert test.ci_low <= test.difference <= test.ci_high
    if test.p_value is not None:
        assert 0.0 <= test.p_value <= 1.0
