"""The one-call paths a request handler takes give the batch paths' answers and errors.

``Machine.step`` reads one event with cheap scalar checks and compiled conditions,
``split_commission`` allocates in Python integers (``money.allocate_minor_ints``), and a KOC score
is a hash lookup (``KOCScores.score_of``, ``ReferralGraph.position``). Each is compared here with
the vectorised path on random inputs: the same numbers, and the same inputs refused.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from privtraffic._validation import as_datetime64
from privtraffic.commission import (
    CommissionPlan,
    DistributorNetwork,
    compute_commissions,
    split_commission,
)
from privtraffic.errors import InvalidInputError
from privtraffic.lifecycle import (
    Event,
    Machine,
    Tier,
    aipl,
    count,
    distinct_days,
    ever,
    latest,
    relationship_ladder,
    total,
)
from privtraffic.lifecycle.events import as_time
from privtraffic.money import (
    allocate_minor,
    allocate_minor_columns,
    allocate_minor_ints,
    allocate_minor_rows,
)
from privtraffic.referral import ReferralGraph
from support import examples

DAY = 86_400
ORIGIN = int(np.datetime64("2024-03-01", "s").view(np.int64))


def scheduled_sink() -> Machine:
    """Windows of several lengths, an upper bound, a windowed latest value, lifetime days, a
    sticky sum, a ratio, and scheduled demotion on two days of the month."""
    return Machine(
        "scalar_sink",
        kinds=("a", "b", "c"),
        tier_rules=[
            Tier("t0"),
            Tier("t1", when=(count("a", window_days=3) >= 1) & (count("b", window_days=5) < 2)),
            Tier("t2", when=(latest("c", window_days=4) >= 50) | (distinct_days("a") >= 3)),
            Tier(
                "t3",
                when=ever(total("b", window_days=6) >= 100)
                & (count("a", "c", window_days=2) / count("b", window_days=8) >= 0.5),
            ),
        ],
        refresh_days=(7, 21),
    )


MACHINES = {
    "ladder": relationship_ladder(window_days=5),
    "aipl": aipl(awareness_days=2, interest_days=4, purchase_days=6, loyalty_days=12),
    "scheduled_sink": scheduled_sink(),
}

# Values whose millionths sit on rounding ties (0.0000005) and near the accepted limit.
VALUES = st.one_of(
    st.sampled_from([0.0, 4.0, 50.0, 60.5, 199.0, -20.0, 2.5e-6, 3.5e-6, 1e12, -1e12]),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.integers(-(10**6), 10**6),
)


@st.composite
def histories(draw, machine):
    n = draw(st.integers(1, 30))
    kinds = draw(st.lists(st.sampled_from(machine.kinds), min_size=n, max_size=n))
    seconds = sorted(draw(st.lists(st.integers(0, 30 * DAY), min_size=n, max_size=n)))
    values = draw(st.lists(VALUES, min_size=n, max_size=n))
    with_ids = draw(st.booleans())
    return kinds, [ORIGIN + s for s in seconds], values, with_ids


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_step_by_step_equals_the_batch_classification_and_replay(name):
    """Stepping one event at a time (in memory, as a service keeps a state between calls)
    reaches the tier ``classify`` computes for the whole history, and the very state replay
    builds."""
    machine = MACHINES[name]

    @examples(25)
    @given(histories(machine))
    def check(history):
        kinds, seconds, values, with_ids = history
        ids = [f"e{i}" for i in range(len(kinds))] if with_ids else None
        # within an instant, in replay's order (kind, then id or value), so that the events
        # kept in a window are listed alike
        code = {k: i for i, k in enumerate(machine.kinds)}
        order = sorted(
            range(len(kinds)),
            key=lambda i: (
                seconds[i],
                code[kinds[i]],
                ids[i] if ids else round(float(values[i]) * 1e6),
            ),
        )
        kinds = [kinds[i] for i in order]
        values = [values[i] for i in order]
        ids = None if ids is None else [ids[i] for i in order]
        at = np.array([seconds[i] for i in order], dtype="datetime64[s]")
        state = machine.new_state("u")
        for i, (k, t, v) in enumerate(zip(kinds, at, values, strict=True)):
            state = machine.step(state, Event(k, t, v, None if ids is None else ids[i]))
        batch = machine.classify(
            ["u"] * len(kinds), kinds, at, [float(v) for v in values], ids, as_of=at[-1]
        )
        assert state.tier == batch.tiers[0]
        replayed = machine.replay(kinds, at, [float(v) for v in values], ids, user="u")
        assert state.facts == replayed.state.facts
        assert (state.tier, state.level, state.ever_now) == (
            replayed.state.tier,
            replayed.state.level,
            replayed.state.ever_now,
        )

    check()


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (Event("refund", "2024-01-01"), "unknown event kind 'refund' at index 0"),
        (Event(7, "2024-01-01"), "'kinds' must be strings"),  # type: ignore[arg-type]
        (Event("join", "2024-01-01", value=float("nan")), "'values' must be finite"),
        (Event("join", "2024-01-01", value=2e12), r"'values' must be at most 1e\+12"),
        (Event("join", "2024-01-01", value="5"), "'values' must be numbers"),  # type: ignore[arg-type]
        (Event("join", "2024-01-01", value=True), None),  # type: ignore[arg-type]
        (Event("join", "2024-01-01", event_id=1.5), "'event_id' must be strings or integers"),
        (Event("join", "2024-01-01", event_id=np.int64(3)), None),
        (Event("join", "2024-01-01", event_id=2.0), None),
    ],
)
def test_step_reads_an_event_by_the_rules_of_the_columns(event, message):
    """What one event's kind, value or id may be is what a column of them may hold: the same
    refusals, and the same reading of what is accepted (compared with replay's columns)."""
    machine = relationship_ladder()
    state = machine.new_state("u")
    if message is not None:
        with pytest.raises(InvalidInputError, match=message):
            machine.step(state, event)
        with pytest.raises(InvalidInputError, match=message.replace("event_id", "event_ids")):
            machine.replay(
                [event.kind],
                [event.at],
                [event.value],
                None if event.event_id is None else [event.event_id],
            )
        return
    stepped = machine.step(state, event)
    ids = None if event.event_id is None else [event.event_id]
    replayed = machine.replay([event.kind], [event.at], [event.value], ids, user="u")
    assert stepped.facts == replayed.state.facts and stepped.recent == replayed.state.recent


MOMENTS = st.one_of(
    st.datetimes(dt.datetime(1950, 1, 1), dt.datetime(2100, 1, 1)),
    st.dates(dt.date(1950, 1, 1), dt.date(2100, 1, 1)),
    st.datetimes(dt.datetime(1950, 1, 1), dt.datetime(2100, 1, 1)).map(
        lambda d: d.isoformat(sep=" ")
    ),
    st.datetimes(dt.datetime(1950, 1, 1), dt.datetime(2100, 1, 1)).map(
        lambda d: d.isoformat(timespec="minutes")
    ),
    st.integers(-(2**40), 2**40).map(lambda n: np.datetime64(n, "ms")),
    st.integers(-(2**50), 2**50).map(lambda n: np.datetime64(n, "ns")),
    st.sampled_from(["2024-02-30", "NaT", "", "yesterday", "2024-01-01T25:00"]),
    st.just(np.datetime64("NaT")),
)


@examples(300)
@given(MOMENTS)
@example("1969-12-31T23:59:59.5")  # a fraction before 1970 truncates to -1 s, as a column does
@example(dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))
def test_one_timestamp_is_read_as_a_column_of_them_is(moment):
    try:
        expected = int(as_datetime64(np.array([moment], dtype=object), "at").view(np.int64)[0])
    except InvalidInputError:
        with pytest.raises(InvalidInputError, match="'at' must be a timestamp"):
            as_time(moment, "at")
        return
    assert as_time(moment, "at") == expected


