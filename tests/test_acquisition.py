"""Value of a newly acquired customer by channel, and one model per group (issue 15, item 6).

References: a new customer is a customer with no history yet, so the value of one with
``first_purchase=False`` equals :func:`customer_lifetime_value` of a customer with
``frequency = recency = 0`` observed for an instant (T = 1e-9), at the channel's own plain
model; ``fit_by_group`` equals fitting each group's customers directly.
"""

from __future__ import annotations

import numpy as np
import pytest

from privtraffic.clv import (
    BetaGeo,
    BetaGeoWithCovariates,
    GammaGamma,
    GammaGammaWithCovariates,
    customer_lifetime_value,
    fit_by_group,
)
from privtraffic.data import RFMSummary
from privtraffic.errors import InvalidInputError
from privtraffic.value import value_by_channel

CHANNELS = np.array(["douyin", "store", "taobao"])


def _channel_data(n: int = 3000, seed: int = 0):
    rng = np.random.default_rng(seed)
    channel = CHANNELS[rng.integers(0, 3, n)]
    truth = BetaGeoWithCovariates.from_params(
        {"r": 0.6, "alpha": 6.0, "a": 0.8, "b": 2.5, "purchase:d": 0.6, "purchase:t": -0.4},
        purchase_covariates=["d", "t"],
    )
    z = {"d": (channel == "douyin").astype(float), "t": (channel == "taobao").astype(float)}
    data = truth.simulate(n, 52.0, purchase_covariates=z, rng=rng)
    spend_truth = GammaGammaWithCovariates.from_params(
        {"p": 6.0, "q": 4.0, "v": 15.0, "spend:d": -0.3, "spend:t": 0.2},
        spend_covariates=["d", "t"],
    )
    buyers = data.frequency > 0
    spend = np.zeros(n)
    spend[buyers] = spend_truth.simulate(
        data.frequency[buyers],
        spend_covariates={"d": z["d"][buyers], "t": z["t"][buyers]},
        rng=rng,
    )
    return data, channel, spend


def test_value_by_channel_is_the_clv_of_a_customer_without_history() -> None:
    data, channel, spend = _channel_data()
    z = {"channel": channel}
    bg = BetaGeoWithCovariates().fit(data, purchase_covariates=z, reference={"channel": "store"})
    buyers = data.frequency > 0
    gg = GammaGammaWithCovariates().fit(
        data.frequency[buyers], spend[buyers], spend_covariates={"channel": channel[buyers]}
    )
    table = value_by_channel(
        bg,
        gg,
        list(CHANNELS),
        horizon=12,
        discount_rate=0.01,
        unit="W",
        margin=0.3,
        first_purchase=False,
    )
    for i, c in enumerate(CHANNELS):
        plain_bg = bg.plain_model(purchase_covariates={"channel": [c]})
        plain_gg = gg.plain_model(spend_covariates={"channel": [c]})
        clv = customer_lifetime_value(
            plain_bg,
            plain_gg,
            [0],
            [0.0],
            [1e-9],
            [0.0],
            horizon=12,
            discount_rate=0.01,
            unit="W",
            margin=0.3,
        )
        assert table.value[i] == pytest.approx(float(clv[0]), rel=1e-6)
        assert table.mean_spend[i] == pytest.approx(
            plain_gg.params_["p"] * plain_gg.params_["v"] / (plain_gg.params_["q"] - 1)
        )
    # Douyin customers were simulated to buy more often (gamma 0.6), Taobao ones less (-0.4)
    order = dict(zip(CHANNELS.tolist(), table.expected_purchases.tolist(), strict=True))
    assert order["douyin"] > order["store"] > order["taobao"]
    with_first = value_by_channel(
        bg, gg, list(CHANNELS), horizon=12, discount_rate=0.01, unit="W", margin=0.3
    )
    np.testing.assert_allclose(with_first.value - table.value, 0.3 * table.mean_spend)
    assert "douyin" in repr(table) and "<table" in table._repr_html_()


def test_value_by_channel_refuses_unknown_channels_and_missing_covariates() -> None:
    data, channel, _ = _channel_data(1500, seed=1)
    wecom = (np.arange(1500) % 2).astype(float)
    bg = BetaGeoWithCovariates().fit(data, purchase_covariates={"channel": channel, "wecom": wecom})
    gg = GammaGamma.from_params(p=6.0, q=4.0, v=15.0)
    with pytest.raises(InvalidInputError, match="'base' must give covariate 'wecom'"):
        value_by_channel(bg, gg, ["store"], horizon=12, discount_rate=0.01, unit="W")
    with pytest.raises(InvalidInputError, match="level not seen at fit: 'kuaishou'"):
        value_by_channel(
            bg, gg, ["kuaishou"], horizon=12, discount_rate=0.01, unit="W", base={"wecom": 1}
        )
    with pytest.raises(InvalidInputError, match="'horizon' must be a whole number"):
        value_by_channel(bg, gg, ["store"], horizon=0, discount_rate=0.01, unit="W")
    with pytest.raises(InvalidInputError, match="'channels' must name at least one"):
        value_by_channel(bg, gg, [], horizon=1, discount_rate=0.01, unit="W")
    v = value_by_channel(
        bg, gg, ["store", "douyin"], horizon=6, discount_rate=0.0, unit="W", base={"wecom": 1}
    )
    assert v.value[0] != v.value[1]


