"""Pareto/NBD against Fader & Hardie's CDNOW estimates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rfmkit.models import ParetoNBD, load_model
from rfmkit.models.paretonbd import log_power_integral

PUBLISHED = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}


@pytest.fixture(scope="module")
def fitted(cdnow_summary: pd.DataFrame) -> ParetoNBD:
    s = cdnow_summary
    return ParetoNBD().fit(s["x"], s["tx"], s["T"])


def test_parameters_match_the_note(fitted: ParetoNBD) -> None:
    for name, value in PUBLISHED.items():
        assert fitted.params_[name] == pytest.approx(value, rel=2e-3), name
    assert fitted.log_likelihood_ == pytest.approx(-9595.0, abs=0.05)


def test_closed_form_integral_matches_quadrature() -> None:
    from scipy.integrate import quad

    for A, s, alpha, beta, lo, hi in [
        (2.5, 0.6, 10.0, 11.0, 3.0, 30.0),
        (2.5, 0.6, 11.0, 10.0, 3.0, 30.0),
        (0.5, 1.0, 4.0, 4.0, 0.0, 5.0),
        (40.0, 2.0, 1.0, 50.0, 0.0, 2.0),
    ]:
        exact, _ = quad(
            lambda t, A=A, s=s, alpha=alpha, beta=beta: (alpha + t) ** -A * (beta + t) ** -(s + 1),
            lo,
            hi,
            epsabs=0,
            epsrel=1e-12,
        )
        arr = np.array
        got = log_power_integral(arr([A]), s, arr([alpha]), arr([beta]), arr([lo]), arr([hi]))
        assert got[0] == pytest.approx(np.log(exact), abs=1e-9)


def test_predictions_agree_for_a_short_horizon(fitted: ParetoNBD) -> None:
    """Over a tiny horizon, P(at least one purchase) equals the expected count."""
    args = ([0, 2, 10], [0.0, 30.43, 20.0], [38.86, 38.86, 38.86])
    expected = fitted.expected_purchases(1e-4, *args)
    prob = fitted.prob_purchase(1e-4, *args)
    assert prob == pytest.approx(expected, rel=1e-3)


def test_customers_without_repeat_purchase_can_have_left(fitted: ParetoNBD) -> None:
    p = fitted.p_alive([0, 0], [0.0, 0.0], [1.0, 200.0])
    assert p[0] > p[1] and p[1] < 0.5


def test_json_round_trip(fitted: ParetoNBD) -> None:
    loaded = load_model(fitted.to_json())
    assert isinstance(loaded, ParetoNBD) and loaded.params_ == fitted.params_


def test_long_histories_stay_finite(fitted: ParetoNBD) -> None:
    x = np.array([0, 1, 2000, 3])
    tx = np.array([0, 1e4, 5e4, 0.5])
    T = np.full(4, 1e5)
    assert np.isfinite(fitted.log_likelihood(x, tx, T))
    for values in (
        fitted.p_alive(x, tx, T),
        fitted.expected_purchases(52, x, tx, T),
        fitted.prob_purchase(52, x, tx, T),
    ):
        assert np.all(np.isfinite(values))
