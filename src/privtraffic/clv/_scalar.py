"""One customer's predictions in Python floats: the path a request handler takes.

A request handler asks for P(alive), expected purchases or the CLV of **one** customer, given
as numbers. The batch methods would coerce them to arrays, run the column checks
(:func:`~privtraffic.clv._base.check_rfm`: a pass per rule) and evaluate the formulas on
length-1 arrays; for one row that set-up is most of the time. Here the same formulas run on
Python floats, in the same order of operations as the batch code, and the same rules are
checked with scalar comparisons.

Nothing here raises. Each function returns ``None`` when its inputs are not plain numbers
(``int``, ``float``, ``numpy.float64``, ``numpy.int64``), break a rule, or give a value that is
not finite: the caller then takes the batch path, which raises the error it always raises, with
its message. So both paths accept the same inputs and refuse the same ones, with the same
words; where a value is computed it is the batch path's value (checked by
``tests/test_scalar_paths.py`` on random inputs, extreme ones included).

Where the BG/NBD expectation needs more than its positive series (method 2 of
:mod:`privtraffic.clv._hypergeometric`: quadrature), the scalar path calls that module's
evaluator with one row: the same code as the batch path.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from numpy.typing import NDArray

from privtraffic.clv._hypergeometric import (
    _BLOCK,
    _CANCELLATION,
    _SERIES_AU,
    _SERIES_TERMS,
    _SERIES_Z,
    _TAIL,
    beta_mixture_expectation,
)

__all__ = [
    "bgnbd_expected_purchases",
    "bgnbd_probability_alive",
    "columns",
    "expected_spend",
    "horizon",
    "mixture_expectation",
    "numbers",
    "rfm",
]

_PLAIN = (float, int, np.float64, np.int64)
_INT_LIMIT = 2**63


def numbers(*values: object) -> tuple[float, ...] | None:
    """``values`` as finite Python floats, or ``None`` unless each is a plain finite number.

    Plain means of type ``float``, ``int``, ``numpy.float64`` or ``numpy.int64`` exactly (not
    ``bool``, a string, ``None``, a list or an array): everything else goes to the batch path.

    Examples
    --------
    >>> numbers(2, 30.43, np.float64(38.86))
    (2.0, 30.43, 38.86)
    >>> numbers(1.0, float("nan")) is None, numbers(True) is None, numbers([1.0]) is None
    (True, True, True)
    """
    out = []
    for v in values:
        f = _plain(v)
        if f is None:
            return None
        out.append(f)
    return tuple(out)


def columns(*values: float) -> tuple[NDArray[np.float64], ...]:
    """Each value as a length-1 float64 array, for an evaluator that takes columns.

    Examples
    --------
    >>> [c.tolist() for c in columns(2.0, 30.43)]
    [[2.0], [30.43]]
    """
    return tuple(np.array([v]) for v in values)


def _plain(v: object) -> float | None:
    """``v`` as a finite float if it is a plain number (see :func:`numbers`), else ``None``."""
    kind = type(v)
    if kind is float or kind is np.float64:
        f: float = v  # type: ignore[assignment]
    elif kind is int or kind is np.int64:
        if not -_INT_LIMIT < v < _INT_LIMIT:  # type: ignore[operator]
            return None
        f = float(v)  # type: ignore[arg-type]
    else:
        return None
    return float(f) if f - f == 0.0 else None  # f - f is nan for nan and inf


def rfm(frequency: object, recency: object, T: object) -> tuple[float, float, float] | None:
    """One customer's ``(frequency, recency, T)`` if they are plain numbers that keep the rules
    of :func:`~privtraffic.clv._base.check_rfm`, else ``None``.

    Examples
    --------
    >>> rfm(2, 30.43, 38.86)
    (2.0, 30.43, 38.86)
    >>> rfm(2, 40.0, 38.86) is None  # recency > T: the batch path raises
    True
    """
    x, rec, age = _plain(frequency), _plain(recency), _plain(T)
    if x is None or rec is None or age is None:
        return None
    if x < 0 or x != math.floor(x) or rec < 0 or age <= 0 or rec > age or (x == 0 and rec != 0):
        return None
    return x, rec, age


def horizon(t: object) -> float | None:
    """A prediction horizon ``t`` if it is a plain number >= 0, else ``None``.

    Examples
    --------
    >>> horizon(52), horizon(-1.0), horizon("52")
    (52.0, None, None)
    """
    f = _plain(t)
    return f if f is not None and f >= 0 else None


def _exp(z: float) -> float:
    try:
        return math.exp(z)
    except OverflowError:
        return math.inf


def bgnbd_probability_alive(
    params: tuple[float, ...], x: float, recency: float, T: float, s: int
) -> float:
    """P(alive) of one BG/NBD (``s == 0``) or MBG/NBD (``s == 1``) customer.

    The batch formula step by step: ``z = (r + x) log((alpha + T) / (alpha + t_x)) - log(b + x
    - 1 + s) + log(a)``, ``1 / (1 + exp(z))``; 1 for BG/NBD customers without a repeat purchase.
    The ratio of the two ages is taken before its logarithm: a difference of two logarithms
    loses digits when ``t_x`` is close to ``T``, and ``r + x`` multiplies that loss.

    Examples
    --------
    >>> round(bgnbd_probability_alive((0.243, 4.414, 0.793, 2.426), 2.0, 30.43, 38.86, 0), 4)
    0.7266
    """
    r, alpha, a, b = params
    if s == 0 and x == 0:
        return 1.0
    z = math.log((T + alpha) / (recency + alpha))  # one logarithm of the ratio, as the batch
    z *= x + r
    z -= math.log(x + (b - 1.0 + s))
    z += math.log(a)
    return 1.0 / (_exp(z) + 1.0)


def _exprel(v: float) -> float:
    """``(exp(v) - 1) / v``, 1 at 0: scipy's ``exprel``."""
    if abs(v) < 1e-16:
        return 1.0
    if v > 717.0:
        return math.inf
    return math.expm1(v) / v


