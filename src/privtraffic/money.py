"""Exact money: amounts in a currency's minor units, rates as decimals, explicit rounding.

Money never passes through a binary float here. An amount is a :class:`decimal.Decimal` with at
most as many decimal places as its currency has minor units (two for CNY: fen), or equivalently an
integer count of minor units. Rates (a commission of 12.5 %) are decimals too, written as strings
(``"0.125"``) so that ``0.1`` means one tenth and not ``0.1000000000000000055511151231257827``.

Floats are refused wherever money or a rate is expected, with an
:class:`~privtraffic.errors.InvalidInputError` naming the argument. Converting a float is a
decision the caller takes explicitly, with :func:`to_decimal` or :meth:`Money.from_float`.

Rounding modes are named by strings:

``"half_up"``
    Ties away from zero (四舍五入; what a cashier does): 12.345 -> 12.35.
``"half_even"``
    Ties to the even neighbour (banker's rounding): 12.345 -> 12.34, 12.355 -> 12.36.
``"down"``
    Towards zero (truncation): 12.349 -> 12.34.

:func:`allocate` splits a total into parts proportional to weights so that the parts add up to
the total exactly (largest-remainder method).

Examples
--------
>>> from privtraffic.money import Money, allocate
>>> Money("99.99").times("0.125", rounding="half_up")
Money('12.50', 'CNY')
>>> allocate("0.10", [1, 1, 1])
(Decimal('0.04'), Decimal('0.03'), Decimal('0.03'))
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeAlias, overload

import attrs
import numpy as np
from numpy.typing import NDArray

from privtraffic.errors import CurrencyMismatchError, InvalidInputError

__all__ = [
    "CURRENCY_EXPONENTS",
    "CURRENCY_SYMBOLS",
    "DEFAULT_CURRENCY",
    "ROUNDING_MODES",
    "Money",
    "allocate",
    "allocate_minor",
    "allocate_minor_columns",
    "allocate_minor_ints",
    "allocate_minor_rows",
    "as_amount",
    "as_decimal",
    "as_rate",
    "check_currency",
    "check_rounding",
    "format_amount",
    "from_minor_units",
    "minor_exponent",
    "quantize",
    "round_ratio",
    "to_decimal",
]

#: Minor-unit exponent of each supported currency (ISO 4217): CNY 2 means 1 yuan = 100 fen.
CURRENCY_EXPONENTS: Mapping[str, int] = {
    "CNY": 2,
    "HKD": 2,
    "MOP": 2,
    "TWD": 2,
    "SGD": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "AUD": 2,
    "CAD": 2,
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "BHD": 3,
    "KWD": 3,
}

#: The minor unit of each exponent (``Decimal('0.01')`` for 2).
_MINOR_UNITS = {e: Decimal(1).scaleb(-e) for e in set(CURRENCY_EXPONENTS.values())}

#: The currency used when none is given.
DEFAULT_CURRENCY = "CNY"

#: The rounding modes by name, mapped to the :mod:`decimal` constants.
ROUNDING_MODES: Mapping[str, str] = {
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "down": decimal.ROUND_DOWN,
}

# Wide enough that a product of an amount and a rate is never rounded by the context itself.
_EXACT = decimal.Context(prec=200, traps=[decimal.Inexact, decimal.InvalidOperation])
_WIDE = decimal.Context(prec=200)
_INT64_MAX = 2**63 - 1
#: Up to this many parts the allocation rule is evaluated column by column (no sort).
_COLUMNWISE_MAX_PARTS = 8

#: An integer, or an integer numpy array (elementwise).
IntOrArray: TypeAlias = "int | NDArray[np.int64] | NDArray[np.object_]"

#: What an exact amount or rate may be given as: never a float.
ExactNumber: TypeAlias = "Decimal | int | str | np.integer"


def check_currency(currency: object, name: str = "currency") -> str:
    """Validate a currency code and return it.

    Parameters
    ----------
    currency : str
        An ISO 4217 code listed in :data:`CURRENCY_EXPONENTS`.
    name : str
        The argument's name, used in messages.

    Returns
    -------
    str
        ``currency`` itself.

    Raises
    ------
    InvalidInputError
        An unknown code.

    Examples
    --------
    >>> check_currency("CNY")
    'CNY'
    >>> check_currency("XYZ")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'currency' must be one of AUD, BHD, ... (got 'XYZ')
    """
    if not isinstance(currency, str) or currency not in CURRENCY_EXPONENTS:
        raise InvalidInputError(
            f"'{name}' must be one of {', '.join(sorted(CURRENCY_EXPONENTS))} (got {currency!r})"
        )
    return currency


def minor_exponent(currency: str) -> int:
    """Number of decimal places of the currency's minor unit (CNY: 2, JPY: 0, KWD: 3).

    Examples
    --------
    >>> minor_exponent("CNY"), minor_exponent("JPY")
    (2, 0)
    """
    return CURRENCY_EXPONENTS[check_currency(currency)]


def check_rounding(rounding: object, name: str = "rounding") -> str:
    """Validate a rounding-mode name (``"half_up"``, ``"half_even"`` or ``"down"``).

    Raises
    ------
    InvalidInputError
        Any other value.

    Examples
    --------
    >>> check_rounding("half_even")
    'half_even'
    >>> check_rounding("ceiling")
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'rounding' must be one of 'half_up', 'half_even', 'down' (got 'ceiling')
    """  # noqa: E501
    if not isinstance(rounding, str) or rounding not in ROUNDING_MODES:
        options = ", ".join(repr(m) for m in ROUNDING_MODES)
        raise InvalidInputError(f"'{name}' must be one of {options} (got {rounding!r})")
    return rounding


def _as_exact_decimal(value: object, name: str) -> Decimal:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, np.floating):
        value = float(value)
    if isinstance(value, (bool, np.bool_)):
        raise InvalidInputError(f"'{name}' must be a Decimal, int or str (got {value!r})")
    if isinstance(value, float):
        raise InvalidInputError(
            f"'{name}' must not be a float (got {value!r}): floats cannot hold most decimal "
            "amounts exactly; pass a str or Decimal, or convert explicitly with "
            "privtraffic.money.to_decimal(x, places)"
        )
    if isinstance(value, Decimal):
        out = value
    elif isinstance(value, (int, np.integer)):
        out = Decimal(int(value))
    elif isinstance(value, str):
        try:
            out = Decimal(value.strip())
        except decimal.InvalidOperation:
            raise InvalidInputError(f"'{name}' must be a decimal number (got {value!r})") from None
    else:
        raise InvalidInputError(
            f"'{name}' must be a Decimal, int or str (got {type(value).__name__} {value!r})"
        )
    if not out.is_finite():
        raise InvalidInputError(f"'{name}' must be finite (got {value!r})")
    return out


def as_decimal(value: object, name: str = "value") -> Decimal:
    """Coerce an exact number (Decimal, int or decimal string) to a :class:`~decimal.Decimal`.

    Floats, booleans, NaN and infinities are refused with a message naming ``name``; no
    rounding happens (see :func:`as_amount` for amounts checked against a currency).

    Raises
    ------
    InvalidInputError
        Anything but an exact finite number.

    Examples
    --------
    >>> as_decimal("1.005")
    Decimal('1.005')
    >>> as_decimal(float("nan"), "amount")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'amount' must not be a float (got nan)...
    """
    return _as_exact_decimal(value, name)


def as_amount(
    value: object,
    name: str = "amount",
    *,
    currency: str = DEFAULT_CURRENCY,
    allow_negative: bool = False,
) -> Decimal:
    """Coerce a money amount to a :class:`~decimal.Decimal` with the currency's places.

    The value must already be exact at the currency's precision: ``"12.345"`` yuan is refused
    rather than silently rounded (use :func:`quantize` to round on purpose).

    Parameters
    ----------
    value : Decimal, int or str
        The amount in major units (yuan). Floats are refused.
    name : str
        The argument's name, used in messages.
    currency : str
        The currency code.
    allow_negative : bool
        Accept amounts below zero.

    Returns
    -------
    decimal.Decimal
        Quantized to the currency's minor unit (``Decimal('12.50')``).

    Raises
    ------
    InvalidInputError
        A float, a non-number, a negative amount (unless allowed) or more decimal places than the
        currency has.

    Examples
    --------
    >>> as_amount("12.5")
    Decimal('12.50')
    >>> as_amount(12.5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'amount' must not be a float (got 12.5): ...
    >>> as_amount("-1", "price")
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'price' must be >= 0 (got Decimal('-1'))
    """
    exponent = minor_exponent(currency)
    out = _as_exact_decimal(value, name)
    if out < 0 and not allow_negative:
        raise InvalidInputError(f"'{name}' must be >= 0 (got {out!r})")
    unit = Decimal(1).scaleb(-exponent)
    try:
        return out.quantize(unit, context=_EXACT)
    except decimal.Inexact:
        raise InvalidInputError(
            f"'{name}' must have at most {exponent} decimal places in {currency} (got {out}); "
            "round it on purpose with privtraffic.money.quantize"
        ) from None


def as_rate(value: object, name: str = "rate") -> Decimal:
    """Coerce a rate (a share of an amount) to a :class:`~decimal.Decimal` in [0, 1].

    Parameters
    ----------
    value : Decimal, int or str
        ``"0.125"`` for 12.5 %. Floats are refused.
    name : str
        The argument's name, used in messages.

    Returns
    -------
    decimal.Decimal
        The rate as a Decimal, unrounded.

    Raises
    ------
    InvalidInputError
        A float, a non-number or a value outside [0, 1].

    Examples
    --------
    >>> as_rate("0.125")
    Decimal('0.125')
    >>> as_rate("1.5", "level_rates[0]")
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'level_rates[0]' must be in [0, 1] (got Decimal('1.5'))
    """
    out = _as_exact_decimal(value, name)
    if not Decimal(0) <= out <= Decimal(1):
        raise InvalidInputError(f"'{name}' must be in [0, 1] (got {out!r})")
    return out


def quantize(
    value: ExactNumber, currency: str = DEFAULT_CURRENCY, rounding: str = "half_up"
) -> Decimal:
    """Round an exact decimal to the currency's minor unit with a named rounding mode.

    Parameters
    ----------
    value : Decimal, int or str
        The exact value, e.g. a product of an amount and a rate.
    currency : str
        The currency code.
    rounding : {"half_up", "half_even", "down"}
        The rounding mode.

    Returns
    -------
    decimal.Decimal

    Examples
    --------
    >>> quantize("12.49875"), quantize("12.345", rounding="half_even"), quantize("0.019", rounding="down")
    (Decimal('12.50'), Decimal('12.34'), Decimal('0.01'))
    """  # noqa: E501
    mode = ROUNDING_MODES[check_rounding(rounding)]
    unit = Decimal(1).scaleb(-minor_exponent(currency))
    exact = _as_exact_decimal(value, "value")
    return exact.quantize(unit, rounding=mode, context=_WIDE)


@overload
def round_ratio(numerator: int, denominator: int, rounding: str = ...) -> int: ...
@overload
def round_ratio(
    numerator: NDArray[Any], denominator: IntOrArray, rounding: str = ...
) -> NDArray[Any]: ...
def round_ratio(
    numerator: IntOrArray, denominator: IntOrArray, rounding: str = "half_up"
) -> IntOrArray:
    """Round the non-negative fraction ``numerator / denominator`` to an integer, exactly.

    This is the integer twin of :func:`quantize` used on minor units: with amounts in fen and a
    rate ``p / q``, the commission in fen is ``round_ratio(amount_fen * p, q, rounding)``. It is
    the one definition of the rounding rule: the per-order and the batch commission paths both
    call it, with Python integers or with integer numpy arrays (``int64``, or ``object`` arrays
    of Python integers when a product could overflow 64 bits), elementwise.

    Parameters
    ----------
    numerator : int or numpy.ndarray of int
        ``>= 0``.
    denominator : int or numpy.ndarray of int
        ``> 0``; broadcast against ``numerator``.
    rounding : {"half_up", "half_even", "down"}
        The rounding mode.

    Returns
    -------
    int or numpy.ndarray
        An ``int`` for integer inputs, an array of the inputs' dtype otherwise.

    Raises
    ------
    InvalidInputError
        A negative numerator or a non-positive denominator (the first one, with its index).

    Examples
    --------
    >>> round_ratio(9999 * 125, 1000)          # 12.5 % of 99.99 yuan in fen
    1250
    >>> round_ratio(5, 2, "half_even"), round_ratio(7, 2, "half_even"), round_ratio(7, 2, "down")
    (2, 4, 3)
    >>> round_ratio(np.array([5, 7, 9]), 2, "half_even").tolist()
    [2, 4, 4]
    """
    check_rounding(rounding)
    q: Any  # int or integer array, elementwise alike
    r: Any
    den: Any
    if isinstance(numerator, np.ndarray) or isinstance(denominator, np.ndarray):
        num, den = np.asarray(numerator), np.asarray(denominator)
        bad = (num < 0) | (den <= 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            n_i, d_i = (
                np.broadcast_to(num, bad.shape).flat[i],
                np.broadcast_to(den, bad.shape).flat[i],
            )
            raise InvalidInputError(
                f"round_ratio needs numerator >= 0 and denominator > 0 "
                f"(got {n_i} / {d_i} at index {i})"
            )
        q, r = num // den, num % den  # object arrays (Python ints) have no np.divmod
    else:
        if numerator < 0 or denominator <= 0:
            raise InvalidInputError(
                f"round_ratio needs numerator >= 0 and denominator > 0 "
                f"(got {numerator} / {denominator})"
            )
        q, r = divmod(numerator, denominator)
        den = denominator
    out: IntOrArray
    twice = 2 * r
    if rounding == "down":
        out = q
    elif rounding == "half_up":
        out = q + (twice >= den)
    else:
        out = q + ((twice > den) | ((twice == den) & (q % 2 == 1)))
    return out


def to_decimal(x: ExactNumber | float, places: int, rounding: str = "half_even") -> Decimal:
    """Convert a float to a :class:`~decimal.Decimal` with ``places`` decimals, on purpose.

    The float is read through its shortest round-tripping representation (``repr``), so
    ``0.1`` becomes ``Decimal('0.1')`` and not the 55-digit binary expansion, then rounded.

    Parameters
    ----------
    x : float, int, str or Decimal
        The value to convert.
    places : int
        Decimal places to keep, ``>= 0``.
    rounding : {"half_up", "half_even", "down"}
        How to drop the excess places.

    Returns
    -------
    decimal.Decimal
        ``x`` rounded to ``places`` decimals.

    Raises
    ------
    InvalidInputError
        NaN, infinity, a non-number or a negative ``places``.

    Examples
    --------
    >>> to_decimal(0.1 + 0.2, 2)
    Decimal('0.30')
    >>> to_decimal(2.675, 2, "half_up")
    Decimal('2.68')
    """
    check_rounding(rounding)
    if not isinstance(places, int) or isinstance(places, bool) or places < 0:
        raise InvalidInputError(f"'places' must be an integer >= 0 (got {places!r})")
    if isinstance(x, float) or (hasattr(x, "dtype") and getattr(x.dtype, "kind", "") == "f"):
        x = float(x)
        if x != x or x in (float("inf"), float("-inf")):
            raise InvalidInputError(f"'x' must be finite (got {x!r})")
        exact = Decimal(repr(x))
    else:
        exact = _as_exact_decimal(x, "x")
    return exact.quantize(
        Decimal(1).scaleb(-places),
        rounding=ROUNDING_MODES[rounding],
        context=_WIDE,
    )


def _integer_weights(weights: Iterable[ExactNumber | Fraction]) -> list[int]:
    """Exact weights scaled to integers over their common denominator (no float ever)."""
    ratios = []
    for i, w in enumerate(weights):
        if isinstance(w, bool) or isinstance(w, float):
            _as_exact_decimal(w, f"weights[{i}]")  # raises with the float message
        if isinstance(w, (int, Fraction)):
            num, den = (w, 1) if isinstance(w, int) else (w.numerator, w.denominator)
        else:
            num, den = _as_exact_decimal(w, f"weights[{i}]").as_integer_ratio()
        if num < 0:
            raise InvalidInputError(f"'weights' must be >= 0 (got {w!r} at index {i})")
        ratios.append((num, den))
    if not ratios:
        raise InvalidInputError("'weights' must not be empty")
    common = math.lcm(*(d for _, d in ratios))
    out = [n * (common // d) for n, d in ratios]
    if not any(out):
        raise InvalidInputError("'weights' must not all be zero")
    return out


def allocate_minor(total: int, weights: Iterable[ExactNumber | Fraction]) -> list[int]:
    """Split an integer number of minor units into parts proportional to ``weights``.

    Largest-remainder method: each part first gets the floor of its exact quota
    ``total * w_i / sum(w)``; the units left over go one each to the parts with the largest
    remainders. Ties go to the earlier part (lower index), so the result is deterministic and
    independent of anything but the inputs. The parts always sum to ``total`` exactly and no
    part differs from its quota by a whole unit or more. A negative total is split as its
    absolute value and negated.

    Parameters
    ----------
    total : int
        Minor units (fen).
    weights : iterable of Decimal, int, str or Fraction
        Non-negative, not all zero. Floats are refused.

    Returns
    -------
    list of int

    Raises
    ------
    InvalidInputError
        Floats, negative weights or all-zero weights.

    Examples
    --------
    >>> allocate_minor(10, [1, 1, 1])
    [4, 3, 3]
    >>> allocate_minor(1, ["0.10", "0.05"])
    [1, 0]
    >>> allocate_minor(-10, [1, 1, 1])
    [-4, -3, -3]
    """
    if isinstance(total, bool) or not isinstance(total, int):
        raise InvalidInputError(f"'total' must be an integer number of minor units (got {total!r})")
    return allocate_minor_ints(total, _integer_weights(weights))


def allocate_minor_rows(totals: NDArray[Any], weights: NDArray[Any]) -> NDArray[Any]:
    """Largest-remainder allocation of many totals at once: row ``i`` of ``weights`` splits
    ``totals[i]``.

    The one definition of the allocation rule (:func:`allocate_minor` and :func:`allocate`
    call it with one row; the batch commission path with a row per order). Each part first
    gets the floor of its exact quota ``total * w_j / sum(w)``; the units left over go one each
    to the parts with the largest remainders, ties to the lower column. A negative total is
    split as its absolute value and negated. A row whose weights are all zero gets zeros (its
    total must then be zero).

    Parameters
    ----------
    totals : numpy.ndarray of int, shape (n,)
        Minor units per row (``int64``, or ``object`` arrays of Python ints for totals or
        products beyond 64 bits).
    weights : numpy.ndarray of int, shape (n, k)
        Non-negative integer weights per row.

    Returns
    -------
    numpy.ndarray, shape (n, k)
        The parts; each row sums to its total exactly.

    Raises
    ------
    InvalidInputError
        Mismatched shapes, a negative weight, or a non-zero total over all-zero weights (each
        with its row).

    Examples
    --------
    >>> allocate_minor_rows(np.array([10, 1, -10]), np.array([[1, 1, 1], [2, 1, 0], [1, 1, 1]]))
    array([[ 4,  3,  3],
           [ 1,  0,  0],
           [-4, -3, -3]])
    """
    totals = np.asarray(totals)
    weights = np.asarray(weights)
    if weights.ndim != 2 or totals.shape != (weights.shape[0],):
        raise InvalidInputError(
            f"'weights' must have one row per total (got shape {weights.shape} for "
            f"{totals.shape[0] if totals.ndim == 1 else totals.shape} totals)"
        )
    n, k = weights.shape
    if n == 0 or k == 0:
        return np.zeros((n, k), dtype=weights.dtype if n else np.int64)
    negative = weights < 0
    if negative.any():
        i, j = (int(x[0]) for x in np.nonzero(negative))
        raise InvalidInputError(f"'weights' must be >= 0 (got {weights[i, j]} at row {i})")
    whole = weights.sum(axis=1)
    empty = whole == 0
    if (empty & (totals != 0)).any():
        i = int(np.flatnonzero(empty & (totals != 0))[0])
        raise InvalidInputError(
            f"'weights' must not all be zero where the total is not (got {totals[i]} at row {i})"
        )
    sign = np.where(totals < 0, -1, 1)
    if k <= _COLUMNWISE_MAX_PARTS:
        columns = allocate_minor_columns(totals * sign, [weights[:, j] for j in range(k)], whole)
        parts: NDArray[Any] = np.stack(columns, axis=1) * sign[:, None]
        return parts
    units = totals * sign
    safe = np.where(empty, 1, whole)
    share = units[:, None] * weights
    floor, remainder = share // safe[:, None], share % safe[:, None]
    leftover = units - floor.sum(axis=1)
    # The same rank as allocate_minor_columns computes pairwise (larger remainder first, ties
    # to the lower column), found by one stable sort per row when there are many parts.
    order = np.argsort(-remainder, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(k)[None, :], axis=1)
    parts = (floor + (rank < leftover[:, None])) * sign[:, None]
    return parts


def allocate_minor_columns(
    totals: NDArray[Any], weights: Sequence[NDArray[Any]], whole: NDArray[Any] | None = None
) -> list[NDArray[Any]]:
    """The largest-remainder rule evaluated one part (column) at a time, for non-negative totals.

    Part ``j`` of row ``i`` gets ``floor(totals[i] * w_j[i] / W[i])`` (``W`` the row's weight
    sum) plus one unit when fewer than ``leftover[i]`` parts rank before it, a part ranking
    before ``j`` when its remainder is larger, or equal and to its left. This is the definition
    :func:`allocate_minor_rows` and :func:`allocate_minor` apply; with a few parts (commission
    levels) it needs no sort at all. Inputs are not validated here (see
    :func:`allocate_minor_rows`): totals ``>= 0``, weights ``>= 0``, a row of zero weights has a
    zero total, and ``totals * w_j`` must fit the dtype (use ``object`` arrays otherwise).

    Parameters
    ----------
    totals : numpy.ndarray of int, shape (n,)
        Minor units per row, non-negative.
    weights : sequence of numpy.ndarray of int, each shape (n,)
        One weight column per part.
    whole : numpy.ndarray of int, optional
        The row sums of the weights, when the caller has them.

    Returns
    -------
    list of numpy.ndarray
        One column of parts per weight column; each row sums to its total.

    Examples
    --------
    >>> cols = allocate_minor_columns(np.array([10, 1]), [np.array([1, 2]), np.array([1, 1]),
    ...                                                   np.array([1, 0])])
    >>> [c.tolist() for c in cols]
    [[4, 1], [3, 0], [3, 0]]
    """
    if whole is None:
        whole = np.zeros(totals.shape, dtype=totals.dtype)
        for w in weights:
            whole = whole + w
    safe = np.maximum(whole, 1)
    floors, remainders = [], []
    leftover = totals.copy()
    for w in weights:
        share = totals * w
        floor = share // safe
        remainders.append(share - floor * safe)
        leftover = leftover - floor
        floors.append(floor)
    out = []
    for j, (floor, rem) in enumerate(zip(floors, remainders, strict=True)):
        before = np.zeros(totals.shape, dtype=np.int64)
        for i, other in enumerate(remainders):
            if i < j:
                before += other >= rem
            elif i > j:
                before += other > rem
        out.append(floor + (before < leftover))
    return out


def allocate_minor_ints(total: int, weights: Sequence[int]) -> list[int]:
    """The largest-remainder rule for one total, evaluated in Python integers (no arrays).

    The same rule as :func:`allocate_minor_rows` and :func:`allocate_minor_columns` (the one
    definition; the test suite checks all three agree on random inputs), for the one-order
    path, where setting up arrays would cost more than the arithmetic: part ``j`` gets
    ``floor(|total| * w_j / W)`` plus one unit when it is among the first ``leftover`` parts
    in the order of larger remainder first, ties to the lower index (a stable sort); a
    negative total is split as its absolute value and negated. Python integers never
    overflow, so there is no wide case. :func:`allocate_minor` validates and calls this.

    Parameters
    ----------
    total : int
        Minor units (fen).
    weights : sequence of int
        Non-negative integer weights; all zero only when ``total`` is zero. Not validated
        here (see :func:`allocate_minor`).

    Returns
    -------
    list of int
        The parts; they sum to ``total``.

    Examples
    --------
    >>> allocate_minor_ints(10, [1, 1, 1]), allocate_minor_ints(-10, [1, 1, 1])
    ([4, 3, 3], [-4, -3, -3])
    >>> allocate_minor_ints(7, [2, 1, 0, 1])  # quotas 3.5, 1.75, 0, 1.75
    [3, 2, 0, 2]
    """
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    units = -total if total < 0 else total
    parts, remainders = [], []
    for w in weights:
        floor, remainder = divmod(units * w, whole)
        parts.append(floor)
        remainders.append(remainder)
    leftover = units - sum(parts)
    if leftover:
        order = sorted(range(len(remainders)), key=remainders.__getitem__, reverse=True)
        # sorted(reverse=True) keeps equal keys in their original order, as a stable sort
        # of the negated remainders does: ties to the lower index.
        for j in order[:leftover]:
            parts[j] += 1
    return [-p for p in parts] if total < 0 else parts


def allocate(
    total: ExactNumber | Money,
    weights: Iterable[ExactNumber | Fraction],
    currency: str = DEFAULT_CURRENCY,
) -> tuple[Decimal, ...]:
    """Split an amount into parts proportional to ``weights`` that sum to it exactly.

    See :func:`allocate_minor` for the method and the tie-break (earlier part first).

    Parameters
    ----------
    total : Decimal, int, str or Money
        The amount, exact at the currency's precision; may be negative.
    weights : iterable of Decimal, int or str
        Non-negative, not all zero.
    currency : str
        The currency code (ignored when ``total`` is a :class:`Money`, which carries its own).

    Returns
    -------
    tuple of decimal.Decimal

    Examples
    --------
    >>> allocate("100.00", ["0.10", "0.05"])
    (Decimal('66.67'), Decimal('33.33'))
    >>> sum(allocate("0.05", [1, 1, 1, 1]))
    Decimal('0.05')
    """
    if isinstance(total, Money):
        currency = total.currency
        total = total.amount
    exponent = minor_exponent(currency)
    amount = as_amount(total, "total", currency=currency, allow_negative=True)
    units = int(amount.scaleb(exponent))
    return tuple(
        Decimal(p).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))
        for p in allocate_minor(units, weights)
    )


def from_minor_units(units: int | np.integer, currency: str = DEFAULT_CURRENCY) -> Decimal:
    """An integer count of minor units as a :class:`~decimal.Decimal` amount (fen to yuan).

    Parameters
    ----------
    units : int or numpy integer
        Minor units.
    currency : str
        The currency code.

    Returns
    -------
    decimal.Decimal
        With exactly the currency's number of places.

    Examples
    --------
    >>> from_minor_units(129900), from_minor_units(100, "JPY"), from_minor_units(-5, "KWD")
    (Decimal('1299.00'), Decimal('100'), Decimal('-0.005'))
    """
    if type(units) is not int:  # a plain int (the one-order path's) needs no check
        if isinstance(units, (bool, np.bool_)) or not isinstance(units, (int, np.integer)):
            raise InvalidInputError(f"'units' must be an integer (got {units!r})")
        units = int(units)
    exponent = CURRENCY_EXPONENTS.get(currency) if type(currency) is str else None
    if exponent is None:
        exponent = minor_exponent(currency)  # raises
    return Decimal(units).scaleb(-exponent).quantize(_MINOR_UNITS[exponent])


#: Currency symbols by locale (CLDR's short symbols): where one sign stands for two currencies
#: the less local one is qualified (``CN¥`` in English, ``JP¥`` in Chinese).
CURRENCY_SYMBOLS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "CNY": "CN¥", "JPY": "¥", "USD": "$", "HKD": "HK$", "TWD": "NT$", "EUR": "€",
        "GBP": "£", "AUD": "A$", "CAD": "CA$", "KRW": "₩", "VND": "₫",
    },
    "zh": {
        "CNY": "¥", "JPY": "JP¥", "USD": "US$", "HKD": "HK$", "TWD": "NT$", "EUR": "€",
        "GBP": "£", "AUD": "AU$", "CAD": "CA$", "KRW": "￦", "VND": "₫",
    },
}  # fmt: skip


def format_amount(
    value: ExactNumber | Money | float | np.floating,
    currency: str = DEFAULT_CURRENCY,
    *,
    locale: str = "en",
    symbol: bool = True,
    minor_units: bool = False,
) -> str:
    """An amount as a person reads it: currency symbol, thousands separators, the currency's
    own number of decimals.

    The one formatter of money in privtraffic: reports, statements and reprs call it instead of
    dividing by 100 or writing ``:,.2f``, so a JPY amount shows no decimals and a KWD amount
    three.

    Parameters
    ----------
    value : Decimal, int, str, Money or float
        The amount in major units (yuan), or in minor units with ``minor_units=True``. A float
        (an estimate such as a CLV, never a booked amount) is rounded half-even to the
        currency's places for display.
    currency : str
        The currency code (ignored for a :class:`Money`, which carries its own).
    locale : {"en", "zh"}
        Picks the symbol (see :data:`CURRENCY_SYMBOLS`).
    symbol : bool
        Prefix the symbol; without it, the bare number. A currency with no symbol in the locale
        is suffixed with its code instead.
    minor_units : bool
        ``value`` is an integer count of minor units (fen).

    Returns
    -------
    str

    Examples
    --------
    >>> format_amount("1299"), format_amount(100, "JPY"), format_amount(-1234567, minor_units=True)
    ('CN¥1,299.00', '¥100', '-CN¥12,345.67')
    >>> format_amount("1299", locale="zh"), format_amount(19671.5, symbol=False)
    ('¥1,299.00', '19,671.50')
    >>> format_amount("1.5", "KWD")
    '1.500 KWD'
    """
    if isinstance(value, Money):
        currency, value = value.currency, value.amount
    exponent = minor_exponent(currency)
    if locale not in CURRENCY_SYMBOLS:
        options = ", ".join(repr(k) for k in CURRENCY_SYMBOLS)
        raise InvalidInputError(f"'locale' must be one of {options} (got {locale!r})")
    if minor_units:
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise InvalidInputError(f"'value' must be an integer of minor units (got {value!r})")
        amount = from_minor_units(value, currency)
    elif isinstance(value, (float, np.floating)):
        amount = to_decimal(float(value), exponent, "half_even")
    else:
        amount = quantize(value, currency, "half_even")
    number = f"{abs(amount):,.{exponent}f}"
    sign = "-" if amount < 0 else ""
    if not symbol:
        return sign + number
    mark = CURRENCY_SYMBOLS[locale].get(currency)
    return f"{sign}{mark}{number}" if mark else f"{sign}{number} {currency}"


def _exact_amount(value: ExactNumber) -> Decimal:
    return _as_exact_decimal(value, "amount")


@attrs.frozen(repr=False, order=False, eq=True)
class Money:
    """An exact amount of money in one currency.

    Parameters
    ----------
    amount : Decimal, int or str
        In major units (yuan), with at most the currency's decimal places; may be negative.
        Floats are refused (use :meth:`from_float`).
    currency : str
        ISO 4217 code from :data:`CURRENCY_EXPONENTS`; default ``"CNY"``.

    Raises
    ------
    InvalidInputError
        A float, too many decimal places or an unknown currency.
    CurrencyMismatchError
        Adding, subtracting or comparing amounts in different currencies.

    Examples
    --------
    >>> a = Money("10.00") + Money("0.05")
    >>> a, a.minor_units
    (Money('10.05', 'CNY'), 1005)
    >>> Money("1", "USD") + Money("1")
    Traceback (most recent call last):
    ...
    privtraffic.errors.CurrencyMismatchError: cannot combine USD with CNY (1.00 USD + 1.00 CNY)
    """

    amount: Decimal = attrs.field(converter=_exact_amount)
    currency: str = DEFAULT_CURRENCY

    def __attrs_post_init__(self) -> None:
        check_currency(self.currency)
        object.__setattr__(
            self,
            "amount",
            as_amount(self.amount, "amount", currency=self.currency, allow_negative=True),
        )

    @classmethod
    def from_minor(cls, units: int, currency: str = DEFAULT_CURRENCY) -> Money:
        """Build from an integer count of minor units (fen).

        Examples
        --------
        >>> Money.from_minor(1250)
        Money('12.50', 'CNY')
        """
        if isinstance(units, bool) or not isinstance(units, int):
            raise InvalidInputError(f"'units' must be an integer (got {units!r})")
        return cls(Decimal(units).scaleb(-minor_exponent(currency)), currency)

    @classmethod
    def from_float(
        cls, x: float, currency: str = DEFAULT_CURRENCY, rounding: str = "half_even"
    ) -> Money:
        """Convert a float amount on purpose, rounding to the currency's minor unit.

        Examples
        --------
        >>> Money.from_float(19.999, rounding="down")
        Money('19.99', 'CNY')
        """
        return cls(to_decimal(x, minor_exponent(currency), rounding), currency)

    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Money:
        """Zero in ``currency``.

        Examples
        --------
        >>> Money.zero("JPY")
        Money('0', 'JPY')
        """
        return cls(0, currency)

    @property
    def minor_units(self) -> int:
        """The amount as an integer number of minor units (fen).

        Examples
        --------
        >>> Money("12.34").minor_units, Money("5", "JPY").minor_units
        (1234, 5)
        """
        return int(self.amount.scaleb(minor_exponent(self.currency)))

    def _same(self, other: object, op: str) -> Money:
        if not isinstance(other, Money):
            raise InvalidInputError(
                f"cannot {op} Money and {type(other).__name__} ({self} {op} {other!r})"
            )
        if other.currency != self.currency:
            raise CurrencyMismatchError(
                f"cannot combine {self.currency} with {other.currency} ({self} {op} {other})"
            )
        return other

    def __add__(self, other: Money) -> Money:
        o = self._same(other, "+")
        return Money(self.amount + o.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        o = self._same(other, "-")
        return Money(self.amount - o.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other, "<").amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other, "<=").amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other, ">").amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other, ">=").amount

    def times(self, rate: ExactNumber, rounding: str = "half_up") -> Money:
        """This amount times a rate, rounded to the minor unit with ``rounding``.

        Parameters
        ----------
        rate : Decimal, int or str
            Any exact decimal (not limited to [0, 1]); floats are refused.
        rounding : {"half_up", "half_even", "down"}
            The rounding mode.

        Returns
        -------
        Money

        Examples
        --------
        >>> Money("99.99").times("0.125", "down")
        Money('12.49', 'CNY')
        """
        r = _as_exact_decimal(rate, "rate")
        exact = self.amount.fma(r, Decimal(0), context=_EXACT.copy())
        return Money(quantize(exact, self.currency, rounding), self.currency)

    def allocate(self, weights: Iterable[ExactNumber | Fraction]) -> tuple[Money, ...]:
        """Split into parts proportional to ``weights`` that sum to this amount exactly.

        Examples
        --------
        >>> [str(m) for m in Money("0.10").allocate([1, 2])]
        ['0.03 CNY', '0.07 CNY']
        """
        return tuple(Money(p, self.currency) for p in allocate(self, weights))

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.currency}')"