# --- money: the one largest-remainder rule, three evaluations ----------------------------


@st.composite
def allocation_rows(draw):
    k = draw(st.integers(1, 12))  # past allocate_minor_rows' column-wise limit of 8 parts
    big = draw(st.booleans())
    top = 10**30 if big else 50
    weights = draw(st.lists(st.integers(0, top), min_size=k, max_size=k))
    total = draw(st.integers(-(10**25), 10**25) if big else st.integers(-(10**6), 10**6))
    if sum(weights) == 0:
        total = 0
    return total, weights


@examples(400)
@given(allocation_rows())
@example((7, [2, 1, 0, 1]))  # two equal remainders
@example((-10, [1, 1, 1]))
@example((5, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]))  # ties past the 8-part limit
def test_integer_allocation_equals_the_array_rule(row):
    total, weights = row
    wide = abs(total) * max(weights) >= 2**62 or sum(weights) >= 2**62
    dtype = object if wide else np.int64
    rows = allocate_minor_rows(np.array([total], dtype=dtype), np.array([weights], dtype=dtype))
    got = allocate_minor_ints(total, weights)
    assert got == [int(p) for p in rows[0]]
    assert sum(got) == total
    if total >= 0:
        columns = allocate_minor_columns(
            np.array([total], dtype=dtype), [np.array([w], dtype=dtype) for w in weights]
        )
        assert got == [int(c[0]) for c in columns]
    if any(weights):
        assert allocate_minor(total, weights) == got


