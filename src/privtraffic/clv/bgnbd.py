"""The BG/NBD model of Fader, Hardie & Lee (2005): pure functions and the :class:`BetaGeo` shell.

While alive, a customer buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)``; after
each repeat purchase they drop out for good with probability ``p ~ Beta(a, b)``. The data of a
customer are ``frequency`` (repeat purchases, x), ``recency`` (age at the last one, t_x) and
``T`` (age at the end of observation), in one time unit; ``alpha`` is in that unit.

Every function here works in log space and stays finite for heavy buyers (frequency in the
thousands), ``recency == T`` and tiny or huge time scales.

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way:
An Alternative to the Pareto/NBD Model. *Marketing Science* 24(2), 275-284.

Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2008). Computing P(alive) Using the BG/NBD
Model. http://brucehardie.com/notes/021/
"""

from __future__ import annotations

import math
from typing import ClassVar, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from privtraffic.clv import _scalar
from privtraffic.clv._base import (
    Params,
    PurchasePredictions,
    RepeatPurchaseModel,
    as_probability,
    check_horizon,
    check_representable,
    prediction_columns,
)
from privtraffic.clv._diagnostics import ParameterPair
from privtraffic.clv._hypergeometric import (
    beta_mixture_expectation,
    log_beta_ratio,
    log_gamma_ratio,
)
from privtraffic.clv._optimize import weighted_sum as _dot
from privtraffic.clv._rows import cell_values, factorize, row_cells

__all__ = [
    "BetaGeo",
    "IndexedData",
    "conditional_expected_purchases",
    "expected_purchases_new",
    "index_data",
    "log_likelihood",
    "negative_log_likelihood",
    "negative_log_likelihood_hessian",
    "probability_alive",
    "probability_of_purchases",
    "simulate",
]


#: What :func:`index_data` returns: ``(xs, xi, ts, ti, rs, ri, active)``.
IndexedData = tuple[
    NDArray[np.float64],
    NDArray[np.intp],
    NDArray[np.float64],
    NDArray[np.intp],
    NDArray[np.float64],
    NDArray[np.intp],
    NDArray[np.intp],
]

# Below this many customers, evaluating every row is as fast as factorising the grid of
# distinct (frequency, T) cells first.
_DISTINCT_MIN_ROWS = 20000
# Customers per chunk of the prediction loops: their temporaries stay in the processor's cache.
_CHUNK = 16384


