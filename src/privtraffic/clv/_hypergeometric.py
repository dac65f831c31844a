"""Stable evaluation of the Gaussian hypergeometric terms of the BTYD expectations.

The BG/NBD and MBG/NBD expectations need ``1 - (1 - z)**e * 2F1(A, B; C; z)`` for
``0 <= z < 1``. Evaluated naively it overflows for heavy buyers (``2F1`` grows like
``(1-z)**-x``) and loses all its digits for tiny ``z`` (``1 - 1``). Here the product is formed
on the log scale, ``2F1 - 1`` comes from its power series when ``z`` is small, and when scipy's
``hyp2f1`` is not finite the Euler-transformed form is used instead.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

__all__ = ["hyp2f1_minus_one", "one_minus_scaled_hyp2f1"]

_SERIES_Z = 0.02
_SERIES_TERMS = 5000


def hyp2f1_minus_one(A: ArrayLike, B: ArrayLike, C: ArrayLike, z: ArrayLike) -> NDArray[np.float64]:
    """``2F1(A, B; C; z) - 1`` without cancellation for small ``z``.

    Parameters
    ----------
    A, B, C, z : numpy.ndarray or float
        Broadcast together; ``C > 0`` and ``0 <= z < 1``.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> float(hyp2f1_minus_one(1.0, 1.0, 2.0, 1e-12))  # -log(1 - z)/z - 1 = z/2 + ...
    5.000000000003333e-13
    """
    A, B, C, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (A, B, C, z)))
    with np.errstate(all="ignore"):
        out = np.array(special.hyp2f1(A, B, C, z) - 1.0, dtype=np.float64)
    # The power series where z is small (no cancellation) and wherever scipy's hyp2f1 is not
    # finite (it overflows for some large C with z near 1 and integer C - A - B, where the
    # series converges quickly because of the large C).
    rows = np.flatnonzero((z < _SERIES_Z) | ~np.isfinite(out))
    if rows.size:
        a, b, c, zz = A.flat[rows], B.flat[rows], C.flat[rows], z.flat[rows]
        term = a * b / c * zz
        total = term.copy()
        done = np.zeros(rows.size, dtype=bool)
        with np.errstate(all="ignore"):
            for k in range(1, _SERIES_TERMS):
                term = term * (a + k) * (b + k) / ((c + k) * (k + 1.0)) * zz
                total += term
                done = np.abs(term) <= 1e-17 * np.abs(total)
                if done.all():
                    break
        ok = done & np.isfinite(total)
        out.flat[rows[ok]] = total[ok]
    return out


def one_minus_scaled_hyp2f1(
    e: ArrayLike, A: ArrayLike, B: ArrayLike, C: ArrayLike, z: ArrayLike
) -> NDArray[np.float64]:
    """``1 - (1 - z)**e * 2F1(A, B; C; z)``, stable for heavy buyers and tiny or huge ``z``.

    Where scipy's ``2F1`` is not finite and positive, Euler's transformation
    ``2F1(A, B; C; z) = (1-z)**(C-A-B) * 2F1(C-A, C-B; C; z)`` is tried.

    Parameters
    ----------
    e, A, B, C : float or numpy.ndarray
        Exponent and hypergeometric parameters (``C > 0``).
    z : numpy.ndarray
        Arguments in [0, 1).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> # 2F1(1, 1; 2; z) = -log(1 - z) / z, so the value is 1 + (1 - z) * log(1 - z) / z
    >>> round(float(one_minus_scaled_hyp2f1(1.0, 1.0, 1.0, 2.0, np.array([0.5]))[0]), 6)
    0.306853
    """
    z = np.asarray(z, dtype=np.float64)
    e_, A_, B_, C_, z = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (e, A, B, C)), z
    )
    with np.errstate(all="ignore"):
        f_minus_one = hyp2f1_minus_one(A_, B_, C_, z)
        log_f = np.log1p(f_minus_one)
        log_g = np.array(e_ * np.log1p(-z) + log_f, dtype=np.float64)
        bad = ~np.isfinite(log_g) & ~(f_minus_one <= -1.0)
        if bad.any():
            idx = np.flatnonzero(bad)
            a2, b2, c2, zz = A_.flat[idx], B_.flat[idx], C_.flat[idx], z.flat[idx]
            alt = (e_.flat[idx] + c2 - a2 - b2) * np.log1p(-zz) + np.log(
                special.hyp2f1(c2 - a2, c2 - b2, c2, zz)
            )
            log_g.flat[idx] = alt
        out = -np.expm1(log_g)
        # 2F1 can be negative when C < 0 (e.g. a + b < 1 in BG/NBD): no logarithm then.
        negative = f_minus_one <= -1.0
        if negative.any():
            idx = np.flatnonzero(negative)
            out.flat[idx] = 1.0 - np.exp(e_.flat[idx] * np.log1p(-z.flat[idx])) * (
                1.0 + f_minus_one.flat[idx]
            )
    return out
