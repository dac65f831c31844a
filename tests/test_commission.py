"""privtraffic.commission: plans, compliance, network, per-order split and the batch path."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from privtraffic.commission import (
    COMPLIANCE_MAX_LEVELS,
    CommissionPlan,
    DistributorNetwork,
    compliance_report,
    compute_commissions,
    split_commission,
)
from privtraffic.errors import (
    ComplianceError,
    InvalidDefinitionError,
    InvalidInputError,
    ReferralCycleError,
)
from support import examples

FAST = examples(60)

# alice <- bob <- carol <- dave (each joined under the previous one)
NET = DistributorNetwork.from_edges(["alice", "bob", "carol"], ["bob", "carol", "dave"])
PLAN = CommissionPlan(level_rates=("0.10", "0.05"), total_cap="0.20", rounding="half_up")


def amounts_of(entries):
    return [(e.beneficiary, e.level, e.amount) for e in entries]


# -- worked examples -------------------------------------------------------------------------


def test_the_checks_call():
    entries = split_commission(PLAN, NET, "o1", Decimal("99.99"), "carol")
    # 99.99 * (0.10 + 0.05) = 14.9985 -> half-up 15.00; split 10:5 -> 10.00 and 5.00.
    assert amounts_of(entries) == [("carol", 1, Decimal("10.00")), ("bob", 2, Decimal("5.00"))]
    total = sum(e.amount for e in entries)
    assert isinstance(total, Decimal) and total == Decimal("15.00")
    assert [e.reason for e in entries] == ["level 1", "level 2"]


def test_twelve_and_a_half_percent_on_99_99():
    # By hand: 99.99 * 0.125 = 12.49875 -> half-up 12.50, down 12.49 (not 12 % = 12.00).
    net = DistributorNetwork.from_edges([], [], users=["kol"])
    for rounding, expected in (("half_up", "12.50"), ("half_even", "12.50"), ("down", "12.49")):
        plan = CommissionPlan(level_rates=("0.125",), rounding=rounding)
        (entry,) = split_commission(plan, net, "o1", "99.99", "kol")
        assert entry.amount == Decimal(expected)
        assert entry.rate == Decimal("0.125")


def test_two_level_split_of_one_fen():
    # 0.07 * 0.15 = 0.0105 -> 0.01 in total; quotas 1 fen * 10/15 = 0.667 and 1 * 5/15 = 0.333
    # -> the whole fen goes to level 1 (largest remainder), level 2 gets 0.00.
    entries = split_commission(PLAN, NET, "o1", "0.07", "carol")
    assert amounts_of(entries) == [("carol", 1, Decimal("0.01")), ("bob", 2, Decimal("0.00"))]
    # 0.01 * 0.15 = 0.0015 -> rounds to 0.00: both entries are zero, and say so.
    assert [e.amount for e in split_commission(PLAN, NET, "o2", "0.01", "carol")] == [
        Decimal("0.00"),
        Decimal("0.00"),
    ]


def test_cap_binds_and_deeper_levels_share_what_is_left():
    net = DistributorNetwork.from_edges(["a"], ["b"], users=["b"], ranks=[2])
    plan = CommissionPlan(level_rates=("0.10", "0.05"), rank_uplifts={2: "0.03"}, total_cap="0.15")
    entries = split_commission(plan, net, "o1", "100.00", "b")
    # b: 0.10 + 0.03 = 0.13; a: min(0.05, 0.15 - 0.13) = 0.02 -> 13.00 + 2.00 = 15.00 = cap.
    assert amounts_of(entries) == [("b", 1, Decimal("13.00")), ("a", 2, Decimal("2.00"))]
    assert entries[0].reason == "level 1; rank 2 uplift +0.03"
    assert entries[1].reason == "level 2; capped by total_cap 0.15"
    assert entries[1].rate == Decimal("0.02")


def test_rank_uplift_cannot_lift_the_total_above_the_cap():
    net = DistributorNetwork.from_edges(["a"], ["b"], users=["b"], ranks=[5])
    plan = CommissionPlan(level_rates=("0.10", "0.05"), rank_uplifts={5: "0.50"}, total_cap="0.20")
    entries = split_commission(plan, net, "o1", "80.00", "b")
    # b's nominal 0.60 is cut to the cap 0.20 -> 16.00; nothing is left for a.
    assert amounts_of(entries) == [("b", 1, Decimal("16.00"))]
    assert entries[0].reason == "level 1; rank 5 uplift +0.50; capped by total_cap 0.20"


def test_half_up_never_rounds_over_the_cap():
    net = DistributorNetwork.from_edges([], [], users=["kol"])
    plan = CommissionPlan(level_rates=("0.5",), total_cap="0.5", rounding="half_up")
    # 0.01 * 0.5 = 0.005 would round half-up to 0.01 > cap 0.005: the cap rounds it down.
    assert split_commission(plan, net, "o1", "0.01", "kol")[0].amount == Decimal("0.00")
    assert split_commission(plan, net, "o1", "0.03", "kol")[0].amount == Decimal("0.01")


def test_self_purchase_under_each_setting():
    earns = CommissionPlan(level_rates=("0.10", "0.05"), self_purchase_earns=True)
    skips = CommissionPlan(level_rates=("0.10", "0.05"), self_purchase_earns=False)
    # carol buys through her own link for 50.00.
    assert amounts_of(split_commission(earns, NET, "o1", "50.00", "carol", buyer="carol")) == [
        ("carol", 1, Decimal("5.00")),
        ("bob", 2, Decimal("2.50")),
    ]
    assert amounts_of(split_commission(skips, NET, "o1", "50.00", "carol", buyer="carol")) == [
        ("bob", 2, Decimal("2.50"))
    ]
    # Somebody else buying through carol's link is no self-purchase.
    assert len(split_commission(skips, NET, "o2", "50.00", "carol", buyer="zoe")) == 2


def test_upline_without_rights_unpaid_or_skipped():
    net = DistributorNetwork.from_edges(
        ["alice", "bob", "carol"], ["bob", "carol", "dave"], users=["carol"], has_rights=[False]
    )
    unpaid = CommissionPlan(level_rates=("0.10", "0.05"))
    skip = CommissionPlan(level_rates=("0.10", "0.05"), ineligible_upline="skip")
    assert amounts_of(split_commission(unpaid, net, "o1", "100", "dave")) == [
        ("dave", 1, Decimal("10.00"))
    ]
    assert amounts_of(split_commission(skip, net, "o1", "100", "dave")) == [
        ("dave", 1, Decimal("10.00")),
        ("bob", 2, Decimal("5.00")),
    ]


def test_category_rates_replace_the_level_rates():
    plan = CommissionPlan(level_rates=("0.10", "0.05"), category_rates={"food": ("0.02", "0.01")})
    food = split_commission(plan, NET, "o1", "100", "carol", category="food")
    assert [e.amount for e in food] == [Decimal("2.00"), Decimal("1.00")]


def test_plan_override_and_compliance_report():
    with pytest.raises(ComplianceError, match="公通字〔2013〕37号") as info:
        CommissionPlan(level_rates=("0.10", "0.05", "0.02"))
    assert "Criminal Law art. 224-1" in str(info.value)
    assert "allow_levels_beyond_compliance" in str(info.value)
    with pytest.raises(ComplianceError, match="'max_levels' is 3"):
        CommissionPlan(level_rates=("0.10",), max_levels=3)
    with pytest.raises(InvalidDefinitionError, match="'override_reason' must be a non-empty"):
        CommissionPlan(level_rates=("0.1",) * 3, max_levels=3, allow_levels_beyond_compliance=True)
    plan = CommissionPlan(
        level_rates=("0.10", "0.05", "0.02"),
        max_levels=3,
        allow_levels_beyond_compliance=True,
        override_reason="counsel approved 2024-03",
    )
    assert plan.override_reason == "counsel approved 2024-03"
    assert len(split_commission(plan, NET, "o1", "100", "dave")) == 3
    report = compliance_report(plan)
    status = {f.feature: f.status for f in report}
    assert status == {
        "depth": "beyond",
        "team_pay": "near",
        "headcount_pay": "absent",
        "entry_fee": "absent",
    }
    assert report.override_reason == "counsel approved 2024-03"
    near = compliance_report(
        CommissionPlan(
            level_rates=("0.1",), rank_uplifts={1: "0.02"}, rank_basis="recruits", entry_fee="99"
        )
    )
    assert {f.feature: f.status for f in near} == {
        "depth": "within",
        "team_pay": "absent",
        "headcount_pay": "near",
        "entry_fee": "near",
    }
    assert "not legal advice" in near._repr_html_()
    assert COMPLIANCE_MAX_LEVELS == 2


def test_plan_repr_html_and_round_trip():
    plan = CommissionPlan(
        level_rates=("0.10", "0.05"),
        category_rates={"food": ("0.02",)},
        rank_uplifts={1: "0.01"},
        binding="expires",
        binding_days=30,
    )
    assert CommissionPlan.from_dict(plan.to_dict()) == plan
    html = plan._repr_html_()
    assert "category food" in html and "expires (30 days)" in html
    assert repr(plan).startswith("CommissionPlan(levels=(0.10, 0.05)")


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"level_rates": (0.1,)}, "'level_rates\\[0\\]' must not be a float"),
        ({"level_rates": ("-0.1",)}, "'level_rates\\[0\\]' must be in \\[0, 1\\]"),
        ({"level_rates": ("1.2",)}, "'level_rates\\[0\\]' must be in \\[0, 1\\]"),
        ({"level_rates": ("0.15", "0.10"), "total_cap": "0.20"}, "must sum to <= total_cap"),
        (
            {"level_rates": ("0.1",), "category_rates": {"x": ("0.3",)}, "total_cap": "0.2"},
            "'category_rates\\['x'\\]' must sum to <= total_cap",
        ),
        ({"level_rates": ("0.1",), "rounding": "ceiling"}, "'rounding' must be one of"),
        ({"level_rates": ("0.1",), "binding": "expires"}, "'binding_days' must be an integer > 0"),
        ({"level_rates": ("0.1",), "binding_days": 3}, "'binding_days' applies only"),
        ({"level_rates": ("0.1",), "holding_days": -1}, "'holding_days' must be an integer >= 0"),
        ({"level_rates": ("0.1",), "min_payout": 1.0}, "'min_payout' must not be a float"),
        ({"level_rates": ("0.1",), "ineligible_upline": "x"}, "'ineligible_upline' must be one"),
        ({"level_rates": ()}, "'level_rates' must give at least one level"),
        # badly shaped fields of a plan file (from_dict of JSON): named, never a TypeError
        ({"level_rates": ("0.1",), "category_rates": 5}, "'category_rates' must map each cat"),
        ({"level_rates": ("0.1",), "category_rates": "ab"}, "'category_rates' must map each"),
        ({"level_rates": ("0.1",), "category_rates": [5]}, "'category_rates\\[0\\]' must be a"),
        (
            {"level_rates": ("0.1",), "category_rates": [["x", "0.1", "0.05"]]},
            "'category_rates\\[0\\]' must be a \\(category, rates\\) pair",
        ),
        ({"level_rates": ("0.1",), "rank_uplifts": 7}, "'rank_uplifts' must map each rank"),
        ({"level_rates": ("0.1",), "rank_uplifts": [[1]]}, "'rank_uplifts\\[0\\]' must be a"),
        ({"level_rates": ("0.1",), "rank_uplifts": [[1, "0.1"], [1, "0.2"]]}, "rank 1 twice"),
        ({"level_rates": ("0.1",), "override_reason": 5}, "'override_reason' must be a string"),
        ({"level_rates": ("0.1",), "min_payout": "1e999999"}, "'min_payout' must be an amount"),
        (
            {"level_rates": ("0.1",), "override_reason": ["approved"]},
            "'override_reason' must be a string saying why, or None \\(got \\['approved'\\]\\)",
        ),
    ],
)
def test_bad_plans(kwargs, message):
    with pytest.raises(InvalidDefinitionError, match=message):
        CommissionPlan(**kwargs)


def test_bad_orders_name_the_order():
    with pytest.raises(InvalidInputError, match="'amount' of order 'o7' must not be a float"):
        split_commission(PLAN, NET, "o7", 9.99, "carol")
    with pytest.raises(InvalidInputError, match="'amount' of order 'o7' must be >= 0"):
        split_commission(PLAN, NET, "o7", "-1.00", "carol")
    with pytest.raises(InvalidInputError, match="'amount' of order 'o7' must have at most 2"):
        split_commission(PLAN, NET, "o7", "1.001", "carol")
    with pytest.raises(InvalidInputError, match="'sharer' 'zed' of order 'o7' \\(row 0\\)"):
        split_commission(PLAN, NET, "o7", "1.00", "zed")
    orders = {"order_id": ["a1", "a2", "a3"], "amount": ["1", "2", "3"], "sharer": ["bob"] * 3}
    with pytest.raises(InvalidInputError, match="'sharer' 'zed' of order 'a3' \\(row 2\\)"):
        compute_commissions(PLAN, NET, {**orders, "sharer": ["bob", "bob", "zed"]})
    with pytest.raises(
        InvalidInputError, match=r"'amount' must not be floats \(got 1\.5 for order"
    ):
        compute_commissions(PLAN, NET, {**orders, "amount": [1.5, 2.0, 3.0]})
    with pytest.raises(InvalidInputError, match="'amount' of order 'a2' \\(row 1\\) must be >= 0"):
        compute_commissions(PLAN, NET, {**orders, "amount": ["1", "-2", "3"]})
    with pytest.raises(InvalidInputError, match="order 'a2' \\(row 1\\) must have at most 2"):
        compute_commissions(PLAN, NET, {**orders, "amount": ["1", "2.005", "3"]})
    with pytest.raises(InvalidInputError, match="order 'a2' \\(row 1\\) must have at most 2"):
        compute_commissions(PLAN, NET, {**orders, "amount": [Decimal(1), Decimal("2.005"), "3"]})
    with pytest.raises(InvalidInputError, match="'amount_minor' must be >= 0 \\(got -5 for order"):
        compute_commissions(
            PLAN, NET, {"order_id": ["a1"], "amount_minor": [-5], "sharer": ["bob"]}
        )
    with pytest.raises(InvalidInputError, match="exactly one of 'amount' and 'amount_minor'"):
        compute_commissions(PLAN, NET, {"order_id": ["a1"], "sharer": ["bob"]})


def test_network_errors():
    with pytest.raises(ReferralCycleError, match="upline cycle: 'a' -> 'b' -> 'c' -> 'a'") as info:
        DistributorNetwork.from_edges(["a", "b", "c", "x"], ["b", "c", "a", "y"])
    assert info.value.cycle == ("a", "b", "c")
    with pytest.raises(ReferralCycleError, match="'s' -> 's'"):
        DistributorNetwork.from_edges(["s"], ["s"])
    with pytest.raises(InvalidInputError, match="'b' has upline 'a' at row 0 and 'c' at row 1"):
        DistributorNetwork.from_edges(["a", "c"], ["b", "b"])
    with pytest.raises(InvalidInputError, match="'has_rights' must have the same length"):
        DistributorNetwork.from_edges(["a"], ["b"], users=["a", "b"], has_rights=[True])
    with pytest.raises(InvalidInputError, match="'users' must be unique"):
        DistributorNetwork.from_edges(["a"], ["b"], users=["a", "a"])


def test_network_cycle_detection_agrees_with_networkx():
    rng = np.random.default_rng(0)
    for _ in range(30):
        n = int(rng.integers(2, 12))
        parent = rng.integers(-1, n, size=n)
        ups = [int(p) for p in parent if p >= 0]
        downs = [i for i, p in enumerate(parent) if p >= 0]
        graph = nx.DiGraph(list(zip(ups, downs, strict=True)))
        has_cycle = not nx.is_directed_acyclic_graph(graph) if graph.number_of_nodes() else False
        if has_cycle:
            with pytest.raises(ReferralCycleError) as info:
                DistributorNetwork.from_edges(ups, downs)
            cyc = info.value.cycle
            assert all(graph.has_edge(cyc[i], cyc[(i + 1) % len(cyc)]) for i in range(len(cyc)))
        else:
            net = DistributorNetwork.from_edges(ups, downs)
            for node in graph.nodes:
                chain = net.chain(node, n + 1)
                assert set(chain[1:]) == nx.ancestors(graph, node)


# -- properties ------------------------------------------------------------------------------

RATES = st.sampled_from(["0", "0.01", "0.05", "0.1", "0.125", "0.15", "0.333", "0.5"])


@st.composite
def setups(draw):
    levels = draw(st.integers(1, 2))
    rates = [draw(RATES) for _ in range(levels)]
    need = sum(Decimal(r) for r in rates)
    cap = draw(st.sampled_from([c for c in ("0.2", "0.3", "0.5", "1") if Decimal(c) >= need]))
    uplifts = draw(st.dictionaries(st.integers(0, 2), RATES, max_size=2))
    plan = CommissionPlan(
        level_rates=rates,
        total_cap=cap,
        rounding=draw(st.sampled_from(["half_up", "half_even", "down"])),
        rank_uplifts=uplifts,
        self_purchase_earns=draw(st.booleans()),
        ineligible_upline=draw(st.sampled_from(["unpaid", "skip"])),
        category_rates={"c": [draw(RATES)]} if need <= Decimal(cap) - Decimal("0.5") else {},
    )
    n = draw(st.integers(1, 8))
    parents = [draw(st.integers(-1, i - 1)) for i in range(n)]
    ups = [p for p in parents if p >= 0]
    downs = [i for i, p in enumerate(parents) if p >= 0]
    users = list(range(n))
    net = DistributorNetwork.from_edges(
        ups,
        downs,
        users=users,
        has_rights=[draw(st.booleans()) for _ in users],
        ranks=[draw(st.integers(0, 2)) for _ in users],
    )
    m = draw(st.integers(1, 12))
    orders = {
        "order_id": list(range(100, 100 + m)),
        "amount_minor": [draw(st.integers(0, 10**7)) for _ in range(m)],
        "sharer": [draw(st.integers(0, n - 1)) for _ in range(m)],
        "buyer": [draw(st.integers(0, n + 2)) for _ in range(m)],
        "category": [draw(st.sampled_from(["c", "d"])) for _ in range(m)],
    }
    return plan, net, orders


def _hand_round(q: Fraction, rounding: str) -> Fraction:
    cents = q * 100
    lo = cents.numerator // cents.denominator
    frac = cents - lo
    up = frac > Fraction(1, 2) or (
        frac == Fraction(1, 2) and (rounding == "half_up" or lo % 2 == 1)
    )
    return Fraction(lo + (up and rounding != "down"), 100)


@FAST
@given(setup=setups())
def test_entries_are_exact_sum_to_the_rounded_total_and_respect_the_cap(setup):
    plan, net, orders = setup
    for oid, units, sharer, buyer, cat in zip(*orders.values(), strict=True):
        base = Decimal(units).scaleb(-2)
        entries = split_commission(plan, net, oid, base, sharer, buyer=buyer, category=cat)
        for e in entries:
            assert e.amount.as_tuple().exponent == -2 and e.amount >= 0
        total = sum((e.amount for e in entries), Decimal(0))
        rate = sum((Fraction(e.rate) for e in entries), Fraction(0))
        assert rate <= Fraction(plan.total_cap)
        exact = Fraction(base) * rate
        ceiling = Fraction(int(Fraction(base) * Fraction(plan.total_cap) * 100), 100)
        assert Fraction(total) == min(_hand_round(exact, plan.rounding), ceiling)
        assert Fraction(total) <= Fraction(base) * Fraction(plan.total_cap)
        # Each entry is within one fen of its exact share of the rounded total.
        for e in entries:
            assert abs(Fraction(e.amount) - Fraction(total) * Fraction(e.rate) / rate) < Fraction(
                1, 100
            )


@FAST
@given(setup=setups())
def test_batch_equals_the_per_order_function(setup):
    plan, net, orders = setup
    batch = compute_commissions(plan, net, orders)
    one_by_one = []
    for oid, units, sharer, buyer, cat in zip(*orders.values(), strict=True):
        one_by_one.extend(
            split_commission(
                plan, net, oid, Decimal(units).scaleb(-2), sharer, buyer=buyer, category=cat
            )
        )
    assert batch.to_entries() == tuple(one_by_one)
    assert [e.reason for e in batch.to_entries()] == [e.reason for e in one_by_one]
    assert batch.total() == sum((e.amount for e in one_by_one), Decimal(0))


def test_batch_accepts_strings_decimals_pandas_and_wide_amounts():
    pd = pytest.importorskip("pandas")

    orders = {"order_id": [1, 2], "amount": ["99.99", "0.07"], "sharer": ["carol", "dave"]}
    expected = compute_commissions(PLAN, NET, orders).to_entries()
    as_dec = {**orders, "amount": np.array([Decimal("99.99"), Decimal("0.07")], dtype=object)}
    assert compute_commissions(PLAN, NET, as_dec).to_entries() == expected
    assert compute_commissions(PLAN, NET, pd.DataFrame(orders)).to_entries() == expected
    # Amounts beyond the int64 fast path switch to Python integers and stay exact.
    big = {"order_id": [1], "amount_minor": [9 * 10**17], "sharer": ["carol"]}
    batch = compute_commissions(PLAN, NET, big)
    single = split_commission(PLAN, NET, 1, Decimal(9 * 10**17).scaleb(-2), "carol")
    assert batch.to_entries() == single
    assert "CommissionBatch (4 entries" in compute_commissions(PLAN, NET, orders)._repr_html_()


def test_reprs_html_and_edge_batches():
    assert repr(NET) == "DistributorNetwork(4 distributors, 3 with an upline, 4 with rights)"
    assert "<th>upline</th>" in NET._repr_html_()
    empty = compute_commissions(
        PLAN, NET, {"order_id": np.array([], dtype=int), "amount": [], "sharer": []}
    )
    assert len(empty) == 0 and empty.total() == Decimal("0.00") and empty.by_beneficiary() == {}
    leading_dot = {"order_id": [1], "amount": [".50"], "sharer": ["carol"]}
    assert compute_commissions(PLAN, NET, leading_dot).to_entries() == split_commission(
        PLAN, NET, 1, ".50", "carol"
    )
    (entry,) = split_commission(PLAN, DistributorNetwork.from_edges(
        [], [], users=["bob"]), "o1", "10.00", "bob")  # fmt: skip
    assert repr(entry) == "CommissionEntry('o1' -> 'bob', level 1, 1.00 = 0.10 x 10.00)"


def test_compliance_report_counts_the_organisation_not_just_the_paid_levels():
    plan = CommissionPlan(level_rates=("0.10", "0.05"))
    chain = DistributorNetwork.from_edges(list(range(39)), list(range(1, 40)))  # 40 deep
    small = DistributorNetwork.from_edges([0, 0], [1, 2])
    assert chain.depths().max() == 40 and small.depths().tolist() == [1, 2, 2]
    found = {f.feature: f for f in compliance_report(plan, chain)}
    assert found["organisation"].status == "near"
    assert ">= 3 levels and >= 30 participants" in found["organisation"].detail
    assert {f.feature: f.status for f in compliance_report(plan, small)}["organisation"] == "within"
    assert "organisation" not in {f.feature for f in compliance_report(plan)}


# -- one money engine, one id rule, one argument order ----------------------------------------


def test_per_order_path_rounds_and_allocates_with_the_money_functions(monkeypatch):
    import privtraffic.commission.split as split_module
    from privtraffic import money

    calls = []

    def spy(name, real):
        def wrapped(*args, **kwargs):
            calls.append(name)
            return real(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(split_module, "round_ratio", spy("round_ratio", money.round_ratio))
    monkeypatch.setattr(
        split_module, "allocate_minor_ints", spy("allocate_minor_ints", money.allocate_minor_ints)
    )
    entries = split_commission(PLAN, NET, "o1", "99.99", "carol")
    assert [e.amount for e in entries] == [Decimal("10.00"), Decimal("5.00")]
    # the total rounded with the plan's mode, the cap ceiling rounded down, one allocation
    assert calls == ["round_ratio", "round_ratio", "allocate_minor_ints"]


def test_old_argument_orders_still_work_with_a_deprecation_warning():
    orders = {"order_id": ["a1", "a2"], "amount": ["99.99", "0.07"], "sharer": ["carol", "dave"]}
    new_batch = compute_commissions(PLAN, NET, orders)
    with pytest.warns(
        DeprecationWarning, match=r"compute_commissions\(plan, network, orders\)"
    ) as w_batch:
        old_batch = compute_commissions(PLAN, orders, NET)
    assert old_batch.to_entries() == new_batch.to_entries()
    assert w_batch[0].filename == __file__
    new_entries = split_commission(PLAN, NET, "o1", "99.99", "carol", buyer="zoe")
    with pytest.warns(DeprecationWarning, match=r"split_commission\(plan, network, order_id") as w:
        old_entries = split_commission(PLAN, "o1", "99.99", "carol", NET, buyer="zoe")
    assert old_entries == new_entries
    assert w[0].filename == __file__  # stacklevel=2: the warning points at the caller
    with pytest.raises(InvalidInputError, match="'network' must be a DistributorNetwork"):
        split_commission(PLAN, "o1", "99.99", "carol", "not a network")
    with pytest.raises(InvalidInputError, match="'network' must be a DistributorNetwork"):
        compute_commissions(PLAN, orders, orders)


def test_the_new_argument_order_does_not_warn():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        split_commission(PLAN, NET, "o1", "1.00", "carol")
        compute_commissions(PLAN, NET, {"order_id": [1], "amount": ["1"], "sharer": ["bob"]})


def test_network_index_of_follows_the_one_rule_for_unknown_ids():
    assert NET.index_of(["dave", "alice"]).tolist() == [3, 0]
    assert NET.index_of(["dave", "zed"], "buyer", missing="mark").tolist() == [3, -1]
    with pytest.raises(
        InvalidInputError, match=r"'sharer' 'zed' of order 'o2' \(row 1\) is not in"
    ):
        NET.index_of(["dave", "zed"], labels=["o1", "o2"])
    with pytest.raises(InvalidInputError, match=r"'buyer' must be the same kind of id"):
        NET.index_of([7], "buyer", missing="mark")
    assert NET.position("carol") == 2 and NET.position("zed") == -1 and NET.position(2) == -1
    # the batch and the per-order path apply the same rule to buyers of the other kind
    skips = CommissionPlan(level_rates=("0.10",), self_purchase_earns=False)
    with pytest.raises(InvalidInputError, match=r"'buyer' must be the same kind of id"):
        split_commission(skips, NET, "o1", "1.00", "carol", buyer=7)
    with pytest.raises(InvalidInputError, match=r"'buyer' must be the same kind of id"):
        compute_commissions(
            skips, NET, {"order_id": [1], "amount": ["1"], "sharer": ["carol"], "buyer": [7]}
        )


def test_network_arrays_are_read_only_and_the_index_is_built_once():
    net = DistributorNetwork.from_edges(["a"], ["b"])
    for column in (net.users, net.upline, net.has_rights, net.rank):
        with pytest.raises(ValueError, match="read-only"):
            column[0] = column[0]
    index = net._index
    net.index_of(["a"]), net.position("b")
    assert net._index is index


def test_plan_and_network_json_forms_round_trip():
    plan = CommissionPlan(
        level_rates=("0.10", "0.05"), category_rates={"food": ("0.02",)}, min_payout="10"
    )
    data = plan.to_dict()
    assert data["category_rates"] == [("food", ["0.02"])] and data["min_payout"] == "10.00"
    assert CommissionPlan.from_dict(data) == plan
    net = DistributorNetwork.from_edges(["a"], ["b"], users=["b"], ranks=[2])
    again = DistributorNetwork.from_dict(net.to_dict())
    assert again.rank.tolist() == [0, 2] and again.upline.tolist() == [-1, 0]
    with pytest.raises(InvalidDefinitionError, match="lists category 'x' twice"):
        CommissionPlan(level_rates=("0.1",), category_rates=[("x", ("0.1",)), ("x", ("0.05",))])


def test_money_is_displayed_in_the_currency_of_the_plan():
    net = DistributorNetwork.from_edges([], [], users=["kol"])
    jpy = CommissionPlan(level_rates=("0.1",), currency="JPY", min_payout="1000")
    (entry,) = split_commission(jpy, net, "o1", "123456", "kol")
    assert entry.amount == Decimal("12346") and entry.currency == "JPY"
    assert repr(entry) == "CommissionEntry('o1' -> 'kol', level 1, 12,346 = 0.1 x 123,456)"
    batch = compute_commissions(
        jpy, net, {"order_id": [1], "amount": ["123456"], "sharer": ["kol"]}
    )
    assert repr(batch) == "CommissionBatch(1 entries from 1 orders, total ¥12,346)"
    assert "¥12,346" in batch._repr_html_() and "12346" not in batch._repr_html_()
    assert "¥1,000" in jpy._repr_html_()
    kwd = CommissionPlan(level_rates=("0.1",), currency="KWD", entry_fee="2.5")
    fee = {f.feature: f for f in compliance_report(kwd)}["entry_fee"]
    assert fee.detail == "distribution rights cost 2.500 KWD"
    usd = CommissionPlan(level_rates=("0.1",), currency="USD")
    batch = compute_commissions(
        usd, net, {"order_id": [1], "amount": ["99999.99"], "sharer": ["kol"]}
    )
    assert repr(batch).endswith("total $10,000.00)")
