"""Flow analytics between snapshots (checked against brute force) and the Mermaid export."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from privtraffic.errors import InvalidInputError
from privtraffic.lifecycle import (
    TransitionMatrix,
    aipl,
    merchant_level,
    relationship_ladder,
    to_mermaid,
    transition_matrix,
)


def _population(seed=0, n_users=300, n_events=3000):
    rng = np.random.default_rng(seed)
    m = relationship_ladder(window_days=30)
    users = rng.integers(0, n_users, n_events)
    kinds = np.array(m.kinds)[rng.integers(0, len(m.kinds), n_events)]
    ats = np.datetime64("2024-01-01", "s") + rng.integers(0, 180 * 86_400, n_events)
    return m, users, kinds, ats


def test_transition_counts_match_brute_force():
    m, users, kinds, ats = _population()
    dates = ["2024-02-01", "2024-03-01", "2024-04-01"]
    snaps = [m.classify(users, kinds, ats, as_of=d) for d in dates]
    tm = transition_matrix(*snaps)
    states = [*m.tiers, None]
    brute = np.zeros((6, 6), dtype=int)
    for a, b in itertools.pairwise(snaps):
        ta = dict(zip(a.users.tolist(), a.tiers.tolist(), strict=True))
        tb = dict(zip(b.users.tolist(), b.tiers.tolist(), strict=True))
        for u in set(ta) | set(tb):
            brute[states.index(ta.get(u)), states.index(tb.get(u))] += 1
    assert np.array_equal(tm.counts, brute)
    assert tm.states == (*m.tiers, None)
    assert np.allclose(tm.probabilities.sum(axis=1), 1.0)


def test_forecast_is_repeated_one_step_updates():
    m, users, kinds, ats = _population(1)
    tm = transition_matrix(
        m.classify(users, kinds, ats, as_of="2024-03-01"),
        m.classify(users, kinds, ats, as_of="2024-04-01"),
    )
    mix = tm.latest / tm.latest.sum()
    for _ in range(3):
        mix = np.array([sum(mix[i] * tm.probabilities[i, j] for i in range(6)) for j in range(6)])
    assert np.allclose(tm.forecast(3), mix)
    assert tm.forecast(0) == pytest.approx(tm.latest / tm.latest.sum())


def test_steady_state_irreducible_matches_power_iteration():
    counts = np.array([[5, 3, 2], [1, 6, 3], [2, 2, 6]])
    tm = TransitionMatrix(("a", "b", None), counts, np.array([1, 0, 0]))
    p = tm.probabilities
    power = np.linalg.matrix_power(p, 500)[0]
    assert np.allclose(tm.steady_state(), power)
    assert np.allclose(tm.steady_state(start=[0, 0, 1]), power)  # start does not matter
    w, v = np.linalg.eig(p.T)
    pi = np.real(v[:, np.argmin(np.abs(w - 1))])
    assert np.allclose(tm.steady_state(), pi / pi.sum())


def test_steady_state_with_two_absorbing_tiers_depends_on_start():
    # a -> {a, b, c}; b and c absorbing: the long run splits a's users between b and c.
    counts = np.array([[2, 1, 3], [0, 4, 0], [0, 0, 5]])
    tm = TransitionMatrix(("a", "b", None), counts, np.array([10, 0, 0]))
    brute = sum(np.linalg.matrix_power(tm.probabilities, k)[0] for k in range(2000)) / 2000
    assert np.allclose(tm.steady_state(), brute, atol=1e-3)
    assert tm.steady_state().tolist() == pytest.approx([0.0, 0.25, 0.75])
    assert tm.steady_state(start=[0, 1, 0]).tolist() == pytest.approx([0.0, 1.0, 0.0])


def test_steady_state_of_a_periodic_chain_is_the_long_run_average():
    counts = np.array([[0, 4, 0], [3, 0, 0], [0, 0, 0]])  # a <-> b, never settles
    tm = TransitionMatrix(("a", "b", None), counts, np.array([1, 0, 0]))
    brute = sum(np.linalg.matrix_power(tm.probabilities, k)[0] for k in range(1000)) / 1000
    assert np.allclose(tm.steady_state(), brute, atol=1e-3)


def test_unobserved_rows_keep_their_users():
    tm = TransitionMatrix(
        ("a", "b", None), np.array([[1, 1, 0], [0, 0, 0], [0, 0, 0]]), np.array([1, 1, 0])
    )
    assert tm.probabilities[1].tolist() == [0.0, 1.0, 0.0]
    assert tm.observed.tolist() == [True, False, False]
    assert tm.forecast(5).sum() == pytest.approx(1.0)


def test_flow_input_errors():
    m, users, kinds, ats = _population(2)
    a = m.classify(users, kinds, ats, as_of="2024-03-01")
    b = m.classify(users, kinds, ats, as_of="2024-04-01")
    with pytest.raises(InvalidInputError, match=r"'snapshots' must be two or more \(got 1\)"):
        transition_matrix(a)
    with pytest.raises(InvalidInputError, match=r"'snapshots' must be in time order"):
        transition_matrix(b, a)
    other = aipl().classify([1], ["view"], ["2024-01-01"], as_of="2024-01-02")
    with pytest.raises(InvalidInputError, match=r"'snapshots' must come from one machine"):
        transition_matrix(a, other)
    tm = transition_matrix(a, b)
    with pytest.raises(InvalidInputError, match=r"'start' must be 6 non-negative numbers"):
        tm.forecast(1, start=[1, 2])
    with pytest.raises(InvalidInputError, match=r"'k' must be a whole number"):
        tm.forecast(-1)


def test_mermaid_diagram():
    text = to_mermaid(relationship_ladder())
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert "    [*] --> basic : first event" in lines
    for a, b in [
        ("basic", "member"),
        ("member", "buyer"),
        ("buyer", "repeat_buyer"),
        ("repeat_buyer", "koc"),
    ]:
        assert any(line.startswith(f"    {a} --> {b} : ") for line in lines)
        assert f"    {b} --> {a} : lapse" in lines
    assert "demotion at refresh" in to_mermaid(merchant_level())
    assert "    awareness --> [*] : lapse" in to_mermaid(aipl()).splitlines()
    assert relationship_ladder().to_mermaid() == text


def test_transition_matrix_is_a_labelled_table():
    pd = pytest.importorskip("pandas")
    tm = TransitionMatrix(
        ("a", "b", None), np.array([[3, 1, 0], [0, 2, 0], [1, 0, 0]]), np.array([4, 3, 0])
    )
    assert list(tm.columns()) == ["from_tier", "a", "b", "(none)"]
    assert len(tm) == 3 and tm["b"].tolist() == [1, 2, 0]
    assert tm.to_dict()["from_tier"] == ["a", "b", "(none)"]
    assert "<table" in tm._repr_html_()
    counts = tm.to_pandas()
    assert counts.shape == (3, 3) and list(counts.index) == ["a", "b", "(none)"]
    assert counts.to_numpy().tolist() == tm.counts.tolist()
    shares = tm.to_pandas(normalize=True)
    assert np.allclose(shares.to_numpy(), tm.probabilities)
    assert isinstance(shares, pd.DataFrame) and list(shares.columns) == ["a", "b", "(none)"]


def test_old_normalise_spelling_warns_and_gives_the_same_frame():
    pytest.importorskip("pandas")
    tm = TransitionMatrix(("a", None), np.array([[1, 3], [0, 0]]), np.array([4, 0]))
    with pytest.warns(DeprecationWarning, match=r"'normalise' is deprecated.*use 'normalize'"):
        old = tm.to_pandas(normalise=True)
    assert old.equals(tm.to_pandas(normalize=True))
