"""privtraffic.commission.Ledger: holding period, refunds, clawbacks, idempotent replay."""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from privtraffic.commission import (
    CommissionPlan,
    DistributorNetwork,
    Ledger,
    OrderPlaced,
    OrderSettled,
    Payout,
    Refund,
    split_commission,
)
from privtraffic.errors import InvalidInputError
from support import examples

FAST = examples(40)
D = Decimal
NET = DistributorNetwork.from_edges(["alice"], ["bob"])
PLAN = CommissionPlan(level_rates=("0.10", "0.05"), holding_days=7)


def day(d: int) -> str:
    return str(np.datetime64("2024-05-01") + np.timedelta64(d - 1, "D"))


def test_refund_after_payout_becomes_a_clawback_offset_against_later_earnings():
    ledger = Ledger(PLAN, NET).record(
        OrderPlaced("o1", day(1), "200.00", "bob"),  # bob 20.00, alice 10.00
        OrderSettled("o1", day(3)),  # payable from day 10
        Payout("p1", "bob", day(10)),  # bob paid 20.00
        Refund("r1", "o1", day(12), "100.00"),  # bob's commission now 10.00: 10.00 clawed back
    )
    bob = ledger.balance("bob")
    assert (bob.pending, bob.payable, bob.paid, bob.clawback_due) == (
        D("0.00"),
        D("0.00"),
        D("20.00"),
        D("10.00"),
    )
    # alice was never paid: her 10.00 payable is reversed down to 5.00, no clawback.
    alice = ledger.balance("alice")
    assert (alice.payable, alice.clawback_due) == (D("5.00"), D("0.00"))
    # Later earnings of 5.00 are kept back against the clawback; nothing is paid out.
    ledger.record(
        OrderPlaced("o2", day(15), "50.00", "bob"),
        OrderSettled("o2", day(16)),
        Payout("p2", "bob", day(31)),
    )
    bob = ledger.balance("bob")
    assert (bob.payable, bob.paid, bob.clawback_due) == (D("0.00"), D("20.00"), D("5.00"))
    statement = ledger.statement("bob", day(1), day(32))
    # opening 0 + earned 25.00 - reversed 0 - clawed back 10.00 - paid 20.00 = -5.00 owed.
    assert (statement.earned, statement.clawed_back, statement.paid) == (
        D("25.00"),
        D("10.00"),
        D("20.00"),
    )
    assert statement.closing == D("-5.00") == bob.owed


def test_holding_period_runs_from_settlement_in_business_time():
    ledger = Ledger(PLAN, NET).record(
        OrderPlaced("o1", day(1), "100.00", "bob"), OrderSettled("o1", day(5))
    )
    assert ledger.balance("bob", as_of=day(11)).payable == D("0.00")
    assert ledger.balance("bob", as_of=day(11)).pending == D("10.00")
    assert ledger.balance("bob", as_of=day(12)).payable == D("10.00")
    # Without a settlement nothing ever becomes payable.
    unsettled = Ledger(PLAN, NET).record(OrderPlaced("o1", day(1), "100.00", "bob"))
    assert unsettled.balance("bob", as_of="2030-01-01").payable == D("0.00")
    # A payout before the end of the holding period pays nothing.
    ledger.record(Payout("early", "bob", day(8)))
    assert ledger.balance("bob").paid == D("0.00")


def test_refund_before_payout_reduces_pending_and_full_refund_nets_to_zero():
    ledger = Ledger(PLAN, NET).record(
        OrderPlaced("o1", day(1), "99.99", "bob"),
        Refund("r1", "o1", day(2), "33.33"),
        Refund("r2", "o1", day(3), "66.66"),
    )
    for who in ("alice", "bob"):
        b = ledger.balance(who)
        assert (b.pending, b.payable, b.paid, b.clawback_due) == (D("0.00"),) * 4


