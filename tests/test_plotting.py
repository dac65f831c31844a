"""privtraffic.plotting: every plot draws (Agg, PNG) and the numbers behind it match a peer.

Peers: lifetimes 0.11.3 (``probability_of_n_purchases_up_to_time``,
``expected_cumulative_transactions``, ``conditional_expected_number_of_purchases_up_to_time``)
run in the same test with the same parameters, and brute force.
"""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest

from privtraffic import plotting
from privtraffic.clv import BetaGeo
from privtraffic.data import load_cdnow, summarize_transactions
from privtraffic.errors import InvalidInputError

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
Figure = pytest.importorskip("matplotlib.figure").Figure

# BG/NBD on CDNOW, Fader, Hardie & Lee (2005), Table 1 / p. 279.
CDNOW_PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


@pytest.fixture(scope="module")
def model() -> BetaGeo:
    return BetaGeo.from_params(**CDNOW_PARAMS)


@pytest.fixture(scope="module")
def lifetimes_model():
    pd = pytest.importorskip("pandas")
    from lifetimes import BetaGeoFitter

    m = BetaGeoFitter()
    m.params_ = pd.Series(CDNOW_PARAMS)
    return m


@pytest.fixture(scope="module")
def cdnow_log():
    return load_cdnow("transactions")


def _axes() -> object:
    return Figure(figsize=(5, 4), dpi=60).add_subplot()


def _colored_pixels(ax: object) -> int:
    """Pixels of the rendered PNG with a clear hue (axes, text and frame are grey/black)."""
    from PIL import Image

    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png")
    rgb = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")).astype(int)
    return int(np.sum(rgb.max(axis=2) - rgb.min(axis=2) > 40))


def _assert_drew(ax: object, *, min_pixels: int = 200) -> None:
    artists = len(ax.lines) + len(ax.patches) + len(ax.images) + len(ax.collections)
    assert artists > 0
    assert _colored_pixels(ax) >= min_pixels


def test_blank_axes_have_no_colored_pixels() -> None:
    # The check in _assert_drew could fail: an empty Axes renders only grey and black.
    assert _colored_pixels(_axes()) == 0


def test_import_does_not_load_matplotlib() -> None:
    code = "import sys, privtraffic.plotting; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- BTYD diagnostics -------------------------------------------------------------------------


def test_period_transaction_counts_match_lifetimes(model, lifetimes_model) -> None:
    s = load_cdnow("summary")
    _bins, actual, expected = plotting.period_transaction_counts(model, s.frequency, s.T)
    assert actual.tolist() == [float(np.sum(s.frequency == k)) for k in range(7)] + [
        float(np.sum(s.frequency >= 7))
    ]
    for n in range(7):
        peer = sum(lifetimes_model.probability_of_n_purchases_up_to_time(t, n) for t in s.T)
        assert expected[n] == pytest.approx(peer, rel=1e-6)
    assert expected.sum() == pytest.approx(len(s))


def test_plot_period_transactions_draws(model) -> None:
    s = load_cdnow("summary")
    ax = plotting.plot_period_transactions(model, s.frequency, s.T, ax=_axes())
    assert len(ax.patches) == 16
    _assert_drew(ax)


def test_holdout_by_frequency_matches_brute_force(model, lifetimes_model, cdnow_log) -> None:
    s = summarize_transactions(cdnow_log, calibration_end="1997-09-30")
    bins, actual, expected, n = plotting.holdout_purchases_by_frequency(
        model, s.frequency, s.recency, s.T, s.holdout_frequency, s.holdout_duration
    )
    peer = lifetimes_model.conditional_expected_number_of_purchases_up_to_time(
        s.holdout_duration, s.frequency, s.recency, s.T
    )
    for k in bins:
        group = np.minimum(s.frequency, bins[-1]) == k
        assert n[k] == group.sum()
        assert actual[k] == pytest.approx(s.holdout_frequency[group].mean())
        assert expected[k] == pytest.approx(np.asarray(peer)[group].mean(), rel=1e-6)
    ax = plotting.plot_calibration_purchases_vs_holdout_purchases(
        model, s.frequency, s.recency, s.T, s.holdout_frequency, s.holdout_duration, ax=_axes()
    )
    _assert_drew(ax, min_pixels=50)


def test_tracking_curves_match_lifetimes(model, lifetimes_model, cdnow_log) -> None:
    pd = pytest.importorskip("pandas")
    from lifetimes.utils import expected_cumulative_transactions

    ends, actual, expected = plotting.tracking_curves(
        model, cdnow_log.customer_id, cdnow_log.timestamp, unit="W"
    )
    frame = pd.DataFrame({"id": cdnow_log.customer_id, "date": pd.to_datetime(cdnow_log.timestamp)})
    peer = expected_cumulative_transactions(
        lifetimes_model, frame, "date", "id", t=7 * len(ends), freq="D", freq_multiplier=7
    )
    np.testing.assert_array_equal(actual, peer["actual"].to_numpy())
    np.testing.assert_allclose(expected, peer["predicted"].to_numpy(), rtol=1e-9)
    assert str(ends[0]) == "1997-01-08"


