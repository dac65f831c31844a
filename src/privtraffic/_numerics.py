"""Numerical building blocks with no domain in them: a weighted sum, a finite-difference Hessian.

A base module (it imports nothing of privtraffic's): the in-memory fits of
:mod:`privtraffic.clv` and the partitioned fits of :mod:`privtraffic.integrations.dask` take
their sums and their curvature from the same two functions, so the two fits agree to the bit
where they see the same rows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = ["gradient_hessian", "weighted_sum"]

_Gradient = Callable[[NDArray[np.float64]], NDArray[np.float64]]


def weighted_sum(
    weights: NDArray[np.floating] | NDArray[np.integer],
    values: NDArray[np.floating] | NDArray[np.integer],
) -> float:
    """``sum(weights * values)`` without BLAS.

    A BLAS dot product wakes its worker threads on every call; on a busy machine that costs
    milliseconds per call inside an optimiser loop, far more than the arithmetic.

    Examples
    --------
    >>> weighted_sum(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    11.0
    """
    return float(np.einsum("i,i->", weights, values))


def gradient_hessian(
    gradient: _Gradient,
    x: NDArray[np.float64],
    step: float = 1e-5,
    *,
    at: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Hessian by finite differences of an analytic gradient, symmetrised.

    Central differences by default; forward differences (half the gradient evaluations)
    when the gradient ``at`` ``x`` is given.

    Parameters
    ----------
    gradient : callable
        ``gradient(x) -> ndarray`` of the function whose Hessian is wanted.
    x : numpy.ndarray
        Where to evaluate it.
    step : float
        Relative finite-difference step.
    at : numpy.ndarray, optional
        ``gradient(x)``, if already known: forward differences.

    Returns
    -------
    numpy.ndarray
        ``(k, k)`` symmetric matrix.

    Examples
    --------
    >>> h = gradient_hessian(lambda x: np.array([2 * x[0] + x[1], x[0] + 6 * x[1]]), np.ones(2))
    >>> np.round(h, 6).tolist()
    [[2.0, 1.0], [1.0, 6.0]]
    """
    k = x.size
    h = np.empty((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = step * max(1.0, abs(float(x[i])))
        if at is None:
            h[i] = (gradient(x + e) - gradient(x - e)) / (2.0 * e[i])
        else:
            h[i] = (gradient(x + e) - at) / e[i]
    symmetric: NDArray[np.float64] = 0.5 * (h + h.T)
    return symmetric
