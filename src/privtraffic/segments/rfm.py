"""RFM scoring: recency, frequency and monetary scores 1..bins from quantiles or fixed edges."""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._tables import ColumnarTable
from privtraffic._validation import as_float_array, check_nonempty, check_same_length
from privtraffic.errors import InvalidInputError

__all__ = ["RFMScores", "rfm_scores"]


def _scores(values: ArrayLike) -> NDArray[np.integer]:
    scores: NDArray[np.integer] = np.asarray(values)
    return scores


@attrs.frozen(eq=False, repr=False)
class RFMScores(ColumnarTable):
    """Per-customer RFM scores, each an integer in ``1..bins`` (higher is better).

    Attributes
    ----------
    r_score, f_score, m_score : numpy.ndarray
        int8 scores; the recency score is high for customers who bought *recently*.
    fm_score : numpy.ndarray
        The rounded-half-up mean of the frequency and monetary scores, used by segment maps.
    bins : int
        Number of score levels (metadata, not a column).

    Examples
    --------
    >>> s = rfm_scores(recency=[1, 30, 90], frequency=[5, 2, 1], monetary=[100, 50, 10], bins=3)
    >>> s.r_score.tolist(), s.f_score.tolist(), s.codes().tolist()
    ([3, 2, 1], [3, 2, 1], ['333', '222', '111'])
    """

    r_score: NDArray[np.integer] = attrs.field(converter=_scores)
    f_score: NDArray[np.integer] = attrs.field(converter=_scores)
    m_score: NDArray[np.integer] = attrs.field(converter=_scores)
    fm_score: NDArray[np.integer] = attrs.field(converter=_scores)
    bins: int = 5

    def codes(self) -> NDArray[np.str_]:
        """The classic three-digit RFM codes, e.g. ``"545"`` (valid for ``bins <= 9``).

        Returns
        -------
        numpy.ndarray of str

        Examples
        --------
        >>> rfm_scores([1, 9], [5, 1], [50, 60], bins=2).codes().tolist()
        ['221', '112']
        """
        combined = self.r_score.astype(np.int64) * 100 + self.f_score * 10 + self.m_score
        codes: NDArray[np.str_] = combined.astype("U3")
        return codes


