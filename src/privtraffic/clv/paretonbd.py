"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987): pure functions and :class:`ParetoNBD`.

While alive, a customer buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)``; their
lifetime is exponential with rate ``mu ~ Gamma(s, beta)``. The data of a customer are
``frequency`` (repeat purchases, x), ``recency`` (age at the last one, t_x) and ``T`` (age at the
end of observation), in one time unit; ``alpha`` and ``beta`` are in that unit.

Notes
-----
The likelihood (Fader & Hardie 2005, note 009, eq. 18) is

``L = Gamma(r+x) alpha^r beta^s / Gamma(r) * [(alpha+T)^-(r+x) (beta+T)^-s + s (J(t_x) - J(T))]``

with ``J(t) = int_t^inf (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau``. The usual closed form of J
is Fader, Hardie & Lee's branch of Gauss' hypergeometric function ``2F1(r+s+x, s+1 or r+x;
r+s+x+1; |alpha-beta| / (max(alpha, beta) + t))``, which overflows or loses all precision for
heavy buyers (``scipy.special.hyp2f1`` returns ``inf``/``nan`` there, and so does lifetimes).
Here ``log J`` is computed from the same branch choice written as an integral,

``J(t) = q^-k / k * int_0^inf exp(-e) (1 - z exp(-e/k))^-c de``, ``k = r+s+x``,
``q = max(alpha, beta) + t``, ``z = |alpha-beta| / q`` and ``c`` the exponent of the smaller of
alpha and beta,

by the trapezoidal rule on a uniform grid in ``log e`` (exponentially convergent: the integrand
is analytic in a strip and decays double-exponentially on the right and exponentially on the
left, where the tail is summed in closed form). The integrand is bounded and every step is in
log space, so ``log J`` is finite and accurate to ~1e-11 relative for any frequency, recency and
time scale, and any parameters the optimiser can reach. Differentiating under the integral
gives the exact gradient, which the fit uses. The distinct (x, t) pairs of a data set are
evaluated once per likelihood call.

References
----------
Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987). Counting Your Customers: Who Are
They and What Will They Do Next? *Management Science* 33(1), 1-24.

Fader, P. S. and Hardie, B. G. S. (2005). A Note on Deriving the Pareto/NBD Model and Related
Expressions. http://brucehardie.com/notes/009/

Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). A Note on Implementing the Pareto/NBD
Model in MATLAB. http://brucehardie.com/notes/008/

Fader, P. S. and Hardie, B. G. S. (2006). Deriving an Expression for P(X(t) = x) Under the
Pareto/NBD Model. http://brucehardie.com/notes/012/
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from privtraffic.clv import _scalar
from privtraffic.clv._base import (
    Params,
    RepeatPurchaseModel,
    as_probability,
    check_horizon,
    check_representable,
)
from privtraffic.clv._diagnostics import ParameterPair
from privtraffic.clv._hypergeometric import panel_quadrature
from privtraffic.clv._optimize import weighted_sum as _dot

__all__ = [
    "ParetoNBD",
    "conditional_expected_purchases",
    "expected_purchases_new",
    "index_data",
    "log_likelihood",
    "negative_log_likelihood",
    "probability_alive",
    "probability_of_purchases",
    "simulate",
]


#: What :func:`index_data` returns and :func:`negative_log_likelihood` takes:
#: ``(pair_x, pair_t, index_recency, index_T, xs, xi, ts, ti, open_)``.
IndexedData = tuple[
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.intp],
    NDArray[np.intp],
    NDArray[np.float64],
    NDArray[np.intp],
    NDArray[np.float64],
    NDArray[np.intp],
    NDArray[np.bool_],
]

# Trapezoidal rule in v = log(e): node spacing, top of the grid (exp(-exp(3.75)) ~ 1e-19) and
# how far below the integrand's smallest scale the grid reaches before the exponential tail
# is summed in closed form.
_STEP = 0.35
_V_TOP = 3.6
_TAIL_DEPTH = 14.0
_V_FLOOR = -140.0
# Rows per block when evaluating the integral: a block works on a few (rows x nodes) float64
# arrays, with about 50 nodes on typical data and at most ~410 (from _V_FLOOR), so a few MB.
_BLOCK = 8192