# --- commission: one order against the batch ---------------------------------------------

RATES = st.sampled_from(["0", "0.01", "0.03", "0.05", "0.1", "0.125"])


@st.composite
def order_setups(draw):
    rates = [draw(RATES) for _ in range(draw(st.integers(1, 2)))]
    need = sum(map(Decimal, rates)) + Decimal("0.05")
    plan = CommissionPlan(
        level_rates=rates,
        total_cap=draw(st.sampled_from([c for c in ("0.1", "0.2", "0.5") if Decimal(c) >= need])),
        rounding=draw(st.sampled_from(["half_up", "half_even", "down"])),
        rank_uplifts=draw(st.dictionaries(st.integers(1, 2), RATES, max_size=2)),
        self_purchase_earns=draw(st.booleans()),
        ineligible_upline=draw(st.sampled_from(["unpaid", "skip"])),
    )
    n = draw(st.integers(1, 8))
    parents = [draw(st.integers(-1, i - 1)) for i in range(n)]
    users = [f"d{i}" for i in range(n)]
    net = DistributorNetwork.from_edges(
        [users[p] for p in parents if p >= 0],
        [users[i] for i, p in enumerate(parents) if p >= 0],
        users=users,
        has_rights=[draw(st.booleans()) for _ in users],
        ranks=[draw(st.integers(0, 2)) for _ in users],
    )
    cents = draw(st.integers(0, 10**9))
    amount = draw(
        st.sampled_from(
            [f"{cents // 100}.{cents % 100:02d}", Decimal(cents).scaleb(-2), cents // 100]
        )
    )
    sharer = users[draw(st.integers(0, n - 1))]
    buyer = draw(st.sampled_from([None, *users, "outsider"]))
    return plan, net, amount, sharer, buyer


@examples(150)
@given(order_setups())
def test_one_order_equals_the_batch(setup):
    plan, net, amount, sharer, buyer = setup
    one = split_commission(plan, net, "o1", amount, sharer, buyer=buyer)
    orders = {"order_id": ["o1"], "amount": [amount], "sharer": [sharer]}
    if buyer is not None:
        orders["buyer"] = [buyer]
    batch = compute_commissions(plan, net, orders).to_entries()
    assert list(one) == list(batch)
    assert sum(e.amount for e in one) <= Decimal(amount) * plan.total_cap


@examples(40)
@given(order_setups(), st.integers(0, 10**7), st.integers(1, 3))
def test_orders_on_one_plan_and_network_equal_the_batch(setup, cents, kept):
    """split_commission keeps each sharer's levels on the network (per plan, category and
    buyer); many orders on the same objects, with that memo held to ``kept`` sharers so it is
    filled, read and emptied again, give the batch's entries order by order."""
    from privtraffic.commission import split as split_module

    plan, net, _, _, _ = setup
    plan = attrs.evolve(plan, category_rates={"food": [plan.level_rates[0]]})
    users = net.users.tolist()
    orders = []
    for i in range(3 * len(users)):
        sharer, buyer = users[i % len(users)], users[(i * 7) % len(users)]
        amount = f"{(cents + 37 * i) // 100}.{(cents + 37 * i) % 100:02d}"
        orders.append((f"o{i}", amount, sharer, buyer, ["food", "toys"][i % 2]))
    original = split_module._MEMO_KEPT
    split_module._MEMO_KEPT = kept
    try:
        ones = [
            split_commission(plan, net, oid, amount, sharer, buyer=buyer, category=category)
            for oid, amount, sharer, buyer, category in orders * 2
        ]
    finally:
        split_module._MEMO_KEPT = original
    assert len(net._split_memo) <= kept
    names = ["order_id", "amount", "sharer", "buyer", "category"]
    columns = {k: list(v) for k, v in zip(names, zip(*orders, strict=True), strict=True)}
    batch = compute_commissions(plan, net, columns).to_entries()
    assert [e for one in ones[: len(orders)] for e in one] == list(batch)
    assert ones[len(orders) :] == ones[: len(orders)]


@pytest.mark.parametrize(
    "amount",
    ["12.5", " 12.50\n", Decimal("12.500"), 12, "-0.00", "1_000.5", Decimal("1E+2"), "0"],
)
def test_one_order_reads_an_amount_as_money_as_amount_does(amount):
    from privtraffic.money import as_amount

    plan = CommissionPlan(level_rates=("0.1",))
    net = DistributorNetwork.from_edges([], [], users=["d0"])
    (entry,) = split_commission(plan, net, "o1", amount, "d0")
    expected = as_amount(amount, "amount", currency=plan.currency)
    assert (entry.base, str(entry.base)) == (expected, str(expected))


@pytest.mark.parametrize(
    ("amount", "sharer", "message"),
    [
        (9.99, "d0", "'amount' of order 'o1' must not be a float"),
        ("1.005", "d0", "at most 2 decimal places"),
        ("-1", "d0", "must be >= 0"),
        ("1.00", "nobody", "'sharer' 'nobody' of order 'o1'"),
        ("1.00", 3, "same kind of id"),
    ],
)
def test_one_order_refuses_what_the_batch_refuses(amount, sharer, message):
    plan = CommissionPlan(level_rates=("0.1",))
    net = DistributorNetwork.from_edges([], [], users=["d0"])
    with pytest.raises(InvalidInputError, match=message):
        split_commission(plan, net, "o1", amount, sharer)
    with pytest.raises(InvalidInputError):
        compute_commissions(plan, net, {"order_id": ["o1"], "amount": [amount], "sharer": [sharer]})


# --- referral: a score by user id ----------------------------------------------------------


@st.composite
def scored_graphs(draw):
    n = draw(st.integers(1, 25))
    strings = draw(st.booleans())
    ids = sorted(set(draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n))))
    users = [f"u{i}" for i in ids] if strings else ids
    parents = [draw(st.integers(-1, i - 1)) for i in range(len(users))]
    graph = ReferralGraph.from_edges(
        [users[p] for p in parents if p >= 0],
        [users[i] for i, p in enumerate(parents) if p >= 0],
        users=users,
    )
    m = draw(st.integers(1, 40))
    buyers = [users[draw(st.integers(0, len(users) - 1))] for _ in range(m)]
    values = [draw(st.floats(0, 1000)) for _ in range(m)]
    probes = draw(
        st.lists(
            st.one_of(
                st.sampled_from(users),
                st.integers(-5, 10**6 + 5),
                st.text(max_size=4),
                st.sampled_from([None, True, 2.0, 2.5, float("nan"), np.int64(ids[0])]),
            ),
            max_size=8,
        )
    )
    return graph, graph.koc_scores(buyers, values), probes


