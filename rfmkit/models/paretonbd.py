"""The Pareto/NBD purchase model (Schmittlein, Morrison and Colombo 1987).

While active, a customer buys at Poisson rate ``lambda`` ~ gamma(r, alpha);
the customer's lifetime is exponential with rate ``mu`` ~ gamma(s, beta),
so, unlike the BG/NBD, a customer can leave at any time, including before
a first repeat purchase. The likelihood follows the formulation of Fader
and Hardie (2005), which needs the Gaussian hypergeometric function.

References
----------
.. [1] Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987). Counting
   Your Customers: Who Are They and What Will They Do Next? Management
   Science 33(1), 1-24.
.. [2] Fader, P. S. and Hardie, B. G. S. (2005). A Note on Deriving the
   Pareto/NBD Model and Related Expressions. http://brucehardie.com/notes/009/
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np
from scipy.special import gammaln

from rfmkit.errors import ModelError
from rfmkit.models._arrays import ArrayLike, check_purchase_inputs, check_weights, compress
from rfmkit.models._compat import accepts_frequency
from rfmkit.models.base import FloatArray
from rfmkit.models.purchase import PurchaseModel
from rfmkit.models.special import hyp2f1_a1


@dataclass(frozen=True)
class _Data:
    x: FloatArray
    tx: FloatArray
    T: FloatArray
    w: FloatArray


def log_power_integral(
    A: FloatArray,
    s: float,
    alpha: FloatArray,
    beta: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
) -> FloatArray:
    """``log of the integral from lo to hi of (alpha+t)^-A (beta+t)^-(s+1) dt``.

    Closed form of [2], eqs. (18)-(19): with ``c = A + s`` and the larger of
    ``alpha``, ``beta`` as ``k``, the integral is
    ``[F(lo) (k+lo)^-c - F(hi) (k+hi)^-c] / c``, where ``F(t) = 2F1(c, b; c+1; z)``
    with ``z = |alpha-beta| / (k+t)`` in [0, 1) and ``b`` = ``s+1`` or ``A``.
    For large ``A`` that series explodes as ``z`` nears 1, so it is evaluated
    after Euler's transformation, ``2F1(c, b; c+1; z) = (1-z)^(1-b) 2F1(1,
    c+1-b; c+1; z)``, whose series is bounded, and all in log space. An empty
    interval gives ``-inf``.
    """
    c = A + s
    a_ge_b = alpha >= beta
    k = np.where(a_ge_b, alpha, beta)
    m = np.where(a_ge_b, beta, alpha)
    b = np.where(a_ge_b, s + 1.0, A)
    gap = np.abs(alpha - beta)

    def log_term(t: FloatArray) -> FloatArray:
        log_k = np.log(k + t)
        f = hyp2f1_a1(c + 1.0 - b, c + 1.0, gap / (k + t))
        return np.asarray((1.0 - b) * (np.log(m + t) - log_k) + np.log(f) - c * log_k, dtype=float)

    upper, lower = log_term(lo), log_term(hi)
    with np.errstate(divide="ignore"):
        result = upper + np.log(-np.expm1(np.minimum(lower - upper, 0.0))) - np.log(c)
    return np.asarray(np.where(hi > lo, result, -np.inf), dtype=float)


def _log_terms(
    theta: FloatArray, x: FloatArray, tx: FloatArray, T: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The common factor and the log of both terms of the likelihood, [2] eq. (22).

    ``alive``: still active at T; ``left``: left between t_x and T.
    """
    r, alpha, s, beta = theta
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    left = np.log(s) + log_power_integral(
        r + x, s, np.full_like(x, alpha), np.full_like(x, beta), tx, T
    )
    return head, alive, left


def _log_likelihood(theta: FloatArray, d: _Data) -> tuple[float, None]:
    head, alive, left = _log_terms(theta, d.x, d.tx, d.T)
    return float(d.w @ (head + np.logaddexp(alive, left))), None


