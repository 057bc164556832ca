"""Special functions with the guards the models need."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import hyp2f1 as _scipy_hyp2f1

from rfmkit.models.base import FloatArray


def hyp2f1(a: Any, b: Any, c: Any, z: Any) -> FloatArray:
    """Gaussian hypergeometric function 2F1(a, b; c; z), vectorised.

    SciPy's implementation returns inf or nan for some large ``c`` when
    ``c - a - b`` is exactly an integer (a removable degeneracy of the
    transformation it uses near ``z = 1``). The function is continuous in
    ``c``, so those entries are recomputed with ``c`` moved by a relative
    1e-10, far below the precision that matters for the models.
    """
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, c, z)))
    value = np.asarray(_scipy_hyp2f1(a, b, c, z), dtype=float)
    for step in (1e-10, -1e-10, 1e-8):
        bad = ~np.isfinite(value)
        if not bad.any():
            break
        value[bad] = _scipy_hyp2f1(a[bad], b[bad], c[bad] * (1 + step), z[bad])
    return value


def hyp2f1_a1(b: Any, c: Any, z: Any, *, max_terms: int = 200_000) -> FloatArray:
    """2F1(1, b; c; z) for ``0 < b < c`` and ``0 <= z < 1``.

    SciPy's value is used where finite; elsewhere (it fails for large ``b``
    and ``c`` with ``z`` near 1) the series ``sum (b)_n / (c)_n z^n`` is
    summed directly, :data:`SERIES_BLOCK` terms at a time for all failing
    entries at once. Its terms shrink at least as fast as ``z^n``, so the
    sum stops when they are negligible, and at most ``max_terms`` terms are
    summed: any tail left is bounded by a geometric series of ratio ``z``.
    """
    b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (b, c, z)))
    value = np.asarray(_scipy_hyp2f1(1.0, b, c, z), dtype=float)
    bad = ~np.isfinite(value)
    if bad.any():
        value[bad] = series_a1(b[bad], c[bad], z[bad], max_terms)
    return value


#: Terms of the series summed per vectorised step of :func:`series_a1`.
SERIES_BLOCK = 256


def series_a1(b: FloatArray, c: FloatArray, z: FloatArray, max_terms: int) -> FloatArray:
    """``sum_n (b)_n / (c)_n z^n`` for one-dimensional arrays, in blocks of terms.

    Each step computes the next :data:`SERIES_BLOCK` terms of every entry
    still running as a cumulative product of the term ratios
    ``(b+n) / (c+n) z`` (all below 1, so nothing overflows); an entry stops
    once its last term is below ``1e-17`` of its sum. Entries still running
    after ``max_terms`` terms get the tail bound ``term z / (1 - z)``.
    """
    total = np.ones_like(z)
    term = np.ones_like(z)
    running = np.flatnonzero(z > 0)
    steps = np.arange(SERIES_BLOCK, dtype=float)
    for start in range(0, max(max_terms, 1), SERIES_BLOCK):
        if not running.size:
            return total
        n = start + steps
        ratios = (b[running, None] + n) / (c[running, None] + n) * z[running, None]
        terms = term[running, None] * np.cumprod(ratios, axis=1)
        total[running] += terms.sum(axis=1)
        term[running] = terms[:, -1]
        running = running[term[running] > 1e-17 * total[running]]
    total[running] += term[running] * z[running] / (1.0 - z[running])
    return total
