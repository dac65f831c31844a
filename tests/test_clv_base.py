"""The estimator shell shared by every BTYD model: collapsing, optimisation, SEs, persistence."""

from __future__ import annotations

import json
import math
import re
import unicodedata

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from privtraffic.clv import BetaGeo, BTYDModel, GammaGamma, ParameterSummary
from privtraffic.clv._base import check_rfm, prediction_columns
from privtraffic.clv._optimize import gradient_hessian, minimize_negative_log_likelihood
from privtraffic.clv._rows import collapse_rows
from privtraffic.errors import ConvergenceError, ConvergenceWarning, InvalidInputError
from support import examples


def test_collapse_rows_matches_brute_force_counting():
    rng = np.random.default_rng(0)
    cols = [rng.integers(0, 3, 500).astype(float), rng.integers(0, 4, 500).astype(float)]
    w = rng.random(500)
    rows, totals = collapse_rows(cols, w)
    brute: dict[tuple[float, float], float] = {}
    for a, b, wi in zip(cols[0], cols[1], w, strict=True):
        brute[(a, b)] = brute.get((a, b), 0.0) + wi
    assert len(totals) == len(brute)
    for a, b, t in zip(*rows, totals, strict=True):
        assert t == pytest.approx(brute[(a, b)], rel=1e-12)
    rows, counts = collapse_rows(cols, None)
    assert counts.sum() == 500
    # rows whose total weight is zero carry no likelihood and are dropped
    rows, totals = collapse_rows([np.array([1.0, 2.0])], np.array([0.0, 3.0]))
    assert rows[0].tolist() == [2.0] and totals.tolist() == [3.0]


def test_gradient_hessian_of_a_quadratic():
    A = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
    h = gradient_hessian(lambda x: A @ x, np.array([0.3, -1.0, 2.0]))
    np.testing.assert_allclose(h, A, rtol=1e-8)


def normal_nll(log_params, x, weights):
    """Exponential-rate toy model: -sum w (log lam - lam x)."""
    lam = np.exp(log_params[0])
    value = -float(np.sum(weights * (np.log(lam) - lam * x)))
    return value, np.array([-float(np.sum(weights * (1 - lam * x)))])


def test_optimiser_reaches_the_closed_form_optimum_and_its_standard_error():
    x = np.array([0.5, 1.0, 2.0, 4.0])
    w = np.array([3.0, 1.0, 2.0, 1.0])
    res = minimize_negative_log_likelihood(
        normal_nll, (x,), w, [np.zeros(1)], penalizer=0.0, param_names=["lam"], model_name="Exp"
    )
    lam_hat = w.sum() / (w @ x)  # closed-form MLE
    assert np.exp(res.log_params[0]) == pytest.approx(lam_hat, rel=1e-10)
    # observed information on the log scale: sum(w) (d2/dtheta2 of -LL at the optimum)
    assert res.hessian[0, 0] == pytest.approx(w.sum(), rel=1e-6)


def test_non_finite_likelihood_everywhere_raises_convergence_error():
    def broken(log_params, x, weights):
        return np.nan, np.zeros(1)

    with pytest.raises(ConvergenceError, match="not finite at any starting point") as info:
        minimize_negative_log_likelihood(
            broken,
            (np.ones(2),),
            np.ones(2),
            [np.zeros(1)],
            penalizer=0.0,
            param_names=["p"],
            model_name="Toy",
        )
    assert info.value.result is None


def test_unidentified_parameter_warns():
    # Nobody ever repeats: the purchase rate runs to 0, so r or alpha run to a boundary.
    with pytest.warns(ConvergenceWarning):
        BetaGeo().fit([0, 0, 0, 0], [0.0, 0.0, 0.0, 0.0], [5.0, 6.0, 7.0, 8.0])


def test_penalizer_shrinks_parameters():
    rng = np.random.default_rng(5)
    data = BetaGeo.from_params(r=0.5, alpha=4.0, a=0.8, b=2.5).simulate(3000, 30.0, rng=rng)
    free = BetaGeo().fit(data)
    shrunk = BetaGeo(penalizer=0.1).fit(data)
    assert sum(v**2 for v in shrunk.params_.values()) < sum(v**2 for v in free.params_.values())
    assert shrunk.log_likelihood_ < free.log_likelihood_


