"""Special functions and expectations behind the discounted values (DERT, DERL).

Two pieces, each a pure function over arrays:

- :func:`scaled_expint`: ``exp(x) * E_nu(x)``, the generalised exponential integral of real
  order ``nu > 0``, scaled so that it stays finite and well conditioned for every ``x > 0``.
  It is the Laplace transform ``integral_0^inf exp(-x v) (1 + v)**(-nu) dv`` that appears when
  a gamma-distributed rate is discounted continuously. scipy has ``E_n`` only for whole ``n``,
  and its ``hyperu``, which would give the same value as ``U(1, 2 - nu, x)``, loses every digit
  for large ``nu`` and near whole ``nu``.
- :func:`beta_expectation`: ``E[f(p)]`` for ``p ~ Beta(a, b)``, row by row, for an ``f`` that is
  smooth on (0, 1] but changes on a small scale near 0 (a discount rate, say), which defeats a
  fixed Gauss-Jacobi rule. It integrates in ``log p`` and ``log(1 - p)`` with composite
  Gauss-Legendre panels, and adds the two far tails in closed form.

Both are checked against mpmath at 30 digits in ``tests/test_dert.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy import special

__all__ = ["beta_expectation", "scaled_expint"]

_EULER = 0.5772156649015329
#: zeta(2), zeta(3), ..., zeta(40): the Taylor coefficients of log Gamma(1 + g).
_ZETA = special.zeta(np.arange(2.0, 41.0))
_CF_MAX_ITER = 500
_GL_X, _GL_W = np.polynomial.legendre.leggauss(10)
_GL_X = 0.5 * (_GL_X + 1.0)  # nodes and weights on [0, 1]
_GL_W = 0.5 * _GL_W
_LN2 = float(np.log(2.0))
#: log of the smallest relative size of a term kept: exp(-36) is about 2e-16.
_TAIL = 36.0
#: Rows evaluated at once by beta_expectation (about 1,000 nodes each).
_CHUNK_ROWS = 2048


def _log_gamma_1p_over(g: NDArray[np.float64]) -> NDArray[np.float64]:
    """``log(Gamma(1 + g)) / g`` for ``-0.5 <= g < 1`` (``-Euler's gamma`` at ``g == 0``)."""
    out = np.empty_like(g)
    small = np.abs(g) < 0.25
    gs = g[small]
    acc = np.full_like(gs, -_EULER)
    power = np.ones_like(gs)
    for k in range(2, 41):  # log Gamma(1+g) = -gamma g + sum_k (-1)^k zeta(k) g^k / k
        power = power * gs
        acc = acc + ((-1.0) ** k) * _ZETA[k - 2] * power / k
    out[small] = acc
    gb = g[~small]
    out[~small] = (special.gammaln(2.0 + gb) - np.log1p(gb)) / gb
    result: NDArray[np.float64] = out
    return result


def _scaled_expint_series(nu: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
    """``exp(x) E_nu(x)`` for ``0 < x < 1`` by the power series and upward recurrence.

    The series is taken at a base order ``nu0`` in (0, 1.5) with ``nu - nu0`` whole; writing
    ``g = 1 - nu0``,
    ``E_nu0(x) = x**-g Gamma(g) - 1/g - sum_{k>=1} (-x)**k / (k! (g + k))``, and the first two
    terms, which cancel as ``g -> 0``, are combined into ``W * exprel(g W)`` with
    ``W = -log(x) + log(Gamma(1 + g)) / g``. Then ``exp(x) E_{v+1} = (1 - x exp(x) E_v) / v``
    climbs to ``nu``; each step damps errors by ``x / v < 1`` except the first, by at most 2.
    """
    steps = np.maximum(np.ceil(nu - 1.5), 0.0)
    base = nu - steps
    g = 1.0 - base
    w = -np.log(x) + _log_gamma_1p_over(g)
    value = w * special.exprel(g * w)
    term = np.ones_like(x)
    for k in range(1, 40):
        term = term * (-x) / k
        value = value - term / (g + k)
    value = value * np.exp(x)
    order = base.copy()
    for _ in range(int(steps.max(initial=0.0))):
        climb = steps > 0
        value = np.where(climb, (1.0 - x * value) / order, value)
        order = np.where(climb, order + 1.0, order)
        steps = steps - 1.0
    result: NDArray[np.float64] = value
    return result


def _scaled_expint_fraction(nu: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
    """``exp(x) E_nu(x)`` by its continued fraction (modified Lentz); fast when ``x + nu`` is big.

    ``exp(x) E_nu(x) = 1/(x + nu - 1 nu/(x + nu + 2 - 2 (nu + 1)/(x + nu + 4 - ...)))``. Values
    that have converged leave the working set every few steps.
    """
    out = np.empty_like(x)
    live = np.arange(x.size)
    nu_l = nu
    b = x + nu
    c = np.full_like(b, 1e300)
    d = 1.0 / b
    h = d.copy()
    for i in range(1, _CF_MAX_ITER):
        an = -i * (nu_l - 1.0 + i)
        b = b + 2.0
        d = 1.0 / (an * d + b)
        c = b + an / c
        delta = c * d
        h = h * delta
        if i % 4 == 0 or i == _CF_MAX_ITER - 1:
            done = np.abs(delta - 1.0) < 1e-16
            if done.any():
                out[live[done]] = h[done]
                keep = ~done
                live, nu_l, b, c, d, h = live[keep], nu_l[keep], b[keep], c[keep], d[keep], h[keep]
                if live.size == 0:
                    break
    out[live] = h
    return out


def scaled_expint(nu: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
    """``exp(x) * E_nu(x)`` for real ``nu > 0`` and ``x > 0``, elementwise.

    ``E_nu(x) = integral_1^inf exp(-x t) t**(-nu) dt``, so the scaled value is
    ``integral_0^inf exp(-x v) (1 + v)**(-nu) dv``: between ``1 / (x + nu)`` and ``1 / x``.
    A continued fraction where it converges fast (``x >= 1`` or ``nu >= 20``), a power series
    with upward recurrence in the order elsewhere; relative error about 1e-14.

    Parameters
    ----------
    nu, x : numpy.ndarray
        Orders (> 0) and arguments (> 0), broadcast together.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> v = scaled_expint(np.array([1.0, 2.5, 200.0]), np.array([0.1, 3.0, 0.01]))
    >>> np.round(v, 6).tolist()
    [2.014643, 0.195194, 0.005025]
    """
    nu_b, x_b = np.broadcast_arrays(
        np.asarray(nu, dtype=np.float64), np.asarray(x, dtype=np.float64)
    )
    nu_f, x_f = nu_b.ravel(), x_b.ravel()
    out = np.empty(nu_f.shape)
    fraction = (x_f >= 1.0) | (nu_f >= 20.0)
    if fraction.any():
        out[fraction] = _scaled_expint_fraction(nu_f[fraction], x_f[fraction])
    if (~fraction).any():
        out[~fraction] = _scaled_expint_series(nu_f[~fraction], x_f[~fraction])
    result: NDArray[np.float64] = out.reshape(nu_b.shape)
    return result


#: ``f(p, q, rows)`` with ``q = 1 - p`` (both exact, as arrays of nodes) and ``rows`` the row of
#: each node; returns ``f`` at every node.
Integrand = Callable[
    [NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]], NDArray[np.float64]
]


def _panels(
    lower: NDArray[np.float64], upper: float, width: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]:
    """Gauss-Legendre nodes and weights of [lower_i, upper], in panels no wider than width_i."""
    n = np.maximum(np.ceil((upper - lower) / width), 1.0).astype(np.intp)
    row = np.repeat(np.arange(lower.size), n)
    first = np.cumsum(n) - n
    panel = np.arange(row.size) - first[row]
    step = (upper - lower[row]) / n[row]
    start = lower[row] + panel * step
    nodes = (start[:, None] + step[:, None] * _GL_X[None, :]).ravel()
    weights = (step[:, None] * _GL_W[None, :]).ravel()
    return nodes, weights, np.repeat(row, _GL_X.size)


def _beta_expectation_chunk(
    f: Integrand,
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    scale: NDArray[np.float64],
    at_zero: NDArray[np.float64],
    at_one: NDArray[np.float64],
    rows: NDArray[np.intp],
) -> NDArray[np.float64]:
    m = a.size
    log_beta = special.betaln(a, b)
    total = np.zeros(m)
    # Part A, p <= 1/2, in y = log p. Below y_lo either f is f(0) to 2e-16 (p < scale e^-36)
    # or the density is below e^-40 of its peak: that tail is f(0) times the Beta mass there.
    width_a = np.minimum(1.0, 4.0 / a)
    y_peak = np.log(a / (a + b))
    y_lo = np.maximum(np.log(scale) - _TAIL, y_peak - 40.0 / a - 10.0 / np.sqrt(a))
    y_lo = np.minimum(np.maximum(y_lo, -700.0), -_LN2 - width_a)
    y, wy, ry = _panels(y_lo, -_LN2, width_a)
    p = np.exp(y)
    q = -np.expm1(y)
    dens = np.exp(a[ry] * y + (b[ry] - 1.0) * np.log(q) - log_beta[ry])
    total += np.bincount(ry, weights=wy * dens * f(p, q, rows[ry]), minlength=m)
    total += at_zero * special.betainc(a, b, np.exp(y_lo))
    # Part B, p >= 1/2, in z = log(1 - p); the tail q < e^z_lo is f(1) times its mass.
    width_b = np.minimum(1.0, 4.0 / b)
    z_peak = np.log(b / (a + b))
    z_lo = np.maximum(-_TAIL, z_peak - 40.0 / b - 10.0 / np.sqrt(b))
    z_lo = np.minimum(np.maximum(z_lo, -700.0), -_LN2 - width_b)
    z, wz, rz = _panels(z_lo, -_LN2, width_b)
    q = np.exp(z)
    p = -np.expm1(z)
    dens = np.exp(b[rz] * z + (a[rz] - 1.0) * np.log(p) - log_beta[rz])
    total += np.bincount(rz, weights=wz * dens * f(p, q, rows[rz]), minlength=m)
    total += at_one * special.betainc(b, a, np.exp(z_lo))
    return total


def beta_expectation(
    f: Integrand,
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    *,
    scale: NDArray[np.float64],
    at_zero: NDArray[np.float64],
    at_one: NDArray[np.float64],
) -> NDArray[np.float64]:
    """``E[f_i(p)]`` for ``p ~ Beta(a_i, b_i)``, one value per row ``i``.

    ``f_i`` must be finite on [0, 1] (``at_zero`` and ``at_one`` are its limits) and smooth on
    the scale of ``log p`` except for one feature near ``p = scale_i``. The integral over
    ``p <= 1/2`` is taken in ``log p``, the one over ``p >= 1/2`` in ``log(1 - p)``, with
    10-point Gauss-Legendre panels at most one unit (and at most ``4/a``, ``4/b``) wide, so the
    density's endpoint singularities and peaks and the feature at ``scale`` are all resolved;
    beyond ``exp(-36)`` of an end, ``f`` is replaced by its limit and the Beta mass there is
    exact (:func:`scipy.special.betainc`). Relative error about 1e-12.

    Parameters
    ----------
    f : callable
        ``f(p, q, rows) -> values`` at nodes ``p`` (with ``q = 1 - p``) for the rows ``rows``.
    a, b : numpy.ndarray
        Beta parameters (> 0) per row.
    scale : numpy.ndarray
        Where near 0 ``f`` changes (> 0), per row.
    at_zero, at_one : numpy.ndarray
        ``f(0)`` and ``f(1)`` per row.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> a, b = np.array([0.5, 2.0]), np.array([3.0, 40.0])
    >>> mean = beta_expectation(lambda p, q, rows: p, a, b, scale=np.ones(2),
    ...     at_zero=np.zeros(2), at_one=np.ones(2))
    >>> np.round(mean, 10).tolist() == np.round(a / (a + b), 10).tolist()
    True
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = np.asarray(scale, dtype=np.float64)
    at_zero = np.asarray(at_zero, dtype=np.float64)
    at_one = np.asarray(at_one, dtype=np.float64)
    out = np.empty(a.size)
    for start in range(0, a.size, _CHUNK_ROWS):
        sl = slice(start, start + _CHUNK_ROWS)
        rows = np.arange(a.size)[sl]
        out[sl] = _beta_expectation_chunk(f, a[sl], b[sl], scale[sl], at_zero[sl], at_one[sl], rows)
    return out