# ---------------------------------------------------------------------------------- likelihood
def log_likelihood(
    params: Params, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> NDArray[np.float64]:
    """Log-likelihood of each customer's (frequency, recency, T) under BG/NBD (FHL 2005, eq. 6).

    The purchase-process term plus the log-sum-exp of the two branches (alive at T, or dropped
    out after the last purchase), so it stays finite for heavy buyers.

    Parameters
    ----------
    params : tuple of float
        ``(r, alpha, a, b)``.
    frequency, recency, T : numpy.ndarray
        The customers' data.

    Returns
    -------
    numpy.ndarray
        One log-likelihood per customer.

    Examples
    --------
    >>> ll = log_likelihood((0.243, 4.414, 0.793, 2.426), np.array([0.0, 2.0]),
    ...     np.array([0.0, 30.43]), np.array([38.86, 38.86]))
    >>> np.round(ll, 4).tolist()
    [-0.5547, -9.4586]
    """
    return _log_likelihood(params, frequency, recency, T, 0)


def _log_likelihood(
    params: Params,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    s: int,
) -> NDArray[np.float64]:
    """BG/NBD (``s == 0``) or MBG/NBD (``s == 1``: dropout also possible at time 0)."""
    r, alpha, a, b = params
    x = np.asarray(frequency, dtype=np.float64)
    active = (x > 0) | (s == 1)
    log_t = np.log(alpha + np.asarray(T, dtype=np.float64))
    log_r = np.log(alpha + np.asarray(recency, dtype=np.float64))
    base = (
        special.gammaln(r + x)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.gammaln(a + b)
        + special.gammaln(b + x + s)
        - special.gammaln(b)
        - special.gammaln(a + b + x + s)
        - (r + x) * log_t
    )
    z = np.log(a) - np.log(b + np.maximum(x, 1.0 - s) - 1.0 + s) + (r + x) * (log_t - log_r)
    out: NDArray[np.float64] = base + np.where(active, np.logaddexp(0.0, z), 0.0)
    return out


def index_data(
    frequency: NDArray[np.float64],
    recency: NDArray[np.float64],
    T: NDArray[np.float64],
    *,
    dropout_at_start: bool = False,
) -> IndexedData:
    """Index customer rows by their distinct x, t_x and T for :func:`negative_log_likelihood`.

    Parameters
    ----------
    frequency, recency, T : numpy.ndarray
        The (usually already collapsed) customer rows.
    dropout_at_start : bool
        MBG/NBD: every row has the "dropped out after the last purchase" branch, not only
        those with a repeat purchase.

    Returns
    -------
    tuple of numpy.ndarray
        ``(xs, xi, ts, ti, rs, ri, active)``: distinct values with each row's index into them,
        and the rows whose likelihood has the dropout branch.

    Examples
    --------
    >>> xs, xi, ts, ti, rs, ri, active = index_data(np.array([0.0, 2.0, 2.0]),
    ...     np.array([0.0, 30.43, 12.0]), np.array([38.86, 38.86, 38.86]))
    >>> xs.tolist(), xi.tolist(), active.tolist()
    ([0.0, 2.0], [0, 1, 1], [1, 2])
    """
    xs, xi = factorize(frequency)
    ts, ti = factorize(T)
    rs, ri = factorize(recency)
    if dropout_at_start:
        active = np.arange(xi.size)
    else:
        buyers = xs[xi] > 0
        first = int(np.argmax(buyers)) if buyers.any() else xi.size
        contiguous = bool(buyers[first:].all())  # collapsed rows come sorted by frequency
        active = np.arange(first, xi.size) if contiguous else np.flatnonzero(buyers)
    return xs, xi, ts, ti, rs, ri, active


def _prepare_data(
    frequency: NDArray[np.float64], recency: NDArray[np.float64], T: NDArray[np.float64]
) -> IndexedData:
    return index_data(frequency, recency, T)


def negative_log_likelihood(
    log_params: NDArray[np.float64],
    xs: NDArray[np.float64],
    xi: NDArray[np.intp],
    ts: NDArray[np.float64],
    ti: NDArray[np.intp],
    rs: NDArray[np.float64],
    ri: NDArray[np.intp],
    active: NDArray[np.intp],
    *,
    weights: NDArray[np.float64],
) -> tuple[float, NDArray[np.float64]]:
    """Total weighted BG/NBD negative log-likelihood and its gradient in ``log(params)``.

    The data come indexed by :func:`index_data`. Every term but the dropout branch is a sum of
    functions of x alone or of T alone, so it is evaluated once per distinct value against
    the weight of that value; only the log-sum-exp of the two branches runs per row, and only
    over rows with a repeat purchase.

    Parameters
    ----------
    log_params : numpy.ndarray
        ``log((r, alpha, a, b))``.
    xs, xi, ts, ti, rs, ri, active : numpy.ndarray
        What :func:`index_data` returned.
    weights : numpy.ndarray
        Customers per row.

    Returns
    -------
    (float, numpy.ndarray)
        The BG/NBD total ``-sum(weights * log_likelihood(params, ...))`` and its
        gradient in ``log_params``.

    Examples
    --------
    >>> x, rec, T = np.array([0.0, 2.0]), np.array([0.0, 30.43]), np.array([38.86, 38.86])
    >>> value, grad = negative_log_likelihood(np.log([0.243, 4.414, 0.793, 2.426]),
    ...     *index_data(x, rec, T), weights=np.ones(2))
    >>> round(value, 4)
    10.0133
    """
    data = (xs, xi, ts, ti, rs, ri, active)
    value, grad, _ = _nll_terms(log_params, data, weights, 0, False)
    return value, grad


def negative_log_likelihood_hessian(
    log_params: NDArray[np.float64],
    *data: NDArray[np.generic],
    weights: NDArray[np.float64],
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """:func:`negative_log_likelihood` with its exact Hessian in ``log(params)``.

    Differentiating the terms of :func:`negative_log_likelihood` once more: trigamma
    functions per distinct frequency, rational terms per distinct T, and for the dropout
    branch ``softplus(z)'' = pi (1 - pi) dz dz' + pi d2z`` with ``pi = expit(z)``, summed per
    row with a repeat purchase. The fit takes Newton steps with it, so a handful of
    evaluations reach the optimum, and its standard errors come from it (no finite
    differences).

    Parameters
    ----------
    log_params : numpy.ndarray
        ``log((r, alpha, a, b))``.
    *data : numpy.ndarray
        What :func:`index_data` returned: ``xs, xi, ts, ti, rs, ri, active``.
    weights : numpy.ndarray
        Customers per row.

    Returns
    -------
    (float, numpy.ndarray, numpy.ndarray)
        ``-sum(weights * loglik)``, its gradient and its ``(4, 4)`` Hessian.

    Examples
    --------
    >>> x, rec, T = np.array([0.0, 2.0]), np.array([0.0, 30.43]), np.array([38.86, 38.86])
    >>> value, grad, hess = negative_log_likelihood_hessian(np.log([0.243, 4.414, 0.793, 2.426]),
    ...     *index_data(x, rec, T), weights=np.ones(2))
    >>> round(value, 4), hess.shape, bool(np.allclose(hess, hess.T))
    (10.0133, (4, 4), True)
    """
    return _nll_terms(log_params, cast(IndexedData, data), weights, 0, True)


def _nll_terms(
    log_params: NDArray[np.float64],
    data: IndexedData,
    weights: NDArray[np.float64],
    s: int,
    hessian: bool,
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """Value, gradient and (when ``hessian``) Hessian of the BG/NBD (``s = 0``) or MBG/NBD
    (``s = 1``) total negative log-likelihood in the log-parameters (else a zero Hessian).

    ``data`` is what :func:`index_data` returned.
    """
    xs, xi, ts, ti, rs, ri, active = data
    r, alpha, a, b = np.exp(log_params)
    # Weights per distinct frequency and per distinct T.
    w_x = np.bincount(xi, weights=weights, minlength=xs.size)
    w_t = np.bincount(ti, weights=weights, minlength=ts.size)
    xw_t = np.bincount(ti, weights=weights * xs[xi], minlength=ts.size)
    w_total = float(w_x.sum())
    # Terms in x alone.
    base_x = (
        special.gammaln(r + xs)
        + special.gammaln(b + xs + s)
        - special.gammaln(a + b + xs + s)
        + special.gammaln(a + b)
        - special.gammaln(r)
        - special.gammaln(b)
    )
    dr_x = special.digamma(r + xs) - special.digamma(r)
    da_x = special.digamma(a + b) - special.digamma(a + b + xs + s)
    db_x = da_x + special.digamma(b + xs + s) - special.digamma(b)
    # Terms in T alone: -(r + x) log(alpha + T).
    log_t_tab = np.log(alpha + ts)
    inv_t_tab = 1.0 / (alpha + ts)
    rx_t = r * w_t + xw_t  # sum of weights * (r + x) per distinct T
    ll = _dot(w_x, base_x) + w_total * r * np.log(alpha) - _dot(rx_t, log_t_tab)
    g = np.array(
        [
            _dot(w_x, dr_x) + w_total * np.log(alpha) - _dot(w_t, log_t_tab),
            w_total * r / alpha - _dot(rx_t, inv_t_tab),
            _dot(w_x, da_x),
            _dot(w_x, db_x),
        ]
    )
    h = np.zeros((4, 4))  # second derivatives in (r, alpha, a, b)
    if hessian:
        ta_x = special.polygamma(1, a + b) - special.polygamma(1, a + b + xs + s)
        h[0, 0] = _dot(w_x, special.polygamma(1, r + xs)) - w_total * special.polygamma(1, r)
        h[0, 1] = w_total / alpha - _dot(w_t, inv_t_tab)
        h[1, 1] = -w_total * r / alpha**2 + _dot(rx_t, inv_t_tab**2)
        h[2, 2] = h[2, 3] = _dot(w_x, ta_x)
        h[3, 3] = h[2, 2] + _dot(w_x, special.polygamma(1, b + xs + s) - special.polygamma(1, b))
    # The dropout branch, per row with one: softplus(z), z = log(a / (b + x - 1 + s))
    # + (r + x) log((alpha + T) / (alpha + t_x)).
    if active.size:
        bx = b + np.maximum(xs, 1.0 - s) - 1.0 + s
        log_ratio_x = np.log(a) - np.log(bx)
        log_r_tab = np.log(alpha + rs)
        inv_r_tab = 1.0 / (alpha + rs)
        if active.size == xi.size or active[-1] - active[0] + 1 == active.size:
            rows = slice(int(active[0]), int(active[-1]) + 1)  # contiguous: views, no copies
            axi, ati, ari, aw = xi[rows], ti[rows], ri[rows], weights[rows]
        else:
            axi, ati, ari, aw = xi[active], ti[active], ri[active], weights[active]
        rx = r + xs[axi]
        d = log_t_tab[ati] - log_r_tab[ari]
        z = log_ratio_x[axi] + rx * d
        e = np.exp(-np.abs(z))
        softplus = np.maximum(z, 0.0) + np.log1p(e)
        pi = np.where(z >= 0, 1.0, e) / (1.0 + e)  # expit(z)
        wpi = aw * pi
        c = inv_t_tab[ati] - inv_r_tab[ari]  # d z / d alpha = (r + x) c
        ll += _dot(aw, softplus)
        g[0] += _dot(wpi, d)
        g[1] += _dot(wpi, rx * c)
        wpi_x = np.bincount(axi, weights=wpi, minlength=xs.size)
        g[2] += float(wpi_x.sum()) / a
        g[3] -= _dot(wpi_x, 1.0 / bx)
        if hessian:
            # softplus'' = pi (1 - pi) dz dz^T + pi d2z, dz = (d, (r + x) c, 1 / a, -1 / bx)
            wq = wpi * (1.0 - pi)
            dz1 = rx * c
            wq_x = np.bincount(axi, weights=wq, minlength=xs.size)
            wqd_x = np.bincount(axi, weights=wq * d, minlength=xs.size)
            wqc_x = np.bincount(axi, weights=wq * dz1, minlength=xs.size)
            inv_bx = 1.0 / bx
            h[0, 0] += _dot(wq * d, d)
            h[0, 1] += _dot(wq * d, dz1) + _dot(wpi, c)
            h[1, 1] += _dot(wq * dz1, dz1) + _dot(
                wpi, rx * (inv_r_tab[ari] ** 2 - inv_t_tab[ati] ** 2)
            )
            h[0, 2] += float(wqd_x.sum()) / a
            h[0, 3] -= _dot(wqd_x, inv_bx)
            h[1, 2] += float(wqc_x.sum()) / a
            h[1, 3] -= _dot(wqc_x, inv_bx)
            h[2, 2] += (float(wq_x.sum()) - float(wpi_x.sum())) / a**2
            h[2, 3] -= _dot(wq_x, inv_bx) / a
            h[3, 3] += _dot(wq_x + wpi_x, inv_bx**2)
    theta = np.array([r, alpha, a, b])
    grad = -g * theta
    if hessian:
        h = np.triu(h) + np.triu(h, 1).T
        h = -(h * np.outer(theta, theta)) + np.diag(grad)
    return -float(ll), grad, h


# ---------------------------------------------------------------------------------- predictions
def probability_alive(
    params: Params,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> NDArray[np.float64]:
    """P(alive at T | x, t_x, T) under BG/NBD (Fader, Hardie & Lee 2008, note 021, eq. 2).

    Computed as ``expit(-z)`` with ``z`` on the log scale, so it stays in [0, 1] for any data.

    Examples
    --------
    >>> p = probability_alive((0.243, 4.414, 0.793, 2.426), np.array([0.0, 2.0]),
    ...     np.array([0.0, 30.43]), np.array([38.86, 38.86]))
    >>> np.round(p, 4).tolist()
    [1.0, 0.7266]
    """
    return _probability_alive(params, frequency, recency, T, 0)


def _probability_alive(
    params: Params,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    s: int,
) -> NDArray[np.float64]:
    x = np.asarray(frequency, dtype=np.float64)
    rec = np.asarray(recency, dtype=np.float64)
    T_arr = np.asarray(T, dtype=np.float64)
    x, rec, T_arr = np.broadcast_arrays(x, rec, T_arr)
    out = np.empty(x.shape)
    flat = out.reshape(-1)
    xf, rf, tf = (c.reshape(-1) for c in (x, rec, T_arr))
    scratch = np.empty(min(flat.size, _CHUNK))
    for lo in range(0, flat.size, _CHUNK):
        hi = lo + _CHUNK
        _probability_alive_into(params, xf[lo:hi], rf[lo:hi], tf[lo:hi], s, flat[lo:hi], scratch)
    return out


def _probability_alive_into(
    params: Params,
    x: NDArray[np.float64],
    recency: NDArray[np.float64],
    T: NDArray[np.float64],
    s: int,
    out: NDArray[np.float64],
    scratch: NDArray[np.float64],
) -> None:
    """P(alive) of one chunk of customers, written into ``out`` (``scratch``: a work array).

    ``z = log(a / (b + x - 1 + s)) + (r + x) log((alpha + T) / (alpha + t_x))`` and
    ``P(alive) = 1 / (1 + exp(z))``: in place, over chunks that stay in the processor's
    cache, with the ratio of the two ages taken before its logarithm (one logarithm, not
    two; the ratio is >= 1 and finite, so nothing is lost).
    """
    r, alpha, a, b = params
    u = scratch[: out.size]
    with np.errstate(all="ignore"):
        np.add(T, alpha, out=out)
        np.add(recency, alpha, out=u)
        np.divide(out, u, out=out)
        np.log(out, out=out)
        np.add(x, r, out=u)
        out *= u
        np.add(x, b - 1.0 + s, out=u)
        np.log(u, out=u)
        out -= u
        out += np.log(a)
        np.exp(out, out=out)
        out += 1.0
        np.reciprocal(out, out=out)
        if s == 0:
            # 1 where x == 0: fmax(P, 1) = 1 there (P <= 1, or NaN from log(b - 1) < 0, which
            # fmax drops) and fmax(P, 0) = P elsewhere; a fraction of the cost of a masked store
            np.equal(x, 0.0, out=u)
            np.fmax(out, u, out=out)


def conditional_expected_purchases(
    params: Params,
    t: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> NDArray[np.float64]:
    """E[X(T, T + t] | x, t_x, T] under BG/NBD (FHL 2005, eq. 10), in a stable form.

    It is ``P(alive) * E[(1 - (1 + p u)**-(r+x)) / p]`` with ``p ~ Beta(a, b + x)`` and
    ``u = t / (alpha + T)``: eq. 10's ``(a+b+x-1)/(a-1) * (1 - ... 2F1(r+x, b+x; a+b+x-1; z))``
    evaluated without subtracting, by a positive-term (Euler-transformed) series with a
    stopping rule where it converges fast and by quadrature elsewhere (see
    ``privtraffic.clv._hypergeometric``), never by scipy's ``hyp2f1``. Finite, non-negative
    and non-decreasing in ``t``; accurate to ~1e-10 against 50-digit arithmetic.

    Examples
    --------
    >>> e = conditional_expected_purchases((0.243, 4.414, 0.793, 2.426), np.array([39.0]),
    ...     np.array([2.0]), np.array([30.43]), np.array([38.86]))
    >>> round(float(e[0]), 4)
    1.226
    """
    return _conditional_expected_purchases(params, t, frequency, recency, T, 0)


def _conditional_expected_purchases(
    params: Params,
    t: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    s: int,
) -> NDArray[np.float64]:
    return _expected_and_alive(params, t, frequency, recency, T, s, alive=False)[0]


def _expected_and_alive(
    params: Params,
    t: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    s: int,
    *,
    alive: bool,
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """E[X(T, T + t] | history] and, when ``alive``, P(alive at T) from the same pass.

    E[X] is P(alive) times the expectation given alive (:func:`_expected_if_alive`), so the
    P(alive) it computes is the one :func:`_probability_alive` returns, bit for bit; with
    ``alive`` it is kept (one more array of the customers' length) instead of computed again.
    """
    x = np.asarray(frequency, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    if x.ndim == 1 and x.size >= _DISTINCT_MIN_ROWS and (t.size == 1 or np.all(t == t.flat[0])):
        # The hypergeometric factor depends on (x, T) only: evaluate it once per cell of the
        # grid of distinct frequencies and ages, then per chunk of customers multiply
        # P(alive) by their cells' values (the cells are the one array of their length
        # besides the results).
        coded, cells, n_cells = row_cells([x, T])
        if cells is not None and n_cells <= x.size // 4:
            grid_x, grid_t = cell_values(np.arange(n_cells), coded)
            grid = _expected_if_alive(params, np.full(n_cells, float(t.flat[0])), grid_x, grid_t, s)
            rec = np.asarray(recency, dtype=np.float64)
            out = np.empty(x.size)
            p_alive = np.empty(x.size) if alive else None
            scratch = np.empty(min(x.size, _CHUNK))
            for lo in range(0, x.size, _CHUNK):
                hi = lo + _CHUNK
                chunk = out[lo:hi]
                p_chunk = chunk if p_alive is None else p_alive[lo:hi]
                _probability_alive_into(params, x[lo:hi], rec[lo:hi], T[lo:hi], s, p_chunk, scratch)
                np.multiply(p_chunk, grid[cells[lo:hi]], out=chunk)
            return out, p_alive
    p = _probability_alive(params, x, recency, T, s)
    return _expected_if_alive(params, t, x, T, s) * p, (p if alive else None)


def _expected_if_alive(
    params: Params, t: NDArray[np.float64], x: NDArray[np.float64], T: NDArray[np.float64], s: int
) -> NDArray[np.float64]:
    """E[X(T, T + t] | x, T, alive at T]: eq. 10 without its P(alive) denominator.

    Given alive at T, the purchase rate is Gamma(r + x, alpha + T) and the dropout
    probability Beta(a, b + x + s) (``beta_mixture_expectation`` in ``clv._hypergeometric``).
    """
    r, alpha, a, b = params
    with np.errstate(over="ignore"):
        u = t / (alpha + T)
    return beta_mixture_expectation(r + x, a, b + x + s, u)


def expected_purchases_new(params: Params, t: ArrayLike) -> NDArray[np.float64]:
    """E[X(t)]: expected repeat purchases in (0, t] of a just-acquired customer (FHL 2005, eq. 9).

    Examples
    --------
    >>> e = expected_purchases_new((0.243, 4.414, 0.793, 2.426), np.array([39.0, 78.0]))
    >>> np.round(e, 4).tolist()
    [1.1967, 1.8605]
    """
    return _expected_purchases_new(params, t, 0)


def _expected_purchases_new(params: Params, t: ArrayLike, s: int) -> NDArray[np.float64]:
    r, alpha, a, b = params
    t = np.asarray(t, dtype=np.float64)
    # MBG/NBD: alive after time 0 with probability b / (a + b), then as BG/NBD with b + 1.
    with np.errstate(over="ignore"):
        u = t / alpha
    expected = beta_mixture_expectation(r, a, b + s, u)
    if s:
        expected = expected * (b / (a + b))
    return expected


def probability_of_purchases(params: Params, n: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    """P(X(t) = n) for a just-acquired customer (FHL 2005, eq. 8), in log space.

    The finite sum of eq. 8 is the negative binomial distribution function, so the second
    term uses the regularised incomplete beta function:
    ``1 - (alpha/(alpha+t))**r * sum_{j<n} ... = I_{t/(alpha+t)}(n, r)``.

    Examples
    --------
    >>> p = probability_of_purchases((0.243, 4.414, 0.793, 2.426), np.arange(3.0), np.full(3, 39.0))
    >>> np.round(p, 4).tolist()
    [0.5738, 0.1994, 0.0854]
    """
    return _probability_of_purchases(params, n, t, 0)


def _probability_of_purchases(
    params: Params, n: ArrayLike, t: ArrayLike, s: int
) -> NDArray[np.float64]:
    r, alpha, a, b = params
    n = np.asarray(n, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    log_p = np.log(alpha) - np.log(alpha + t)  # log(alpha / (alpha + t))
    with np.errstate(divide="ignore", invalid="ignore"):  # t == 0: log(0), masked below
        log_q = special.xlogy(1.0, t) - np.log(alpha + t)  # log(t / (alpha + t))
        # B(a, b+n+s)/B(a, b) and the NB coefficient as ratios (no large cancelling logs)
        first = (
            log_beta_ratio(a, b, n + s)
            + log_gamma_ratio(r, n)
            - special.gammaln(n + 1.0)
            + r * log_p
            + np.where(n > 0, n * log_q, 0.0)
        )
    q = t / (alpha + t)
    tail = np.where(n > 0, special.betainc(np.maximum(n, 1.0), r, q), 1.0)  # P(NBD >= n)
    # B(a+1, b+m)/B(a, b) = a / (a + b + m) * B(a, b+m)/B(a, b), m = n - 1 + s
    m = np.maximum(n, 1.0 - s) - 1.0 + s
    with np.errstate(divide="ignore"):
        second = np.where(
            (n > 0) | (s == 1),
            np.log(a) - np.log(a + b + m) + log_beta_ratio(a, b, m) + np.log(tail),
            -np.inf,
        )
    # both terms are positive: a probability by construction (as_probability only absorbs a
    # rounding of 1 - 1e-16 to 1 + 2e-16)
    return as_probability(np.exp(first) + np.exp(second))


def simulate(
    params: Params,
    T: NDArray[np.float64],
    rng: np.random.Generator,
    *,
    dropout_at_start: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Draw (frequency, recency) for customers observed for ``T`` under BG/NBD.

    Given ``m ~ Poisson(lambda * T)`` purchase opportunities in (0, T] and a lifetime of
    ``J ~ Geometric(p)`` repeat purchases, the customer makes ``x = min(J, m)`` purchases and
    ``t_x`` is the x-th of m uniform order statistics on (0, T].

    Parameters
    ----------
    params : tuple of float
        ``(r, alpha, a, b)``.
    T : numpy.ndarray
        Observation length of each customer.
    rng : numpy.random.Generator
        Source of randomness.
    dropout_at_start : bool
        Also allow dropping out right after the first purchase (the MBG/NBD variant).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``frequency`` and ``recency`` of each customer, in the unit of ``T``.

    Examples
    --------
    >>> x, rec = simulate((0.5, 5.0, 0.8, 2.5), np.full(4, 10.0), np.random.default_rng(0))
    >>> bool(np.all(rec <= 10.0)) and bool(np.all((x == 0) == (rec == 0)))
    True
    """
    r, alpha, a, b = params
    n = T.shape[0]
    lam = rng.gamma(r, 1.0 / alpha, size=n)
    p = rng.beta(a, b, size=n)
    m = rng.poisson(lam * T)
    lifetime = rng.geometric(np.clip(p, 1e-300, 1.0))  # purchases until dropout, >= 1
    if dropout_at_start:
        lifetime = lifetime - 1
    x = np.minimum(lifetime, m)
    recency = np.zeros(n)
    buyers = x > 0
    recency[buyers] = T[buyers] * rng.beta(x[buyers], m[buyers] - x[buyers] + 1.0)
    return x.astype(np.float64), recency


# ---------------------------------------------------------------------------------- the model
class BetaGeo(RepeatPurchaseModel):
    """BG/NBD ("beta-geometric / negative binomial") model of repeat buying.

    Attributes
    ----------
    params_ : dict
        ``{"r", "alpha", "a", "b"}``; ``alpha`` is in the data's time unit.
    penalizer, standard_errors_, covariance_, log_likelihood_, n_customers_ :
        As :class:`BTYDModel` (``penalizer``: its L2 penalty).

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy
    Way: An Alternative to the Pareto/NBD Model. *Marketing Science* 24(2), 275-284.

    Examples
    --------
    >>> from privtraffic.data import load_cdnow
    >>> m = BetaGeo().fit(load_cdnow("summary"))
    >>> {k: round(v, 3) for k, v in m.params_.items()}
    {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    >>> round(m.log_likelihood_, 1)
    -9582.4
    """

    _param_names = ("r", "alpha", "a", "b")
    _shift: ClassVar[int] = 0  # 1 in MBG/NBD: a customer may also drop out at time 0
    _negative_log_likelihood = staticmethod(negative_log_likelihood)
    _negative_log_likelihood_hessian = staticmethod(negative_log_likelihood_hessian)
    _prepare_data = staticmethod(_prepare_data)
    _starts = ((1.0, 1.0, 1.0, 3.0), (0.3, 0.3, 0.7, 2.0), (3.0, 3.0, 2.0, 10.0))
    _parameter_pairs = (
        ParameterPair("r", "alpha", "gamma", "purchase rate"),
        ParameterPair("a", "b", "beta", "dropout probability after a purchase", "drops out"),
    )

    # The public methods are RepeatPurchaseModel's; these hooks evaluate BG/NBD (and, with
    # ``_shift``, MBG/NBD).
    def _alive(
        self, params: Params, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]:
        one = _scalar.rfm(frequency, recency, T)
        if one is not None:  # one customer as numbers: Python floats, the same formula
            return np.array([_scalar.bgnbd_probability_alive(params, *one, self._shift)])
        x, rec, T_arr = self._history(frequency, recency, T)
        return _probability_alive(params, x, rec, T_arr, self._shift)

    def _expected(
        self, params: Params, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]:
        one, horizon = _scalar.rfm(frequency, recency, T), _scalar.horizon(t)
        if one is not None and horizon is not None:  # one customer as numbers
            value = _scalar.bgnbd_expected_purchases(params, horizon, *one, self._shift)
            if math.isfinite(value):  # else the batch path below raises, naming the inputs
                return np.array([value])
        t_arr, x, rec, T_arr = self._checked_history(t, frequency, recency, T)
        expected = _conditional_expected_purchases(params, t_arr, x, rec, T_arr, self._shift)
        return check_representable(expected, "expected_purchases", t=t_arr, frequency=x, T=T_arr)

    def _predictions(
        self, params: Params, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> PurchasePredictions:
        if _scalar.rfm(frequency, recency, T) is not None:  # one customer: the scalar paths
            return super()._predictions(params, t, frequency, recency, T)
        t_arr, x, rec, T_arr = self._checked_history(t, frequency, recency, T)
        both = _expected_and_alive(params, t_arr, x, rec, T_arr, self._shift, alive=True)
        expected, kept = both[0], cast(NDArray[np.float64], both[1])  # kept: alive=True
        check_representable(expected, "expected_purchases", t=t_arr, frequency=x, T=T_arr)
        return PurchasePredictions(expected, np.broadcast_to(kept, expected.shape))

    def _checked_history(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> tuple[NDArray[np.float64], ...]:
        """The horizon and the history, checked; one horizon for everyone stays a scalar."""
        if np.ndim(t) == 0:
            (t_arr,) = prediction_columns(t=t)
            x, rec, T_arr = self._history(frequency, recency, T)
        else:
            t_arr, x, rec, T_arr = self._history(frequency, recency, T, t=t)
        check_horizon(t_arr)
        return t_arr, x, rec, T_arr

    def _expected_new(self, params: Params, t: NDArray[np.float64]) -> NDArray[np.float64]:
        return _expected_purchases_new(params, t, self._shift)

    def _purchase_probabilities(
        self, params: Params, n: NDArray[np.float64], t: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        return _probability_of_purchases(params, n, t, self._shift)

    def _simulated(
        self, params: Params, T: NDArray[np.float64], rng: np.random.Generator
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return simulate(params, T, rng, dropout_at_start=bool(self._shift))
