"""Collapsing identical (frequency, recency, T) rows is exact: it agrees with numpy.unique."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from privtraffic.clv._rows import collapse_rows, distinct_rows
from support import examples

# Columns like real summaries (whole counts, days expressed in weeks) plus the hard cases for a
# stepped integer coding: values one float step apart, signed zeros, huge and irregular values.
_value = st.one_of(
    st.integers(0, 60).map(float),
    st.integers(0, 400).map(lambda d: d / 7),
    st.integers(0, 400).map(lambda d: float(np.nextafter(d / 7, np.inf))),
    st.sampled_from([0.0, -0.0, 1e300, 5e-324, 0.1, 1 / 3]),
    st.floats(0, 1e6, allow_nan=False),
)


def _columns(draw_rows: list[tuple[float, float, float]]) -> list[np.ndarray]:
    return [np.array([row[i] for row in draw_rows]) for i in range(3)]


@examples(150)
@given(st.lists(st.tuples(_value, _value, _value), min_size=1, max_size=60))
def test_distinct_rows_equal_numpy_unique(rows: list[tuple[float, float, float]]) -> None:
    cols = _columns(rows)
    ours, index = distinct_rows(cols)
    expected, inverse = np.unique(np.column_stack(cols), axis=0, return_inverse=True)
    np.testing.assert_array_equal(np.column_stack(ours), expected)
    np.testing.assert_array_equal(index, inverse.ravel())


@examples(100)
@given(
    st.lists(st.tuples(_value, _value, _value), min_size=1, max_size=60),
    st.data(),
)
def test_collapse_rows_keeps_every_customer(
    rows: list[tuple[float, float, float]], data: st.DataObject
) -> None:
    cols = _columns(rows)
    weights = np.array(
        data.draw(st.lists(st.integers(1, 5), min_size=len(rows), max_size=len(rows))), dtype=float
    )
    merged, merged_weights = collapse_rows(cols, weights)
    expected, inverse = np.unique(np.column_stack(cols), axis=0, return_inverse=True)
    np.testing.assert_array_equal(np.column_stack(merged), expected)
    np.testing.assert_array_equal(
        merged_weights, np.bincount(inverse.ravel(), weights=weights, minlength=len(expected))
    )
    assert merged_weights.sum() == weights.sum()  # no customer dropped or double counted
