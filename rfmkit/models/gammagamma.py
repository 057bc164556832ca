"""The Gamma-Gamma model of spend per transaction (Fader and Hardie 2013).

A customer's transaction values are gamma(p, nu) around a customer-specific
mean p / nu, and nu is gamma(q, gamma) across customers. Fitted on each
repeat customer's number of repeat transactions ``x`` and their average
value ``m``, it shrinks a customer's observed average towards the
population mean, the more so the fewer transactions were seen.

The model assumes that spend is independent of the purchase process; check
that the correlation between ``x`` and ``m`` is weak before relying on it.

References
----------
.. [1] Fader, P. S. and Hardie, B. G. S. (2013). The Gamma-Gamma Model of
   Monetary Value. http://brucehardie.com/notes/025/
.. [2] Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV:
   Using Iso-Value Curves for Customer Base Analysis. Journal of Marketing
   Research 42(4), 415-430.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np
from scipy.special import digamma, gammaln

from rfmkit.errors import ModelError
from rfmkit.models._arrays import ArrayLike, as_float_array, check_weights, chunks, group_index
from rfmkit.models._compat import accepts_frequency
from rfmkit.models.base import BaseModel, FloatArray


@dataclass(frozen=True)
class _Data:
    x: FloatArray
    xm: FloatArray  # x * m, the total of the repeat transactions
    w: FloatArray
    xs: FloatArray  # distinct x
    n_x: FloatArray  # summed weight per distinct x
    sum_wx_log_m: float  # sum of w * x * log(m)
    sum_w_log_m: float  # sum of w * log(m)


def _prepare(x: FloatArray, m: FloatArray, w: FloatArray) -> _Data:
    xs, index = group_index(x)
    log_m = np.log(m)
    return _Data(
        x=x,
        xm=x * m,
        w=w,
        xs=xs,
        n_x=np.asarray(np.bincount(index, weights=w, minlength=len(xs)), dtype=float),
        sum_wx_log_m=float(w @ (x * log_m)),
        sum_w_log_m=float(w @ log_m),
    )


def _log_likelihood(theta: FloatArray, d: _Data) -> tuple[float, FloatArray]:
    """Sum of log-likelihoods of the average spends, eq. (4) of [1], and gradient.

    ``log f(m | x) = log Gamma(px+q) - log Gamma(px) - log Gamma(q) + q log(gamma)
    + px log(x) + (px-1) log(m) - (px+q) log(gamma + x m)``.
    """
    p, q, g = theta
    xs = d.xs
    px = p * xs
    per_x = gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g) + px * np.log(xs)
    ll = d.n_x @ per_x + p * d.sum_wx_log_m - d.sum_w_log_m
    dig = digamma(px + q)
    grad = np.array(
        [
            d.n_x @ (xs * (dig - digamma(px) + np.log(xs))) + d.sum_wx_log_m,
            d.n_x @ (dig - digamma(q) + np.log(g)),
            d.n_x.sum() * q / g,
        ]
    )
    for part in chunks(len(d.x)):
        x, w = d.x[part], d.w[part]
        total = g + d.xm[part]
        log_total = np.log(total)
        shape = p * x + q
        ll -= w @ (shape * log_total)
        grad[0] -= w @ (x * log_total)
        grad[1] -= w @ log_total
        grad[2] -= w @ (shape / total)
    return float(ll), grad


class GammaGamma(BaseModel):
    """Gamma-Gamma model of the average value of a customer's transactions.

    Parameters
    ----------
    penalizer
        L2 penalty on the log-parameters (see :class:`~rfmkit.models.base.BaseModel`).

    Attributes
    ----------
    params_ : dict
        ``p`` (shape of transaction values around a customer's mean), ``q``
        and ``gamma`` (shape and rate of the customers' ``nu``), as in [1]_.
    log_likelihood_, standard_errors_
        As for every rfmkit model.

    References
    ----------
    .. [1] Fader, P. S. and Hardie, B. G. S. (2013). The Gamma-Gamma Model of
       Monetary Value. http://brucehardie.com/notes/025/
    """

    name = "gammagamma"
    param_names = ("p", "q", "gamma")

    @accepts_frequency
    def fit(
        self,
        repeat_purchases: ArrayLike,
        monetary_value: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Fit on repeat customers.

        Parameters
        ----------
        repeat_purchases
            Number ``x`` of repeat transactions of each customer.
        monetary_value
            Average value ``m`` of those ``x`` transactions (the first
            purchase excluded, as in [1]). Customers with ``x = 0`` are left
            out; every other value must be positive.
        weights
            Optional number of customers each row stands for.
        """
        x, m = _check(repeat_purchases, monetary_value)
        w = check_weights(weights, len(x))
        keep = (x > 0) & (w > 0)
        x, m, w = x[keep], m[keep], w[keep]
        _check_identifiable(x, m, w)
        data = _prepare(x, m, w)
        self._maximise(
            lambda theta: _log_likelihood(theta, data),
            _start(m, w),
            w.sum(),
            f"The spend model sees {w.sum():,.0f} customers with repeat purchases.",
        )
        self.n_customers_ = round(float(w.sum()))
        if self.params_["q"] <= 1:
            raise ModelError(
                f"The spend model's q = {self.params_['q']:.3g} is at most 1, so the "
                "population's mean transaction value is infinite.",
                fix="A few huge transactions dominate: remove outliers or use penalizer=0.01.",
            )
        return self

    @accepts_frequency
    def log_likelihood(self, repeat_purchases: ArrayLike, monetary_value: ArrayLike) -> float:
        """Log-likelihood of repeat customers' average spends under the fitted model."""
        x, m = _check(repeat_purchases, monetary_value)
        keep = x > 0
        data = _prepare(x[keep], m[keep], np.ones(int(keep.sum())))
        return _log_likelihood(self._params(), data)[0]

    @property
    def population_mean(self) -> float:
        """Mean transaction value across customers, ``p gamma / (q - 1)``."""
        p, q, g = self._params()
        return float(p * g / (q - 1))

    @accepts_frequency
    def expected_order_value(
        self, repeat_purchases: ArrayLike, monetary_value: ArrayLike
    ) -> FloatArray:
        """Expected value of each customer's future transactions, eq. (5) of [1].

        ``(gamma + m x) p / (p x + q - 1)``: a weighted average of the
        population mean and the customer's own average ``m``. Customers
        without repeat purchases get the population mean.
        """
        p, q, g = self._params()
        x = as_float_array("repeat_purchases", repeat_purchases)
        m = np.asarray(monetary_value, dtype=float)
        m = np.where(x > 0, np.nan_to_num(m, nan=0.0), 0.0)
        return np.asarray((g + m * x) * p / (p * x + q - 1), dtype=float)


def _check(repeat_purchases: ArrayLike, monetary_value: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = as_float_array("repeat_purchases", repeat_purchases)
    m = np.asarray(monetary_value, dtype=float).reshape(-1)
    if len(m) != len(x):
        raise ModelError(
            f"repeat_purchases and monetary_value differ in length ({len(x)}, {len(m)})."
        )
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ModelError("repeat_purchases must be whole numbers >= 0 (purchases after the first).")
    repeat = x > 0
    if np.any(~np.isfinite(m[repeat])) or np.any(m[repeat] <= 0):
        raise ModelError(
            "The spend model needs a positive average spend for every repeat customer; "
            "some are zero, negative or missing.",
            fix="Leave out customers whose repeat purchases net to zero or less "
            "(for example fully refunded), or fill missing amounts.",
        )
    return x, m


def _check_identifiable(x: FloatArray, m: FloatArray, w: FloatArray) -> None:
    if w.sum() < 2:
        raise ModelError(
            "The spend model needs at least two customers with repeat purchases.",
            fix="Use a longer history, or skip the spend model (CLV then needs a fixed value).",
        )
    mean = float(w @ m / w.sum())
    spread = float(np.sqrt(w @ (m - mean) ** 2 / w.sum()))
    if spread <= 1e-9 * mean:
        raise ModelError(
            "Every repeat customer spends the same average amount, so the spend model "
            "has nothing to learn.",
            fix="Use that amount as the expected order value instead of fitting a model.",
        )


def _start(m: FloatArray, w: FloatArray) -> FloatArray:
    """Moment-based start: p = 1, q = 2, gamma = mean spend (mean of p gamma / (q-1))."""
    return np.array([1.0, 2.0, max(float(w @ m / w.sum()), 1e-6)])