def test_fit_by_group_equals_fitting_each_group() -> None:
    data, channel, _ = _channel_data(2000, seed=2)
    fits = fit_by_group(BetaGeo(), data, channel)
    assert fits.group.tolist() == sorted(CHANNELS.tolist())
    for i, g in enumerate(fits.group.tolist()):
        keep = channel == g
        direct = BetaGeo().fit(data.frequency[keep], data.recency[keep], data.T[keep])
        for p in ("r", "alpha", "a", "b"):
            assert fits.params[p][i] == direct.params_[p]
        assert fits.log_likelihood[i] == direct.log_likelihood_
        assert fits.n_customers[i] == keep.sum()
    assert fits.total_log_likelihood == pytest.approx(fits.log_likelihood.sum())
    # Douyin was simulated with a higher purchase rate: a lower alpha (rate r / alpha)
    rate = fits.params["r"] / fits.params["alpha"]
    assert rate[fits.group.tolist().index("douyin")] > rate[fits.group.tolist().index("taobao")]
    assert "douyin" in repr(fits) and "<table" in fits._repr_html_()
    assert set(fits.to_dict()) >= {"group", "n_customers", "r", "alpha", "a", "b"}


def test_fit_by_group_refuses_bad_input() -> None:
    s = RFMSummary(customer_id=[1, 2], frequency=[1, 0], recency=[2.0, 0.0], T=[3.0, 3.0])
    with pytest.raises(InvalidInputError, match="'groups' must have one label per customer"):
        fit_by_group(BetaGeo(), s, ["a"])
    with pytest.raises(InvalidInputError, match="'summary' must be a table"):
        fit_by_group(BetaGeo(), [1, 2], ["a", "b"])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_report_section_shows_the_value_of_a_new_customer_by_channel(lang) -> None:
    from privtraffic._report import sections
    from privtraffic._report.document import Document
    from privtraffic.clv import ParetoNBDWithCovariates
    from privtraffic.data import summarize_transactions
    from privtraffic.money import format_amount
    from privtraffic.simulate import simulate_private_domain

    world = simulate_private_domain(3000, days=365.0, rng=np.random.default_rng(2025))
    cut = world.start.astype("datetime64[D]") + np.timedelta64(272, "D")
    o = world.orders
    doc = Document("t", plots=False, lang=lang)
    sections.acquisition_section(
        doc,
        o.user_id,
        o.at,
        o.amount_cny,
        world.users.user_id,
        world.users.source_channel,
        calibration_end=cut,
        progress=lambda _: None,
        currency="CNY",
    )
    page = doc.render(footer="")
    # the same models fitted here give the numbers on the page
    s = summarize_transactions(o.user_id, o.at, o.amount_cny, unit="W", calibration_end=cut)
    s = RFMSummary(  # the section leaves out customers first seen on the last day (T = 0)
        customer_id=s.customer_id[s.T > 0],
        frequency=s.frequency[s.T > 0],
        recency=s.recency[s.T > 0],
        T=s.T[s.T > 0],
        monetary_value=s.monetary_value[s.T > 0],
    )
    of = dict(zip(world.users.user_id.tolist(), world.users.source_channel.tolist(), strict=True))
    channel = np.array([of[c] for c in s.customer_id.tolist()])
    z = {"channel": channel}
    pnbd = ParetoNBDWithCovariates().fit(
        s, purchase_covariates=z, attrition_covariates=z, reference={"channel": "douyin"}
    )
    b = s.frequency > 0
    gg = GammaGammaWithCovariates().fit(
        s.frequency[b],
        s.monetary_value[b],
        spend_covariates={"channel": channel[b]},
        reference={"channel": "douyin"},
    )
    table = value_by_channel(
        pnbd, gg, sorted(set(channel.tolist())), horizon=12, discount_rate=0.01, unit="W"
    )
    for v in table.value:
        assert format_amount(float(v), "CNY", symbol=False) in page
    heading = "Value by acquisition channel" if lang == "en" else "按获客渠道的客户价值"
    assert heading in page
    assert ("抖音" in page) == (lang == "zh")
