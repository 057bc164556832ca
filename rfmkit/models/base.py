"""The shared machinery of rfmkit's prediction models.

Every model is a :class:`BaseModel`: hyper-parameters in ``__init__``, data
in ``fit``, learned values ending in ``_``. The base class maximises the
log-likelihood that each model supplies (with its analytic gradient when the
model has one) over the logarithms of the parameters, so that every
parameter stays positive without bounds; it then derives standard errors
from the observed information (the Hessian of the log-likelihood at the
optimum) and saves or loads the fitted model as plain JSON.

References
----------
.. [1] Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your
   Customers" the Easy Way: An Alternative to the Pareto/NBD Model.
   Marketing Science 24(2), 275-284.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from rfmkit.errors import ConfigError, ModelError
from rfmkit.models.fitting import Problem, minimise

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.intp]]
#: The log-likelihood of a model: parameters -> (sum of log-likelihoods, gradient or None).
LogLik = Callable[[FloatArray], tuple[float, FloatArray | None]]

FORMAT_VERSION = 1


class BaseModel:
    """Maximum-likelihood estimator shared by the purchase and spend models.

    Parameters
    ----------
    penalizer
        Strength of an L2 penalty on the logarithms of the parameters, added
        to the *mean* negative log-likelihood (so it does not depend on the
        number of customers). ``0`` (the default) is plain maximum
        likelihood; a small value such as ``0.001`` keeps parameters finite
        on small or degenerate data.
    max_iter
        Most iterations of the L-BFGS-B optimiser.
    tol
        Convergence tolerance on the projected gradient of the mean
        negative log-likelihood.
    max_seconds
        Time budget of one fit (None: no limit). A fit that runs out of
        time, whose parameters run away or that does not converge raises
        :class:`~rfmkit.errors.ConvergenceError` (see :mod:`rfmkit.models.fitting`).
    """

    name: ClassVar[str] = "base"
    param_names: ClassVar[tuple[str, ...]] = ()
    #: The dimensionless shape parameters; a fit where one exceeds
    #: :data:`rfmkit.models.fitting.MAX_SHAPE` is refused as degenerate.
    shape_params: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        penalizer: float = 0.0,
        *,
        max_iter: int = 1000,
        tol: float = 1e-9,
        max_seconds: float | None = 120.0,
    ) -> None:
        self.penalizer = penalizer
        self.max_iter = max_iter
        self.tol = tol
        self.max_seconds = max_seconds

    # ------------------------------------------------------------ fitted state
    params_: dict[str, float]
    standard_errors_: dict[str, float]
    log_likelihood_: float
    n_customers_: int
    n_iter_: int

    @property
    def is_fitted(self) -> bool:
        """Whether :meth:`fit` (or :meth:`from_dict`) has set the parameters."""
        return hasattr(self, "params_")

    def _params(self) -> FloatArray:
        """The fitted parameters as an array in ``param_names`` order."""
        if not self.is_fitted:
            raise ModelError(
                f"The {self.name} model is not fitted yet.",
                fix="Call fit(...) first, or load a saved model.",
            )
        return np.array([self.params_[k] for k in self.param_names], dtype=float)

    # ------------------------------------------------------------ optimisation
    def _maximise(self, loglik: LogLik, start: FloatArray, n: float, about_data: str = "") -> None:
        """Maximise ``loglik`` from ``start`` and store the ``*_`` attributes.

        ``n`` is the (weighted) number of customers; the optimiser works on
        the mean log-likelihood so that its tolerances do not depend on it.
        ``about_data`` is a sentence on the data for error messages.
        """
        if self.penalizer < 0 or not math.isfinite(self.penalizer):
            raise ConfigError("penalizer must be a finite number >= 0.", fix="Use 0 or 0.01.")
        problem = Problem(
            model=self.name,
            param_names=self.param_names,
            shape_params=self.shape_params,
            about_data=about_data,
            max_iter=self.max_iter,
            max_seconds=self.max_seconds,
            tol=self.tol,
        )
        result = minimise(problem, self._objective(loglik, n), np.log(start))
        theta = np.exp(result.x)
        ll, _ = loglik(theta)
        self.params_ = dict(zip(self.param_names, map(float, theta), strict=True))
        self.log_likelihood_ = float(ll)
        self.n_iter_ = int(result.nit)
        self.standard_errors_ = self._standard_errors(loglik, theta)

    def _objective(
        self, loglik: LogLik, n: float
    ) -> Callable[[FloatArray], tuple[float, FloatArray]]:
        penalizer = self.penalizer

        def objective(log_theta: FloatArray) -> tuple[float, FloatArray]:
            theta = np.exp(log_theta)
            with np.errstate(all="ignore"):  # a non-finite value is handled below
                ll, grad = loglik(theta)
                if grad is None:
                    grad = _numeric_gradient(lambda p: loglik(p)[0], theta)
            value = -ll / n + penalizer * float(log_theta @ log_theta)
            # chain rule: d/d(log theta) = theta * d/d(theta)
            gradient = -grad * theta / n + 2.0 * penalizer * log_theta
            if not math.isfinite(value) or not np.all(np.isfinite(gradient)):
                return math.inf, np.zeros_like(log_theta)
            return value, gradient

        return objective

    def _standard_errors(self, loglik: LogLik, theta: FloatArray) -> dict[str, float]:
        """Square roots of the diagonal of the inverse observed information matrix."""
        hessian = _hessian(loglik, theta)
        try:
            cov = np.linalg.inv(-hessian)
            se = np.sqrt(np.where(np.diag(cov) > 0, np.diag(cov), np.nan))
        except np.linalg.LinAlgError:
            se = np.full(len(theta), np.nan)
        return dict(zip(self.param_names, map(float, se), strict=True))

    # ------------------------------------------------------------ reporting
    def summary(self) -> pd.DataFrame:
        """Parameters with standard errors and 95% Wald intervals."""
        theta = self._params()
        se = np.array([self.standard_errors_.get(k, np.nan) for k in self.param_names])
        return pd.DataFrame(
            {
                "estimate": theta,
                "standard_error": se,
                "lower_95": theta - 1.96 * se,
                "upper_95": theta + 1.96 * se,
            },
            index=pd.Index(self.param_names, name="parameter"),
        )

    def __repr__(self) -> str:
        if not self.is_fitted:
            return f"{type(self).__name__}(penalizer={self.penalizer})"
        shown = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({shown})"

    # ------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description of the fitted model."""
        self._params()
        return {
            "format": "rfmkit-model",
            "format_version": FORMAT_VERSION,
            "model": self.name,
            "hyperparameters": {
                "penalizer": self.penalizer,
                "max_iter": self.max_iter,
                "tol": self.tol,
                "max_seconds": self.max_seconds,
            },
            "params": dict(self.params_),
            "standard_errors": {k: _json_float(v) for k, v in self.standard_errors_.items()},
            "log_likelihood": self.log_likelihood_,
            "n_customers": self.n_customers_,
            "n_iter": self.n_iter_,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Rebuild a fitted model from :meth:`to_dict` output."""
        if data.get("format") != "rfmkit-model" or data.get("model") != cls.name:
            raise ModelError(
                f"This is not a saved {cls.name} model.",
                fix=f"Load it with the class of model {data.get('model')!r}.",
            )
        model = cls(**data.get("hyperparameters", {}))
        params = data["params"]
        missing = [k for k in cls.param_names if k not in params]
        if missing:
            raise ModelError(f"The saved model lacks parameters {missing}.")
        model.params_ = {k: float(params[k]) for k in cls.param_names}
        errors = data.get("standard_errors", {})
        model.standard_errors_ = {
            k: float("nan") if errors.get(k) is None else float(errors[k]) for k in cls.param_names
        }
        model.log_likelihood_ = float(data.get("log_likelihood", float("nan")))
        model.n_customers_ = int(data.get("n_customers", 0))
        model.n_iter_ = int(data.get("n_iter", 0))
        return model

    def to_json(self, path: str | Path | None = None) -> str:
        """The model as JSON text; also written to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=2, sort_keys=True)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    @classmethod
    def from_json(cls, text_or_path: str | Path) -> Self:
        """Load a model saved by :meth:`to_json` (JSON text or a file path)."""
        text = str(text_or_path)
        if not text.lstrip().startswith("{"):
            text = Path(text).read_text(encoding="utf-8")
        return cls.from_dict(json.loads(text))