def test_minimum_payout_and_explicit_amounts():
    plan = CommissionPlan(level_rates=("0.10",), holding_days=0, min_payout="5.00")
    net = DistributorNetwork.from_edges([], [], users=["kol"])
    ledger = Ledger(plan, net).record(
        OrderPlaced("o1", day(1), "30.00", "kol"),
        OrderSettled("o1", day(1)),
        Payout("p1", "kol", day(2)),  # 3.00 payable < 5.00: waits
    )
    assert ledger.balance("kol").payable == D("3.00")
    ledger.record(OrderPlaced("o2", day(3), "30.00", "kol"), OrderSettled("o2", day(3)))
    ledger.record(Payout("p2", "kol", day(4), "5.00"))
    assert (ledger.balance("kol").paid, ledger.balance("kol").payable) == (D("5.00"), D("1.00"))
    with pytest.raises(InvalidInputError, match=r"payout 'p3' of 2\.00 to 'kol' is larger than"):
        ledger.record(Payout("p3", "kol", day(5), "2.00"))
    assert all(e.key != ("payout", "p3") for e in ledger.events)  # refused events are not kept


def test_idempotency_and_conflicting_ids():
    events = [
        OrderPlaced("o1", day(1), "10.00", "bob"),
        Refund("r1", "o1", day(2), "4.00"),
    ]
    ledger = Ledger(PLAN, NET).record(*events).record(*events)
    assert len(ledger.events) == 2
    assert ledger.balance("bob").pending == D("0.60")
    with pytest.raises(InvalidInputError, match="refund id 'r1' was already recorded"):
        ledger.record(Refund("r1", "o1", day(2), "5.00"))
    with pytest.raises(InvalidInputError, match="order id 'o1' was already recorded"):
        ledger.record(OrderPlaced("o1", day(1), "11.00", "bob"))


def test_bad_events_name_the_order():
    ledger = Ledger(PLAN, NET).record(OrderPlaced("o1", day(2), "10.00", "bob"))
    with pytest.raises(InvalidInputError, match="refund 'r9' of order 'o1' is larger than what"):
        ledger.record(Refund("r9", "o1", day(3), "10.01"))
    with pytest.raises(InvalidInputError, match="refers to order 'o404', which is not recorded"):
        ledger.record(Refund("r1", "o404", day(3), "1.00"))
    with pytest.raises(InvalidInputError, match="dated before its order 'o1'"):
        ledger.record(OrderSettled("o1", day(1)))
    with pytest.raises(InvalidInputError, match="'sharer' 'zed' of order 'o2'"):
        ledger.record(OrderPlaced("o2", day(3), "1.00", "zed"))
    with pytest.raises(InvalidInputError, match="'amount' of order 'o3' must not be a float"):
        OrderPlaced("o3", day(3), 1.5, "bob")
    with pytest.raises(InvalidInputError, match="'amount' of order 'o3' must be >= 0"):
        OrderPlaced("o3", day(3), "-1.00", "bob")
    with pytest.raises(InvalidInputError, match="'amount' of refund 'r3' must have at most 2"):
        ledger.record(Refund("r3", "o1", day(3), "0.001"))
    with pytest.raises(InvalidInputError, match="'amount' of order 'o4' must have at most 2"):
        ledger.record(OrderPlaced("o4", day(3), "1.001", "bob"))
    with pytest.raises(InvalidInputError, match="'amount' of payout 'p4' must have at most 2"):
        ledger.record(Payout("p4", "bob", day(3), "0.001"))
    # A failing call keeps none of its events, even the valid ones before the bad one.
    with pytest.raises(InvalidInputError):
        ledger.record(OrderPlaced("o5", day(3), "1.00", "bob"), Refund("rx", "o5", day(4), "2"))
    assert [e.key for e in ledger.events] == [("order", "o1")]
    ledger.record(Refund("r4", "o1", day(3), "10.00"))  # the whole order can still be refunded


