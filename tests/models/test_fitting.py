"""Fits end: runaway parameters, time and iteration limits, messages that say why."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from rfmkit.errors import ConvergenceError, ModelError
from rfmkit.models import BGNBD, PURCHASE_MODELS, GammaGamma, ModifiedBGNBD, ParetoNBD
from rfmkit.models.fitting import MAX_SHAPE, Problem, _reason
from rfmkit.models.special import hyp2f1_a1, series_a1

# The five customers: three repeat buyers, no heterogeneity to measure.
FIVE = ([1, 0, 2, 4, 0], [3.0, 0, 10, 50, 0], [60.0, 40, 80, 90, 20])


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail (instead of hanging) when the block runs longer than ``seconds``."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_pareto_on_five_customers_ends_with_a_clear_error() -> None:
    started = time.monotonic()
    with (
        deadline(20),
        pytest.raises(ConvergenceError, match=r"ran away.*Only 3 of 5 customers made a repeat"),
    ):
        ParetoNBD().fit(*FIVE)
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("model", [BGNBD, ModifiedBGNBD, ParetoNBD])
def test_degenerate_fits_are_refused_with_remedies(model: type[BGNBD]) -> None:
    with deadline(20), pytest.raises(ConvergenceError, match=r"ran away") as info:
        model().fit(*FIVE)
    error = info.value
    assert "3 of 5 customers made a repeat purchase" in error.message
    assert error.fix is not None and "--penalizer 0.01" in error.fix
    assert error.details["reason"] == "runaway"
    assert max(error.details["params"][k] for k in model.shape_params) > MAX_SHAPE


@pytest.mark.parametrize("model", [BGNBD, ModifiedBGNBD, ParetoNBD])
def test_a_penalizer_makes_the_five_customers_fit(model: type[BGNBD]) -> None:
    with deadline(20):
        fitted = model(penalizer=0.01).fit(*FIVE)
    assert all(0 < v < 1e3 for v in fitted.params_.values())


def test_time_budget(cdnow_summary: pd.DataFrame) -> None:
    s = cdnow_summary
    with pytest.raises(ConvergenceError, match=r"longer than its budget of 0 seconds"):
        ParetoNBD(max_seconds=0).fit(s["x"], s["tx"], s["T"])


def test_iteration_limit_is_named(cdnow_summary: pd.DataFrame) -> None:
    s = cdnow_summary
    with pytest.raises(ConvergenceError, match=r"limit of 2 iterations") as info:
        BGNBD(max_iter=2).fit(s["x"], s["tx"], s["T"])
    assert "of 2,357 customers made a repeat purchase" in info.value.message


def test_an_abnormal_stop_is_explained_in_words() -> None:
    problem = Problem("mbgnbd", ("r", "alpha", "a", "b"), ("r", "a", "b"), "", 1000, None, 1e-9)
    result = optimize.OptimizeResult(message="ABNORMAL: ", nit=12, success=False)
    assert "line search could not improve the fit" in _reason(problem, result)
    blank = optimize.OptimizeResult(message="", nit=3, success=False)
    assert _reason(problem, blank) == "no reason given"


def test_spend_model_message_counts_repeat_customers() -> None:
    with pytest.raises(ConvergenceError, match=r"sees 3 customers with repeat purchases"):
        GammaGamma(max_iter=1).fit([1, 2, 3], [10.0, 12.0, 30.0])


def test_series_is_bounded_and_vectorised() -> None:
    """SciPy gives up here; the series answers in blocks, within its term budget."""
    b = np.full(200, 5e5)
    c, z = b + 11.0, np.full(200, 1 - 1e-5)
    started = time.monotonic()
    bounded = series_a1(b, c, z, 20_000)
    assert time.monotonic() - started < 5
    assert np.all(np.isfinite(bounded))
    small = series_a1(np.array([2.0]), np.array([3.0]), np.array([0.5]), 200_000)
    assert small[0] == pytest.approx(-2 * (np.log(0.5) + 0.5) / 0.25)  # 2F1(1,2;3;z)
    assert float(hyp2f1_a1(2.0, 3.0, 0.5)) == pytest.approx(small[0])


@st.composite
def small_logs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(min_value=2, max_value=8))
    T = np.array([draw(st.floats(1.0, 100.0)) for _ in range(n)])
    x = np.array([draw(st.integers(0, 6)) for _ in range(n)], dtype=float)
    x[0] = max(x[0], 1.0)
    share = np.array([draw(st.floats(0.0, 1.0)) for _ in range(n)])
    return x, np.where(x > 0, share * T, 0.0), T


@settings(max_examples=25, deadline=None)
@given(small_logs(), st.sampled_from(sorted(PURCHASE_MODELS)))
def test_every_small_fit_ends_with_parameters_or_a_reason(xtT, name) -> None:  # type: ignore[no-untyped-def]
    with deadline(30):
        try:
            fitted = PURCHASE_MODELS[name]().fit(*xtT)
        except ModelError as error:
            assert error.message.strip() and not error.message.rstrip().endswith(": .")
            assert error.fix
            return
    assert all(np.isfinite(list(fitted.params_.values())))
    assert all(fitted.params_[k] <= MAX_SHAPE for k in fitted.shape_params)
