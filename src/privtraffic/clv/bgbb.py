"""The BG/BB model of Fader, Hardie & Shang (2010): pure functions and :class:`BetaGeoBetaBinom`.

Discrete time: a customer has one transaction opportunity per period (a yearly donation, a
weekly visit). While alive, they transact at each opportunity with probability
``p ~ Beta(alpha, beta)``; at the start of each opportunity a living customer dies with
probability ``theta ~ Beta(gamma, delta)``. The data of a customer are ``frequency`` (x,
opportunities with a transaction after the first), ``recency`` (t_x, the last such
opportunity, 0 when none) and ``n_periods`` (n, opportunities observed).

Everything is computed in log space with ``betaln``; the sum over possible death times in the
likelihood is a vectorised log-sum-exp over a ragged array, and the conditional expectations
use a closed form whose removable singularity at ``gamma == 1`` is evaluated through a
quadrature of the digamma function instead of a 0/0.

References
----------
Fader, P. S., Hardie, B. G. S. and Shang, J. (2010). Customer-Base Analysis in a Discrete-Time
Noncontractual Setting. *Marketing Science* 29(6), 1086-1108.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from privtraffic._validation import first_index
from privtraffic.clv._base import (
    DataInput,
    Params,
    PurchaseModel,
    PurchasePredictions,
    as_probability,
    check_at_most,
    check_no_recency_without_purchases,
    check_nonnegative,
    check_representable,
    check_whole,
    simulation_column,
)
from privtraffic.clv._diagnostics import ParameterPair
from privtraffic.clv._optimize import weighted_sum as _dot
from privtraffic.data import DiscreteRFMSummary
from privtraffic.errors import InvalidInputError

__all__ = [
    "BetaGeoBetaBinom",
    "check_discrete_rfm",
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
#: ``(x, recency, n, row, m, j, counts)``, all integer arrays.
IndexedData = tuple[
    NDArray[np.intp],
    NDArray[np.intp],
    NDArray[np.intp],
    NDArray[np.intp],
    NDArray[np.intp],
    NDArray[np.intp],
    NDArray[np.intp],
]

# Gauss-Legendre nodes on [0, 1] for the digamma quadrature near gamma == 1.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)
_GL_X = 0.5 * (_GL_X + 1.0)
_GL_W = 0.5 * _GL_W


def check_discrete_rfm(
    frequency: NDArray[np.float64], recency: NDArray[np.float64], n_periods: NDArray[np.float64]
) -> None:
    """Check discrete-time RFM data against the BG/BB rules.

    All three are whole numbers, ``n_periods >= 1``, ``0 <= frequency <= recency <= n_periods``
    and ``recency == 0`` exactly when ``frequency == 0``.

    Parameters
    ----------
    frequency, recency, n_periods : numpy.ndarray
        Finite float64 columns of equal length.

    Raises
    ------
    InvalidInputError
        At the first row that breaks one of these rules (the discrete-time ones), naming the
        argument, the rule, the value and the row.

    Examples
    --------
    >>> check_discrete_rfm(np.array([2.0]), np.array([7.0]), np.array([6.0]))
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'recency' must be <= n_periods (got 7.0 > 6.0 at index 0)
    """
    for name, col in (("frequency", frequency), ("recency", recency), ("n_periods", n_periods)):
        check_nonnegative(col, name, whole=True)
    i = first_index(n_periods < 1)
    if i >= 0:
        raise InvalidInputError(
            f"'n_periods' must be >= 1 (got {float(n_periods[i])!r} at index {i})"
        )
    check_at_most(recency, n_periods, "recency", "n_periods")
    check_no_recency_without_purchases(frequency, recency)
    check_at_most(frequency, recency, "frequency", "recency")


# ---------------------------------------------------------------------------------- likelihood
def _distinct_histories(
    x: NDArray[np.float64], rec: NDArray[np.float64], n: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]:
    """The distinct ``(x, t_x, n)`` histories and each customer's index into them (one key
    per history while the keys stay exact in float64; else every customer as they are)."""
    base = float(n.max()) + 1.0
    if base**3 >= 2.0**53:
        return x, rec, n, np.arange(x.size)
    keys, inverse = np.unique((x * base + rec) * base + n, return_inverse=True)
    return keys // (base * base), (keys // base) % base, keys % base, inverse


def _ragged(
    x: NDArray[np.float64], recency: NDArray[np.float64], n: NDArray[np.float64]
) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.intp]]:
    """Rows repeated once per possible death opportunity: (row index, i) for i < n - t_x."""
    counts = (n - recency).astype(np.int64)
    row = np.repeat(np.arange(x.shape[0]), counts)
    starts = np.cumsum(counts) - counts
    i = np.arange(row.shape[0]) - starts[row]
    return row, i.astype(np.float64), counts


def _segment_logsumexp(
    head: NDArray[np.float64], tail: NDArray[np.float64], counts: NDArray[np.intp]
) -> NDArray[np.float64]:
    """Per row: ``log(exp(head) + sum of exp(tail) over the row's segment)``.

    ``tail`` holds the rows' segments one after the other, ``counts[k]`` terms for row k.
    """
    top = head.copy()
    filled = counts > 0
    starts = (np.cumsum(counts) - counts)[filled]
    if tail.size:
        top[filled] = np.maximum(top[filled], np.maximum.reduceat(tail, starts))
    total = np.exp(head - top)
    if tail.size:
        shifted = np.exp(tail - np.repeat(top, counts))
        total[filled] += np.add.reduceat(shifted, starts)
    log_total: NDArray[np.float64] = top + np.log(total)
    return log_total


def _log_alive_term(
    params: Params, x: NDArray[np.float64], n: NDArray[np.float64], extra: float
) -> NDArray[np.float64]:
    """``log[B(alpha+x, beta+n-x)/B(alpha,beta) * B(gamma, delta+n+extra)/B(gamma,delta)]``."""
    alpha, beta, gamma, delta = params
    term: NDArray[np.float64] = (
        special.betaln(alpha + x, beta + n - x)
        - special.betaln(alpha, beta)
        + special.betaln(gamma, delta + n + extra)
        - special.betaln(gamma, delta)
    )
    return term


def _log_death_terms(
    params: Params, x: NDArray[np.float64], recency: NDArray[np.float64], i: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Log of the likelihood term "alive through t_x + i, dead at the next opportunity"."""
    alpha, beta, gamma, delta = params
    terms: NDArray[np.float64] = (
        special.betaln(alpha + x, beta + recency - x + i)
        - special.betaln(alpha, beta)
        + special.betaln(gamma + 1.0, delta + recency + i)
        - special.betaln(gamma, delta)
    )
    return terms


def log_likelihood(
    params: Params, frequency: ArrayLike, recency: ArrayLike, n_periods: ArrayLike
) -> NDArray[np.float64]:
    """Log-likelihood of each customer's (x, t_x, n) under BG/BB (FHS 2010, eq. 5).

    Parameters
    ----------
    params : tuple of float
        ``(alpha, beta, gamma, delta)``.
    frequency, recency, n_periods : numpy.ndarray
        The customers' data, in opportunities.

    Returns
    -------
    numpy.ndarray
        One log-likelihood per customer, of their history over ``n_periods`` opportunities.

    Examples
    --------
    >>> ll = log_likelihood((1.204, 0.750, 0.657, 2.783), np.array([0.0, 6.0]),
    ...     np.array([0.0, 6.0]), np.array([6.0, 6.0]))
    >>> np.round(ll, 4).tolist()
    [-1.1673, -2.1822]
    """
    x = np.asarray(frequency, dtype=np.float64)
    rec = np.asarray(recency, dtype=np.float64)
    n = np.asarray(n_periods, dtype=np.float64)
    if x.size == 0:
        return np.empty(0)
    # many customers share a history: evaluate each distinct (x, t_x, n) once
    x, rec, n, inverse = _distinct_histories(x, rec, n)
    row, i, counts = _ragged(x, rec, n)
    head = _log_alive_term(params, x, n, 0.0)
    tail = _log_death_terms(params, x[row], rec[row], i)
    return _segment_logsumexp(head, tail, counts)[inverse]


def index_data(
    frequency: NDArray[np.float64], recency: NDArray[np.float64], n_periods: NDArray[np.float64]
) -> IndexedData:
    """Integer indexes for :func:`negative_log_likelihood`: every term is a gather from
    per-integer tables.

    Parameters
    ----------
    frequency, recency, n_periods : numpy.ndarray
        The (usually already collapsed) customer rows, whole numbers as floats.

    Returns
    -------
    tuple of numpy.ndarray
        ``(x, recency, n, row, m, j, counts)``: the rows' x, t_x and n as integers, the
        ragged death terms' row, opportunity ``m = t_x + i`` and ``j = m - x``, and the
        per-row term counts.

    Examples
    --------
    >>> x, rec, n, row, m, j, counts = index_data(np.array([1.0]), np.array([2.0]),
    ...     np.array([4.0]))
    >>> row.tolist(), m.tolist(), counts.tolist()
    ([0, 0], [2, 3], [2])
    """
    x = frequency.astype(np.int64)
    rec = recency.astype(np.int64)
    n = n_periods.astype(np.int64)
    row, i, counts = _ragged(frequency, recency, n_periods)
    m = rec[row] + i.astype(np.int64)
    return x, rec, n, row, m, m - x[row], counts


def negative_log_likelihood(
    log_params: NDArray[np.float64],
    x: NDArray[np.intp],
    recency: NDArray[np.intp],
    n: NDArray[np.intp],
    row: NDArray[np.intp],
    m: NDArray[np.intp],
    j: NDArray[np.intp],
    counts: NDArray[np.intp],
    *,
    weights: NDArray[np.float64],
) -> tuple[float, NDArray[np.float64]]:
    """Total weighted BG/BB negative log-likelihood and its analytic gradient in ``log(params)``.

    The death terms of each row are summed over its ragged range of opportunities.

    Parameters
    ----------
    log_params : numpy.ndarray
        ``log((alpha, beta, gamma, delta))``.
    x, recency, n, row, m, j, counts : numpy.ndarray
        The (collapsed) data as integers and the ragged death terms (see :func:`index_data`).
    weights : numpy.ndarray
        Customers per row.

    Returns
    -------
    (float, numpy.ndarray)
        The BG/BB total ``-sum(weights * log_likelihood(params, ...))`` and its
        gradient in ``log_params``.

    Examples
    --------
    >>> from privtraffic.data import load_donations
    >>> d = load_donations()
    >>> data = index_data(d.frequency * 1.0, d.recency * 1.0, d.n_periods * 1.0)
    >>> value, grad = negative_log_likelihood(np.log([1.204, 0.750, 0.657, 2.783]), *data,
    ...     weights=d.weights * 1.0)
    >>> round(value, 1)
    33225.6
    """
    alpha, beta, gamma, delta = (float(p) for p in np.exp(log_params))
    size = int(n.max()) + 2
    ints = np.arange(size, dtype=np.float64)
    gl, psi = special.gammaln, special.digamma
    # per-integer tables
    ga, gb, gab = gl(alpha + ints), gl(beta + ints), gl(alpha + beta + ints)
    gd, ggd = gl(delta + ints), gl(gamma + delta + ints)
    const = gab[0] - ga[0] - gb[0] + ggd[0] - gl(gamma) - gd[0]  # -log B(a,b) - log B(g,d)
    head = ga[x] + gb[n - x] - gab[n] + gl(gamma) + gd[n] - ggd[n] + const
    by_m = np.empty(size)  # log B(gamma+1, delta+m) - log Gamma(alpha+beta+m), per m
    by_m[:-1] = gl(gamma + 1.0) + gd[:-1] - ggd[1:] - gab[:-1]
    by_m[-1] = -np.inf
    tail = (ga[x] + const)[row] + gb[j] + by_m[m]
    ll = _segment_logsumexp(head, tail, counts)
    with np.errstate(divide="ignore"):
        log_w = np.log(weights) - ll
    w_head = np.exp(head + log_w)
    w_tail = np.exp(tail + log_w[row])
    w_tail_row = weights - w_head  # each row's shares sum to one
    size_w = float(weights.sum())
    w_tail_total = float(w_tail_row.sum())

    def at(index: NDArray[np.intp], w: NDArray[np.float64]) -> NDArray[np.float64]:
        totals: NDArray[np.float64] = np.bincount(index, weights=w, minlength=size).astype(
            np.float64, copy=False
        )
        return totals

    pa, pb, pab = psi(alpha + ints), psi(beta + ints), psi(alpha + beta + ints)
    pd, pgd = psi(delta + ints), psi(gamma + delta + ints)
    head_x, head_n, head_nx = at(x, w_head), at(n, w_head), at(n - x, w_head)
    tail_x, tail_m, tail_j = at(x, w_tail_row), at(m, w_tail), at(j, w_tail)
    tail_m1 = np.roll(tail_m, 1)  # weights at m + 1
    d_ab = psi(alpha + beta)
    d_gd = psi(gamma + delta)
    g_alpha = _dot(head_x + tail_x, pa) - _dot(head_n + tail_m, pab) + size_w * (d_ab - psi(alpha))
    g_beta = _dot(head_nx + tail_j, pb) - _dot(head_n + tail_m, pab) + size_w * (d_ab - psi(beta))
    g_gamma = size_w * d_gd - _dot(head_n + tail_m1, pgd) + w_tail_total / gamma
    g_delta = _dot(head_n + tail_m, pd) - _dot(head_n + tail_m1, pgd) + size_w * (d_gd - psi(delta))
    grad = np.array([g_alpha * alpha, g_beta * beta, g_gamma * gamma, g_delta * delta])
    return -_dot(weights, ll), -grad


def _initial_log_params(
    frequency: NDArray[np.float64],
    recency: NDArray[np.float64],
    n_periods: NDArray[np.float64],
    *,
    weights: NDArray[np.float64],
) -> list[NDArray[np.float64]]:
    w = weights / weights.sum()
    share = float(w @ frequency) / max(float(w @ n_periods), 1e-300)  # transactions per period
    share = min(max(share, 0.05), 0.95)
    return [
        np.log([share, 1.0 - share, 1.0, 3.0]),
        np.log([1.0, 1.0, 0.5, 0.5]),
    ]


# ---------------------------------------------------------------------------------- predictions
def probability_alive(
    params: Params, frequency: ArrayLike, recency: ArrayLike, n_periods: ArrayLike
) -> NDArray[np.float64]:
    """P(alive at opportunity n + 1 | x, t_x, n) under BG/BB (FHS 2010, eq. 11).

    Examples
    --------
    >>> p = probability_alive((1.204, 0.750, 0.657, 2.783), np.array([0.0, 2.0, 6.0]),
    ...     np.array([0.0, 4.0, 6.0]), np.array([6.0, 6.0, 6.0]))
    >>> np.round(p, 2).tolist()
    [0.11, 0.59, 0.93]
    """
    gamma, delta = params[2], params[3]
    x = np.asarray(frequency, dtype=np.float64)
    n = np.asarray(n_periods, dtype=np.float64)
    # alive at n + 1 / likelihood = B(g, d+n+1)/B(g, d+n) * head / (head + sum of death terms)
    # = (d + n)/(g + d + n) / (1 + sum exp(death - head)): a product of two numbers in (0, 1].
    log_rest = _log_one_plus_death_share(params, x, np.asarray(recency, dtype=np.float64), n)
    alive: NDArray[np.float64] = np.exp(-np.log1p(gamma / (delta + n)) - log_rest)
    return alive


def _log_one_plus_death_share(
    params: Params, x: NDArray[np.float64], rec: NDArray[np.float64], n: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``log(1 + sum_i exp(death_i - alive))`` per customer (>= 0 by construction)."""
    if x.size == 0:
        return np.empty(0)
    x, rec, n = np.broadcast_arrays(x, rec, n)
    x, rec, n, inverse = _distinct_histories(x, rec, n)
    row, i, counts = _ragged(x, rec, n)
    head = _log_alive_term(params, x, n, 0.0)
    tail = _log_death_terms(params, x[row], rec[row], i) - head[row]
    share: NDArray[np.float64] = _segment_logsumexp(np.zeros_like(head), tail, counts)[inverse]
    return share


def _log_alive_sum(gamma: float, delta: float, n: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    """``log sum_{j=1..t} B(gamma, delta+n+j) / B(gamma, delta)`` (``-inf`` when ``t == 0``).

    Telescoping gives ``Gamma(gamma+delta)/Gamma(delta) * (D(n) - D(n+t)) / (gamma - 1)`` with
    ``D(m) = Gamma(delta+m+1) / Gamma(gamma+delta+m)``. The ratio
    ``log(D(n+t)/D(n)) / (gamma - 1)`` is a mean of digamma differences over [1, gamma]; where
    that interval is short against its distance from the digamma's poles (``gamma`` near 1, or
    ``delta + n`` large), the mean is taken by 8-point Gauss-Legendre quadrature (error below
    1e-16 for a ratio of half-length to distance <= 0.2), so there is no 0/0 and no loss of
    digits to a difference of two large log-gammas (``delta = 1e4``: 1e-7 relative); elsewhere
    the log-gammas are differenced directly.
    """
    n, t = np.broadcast_arrays(np.asarray(n, dtype=np.float64), np.asarray(t, dtype=np.float64))
    g1 = gamma - 1.0

    def log_d(m: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(special.gammaln(delta + m + 1.0) - special.gammaln(gamma + delta + m))

    # half the interval [1, gamma] over the distance of its centre from the pole at -(delta+n)
    by_quadrature = 0.5 * abs(g1) <= 0.2 * (1.0 + 0.5 * g1 + delta + n)
    log_d_n = log_d(n)
    ratio = np.empty(n.shape)
    near, far = by_quadrature, ~by_quadrature
    if np.any(far):
        ratio[far] = (log_d(n[far] + t[far]) - log_d_n[far]) / g1
    if np.any(near):
        g = 1.0 + g1 * _GL_X  # nodes on [1, gamma]
        m_near = n[near][..., None]
        diff = special.digamma(g[None, :] + delta + m_near + t[near][..., None]) - special.digamma(
            g[None, :] + delta + m_near
        )
        ratio[near] = -(diff @ _GL_W)
    log_ratio_d = ratio * g1  # log D(n+t) - log D(n)
    factor = -ratio * special.exprel(log_ratio_d)  # (1 - D(n+t)/D(n)) / (gamma - 1) >= 0
    with np.errstate(divide="ignore"):
        return np.asarray(
            special.gammaln(gamma + delta) - special.gammaln(delta) + log_d_n + np.log(factor)
        )


def conditional_expected_purchases(
    params: Params,
    t: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    n_periods: ArrayLike,
) -> NDArray[np.float64]:
    """E[X(n, n + t) | x, t_x, n]: expected transactions in the next ``t`` opportunities (eq. 13).

    Examples
    --------
    >>> e = conditional_expected_purchases((1.204, 0.750, 0.657, 2.783), np.array([5.0]),
    ...     np.array([6.0]), np.array([6.0]), np.array([6.0]))
    >>> round(float(e[0]), 4)
    3.7521
    """
    alpha, beta, gamma, delta = params
    x = np.asarray(frequency, dtype=np.float64)
    n = np.asarray(n_periods, dtype=np.float64)
    ll = log_likelihood(params, x, recency, n)
    log_e = (
        np.log(alpha + x)
        - np.log(alpha + beta + n)
        + special.betaln(alpha + x, beta + n - x)
        - special.betaln(alpha, beta)
        - ll
        + _log_alive_sum(gamma, delta, n, t)
    )
    expected: NDArray[np.float64] = np.exp(log_e)
    return expected


def expected_purchases_new(params: Params, t: ArrayLike) -> NDArray[np.float64]:
    """E[X(t)]: expected transactions in the first ``t`` opportunities of a new customer (eq. 8).

    Examples
    --------
    >>> e = expected_purchases_new((1.204, 0.750, 0.657, 2.783), np.array([1.0, 6.0]))
    >>> np.round(e, 4).tolist()
    [0.4985, 2.2196]
    """
    alpha, beta, gamma, delta = params
    t = np.asarray(t, dtype=np.float64)
    log_e = np.log(alpha) - np.log(alpha + beta) + _log_alive_sum(gamma, delta, np.zeros_like(t), t)
    expected: NDArray[np.float64] = np.exp(log_e)
    return expected


def probability_of_purchases(params: Params, n: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    """P(X(t) = n): ``n`` transactions in the first ``t`` opportunities of a new customer (eq. 7).

    Examples
    --------
    >>> p = probability_of_purchases((1.204, 0.750, 0.657, 2.783), np.array([0.0, 6.0]),
    ...     np.array([6.0, 6.0]))
    >>> np.round(p * 11104, 1).tolist()
    [3455.8, 1252.4]
    """
    n = np.asarray(n, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    out = np.zeros(n.shape)
    ok = n <= t
    n, t = n[ok], t[ok]
    head = (
        special.gammaln(t + 1.0)
        - special.gammaln(n + 1.0)
        - special.gammaln(t - n + 1.0)
        + _log_alive_term(params, n, t, 0.0)
    )
    # sum over the opportunity i in [n, t-1] after which the customer died
    counts = (t - n).astype(np.int64)
    row = np.repeat(np.arange(n.shape[0]), counts)
    i = n[row] + (np.arange(row.shape[0]) - (np.cumsum(counts) - counts)[row])
    nr = n[row]
    tail = (
        special.gammaln(i + 1.0)
        - special.gammaln(nr + 1.0)
        - special.gammaln(i - nr + 1.0)
        + _log_death_terms(params, nr, i, np.zeros_like(i))
    )
    out[ok] = np.exp(_segment_logsumexp(head, tail, counts))
    return as_probability(out)


def simulate(
    params: Params, n_periods: NDArray[np.float64], rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Draw (frequency, recency) for customers with ``n_periods`` opportunities under BG/BB.

    Each customer draws ``p ~ Beta(alpha, beta)`` and ``theta ~ Beta(gamma, delta)``, lives for
    ``L = min(G - 1, n)`` opportunities with ``G ~ Geometric(theta)``, transacts
    ``x ~ Binomial(L, p)`` times, and ``t_x`` is the largest of a uniformly random x-subset of
    ``1..L`` (drawn by inverting ``P(t_x <= k) = C(k, x) / C(L, x)``).

    Parameters
    ----------
    params : tuple of float
        ``(alpha, beta, gamma, delta)``.
    n_periods : numpy.ndarray
        Opportunities observed for each customer.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``frequency`` and ``recency`` of each customer, in opportunities.

    Examples
    --------
    >>> x, rec = simulate((1.2, 0.75, 0.66, 2.8), np.full(5, 6.0), np.random.default_rng(0))
    >>> bool(np.all(x <= rec)) and bool(np.all(rec <= 6))
    True
    """
    alpha, beta, gamma, delta = params
    size = n_periods.shape[0]
    p = rng.beta(alpha, beta, size=size)
    theta = np.clip(rng.beta(gamma, delta, size=size), 1e-300, 1.0)
    alive = np.minimum(rng.geometric(theta) - 1, n_periods).astype(np.float64)
    x = rng.binomial(alive.astype(np.int64), p).astype(np.float64)
    u = rng.random(size)
    # smallest k in [x, L] with C(k, x) >= u * C(L, x), by bisection on the log scale
    log_target = np.log(u) + _log_choose(alive, x)
    lo, hi = x.copy(), alive.copy()
    while np.any(lo < hi):
        mid = np.floor(0.5 * (lo + hi))
        below = _log_choose(mid, x) < log_target
        lo = np.where(below, mid + 1.0, lo)
        hi = np.where(below, hi, mid)
    recency = np.where(x > 0, lo, 0.0)
    return x, recency


def _log_choose(k: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(
        special.gammaln(k + 1.0) - special.gammaln(x + 1.0) - special.gammaln(k - x + 1.0)
    )


# ---------------------------------------------------------------------------------- the model
class BetaGeoBetaBinom(PurchaseModel):
    """BG/BB ("beta-geometric / beta-binomial") model of discrete-time repeat transactions.

    Attributes
    ----------
    params_ : dict
        ``{"alpha", "beta", "gamma", "delta"}``: transaction probability ``~ Beta(alpha, beta)``,
        dropout probability ``~ Beta(gamma, delta)``.
    penalizer, standard_errors_, covariance_, log_likelihood_, n_customers_ :
        As :class:`BTYDModel` (``penalizer``: its L2 penalty).

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Shang, J. (2010). Customer-Base Analysis in a
    Discrete-Time Noncontractual Setting. *Marketing Science* 29(6), 1086-1108. The model, and
    its fit to the donations data of :func:`~privtraffic.data.load_donations` (below).

    Examples
    --------
    >>> from privtraffic.data import load_donations
    >>> m = BetaGeoBetaBinom().fit(load_donations())
    >>> {k: round(v, 3) for k, v in m.params_.items()}
    {'alpha': 1.204, 'beta': 0.75, 'gamma': 0.657, 'delta': 2.783}
    >>> round(m.log_likelihood_, 1)
    -33225.6
    """

    _param_names = ("alpha", "beta", "gamma", "delta")
    _data_names = ("frequency", "recency", "n_periods")
    _negative_log_likelihood = staticmethod(negative_log_likelihood)
    _check_data = staticmethod(check_discrete_rfm)
    _prepare_data = staticmethod(index_data)
    _initial_log_params = staticmethod(_initial_log_params)
    _parameter_pairs = (
        ParameterPair("alpha", "beta", "beta", "transaction probability"),
        ParameterPair("gamma", "delta", "beta", "dropout probability", "drops out"),
    )
    _whole_periods = True  # time in opportunities
    _expected_purchases_new = staticmethod(expected_purchases_new)
    _probability_of_purchases = staticmethod(probability_of_purchases)

    def fit(
        self,
        frequency: DataInput,
        recency: ArrayLike | None = None,
        n_periods: ArrayLike | None = None,
        weights: ArrayLike | None = None,
    ) -> BetaGeoBetaBinom:
        """Fit the model by maximum likelihood (analytic gradient, then Newton polishing).

        Parameters
        ----------
        frequency : array-like, DiscreteRFMSummary or pandas.DataFrame
            Opportunities with a repeat transaction per customer; or a table with
            ``frequency``, ``recency``, ``n_periods`` (and optionally ``weights``) columns, with
            ``recency`` and ``n_periods`` left out.
        recency : array-like
            The last opportunity with a transaction (0 when none).
        n_periods : array-like
            Opportunities observed.
        weights : array-like, optional
            Customers per row (default 1). Identical rows are merged automatically.

        Returns
        -------
        BetaGeoBetaBinom
            ``self``, fitted.

        Raises
        ------
        InvalidInputError
            Negative or non-integer values, recency > n_periods, frequency > recency, recency > 0
            with frequency 0, n_periods < 1, NaN/inf, mismatched lengths, empty data, negative
            weights or penalizer.
        ConvergenceError
            No finite optimum was found.

        Examples
        --------
        >>> truth = BetaGeoBetaBinom.from_params(alpha=1.2, beta=0.75, gamma=0.66, delta=2.8)
        >>> data = truth.simulate(5000, 6, rng=np.random.default_rng(0))
        >>> m = BetaGeoBetaBinom().fit(data)
        >>> bool(abs(m.params_["alpha"] - 1.2) < 3 * m.standard_errors_["alpha"])
        True
        """
        self._fit({"frequency": frequency, "recency": recency, "n_periods": n_periods}, weights)
        return self

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, n_periods: ArrayLike
    ) -> NDArray[np.float64]:
        """Probability that each customer is alive at the next opportunity, n_periods + 1.

        Parameters
        ----------
        frequency, recency, n_periods : array-like or int
            The customers' history (scalars broadcast).

        Returns
        -------
        numpy.ndarray
            Values in [0, 1].

        Raises
        ------
        InvalidInputError
            Data that break the BG/BB rules listed in :meth:`fit`.

        Examples
        --------
        >>> m = BetaGeoBetaBinom.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
        >>> np.round(m.probability_alive([0, 2, 6], [0, 4, 6], 6), 2).tolist()
        [0.11, 0.59, 0.93]
        """
        params = self._fitted_params()
        return probability_alive(params, *self._history(frequency, recency, n_periods))

    def expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, n_periods: ArrayLike
    ) -> NDArray[np.float64]:
        """Expected transactions in the next ``t`` opportunities, E[X(n, n + t) | history].

        Parameters
        ----------
        t : array-like or int
            Future opportunities (whole numbers >= 0).
        frequency, recency, n_periods : array-like or int
            The customers' history.

        Returns
        -------
        numpy.ndarray
            Non-negative expectations.

        Raises
        ------
        InvalidInputError
            Negative or fractional ``t`` or data that break the rules listed in :meth:`fit`.

        Examples
        --------
        >>> m = BetaGeoBetaBinom.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
        >>> np.round(m.expected_purchases(5, [0, 6], [0, 6], 6), 4).tolist()
        [0.0728, 3.7521]
        """
        params = self._fitted_params()
        t_arr, x, rec, n = self._history(frequency, recency, n_periods, t=t)
        check_whole(t_arr, "t")
        with np.errstate(over="ignore"):
            expected = conditional_expected_purchases(params, t_arr, x, rec, n)
        return check_representable(expected, "expected_purchases", t=t_arr, frequency=x)

    def predict(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, n_periods: ArrayLike
    ) -> PurchasePredictions:
        """Expected purchases in the next ``t`` opportunities and P(alive), in one call.

        For BG/BB this is :meth:`expected_purchases` and :meth:`probability_alive` called one
        after the other (the same numbers; no work is shared yet). BG/NBD and MBG/NBD share
        it: see :meth:`privtraffic.clv.BetaGeo.predict`.

        Parameters
        ----------
        t : array-like or int
            Future opportunities (whole numbers >= 0).
        frequency, recency, n_periods : array-like or int
            The customers' history (scalars broadcast).

        Returns
        -------
        PurchasePredictions
            Columns ``expected_purchases`` and ``probability_alive`` (broadcast along ``t``
            when ``t`` is the longer input).

        Raises
        ------
        InvalidInputError
            As :meth:`expected_purchases`.

        Examples
        --------
        >>> m = BetaGeoBetaBinom.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
        >>> p = m.predict(5, [0, 2, 6], [0, 4, 6], 6)
        >>> np.round(p.expected_purchases, 4).tolist()
        [0.0728, 1.0573, 3.7521]
        """
        expected = self.expected_purchases(t, frequency, recency, n_periods)
        alive = self.probability_alive(frequency, recency, n_periods)
        return PurchasePredictions(expected, np.broadcast_to(alive, expected.shape))

    def simulate(
        self, n: int, n_periods: ArrayLike, *, rng: np.random.Generator | None = None
    ) -> DiscreteRFMSummary:
        """Draw ``n`` synthetic customers from the fitted model.

        Parameters
        ----------
        n : int
            Number of customers.
        n_periods : int or array-like
            Opportunities observed for each customer (a scalar applies to all).
        rng : numpy.random.Generator, optional
            Source of randomness (default: a fresh unseeded generator).

        Returns
        -------
        DiscreteRFMSummary
            One row per customer (``weights`` all 1).

        Raises
        ------
        InvalidInputError
            ``n`` not a whole number >= 1, ``n_periods`` not whole numbers >= 1 or of the
            wrong length.

        Examples
        --------
        >>> m = BetaGeoBetaBinom.from_params(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
        >>> d = m.simulate(1000, 6, rng=np.random.default_rng(0))
        >>> len(d), bool((d.frequency <= d.recency).all())
        (1000, True)
        """
        params = self._fitted_params()
        periods = simulation_column(n, "n_periods", n_periods)
        check_whole(periods, "n_periods", minimum=1)
        rng = np.random.default_rng() if rng is None else rng
        x, rec = simulate(params, periods, rng)
        return DiscreteRFMSummary(
            frequency=x, recency=rec, n_periods=periods, weights=np.ones(int(n))
        )
