"""Shared input coercion: every rejection names the argument, the rule, the value and its index."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from privtraffic._html import html_table
from privtraffic._validation import (
    as_datetime64,
    as_float_array,
    as_fraction,
    as_ids,
    as_int_array,
    check_nonempty,
    check_same_length,
)
from privtraffic.errors import InvalidInputError
from support import examples


@pytest.mark.parametrize(
    ("values", "kwargs", "pattern"),
    [
        ([1.0, float("nan")], {}, r"'x' must be finite \(got nan at index 1\)"),
        ([1.0, float("inf")], {}, r"'x' must be finite \(got inf at index 1\)"),
        ([0, -1], {"minimum": 0}, r"'x' must be >= 0 \(got -1.0 at index 1\)"),
        ([1, 0], {"strictly_positive": True}, r"'x' must be > 0 \(got 0.0 at index 1\)"),
        ([1, 2.5], {"integer": True}, r"'x' must be whole numbers \(got 2.5 at index 1\)"),
        ([1, "a"], {}, r"'x' must be numbers"),
        (np.array([1, None], dtype=object), {}, r"'x' must be numbers \(got None at index 1\)"),
        ([[1, 2]], {}, r"'x' must be 1-dimensional"),
        (3.0, {}, r"'x' must be a 1-d sequence"),
    ],
)
def test_float_rejections_name_argument_rule_value_and_index(values, kwargs, pattern) -> None:
    with pytest.raises(InvalidInputError, match=pattern):
        as_float_array(values, "x", **kwargs)


def test_float_coercion_copies_the_input() -> None:
    data = np.array([1.0, 2.0])
    out = as_float_array(data, "x")
    out[0] = 99.0
    assert data[0] == 1.0


def test_pandas_series_accepted() -> None:
    pd = pytest.importorskip("pandas")
    assert as_int_array(pd.Series([1, 2]), "n").tolist() == [1, 2]


def test_lengths_and_emptiness() -> None:
    assert check_same_length(a=[1], b=[2]) == 1
    with pytest.raises(InvalidInputError, match=r"'b' must have the same length as 'a'"):
        check_same_length(a=[1], b=[1, 2])
    with pytest.raises(InvalidInputError, match="'a' must not be empty"):
        check_nonempty([], "a")


@pytest.mark.parametrize(
    ("values", "pattern"),
    [
        (["a", None], r"'ids' must not be missing \(got None at index 1\)"),
        ([1.0, float("nan")], r"'ids' must not be missing \(got nan at index 1\)"),
        (["a", 3], r"'ids' must all be strings or all be integers \(got 3 at index 1"),
        ([1.5], r"'ids' must be strings or integers \(got 1.5 at index 0\)"),
        ([True, False], r"'ids' must be strings or integers \(got True at index 0\)"),
    ],
)
def test_id_rejections(values, pattern) -> None:
    with pytest.raises(InvalidInputError, match=pattern):
        as_ids(values, "ids")


@examples(50)
@given(st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=20))
def test_integer_ids_round_trip(ids: list[int]) -> None:
    assert as_ids(ids, "ids").tolist() == ids


def test_datetime_inputs_of_every_kind_agree() -> None:
    expected = np.array(["2024-03-01T00:00:00", "2024-03-02T06:30:00"], dtype="datetime64[s]")
    pd = pytest.importorskip("pandas")
    forms = [
        ["2024-03-01", "2024-03-02T06:30"],
        [dt.date(2024, 3, 1), dt.datetime(2024, 3, 2, 6, 30)],
        expected.astype("datetime64[ms]"),
        pd.Series(pd.to_datetime(["2024-03-01", "2024-03-02 06:30"], format="ISO8601")),
        [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-02 06:30")],
    ]
    for form in forms:
        assert np.array_equal(as_datetime64(form, "at"), expected)


@pytest.mark.parametrize(
    ("values", "pattern"),
    [
        (["2024-01-01", "soon"], r"'at' must be timestamps \(got 'soon' at index 1\)"),
        (["2024-01-01", 5], r"'at' must be timestamps \(got 5 at index 1\)"),
        (np.array(["2024-01-01", "NaT"], dtype="datetime64[s]"), r"got NaT at index 1"),
        (
            [dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)],
            r"'at' must be time-zone naive",
        ),
    ],
)
def test_datetime_rejections(values, pattern) -> None:
    with pytest.raises(InvalidInputError, match=pattern):
        as_datetime64(values, "at")


def test_html_table_escapes_and_truncates() -> None:
    out = html_table([("<b>", 1)] * 3, ["name", "n"], max_rows=2, notes={"k": "<v>"})
    assert "&lt;b&gt;" in out and "&lt;v&gt;" in out
    assert "1 more rows" in out
    assert "http" not in out


def test_fraction_accepts_the_closed_unit_interval_and_names_the_argument() -> None:
    assert as_fraction(0, "p") == 0.0
    assert as_fraction(np.float64(1.0), "p") == 1.0
    for bad in (-0.1, 1.01, float("nan")):
        with pytest.raises(InvalidInputError, match=rf"^'p' must be in \[0, 1\] \(got {bad!r}\)$"):
            as_fraction(bad, "p")
