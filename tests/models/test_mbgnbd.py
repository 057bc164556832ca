"""Modified BG/NBD (Batislam, Denizel & Filiztekin 2007) on CDNOW, and its edge cases."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rfmkit.errors import ModelError
from rfmkit.models import BGNBD, PURCHASE_MODELS, ModifiedBGNBD, load_model, make_purchase_model
from tests.models.test_model_properties import check, histories, positive

# Golden numbers from lifetimes 0.11.3's ModifiedBetaGeoFitter (default settings,
# penalizer_coef=0) fitted on the same inputs as the ``cdnow_summary`` fixture
# (2,357 customers, 39-week calibration, weeks, same-day purchases collapsed).
# The log-likelihood is its mean negative log-likelihood at those parameters
# times the number of customers.
LIFETIMES = {"r": 0.524843, "alpha": 6.183082, "a": 0.891360, "b": 1.614003}
LIFETIMES_LL = -9582.1357
LIFETIMES_SE = {"r": 0.083268, "alpha": 0.695620, "a": 0.154790, "b": 0.537495}
# (x, t_x, T): conditional_probability_alive, and
# conditional_expected_number_of_purchases_up_to_time(39, x, t_x, T)
LIFETIMES_PREDICTIONS = [
    ((0, 0.0, 38.86), 0.389715, 0.153954),
    ((0, 0.0, 10.0), 0.522172, 0.482517),
    ((1, 5.0, 38.0), 0.265193, 0.297932),
    ((2, 30.43, 38.86), 0.706126, 1.262669),
    ((7, 35.0, 38.0), 0.850597, 4.393313),
    ((7, 15.0, 38.0), 0.036848, 0.190319),
]
# expected_number_of_purchases_up_to_time(39) and (78)
LIFETIMES_POPULATION = [1.182280, 1.803631]


@pytest.fixture(scope="module")
def fitted(cdnow_summary: pd.DataFrame) -> ModifiedBGNBD:
    s = cdnow_summary
    return ModifiedBGNBD().fit(s["x"], s["tx"], s["T"])


def reference_model() -> ModifiedBGNBD:
    return ModifiedBGNBD.from_dict(
        {"format": "rfmkit-model", "model": "mbgnbd", "params": LIFETIMES, "n_customers": 2357}
    )


def test_parameters_match_lifetimes(fitted: ModifiedBGNBD) -> None:
    for name, value in LIFETIMES.items():
        assert fitted.params_[name] == pytest.approx(value, rel=1e-3), name
    assert fitted.log_likelihood_ == pytest.approx(LIFETIMES_LL, abs=0.01)
    assert fitted.standard_errors_ == pytest.approx(LIFETIMES_SE, rel=1e-2)
    assert fitted.n_customers_ == 2357


def test_log_likelihood_matches_lifetimes_at_its_parameters(cdnow_summary: pd.DataFrame) -> None:
    s = cdnow_summary
    ll = reference_model().log_likelihood(s["x"], s["tx"], s["T"])
    assert ll == pytest.approx(LIFETIMES_LL, abs=0.01)


@pytest.mark.parametrize(("history", "alive", "expected"), LIFETIMES_PREDICTIONS)
def test_predictions_match_lifetimes(
    fitted: ModifiedBGNBD, history: tuple[float, float, float], alive: float, expected: float
) -> None:
    args = [[v] for v in history]
    for model in (fitted, reference_model()):
        assert model.p_alive(*args)[0] == pytest.approx(alive, rel=1e-3)
        assert model.expected_purchases(39, *args)[0] == pytest.approx(expected, rel=1e-3)


def test_population_expectation_matches_lifetimes(fitted: ModifiedBGNBD) -> None:
    values = fitted.population_expected_purchases([39.0, 78.0])
    assert values == pytest.approx(LIFETIMES_POPULATION, rel=1e-3)
    assert fitted.population_expected_purchases(0.0) == pytest.approx(0.0, abs=1e-12)


def test_customers_without_repeat_purchases_may_have_left(fitted: ModifiedBGNBD) -> None:
    """The difference from the BG/NBD: drop-out right after the first purchase."""
    p = fitted.p_alive([0, 0, 0], [0, 0, 0], [0.0, 30.0, 1000.0])
    a, b = fitted.params_["a"], fitted.params_["b"]
    assert p[0] == pytest.approx(b / (a + b))  # at T = 0 only the first drop-out has happened
    assert np.all(np.diff(p) < 0) and np.all(p < 1)
    assert fitted.p_alive([1], [1.0], [1000.0])[0] < 0.01


def test_likelihood_differs_from_bgnbd_by_the_extra_dropout(cdnow_summary: pd.DataFrame) -> None:
    """With the same parameters, a one-off buyer's BG/NBD likelihood is (alpha/(alpha+T))^r;
    the MBG/NBD's is b/(a+b) times that plus a/(a+b) for leaving at once."""
    params = {"r": 0.3, "alpha": 5.0, "a": 0.7, "b": 2.0}
    spec = {"format": "rfmkit-model", "params": params}
    mbg = ModifiedBGNBD.from_dict({**spec, "model": "mbgnbd"})
    bg = BGNBD.from_dict({**spec, "model": "bgnbd"})
    T = 20.0
    stay = np.exp(bg.log_likelihood([0], [0.0], [T]))
    assert np.exp(mbg.log_likelihood([0], [0.0], [T])) == pytest.approx(
        2.0 / 2.7 * stay + 0.7 / 2.7
    )


