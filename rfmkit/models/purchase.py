"""What the purchase models (BG/NBD, Pareto/NBD) have in common.

Both models describe an active customer's purchases as a Poisson process
whose rate ``lambda`` is gamma(r, alpha) across customers, so given a
history (x repeat purchases in an age T) and given that the customer is
still active, the rate is gamma(r + x, alpha + T). That posterior gives the
waiting time to the next purchase shared by both models here.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Self

import numpy as np

from rfmkit.errors import ModelError
from rfmkit.models._arrays import ArrayLike, check_purchase_inputs
from rfmkit.models._compat import accepts_frequency
from rfmkit.models.base import BaseModel, FloatArray
from rfmkit.models.fitting import describe_repeat_buyers


class PurchaseModel(BaseModel):
    """Base class of the models of repeat-purchase counts."""

    @abstractmethod
    def fit(
        self,
        repeat_purchases: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Fit on repeat purchases ``x``, recency ``t_x`` and age ``T`` per customer."""

    @abstractmethod
    def p_alive(self, repeat_purchases: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
        """Probability that each customer is still active at the end of ``T``."""

    @abstractmethod
    def expected_purchases(
        self, t: float, repeat_purchases: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Expected repeat purchases in the next ``t`` time units."""

    @abstractmethod
    def prob_purchase(
        self, t: float, repeat_purchases: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Probability of at least one purchase in the next ``t`` time units."""

    @accepts_frequency
    def next_purchase_wait(
        self,
        repeat_purchases: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        *,
        quantile: float = 0.5,
    ) -> FloatArray:
        """Median (or other ``quantile``) wait until the next purchase, if still active.

        For a customer still active at ``T`` the wait is exponential with the
        rate drawn from its gamma(r + x, alpha + T) posterior, a Lomax
        distribution, so ``P(wait > w) = ((alpha + T) / (alpha + T + w))^(r + x)``
        and the quantile is ``(alpha + T) * ((1 - quantile)^(-1 / (r + x)) - 1)``.
        It ignores the chance that the customer has already left: read it
        together with :meth:`p_alive`.
        """
        if not 0 < quantile < 1:
            raise ModelError("quantile must be between 0 and 1.")
        r, alpha = self.params_["r"], self.params_["alpha"]
        x, _, T_ = check_purchase_inputs(repeat_purchases, recency, T)
        return np.asarray((alpha + T_) * np.expm1(-np.log1p(-quantile) / (r + x)), dtype=float)

    @staticmethod
    def _about_data(x: FloatArray, weights: FloatArray) -> str:
        """How many customers bought again, for error messages."""
        return describe_repeat_buyers(float(weights[x > 0].sum()), float(weights.sum()))

    def _check_identifiable(self, x: FloatArray, weights: FloatArray) -> None:
        """Refuse data that cannot identify the model, with a clear message."""
        customers = float(weights.sum())
        if customers < 2:
            raise ModelError(
                f"The {self.name} model needs many customers; got {customers:g}.",
                fix="Fit it on the whole customer base, then predict for single customers.",
            )
        if not np.any((x > 0) & (weights > 0)):
            raise ModelError(
                "No customer made a repeat purchase, so purchase rates and drop-out "
                "cannot be told apart.",
                fix="Use a longer history, or check that order dates and customer ids are "
                "read correctly (purchases on the same day count once).",
            )