def test_tracking_counts_same_day_purchases_once(model) -> None:
    # Customer 1: acquisition 01-01 (two rows), repeats on 01-03 (two rows) and 01-20.
    _ends, actual, _ = plotting.tracking_curves(
        model,
        [1, 1, 1, 1, 1, 2],
        ["2024-01-01", "2024-01-01", "2024-01-03", "2024-01-03T18:00", "2024-01-20", "2024-01-05"],
        unit="W",
    )
    assert actual.tolist() == [1.0, 1.0, 2.0]


@pytest.mark.parametrize(
    "plot", [plotting.plot_cumulative_transactions, plotting.plot_incremental_transactions]
)
def test_tracking_plots_draw(plot, model, cdnow_log) -> None:
    ax = plot(
        model,
        cdnow_log.customer_id,
        cdnow_log.timestamp,
        calibration_end="1997-09-30",
        ax=_axes(),
    )
    assert len(ax.lines) == 3  # actual, model, calibration end
    _assert_drew(ax)


def test_incremental_is_the_difference_of_cumulative(model, cdnow_log) -> None:
    ids, ts = cdnow_log.customer_id, cdnow_log.timestamp
    _, actual, expected = plotting.tracking_curves(model, ids, ts)
    ax = plotting.plot_incremental_transactions(model, ids, ts, ax=_axes())
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.diff(actual, prepend=0.0))
    np.testing.assert_allclose(ax.lines[1].get_ydata(), np.diff(expected, prepend=0.0))


def test_probability_alive_matrix(model, lifetimes_model) -> None:
    ax = plotting.plot_probability_alive_matrix(model, T=38.86, max_frequency=12, ax=_axes())
    grid = np.ma.filled(ax.images[0].get_array(), np.nan)
    assert grid.shape == (13, 39)
    assert np.isnan(grid[0, 1:]).all() and grid[0, 0] == pytest.approx(1.0)
    # frequency 5, recency 20 weeks
    peer = lifetimes_model.conditional_probability_alive(5, 20.0, 38.86)
    assert grid[5, 20] == pytest.approx(np.ravel(peer)[0], rel=1e-6)
    _assert_drew(ax)


def test_frequency_recency_matrix(model, lifetimes_model) -> None:
    ax = plotting.plot_frequency_recency_matrix(model, T=38.86, max_frequency=12, t=2.0, ax=_axes())
    grid = np.ma.filled(ax.images[0].get_array(), np.nan)
    peer = lifetimes_model.conditional_expected_number_of_purchases_up_to_time(2.0, 7, 30.0, 38.86)
    assert grid[7, 30] == pytest.approx(np.ravel(peer)[0], rel=1e-6)
    _assert_drew(ax)


# --- tiers, referral, concentration, funnel, value -----------------------------------------


def test_tier_mix_shares_and_counts() -> None:
    counts = np.array([[90, 10, 0], [70, 25, 5], [60, 28, 12]])
    ax = plotting.plot_tier_mix(
        np.array(["2024-01-01", "2024-02-01", "2024-03-01"], dtype="datetime64[D]"),
        counts,
        ["connected", "buyer", "koc"],
        ax=_axes(),
    )
    assert len(ax.collections) == 3
    _assert_drew(ax)
    ax = plotting.plot_tier_mix([1, 2, 3], counts, ["a", "b", "c"], share=False, ax=_axes())
    assert ax.get_ylim()[1] == pytest.approx(100 * 1.05)


def test_transition_matrix_annotations() -> None:
    m = np.array([[0.7, 0.3], [0.25, 0.75]])
    ax = plotting.plot_transition_matrix(m, ["member", "buyer"], ax=_axes())
    assert [t.get_text() for t in ax.texts] == ["70%", "30%", "25%", "75%"]
    _assert_drew(ax)
    ax = plotting.plot_transition_matrix([[5, 2], [0, 9]], ["member", "buyer"], ax=_axes())
    assert [t.get_text() for t in ax.texts] == ["5", "2", "0", "9"]


