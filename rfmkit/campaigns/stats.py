"""The statistics of a campaign against its holdout: small numbers in, small numbers out.

Everything here works on per-group counts and moments (computed in the
engine by :mod:`rfmkit.campaigns.measure`); nothing touches a row.

References
----------
.. [1] Fleiss, Levin and Paik, *Statistical Methods for Rates and
   Proportions*, 3rd ed., Wiley 2003, section 3.2 (pooled two-proportion
   z-test) and 2.5 (Wald interval of a difference).
.. [2] Welch, B. L. (1947). The generalization of "Student's" problem when
   several different population variances are involved. *Biometrika* 34,
   28-35 (the t statistic and the Welch-Satterthwaite degrees of freedom).
.. [3] Chow, Shao and Wang, *Sample Size Calculations in Clinical Research*,
   2nd ed., 2008, eq. 4.2.2 (two proportions, normal approximation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats as st

from rfmkit import i18n

#: Significance level and power of the minimum detectable effect.
ALPHA = 0.05
POWER = 0.8
#: Fewer customers than this in a group: nothing can be tested.
MIN_GROUP = 2


@dataclass(frozen=True)
class ProportionTest:
    """Two-proportion z-test of ``p_t - p_c`` (None where undefined).

    Attributes
    ----------
    difference
        ``p_t - p_c``, the absolute lift of the response rate.
    z, p_value
        The pooled z statistic and its two-sided p-value.
    ci_low, ci_high
        The Wald confidence interval of the difference (unpooled standard error).
    """

    difference: float | None
    z: float | None
    p_value: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class MeanTest:
    """Welch's t-test of ``mean_t - mean_c`` (None where undefined)."""

    difference: float | None
    t: float | None
    df: float | None
    p_value: float | None
    ci_low: float | None
    ci_high: float | None


def two_proportion_test(
    x_t: int, n_t: int, x_c: int, n_c: int, *, confidence: float = 0.95
) -> ProportionTest:
    """Pooled two-proportion z-test and the Wald interval of the difference [1]_.

    ``z = (p_t - p_c) / sqrt(p (1 - p) (1/n_t + 1/n_c))`` with the pooled
    ``p = (x_t + x_c) / (n_t + n_c)``; the interval is
    ``p_t - p_c ± z_(1-a/2) sqrt(p_t (1-p_t)/n_t + p_c (1-p_c)/n_c)``.

    Examples
    --------
    460 responders of 10,000 treated against 400 of 10,000 held out:

    >>> test = two_proportion_test(460, 10_000, 400, 10_000)
    >>> round(test.z, 2), round(test.p_value, 3)
    (2.09, 0.036)
    """
    if n_t <= 0 or n_c <= 0:
        return ProportionTest(None, None, None, None, None)
    p_t, p_c = x_t / n_t, x_c / n_c
    diff = p_t - p_c
    pooled = (x_t + x_c) / (n_t + n_c)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n_t + 1 / n_c))
    z = diff / se_pooled if se_pooled > 0 else None
    p_value = float(2 * st.norm.sf(abs(z))) if z is not None else None
    se = math.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    half = _z(confidence) * se
    return ProportionTest(diff, z, p_value, diff - half, diff + half)


def welch_test(
    mean_t: float,
    var_t: float,
    n_t: int,
    mean_c: float,
    var_c: float,
    n_c: int,
    *,
    confidence: float = 0.95,
) -> MeanTest:
    """Welch's t-test of two means from their sample variances [2]_.

    ``t = (m_t - m_c) / se`` with ``se^2 = v_t/n_t + v_c/n_c`` and
    ``df = se^4 / ((v_t/n_t)^2/(n_t-1) + (v_c/n_c)^2/(n_c-1))``; the
    interval is ``m_t - m_c ± t_(1-a/2, df) se``.
    """
    if n_t <= 0 or n_c <= 0:
        return MeanTest(None, None, None, None, None, None)
    diff = mean_t - mean_c
    if n_t < MIN_GROUP or n_c < MIN_GROUP:
        return MeanTest(diff, None, None, None, None, None)
    a, b = var_t / n_t, var_c / n_c
    se = math.sqrt(a + b)
    if se == 0:
        return MeanTest(diff, None, None, None, None, None)
    df = (a + b) ** 2 / (a**2 / (n_t - 1) + b**2 / (n_c - 1))
    t = diff / se
    p_value = float(2 * st.t.sf(abs(t), df))
    half = float(st.t.ppf(0.5 + confidence / 2, df)) * se
    return MeanTest(diff, t, df, p_value, diff - half, diff + half)


def min_detectable_effect(
    n_t: int, n_c: int, baseline: float, *, alpha: float = ALPHA, power: float = POWER
) -> float | None:
    """The smallest difference in response rate a test of these group sizes detects [3]_.

    ``(z_(1-a/2) + z_power) sqrt(b (1 - b) (1/n_t + 1/n_c))`` for the
    baseline rate ``b``: with ``alpha`` 0.05 (two-sided) and ``power`` 0.8 a
    true difference this large is found significant 80 % of the time. None
    when a group is empty.
    """
    if n_t <= 0 or n_c <= 0:
        return None
    spread = math.sqrt(baseline * (1 - baseline) * (1 / n_t + 1 / n_c))
    return (_z(1 - alpha) + float(st.norm.ppf(power))) * spread


def group_warning(
    n_t: int,
    n_c: int,
    *,
    baseline: float = 0.05,
    useful_effect: float = 0.01,
    lang: str = "zh",
) -> str | None:
    """A warning when the groups are too small to detect a ``useful_effect`` (absolute).

    None when they are large enough; the text gives the minimum detectable
    effect in percentage points, for the CLI and the run record.
    """
    if n_t < MIN_GROUP or n_c < MIN_GROUP:
        return i18n.t("campaign.too_small", lang, treatment=n_t, control=n_c)
    mde = min_detectable_effect(n_t, n_c, baseline)
    if mde is None or mde <= useful_effect:
        return None
    return i18n.t(
        "campaign.mde",
        lang,
        treatment=n_t,
        control=n_c,
        mde=f"{mde * 100:.1f}",
        baseline=f"{baseline * 100:.3g}",
    )


def roi(incremental_revenue: float, margin: float, cost: float) -> float | None:
    """``(incremental_revenue x margin - cost) / cost``; None without a positive cost."""
    if cost <= 0:
        return None
    return (incremental_revenue * margin - cost) / cost


def relative_lift(rate_t: float | None, rate_c: float | None) -> float | None:
    """``rate_t / rate_c - 1``; None when the control rate is 0 or unknown."""
    if rate_t is None or rate_c is None or rate_c == 0:
        return None
    return rate_t / rate_c - 1


def _z(confidence: float) -> float:
    """The two-sided normal quantile of ``confidence`` (1.959964 for 0.95)."""
    return float(st.norm.ppf(0.5 + confidence / 2))