def test_huge_frequencies_and_long_histories_stay_finite(fitted: ModifiedBGNBD) -> None:
    x = np.array([0, 1, 5000, 100000, 3])
    tx = np.array([0, 1e5, 5e5, 1e6, 0.5])
    T = np.full(5, 1e6)
    assert np.isfinite(fitted.log_likelihood(x, tx, T))
    for values in (
        fitted.p_alive(x, tx, T),
        fitted.expected_purchases(52, x, tx, T),
        fitted.prob_purchase(52, x, tx, T),
        fitted.next_purchase_wait(x, tx, T),
    ):
        assert np.all(np.isfinite(values))


def test_registry_and_json_round_trip(fitted: ModifiedBGNBD, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert PURCHASE_MODELS["mbgnbd"] is ModifiedBGNBD
    assert isinstance(make_purchase_model("MBGNBD", penalizer=0.01), ModifiedBGNBD)
    path = tmp_path / "mbgnbd.json"
    fitted.to_json(path)
    assert json.loads(path.read_text())["model"] == "mbgnbd"
    loaded = load_model(path)
    assert isinstance(loaded, ModifiedBGNBD)
    assert loaded.params_ == fitted.params_
    args = ([0, 3], [0.0, 20.0], [35.0, 35.0])
    assert loaded.expected_purchases(10, *args) == pytest.approx(
        fitted.expected_purchases(10, *args)
    )


def test_everyone_bought_once_is_refused() -> None:
    with pytest.raises(ModelError, match="No customer made a repeat purchase"):
        ModifiedBGNBD().fit([0, 0, 0], [0, 0, 0], [5, 6, 7])


@settings(max_examples=60, deadline=None)
@given(
    positive,
    positive,
    positive,
    positive,
    histories(),
    st.floats(0.01, 200.0),
    st.floats(0.01, 200.0),
)
def test_mbgnbd_predictions_are_coherent(r, alpha, a, b, xtT, t1, t2) -> None:  # type: ignore[no-untyped-def]
    params = {"r": r, "alpha": alpha, "a": a, "b": b}
    model = ModifiedBGNBD.from_dict({"format": "rfmkit-model", "model": "mbgnbd", "params": params})
    check(model, xtT, t1, t2)
    assert np.all(model.p_alive(*xtT) < 1.0)