def test_referral_tree_layout_and_depth() -> None:
    referrers = ["koc", "koc", "a", "a", "c", "x"]
    referees = ["a", "b", "c", "d", "e", "y"]
    ax = plotting.plot_referral_tree(referrers, referees, "koc", max_depth=2, ax=_axes())
    # edges below the KOC to depth 2: koc-a, koc-b, a-c, a-d (c-e is depth 3; x-y elsewhere),
    # and a dotted one from c to the "+1" node standing for e
    assert len(ax.lines) == 5 and ax.lines[-1].get_linestyle() == ":"
    assert [t.get_text() for t in ax.texts if t.get_text().startswith("+")] == ["+1"]
    offsets = ax.collections[0].get_offsets()
    assert len(offsets) == 5
    assert sorted(-offsets[:, 1].astype(int)) == [0, 1, 1, 2, 2]
    _assert_drew(ax, min_pixels=20)
    ax = plotting.plot_referral_tree(
        referrers, referees, "koc", values={"a": 10.0, "c": 50.0}, ax=_axes()
    )
    assert len(ax.lines) == 5


def test_lorenz_curve_matches_gini() -> None:
    values = np.random.default_rng(0).lognormal(0, 1, 500)
    ax = plotting.plot_lorenz_curve(values, ax=_axes())
    x, y = ax.lines[1].get_data()
    # Brute force: Gini = 1 - 2 * area under the Lorenz curve
    area = np.trapezoid(y, x)
    sorted_v = np.sort(values)
    i = np.arange(1, 501)
    gini = np.sum((2 * i - 501) * sorted_v) / (500 * sorted_v.sum())
    assert 1 - 2 * area == pytest.approx(gini, abs=1e-12)
    assert f"Gini {gini:.2f}" in ax.get_legend().get_texts()[0].get_text()
    _assert_drew(ax)


def test_funnel_labels() -> None:
    ax = plotting.plot_funnel(["connected", "member", "buyer"], [1000, 400, 120], ax=_axes())
    assert [p.get_width() for p in ax.patches] == [1000, 400, 120]
    assert ax.texts[1].get_text() == "400\n40.0% of previous, 40.0% of first"
    _assert_drew(ax)


def test_waterfall_ends_at_the_total() -> None:
    ax = plotting.plot_value_waterfall(["a", "b", "c"], [5.0, -2.0, 4.0], start=10.0, ax=_axes())
    bars = ax.patches
    assert bars[-1].get_height() == pytest.approx(17.0)
    # floating bars: "b" starts at 15 and falls by 2
    assert bars[2].get_y() == pytest.approx(15.0) and bars[2].get_height() == pytest.approx(-2.0)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["before", "a", "b", "c", "total"]
    _assert_drew(ax)


def test_new_figure_when_ax_is_omitted() -> None:
    plt = pytest.importorskip("matplotlib.pyplot")

    ax = plotting.plot_funnel(["a", "b"], [2, 1])
    try:
        assert ax.figure is not None and len(ax.patches) == 2
    finally:
        plt.close(ax.figure)


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "names"),
    [
        (lambda: plotting.plot_funnel(["a", "b"], [10, 20]), ["'counts'", "index 1"]),
        (lambda: plotting.plot_funnel(["a"], [10, 5]), ["'stages'", "'counts'"]),
        (lambda: plotting.plot_tier_mix([1, 2], [[1, 2]], ["a", "b"]), ["'counts'", "(1, 2)"]),
        (
            lambda: plotting.plot_transition_matrix([[1, -1], [0, 1]], ["a", "b"]),
            ["'matrix'", "(0, 1)"],
        ),
        (lambda: plotting.plot_referral_tree(["a"], ["b"], "z"), ["'root'", "'z'"]),
        (lambda: plotting.plot_referral_tree(["a"], ["b"], "a", max_depth=0), ["'max_depth'"]),
        (lambda: plotting.plot_lorenz_curve([1.0, -2.0]), ["'values'", "index 1"]),
        (lambda: plotting.plot_value_waterfall(["a"], [np.nan]), ["'amounts'", "index 0"]),
    ],
)
def test_bad_input_names_the_argument(call, names) -> None:
    with pytest.raises(InvalidInputError) as info:
        call()
    for name in names:
        assert name in str(info.value)


def test_bad_model_inputs(model) -> None:
    with pytest.raises(InvalidInputError, match="'T'"):
        plotting.plot_probability_alive_matrix(model, T=-1.0, max_frequency=3)
    with pytest.raises(InvalidInputError, match="'max_frequency'"):
        plotting.period_transaction_counts(model, [1.0], [2.0], max_frequency=0)
    with pytest.raises(InvalidInputError, match=r"'timestamps'.*index 1"):
        plotting.tracking_curves(model, [1, 2], ["2024-01-01", "not a date"])
    with pytest.raises(InvalidInputError, match="'unit'"):
        plotting.tracking_curves(model, [1], ["2024-01-01"], unit="Y")
