"""The optimiser run of :class:`~rfmkit.models.base.BaseModel`, with its guards.

:func:`minimise` runs L-BFGS-B on a model's objective and stops it early,
with a :class:`~rfmkit.errors.ConvergenceError` that says what happened and
what to do, when

* parameters run away (a dimensionless shape parameter above
  :data:`MAX_SHAPE`, or any parameter beyond ``exp(±25)``): the data cannot
  pin the model down, typically because too few customers bought again;
* the fit takes longer than its time budget;
* the optimiser stops without converging (iteration limit, failed line
  search), never with an empty reason.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import optimize

from rfmkit.errors import ConvergenceError

if TYPE_CHECKING:
    from rfmkit.models.base import FloatArray

#: Largest accepted value of a shape parameter (``r``, ``a``, ``b``, ``s``).
#: A shape this large means the model found no variation between customers
#: to measure and is pushing it towards zero: the fit is degenerate.
MAX_SHAPE = 1e4
#: Largest accepted ``|log(parameter)|`` for any parameter (exp(25) ~ 7e10).
MAX_LOG_PARAM = 25.0

Objective = Callable[["FloatArray"], tuple[float, "FloatArray"]]


@dataclass(frozen=True)
class Problem:
    """What the guards need to know about the model being fitted.

    Attributes
    ----------
    model
        The model's name (``bgnbd``, ...).
    param_names, shape_params
        All parameter names in order, and those that are dimensionless shapes.
    about_data
        A sentence on the data, e.g. "Only 3 of 5 customers made a repeat purchase."
    max_iter, max_seconds, tol
        The optimiser's limits.
    """

    model: str
    param_names: tuple[str, ...]
    shape_params: tuple[str, ...]
    about_data: str
    max_iter: int
    max_seconds: float | None
    tol: float


class _Stopped(Exception):
    def __init__(self, reason: str, log_theta: FloatArray, iterations: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.log_theta = np.array(log_theta, dtype=float)
        self.iterations = iterations


def runaway(problem: Problem, log_theta: FloatArray) -> list[str]:
    """Names of the parameters that have run away at ``log_theta``."""
    limit = math.log(MAX_SHAPE)
    return [
        name
        for name, value in zip(problem.param_names, log_theta, strict=True)
        if abs(value) > MAX_LOG_PARAM or (name in problem.shape_params and value > limit)
    ]


def minimise(problem: Problem, objective: Objective, start: FloatArray) -> optimize.OptimizeResult:
    """Minimise ``objective`` over log-parameters from ``start`` (log scale).

    Raises
    ------
    ConvergenceError
        When the parameters run away, the time budget is spent or the
        optimiser fails; the message names the cause and the remedies.
    """
    deadline = math.inf if problem.max_seconds is None else time.monotonic() + problem.max_seconds
    iterations = 0

    def timed(log_theta: FloatArray) -> tuple[float, FloatArray]:
        if time.monotonic() > deadline:
            raise _Stopped("time", log_theta, iterations)
        return objective(log_theta)

    def watch(intermediate_result: optimize.OptimizeResult) -> None:
        nonlocal iterations
        iterations += 1
        if runaway(problem, intermediate_result.x):
            raise _Stopped("runaway", intermediate_result.x, iterations)

    try:
        result = optimize.minimize(
            timed,
            start,
            jac=True,
            method="L-BFGS-B",
            callback=watch,
            options={"maxiter": problem.max_iter, "gtol": problem.tol, "ftol": 1e-13, "maxcor": 20},
        )
    except _Stopped as stop:
        raise convergence_error(problem, stop.reason, stop.log_theta, stop.iterations) from None
    _check_result(problem, result)
    return result


def _check_result(problem: Problem, result: optimize.OptimizeResult) -> None:
    x = np.asarray(result.x, dtype=float)
    if not (np.all(np.isfinite(x)) and math.isfinite(result.fun)):
        raise convergence_error(problem, "not finite", x, int(result.nit))
    if runaway(problem, x):
        raise convergence_error(problem, "runaway", x, int(result.nit))
    if result.success or _near_optimum(result):
        return
    raise convergence_error(problem, _reason(problem, result), x, int(result.nit))


def _near_optimum(result: optimize.OptimizeResult) -> bool:
    """L-BFGS-B sometimes stops on a line-search failure right at the optimum."""
    message = str(result.message).upper()
    jac = np.asarray(result.jac, dtype=float)
    return "ABNORMAL" in message and bool(np.max(np.abs(jac)) < 1e-5)


def _reason(problem: Problem, result: optimize.OptimizeResult) -> str:
    """The optimiser's stop in words (SciPy's message can be ``"ABNORMAL: "``)."""
    message = str(result.message).strip()
    upper = message.upper()
    if "ITERATIONS" in upper or int(result.nit) >= problem.max_iter:
        return "iterations"
    if "ABNORMAL" in upper:
        return (
            "its line search could not improve the fit any more although it had not "
            "reached an optimum (the likelihood is flat or irregular there)"
        )
    if "EVALUATIONS" in upper:
        return "it evaluated the likelihood too many times"
    return f"the optimiser stopped: {message}" if message.rstrip(":. ") else "no reason given"


def convergence_error(
    problem: Problem, reason: str, log_theta: FloatArray, iterations: int
) -> ConvergenceError:
    """The error for a fit stopped for ``reason``, with its remedies."""
    params = dict(zip(problem.param_names, np.exp(log_theta).tolist(), strict=True))
    details: dict[str, object] = {
        "model": problem.model,
        "reason": reason if reason in ("runaway", "time", "iterations") else "failed",
        "iterations": iterations,
        "params": params,
    }
    penalty = "add a small penalty (penalizer=0.01 in Python, --penalizer 0.01 on the command line)"
    if reason == "runaway":
        names = runaway(problem, log_theta)
        shown = ", ".join(f"{k} = {params[k]:.3g}" for k in names)
        message = (
            f"The {problem.model} model's parameters ran away to extreme values while "
            f"fitting ({shown}): the data cannot pin the model down, so its predictions "
            f"would be meaningless. {problem.about_data}"
        )
        fix = (
            f"{_cap(penalty)}; or fit on more customers, a few hundred with repeat "
            "purchases at least, or on a longer history."
        )
    else:
        message = f"The {problem.model} model did not converge: {_describe(problem, reason)}."
        if problem.about_data:
            message += f" {problem.about_data}"
        fix = (
            f"{_cap(penalty)}; check that enough customers bought more than once; or, "
            "if the time unit is days, fit in weeks (--time-unit W)."
        )
        if reason in ("time", "iterations"):
            fix = f"Allow more (max_iter, max_seconds), or {penalty}."
    return ConvergenceError(message.strip(), fix=fix, details=details)


def _describe(problem: Problem, reason: str) -> str:
    if reason == "time":
        return f"it took longer than its budget of {problem.max_seconds:g} seconds"
    if reason == "iterations":
        return f"it reached the limit of {problem.max_iter} iterations"
    if reason == "not finite":
        return "the likelihood became infinite or undefined"
    return reason


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def describe_repeat_buyers(repeat: float, customers: float) -> str:
    """``"Only 3 of 5 customers made a repeat purchase."`` (weights allowed)."""
    share = repeat / customers if customers else 0.0
    lead = "Only " if repeat < 100 or share < 0.05 else ""
    return f"{lead}{repeat:,.0f} of {customers:,.0f} customers made a repeat purchase."


__all__ = [
    "MAX_LOG_PARAM",
    "MAX_SHAPE",
    "Problem",
    "convergence_error",
    "describe_repeat_buyers",
    "minimise",
    "runaway",
]