def test_json_lines_round_trip_is_exact():
    plan = CommissionPlan(level_rates=("0.125", "0.05"), rank_uplifts={1: "0.01"}, min_payout="1")
    net = DistributorNetwork.from_edges([1, 2], [2, 3], users=[2], ranks=[1])
    ledger = Ledger(plan, net).record(
        OrderPlaced(10, day(1), "99.99", 3, buyer=7, category="food"),
        OrderSettled(10, day(2)),
        Refund("r", 10, day(3), "0.01"),
        Payout("p", 3, day(20)),
        Payout("q", 2, day(20), "0.00"),
    )
    text = ledger.to_jsonl()
    again = Ledger.from_jsonl(text)
    assert again.to_jsonl() == text
    assert again.balances() == ledger.balances()
    assert again.plan == plan and again.events == ledger.events
    assert '"amount": "99.99"' in text
    header = json.loads(text.splitlines()[0])
    bonus = '{"event": "bonus"}'
    header.update(events=1, checksum="sha256:" + hashlib.sha256(f"{bonus}\n".encode()).hexdigest())
    with pytest.raises(InvalidInputError, match="line 2: unknown event kind 'bonus'"):
        Ledger.from_jsonl(json.dumps(header) + "\n" + bonus + "\n")


# -- properties ------------------------------------------------------------------------------


@st.composite
def histories(draw):
    """A causal event history over a small network, in time order."""
    n = draw(st.integers(1, 5))
    parents = [draw(st.integers(-1, i - 1)) for i in range(n)]
    net = DistributorNetwork.from_edges(
        [p for p in parents if p >= 0],
        [i for i, p in enumerate(parents) if p >= 0],
        users=list(range(n)),
    )
    plan = CommissionPlan(
        level_rates=(draw(st.sampled_from(["0.1", "0.125", "0.33"])), "0.05"),
        holding_days=draw(st.integers(0, 5)),
        rounding=draw(st.sampled_from(["half_up", "half_even", "down"])),
    )
    events: list = []
    t = 0
    for k in range(draw(st.integers(1, 5))):
        amount = draw(st.integers(0, 50_000))
        t += draw(st.integers(0, 3))
        oid = f"o{k}"
        events.append(
            OrderPlaced(oid, day(1 + t), D(amount).scaleb(-2), draw(st.integers(0, n - 1)))
        )
        if draw(st.booleans()):
            events.append(OrderSettled(oid, day(1 + t + draw(st.integers(0, 3)))))
        left = amount
        for j in range(draw(st.integers(0, 3))):
            if left == 0:
                break
            part = draw(st.integers(1, left))
            left -= part
            events.append(
                Refund(f"{oid}r{j}", oid, day(1 + t + draw(st.integers(0, 15))), D(part).scaleb(-2))
            )
    for j in range(draw(st.integers(0, 4))):
        events.append(
            Payout(f"p{j}", draw(st.integers(0, n - 1)), day(1 + draw(st.integers(0, 25))))
        )
    return plan, net, events


def _causal_shuffle(events, rng):
    """A random order in which every settlement and refund still follows its order, and every
    payout follows all orders and settlements; refunds may come after payouts dated later
    (back-dated refunds), payouts in any order among themselves."""
    orders = [e for e in events if isinstance(e, OrderPlaced)]
    settled = [e for e in events if isinstance(e, OrderSettled)]
    late = [e for e in events if isinstance(e, (Refund, Payout))]
    rng.shuffle(orders)
    rng.shuffle(late)
    out = list(orders)
    for e in settled:
        placed = next(i for i, x in enumerate(out) if x.order_id == e.order_id)
        out.insert(rng.randint(placed + 1, len(out)), e)
    return out + late


