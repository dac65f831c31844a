"""privtraffic.simulate: a consistent synthetic private domain that recovers its own parameters."""

from __future__ import annotations

import numpy as np
import pytest

from privtraffic.errors import InvalidInputError
from privtraffic.simulate import simulate_private_domain


@pytest.fixture(scope="module")
def world():
    return simulate_private_domain(20_000, days=365, rng=np.random.default_rng(7))


def _days(world, at):
    return (at - world.start) / np.timedelta64(1, "D")


def test_deterministic_for_a_given_rng():
    a = simulate_private_domain(500, days=60, rng=np.random.default_rng(1))
    b = simulate_private_domain(500, days=60, rng=np.random.default_rng(1))
    c = simulate_private_domain(500, days=60, rng=np.random.default_rng(2))
    for table in ("users", "events", "orders", "referrals", "refunds"):
        for name, col in getattr(a, table).columns().items():
            assert np.array_equal(col, getattr(b, table).columns()[name]), (table, name)
    assert not np.array_equal(a.orders.amount_cny, c.orders.amount_cny)


def test_tables_are_consistent(world):
    users, events, orders = world.users, world.events, world.orders
    ids = set(users.user_id.tolist())
    assert len(ids) == 20_000
    assert set(events.user_id.tolist()) <= ids and set(orders.user_id.tolist()) <= ids
    assert np.all(np.diff(events.at.astype(np.int64)) >= 0)
    assert np.all(np.diff(orders.at.astype(np.int64)) >= 0)
    assert np.all((events.at >= world.start) & (events.at <= world.observation_end))
    # every user connects once, at acquisition
    connect = events.kind == "connect"
    assert np.array_equal(np.sort(events.user_id[connect]), users.user_id)
    # one purchase event per order with the order's amount
    purchase = events.kind == "purchase"
    assert purchase.sum() == len(orders)
    assert np.isclose(events.value[purchase].sum(), orders.amount_cny.sum())
    # orders happen after acquisition, exactly one first order per buyer
    acquired = dict(zip(users.user_id.tolist(), users.acquired_at.tolist(), strict=True))
    assert all(
        acquired[u] <= t for u, t in zip(orders.user_id.tolist(), orders.at.tolist(), strict=True)
    )
    assert orders.is_first.sum() == len(np.unique(orders.user_id))
    # referral edges point back in time; referrer columns agree
    ref = world.referrals
    assert np.all(ref.referrer_id < ref.referee_id)
    assert np.array_equal(users.referrer_id[ref.referee_id - 1], ref.referrer_id)
    assert np.all(users.source_channel[ref.referee_id - 1] == "referral")
    # attribution: sharer is the buyer's referrer, and a referral_purchase event per such order
    shared = orders.sharer_id > 0
    assert np.array_equal(orders.sharer_id[shared], users.referrer_id[orders.user_id[shared] - 1])
    assert (events.kind == "referral_purchase").sum() == shared.sum()
    dist = orders.distributor_id > 0
    assert np.all(users.is_distributor[orders.distributor_id[dist] - 1])
    # refunds refer to real orders of the same user, after them, for the full amount
    rf = world.refunds
    idx = rf.order_id - 1
    assert np.array_equal(orders.user_id[idx], rf.user_id)
    assert np.all(rf.at >= orders.at[idx]) and np.array_equal(orders.amount_fen[idx], rf.amount_fen)


def test_configured_shares_are_realised(world):
    prm = world.truth.params
    n = len(world.users)
    # KOC share and referral share within 4 binomial standard errors
    for observed, p in (
        (world.users.is_koc.mean(), prm["koc_share"]),
        ((world.users.referrer_id > 0).mean(), prm["referral_share"]),
    ):
        assert abs(observed - p) < 4 * np.sqrt(p * (1 - p) / n)
    # KOCs are the propagators: their share among referrers is close to w*k / (w*k + 1 - k)
    k, w = prm["koc_share"], prm["koc_weight"]
    referrers = world.referrals.referrer_id
    koc_share_of_referrals = world.users.is_koc[referrers - 1].mean()
    assert koc_share_of_referrals == pytest.approx(w * k / (w * k + 1 - k), abs=0.05)
    # share conversion: referrals / shares
    shares = (world.events.kind == "share").sum()
    assert len(world.referrals) / shares == pytest.approx(prm["share_conversion"], rel=0.1)