def _quantile_score(x: NDArray[np.float64], bins: int, higher_is_better: bool) -> NDArray[np.int8]:
    """Score = 1 + floor(bins * share of customers strictly worse); ties share one score."""
    n = x.shape[0]
    key = x if higher_is_better else -x
    # rank of each value among the sorted keys = customers strictly worse; searching sorted
    # queries keeps the binary searches cache-friendly
    order = np.argsort(key, kind="stable")
    ranked = key[order]
    worse = np.empty(n, dtype=np.int64)
    worse[order] = np.searchsorted(ranked, ranked, side="left")
    score: NDArray[np.int8] = (1 + (bins * worse) // n).astype(np.int8)
    return score


def _fixed_score(
    x: NDArray[np.float64], edges: NDArray[np.float64], bins: int, higher_is_better: bool
) -> NDArray[np.int8]:
    if higher_is_better:  # x >= edge moves up one level
        score = 1 + np.searchsorted(edges, x, side="right")
    else:  # recency: x <= edge stays in the better level
        score = bins - np.searchsorted(edges, x, side="left")
    return score.astype(np.int8)


def _edges(edges: Mapping[str, ArrayLike], name: str, bins: int) -> NDArray[np.float64]:
    if name not in edges:
        raise InvalidInputError(f"'edges' must give edges for {name!r} (got keys {sorted(edges)})")
    e = as_float_array(edges[name], f"edges[{name!r}]")
    if e.shape[0] != bins - 1:
        raise InvalidInputError(
            f"'edges[{name!r}]' must have bins - 1 = {bins - 1} edges (got {e.shape[0]})"
        )
    bad = np.flatnonzero(np.diff(e) <= 0)
    if bad.size:
        i = int(bad[0]) + 1
        raise InvalidInputError(
            f"'edges[{name!r}]' must be strictly increasing (got {float(e[i])!r} at index {i})"
        )
    return e


def rfm_scores(
    recency: ArrayLike,
    frequency: ArrayLike,
    monetary: ArrayLike,
    *,
    bins: int = 5,
    method: str = "quantile",
    edges: Mapping[str, ArrayLike] | None = None,
) -> RFMScores:
    """Score customers 1..``bins`` on recency, frequency and monetary value.

    Parameters
    ----------
    recency : array-like
        Time since the customer's last purchase (days, weeks: any unit), ``>= 0``; *smaller is
        better*. (This is the marketing RFM recency, not the BTYD age at the last purchase:
        from an :class:`~privtraffic.data.RFMSummary` use ``T - recency``.)
    frequency : array-like
        Number of purchases, ``>= 0``.
    monetary : array-like
        Spend (total or mean per purchase), ``>= 0``.
    bins : int
        Number of score levels, 2..9.
    method : {"quantile", "fixed"}
        ``"quantile"``: a customer's score is ``1 + floor(bins * s)`` where ``s`` is the share of
        customers strictly worse on that measure, so equal values always get the same score
        whatever their order in the input (ties are deterministic) and the levels are as equal
        in size as the ties allow. ``"fixed"``: the score is set by ``edges``.
    edges : mapping, optional
        For ``method="fixed"``: ``{"recency": [...], "frequency": [...], "monetary": [...]}``,
        each ``bins - 1`` strictly increasing edges. For frequency and monetary a value equal to
        an edge goes to the higher level; for recency a value equal to an edge stays in the
        better (more recent) level, so ``recency=[30, 60, 90, 180]`` reads "within 30 days"
        → 5.

    Returns
    -------
    RFMScores

    Raises
    ------
    InvalidInputError
        Empty or different-length inputs, negative or non-finite values, a bad ``bins``,
        ``method`` or ``edges``.

    References
    ----------
    .. [1] A. M. Hughes (1994). *Strategic Database Marketing*. Probus.

    Examples
    --------
    >>> s = rfm_scores([3, 3, 40, 200], [4, 1, 1, 0], [500, 80, 80, 0], bins=4)
    >>> s.r_score.tolist(), s.f_score.tolist(), s.m_score.tolist()
    ([3, 3, 2, 1], [4, 2, 2, 1], [4, 2, 2, 1])
    >>> edges = {"recency": [30, 90], "frequency": [2, 5], "monetary": [100, 1000]}
    >>> f = rfm_scores(
    ...     [30, 31, 365], [1, 2, 9], [99, 100, 5000], bins=3, method="fixed", edges=edges
    ... )
    >>> f.codes().tolist()
    ['311', '222', '133']
    """
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or not 2 <= bins <= 9:
        raise InvalidInputError(f"'bins' must be an integer in 2..9 (got {bins!r})")
    bins = int(bins)
    r = as_float_array(recency, "recency", minimum=0)
    f = as_float_array(frequency, "frequency", minimum=0)
    m = as_float_array(monetary, "monetary", minimum=0)
    check_nonempty(r, "recency")
    check_same_length(recency=r, frequency=f, monetary=m)
    if method == "quantile":
        if edges is not None:
            raise InvalidInputError("'edges' is only used with method='fixed'")
        rs = _quantile_score(r, bins, higher_is_better=False)
        fs = _quantile_score(f, bins, higher_is_better=True)
        ms = _quantile_score(m, bins, higher_is_better=True)
    elif method == "fixed":
        if edges is None:
            raise InvalidInputError("'edges' is required with method='fixed'")
        rs = _fixed_score(r, _edges(edges, "recency", bins), bins, higher_is_better=False)
        fs = _fixed_score(f, _edges(edges, "frequency", bins), bins, higher_is_better=True)
        ms = _fixed_score(m, _edges(edges, "monetary", bins), bins, higher_is_better=True)
    else:
        raise InvalidInputError(f"'method' must be 'quantile' or 'fixed' (got {method!r})")
    fm = ((fs.astype(np.int16) + ms + 1) // 2).astype(np.int8)
    return RFMScores(r_score=rs, f_score=fs, m_score=ms, fm_score=fm, bins=bins)
