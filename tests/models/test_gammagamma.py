"""Gamma-Gamma against Fader & Hardie (2013) on CDNOW, and its edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rfmkit.errors import ModelError
from rfmkit.models import GammaGamma, load_model
from rfmkit.models.gammagamma import _log_likelihood, _prepare


@pytest.fixture(scope="module")
def fitted(cdnow_summary: pd.DataFrame) -> GammaGamma:
    return GammaGamma().fit(cdnow_summary["x"], cdnow_summary["m"])


def test_parameters_match_the_note(fitted: GammaGamma) -> None:
    assert fitted.params_["p"] == pytest.approx(6.25, abs=0.005)
    assert fitted.params_["q"] == pytest.approx(3.74, abs=0.005)
    assert fitted.params_["gamma"] == pytest.approx(15.44, abs=0.01)
    assert fitted.n_customers_ == 946  # repeat customers only


def test_expected_value_shrinks_towards_the_population_mean(fitted: GammaGamma) -> None:
    mean = fitted.population_mean
    p, q, g = (fitted.params_[k] for k in ("p", "q", "gamma"))
    assert mean == pytest.approx(p * g / (q - 1))
    few, many = fitted.expected_order_value([1, 50], [200.0, 200.0])
    assert mean < few < many < 200.0
    assert fitted.expected_order_value([0], [np.nan])[0] == pytest.approx(mean)
    # eq. (5) as a weighted average of the population mean and the customer's mean
    x, m = 4.0, 30.0
    weight = p * x / (p * x + q - 1)
    expected = (1 - weight) * mean + weight * m
    assert fitted.expected_order_value([x], [m])[0] == pytest.approx(expected)


def test_analytic_gradient_matches_finite_differences(cdnow_summary: pd.DataFrame) -> None:
    repeat = cdnow_summary[cdnow_summary["x"] > 0]
    data = _prepare(repeat["x"].to_numpy(float), repeat["m"].to_numpy(float), np.ones(len(repeat)))
    theta = np.array([5.0, 3.0, 12.0])
    _, grad = _log_likelihood(theta, data)
    for i in range(3):
        h = 1e-6 * theta[i]
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        numeric = (_log_likelihood(up, data)[0] - _log_likelihood(down, data)[0]) / (2 * h)
        assert grad[i] == pytest.approx(numeric, rel=1e-5)


def test_json_round_trip(fitted: GammaGamma) -> None:
    loaded = load_model(fitted.to_json())
    assert isinstance(loaded, GammaGamma)
    assert loaded.params_ == fitted.params_


def test_zero_spend_is_refused() -> None:
    with pytest.raises(ModelError, match="positive average spend"):
        GammaGamma().fit([1, 2, 3], [10.0, 0.0, 5.0])


def test_equal_spend_is_refused() -> None:
    with pytest.raises(ModelError, match="same average amount"):
        GammaGamma().fit([1, 2, 3], [10.0, 10.0, 10.0])


def test_no_repeat_customer_is_refused() -> None:
    with pytest.raises(ModelError, match="at least two customers"):
        GammaGamma().fit([0, 0, 1], [np.nan, np.nan, 4.0])