def test_json_is_plain_and_validated():
    m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    payload = json.loads(m.to_json())
    assert payload["model"] == "BetaGeo"
    assert "privtraffic_version" in payload and payload["params"]["alpha"] == 4.414
    assert payload["standard_errors"]["r"] is None  # no data, no standard error
    with pytest.raises(InvalidInputError, match="must be JSON written by to_json"):
        BetaGeo.from_json("not json")
    with pytest.raises(InvalidInputError, match="must be a JSON object written by to_json"):
        BetaGeo.from_json("[1, 2]")
    bad = dict(payload, params={"r": -1, "alpha": 1, "a": 1, "b": 1})
    with pytest.raises(InvalidInputError, match=r"'r' must be a finite number > 0 \(got -1.0\)"):
        BetaGeo.from_json(json.dumps(bad))
    with pytest.raises(InvalidInputError, match=r"\(unknown \['p'\]\)"):
        BetaGeo.from_params(r=1, alpha=1, a=1, b=1, p=2)


def test_summary_table_and_html():
    s = GammaGamma.from_params(p=6.25, q=3.74, v=15.44).summary()
    assert isinstance(s, ParameterSummary)
    assert s.to_pandas().shape == (3, 5)
    assert "<table>" in s._repr_html_()
    assert isinstance(BetaGeo(), BTYDModel)
    assert "not fitted" in BetaGeo()._repr_html_()


