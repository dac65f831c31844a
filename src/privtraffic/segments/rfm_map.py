"""RFM segment maps: a named segment for every (recency score, frequency score) cell."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeAlias

import attrs
import numpy as np
from numpy.typing import NDArray

from privtraffic.errors import InvalidDefinitionError, InvalidInputError
from privtraffic.segments.rfm import RFMScores

__all__ = ["STANDARD_RFM_MAP", "RFMSegmentMap"]


#: One rectangle of the grid: ``((r_low, r_high), (f_low, f_high))``, inclusive.
Box: TypeAlias = tuple[tuple[int, int], tuple[int, int]]


def _as_grid(grid: Iterable[Iterable[str]]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(row) for row in grid)


def _check_grid(
    instance: RFMSegmentMap,
    attribute: attrs.Attribute[tuple[tuple[str, ...], ...]],
    grid: tuple[tuple[str, ...], ...],
) -> None:
    n = len(grid)
    if not 2 <= n <= 9:
        raise InvalidDefinitionError(f"'grid' must have 2..9 rows, one per recency score (got {n})")
    for i, row in enumerate(grid):
        if len(row) != n:
            raise InvalidDefinitionError(
                f"'grid' must be square: row r={i + 1} has {len(row)} cells, expected {n}"
            )
        for j, name in enumerate(row):
            if not isinstance(name, str) or not name:
                raise InvalidDefinitionError(
                    f"'grid' cell (r={i + 1}, f={j + 1}) must be a non-empty segment name "
                    f"(got {name!r})"
                )


def _check_axis(instance: RFMSegmentMap, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in ("f_score", "fm_score"):
        raise InvalidDefinitionError(f"'axis' must be 'f_score' or 'fm_score' (got {value!r})")


@attrs.frozen
class RFMSegmentMap:
    """A segment name for each cell of the recency-score × frequency-score grid.

    Checked when built: the grid is square (one row per recency score, one column per frequency
    score) and every cell has a name. Build it from ranges with :meth:`from_rules`, which also
    checks that every cell is covered exactly once.

    Parameters
    ----------
    grid : tuple of tuple of str
        ``grid[r - 1][f - 1]`` is the segment of customers with scores ``(r, f)``.
    axis : {"f_score", "fm_score"}
        Which score is the second axis: frequency alone (the standard map) or the mean of
        frequency and monetary scores.

    Examples
    --------
    >>> m = RFMSegmentMap.from_rules({"best": ((2, 2), (1, 2)), "rest": ((1, 1), (1, 2))}, bins=2)
    >>> m.grid
    (('rest', 'rest'), ('best', 'best'))
    """

    grid: tuple[tuple[str, ...], ...] = attrs.field(converter=_as_grid, validator=_check_grid)
    axis: str = attrs.field(default="f_score", validator=_check_axis)

    @property
    def bins(self) -> int:
        """Number of score levels the map expects.

        Returns
        -------
        int

        Examples
        --------
        >>> STANDARD_RFM_MAP.bins
        5
        """
        return len(self.grid)

    @property
    def segments(self) -> tuple[str, ...]:
        """Segment names in the order they first appear, best recency first.

        Returns
        -------
        tuple of str

        Examples
        --------
        >>> STANDARD_RFM_MAP.segments[:3]
        ('champions', 'potential_loyalists', 'new')
        """
        seen: dict[str, None] = {}
        for row in reversed(self.grid):
            for name in reversed(row):
                seen.setdefault(name, None)
        return tuple(seen)

    @classmethod
    def from_rules(
        cls,
        rules: Mapping[str, Box | list[Box]],
        *,
        bins: int = 5,
        axis: str = "f_score",
    ) -> RFMSegmentMap:
        """Build a map from ``{segment: ((r_low, r_high), (f_low, f_high)), ...}``.

        A segment may have a list of such range pairs. Ranges are inclusive.

        Parameters
        ----------
        rules : mapping
            Segment name → one ``((r_low, r_high), (f_low, f_high))`` or a list of them.
        bins : int
            Number of score levels.
        axis : {"f_score", "fm_score"}
            The second axis.

        Returns
        -------
        RFMSegmentMap

        Raises
        ------
        InvalidDefinitionError
            A range outside ``1..bins``, a cell claimed by two segments, or a cell left
            without a segment (each message names the cell).

        Examples
        --------
        >>> RFMSegmentMap.from_rules({"a": ((1, 2), (1, 1))}, bins=2)
        Traceback (most recent call last):
        ...
        privtraffic.errors.InvalidDefinitionError: cell (r=1, f=2) has no segment
        """
        grid: list[list[str | None]] = [[None] * bins for _ in range(bins)]
        for name, spec in rules.items():
            boxes = spec if isinstance(spec, list) else [spec]
            for box in boxes:
                try:
                    (r_lo, r_hi), (f_lo, f_hi) = box
                except (TypeError, ValueError):
                    raise InvalidDefinitionError(
                        f"rule {name!r} must be ((r_low, r_high), (f_low, f_high)) (got {box!r})"
                    ) from None
                for lo, hi, what in ((r_lo, r_hi, "r"), (f_lo, f_hi, "f")):
                    if not (1 <= lo <= hi <= bins):
                        raise InvalidDefinitionError(
                            f"rule {name!r}: {what} range must satisfy 1 <= low <= high <= {bins} "
                            f"(got ({lo}, {hi}))"
                        )
                for r in range(r_lo, r_hi + 1):
                    for f in range(f_lo, f_hi + 1):
                        other = grid[r - 1][f - 1]
                        if other is not None:
                            raise InvalidDefinitionError(
                                f"cell (r={r}, f={f}) is claimed by both {other!r} and {name!r}"
                            )
                        grid[r - 1][f - 1] = name
        for r in range(bins):
            for f in range(bins):
                if grid[r][f] is None:
                    raise InvalidDefinitionError(f"cell (r={r + 1}, f={f + 1}) has no segment")
        return cls(grid=tuple(tuple(str(c) for c in row) for row in grid), axis=axis)

    def assign(self, scores: RFMScores) -> NDArray[np.str_]:
        """The segment of each customer.

        Parameters
        ----------
        scores : RFMScores
            Scores with the same number of levels as the map.

        Returns
        -------
        numpy.ndarray of str

        Raises
        ------
        InvalidInputError
            Scores with another number of levels.

        Examples
        --------
        >>> from privtraffic.segments import rfm_scores
        >>> s = rfm_scores([1, 400], [9, 1], [900, 20], bins=5, method="fixed",
        ...                edges={"recency": [14, 30, 90, 180], "frequency": [2, 3, 5, 8],
        ...                       "monetary": [50, 100, 300, 800]})
        >>> STANDARD_RFM_MAP.assign(s).tolist()
        ['champions', 'hibernating']
        """
        if scores.bins != self.bins:
            raise InvalidInputError(
                f"'scores' must have {self.bins} levels for this map (got bins={scores.bins})"
            )
        names = np.array([c for row in self.grid for c in row])
        second = getattr(scores, self.axis).astype(np.int64)
        cell = (scores.r_score.astype(np.int64) - 1) * self.bins + (second - 1)
        segments: NDArray[np.str_] = names[cell]
        return segments


STANDARD_RFM_MAP = RFMSegmentMap.from_rules(
    {
        "champions": ((5, 5), (4, 5)),
        "loyal": [((3, 4), (4, 5))],
        "potential_loyalists": ((4, 5), (2, 3)),
        "new": ((5, 5), (1, 1)),
        "promising": ((4, 4), (1, 1)),
        "need_attention": ((3, 3), (3, 3)),
        "about_to_sleep": ((3, 3), (1, 2)),
        "at_risk": ((1, 2), (3, 4)),
        "cant_lose": ((1, 2), (5, 5)),
        "hibernating": ((1, 2), (1, 2)),
    }
)
"""The standard 10-segment RFM map on the 5 × 5 grid of recency and frequency scores.

========================  ==========  ==========
segment                   R score     F score
========================  ==========  ==========
champions                 5           4-5
loyal                     3-4         4-5
potential_loyalists       4-5         2-3
new                       5           1
promising                 4           1
need_attention            3           3
about_to_sleep            3           1-2
at_risk                   1-2         3-4
cant_lose                 1-2         5
hibernating               1-2         1-2
========================  ==========  ==========
"""
