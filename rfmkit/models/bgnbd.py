"""The BG/NBD purchase model (Fader, Hardie and Lee 2005).

While active, a customer buys at Poisson rate ``lambda`` (gamma distributed
across customers with shape ``r`` and rate ``alpha``); after each purchase
the customer drops out with probability ``p`` (beta distributed with ``a``
and ``b``). The inputs per customer are ``x`` repeat purchases, the time
``t_x`` of the last purchase and the age ``T``, both measured from the first
purchase.

References
----------
.. [1] Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your
   Customers" the Easy Way: An Alternative to the Pareto/NBD Model.
   Marketing Science 24(2), 275-284.
.. [2] Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2008). Computing
   P(alive) Using the BG/NBD Model. http://brucehardie.com/notes/021/
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln

from rfmkit.errors import ModelError
from rfmkit.models._arrays import (
    ArrayLike,
    check_purchase_inputs,
    check_weights,
    chunks,
    compress,
    group_index,
)
from rfmkit.models._compat import accepts_frequency
from rfmkit.models.base import FloatArray, IntArray
from rfmkit.models.purchase import PurchaseModel
from rfmkit.models.special import hyp2f1


@dataclass(frozen=True)
class _Data:
    """Distinct (x, t_x, T) rows split into x = 0 and x > 0 blocks."""

    T0: FloatArray  # ages of customers without repeat purchases
    w0: FloatArray
    x: FloatArray  # x > 0 block
    tx: FloatArray
    T: FloatArray
    w: FloatArray
    xs: FloatArray  # distinct x values (including 0)
    x_index: IntArray  # for each row of the x > 0 block, its position in xs
    n_x: FloatArray  # summed weight per distinct x


def _prepare(x: FloatArray, tx: FloatArray, T: FloatArray, weights: FloatArray) -> _Data:
    rows = compress(x, tx, T, weights=weights)
    cx, ctx, cT = rows.columns
    zero = cx == 0
    xs, index = group_index(cx)
    n_x = np.asarray(np.bincount(index, weights=rows.weights, minlength=len(xs)), dtype=float)
    return _Data(
        T0=cT[zero],
        w0=rows.weights[zero],
        x=cx[~zero],
        tx=ctx[~zero],
        T=cT[~zero],
        w=rows.weights[~zero],
        xs=xs,
        x_index=index[~zero],
        n_x=n_x,
    )


def _log_likelihood(theta: FloatArray, d: _Data) -> tuple[float, FloatArray]:
    """Sum of log-likelihoods, FHL (2005) eq. (6), and its gradient.

    Per customer, ``ll = c_lead(x) - (r+x) log(alpha+T) + softplus(z)`` with
    ``z = log(a / (b+x-1)) + (r+x) log((alpha+T) / (alpha+t_x))`` for x > 0:
    the two terms of eq. (6) combined in log space, so large ``x`` and long
    histories cannot overflow. Terms that depend on ``x`` only are computed
    once per distinct ``x``.
    """
    r, alpha, a, b = theta
    xs, positive = d.xs, d.xs > 0
    lbab = betaln(a, b)
    c_lead = gammaln(r + xs) - gammaln(r) + r * np.log(alpha) + betaln(a, b + xs) - lbab
    c_gap = np.zeros_like(xs)  # log of B(a+1, b+x-1) / B(a, b+x), for x > 0
    c_gap[positive] = np.log(a) - np.log(b + xs[positive] - 1)
    log_T0 = np.log(alpha + d.T0)
    ll = d.n_x @ c_lead - r * (d.w0 @ log_T0)
    g_r = -(d.w0 @ log_T0)
    g_alpha = -r * (d.w0 @ (1.0 / (alpha + d.T0)))
    s_x = np.zeros_like(xs)
    for part in chunks(len(d.x)):
        terms = _rows(
            r, alpha, c_gap, d.x[part], d.tx[part], d.T[part], d.w[part], d.x_index[part], s_x
        )
        ll += terms[0]
        g_r += terms[1]
        g_alpha += terms[2]
    dig_abx = digamma(a + b + xs)
    d_gap_b = np.zeros_like(xs)
    d_gap_b[positive] = -1.0 / (b + xs[positive] - 1)
    grad = np.array(
        [
            d.n_x @ (digamma(r + xs) - digamma(r) + np.log(alpha)) + g_r,
            d.n_x.sum() * r / alpha + g_alpha,
            d.n_x @ (digamma(a + b) - dig_abx) + s_x[positive].sum() / a,
            d.n_x @ (digamma(b + xs) - dig_abx - digamma(b) + digamma(a + b)) + s_x @ d_gap_b,
        ]
    )
    return float(ll), grad


def _rows(
    r: float,
    alpha: float,
    c_gap: FloatArray,
    x: FloatArray,
    tx: FloatArray,
    T: FloatArray,
    w: FloatArray,
    x_index: IntArray,
    s_x: FloatArray,
) -> tuple[float, float, float]:
    """Row terms of the x > 0 block: log-likelihood, d/dr, d/dalpha; adds to ``s_x``."""
    rx = r + x
    inv_T = 1.0 / (alpha + T)
    inv_tx = 1.0 / (alpha + tx)
    log_aT = -np.log(inv_T)
    log_ratio = np.log(inv_tx / inv_T)
    z = c_gap[x_index] + rx * log_ratio
    e = np.exp(-np.abs(z))
    softplus = np.maximum(z, 0.0) + np.log1p(e)
    q = np.where(z >= 0, 1.0, e) / (1.0 + e)  # sigmoid(z): weight of the second term
    wq = w * q
    s_x += np.bincount(x_index, weights=wq, minlength=len(s_x))
    return (
        float(w @ (softplus - rx * log_aT)),
        float(wq @ log_ratio - w @ log_aT),
        float(-(w @ (rx * inv_T)) - wq @ (rx * (inv_tx - inv_T))),
    )


class BGNBD(PurchaseModel):
    """Beta-geometric / negative binomial distribution model of repeat purchases.

    Parameters
    ----------
    penalizer
        L2 penalty on the log-parameters (see :class:`~rfmkit.models.base.BaseModel`).

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha`` (purchase rate heterogeneity, gamma) and ``a``, ``b``
        (drop-out probability heterogeneity, beta), as in [1]_.
    log_likelihood_ : float
        Maximised log-likelihood, eq. (6) of [1]_ summed over customers.
    standard_errors_ : dict
        From the observed information matrix.

    References
    ----------
    .. [1] Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting
       Your Customers" the Easy Way: An Alternative to the Pareto/NBD Model.
       Marketing Science 24(2), 275-284.
    """

    name = "bgnbd"
    param_names = ("r", "alpha", "a", "b")
    shape_params = ("r", "a", "b")
    #: Drop-out opportunities beyond one per repeat purchase (1 in the
    #: modified BG/NBD, which lets a customer leave after the first purchase).
    _extra_dropouts = 0

    @staticmethod
    def _prepare(x: FloatArray, tx: FloatArray, T: FloatArray, weights: FloatArray) -> Any:
        return _prepare(x, tx, T, weights)

    @staticmethod
    def _log_likelihood(theta: FloatArray, data: Any) -> tuple[float, FloatArray | None]:
        return _log_likelihood(theta, data)

    @accepts_frequency
    def fit(
        self,
        repeat_purchases: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Fit by maximum likelihood.

        Parameters
        ----------
        repeat_purchases
            Repeat purchases ``x`` per customer (purchases after the first,
            same-day purchases counted once).
        recency
            Time ``t_x`` from the first to the last purchase.
        T
            Time from the first purchase to the end of the observation
            window, in the same unit as ``recency``.
        weights
            Optional number of customers each row stands for.
        """
        x, tx, T_ = check_purchase_inputs(repeat_purchases, recency, T)
        w = check_weights(weights, len(x))
        self._check_identifiable(x, w)
        data = self._prepare(x, tx, T_, w)
        self._maximise(
            lambda theta: self._log_likelihood(theta, data),
            _start(x, T_, w),
            w.sum(),
            self._about_data(x, w),
        )
        self.n_customers_ = round(float(w.sum()))
        return self

    @accepts_frequency
    def log_likelihood(
        self, repeat_purchases: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> float:
        """Log-likelihood of data under the fitted parameters (eq. 6 of [1])."""
        x, tx, T_ = check_purchase_inputs(repeat_purchases, recency, T)
        data = self._prepare(x, tx, T_, np.ones(len(x)))
        return self._log_likelihood(self._params(), data)[0]

    # ------------------------------------------------------------ predictions
    @accepts_frequency
    def p_alive(self, repeat_purchases: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
        """Probability that each customer is still active at ``T``, eq. (A.1) of [2].

        Customers without repeat purchases get exactly 1: in the BG/NBD a
        customer can drop out only just after a repeat purchase.
        """
        r, alpha, a, b = self._params()
        x, tx, T_ = check_purchase_inputs(repeat_purchases, recency, T)
        logit = np.full_like(x, -np.inf)
        pos = x > 0
        logit[pos] = (
            np.log(a)
            - np.log(b + x[pos] - 1)
            + (r + x[pos]) * np.log1p((T_[pos] - tx[pos]) / (alpha + tx[pos]))
        )
        return np.asarray(expit(-logit), dtype=float)

    def _expected_if_alive(self, t: float, x: FloatArray, T: FloatArray) -> FloatArray:
        """E[X(T, T+t)] for a customer known to be active at T: eq. (10) of [1]
        without its P(alive) denominator.

        With ``k`` extra drop-out opportunities (:attr:`_extra_dropouts`), ``p``
        given activity is beta(a, b+x+k) and the result is
        ``(a+b+x+k-1)/(a-1) [1 - (1-z)^(r+x) 2F1(r+x, b+x+k; a+b+x+k-1; z)]``.
        Euler's transformation of the Gaussian hypergeometric function turns
        the product into ``(1-z)^(a-1) 2F1(a+b+k-1-r, a-1; a+b+x+k-1; z)``,
        whose series stays well behaved for large ``x``.
        """
        r, alpha, a, b = self._params()
        if abs(a - 1.0) < 1e-9:
            a = 1.0 + 1e-9  # eq. (10) is 0/0 at a = 1; its limit is continuous
        z = t / (alpha + T + t)
        shift = b + self._extra_dropouts - 1
        c = a + shift + x
        # c = 0 (x = 0 and a + b = 1) is a removable pole of c * 2F1(.; c; z)
        c = np.where(np.abs(c) < 1e-7, 1e-7, c)
        bracket = 1.0 - np.exp((a - 1) * np.log1p(-z)) * hyp2f1(a + shift - r, a - 1, c, z)
        result = np.asarray(c / (a - 1) * bracket, dtype=float)
        if not np.all(np.isfinite(result)):
            raise ModelError(
                "Expected purchases could not be computed for some customers.",
                fix="The fitted parameters are extreme; refit with penalizer=0.001.",
            )
        return result

    @accepts_frequency
    def expected_purchases(
        self, t: float, repeat_purchases: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Expected purchases in the next ``t`` time units, eq. (10) of [1]."""
        x, tx, T_ = check_purchase_inputs(repeat_purchases, recency, T)
        alive = self.p_alive(x, tx, T_)
        if t <= 0:
            return np.zeros_like(x)
        keys = compress(x, T_)
        if_alive = self._expected_if_alive(t, *keys.columns)[keys.inverse]
        return alive * if_alive

    def population_expected_purchases(self, t: ArrayLike) -> FloatArray:
        """E[X(t)] for a customer just acquired (repeat purchases in ``t``), eq. (9) of [1]."""
        r, alpha, a, b = self._params()
        tt = np.asarray(t, dtype=float)
        if abs(a - 1.0) < 1e-9:
            a = 1.0 + 1e-9
        z = tt / (alpha + tt)
        head = (alpha / (alpha + tt)) ** r * hyp2f1(r, b, a + b - 1, z)
        return np.asarray((a + b - 1) / (a - 1) * (1 - head), dtype=float)

    @accepts_frequency
    def prob_purchase(
        self, t: float, repeat_purchases: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Probability of at least one purchase in the next ``t`` time units.

        P(alive) times the chance that an active customer, whose rate given
        the history is gamma(r + x, alpha + T), buys within ``t``; in the
        BG/NBD an active customer cannot drop out before that next purchase.
        """
        r, alpha, _, _ = self._params()
        x, tx, T_ = check_purchase_inputs(repeat_purchases, recency, T)
        none = np.exp(-(r + x) * np.log1p(t / (alpha + T_)))
        return np.asarray(self.p_alive(x, tx, T_) * (1.0 - none), dtype=float)


def _start(x: FloatArray, T: FloatArray, w: FloatArray) -> FloatArray:
    """Starting values: r = a = b = 1, alpha matching the mean purchase rate."""
    rate = max(float(w @ x) / max(float(w @ T), 1e-12), 1e-6)
    return np.array([1.0, 1.0 / rate, 1.0, 1.0])