# ---------------------------------------------------------------------------------- the integral
def _log_tail_integral(
    params: Params, x: NDArray[np.float64], t: NDArray[np.float64], *, gradient: bool = False
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """``log J(x, t)`` and, if asked, its gradient in ``(r, alpha, s, beta)`` (shape ``(n, 4)``)."""
    n = x.shape[0]
    out = np.empty(n)
    grad = np.empty((n, 4)) if gradient else None
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        value, g = _log_tail_integral_block(params, x[start:stop], t[start:stop], gradient)
        out[start:stop] = value
        if grad is not None and g is not None:
            grad[start:stop] = g
    return out, grad


def _log_tail_integral_block(
    params: Params, x: NDArray[np.float64], t: NDArray[np.float64], gradient: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    r, alpha, s, beta = params
    if x.shape[0] == 0:
        return np.empty(0), (np.empty((0, 4)) if gradient else None)
    k = r + s + x
    alpha_big = alpha >= beta
    big, small = (alpha, beta) if alpha_big else (beta, alpha)
    # exponent of the smaller rate parameter's factor
    c = np.full_like(x, s + 1.0) if alpha_big else r + x
    q = big + t
    z = (big - small) / q
    omz = (small + t) / q  # 1 - z without cancellation
    # Smallest scale of the integrand in e: where (1 - z exp(-e/k))^-c starts to fall.
    with np.errstate(divide="ignore"):
        scale = np.where(z > 0, k * omz / (np.maximum(z, 1e-300) * np.maximum(c, 1.0)), np.inf)
    v_low = max(float(np.log(min(1.0, float(scale.min())))) - _TAIL_DEPTH, _V_FLOOR)
    n_nodes = int(np.ceil((_V_TOP - v_low) / _STEP)) + 1
    v = _V_TOP - _STEP * np.arange(n_nodes)  # descending; the last node carries the tail
    e = np.exp(v)
    log_w = np.full(n_nodes, np.log(_STEP))
    log_w[-1] = np.log(_STEP) - np.log1p(-np.exp(-_STEP))  # h * sum_{m>=0} exp(-m h)
    # e/k and exp(-e/k) - 1 depend on x only: evaluate them once per distinct frequency
    k_unique, k_index = np.unique(k, return_inverse=True)
    a_unique = np.multiply.outer(1.0 / k_unique, e)
    a = a_unique[k_index]  # e / k
    em = np.expm1(-a_unique)[k_index]  # exp(-e/k) - 1
    one_minus_zy = em * -z[:, None]  # 1 - z exp(-e/k) = omz - z * em, in [omz, 1]
    one_minus_zy += omz[:, None]
    log_one_minus_zy = np.log(one_minus_zy)
    log_f = log_one_minus_zy * -c[:, None]
    log_f += log_w + v - e
    top = log_f.max(axis=1)
    log_f -= top[:, None]
    weights = np.exp(log_f, out=log_f)
    total = weights.sum(axis=1)
    log_j = -k * np.log(q) - np.log(k) + top + np.log(total)
    if not gradient:
        return log_j, None
    weights /= total[:, None]
    # log(big + tau) = log q + e/k ; log(small + tau) = that + log(1 - z exp(-e/k))
    log_big = np.log(q) + np.einsum("ij,ij->i", weights, a)
    log_small = log_big + np.einsum("ij,ij->i", weights, log_one_minus_zy)
    em += 1.0  # exp(-e/k) = q / (big + tau)
    inv_big = np.einsum("ij,ij->i", weights, em) / q
    em /= one_minus_zy  # q / (small + tau)
    inv_small = np.einsum("ij,ij->i", weights, em) / q
    g = np.empty((x.shape[0], 4))
    if alpha_big:
        g[:, 0] = -log_big
        g[:, 1] = -(r + x) * inv_big
        g[:, 2] = -log_small
        g[:, 3] = -(s + 1.0) * inv_small
    else:
        g[:, 0] = -log_small
        g[:, 1] = -(r + x) * inv_small
        g[:, 2] = -log_big
        g[:, 3] = -(s + 1.0) * inv_big
    return log_j, g


def _log_survival_terms(
    params: Params, x: NDArray[np.float64], recency: NDArray[np.float64], T: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """``(log C, L1, L2)`` with ``loglik = log C + logaddexp(L1, L2)``.

    ``L1`` is the log of the "alive at T" part, ``L2`` of the "died in (t_x, T]" part.
    """
    r, alpha, s, beta = params
    log_c = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    l1 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    pair_x, pair_t, index_recency, index_T, *_ = index_data(x, recency, T)
    log_j, _ = _log_tail_integral(params, pair_x, pair_t)  # once per distinct (x, t)
    l2 = np.log(s) + _log_difference(log_j[index_recency], log_j[index_T], recency < T)
    return log_c, l1, l2


def _log_difference(
    log_a: NDArray[np.float64], log_b: NDArray[np.float64], open_: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """``log(exp(log_a) - exp(log_b))`` where ``open_``, else ``-inf`` (``log_b <= log_a``)."""
    ratio = np.exp(np.minimum(log_b - log_a, 0.0))
    with np.errstate(divide="ignore"):
        out = log_a + np.log1p(-ratio)
    difference: NDArray[np.float64] = np.where(open_ & (ratio < 1.0), out, -np.inf)
    return difference


# ---------------------------------------------------------------------------------- likelihood
def log_likelihood(
    params: Params, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> NDArray[np.float64]:
    """Log-likelihood of each customer's (x, t_x, T) under Pareto/NBD (note 009, eq. 18).

    Parameters
    ----------
    params : tuple of float
        ``(r, alpha, s, beta)``.
    frequency, recency, T : numpy.ndarray
        The customers' data.

    Returns
    -------
    numpy.ndarray
        One log-likelihood per customer; finite for any valid data.

    Examples
    --------
    >>> ll = log_likelihood((0.553, 10.578, 0.606, 11.669), np.array([0.0, 2.0, 3000.0]),
    ...     np.array([0.0, 30.43, 38.0]), np.array([38.86, 38.86, 38.86]))
    >>> np.round(ll, 4).tolist()
    [-0.521, -9.5543, 9360.2083]
    """
    x = np.asarray(frequency, dtype=np.float64)
    rec = np.asarray(recency, dtype=np.float64)
    T_arr = np.asarray(T, dtype=np.float64)
    log_c, l1, l2 = _log_survival_terms(params, x, rec, T_arr)
    loglik: NDArray[np.float64] = log_c + np.logaddexp(l1, l2)
    return loglik


def index_data(
    frequency: NDArray[np.float64], recency: NDArray[np.float64], T: NDArray[np.float64]
) -> IndexedData:
    """Index customer rows for :func:`negative_log_likelihood`: each call then works on small
    tables.

    Parameters
    ----------
    frequency, recency, T : numpy.ndarray
        The (usually already collapsed) customer rows.

    Returns
    -------
    tuple of numpy.ndarray
        ``(pair_x, pair_t, index_recency, index_T, xs, xi, ts, ti, open_)``: the distinct
        (x, t) pairs at which the integral J is needed (t = recency or T) with each row's
        index into them for both, the distinct frequencies and ages with each row's index,
        and whether ``recency < T``.

    Examples
    --------
    >>> pair_x, pair_t, i_rec, i_T, *_, open_ = index_data(np.array([0.0, 2.0]),
    ...     np.array([0.0, 30.43]), np.array([38.86, 38.86]))
    >>> pair_t.tolist(), i_rec.tolist(), i_T.tolist(), open_.tolist()
    ([0.0, 38.86, 30.43, 38.86], [0, 2], [1, 3], [True, True])
    """
    n = frequency.shape[0]
    pair_x = np.concatenate([frequency, frequency])
    pair_t = np.concatenate([recency, T])
    order = np.lexsort((pair_t, pair_x))
    sx, st = pair_x[order], pair_t[order]
    new = np.ones(2 * n, dtype=bool)
    new[1:] = (sx[1:] != sx[:-1]) | (st[1:] != st[:-1])
    group = np.cumsum(new) - 1
    inverse = np.empty(2 * n, dtype=np.int64)
    inverse[order] = group
    xs, xi = np.unique(frequency, return_inverse=True)
    ts, ti = np.unique(T, return_inverse=True)
    open_ = recency < T
    return sx[new], st[new], inverse[:n], inverse[n:], xs, xi, ts, ti, open_


def negative_log_likelihood(
    log_params: NDArray[np.float64],
    pair_x: NDArray[np.float64],
    pair_t: NDArray[np.float64],
    index_recency: NDArray[np.intp],
    index_T: NDArray[np.intp],
    xs: NDArray[np.float64],
    xi: NDArray[np.intp],
    ts: NDArray[np.float64],
    ti: NDArray[np.intp],
    open_: NDArray[np.bool_],
    *,
    weights: NDArray[np.float64],
) -> tuple[float, NDArray[np.float64]]:
    """Total weighted Pareto/NBD negative log-likelihood and its exact gradient in ``log(params)``.

    Parameters
    ----------
    log_params : numpy.ndarray
        ``log((r, alpha, s, beta))``.
    pair_x, pair_t, index_recency, index_T : numpy.ndarray
        The distinct (x, t) pairs at which the integral J is needed and each row's index into
        them for ``t = recency`` and ``t = T``.
    xs, xi, ts, ti : numpy.ndarray
        The distinct frequencies and ages and each row's index into them.
    open_ : numpy.ndarray
        Whether ``recency < T`` (see :func:`index_data`).
    weights : numpy.ndarray
        Customers per row.

    Returns
    -------
    (float, numpy.ndarray)
        The Pareto/NBD total ``-sum(weights * log_likelihood(params, ...))`` and its
        gradient in ``log_params``.

    Examples
    --------
    >>> x, rec, T = np.array([0.0, 2.0]), np.array([0.0, 30.43]), np.array([38.86, 38.86])
    >>> value, grad = negative_log_likelihood(np.log([0.553, 10.578, 0.606, 11.669]),
    ...     *index_data(x, rec, T), weights=np.ones(2))
    >>> round(value, 4)
    10.0753
    """
    params = tuple(float(p) for p in np.exp(log_params))
    r, alpha, s, beta = params
    log_j, grad_j = _log_tail_integral(params, pair_x, pair_t, gradient=True)
    assert grad_j is not None
    # per distinct frequency / age, gathered to rows
    rx = (r + xs)[xi]
    log_at = np.log(alpha + ts)[ti]
    log_bt = np.log(beta + ts)[ti]
    l1 = -rx * log_at - s * log_bt
    log_ja, log_jb = log_j[index_recency], log_j[index_T]
    ratio = np.exp(np.minimum(log_jb - log_ja, 0.0))
    active = open_ & (ratio < 1.0)
    ratio[~active] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        l2 = np.where(active, np.log(s) + log_ja + np.log1p(-ratio), -np.inf)
    # log(exp(l1) + exp(l2)) and the share of the "died" branch, from one exp and one log1p
    d = l2 - l1
    small = np.exp(-np.abs(d))
    log_sum = l1 + np.maximum(d, 0.0) + np.log1p(small)
    share2 = np.where(d >= 0.0, 1.0, small) / (1.0 + small)
    w_total = float(weights.sum())
    wx = np.bincount(xi, weights=weights, minlength=xs.size)
    ll = (
        _dot(wx, special.gammaln(r + xs))
        + _dot(weights, log_sum)
        - w_total * (special.gammaln(r) - r * np.log(alpha) - s * np.log(beta))
    )
    w2 = weights * share2
    w1 = weights - w2
    # d l2 = (dJa - ratio dJb) / (1 - ratio), summed with the weights w2
    c2 = w2 / (1.0 - ratio)
    g2 = np.einsum("i,ij->j", np.bincount(index_recency, weights=c2, minlength=log_j.size), grad_j)
    g2 -= np.einsum(
        "i,ij->j", np.bincount(index_T, weights=c2 * ratio, minlength=log_j.size), grad_j
    )
    g2[2] += float(w2.sum()) / s
    w1t = np.bincount(ti, weights=w1, minlength=ts.size)
    g_r = (
        _dot(wx, special.digamma(r + xs))
        - w_total * (special.digamma(r) - np.log(alpha))
        - _dot(w1, log_at)
        + g2[0]
    )
    g_alpha = w_total * r / alpha - _dot(w1, rx * np.exp(-log_at)) + g2[1]
    g_s = w_total * np.log(beta) - _dot(w1t, np.log(beta + ts)) + g2[2]
    g_beta = w_total * s / beta - s * _dot(w1t, 1.0 / (beta + ts)) + g2[3]
    grad = -np.array([g_r * r, g_alpha * alpha, g_s * s, g_beta * beta])
    return -float(ll), grad


# ---------------------------------------------------------------------------------- predictions
def probability_alive(
    params: Params, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> NDArray[np.float64]:
    """P(alive at T | x, t_x, T) under Pareto/NBD (note 009, eq. 19), as ``expit(L1 - L2)``.

    Examples
    --------
    >>> p = probability_alive((0.5534, 10.5802, 0.6061, 11.6562), np.array([26.0, 0.0]),
    ...     np.array([30.86, 0.0]), np.array([31.0, 38.86]))
    >>> np.round(p, 4).tolist()
    [0.9979, 0.295]
    """
    x = np.asarray(frequency, dtype=np.float64)
    _, l1, l2 = _log_survival_terms(
        params, x, np.asarray(recency, dtype=np.float64), np.asarray(T, dtype=np.float64)
    )
    return np.asarray(special.expit(l1 - l2), dtype=np.float64)


def _mean_remaining_lifetime(
    s: float, base: NDArray[np.float64], t: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``base / (s - 1) * (1 - (base / (base + t)) ** (s - 1))``, stable at ``s == 1``."""
    u = np.log1p(t / base)
    return np.asarray(base * u * special.exprel(-(s - 1.0) * u), dtype=np.float64)


def conditional_expected_purchases(
    params: Params,
    t: NDArray[np.float64],
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> NDArray[np.float64]:
    """E[X(T, T + t] | x, t_x, T] under Pareto/NBD (note 009, eq. 41).

    Written as ``P(alive) * (r + x) / (alpha + T) * E[min(remaining lifetime, t)]``, with the
    last factor in a form that is stable at ``s == 1``.

    Examples
    --------
    >>> e = conditional_expected_purchases((0.5534, 10.5802, 0.6061, 11.6562), np.array([52.0]),
    ...     np.array([26.0]), np.array([30.86]), np.array([31.0]))
    >>> round(float(e[0]), 4)
    25.4549
    """
    r, alpha, s, beta = params
    x = np.asarray(frequency, dtype=np.float64)
    T_arr = np.asarray(T, dtype=np.float64)
    alive = probability_alive(params, x, recency, T_arr)
    return alive * (r + x) / (alpha + T_arr) * _mean_remaining_lifetime(s, beta + T_arr, t)


def expected_purchases_new(params: Params, t: ArrayLike) -> NDArray[np.float64]:
    """E[X(t)]: expected repeat purchases in (0, t] of a just-acquired customer (note 009, eq. 27).

    Examples
    --------
    >>> e = expected_purchases_new((0.5534, 10.5802, 0.6061, 11.6562), np.array([1.0, 9.0]))
    >>> np.round(e, 6).tolist()
    [0.051005, 0.391284]
    """
    r, alpha, s, beta = params
    t_arr = np.asarray(t, dtype=np.float64)
    return r / alpha * _mean_remaining_lifetime(s, np.full_like(t_arr, beta), t_arr)


def probability_of_purchases(params: Params, n: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    """P(X(t) = n) for a just-acquired customer (Fader & Hardie 2006, note 012).

    The customer is either alive at t after n purchases,
    ``NB(n; r, t / (alpha + t)) * (beta / (beta + t)) ** s`` (closed form), or died at some
    ``tau < t`` after n purchases:
    ``int_0^t g(tau) NB(n; r, tau / (alpha + tau)) dtau`` with ``g(tau) = s beta**s (beta +
    tau) ** -(s + 1)`` the lifetime density. The published closed form of that integral is an
    alternating sum of hypergeometric terms that cancels catastrophically (with ``s = 50,
    beta = 1000`` it gave "probabilities" summing to 15); here it is integrated directly: in
    ``y = log tau`` the integrand is log-concave, its peak is found by bisection on the slope
    and the integral is taken by Gauss-Legendre panels sized to the integrand's local scale
    (``privtraffic.clv._hypergeometric.panel_quadrature``). Both parts are positive, so the
    result is a probability by construction (no clipping), and the probabilities sum to 1
    over n with mean E[X(t)].

    Examples
    --------
    >>> params = (0.553, 10.578, 0.606, 11.669)
    >>> p = probability_of_purchases(params, np.arange(3.0), np.full(3, 39.0))
    >>> np.round(p, 4).tolist()
    [0.5936, 0.1656, 0.0825]
    """
    r, alpha, s, beta = params
    n, t = np.broadcast_arrays(np.asarray(n, dtype=np.float64), np.asarray(t, dtype=np.float64))
    out = np.zeros(n.shape)
    pos = t > 0
    out[~pos & (n == 0)] = 1.0
    if not pos.any():
        return out
    n, t = n[pos], t[pos]
    log_nb = special.gammaln(r + n) - special.gammaln(r) - special.gammaln(n + 1.0)
    log_alpha, log_beta = np.log(alpha), np.log(beta)
    log_t = np.log(t)
    first = (
        log_nb
        + r * (log_alpha - np.logaddexp(log_alpha, log_t))
        + n * (log_t - np.logaddexp(log_alpha, log_t))
        + s * (log_beta - np.logaddexp(log_beta, log_t))
    )
    second = _log_death_term(params, n, log_t, log_nb)
    out[pos] = np.exp(np.logaddexp(first, second))
    return as_probability(out)


def _log_death_term(
    params: Params, n: NDArray[np.float64], log_t: NDArray[np.float64], log_nb: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``log int_0^t g(tau) NB(n; r, tau/(alpha+tau)) dtau``, integrated in ``y = log tau``."""
    r, alpha, s, beta = params
    log_alpha, log_beta = np.log(alpha), np.log(beta)
    const = np.log(s) + s * log_beta + log_nb + r * log_alpha

    def slope(y: NDArray[np.float64], nn: NDArray[np.float64]) -> NDArray[np.float64]:
        out: NDArray[np.float64] = (
            nn
            + 1.0
            - (nn + r) * special.expit(y - log_alpha)
            - (s + 1.0) * special.expit(y - log_beta)
        )
        return out

    def log_integrand(y: NDArray[np.float64], rows: NDArray[np.intp]) -> NDArray[np.float64]:
        nn = n[rows, None]
        out: NDArray[np.float64] = (
            const[rows, None]
            + (nn + 1.0) * y
            - (nn + r) * np.logaddexp(log_alpha, y)
            - (s + 1.0) * np.logaddexp(log_beta, y)
        )
        return out

    def step(y: NDArray[np.float64], rows: NDArray[np.intp]) -> NDArray[np.float64]:
        nn = n[rows]
        ea, eb = special.expit(y - log_alpha), special.expit(y - log_beta)
        curvature = (nn + r) * ea * (1.0 - ea) + (s + 1.0) * eb * (1.0 - eb)
        width: NDArray[np.float64] = np.minimum(
            np.minimum(1.0, 2.5 / (np.abs(slope(y, nn)) + 1.0)),
            1.5 / np.sqrt(curvature + 1e-300),
        )
        return width

    # The peak: slope(y) falls from n + 1 to -(r + s); bisect for its zero, capped at log t.
    lo = np.minimum(log_alpha, log_beta) - 60.0 + np.zeros_like(n)
    hi = np.maximum(log_alpha, log_beta) + 60.0 + np.zeros_like(n)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        rising = slope(mid, n) > 0
        lo = np.where(rising, mid, lo)
        hi = np.where(rising, hi, mid)
    peak = np.minimum(0.5 * (lo + hi), log_t)
    # Left of the peak the log-integrand is concave and increasing: bisect for where it is
    # 60 below the peak value.
    rows = np.arange(n.size)
    top = log_integrand(peak[:, None], rows)[:, 0]
    far = peak - 1e3 / (n + 1.0) - 60.0
    near = peak.copy()
    for _ in range(80):
        mid = 0.5 * (far + near)
        low_enough = log_integrand(mid[:, None], rows)[:, 0] < top - 60.0
        far = np.where(low_enough, mid, far)
        near = np.where(low_enough, near, mid)
    return panel_quadrature(log_integrand, step, far, log_t, extra_probes=peak[:, None])


def simulate(
    params: Params, T: NDArray[np.float64], rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Draw (frequency, recency) for customers observed for ``T`` under Pareto/NBD.

    Each customer draws ``lambda ~ Gamma(r, alpha)``, ``mu ~ Gamma(s, beta)`` and a lifetime
    ``tau ~ Exponential(mu)``; they buy ``x ~ Poisson(lambda * min(tau, T))`` times and ``t_x``
    is the largest of x uniform times on (0, min(tau, T)].

    Parameters
    ----------
    params : tuple of float
        ``(r, alpha, s, beta)``.
    T : numpy.ndarray
        Observation length of each customer.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``frequency`` and ``recency`` of each customer (purchases until death or ``T``).

    Examples
    --------
    >>> x, rec = simulate((0.55, 10.6, 0.6, 11.7), np.full(4, 39.0), np.random.default_rng(0))
    >>> bool(np.all(rec <= 39.0)) and bool(np.all((x == 0) == (rec == 0)))
    True
    """
    r, alpha, s, beta = params
    n = T.shape[0]
    lam = rng.gamma(r, 1.0 / alpha, size=n)
    mu = rng.gamma(s, 1.0 / beta, size=n)
    lifetime = rng.exponential(1.0, size=n) / np.maximum(mu, 1e-300)
    active = np.minimum(lifetime, T)
    x = rng.poisson(lam * active)
    recency = np.zeros(n)
    buyers = x > 0
    recency[buyers] = active[buyers] * rng.beta(x[buyers], 1.0)
    return x.astype(np.float64), recency


def _blas_weighted_sum(w: NDArray[np.float64], v: NDArray[np.float64]) -> float:
    """``w @ v`` (how Pareto/NBD's starting point has always summed)."""
    return float(w @ v)


# ---------------------------------------------------------------------------------- the model
class ParetoNBD(RepeatPurchaseModel):
    """Pareto/NBD model of repeat buying (Schmittlein, Morrison & Colombo 1987).

    Purchases while alive follow a Poisson process with rate ``lambda ~ Gamma(r, alpha)``;
    lifetimes are exponential with rate ``mu ~ Gamma(s, beta)``. The likelihood, its gradient
    and every prediction are computed in log space with a quadrature of the hypergeometric
    term (see the module notes), so they stay finite for heavy buyers, ``recency == T`` and
    tiny or huge time scales; standard errors come from the Hessian at the optimum.

    Attributes
    ----------
    params_ : dict
        ``{"r", "alpha", "s", "beta"}``; ``alpha`` and ``beta`` are in the data's time unit.
    penalizer, standard_errors_, covariance_, log_likelihood_, n_customers_ :
        As :class:`BTYDModel` (``penalizer``: its L2 penalty).

    References
    ----------
    Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987). Counting Your Customers: Who
    Are They and What Will They Do Next? *Management Science* 33(1), 1-24.

    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy
    Way: An Alternative to the Pareto/NBD Model. *Marketing Science* 24(2), 275-284.

    Examples
    --------
    >>> from privtraffic.data import load_cdnow
    >>> m = ParetoNBD().fit(load_cdnow("summary"))
    >>> {k: round(v, 2) for k, v in m.params_.items()}
    {'r': 0.55, 'alpha': 10.58, 's': 0.61, 'beta': 11.67}
    >>> round(m.log_likelihood_, 1)
    -9595.0
    """

    _param_names = ("r", "alpha", "s", "beta")
    _negative_log_likelihood = staticmethod(negative_log_likelihood)
    _prepare_data = staticmethod(index_data)
    _starts = ((1.0, 1.0, 1.0, 1.0), (0.5, 0.5, 0.5, 2.0))
    _fourth_per_age = True  # beta, the dropout scale, is in the data's time unit
    _weighted_sum = staticmethod(_blas_weighted_sum)
    _expected_purchases_new = staticmethod(expected_purchases_new)
    _probability_of_purchases = staticmethod(probability_of_purchases)
    _parameter_pairs = (
        ParameterPair("r", "alpha", "gamma", "purchase rate"),
        ParameterPair("s", "beta", "gamma", "dropout rate", "drops out"),
    )

    # The public methods are RepeatPurchaseModel's; these hooks evaluate Pareto/NBD.
    def _alive(
        self, params: Params, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]:
        one = _scalar.rfm(frequency, recency, T)
        if one is not None:  # one customer as numbers: scalar checks, the same evaluator
            return probability_alive(params, *_scalar.columns(*one))
        return probability_alive(params, *self._history(frequency, recency, T))

    def _expected(
        self, params: Params, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]:
        one, horizon = _scalar.rfm(frequency, recency, T), _scalar.horizon(t)
        if one is not None and horizon is not None:  # one customer as numbers
            with np.errstate(over="ignore"):
                value = conditional_expected_purchases(params, *_scalar.columns(horizon, *one))
            if np.isfinite(value[0]):  # else the batch path below raises, naming the inputs
                return value
        t_arr, x, rec, T_arr = self._history(frequency, recency, T, t=t)
        check_horizon(t_arr)
        with np.errstate(over="ignore"):
            expected = conditional_expected_purchases(params, t_arr, x, rec, T_arr)
        return check_representable(expected, "expected_purchases", t=t_arr, frequency=x)

    def _simulated(
        self, params: Params, T: NDArray[np.float64], rng: np.random.Generator
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return simulate(params, T, rng)