@examples(100)
@given(scored_graphs())
def test_score_lookup_equals_the_batch_lookup(case):
    graph, table, probes = case
    for user in [*table.user.tolist()[:5], *probes]:
        try:
            i = int(graph.index_of([user], "user", missing="mark")[0])
        except InvalidInputError:
            with pytest.raises(InvalidInputError):
                graph.position(user, missing="mark")
            with pytest.raises(InvalidInputError):
                table.score_of(user)
            continue
        assert graph.position(user, missing="mark") == i
        if i < 0:
            with pytest.raises(InvalidInputError, match="is not in the graph"):
                table.score_of(user)
            with pytest.raises(InvalidInputError, match="is not in the graph"):
                graph.position(user)
            continue
        assert table.score_of(user) == float(table["score"][i])
        assert table.row(user) == {k: v[i].item() for k, v in table.columns().items()}
    board = table.leaderboard(5)  # rows in score order: looked up by id all the same
    for user in board.user.tolist():
        assert board.score_of(user) == table.score_of(user)
    assert board.metadata() == table.metadata()  # the lookup index is not metadata


def test_score_table_shares_the_graphs_index():
    graph = ReferralGraph.from_edges(["a", "a"], ["b", "c"])
    table = graph.koc_scores(["a", "b"], [5.0, 1.0])
    assert table._rows[0] is graph._ids  # one hash table per graph, not one per table
    with pytest.raises(InvalidInputError, match="'missing' must be 'raise' or 'mark'"):
        graph.position("a", missing="ignore")  # type: ignore[arg-type]


def test_score_lookup_in_a_table_that_repeats_a_user_raises():
    graph = ReferralGraph.from_edges(["a"], ["b"])
    table = graph.koc_scores(["a", "b"], [5.0, 1.0])
    twice = table._take(np.array([1, 0, 1]))  # 'b' twice: no one row to read its score from
    with pytest.raises(InvalidInputError, match="'user' repeats 'b'"):
        twice.score_of("b")
    with pytest.raises(InvalidInputError, match="'user' repeats 'b'"):
        twice.score_of("a")
    assert table.score_of("a") == float(table.score[0])