def _json_float(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _numeric_gradient(f: Callable[[FloatArray], float], theta: FloatArray) -> FloatArray:
    """Central differences, relative steps (for models without an analytic gradient)."""
    grad = np.empty_like(theta)
    for i in range(len(theta)):
        h = 1e-6 * max(abs(theta[i]), 1e-8)
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (f(up) - f(down)) / (2 * h)
    return grad


def _hessian(loglik: LogLik, theta: FloatArray) -> FloatArray:
    """Hessian of the log-likelihood by central differences.

    Differences of the analytic gradient when the model has one, otherwise
    second differences of the log-likelihood itself.
    """
    k = len(theta)
    steps = 1e-5 * np.maximum(np.abs(theta), 1e-8)
    hessian = np.empty((k, k))
    if loglik(theta)[1] is not None:
        for i in range(k):
            up, down = theta.copy(), theta.copy()
            up[i] += steps[i]
            down[i] -= steps[i]
            g_up, g_down = loglik(up)[1], loglik(down)[1]
            assert g_up is not None and g_down is not None
            hessian[i] = (g_up - g_down) / (2 * steps[i])
        return (hessian + hessian.T) / 2
    steps = 1e-4 * np.maximum(np.abs(theta), 1e-8)

    def f(i: int, j: int, si: float, sj: float) -> float:
        p = theta.copy()
        p[i] += si * steps[i]
        p[j] += sj * steps[j]
        return loglik(p)[0]

    for i in range(k):
        for j in range(i, k):
            value = (f(i, j, 1, 1) - f(i, j, 1, -1) - f(i, j, -1, 1) + f(i, j, -1, -1)) / (
                4 * steps[i] * steps[j]
            )
            hessian[i, j] = hessian[j, i] = value
    return hessian
