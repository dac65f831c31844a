"""compare_models, likelihood_ratio_test and the comparison plots.

The CDNOW 39/39-week split of Fader, Hardie & Lee (2005), "Counting Your Customers the Easy
Way" (Marketing Science 24(2)): their log-likelihoods are BG/NBD -9582.4 and Pareto/NBD
-9595.0 (p. 279). Every other number of the table is recomputed here by hand from the fitted
models' public predictions; the likelihood-ratio p-value by hand with scipy.stats.chi2.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from privtraffic import plotting
from privtraffic.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    LikelihoodRatioTest,
    ModelComparison,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeo,
    compare_models,
    durations_from_counts,
    likelihood_ratio_test,
)
from privtraffic.data import load_cdnow, load_donations, summarize_transactions
from privtraffic.errors import InvalidInputError, NotFittedError

FHL_LL = {"BetaGeo": -9582.4, "ParetoNBD": -9595.0}


@pytest.fixture(scope="module")
def log():
    return load_cdnow("transactions")


@pytest.fixture(scope="module")
def split(log):
    return summarize_transactions(log, calibration_end="1997-09-30")


@pytest.fixture(scope="module")
def table(split) -> ModelComparison:
    return compare_models([BetaGeo(), ModifiedBetaGeo(), ParetoNBD()], split)


def test_log_likelihoods_reproduce_fader_hardie_lee(table: ModelComparison) -> None:
    for name, ll in FHL_LL.items():
        i = table.model.tolist().index(name)
        assert round(float(table.log_likelihood[i]), 1) == ll
    assert table.n_customers == 2357 and table.total_actual == 1882.0


def test_every_column_by_hand(table: ModelComparison, split) -> None:
    x, rec, T = split.frequency * 1.0, split.recency * 1.0, split.T * 1.0
    actual, duration = split.holdout_frequency * 1.0, split.holdout_duration * 1.0
    for i, model in enumerate(table.models):
        k = len(model.params_)
        ll = model.log_likelihood_
        assert table.n_params[i] == k == 4
        assert table.aic[i] == pytest.approx(2 * k - 2 * ll, rel=1e-14)
        assert table.bic[i] == pytest.approx(k * math.log(2357) - 2 * ll, rel=1e-14)
        predicted = model.expected_purchases(duration, x, rec, T)
        assert table.holdout_mae[i] == pytest.approx(np.mean(np.abs(predicted - actual)), rel=1e-12)
        assert table.holdout_rmse[i] == pytest.approx(
            np.sqrt(np.mean((predicted - actual) ** 2)), rel=1e-12
        )
        assert table.total_predicted[i] == pytest.approx(predicted.sum(), rel=1e-12)
        assert table.total_bias[i] == pytest.approx(predicted.sum() - actual.sum(), rel=1e-12)
        # the conditional expectations by calibration frequency, from the plotting module
        _, act, exp, n = plotting.holdout_purchases_by_frequency(
            model, x, rec, T, actual, duration, max_frequency=7
        )
        filled = n > 0
        assert table.conditional_mae[i] == pytest.approx(
            np.mean(np.abs(exp[filled] - act[filled])), rel=1e-12
        )


def test_models_passed_in_are_not_changed(split) -> None:
    unfitted = BetaGeo()
    fitted = ParetoNBD.from_params(r=1.0, alpha=1.0, s=1.0, beta=1.0)
    t = compare_models([unfitted, fitted], split)
    assert getattr(unfitted, "params_", None) is None
    assert fitted.params_ == {"r": 1.0, "alpha": 1.0, "s": 1.0, "beta": 1.0}
    assert t.models[1].params_ != fitted.params_  # the copy was refitted


def test_names_best_and_display(table: ModelComparison, split) -> None:
    assert table.model.tolist() == ["BetaGeo", "ModifiedBetaGeo", "ParetoNBD"]
    assert table.best("bic") == table.model[int(np.argmin(table.bic))]
    assert table.best("total_bias") == table.model[int(np.argmin(np.abs(table.total_bias)))]
    twice = compare_models([BetaGeo(), BetaGeo(penalizer=0.01)], split)
    assert twice.model.tolist() == ["BetaGeo #1", "BetaGeo #2"]
    html = table._repr_html_()
    assert "<table" in html and "ParetoNBD" in html and "https://" not in html
    text = repr(table)
    assert "ParetoNBD" in text and len(text.splitlines()) <= 12
    assert set(table.to_pandas().columns) >= {"aic", "bic", "holdout_mae", "conditional_mae"}
    with pytest.raises(InvalidInputError, match="'by' must be one of"):
        table.best("ll")


def test_discrete_models_compare_too() -> None:
    d = load_donations()
    n = len(d)
    h = {"holdout_frequency": np.zeros(n), "holdout_duration": np.full(n, 5.0)}
    t = compare_models([BetaGeoBetaBinom()], d, h)
    assert round(float(t.log_likelihood[0]), 1) == -33225.6  # Fader, Hardie & Shang (2010)
    # weighted rows: the total is the weighted sum of the expectations
    m = t.models[0]
    predicted = m.expected_purchases(5, d.frequency, d.recency, d.n_periods)
    assert t.total_predicted[0] == pytest.approx(float(np.dot(d.weights, predicted)), rel=1e-12)


def test_bad_input_is_refused(split) -> None:
    with pytest.raises(InvalidInputError, match="at least one model"):
        compare_models([], split)
    with pytest.raises(
        InvalidInputError, match=r"expected_purchases \(got GammaGamma at index 1\)"
    ):
        compare_models([BetaGeo(), GammaGamma()], split)
    with pytest.raises(InvalidInputError, match="one row per calibration row"):
        compare_models([BetaGeo()], split, {"holdout_frequency": [1.0], "holdout_duration": [39.0]})
    cal_only = load_cdnow("summary")
    with pytest.raises(InvalidInputError, match="'holdout_frequency' and 'holdout_duration'"):
        compare_models([BetaGeo()], cal_only, [1, 2])
    with pytest.raises(InvalidInputError, match="must have a column 'holdout_frequency'"):
        compare_models([BetaGeo()], cal_only)
    with pytest.raises(InvalidInputError, match="'max_frequency' must be >= 1"):
        compare_models([BetaGeo()], split, max_frequency=0)


# ------------------------------------------------------------------------ likelihood ratio
def test_likelihood_ratio_test_against_chi2_by_hand() -> None:
    # Heterogeneity in churn (Fader & Hardie 2007's point): the geometric model, one churn
    # probability theta for everyone, is the sBG's limit alpha, beta -> inf; its MLE is
    # churners / decisions at risk, and its log-likelihood follows by hand.
    counts = [1000, 631, 468, 382, 326, 289, 262, 241]  # FH (2007) Table 1, regular
    d = durations_from_counts(counts)
    full = ShiftedBetaGeo().fit(d)
    churners = float(d.weights[d.churned].sum())
    at_risk = float(np.dot(d.weights, d.periods))
    theta = churners / at_risk
    ll_geo = churners * math.log(theta) + (at_risk - churners) * math.log1p(-theta)
    geometric = SimpleNamespace(
        params_={"theta": theta}, log_likelihood_=ll_geo, n_customers_=1000.0
    )
    t = likelihood_ratio_test(geometric, full)
    statistic = 2 * (full.log_likelihood_ - ll_geo)
    assert t.statistic == pytest.approx(statistic, rel=1e-14)
    assert t.df == 1
    assert t.p_value == stats.chi2.sf(statistic, 1)
    assert t.rejects(0.001) and t.restricted == "SimpleNamespace" and t.full == "ShiftedBetaGeo"
    # a df given by hand
    t3 = likelihood_ratio_test(geometric, full, df=3)
    assert t3.p_value == pytest.approx(stats.chi2.sf(statistic, 3), rel=1e-14)


def test_likelihood_ratio_test_small_statistic_and_refusals() -> None:
    def fit(ll: float, k: int, n: float = 100.0) -> SimpleNamespace:
        return SimpleNamespace(
            params_=dict.fromkeys(range(k), 1.0), log_likelihood_=ll, n_customers_=n
        )

    t = likelihood_ratio_test(fit(-50.0, 2), fit(-49.5, 4))
    assert t.statistic == pytest.approx(1.0) and t.df == 2
    assert t.p_value == pytest.approx(math.exp(-0.5), rel=1e-12)  # chi2(2) survival = e^(-x/2)
    assert not t.rejects()
    same = likelihood_ratio_test(fit(-50.0, 2), fit(-50.0 - 1e-9, 3))  # numerical noise: 0
    assert same.statistic == 0.0 and same.p_value == 1.0
    with pytest.raises(InvalidInputError, match="fits worse than the restricted one"):
        likelihood_ratio_test(fit(-50.0, 2), fit(-51.0, 3))
    with pytest.raises(InvalidInputError, match="same customers"):
        likelihood_ratio_test(fit(-50.0, 2, 100.0), fit(-49.0, 3, 90.0))
    with pytest.raises(InvalidInputError, match="'df' must be a whole number >= 1"):
        likelihood_ratio_test(fit(-50.0, 3), fit(-49.0, 3))
    with pytest.raises(InvalidInputError, match="no finite log-likelihood"):
        likelihood_ratio_test(BetaGeo.from_params(r=1, alpha=1, a=1, b=1), fit(-49.0, 5))
    with pytest.raises(NotFittedError):
        likelihood_ratio_test(BetaGeo(), fit(-49.0, 5))
    with pytest.raises(InvalidInputError, match="'level' must be in"):
        LikelihoodRatioTest(statistic=1.0, df=1, p_value=0.3).rejects(1.5)


# ------------------------------------------------------------------------ plots
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
Figure = pytest.importorskip("matplotlib.figure").Figure


def test_frequency_comparison_draws_each_models_expected_counts(table, split) -> None:
    ax = plotting.plot_frequency_comparison(
        table, split.frequency, split.T, ax=Figure().add_subplot()
    )
    assert [line.get_label() for line in ax.lines] == table.model.tolist()
    for line, model in zip(ax.lines, table.models, strict=True):
        _, actual, expected = plotting.period_transaction_counts(model, split.frequency, split.T)
        np.testing.assert_allclose(line.get_ydata(), expected, rtol=1e-12)
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights, actual)


def test_tracking_comparison_draws_each_models_curve(table, log) -> None:
    ax = plotting.plot_tracking_comparison(
        list(table.models),
        log.customer_id,
        log.timestamp,
        calibration_end="1997-09-30",
        names=["BG", "MBG", "PNBD"],
        ax=Figure().add_subplot(),
    )
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["actual", "BG", "MBG", "PNBD", "end of calibration"]
    for line, model in zip(ax.lines[1:4], table.models, strict=True):
        _, _, expected = plotting.tracking_curves(model, log.customer_id, log.timestamp)
        np.testing.assert_allclose(line.get_ydata(), expected, rtol=1e-12)


def test_model_comparison_side_by_side_renders(table, split, log) -> None:
    import io

    left, right = plotting.plot_model_comparison(
        table,
        split.frequency,
        split.T,
        log.customer_id,
        log.timestamp,
        calibration_end="1997-09-30",
    )
    buffer = io.BytesIO()
    left.figure.savefig(buffer, format="png")
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    assert left.figure is right.figure and len(left.lines) == 3 and len(right.lines) == 5
    import matplotlib.pyplot as plt

    plt.close(left.figure)
    with pytest.raises(InvalidInputError, match="'names' must name every model"):
        plotting.plot_frequency_comparison(table, split.frequency, split.T, names=["one"])
    with pytest.raises(InvalidInputError, match="at least one fitted model"):
        plotting.plot_frequency_comparison([], split.frequency, split.T)
    with pytest.raises(InvalidInputError, match="'axes' must be a pair"):
        plotting.plot_model_comparison(
            table,
            split.frequency,
            split.T,
            log.customer_id,
            log.timestamp,
            axes=[Figure().add_subplot()],
        )


def test_model_comparison_texts_replace_every_word_on_both_plots(table, split, log) -> None:
    """Each key of MODEL_COMPARISON_TEXTS lands where its side's plot draws it; the model names
    stay the legend entries; an unknown key is refused before anything is drawn."""
    from privtraffic.plotting.comparison import (
        FREQUENCY_COMPARISON_TEXTS,
        MODEL_COMPARISON_TEXTS,
        TRACKING_COMPARISON_TEXTS,
    )

    assert set(MODEL_COMPARISON_TEXTS) == {
        *(f"frequency_{k}" for k in FREQUENCY_COMPARISON_TEXTS),
        *(f"tracking_{k}" for k in TRACKING_COMPARISON_TEXTS),
    }
    texts = {key: f"<{key}>" for key in MODEL_COMPARISON_TEXTS}
    fig = Figure(figsize=(10, 4))
    left, right = plotting.plot_model_comparison(
        table,
        split.frequency,
        split.T,
        log.customer_id,
        log.timestamp,
        calibration_end="1997-09-30",
        names=["BG", "MBG", "PNBD"],
        texts=texts,
        axes=fig.subplots(1, 2),
    )
    assert left.get_title() == "<frequency_title>"
    assert left.get_xlabel() == "<frequency_xlabel>"
    assert left.get_ylabel() == "<frequency_ylabel>"
    assert left.containers[0].get_label() == "<frequency_actual>"  # the bars
    assert [line.get_label() for line in left.lines] == ["BG", "MBG", "PNBD"]
    legend = [t.get_text() for t in left.get_legend().get_texts()]
    assert sorted(legend) == sorted(["BG", "MBG", "PNBD", "<frequency_actual>"])
    assert right.get_title() == "<tracking_title>"
    assert right.get_ylabel() == "<tracking_ylabel>"
    assert [line.get_label() for line in right.lines] == [
        "<tracking_actual>",
        "BG",
        "MBG",
        "PNBD",
        "<tracking_calibration_end>",
    ]
    # the dates of the right plot are turned; the frequencies of the left one are not
    fig.canvas.draw()
    assert {t.get_rotation() for t in right.get_xticklabels()} == {30.0}
    assert {t.get_rotation() for t in left.get_xticklabels()} == {0.0}
    # each single plot takes its own keys
    ax = plotting.plot_frequency_comparison(
        table, split.frequency, split.T, texts={"title": "复购次数"}, ax=Figure().add_subplot()
    )
    assert ax.get_title() == "复购次数" and ax.get_ylabel() == "customers"
    unknown = r"'texts' has keys this plot does not draw: 'title'"
    with pytest.raises(InvalidInputError, match=unknown):
        plotting.plot_model_comparison(
            table,
            split.frequency,
            split.T,
            log.customer_id,
            log.timestamp,
            texts={"title": "x"},
            axes=Figure().subplots(1, 2),
        )