def test_onboarding_flows_convert_as_configured(world):
    prm = world.truth.params
    users, events = world.users, world.events
    joined = np.isin(users.user_id, events.user_id[events.kind == "join"])
    early = _days(world, users.acquired_at) < world.days - 30  # not censored by the horizon
    a = early & (users.variant == "A")
    b = early & (users.variant == "B")
    assert joined[a].mean() == pytest.approx(prm["join_rate"], abs=0.03)
    g1, g2 = prm["guided_join"]
    assert joined[b].mean() == pytest.approx(g1 * g2, abs=0.03)


def test_bgnbd_recovers_generating_parameters(world):
    """Fit BG/NBD to the simulated purchases (exact times, from the first purchase)."""
    from privtraffic.clv import BetaGeo

    o = world.orders
    day = _days(world, o.at)
    users, inverse = np.unique(o.user_id, return_inverse=True)
    first = np.full(users.shape, np.inf)
    last = np.full(users.shape, -np.inf)
    np.minimum.at(first, inverse, day)
    np.maximum.at(last, inverse, day)
    frequency = np.bincount(inverse) - 1
    recency = (last - first) / 7
    T = (world.days - first) / 7
    m = BetaGeo().fit(frequency, recency, T)
    prm = world.truth.params
    truth = {"r": prm["r"], "alpha": prm["alpha"] / 7, "a": prm["a"], "b": prm["b"]}
    for name, value in truth.items():
        # within 3 standard errors and 25% of the generating value
        assert abs(m.params_[name] - value) < 3 * m.standard_errors_[name], name
        assert m.params_[name] == pytest.approx(value, rel=0.25), name


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore:.*chained_assignment")
def test_gamma_gamma_recovers_generating_parameters(world):
    """privtraffic's GammaGamma on the simulated order values, lifetimes' fitter as the peer."""
    from lifetimes import GammaGammaFitter

    from privtraffic.clv import GammaGamma

    o = world.orders
    _, inverse = np.unique(o.user_id, return_inverse=True)
    count = np.bincount(inverse)
    mean = np.bincount(inverse, weights=o.amount_cny) / count
    keep = count >= 2
    ours = GammaGamma().fit(count[keep], mean[keep])
    peer = GammaGammaFitter().fit(count[keep], mean[keep])
    prm = world.truth.params
    expected_mean = prm["p"] * prm["v"] / (prm["q"] - 1)
    p, q, v = (ours.params_[k] for k in ("p", "q", "v"))
    assert p * v / (q - 1) == pytest.approx(expected_mean, rel=0.05)
    assert p == pytest.approx(prm["p"], rel=0.25)
    assert p == pytest.approx(peer.params_["p"], rel=0.02)
    # the realised mean order value agrees with the generating mean
    assert o.amount_cny.mean() == pytest.approx(expected_mean, rel=0.05)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_users": 0}, "'n_users' must be an integer >= 1 (got 0)"),
        ({"days": 0}, "'days' must be > 0 (got 0)"),
        ({"koc_share": 1.5}, "'koc_share' must be in [0, 1] (got 1.5)"),
        ({"q": 1.0}, "'q' must be > 1"),
        ({"alpha": -1}, "'alpha' must be > 0 (got -1)"),
        ({"share_conversion": 0}, "'share_conversion' must be in (0, 1]"),
        ({"public_channels": {"douyin": -1}}, "'public_channels' weights must be >= 0"),
    ],
)
def test_bad_parameters(kwargs, message):
    args = {"n_users": 10} | kwargs
    n = args.pop("n_users")
    with pytest.raises(InvalidInputError) as info:
        simulate_private_domain(n, rng=0, **args)
    assert message in str(info.value)