def _display_width(text: str) -> int:
    """Columns a terminal gives ``text``: two for a wide (Chinese) character, one otherwise."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table_columns(line: str) -> list[tuple[int, int]]:
    """(start, end) terminal columns of each whitespace-separated cell of ``line``."""
    return [
        (_display_width(line[: m.start()]), _display_width(line[: m.end()]))
        for m in re.finditer(r"\S+", line)
    ]


def _assert_table_lines_up(summary: ParameterSummary) -> None:
    lines = repr(summary).splitlines()
    table = lines[1 + len(summary.caution) :]
    assert len(table) == 1 + len(summary.parameter)
    header = _table_columns(table[0])
    assert [table[0].split()] == [["estimate", "std.err", "lower_95", "upper_95"]]
    number_ends = [end for _, end in header]
    name_end = min(start for start, _ in header) - 1  # names end before the first column
    for i, (line, name) in enumerate(zip(table[1:], summary.parameter.tolist(), strict=True)):
        assert line.startswith(f"{name} ")  # the whole name, left-aligned
        cells = _table_columns(line)
        assert _display_width(name) <= name_end
        assert [end for _, end in cells[-4:]] == number_ends, (name, line)
        values = (summary.estimate, summary.standard_error, summary.lower_95, summary.upper_95)
        for cell, value in zip(line.split()[-4:], values, strict=True):
            shown = float(cell)
            assert (np.isnan(shown) and np.isnan(value[i])) or shown == pytest.approx(
                value[i], rel=1e-5
            )


_NAMES = st.text(
    st.characters(whitelist_categories=("L", "N", "P", "S"), max_codepoint=0x9FFF),
    min_size=1,
    max_size=40,
)
_VALUES = st.floats(allow_nan=True, allow_infinity=True, width=64)


@given(st.lists(st.tuples(_NAMES, _VALUES, _VALUES, _VALUES, _VALUES), min_size=1, max_size=8))
@examples(100)
@example([("gamma_purchase[channel=douyin]", -0.31, 0.05, -1.0, 2.0), ("r", 0.553, 0.04, 0.4, 0.6)])
@example([("attrition:渠道=抖音", 1e-300, -1.5e300, math.nan, math.inf), ("b", 2.0, 0.1, 1.8, 2.2)])
def test_summary_repr_columns_line_up_whatever_the_names(rows) -> None:
    names, estimate, se, lower, upper = (list(c) for c in zip(*rows, strict=True))
    summary = ParameterSummary(
        parameter=names,
        estimate=estimate,
        standard_error=se,
        lower_95=lower,
        upper_95=upper,
        model="Toy",
        log_likelihood=-1.0,
        n_customers=5.0,
        caution=["a caution line"],
    )
    _assert_table_lines_up(summary)


def test_a_covariate_fits_summary_lines_up() -> None:
    """The table of a real covariate fit, a categorical channel among its names."""
    from privtraffic.clv import ParetoNBD, ParetoNBDWithCovariates

    rng = np.random.default_rng(2)  # as test_covariates' JSON round trip
    channel = rng.choice(["douyin", "taobao", "store"], 1200)
    data = ParetoNBD.from_params(r=0.6, alpha=9.0, s=0.6, beta=10.0).simulate(1200, 30.0, rng=rng)
    m = ParetoNBDWithCovariates().fit(
        data, purchase_covariates={"channel": channel}, reference={"channel": "store"}
    )
    summary = m.summary()
    assert max(len(n) for n in summary.parameter.tolist()) > 10
    _assert_table_lines_up(summary)
    _assert_table_lines_up(GammaGamma.from_params(p=6.25, q=3.74, v=15.44).summary())


def test_check_rfm_and_prediction_columns():
    with pytest.raises(
        InvalidInputError, match=r"'frequency' must be >= 0 \(got -1.0 at index 0\)"
    ):
        check_rfm(np.array([-1.0]), np.array([0.0]), np.array([1.0]))
    t, x = prediction_columns(t=[1.0], frequency=[0, 1, 2])
    assert t.tolist() == [1.0, 1.0, 1.0] and x.tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(
        InvalidInputError, match="'recency' must have the same length as 'frequency'"
    ):
        prediction_columns(frequency=[1, 2, 3], recency=[1.0, 2.0])
    with pytest.raises(InvalidInputError, match="'frequency' must not be empty"):
        prediction_columns(frequency=[])
    with pytest.raises(InvalidInputError, match=r"'T' must be finite \(got inf at index 1\)"):
        prediction_columns(T=[1.0, np.inf])


def test_inputs_are_not_mutated():
    x = np.array([0.0, 2.0, 1.0])
    rec = np.array([0.0, 5.0, 3.0])
    T = np.array([6.0, 6.0, 6.0])
    copies = [a.copy() for a in (x, rec, T)]
    m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    m.expected_purchases(10, x, rec, T)
    m.probability_alive(x, rec, T)
    for a, c in zip((x, rec, T), copies, strict=True):
        np.testing.assert_array_equal(a, c)


def test_factorize_and_distinct_rows_match_numpy_unique():
    from privtraffic.clv._rows import distinct_rows, factorize

    rng = np.random.default_rng(9)
    n = 50000
    columns = [
        rng.poisson(3, n).astype(float),  # whole numbers
        np.round(rng.uniform(0, 40, n) * 7) / 7,  # day resolution in weeks
        rng.uniform(0, 1, n),  # all distinct
        np.where(rng.random(n) < 0.5, -0.0, 0.0),  # signed zeros are one value
        np.concatenate([np.full(n - 3, 2.5), [7.25, 1e300, -3.5]]),  # values a sample misses
    ]
    for col in columns:
        u, codes = factorize(col)
        u_ref, codes_ref = np.unique(col, return_inverse=True)
        np.testing.assert_array_equal(u, u_ref)
        np.testing.assert_array_equal(codes, codes_ref)
    rows, index = distinct_rows(columns[:2])
    ref_rows, ref_index = np.unique(np.column_stack(columns[:2]), axis=0, return_inverse=True)
    np.testing.assert_array_equal(np.column_stack(rows), ref_rows)
    np.testing.assert_array_equal(index, ref_index.reshape(-1))


def test_large_predictions_use_distinct_pairs_with_the_same_results():
    m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    data = m.simulate(30000, 38.86, rng=np.random.default_rng(2))
    whole = m.expected_purchases(39.0, data.frequency, data.recency, data.T)
    chunks = [
        m.expected_purchases(
            39.0, data.frequency[i : i + 10000], data.recency[i : i + 10000], data.T[i : i + 10000]
        )
        for i in range(0, 30000, 10000)
    ]
    np.testing.assert_allclose(whole, np.concatenate(chunks), rtol=1e-13)


def test_fit_result_is_frozen():
    import attrs

    from privtraffic.clv._optimize import FitResult

    def nll(lp, x, weights):
        lam = np.exp(lp[0])
        value = float(-(weights * (np.log(lam) - lam * x)).sum())
        return value, np.array([float(-(weights * (1 - lam * x)).sum())])

    res = minimize_negative_log_likelihood(
        nll,
        (np.array([0.5, 1.5]),),
        np.ones(2),
        [np.zeros(1)],
        penalizer=0.0,
        param_names=["lam"],
        model_name="Exp",
    )
    assert isinstance(res, FitResult)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        res.log_params = np.ones(1)


def test_a_table_goes_alone_as_the_first_argument():
    from privtraffic.data import load_cdnow

    s = load_cdnow("summary")
    with pytest.raises(InvalidInputError, match="'frequency' must be a column, not a table"):
        BetaGeo().fit(s, s.recency, s.T)
    with pytest.raises(InvalidInputError, match="'recency' must be a column, not a table"):
        BetaGeo().fit(s.frequency, {"recency": s.recency}, s.T)


def test_table_columns_reads_every_kind_of_table_the_same_way():
    from privtraffic.clv._base import table_columns
    from privtraffic.data import load_cdnow

    pd = pytest.importorskip("pandas")
    s = load_cdnow("summary")
    names = ("frequency", "recency", "T")
    for table in (s, s.to_pandas(), dict(s.columns())):
        cols = table_columns(table, names, optional=("weights",))
        assert cols is not None and list(cols) == list(names)
        for n in names:
            np.testing.assert_array_equal(np.asarray(cols[n]), s[n])
    assert table_columns(pd.Series([1.0]), names) is None
    assert table_columns(np.ones(3), names) is None
    with pytest.raises(InvalidInputError, match="must have a column 'T'"):
        table_columns(pd.DataFrame({"frequency": [1], "recency": [0.0]}), names)


@pytest.mark.parametrize("dropout_at_start", [False, True], ids=["BG/NBD", "MBG/NBD"])
def test_exact_hessian_equals_finite_differences_of_the_gradient(dropout_at_start):
    # The Newton fit and the standard errors use the analytic Hessian: it must be the
    # derivative of the analytic gradient (checked against central differences of it) at
    # points near and far from the optimum, on the CDNOW data with weights.
    from privtraffic.clv import bgnbd, mbgnbd
    from privtraffic.data import load_cdnow

    d = load_cdnow("summary")
    data = bgnbd.index_data(
        d.frequency * 1.0, d.recency * 1.0, d.T * 1.0, dropout_at_start=dropout_at_start
    )
    w = np.random.default_rng(0).integers(1, 5, len(d.frequency)).astype(float)
    module = mbgnbd if dropout_at_start else bgnbd
    for params in ([0.243, 4.414, 0.793, 2.426], [2.0, 0.5, 5.0, 0.1], [0.01, 40.0, 0.2, 30.0]):
        lp = np.log(params)
        value, grad, hess = module.negative_log_likelihood_hessian(lp, *data, weights=w)
        v2, g2 = module.negative_log_likelihood(lp, *data, weights=w)
        assert value == v2 and np.array_equal(grad, g2)
        fd = gradient_hessian(
            lambda x: module.negative_log_likelihood(x, *data, weights=w)[1], lp, 1e-5
        )
        assert np.allclose(hess, hess.T)
        assert np.max(np.abs(hess - fd)) <= 1e-6 * np.max(np.abs(hess))


def test_set_fitted_state_gives_what_fit_gives():
    from privtraffic.data import load_cdnow

    fitted = BetaGeo().fit(load_cdnow("summary"))
    names = ("r", "alpha", "a", "b")
    lp = np.log([fitted.params_[k] for k in names])
    theta = np.exp(lp)
    hess = np.linalg.inv(fitted.covariance_ / np.outer(theta, theta))
    m = BetaGeo().set_fitted_state(
        lp,
        hess,
        negative_log_likelihood=-fitted.log_likelihood_,
        n_customers=fitted.n_customers_,
        n_rows=fitted.n_rows_,
        n_iter=fitted.n_iter_,
        gradient_norm=fitted.fit_diagnostics_.gradient_norm,
    )
    assert m.params_ == pytest.approx(fitted.params_, rel=1e-14)
    assert m.standard_errors_ == pytest.approx(fitted.standard_errors_, rel=1e-8)
    assert m.log_likelihood_ == fitted.log_likelihood_
    assert m.fit_diagnostics_.converged and m.fit_diagnostics_.messages == ()
    # a Hessian that is not positive definite: NaN standard errors, and the diagnostics say so
    bad = BetaGeo().set_fitted_state(
        lp,
        -hess,
        negative_log_likelihood=1.0,
        n_customers=1.0,
        n_rows=1,
        n_iter=1,
        gradient_norm=0.0,
    )
    assert np.isnan(bad.standard_errors_["r"])
    assert not bad.fit_diagnostics_.hessian_positive_definite and bad.fit_diagnostics_.messages
    with pytest.raises(InvalidInputError, match=r"'log_params' must be 4 finite numbers"):
        BetaGeo().set_fitted_state(
            lp[:3],
            hess,
            negative_log_likelihood=1.0,
            n_customers=1.0,
            n_rows=1,
            n_iter=1,
            gradient_norm=0.0,
        )
    with pytest.raises(InvalidInputError, match=r"'hessian' must be a 4 x 4 matrix"):
        BetaGeo().set_fitted_state(
            lp,
            hess[:3],
            negative_log_likelihood=1.0,
            n_customers=1.0,
            n_rows=1,
            n_iter=1,
            gradient_norm=0.0,
        )


def test_chunked_predictions_equal_the_closed_forms_across_chunks():
    # P(alive) and E[X] run over chunks of 16,384 customers and, above 20,000, through the
    # grid of (frequency, T) cells: the results equal the closed forms of FHL (2005, eq. 10)
    # and FHL (2008, eq. 2) written directly (scipy's hyp2f1 is accurate at these values).
    from scipy.special import hyp2f1

    params = (0.243, 4.414, 0.793, 2.426)
    truth = BetaGeo.from_params(dict(zip(("r", "alpha", "a", "b"), params, strict=True)))
    s = truth.simulate(50_000, np.arange(50_000) % 84 / 7.0 + 27.0, rng=np.random.default_rng(3))
    x, rec, T = s.frequency, np.floor(s.recency * 7.0) / 7.0, s.T
    r, alpha, a, b = params
    odds = a / (b + x - 1.0) * ((alpha + T) / (alpha + rec)) ** (r + x)
    p = np.where(x > 0, 1.0 / (1.0 + odds), 1.0)
    z = 39.0 / (alpha + T + 39.0)
    e = (
        (a + b + x - 1)
        / (a - 1)
        * (
            1
            - ((alpha + T) / (alpha + T + 39.0)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
        )
    )
    got_p = truth.probability_alive(x, rec, T)
    got_e = truth.expected_purchases(39.0, x, rec, T)
    assert np.max(np.abs(got_p - p)) < 1e-14
    assert np.max(np.abs(got_e / (e * p) - 1.0)) < 1e-10
    # the same customers one by one and in a short array agree with the long array
    assert np.array_equal(truth.probability_alive(x[:100], rec[:100], T[:100]), got_p[:100])
    assert np.allclose(
        truth.expected_purchases(39.0, x[:100], rec[:100], T[:100]), got_e[:100], rtol=1e-12, atol=0
    )


def test_fused_rfm_check_reports_what_the_rule_by_rule_check_reports():
    # The fused pass runs over chunks of 32,768 rows; the message names the first rule
    # broken (in the documented order) at its first row, wherever the chunks fall.
    n = 100_000
    x, rec, T = np.ones(n), np.full(n, 2.0), np.full(n, 3.0)
    check_rfm(x, rec, T)
    late_rec = rec.copy()
    late_rec[70_000] = 5.0
    with pytest.raises(
        InvalidInputError, match=r"'recency' must be <= T \(got 5.0 > 3.0 at index 70000\)"
    ):
        check_rfm(x, late_rec, T)
    late_x = x.copy()
    late_x[90_000] = 1.5  # a later row breaks an earlier rule: that rule is reported
    with pytest.raises(InvalidInputError, match=r"whole numbers \(got 1.5 at index 90000\)"):
        check_rfm(late_x, late_rec, T)
    zero = x.copy()
    zero[40_000] = 0.0
    with pytest.raises(InvalidInputError, match=r"'recency' must be 0 when frequency == 0"):
        check_rfm(zero, rec, T)