def mixture_expectation(k: float, a: float, b: float, u: float) -> float:
    """``E[(1 - (1 + p u)**-k) / p]``, ``p ~ Beta(a, b)``: one value of
    :func:`~privtraffic.clv._hypergeometric.beta_mixture_expectation`.

    Its positive series (method 1) in Python floats, with the batch loop's operations in their
    order and its stopping test at the same terms (:func:`_series_sum`); where the series does
    not apply or has not converged, that function itself.

    Examples
    --------
    >>> round(mixture_expectation(1.0, 1.0, 1.0, 3.0) - math.log1p(3.0), 14)  # p uniform
    0.0
    """
    if (k + 1.0) * u <= _TAIL:
        return k * u
    c = a + b - 1.0
    big_a = c - k
    z = u / (1.0 + u)
    if big_a >= 0.0 and z <= _SERIES_Z and a * u <= _SERIES_AU:
        total = _series_sum(big_a, a, c, z)
        if total is not None:
            log1p_u = math.log1p(u)
            power = -(a - 1.0) * log1p_u  # log((1 - z) ** (a - 1))
            first = c * (log1p_u * _exprel(power))  # C E1
            value = first - _exp(power) * total
            if math.isfinite(value) and value > 0.0 and first <= _CANCELLATION * value:
                return value
    return float(beta_mixture_expectation(k, a, b, u))


#: The series' blocks by ``(A, a, C)``: for ratios ``rho_{8j+1} .. rho_{8j+8}`` (which do not
#: depend on ``z``) their running products ``P_1 .. P_8`` and the last ratio, as the batch loop
#: of :mod:`privtraffic.clv._hypergeometric` forms them.
_BLOCKS: dict[tuple[float, float, float], tuple[tuple[float, ...], ...]] = {}
_BLOCKS_KEPT = 256  # (A, a, C) triples kept: a model's few hundred distinct frequencies
_BLOCKS_LOCK = threading.Lock()
_SERIES_BLOCKS = _SERIES_TERMS // _BLOCK


def _series_blocks(
    key: tuple[float, float, float], have: tuple[tuple[float, ...], ...]
) -> tuple[tuple[float, ...], ...]:
    """``have`` and the next blocks for ``key`` (twice as many, at least 4 in all).

    Each ``rho_n = (A + n)(a + n - 1) / ((C + n)(n + 1))`` and each running product with the
    batch loop's operations in its order. The blocks are kept (at most :data:`_BLOCKS_KEPT`
    keys, the oldest dropped first); two threads extending the same key make equal tuples.
    """
    big_a, a, c = key
    more = []
    for j in range(len(have), min(_SERIES_BLOCKS, max(4, 2 * len(have)))):
        products: list[float] = []
        for n in map(float, range(_BLOCK * j + 1, _BLOCK * j + _BLOCK + 1)):
            rho = (big_a + n) * (a + (n - 1.0)) / ((c + n) * (n + 1.0))
            products.append(products[-1] * rho if products else rho)
        more.append((*products, rho))
    blocks = have + tuple(more)
    with _BLOCKS_LOCK:
        if key not in _BLOCKS and len(_BLOCKS) >= _BLOCKS_KEPT:
            del _BLOCKS[next(iter(_BLOCKS))]
        _BLOCKS[key] = blocks
    return blocks