def test_ladder_tier_mix_matches_the_tables(world):
    """The relationship ladder on the simulated events agrees with a count over the tables."""
    from privtraffic.lifecycle import relationship_ladder
    from privtraffic.lifecycle.presets.ladder import LADDER_KINDS

    ev = world.events.of_kinds(*LADDER_KINDS)
    as_of = world.observation_end
    table = relationship_ladder(window_days=90).classify(ev.user_id, ev.kind, ev.at, as_of=as_of)
    tier = dict(zip(table.users.tolist(), table.tiers, strict=True))
    # brute force over the tables, per user
    window_start = as_of - np.timedelta64(90, "D")
    o = world.orders
    recent = np.bincount(o.user_id[o.at > window_start], minlength=len(world.users) + 1)
    ever_bought = np.bincount(o.user_id, minlength=len(world.users) + 1) > 0
    e = world.events
    in_window = e.at > window_start
    propagated = np.zeros(len(world.users) + 1, bool)
    propagated[e.user_id[in_window & np.isin(e.kind, ["review", "referral_purchase"])]] = True
    active = np.zeros(len(world.users) + 1, bool)
    active[e.user_id[in_window & np.isin(e.kind, ["interact", "review", "referral_purchase"])]] = 1
    joined = np.zeros(len(world.users) + 1, bool)
    joined[e.user_id[e.kind == "join"]] = True
    expected = np.where(
        (recent >= 2) & propagated,
        "koc",
        np.where(
            recent >= 2,
            "repeat_buyer",
            np.where(
                recent == 1, "buyer", np.where(joined | ever_bought | active, "member", "basic")
            ),
        ),
    )
    got = np.array([tier[u] for u in world.users.user_id.tolist()])
    assert np.array_equal(got, expected[world.users.user_id])
    # the configured onboarding shows in the mix: members and up at least the joiners
    mix = {name: np.mean(got == name) for name in table.tier_names}
    assert 1 - mix["basic"] >= world.truth.joined.mean()


def test_kocs_are_found_by_referral_scoring(world):
    """Users with the most direct referrals are KOCs far more often than the configured base."""
    from privtraffic.referral import ReferralGraph

    graph = ReferralGraph.from_edges(world.referrals.referrer_id, world.referrals.referee_id)
    scores = graph.koc_scores(world.orders.user_id, world.orders.amount_cny)
    n_koc = int(world.users.is_koc.sum())
    top = scores.user[np.argsort(-scores.direct_referrals, kind="stable")[:n_koc]]
    precision = world.users.is_koc[top - 1].mean()
    assert precision > 4 * world.truth.params["koc_share"]


# --- the parameters as one frozen, validated SimulationConfig ----------------------------------


def _tables(world):
    return {
        (table, name): col
        for table in ("users", "events", "orders", "referrals", "refunds", "truth")
        for name, col in getattr(world, table).columns().items()
    }


def test_keyword_and_config_paths_give_identical_worlds():
    from privtraffic.simulate import SimulationConfig

    keywords = {
        "days": 120,
        "start": "2024-03-01",
        "alpha": 25.0,
        "koc_share": 0.1,
        "guided_join": [0.95, 0.7],
        "public_channels": {"douyin": 3, "taobao": 1},
        "refund_rate": 0.1,
    }
    by_keyword = simulate_private_domain(800, rng=np.random.default_rng(5), **keywords)
    config = SimulationConfig(n_users=800, **keywords)
    by_config = simulate_private_domain(config=config, rng=np.random.default_rng(5))
    a, b = _tables(by_keyword), _tables(by_config)
    assert a.keys() == b.keys()
    for key, col in a.items():
        assert np.array_equal(col, b[key]), key
    assert by_keyword.truth.config == by_config.truth.config == config
    assert by_keyword.truth.params == by_config.truth.params
    assert by_config.truth.params["public_channels"] == {"douyin": 0.75, "taobao": 0.25}
    assert by_config.start == np.datetime64("2024-03-01T00:00:00") and by_config.days == 120


