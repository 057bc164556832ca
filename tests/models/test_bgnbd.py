"""BG/NBD against Fader, Hardie & Lee (2005) on CDNOW, and its edge cases."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rfmkit.errors import ConvergenceError, ModelError
from rfmkit.models import BGNBD, ModifiedBGNBD, load_model

PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


@pytest.fixture(scope="module")
def fitted(cdnow_summary: pd.DataFrame) -> BGNBD:
    s = cdnow_summary
    return BGNBD().fit(s["x"], s["tx"], s["T"])


def published_model() -> BGNBD:
    return BGNBD.from_dict(
        {"format": "rfmkit-model", "model": "bgnbd", "params": PUBLISHED, "n_customers": 2357}
    )


def test_cdnow_has_the_papers_customers(cdnow_summary: pd.DataFrame) -> None:
    assert len(cdnow_summary) == 2357
    assert (cdnow_summary["x"] > 0).sum() == 946


def test_parameters_match_the_paper(fitted: BGNBD) -> None:
    for name, value in PUBLISHED.items():
        assert fitted.params_[name] == pytest.approx(value, abs=6e-4), name
    assert fitted.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    assert fitted.n_customers_ == 2357


def test_standard_errors_are_positive_and_small(fitted: BGNBD) -> None:
    se = fitted.standard_errors_
    assert all(0 < se[k] < fitted.params_[k] for k in PUBLISHED)
    summary = fitted.summary()
    assert list(summary.index) == ["r", "alpha", "a", "b"]
    assert (summary["lower_95"] < summary["estimate"]).all()


def test_published_conditional_expectation() -> None:
    """FHL (2005), section 5: E[Y(39) | x=2, t_x=30.43, T=38.86] = 1.226."""
    value = published_model().expected_purchases(39, [2], [30.43], [38.86])
    assert value[0] == pytest.approx(1.226, abs=5e-4)


def test_fitted_model_predicts_the_published_expectation(fitted: BGNBD) -> None:
    assert fitted.expected_purchases(39, [2], [30.43], [38.86])[0] == pytest.approx(1.226, abs=2e-3)


def test_no_repeat_purchase_means_alive_for_sure(fitted: BGNBD) -> None:
    """In the BG/NBD customers can only drop out right after a repeat purchase."""
    p = fitted.p_alive([0, 0, 0], [0, 0, 0], [1.0, 30.0, 1000.0])
    assert np.all(p == 1.0)
    assert fitted.p_alive([1], [1.0], [1000.0])[0] < 0.01


@pytest.mark.parametrize("model", [BGNBD, ModifiedBGNBD])
def test_analytic_gradient_matches_finite_differences(
    cdnow_summary: pd.DataFrame, model: type[BGNBD]
) -> None:
    s = cdnow_summary
    data = model._prepare(
        s["x"].to_numpy(float), s["tx"].to_numpy(float), s["T"].to_numpy(float), np.ones(len(s))
    )
    theta = np.array([0.3, 5.0, 0.7, 2.0])
    _, grad = model._log_likelihood(theta, data)
    assert grad is not None
    for i in range(4):
        h = 1e-6 * theta[i]
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        numeric = (model._log_likelihood(up, data)[0] - model._log_likelihood(down, data)[0]) / (
            2 * h
        )
        assert grad[i] == pytest.approx(numeric, rel=1e-5)


@pytest.mark.parametrize("model", [BGNBD, ModifiedBGNBD])
def test_weights_equal_repeated_rows(cdnow_summary: pd.DataFrame, model: type[BGNBD]) -> None:
    s = cdnow_summary.iloc[:400]
    doubled = pd.concat([s, s])
    a = model().fit(doubled["x"], doubled["tx"], doubled["T"])
    b = model().fit(s["x"], s["tx"], s["T"], weights=np.full(len(s), 2.0))
    assert a.params_ == pytest.approx(b.params_, rel=1e-5)


def test_huge_frequencies_and_long_histories_stay_finite(fitted: BGNBD) -> None:
    x = np.array([0, 1, 5000, 100000, 3])
    tx = np.array([0, 1e5, 5e5, 1e6, 0.5])
    T = np.array([1e6, 1e6, 1e6, 1e6, 1e6])
    ll = fitted.log_likelihood(x, tx, T)
    assert np.isfinite(ll)
    for values in (
        fitted.p_alive(x, tx, T),
        fitted.expected_purchases(52, x, tx, T),
        fitted.prob_purchase(52, x, tx, T),
        fitted.next_purchase_wait(x, tx, T),
    ):
        assert np.all(np.isfinite(values))


def test_json_round_trip(fitted: BGNBD, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bgnbd.json"
    fitted.to_json(path)
    data = json.loads(path.read_text())
    assert data["model"] == "bgnbd" and set(data["params"]) == set(PUBLISHED)
    loaded = load_model(path)
    assert type(loaded) is BGNBD
    assert loaded.params_ == fitted.params_
    assert loaded.standard_errors_ == pytest.approx(fitted.standard_errors_)
    args = ([3], [20.0], [35.0])
    assert loaded.p_alive(*args) == pytest.approx(fitted.p_alive(*args))


def test_everyone_bought_once_is_refused() -> None:
    with pytest.raises(ModelError, match="No customer made a repeat purchase"):
        BGNBD().fit([0, 0, 0], [0, 0, 0], [5, 6, 7])


def test_single_customer_is_refused() -> None:
    with pytest.raises(ModelError, match="needs many customers"):
        BGNBD().fit([3], [2.0], [5.0])


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(ModelError, match="between 0 and T"):
        BGNBD().fit([1, 2], [6.0, 1.0], [5.0, 5.0])
    with pytest.raises(ModelError, match="whole numbers"):
        BGNBD().fit([1.5, 2], [1.0, 1.0], [5.0, 5.0])
    with pytest.raises(ModelError, match="missing"):
        BGNBD().fit([1, np.nan], [1.0, 1.0], [5.0, 5.0])


def test_failed_optimisation_raises_convergence_error(cdnow_summary: pd.DataFrame) -> None:
    s = cdnow_summary
    with pytest.raises(ConvergenceError) as info:
        BGNBD(max_iter=2).fit(s["x"], s["tx"], s["T"])
    assert "penalizer" in str(info.value)


def test_unfitted_model_says_so() -> None:
    with pytest.raises(ModelError, match="not fitted"):
        BGNBD().p_alive([1], [1.0], [2.0])


def test_penalizer_shrinks_towards_one(cdnow_summary: pd.DataFrame, fitted: BGNBD) -> None:
    s = cdnow_summary
    penalised = BGNBD(penalizer=0.1).fit(s["x"], s["tx"], s["T"])
    assert abs(np.log(penalised.params_["alpha"])) < abs(np.log(fitted.params_["alpha"]))
    assert penalised.log_likelihood_ < fitted.log_likelihood_