class ParetoNBD(PurchaseModel):
    """Pareto/NBD model of repeat purchases.

    Parameters
    ----------
    penalizer
        L2 penalty on the log-parameters (see :class:`~rfmkit.models.base.BaseModel`).

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha`` (purchase rate, gamma) and ``s``, ``beta`` (drop-out
        rate, gamma), as in [2]_.
    log_likelihood_, standard_errors_
        As for every rfmkit model.

    Notes
    -----
    The gradient is taken by finite differences (the derivatives of the
    hypergeometric function in its parameters have no cheap closed form),
    so this model fits more slowly than :class:`~rfmkit.models.BGNBD`.

    References
    ----------
    .. [1] Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987).
       Counting Your Customers: Who Are They and What Will They Do Next?
       Management Science 33(1), 1-24.
    .. [2] Fader, P. S. and Hardie, B. G. S. (2005). A Note on Deriving the
       Pareto/NBD Model and Related Expressions. http://brucehardie.com/notes/009/
    """

    name = "pareto"
    param_names = ("r", "alpha", "s", "beta")
    shape_params = ("r", "s")

    @accepts_frequency
    def fit(
        self,
        repeat_purchases: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Fit by maximum likelihood; arguments as for :meth:`BGNBD.fit`."""
        x, tx, T_ = check_purchase_inputs(repeat_purchases, recency, T)
        w = check_weights(weights, len(x))
        self._check_identifiable(x, w)
        rows = compress(x, tx, T_, weights=w)
        cx, ctx, cT = rows.columns
        data = _Data(x=cx, tx=ctx, T=cT, w=rows.weights)
        rate = max(float(w @ x) / max(float(w @ T_), 1e-12), 1e-6)
        start = np.array([1.0, 1.0 / rate, 1.0, float(w @ T_ / w.sum()) or 1.0])
        self._maximise(
            lambda theta: _log_likelihood(theta, data), start, w.sum(), self._about_data(x, w)
        )
        self.n_customers_ = round(float(w.sum()))
        return self

    @accepts_frequency
    def log_likelihood(
        self, repeat_purchases: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> float:
        """Log-likelihood of data under the fitted parameters ([2] eq. 22)."""
        x, tx, T_ = check_purchase_inputs(repeat_purchases, recency, T)
        return _log_likelihood(self._params(), _Data(x, tx, T_, np.ones(len(x))))[0]

    @accepts_frequency
    def p_alive(self, repeat_purchases: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
        """Probability of being active at T, [2] eq. (24), in log space."""
        x, tx, T_ = check_purchase_inputs(repeat_purchases, recency, T)
        _, alive, left = _log_terms(self._params(), x, tx, T_)
        return np.asarray(np.exp(alive - np.logaddexp(alive, left)), dtype=float)

    @accepts_frequency
    def expected_purchases(
        self, t: float, repeat_purchases: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Expected purchases in the next ``t`` time units, [2] eq. (27).

        ``P(alive) (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)]``,
        with the ``s = 1`` limit handled by ``expm1``.
        """
        r, alpha, s, beta = self._params()
        x, tx, T_ = check_purchase_inputs(repeat_purchases, recency, T)
        if t <= 0:
            return np.zeros_like(x)
        u = np.log1p(t / (beta + T_))
        k = s - 1.0
        life = u if abs(k) < 1e-12 else -np.expm1(-k * u) / k
        return np.asarray(
            self.p_alive(x, tx, T_) * (r + x) * (beta + T_) / (alpha + T_) * life, dtype=float
        )

    @accepts_frequency
    def prob_purchase(
        self, t: float, repeat_purchases: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Probability of at least one purchase in the next ``t`` time units.

        Given activity at T, the rates are gamma(r+x, alpha+T) and
        gamma(s, beta+T). No purchase happens if the customer outlives the
        horizon without buying, or leaves at some time tau before it and did
        not buy before tau:
        ``P0 = ((alpha+T)/(alpha+T+t))^(r+x) ((beta+T)/(beta+T+t))^s
        + s (alpha+T)^(r+x) (beta+T)^s * integral_0^t (alpha+T+tau)^-(r+x)
        (beta+T+tau)^-(s+1) dtau``, the integral in closed form as in the
        likelihood. The answer is ``P(alive) (1 - P0)``.
        """
        r, alpha, s, beta = self._params()
        x, tx, T_ = check_purchase_inputs(repeat_purchases, recency, T)
        if t <= 0:
            return np.zeros_like(x)
        keys = compress(x, T_)
        kx, kT = keys.columns
        a_T, b_T = alpha + kT, beta + kT
        survive = -(r + kx) * np.log1p(t / a_T) - s * np.log1p(t / b_T)
        leave = (
            np.log(s)
            + (r + kx) * np.log(a_T)
            + s * np.log(b_T)
            + log_power_integral(r + kx, s, a_T, b_T, np.zeros_like(kx), np.full_like(kx, t))
        )
        none = np.exp(np.logaddexp(survive, leave))[keys.inverse]
        result = self.p_alive(x, tx, T_) * np.clip(1.0 - none, 0.0, 1.0)
        if not np.all(np.isfinite(result)):
            raise ModelError(
                "Purchase probabilities could not be computed for some customers.",
                fix="The fitted parameters are extreme; refit with penalizer=0.001.",
            )
        return np.asarray(result, dtype=float)