def test_the_keyword_defaults_are_the_config_defaults():
    import inspect

    import attrs

    from privtraffic.simulate import OWNED_CHANNELS, PUBLIC_CHANNELS, SimulationConfig

    signature = inspect.signature(simulate_private_domain).parameters
    fields = {f.name: f for f in attrs.fields(SimulationConfig)}
    assert set(signature) - {"config", "rng"} == set(fields)
    defaults = SimulationConfig(n_users=1)
    for name in fields.keys() - {"n_users"}:
        default = signature[name].default
        if name in ("public_channels", "owned_channels"):
            assert default is None
            default = PUBLIC_CHANNELS if name == "public_channels" else OWNED_CHANNELS
        assert getattr(SimulationConfig(n_users=1, **{name: default}), name) == getattr(
            defaults, name
        ), name


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("n_users", 0, "'n_users' must be an integer >= 1 (got 0)"),
        ("n_users", 2.5, "'n_users' must be an integer >= 1 (got 2.5)"),
        ("days", -3, "'days' must be > 0 (got -3)"),
        ("alpha", float("nan"), "'alpha' must be > 0 (got nan)"),
        ("r", "0.5", "'r' must be a number > 0 (got '0.5')"),
        ("q", 0.5, "'q' must be > 1 for a finite mean order value (got 0.5)"),
        ("refund_rate", -0.1, "'refund_rate' must be in [0, 1] (got -0.1)"),
        ("share_conversion", 1.5, "'share_conversion' must be in (0, 1] (got 1.5)"),
        ("interaction_rate", -1, "'interaction_rate' must be >= 0 (got -1)"),
        ("guided_join", (0.9,), "'guided_join' must be two step rates (got (0.9,))"),
        ("guided_join", (0.9, 1.2), "'guided_join' must be in [0, 1] (got 1.2)"),
        ("owned_channels", {}, "'owned_channels' must be a non-empty mapping"),
        ("owned_channels", {"app": 0}, "'owned_channels' weights must be >= 0 with a positive"),
        ("start", "not a date", "'start' must be a timestamp (got 'not a date')"),
    ],
)
def test_a_bad_config_field_raises_naming_it(field, value, message):
    import attrs

    from privtraffic.simulate import SimulationConfig

    args = {"n_users": 10, field: value}
    with pytest.raises(InvalidInputError) as info:
        SimulationConfig(**args)
    assert message in str(info.value)
    # evolve checks the new value too
    with pytest.raises(InvalidInputError) as info:
        attrs.evolve(SimulationConfig(n_users=10), **{field: value})
    assert message in str(info.value)


def test_config_is_frozen_and_its_mixes_read_only():
    import attrs

    from privtraffic.simulate import SimulationConfig

    mix = {"douyin": 1.0}
    config = SimulationConfig(n_users=10, public_channels=mix)
    mix["taobao"] = 5.0  # the caller's dict is copied when the config is built
    assert dict(config.public_channels) == {"douyin": 1.0}
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        config.days = 30  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.public_channels["taobao"] = 1.0  # type: ignore[index]
    assert "public_channels={'douyin': 1.0}" in repr(config)
    same = SimulationConfig(n_users=10, public_channels={"douyin": 1.0})
    assert same == config and hash(same) == hash(config) and len({same, config}) == 1


def test_config_and_keywords_do_not_mix():
    from privtraffic.simulate import SimulationConfig

    config = SimulationConfig(n_users=10)
    with pytest.raises(InvalidInputError, match="'koc_share' must not be given with 'config'"):
        simulate_private_domain(config=config, koc_share=0.2, rng=0)
    with pytest.raises(InvalidInputError, match="'n_users' must not be given with 'config'"):
        simulate_private_domain(10, config=config, rng=0)
    with pytest.raises(InvalidInputError, match="'n_users' is required"):
        simulate_private_domain(rng=0)
    # a keyword at its default value changes nothing, so it is not a conflict
    world = simulate_private_domain(config=config, days=365.0, rng=0)
    assert len(world.users) == 10