def _series_sum(big_a: float, a: float, c: float, z: float) -> float | None:
    """``sum_{n >= 1} tau_n`` of method 1 as the batch loop forms it, or ``None`` when it has
    not converged after its last block.

    ``tau_1 = A z``, ``tau_{n+1} = tau_n rho_n z``, eight terms at a time: with ``T`` the term
    before a block, the block adds ``T z (P_1 + z (P_2 + ... + z P_8))`` and the next ``T`` is
    ``T P_8 z**8``; after each block the batch loop's test: what is left, at most ``tau q / (1
    - q)`` with ``q = max(rho_n z, z)``, is below ``1e-17`` of the sum. The blocks come from
    :func:`_series_blocks`, so a customer of a known frequency costs two float operations a
    term.

    Examples
    --------
    >>> # A = 1, a = 1, C = 2: rho_n = n / (n + 2), tau_n = 2 z**n / (n (n + 1)), whose sum is
    >>> # 2 (1 - log 2) at z = 1/2
    >>> round(_series_sum(1.0, 1.0, 2.0, 0.5) - 2.0 * (1.0 - math.log(2.0)), 15)
    0.0
    """
    term = big_a * z
    total = term
    if term == 0.0:
        return total
    z2 = z * z
    z4 = z2 * z2
    z8 = z4 * z4
    key = (big_a, a, c)
    blocks = _BLOCKS.get(key) or _series_blocks(key, ())
    done = 0
    while True:
        for p1, p2, p3, p4, p5, p6, p7, p8, rho in blocks[done:] if done else blocks:
            total += term * (
                z * (p1 + z * (p2 + z * (p3 + z * (p4 + z * (p5 + z * (p6 + z * (p7 + z * p8)))))))
            )
            term = term * p8 * z8
            ratio = rho * z
            q = ratio if ratio > z else z
            if q < 1.0 and term * q <= 1e-17 * (1.0 - q) * total:
                return total
        done = len(blocks)
        if done >= _SERIES_BLOCKS:
            return None
        blocks = _series_blocks(key, blocks)


def bgnbd_expected_purchases(
    params: tuple[float, ...], t: float, x: float, recency: float, T: float, s: int
) -> float:
    """E[X(T, T + t] | x, t_x, T] of one BG/NBD or MBG/NBD customer (FHL 2005, eq. 10).

    ``H(r + x, a, b + x + s, t / (alpha + T)) * P(alive)``, as the batch path computes it.

    Examples
    --------
    >>> round(bgnbd_expected_purchases((0.243, 4.414, 0.793, 2.426), 39.0, 2.0, 30.43, 38.86, 0), 4)
    1.226
    """
    r, alpha, a, b = params
    u = t / (alpha + T)
    if_alive = mixture_expectation(r + x, a, b + x + s, u)
    return if_alive * bgnbd_probability_alive(params, x, recency, T, s)


def expected_spend(
    params: tuple[float, ...], frequency: object, monetary_value: object
) -> float | None:
    """Gamma-Gamma expected spend per transaction of one customer, or ``None`` (batch path).

    The rules of the batch path (``frequency`` a whole number >= 0, ``monetary_value`` >= 0 and
    > 0 when ``frequency`` > 0, ``p * frequency + q > 1``) and its formula
    ``p (v + x m) / (p x + q - 1)``.

    Examples
    --------
    >>> round(expected_spend((6.25, 3.74, 15.44), 2, 35.0), 4)
    35.0394
    >>> expected_spend((6.25, 3.74, 15.44), 2, 0.0) is None
    True
    """
    row = numbers(frequency, monetary_value)
    if row is None:
        return None
    x, m = row
    if x < 0 or x != math.floor(x) or m < 0 or (x > 0 and m <= 0):
        return None
    p, q, v = params
    denominator = p * x + (q - 1.0)
    if not denominator > 0:
        return None
    out = p * (v + x * (m if x > 0 else 0.0)) / denominator
    return out if math.isfinite(out) else None