@FAST
@given(history=histories(), seed=st.integers(0, 2**16))
def test_replaying_a_shuffled_causal_log_gives_the_same_balances(history, seed):
    plan, net, events = history
    reference = Ledger(plan, net).record(*sorted(events, key=lambda e: e.at))
    # "all payable" payouts are recorded with the cash they paid; replaying the recorded log
    # in any causal order (back-dated refunds after payouts included) gives the same balances.
    replay = Ledger(plan, net)
    for event in _causal_shuffle(list(reference.events), random.Random(seed)):
        replay.record(event)
        replay.record(event)  # twice: applied once
    assert replay.balances() == reference.balances()
    assert replay.balances(day(10)) == reference.balances(day(10))
    assert Ledger.from_jsonl(replay.to_jsonl()).balances() == reference.balances()


def test_a_payout_of_all_payable_keeps_the_cash_it_paid():
    plan = CommissionPlan(level_rates=("0.10",), holding_days=0)
    net = DistributorNetwork.from_edges([], [], users=["kol"])
    ledger = Ledger(plan, net).record(
        OrderPlaced("o1", day(1), "100.00", "kol"),
        OrderSettled("o1", day(1)),
        Payout("p1", "kol", day(5)),
    )
    assert [e.amount for e in ledger.events if isinstance(e, Payout)] == [D("10.00")]
    # An order recorded later but dated before the payout does not change what it paid.
    ledger.record(OrderPlaced("o0", day(2), "50.00", "kol"), OrderSettled("o0", day(2)))
    kol = ledger.balance("kol")
    assert (kol.paid, kol.payable) == (D("10.00"), D("5.00"))
    ledger.record(Payout("p1", "kol", day(5)))  # the same request again: a no-op
    assert len(ledger.events) == 5


@FAST
@given(history=histories())
def test_every_order_fully_refunded_nets_each_beneficiary_to_zero(history):
    plan, net, events = history
    ledger = Ledger(plan, net).record(*events)
    refunded = defaultdict(D)
    for e in events:
        if isinstance(e, Refund):
            refunded[e.order_id] += e.amount
    full = {
        e.order_id
        for e in events
        if isinstance(e, OrderPlaced) and refunded[e.order_id] == e.amount
    }
    net_by = defaultdict(int)
    for p in ledger.journal():
        if p.ref in full and p.kind in ("earned", "reversed", "clawed_back"):
            net_by[(p.distributor, p.ref)] += (
                p.amount_minor if p.kind == "earned" else -p.amount_minor
            )
    assert all(v == 0 for v in net_by.values())
    # The statement identity holds for everyone over any window.
    for s in ledger.statements(day(3), day(12)):
        b = ledger.balances(str(np.datetime64(day(12)) - np.timedelta64(1, "s")))[s.distributor]
        assert s.closing == b.owed
        assert (s.pending, s.payable, s.clawback_due) == (b.pending, b.payable, b.clawback_due)


@FAST
@given(
    amount=st.integers(1, 100_000),
    cuts=st.lists(st.integers(1, 1000), min_size=1, max_size=4),
    seed=st.integers(0, 2**16),
    paid_between=st.booleans(),
)
def test_partial_refunds_in_any_order_net_like_one_refund_of_their_sum(
    amount, cuts, seed, paid_between
):
    net = DistributorNetwork.from_edges([0, 1], [1, 2])
    plan = CommissionPlan(level_rates=("0.125", "0.05"), holding_days=0, rounding="half_even")
    weights = [c / sum(cuts) for c in cuts]
    parts = [int(amount * w) for w in weights]
    parts[0] += amount - sum(parts)  # the parts sum to the whole order
    parts = [p for p in parts if p > 0]
    rng = random.Random(seed)
    rng.shuffle(parts)
    head = [OrderPlaced("o", day(1), D(amount).scaleb(-2), 2), OrderSettled("o", day(1))]
    middle = [Payout("p", 2, day(2))] if paid_between else []
    many = Ledger(plan, net).record(
        *head, *middle,
        *(Refund(f"r{i}", "o", day(3 + i), D(p).scaleb(-2)) for i, p in enumerate(parts)),
    )  # fmt: skip
    one = Ledger(plan, net).record(
        *head, *middle, Refund("r", "o", day(3 + len(parts)), D(sum(parts)).scaleb(-2))
    )
    for who in (0, 1, 2):
        a, b = many.balance(who), one.balance(who)
        assert a == b
        assert a.owed + a.paid == 0  # fully refunded: nothing earned in the end
    # And a partial set of refunds nets like one refund of their sum.
    if len(parts) > 1:
        some = Ledger(plan, net).record(
            *head,
            *(Refund(f"r{i}", "o", day(3), D(p).scaleb(-2)) for i, p in enumerate(parts[:-1])),
        )
        remaining = D(amount - sum(parts[:-1])).scaleb(-2)
        expected = {e.beneficiary: e.amount for e in split_commission(plan, net, "o", remaining, 2)}
        for who, value in expected.items():
            assert some.balance(who).owed == value


