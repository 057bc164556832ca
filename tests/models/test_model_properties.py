"""Properties that must hold for any parameters and any customer history."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rfmkit.models import BGNBD, GammaGamma, ParetoNBD
from rfmkit.models.purchase import PurchaseModel

positive = st.floats(min_value=0.05, max_value=20.0)


@st.composite
def histories(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(min_value=1, max_value=6))
    T = np.array([draw(st.floats(min_value=0.0, max_value=500.0)) for _ in range(n)])
    x = np.array([draw(st.integers(min_value=0, max_value=300)) for _ in range(n)], dtype=float)
    share = np.array([draw(st.floats(min_value=0.0, max_value=1.0)) for _ in range(n)])
    tx = np.where(x > 0, share * T, 0.0)
    return x, tx, T


def bgnbd(r: float, alpha: float, a: float, b: float) -> BGNBD:
    params = {"r": r, "alpha": alpha, "a": a, "b": b}
    return BGNBD.from_dict({"format": "rfmkit-model", "model": "bgnbd", "params": params})


def pareto(r: float, alpha: float, s: float, beta: float) -> ParetoNBD:
    params = {"r": r, "alpha": alpha, "s": s, "beta": beta}
    return ParetoNBD.from_dict({"format": "rfmkit-model", "model": "pareto", "params": params})


def check(
    model: PurchaseModel, xtT: tuple[np.ndarray, np.ndarray, np.ndarray], t1: float, t2: float
) -> None:
    lo, hi = sorted((t1, t2))
    p = model.p_alive(*xtT)
    assert np.all((p >= 0) & (p <= 1))
    e_lo, e_hi = model.expected_purchases(lo, *xtT), model.expected_purchases(hi, *xtT)
    assert np.all(e_lo >= 0)
    assert np.all(e_hi >= e_lo * (1 - 1e-9) - 1e-12)
    q_lo, q_hi = model.prob_purchase(lo, *xtT), model.prob_purchase(hi, *xtT)
    assert np.all((q_lo >= 0) & (q_hi <= 1 + 1e-12))
    assert np.all(q_hi >= q_lo - 1e-12)
    assert np.all(q_hi <= p + 1e-12)  # cannot buy if no longer active
    assert np.all(model.next_purchase_wait(*xtT) > 0)


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
def test_bgnbd_predictions_are_coherent(r, alpha, a, b, xtT, t1, t2) -> None:  # type: ignore[no-untyped-def]
    model = bgnbd(r, alpha, a, b)
    check(model, xtT, t1, t2)
    x = xtT[0]
    assert np.all(model.p_alive(*xtT)[x == 0] == 1.0)


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
def test_pareto_predictions_are_coherent(r, alpha, s, beta, xtT, t1, t2) -> None:  # type: ignore[no-untyped-def]
    check(pareto(r, alpha, s, beta), xtT, t1, t2)


@settings(max_examples=60, deadline=None)
@given(positive, st.floats(1.05, 20.0), positive, st.integers(1, 500), st.floats(0.01, 1e6))
def test_expected_order_value_lies_between_population_and_own_mean(p, q, g, x, m) -> None:  # type: ignore[no-untyped-def]
    model = GammaGamma.from_dict(
        {"format": "rfmkit-model", "model": "gammagamma", "params": {"p": p, "q": q, "gamma": g}}
    )
    value = model.expected_order_value([x], [m])[0]
    low, high = sorted((model.population_mean, m))
    assert low * (1 - 1e-9) <= value <= high * (1 + 1e-9)
