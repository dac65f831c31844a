"""Revenue concentration: Lorenz curve, Gini coefficient, top-k% share, overall and per group."""

from __future__ import annotations

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._tables import ColumnarTable
from privtraffic._validation import (
    as_float_array,
    check_nonempty,
    check_same_length,
    first_index,
)
from privtraffic.errors import InvalidInputError

__all__ = ["Concentration", "concentration", "gini", "lorenz", "top_share"]

DEFAULT_SHARES = (0.01, 0.05, 0.1, 0.2, 0.5)


def _values(values: ArrayLike, name: str = "values") -> NDArray[np.float64]:
    x = as_float_array(values, name, minimum=0)
    check_nonempty(x, name)
    if not np.any(x > 0):
        raise InvalidInputError(f"'{name}' must have a positive total (got all zeros)")
    return x


def lorenz(values: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Points of the Lorenz curve: cumulative share of customers vs cumulative share of value.

    Parameters
    ----------
    values : array-like
        Non-negative value (revenue, CLV) per customer; at least one positive.

    Returns
    -------
    population_share, value_share : numpy.ndarray
        ``n + 1`` points each, from ``(0, 0)`` to ``(1, 1)``, customers sorted from the lowest
        value to the highest.

    Raises
    ------
    InvalidInputError
        Empty input, negative or non-finite values, or a zero total.

    Examples
    --------
    >>> x, y = lorenz([1, 2, 3, 4])
    >>> x.tolist(), y.tolist()
    ([0.0, 0.25, 0.5, 0.75, 1.0], [0.0, 0.1, 0.3, 0.6, 1.0])
    """
    return _lorenz(np.sort(_values(values)))


def _lorenz(sorted_values: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    n = sorted_values.shape[0]
    cum = np.concatenate([[0.0], np.cumsum(sorted_values)])
    return np.arange(n + 1) / n, cum / cum[-1]


def gini(values: ArrayLike) -> float:
    """Gini coefficient of the value distribution, in [0, 1).

    The population Gini: half the mean absolute difference between two customers over the
    mean, :math:`G = \\sum_i (2i - n - 1) x_{(i)} / (n \\sum_i x_i)` with the values sorted
    ascending; 0 when everyone is worth the same, :math:`(n - 1)/n` when one customer holds all.

    Parameters
    ----------
    values : array-like
        Non-negative value per customer; at least one positive.

    Returns
    -------
    float
        The Gini coefficient, in [0, 1).

    Raises
    ------
    InvalidInputError
        Empty input, negative or non-finite values, or a zero total (the Gini is then 0/0).

    References
    ----------
    .. [1] C. Gini (1912). *Variabilità e mutabilità*. See also P. J. Lambert (2001), *The
       Distribution and Redistribution of Income*, 3rd ed., ch. 2.

    Examples
    --------
    >>> round(gini([1, 2, 3, 4, 5]), 4)
    0.2667
    >>> gini([0, 0, 0, 10])
    0.75
    """
    return _gini(np.sort(_values(values)))


def _gini(sorted_values: NDArray[np.float64]) -> float:
    n = sorted_values.shape[0]
    weights = 2.0 * np.arange(1, n + 1) - n - 1
    # rounding can leave -1e-17 for equal values: the Gini is in [0, 1) by definition
    return float(np.clip(np.dot(weights, sorted_values) / (n * sorted_values.sum()), 0.0, 1.0))


def top_share(values: ArrayLike, k: float = 0.2) -> float:
    """Share of the total value held by the top ``k`` fraction of customers.

    When ``k * n`` is not a whole number, the Lorenz curve is interpolated linearly (the
    marginal customer counts for the fraction of them that falls in the top ``k``).

    Parameters
    ----------
    values : array-like
        Non-negative value per customer; at least one positive.
    k : float
        Fraction of customers, in (0, 1].

    Returns
    -------
    float
        The top ``k``'s share of the total, in (0, 1].

    Raises
    ------
    InvalidInputError
        Bad values, or ``k`` outside (0, 1].

    Examples
    --------
    >>> top_share([1, 1, 1, 1, 6], k=0.2)
    0.6
    >>> top_share([1, 2, 3, 4], k=0.5)
    0.7
    """
    x = np.sort(_values(values))
    return float(_top_shares(x, _shares([k]))[0])


def _shares(ks: ArrayLike) -> NDArray[np.float64]:
    arr = as_float_array(np.atleast_1d(ks), "k")
    i = first_index((arr <= 0) | (arr > 1))
    if i >= 0:
        raise InvalidInputError(f"'k' must be in (0, 1] (got {float(arr[i])!r} at index {i})")
    return arr


def _top_shares(sorted_values: NDArray[np.float64], ks: NDArray[np.float64]) -> NDArray[np.float64]:
    x, y = _lorenz(sorted_values)
    return 1.0 - np.interp(1.0 - ks, x, y)


@attrs.frozen(eq=False, repr=False)
class Concentration(ColumnarTable):
    """Concentration of value per group: customers, total, Gini and top-k% shares.

    A table with one row per group: its columns (:meth:`columns`) are ``group``,
    ``n_customers``, ``total``, ``gini`` and one ``top_<k>`` column per share, so
    ``to_pandas()``, ``to_dict()`` and ``c["gini"]`` work as on every privtraffic table.

    Attributes
    ----------
    groups : numpy.ndarray
        Group labels; ``["all"]`` for the overall table.
    n_customers : numpy.ndarray
    total : numpy.ndarray
        Total value per group.
    gini : numpy.ndarray
    shares : tuple of float
        The ``k`` of the top-share columns.
    top_share : numpy.ndarray
        Shape ``(n_groups, len(shares))``: share of the group's value held by its top ``k``.

    Examples
    --------
    >>> c = concentration([1, 1, 1, 1, 6], shares=(0.2,))
    >>> c.top_share[0].tolist(), round(float(c.gini[0]), 2), list(c.columns())
    ([0.6], 0.4, ['group', 'n_customers', 'total', 'gini', 'top_0.2'])
    >>> concentration([1, 2, 3], ["a", "a", "b"]).to_pandas()["group"].tolist()
    ['a', 'b']
    """

    groups: NDArray[np.generic]
    n_customers: NDArray[np.int64]
    total: NDArray[np.float64]
    gini: NDArray[np.float64]
    shares: tuple[float, ...]
    top_share: NDArray[np.float64]

    def __repr__(self) -> str:
        return f"Concentration({len(self.groups)} groups; shares {list(self.shares)})"

    def columns(self) -> dict[str, NDArray[np.generic]]:
        """The table's columns: group, customers, total, Gini, then one top share per ``k``.

        Examples
        --------
        >>> list(concentration([1, 2], shares=(0.2, 0.5)).columns())
        ['group', 'n_customers', 'total', 'gini', 'top_0.2', 'top_0.5']
        """
        return {
            "group": self.groups,
            "n_customers": self.n_customers,
            "total": self.total,
            "gini": self.gini,
            **{f"top_{k:g}": self.top_share[:, j] for j, k in enumerate(self.shares)},
        }

    def rows(self) -> list[tuple[str | int | float, ...]]:
        """The table as rows of Python values, in the order of :meth:`columns`.

        Returns
        -------
        list of tuple

        Examples
        --------
        >>> concentration([1, 1, 1, 1], shares=(0.5,)).rows()
        [('all', 4, 4.0, 0.0, 0.5)]
        """
        return list(zip(*self.to_dict().values(), strict=True))


def concentration(
    values: ArrayLike,
    groups: ArrayLike | None = None,
    *,
    shares: ArrayLike = DEFAULT_SHARES,
) -> Concentration:
    """The 80/20 table: Gini and top-k% value shares, overall or per tier / segment.

    Parameters
    ----------
    values : array-like
        Non-negative value per customer.
    groups : array-like, optional
        A group label per customer (tier, segment, channel). Without it, one row ``"all"``.
    shares : sequence of float
        The ``k`` fractions of customers to report, each in (0, 1].

    Returns
    -------
    Concentration

    Raises
    ------
    InvalidInputError
        Bad values or shares, ``groups`` of another length, or a group whose total is 0 (its
        shares are 0/0; the message names the group).

    Notes
    -----
    One sort by (group, value) serves every group, so the table costs
    :math:`O(n \\log n)` whatever the number of groups.

    Examples
    --------
    >>> c = concentration([5, 1, 1, 9, 1, 1], groups=["a", "a", "a", "b", "b", "b"], shares=(0.5,))
    >>> [(g, round(s[0], 4)) for g, s in zip(c.groups.tolist(), c.top_share.tolist())]
    [('a', 0.7857), ('b', 0.8636)]
    """
    x = as_float_array(values, "values", minimum=0)
    check_nonempty(x, "values")
    ks = _shares(shares)
    if groups is None:
        xs = np.sort(_values(x))
        return Concentration(
            groups=np.array(["all"]),
            n_customers=np.array([x.shape[0]]),
            total=np.array([xs.sum()]),
            gini=np.array([_gini(xs)]),
            shares=tuple(float(k) for k in ks),
            top_share=_top_shares(xs, ks)[None, :],
        )
    g = np.asarray(groups)
    if hasattr(groups, "to_numpy"):
        g = groups.to_numpy()
    check_same_length(values=x, groups=g)
    if g.ndim != 1:
        raise InvalidInputError(f"'groups' must be 1-dimensional (got shape {g.shape})")
    labels, code = _factorize(g)
    return _grouped(x, code, labels, ks)


def _factorize(g: NDArray[np.generic]) -> tuple[NDArray[np.generic], NDArray[np.intp]]:
    """Sorted distinct labels and each row's code; fast when there are few labels."""
    sample = np.unique(g[:: max(1, g.shape[0] // 4096)])
    if sample.shape[0] <= 256:
        code = np.searchsorted(sample, g)
        np.minimum(code, sample.shape[0] - 1, out=code)
        if np.array_equal(sample[code], g):  # every label was in the sample
            return sample, code
    labels, code = np.unique(g, return_inverse=True)
    return labels, code.ravel()


def _grouped(
    x: NDArray[np.float64],
    code: NDArray[np.intp],
    labels: NDArray[np.generic],
    ks: NDArray[np.float64],
) -> Concentration:
    # by value, then a stable radix sort by group code (small integers)
    order = np.argsort(x, kind="stable")
    if labels.shape[0] <= np.iinfo(np.int16).max:
        order = order[np.argsort(code[order].astype(np.int16), kind="stable")]
    else:
        order = order[np.argsort(code[order], kind="stable")]
    xs, cs = x[order], code[order]
    n_groups = labels.shape[0]
    counts = np.bincount(cs, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)])
    totals = np.asarray(np.bincount(cs, weights=xs, minlength=n_groups), dtype=np.float64)
    zero = np.flatnonzero(totals <= 0)
    if zero.size:
        raise InvalidInputError(
            f"'values' must have a positive total in every group "
            f"(got 0 in group {labels[zero[0]].item()!r})"
        )
    # Gini per group: rank within group i = position - start + 1.
    rank = np.arange(xs.shape[0]) - starts[cs] + 1
    weights = 2.0 * rank - counts[cs] - 1
    gini = np.bincount(cs, weights=weights * xs, minlength=n_groups) / (counts * totals)
    gini = np.clip(gini, 0.0, 1.0)
    # Top-k shares: interpolate each group's cumulative value at the (1 - k) quantile of rank.
    cum = np.cumsum(xs)
    before = np.concatenate([[0.0], cum])[starts[:-1]]  # cumulative total before each group
    top = np.empty((n_groups, ks.shape[0]))
    for j, k in enumerate(ks):
        pos = (1.0 - k) * counts  # customers below the top k, fractional
        whole = np.floor(pos).astype(np.int64)
        frac = pos - whole
        idx_below = starts[:-1] + whole - 1  # last customer fully below
        below = np.where(whole > 0, cum[np.maximum(idx_below, 0)] - before, 0.0)
        nxt = np.minimum(starts[:-1] + whole, starts[1:] - 1)
        partial = np.where(whole < counts, frac * xs[nxt], 0.0)
        top[:, j] = 1.0 - (below + partial) / totals
    return Concentration(
        groups=labels,
        n_customers=counts,
        total=totals,
        gini=gini,
        shares=tuple(float(k) for k in ks),
        top_share=top,
    )
