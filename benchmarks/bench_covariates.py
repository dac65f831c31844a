"""Covariate fits (issue 15): beside the covariate-free fit and a hand-written numpy floor.

No Python peer fits BTYD models with covariates (lifetimes has none; CLVTools, which has them,
is R and not available on this machine), so each covariate fit is timed beside

- the same model without covariates on the same customers (what the covariates cost), and,
  for BG/NBD,
- a numpy floor: the covariate BG/NBD log-likelihood and its analytic gradient written out per
  customer in plain numpy (no row collapsing, no grouping) and minimised by scipy's L-BFGS-B
  from the same start as privtraffic's (the covariate-free estimates, gammas 0), without
  standard errors. It is what a user would write by hand; privtraffic also runs the
  covariate-free fit it starts from, the Hessian and the diagnostics.

Data: customers simulated with a 5-level acquisition channel and a WeCom-group flag as
purchase covariates (10 covariate vectors), observed for 52 weeks with continuous purchase
times; BG/NBD on 1,000,000 customers, Pareto/NBD on 200,000 (its likelihood is a quadrature).

Run: ``python benchmarks/bench_covariates.py`` (``--quick``: 200,000 / 50,000 customers).
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
from _harness import Bench
from scipy import optimize, special

from privtraffic.clv import BetaGeo, BetaGeoWithCovariates, ParetoNBD, ParetoNBDWithCovariates

NAMES = ["c1", "c2", "c3", "c4", "wecom"]


def _data(cls, n: int, rng: np.random.Generator):
    channel = rng.integers(0, 5, n)
    wecom = rng.integers(0, 2, n).astype(float)
    base = (
        {"r": 0.6, "alpha": 6.0, "a": 0.8, "b": 2.5}
        if cls is BetaGeoWithCovariates
        else {"r": 0.6, "alpha": 6.0, "s": 0.6, "beta": 10.0}
    )
    gammas = {"purchase:c1": 0.1, "purchase:c2": 0.2, "purchase:c3": -0.1, "purchase:c4": -0.2}
    gammas["purchase:wecom"] = 0.3
    truth = cls.from_params({**base, **gammas}, purchase_covariates=NAMES)
    z = {f"c{k}": (channel == k).astype(float) for k in range(1, 5)}
    z["wecom"] = wecom
    summary = truth.simulate(n, 52.0, purchase_covariates=z, rng=rng)
    labels = np.array(["store", "douyin", "taobao", "xiaohongshu", "kuaishou"])[channel]
    return summary, {"channel": labels, "wecom": wecom}, np.column_stack([z[k] for k in NAMES])


def _numpy_bgnbd_floor(x, tx, T, Z, start):
    """Per-customer covariate BG/NBD NLL with its gradient, minimised by L-BFGS-B."""

    def nll(theta):
        log_r, log_alpha, log_a, log_b = theta[:4]
        g = theta[4:]
        r, a, b = np.exp(log_r), np.exp(log_a), np.exp(log_b)
        alpha = np.exp(log_alpha - Z @ g)
        la_T, la_t = np.log(alpha + T), np.log(alpha + tx)
        A = (
            special.gammaln(r + x)
            - special.gammaln(r)
            + r * np.log(alpha)
            + special.gammaln(a + b)
            + special.gammaln(b + x)
            - special.gammaln(b)
            - special.gammaln(a + b + x)
            - (r + x) * la_T
        )
        zz = np.log(a) - np.log(b + np.maximum(x, 1.0) - 1.0) + (r + x) * (la_T - la_t)
        active = x > 0
        share = np.where(active, special.expit(zz), 0.0)
        ll = A + np.where(active, np.logaddexp(0.0, zz), 0.0)
        # gradients per customer
        d_r = (
            special.digamma(r + x)
            - special.digamma(r)
            + np.log(alpha)
            - la_T
            + share * (la_T - la_t)
        )
        d_la = (
            r
            - (r + x) * alpha / (alpha + T)
            + share * (r + x) * (alpha / (alpha + T) - alpha / (alpha + tx))
        )  # d/d log alpha_i
        psi_ab, psi_abx = special.digamma(a + b), special.digamma(a + b + x)
        d_a = psi_ab - psi_abx + share / a
        d_b = (
            psi_ab
            + special.digamma(b + x)
            - special.digamma(b)
            - psi_abx
            - share / (b + np.maximum(x, 1.0) - 1.0)
        )
        grad = np.concatenate(
            [
                [np.sum(d_r) * r, np.sum(d_la), np.sum(d_a) * a, np.sum(d_b) * b],
                -(Z.T @ d_la),
            ]
        )
        return -float(ll.sum()), -grad

    res = optimize.minimize(nll, start, jac=True, method="L-BFGS-B", options={"gtol": 1e-6})
    return res.x


def main() -> None:
    quick = "--quick" in sys.argv
    rng = np.random.default_rng(0)
    bench = Bench("BTYD fits with covariates")
    bench.header()
    warnings.simplefilter("ignore")
    n_bg = 200_000 if quick else 1_000_000
    s, z, Z = _data(BetaGeoWithCovariates, n_bg, rng)
    plain = BetaGeo().fit(s)
    start = np.concatenate([np.log(list(plain.params_.values())), np.zeros(Z.shape[1])])
    result = bench.compare(
        {
            "privtraffic covariates": lambda: BetaGeoWithCovariates().fit(
                s, purchase_covariates=z, reference={"channel": "store"}
            ),
            "privtraffic no covariates": lambda: BetaGeo().fit(s),
            "numpy floor": lambda: _numpy_bgnbd_floor(s.frequency, s.recency, s.T, Z, start),
        },
        baseline="privtraffic covariates",
        title=f"BG/NBD, {n_bg:,} customers, 5 covariate columns (10 vectors)",
    )
    result.print()
    ours = result.outputs["privtraffic covariates"]
    floor = result.outputs["numpy floor"]
    ours_gammas = np.array(
        [
            ours.params_[f"purchase:{k}"]
            for k in ("channel_douyin", "channel_taobao", "channel_xiaohongshu", "channel_kuaishou")
        ]
        + [ours.params_["purchase:wecom"]]
    )
    print(
        f"# largest gamma difference, privtraffic vs numpy floor: "
        f"{float(np.max(np.abs(ours_gammas - floor[4:]))):.2e}; rows after collapsing: "
        f"{ours.n_rows_:,}, covariate groups: {ours.n_groups_}"
    )
    n_p = 50_000 if quick else 200_000
    s, z, _ = _data(ParetoNBDWithCovariates, n_p, rng)
    result = bench.compare(
        {
            "privtraffic covariates": lambda: ParetoNBDWithCovariates().fit(
                s, purchase_covariates=z, reference={"channel": "store"}
            ),
            "privtraffic no covariates": lambda: ParetoNBD().fit(s),
        },
        baseline="privtraffic covariates",
        title=f"Pareto/NBD, {n_p:,} customers, 5 covariate columns (10 vectors)",
    )
    result.print()
    bench.footer()


if __name__ == "__main__":
    main()