def test_ledger_and_statement_display():
    ledger = Ledger(PLAN, NET).record(OrderPlaced("o1", day(1), "10.00", "bob"))
    assert repr(ledger).endswith("1 events: 1 orders, 0 refunds, 0 payouts)")
    assert "<th>pending</th>" in ledger._repr_html_()
    s = ledger.statement("bob", day(1), day(2))
    assert "<th>clawed back</th>" in s._repr_html_()
    assert s.as_row()[:3] == ("bob", "0.00", "1.00")
    with pytest.raises(InvalidInputError, match="'end' must be >= 'start'"):
        ledger.statements(day(2), day(1))
    with pytest.raises(InvalidInputError, match="'distributor' 'zed'"):
        ledger.balance("zed")


def test_the_journal_and_everything_else_the_ledger_hands_out_is_immutable():
    import attrs

    from privtraffic.commission import Deltas, Posting

    ledger = Ledger(PLAN, NET).record(
        OrderPlaced("o1", day(1), "200.00", "bob"),
        OrderSettled("o1", day(3)),
        Payout("p1", "bob", day(10)),
    )
    before = ledger.balances()
    journal = ledger.journal()
    assert isinstance(journal, tuple) and all(isinstance(p, Posting) for p in journal)
    posting = journal[0]
    assert posting.deltas == Deltas(pending=2000)
    for name, value in (("amount_minor", 1), ("kind", "paid"), ("deltas", Deltas(paid=1))):
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(posting, name, value)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        posting.deltas.pending = 0
    with pytest.raises(TypeError):
        journal[0] = posting
    with pytest.raises(AttributeError):
        ledger.plan = CommissionPlan(level_rates=("0.5",))
    with pytest.raises(AttributeError):
        ledger.network = DistributorNetwork.from_edges([], [], users=["bob"])
    with pytest.raises(ValueError, match="read-only"):
        ledger.network.upline[1] = -1
    with pytest.raises(ValueError, match="read-only"):
        ledger.network.has_rights[0] = False
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        ledger.balance("bob").paid = D("0")
    with pytest.raises(AttributeError):
        ledger.events.append(Payout("p2", "bob", day(11)))
    assert ledger.journal() == journal and ledger.balances() == before
    with pytest.raises(ValueError, match="must be in"):
        Posting(np.datetime64("2024-05-01"), "bob", "bonus", 1, "o1", Deltas())


def test_postings_name_their_deltas():
    ledger = Ledger(PLAN, NET).record(
        OrderPlaced("o1", day(1), "200.00", "bob"),
        OrderSettled("o1", day(3)),
        Payout("p1", "bob", day(10)),
        Refund("r1", "o1", day(12), "100.00"),
    )
    bob = [(p.kind, p.amount_minor, p.deltas) for p in ledger.journal() if p.distributor == "bob"]
    from privtraffic.commission import Deltas

    assert bob == [
        ("earned", 2000, Deltas(pending=2000)),
        ("matured", 2000, Deltas(pending=-2000, payable=2000)),
        ("paid", 2000, Deltas(payable=-2000, paid=2000)),
        ("clawed_back", 1000, Deltas(clawback=1000)),
    ]
