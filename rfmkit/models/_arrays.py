"""Checking and compressing the arrays the models are fitted on.

Customers with identical inputs contribute identical log-likelihood terms,
so the models are fitted on the distinct rows with a weight (how many
customers share the row). With daily data most customers share a row with
others, which makes fitting several times faster on large customer bases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rfmkit.errors import ModelError
from rfmkit.models.base import FloatArray, IntArray

ArrayLike = Any  # numpy arrays, pandas Series, lists of numbers


def as_float_array(name: str, values: ArrayLike) -> FloatArray:
    """``values`` as a one-dimensional float64 array without NaN or inf."""
    array = np.asarray(values, dtype=float)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ModelError(f"{name} must be one-dimensional, got shape {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise ModelError(
            f"{name} contains missing or infinite values.",
            fix="Drop those customers or fill the values before fitting.",
        )
    return array


def check_purchase_inputs(
    repeat_purchases: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate the (x, t_x, T) inputs of the purchase models."""
    x = as_float_array("repeat_purchases", repeat_purchases)
    tx = as_float_array("recency", recency)
    t = as_float_array("T", T)
    if not len(x) == len(tx) == len(t):
        raise ModelError(
            f"repeat_purchases, recency and T differ in length ({len(x)}, {len(tx)}, {len(t)})."
        )
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ModelError("repeat_purchases must be whole numbers >= 0 (purchases after the first).")
    if np.any(tx < 0) or np.any(tx > t * (1 + 1e-12) + 1e-12):
        raise ModelError(
            "recency must lie between 0 and T for every customer.",
            fix="recency is the time from first to last purchase; T the time from first "
            "purchase to the end of the observation window, in the same unit.",
        )
    if np.any((x == 0) & (tx != 0)):
        raise ModelError("Customers without repeat purchases must have recency 0.")
    return x, np.minimum(tx, t), t


def check_weights(weights: ArrayLike | None, n: int) -> FloatArray:
    """Customer weights (counts of identical customers); ones when not given."""
    if weights is None:
        return np.ones(n)
    w = as_float_array("weights", weights)
    if len(w) != n or np.any(w < 0):
        raise ModelError("weights must be >= 0, one per customer.")
    return w


@dataclass(frozen=True)
class Compressed:
    """Distinct rows of several columns, with how many times each occurs.

    ``columns`` are the distinct rows (sorted by the first column), ``weights``
    their summed weights and ``inverse`` maps each original row to its
    distinct row.
    """

    columns: tuple[FloatArray, ...]
    weights: FloatArray
    inverse: IntArray


def compress(*columns: FloatArray, weights: FloatArray | None = None) -> Compressed:
    """Group identical rows of ``columns`` (hash-based, no Python loop over rows).

    Each column is factorised on its own, then the codes are combined into
    one integer key, which is factorised again.
    """
    n = len(columns[0])
    key = np.zeros(n, dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(column)
        if len(uniques) and key.max(initial=0) > (2**62) // len(uniques):
            key = pd.factorize(key)[0].astype(np.int64)  # keep the combined key small
        key = key * len(uniques) + codes
    codes, _ = pd.factorize(key)
    codes = np.asarray(codes, dtype=np.intp)
    k = int(codes.max()) + 1 if n else 0
    first = np.full(k, n, dtype=np.intp)
    np.minimum.at(first, codes, np.arange(n, dtype=np.intp))
    w = np.bincount(codes, weights=weights, minlength=k) if n else np.zeros(0)
    distinct = tuple(np.asarray(c, dtype=float)[first] for c in columns)
    order = np.argsort(distinct[0], kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return Compressed(
        columns=tuple(c[order] for c in distinct),
        weights=np.asarray(w, dtype=float)[order],
        inverse=rank[codes],
    )


def group_index(values: FloatArray) -> tuple[FloatArray, IntArray]:
    """Distinct values and, for each element, the index of its value."""
    distinct, index = np.unique(values, return_inverse=True)
    return distinct, index.astype(np.intp)


#: Rows per chunk in the hot loops: temporaries of this size (64 KiB) stay in
#: the CPU cache and are recycled by the allocator, instead of being mapped
#: fresh (with page faults) for every operation on million-row arrays.
CHUNK = 8192


def chunks(n: int, size: int = CHUNK) -> list[slice]:
    """Consecutive slices covering ``range(n)``."""
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]
