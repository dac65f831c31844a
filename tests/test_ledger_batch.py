"""Batched recording gives exactly what recording event by event gives; the fold's checkpoints
(partial refolds of back-dated events, a refused batch taken back) give exactly what a fold
from the start gives; the fast JSON writers give exactly ``json.dumps``.

The batched path splits the commission of a run of orders in one vectorised
``compute_commissions`` call and the refunds of a run in one ``allocate_minor_rows`` call; the
event-by-event path splits each order on its own (``served_levels``, ``level_amounts_minor``).
The peers here are that per-event path, ``split_commission`` over ``Ledger.network_at`` and a
fold of the whole log in one pass.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from privtraffic.commission import (
    Balance,
    CommissionPlan,
    CustomerBound,
    DistributorJoined,
    DistributorNetwork,
    Ledger,
    OrderPlaced,
    OrderSettled,
    Payout,
    RankChanged,
    Refund,
    RightsGranted,
    RightsRevoked,
    SQLiteLedgerStore,
    journal,
    split_commission,
)
from privtraffic.commission.events import event_key, event_to_json, event_to_row
from privtraffic.commission.statement import Balances
from privtraffic.errors import InvalidInputError
from support import examples

D = Decimal
T0 = np.datetime64("2025-03-01T00:00:00")


def at(minutes: int) -> np.datetime64:
    return T0 + np.timedelta64(minutes, "m")


# -- random shops --------------------------------------------------------------------------------


@st.composite
def plans(draw):
    levels = draw(st.integers(1, 3))
    rates = draw(
        st.lists(
            st.sampled_from(["0.1", "0.05", "0.125", "0.033", "0.2"]),
            min_size=levels,
            max_size=levels,
        )
    )
    binding = draw(st.sampled_from(["first_wins", "rebind", "expires"]))
    deep = (
        {"allow_levels_beyond_compliance": True, "override_reason": "test", "max_levels": 3}
        if levels > 2
        else {}
    )
    return CommissionPlan(
        level_rates=tuple(rates),
        rank_uplifts=draw(st.sampled_from([{}, {1: "0.02"}, {1: "0.01", 2: "0.03"}])),
        category_rates=draw(st.sampled_from([{}, {"food": ("0.02",) * levels}])),
        total_cap=draw(st.sampled_from(["1", str(sum(D(r) for r in rates))])),  # caps uplifts
        rounding=draw(st.sampled_from(["half_up", "half_even", "down"])),
        ineligible_upline=draw(st.sampled_from(["unpaid", "skip"])),
        self_purchase_earns=draw(st.booleans()),
        holding_days=draw(st.integers(0, 2)),
        min_payout=draw(st.sampled_from(["0", "1.00"])),
        binding=binding,
        binding_days=2 if binding == "expires" else None,
        **deep,
    )


@st.composite
def shops(draw, min_orders: int = 30, max_orders: int = 70):
    """A plan, a starting network and a causal event stream in time order: joinings, rights
    and rank changes, bindings, orders (with or without a sharer, categories, self-purchases),
    settlements, partial refunds and 'all payable' payouts (which are never refused)."""
    plan = draw(plans())
    n0 = draw(st.integers(1, 6))
    parents = [draw(st.integers(-1, i - 1)) for i in range(n0)]
    net = DistributorNetwork.from_edges(
        [p for p in parents if p >= 0],
        [i for i, p in enumerate(parents) if p >= 0],
        users=list(range(n0)),
        has_rights=[draw(st.booleans()) or i == 0 for i in range(n0)],
        ranks=[draw(st.integers(0, 2)) for _ in range(n0)],
    )
    members = list(range(n0))
    events: list = []
    timed: list[tuple[int, int, object]] = []  # (minute, tie, event) for later events
    t = 0
    n_orders = draw(st.integers(min_orders, max_orders))
    for k in range(n_orders):
        t += draw(st.integers(1, 90))  # one network change per minute at most: keys stay apart
        while timed and timed[0][0] <= t:
            events.append(timed.pop(0)[2])
        kind = draw(st.integers(0, 11))
        if kind == 0:
            who = len(members)
            events.append(
                DistributorJoined(
                    who,
                    draw(st.sampled_from([None, *members])),
                    at(t),
                    rank=draw(st.integers(0, 2)),
                )
            )
            members.append(who)
        elif kind == 1:
            who = draw(st.sampled_from(members))
            change = draw(st.sampled_from([RightsGranted, RightsRevoked]))
            events.append(change(who, at(t)))
        elif kind == 2:
            events.append(
                RankChanged(draw(st.sampled_from(members)), draw(st.integers(0, 2)), at(t))
            )
        elif kind == 3:
            events.append(
                CustomerBound(100 + draw(st.integers(0, 3)), draw(st.sampled_from(members)), at(t))
            )
        oid = f"o{k}"
        amount = draw(st.integers(0, 40_000))
        buyer = draw(st.sampled_from([None, 100, 101, 102, *members]))  # customers and members
        sharer = (
            draw(st.sampled_from([None, *members]))
            if buyer is not None
            else draw(st.sampled_from(members))
        )
        category = draw(st.sampled_from([None, None, "food", "toys"]))
        events.append(OrderPlaced(oid, at(t), D(amount).scaleb(-2), sharer, buyer, category))
        if draw(st.booleans()):
            timed.append((t + draw(st.integers(0, 200)), 0, OrderSettled(oid, at(t + 1))))
        left = amount
        for j in range(draw(st.integers(0, 2))):
            if left == 0:
                break
            part = draw(st.integers(1, left))
            left -= part
            when = t + 1 + draw(st.integers(0, 3000))
            timed.append((when, 1, Refund(f"{oid}r{j}", oid, at(when), D(part).scaleb(-2))))
        if draw(st.integers(0, 7)) == 0:
            when = t + draw(st.integers(1, 4000))
            timed.append((when, 2, Payout(f"p{k}", draw(st.sampled_from(members)), at(when))))
        timed.sort(key=lambda x: (x[0], x[1]))
    events.extend(e for _, _, e in timed)
    # settlements are recorded when they happen; their business time is their own `at`
    return plan, net, events


def chunks(events: list, sizes: list[int]) -> list[list]:
    out, i, k = [], 0, 0
    while i < len(events):
        size = sizes[k % len(sizes)]
        out.append(events[i : i + size])
        i += size
        k += 1
    return out


def same_ledger(a: Ledger, b: Ledger) -> None:
    assert a.journal() == b.journal()
    assert a.balances() == b.balances()
    assert a.events == b.events
    mid = max(e.at for e in a.events) - np.timedelta64(3000, "m")
    assert a.balances(mid) == b.balances(mid)
    for e in a.events:
        if isinstance(e, OrderPlaced):
            assert a.entries(e.order_id) == b.entries(e.order_id)


def fold_state(fold: journal.Fold) -> tuple:
    """Everything a fold knows, copied into comparable form (the journal in business order:
    a batch makes the postings of its orders together)."""
    return (
        sorted(fold.lines, key=lambda line: line[9]),
        {w: tuple(v) for w, v in fold.totals.items()},
        {w: v for w, v in fold.due_unpaid.items() if v},
        {w: v for w, v in fold.clawback.items() if v},
        {o: (x.base_minor, fold.served(x), x.first, x.n_items) for o, x in fold.orders.items()},
        dict(fold.refunded),
        tuple(
            list(column)
            for column in (
                fold.item_who,
                fold.item_amount,
                fold.item_paid,
                fold.item_matured,
                fold.item_due,
                fold.item_mature_at,
            )
        ),
        {w: list(v) for w, v in fold.by_person.items()},
        sorted(fold.due),
        dict(fold.upline),
        dict(fold.rights),
        dict(fold.ranks),
        dict(fold.bindings),
        fold.seq,
        fold.frontier,
    )


# -- batches equal events one by one -------------------------------------------------------------


@examples(40)
@given(shop=shops(), sizes=st.lists(st.integers(1, 120), min_size=1, max_size=4))
def test_recording_in_batches_gives_what_recording_event_by_event_gives(shop, sizes):
    plan, net, events = shop
    one_by_one = Ledger(plan, net)
    for event in events:
        one_by_one.record(event)
    batched = Ledger(plan, net)
    for part in chunks(events, sizes):
        batched.record(*part)
    at_once = Ledger(plan, net).record(*events)
    same_ledger(batched, one_by_one)
    same_ledger(at_once, one_by_one)
    assert fold_state(at_once._book.fold) == fold_state(one_by_one._book.fold)
    again = Ledger.from_jsonl(batched.to_jsonl())
    same_ledger(again, one_by_one)


@examples(30)
@given(shop=shops())
def test_batched_entries_are_split_commission_over_the_network_at_the_orders_time(shop):
    plan, net, events = shop
    ledger = Ledger(plan, net).record(*events)
    refunded = {e.order_id for e in events if isinstance(e, Refund)}
    for e in events:
        if not isinstance(e, OrderPlaced) or e.sharer is None or e.order_id in refunded:
            continue
        expected = split_commission(
            plan,
            ledger.network_at(e.at),
            e.order_id,
            e.amount,
            e.sharer,
            buyer=e.buyer,
            category=e.category,
        )
        assert ledger.entries(e.order_id) == expected


def test_a_long_run_of_orders_splits_in_one_vectorised_call_and_agrees(monkeypatch):
    calls = []
    real = journal.compute_commissions

    def spy(plan, network, orders):
        calls.append(len(orders["sharer"]))
        return real(plan, network, orders)

    monkeypatch.setattr(journal, "compute_commissions", spy)
    plan = CommissionPlan(
        level_rates=("0.10", "0.05", "0.02"),
        rank_uplifts={1: "0.01"},
        holding_days=1,
        allow_levels_beyond_compliance=True,
        override_reason="three levels exercise the vectorised walk up the network",
        max_levels=3,
    )
    net = DistributorNetwork.from_edges(
        [0, 0, 1, 2], [1, 2, 3, 4], users=list(range(5)), ranks=[0, 1, 0, 1, 0]
    )
    rng = random.Random(7)
    events = []
    for k in range(300):
        events.append(
            OrderPlaced(f"o{k}", at(k), D(rng.randint(1, 99_999)).scaleb(-2), rng.randrange(5))
        )
        if k % 3 == 0:
            events.append(Refund(f"r{k}", f"o{k}", at(k), D(1).scaleb(-2)))
    events.append(RightsRevoked(1, at(150)))
    events.sort(key=journal.business_key)
    batched = Ledger(plan, net).record(*events)
    assert calls and max(calls) >= 100  # the runs before and after the revocation, at once
    one_by_one = Ledger(plan, net)
    for event in events:
        one_by_one.record(event)
    same_ledger(batched, one_by_one)


def test_a_whole_history_in_one_call_records_what_its_events_recorded_one_by_one_record():
    # The refund was recorded after the payout, dated before it: the payout was payable when
    # it was recorded, so it stands and what it paid beyond the new payable is owed back.
    plan = CommissionPlan(level_rates=("0.10", "0.05"), holding_days=7)
    net = DistributorNetwork.from_edges(["alice"], ["bob"])
    history = [
        OrderPlaced("o1", "2024-05-01", "200.00", "bob"),
        OrderSettled("o1", "2024-05-02"),
        Payout("p1", "bob", "2024-05-10", "20.00"),
        Payout("p2", "alice", "2024-05-10"),  # all payable: 10.00
        Refund("r1", "o1", "2024-05-05", "200.00"),
        OrderPlaced("o2", "2024-05-20", "50.00", "bob"),
    ]
    at_once = Ledger(plan, net).record(*history)
    one_by_one = Ledger(plan, net)
    for event in history:
        one_by_one.record(event)
    same_ledger(at_once, one_by_one)
    assert at_once.events[3] == Payout("p2", "alice", "2024-05-10", "10.00")
    bob = at_once.balance("bob")
    assert (bob.paid, bob.clawback_due) == (D("20.00"), D("20.00"))
    # In business order the same events are a different history: the refund is known before
    # the payouts, so the explicit one is refused and "all payable" finds nothing.
    in_business_order = sorted(history, key=journal.business_key)
    with pytest.raises(InvalidInputError, match=r"payout 'p1' of 20\.00 to 'bob' is larger"):
        Ledger(plan, net).record(*in_business_order)


def test_a_payout_that_pays_nothing_still_offsets_the_clawback_and_folds_the_same_again():
    plan = CommissionPlan(level_rates=("0.10",), holding_days=0, min_payout="5.00")
    net = DistributorNetwork.from_edges([], [], users=["kol"])
    ledger = Ledger(plan, net).record(
        OrderPlaced("o1", "2024-05-01", "100.00", "kol"),
        OrderSettled("o1", "2024-05-01"),
        Payout("p1", "kol", "2024-05-02"),  # pays 10.00
        Refund("r1", "o1", "2024-05-03", "100.00"),  # 10.00 owed back
        OrderPlaced("o2", "2024-05-04", "30.00", "kol"),
        OrderSettled("o2", "2024-05-04"),
        Payout("p2", "kol", "2024-05-05"),  # 3.00 payable, all of it offset: pays nothing
    )
    assert ledger.events[-1] == Payout("p2", "kol", "2024-05-05", "0.00")
    kol = ledger.balance("kol")
    assert (kol.payable, kol.clawback_due, kol.paid) == (D("0.00"), D("7.00"), D("10.00"))
    again = Ledger(plan, net)
    again._book.admit(ledger.events, strict=False)  # the recorded zero folds the same again
    same_ledger(again, ledger)


# -- checkpoints: back-dated events fold again from the last mark before them ------------------


def delivered_late(events: list, rng: random.Random, lateness: int, members: set) -> list:
    """The stream as a service receives it: each event up to ``lateness`` places late, but
    never before an event it depends on."""
    keyed = sorted(range(len(events)), key=lambda i: i + rng.randint(0, lateness))
    out, seen = [], set()
    waiting = list(keyed)
    while waiting:
        for i in waiting:
            e = events[i]
            needs = []
            if isinstance(e, (OrderSettled, Refund)):
                needs.append(("order", e.order_id))
            if isinstance(e, (RightsGranted, RightsRevoked, RankChanged, CustomerBound, Payout)):
                needs.append(("joined", e.distributor))
            if isinstance(e, DistributorJoined) and e.upline is not None:
                needs.append(("joined", e.upline))
            if isinstance(e, OrderPlaced) and e.sharer is not None:
                needs.append(("joined", e.sharer))
            if all(n in seen or (n[0] == "joined" and n[1] in members) for n in needs):
                out.append(e)
                seen.add(e.key[:2])
                waiting.remove(i)
                break
    return out


@contextmanager
def small_marks() -> Iterator[None]:
    """Checkpoints every 3 events, at most 4 of them: streams of tens of events use them all."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(journal, "MARK_SPACING", 3)
        patch.setattr(journal, "MAX_MARKS", 4)
        yield


@examples(40)
@given(
    shop=shops(min_orders=10, max_orders=40),
    seed=st.integers(0, 2**16),
    lateness=st.integers(1, 12),
    batch=st.integers(1, 5),
)
def test_late_events_fold_again_from_a_checkpoint_exactly_as_from_the_start(
    shop, seed, lateness, batch
):
    plan, net, events = shop
    rng = random.Random(seed)
    stream = delivered_late(events, rng, lateness, set(net.users.tolist()))
    ledger = Ledger(plan, net)
    with small_marks():
        for part in chunks(stream, [batch]):
            ledger.record(*part)
    whole = Ledger(plan, net)
    whole._book.admit(ledger.events, strict=False)
    assert fold_state(ledger._book.fold) == fold_state(whole._book.fold)
    assert ledger.journal() == whole.journal()
    assert ledger.balances() == whole.balances()
    assert ledger.balances() == Ledger.from_jsonl(ledger.to_jsonl()).balances()


def test_a_late_refund_folds_again_from_the_checkpoint_before_it_not_from_the_start(
    monkeypatch,
):
    plan = CommissionPlan(level_rates=("0.10", "0.05"), holding_days=0)
    net = DistributorNetwork.from_edges([0], [1])
    events = []
    for k in range(3000):
        events.append(OrderPlaced(f"o{k}", at(k), "10.00", 1))
        events.append(OrderSettled(f"o{k}", at(k)))
    ledger = Ledger(plan, net)
    for k in range(0, len(events), 500):
        ledger.record(*events[k : k + 500])
    ledger.record(Payout("p1", 1, at(3000)))
    applied = []
    real = journal.Fold.apply_all

    def spy(self, keyed, **kw):
        applied.append(len(keyed))
        return real(self, keyed, **kw)

    monkeypatch.setattr(journal.Fold, "apply_all", spy)
    ledger.record(Refund("r1", "o2990", at(2995), "10.00"))  # before the payout: clawed back
    assert not ledger._book.refolded
    assert applied and applied[0] < journal.MARK_SPACING + 20  # the tail, not 6,001 events
    whole = Ledger(plan, net)
    whole._book.admit(ledger.events, strict=False)
    assert ledger.journal() == whole.journal()
    assert ledger.balance(1).clawback_due == D("1.00")


@examples(30)
@given(shop=shops(min_orders=10, max_orders=30), cut=st.integers(1, 30))
def test_a_refused_batch_leaves_the_fold_exactly_as_it_was(shop, cut):
    plan, net, events = shop
    cut = min(cut, len(events) - 1)
    with small_marks():
        ledger = Ledger(plan, net).record(*events[:cut])
        before = fold_state(ledger._book.fold)
        journal_before, balances_before = ledger.journal(), ledger.balances()
        member = next(iter(ledger.network_at(events[-1].at).users.tolist()))
        too_much = Payout("p-too-much", member, events[-1].at, "1000000.00")
        with pytest.raises(InvalidInputError, match="larger than what is payable"):
            ledger.record(*events[cut:], too_much)
        assert fold_state(ledger._book.fold) == before
    assert ledger.journal() == journal_before and ledger.balances() == balances_before
    ledger.record(*events[cut:])
    reference = Ledger(plan, net).record(*events)
    same_ledger(ledger, reference)


# -- stores -------------------------------------------------------------------------------------


@examples(10)
@given(shop=shops(), sizes=st.lists(st.integers(1, 150), min_size=1, max_size=3))
def test_batches_into_sqlite_give_what_memory_gives_event_by_event(tmp_path_factory, shop, sizes):
    plan, net, events = shop
    path = tmp_path_factory.mktemp("batch") / "ledger.sqlite"
    stored = Ledger(plan, net, store=SQLiteLedgerStore(path))
    for part in chunks(events, sizes):
        stored.record(*part)
    memory = Ledger(plan, net)
    for event in events:
        memory.record(event)
    same_ledger(stored, memory)
    fresh = Ledger(plan, net, store=SQLiteLedgerStore(path))
    assert fresh.balances() == memory.balances()  # from the stored balances
    assert fresh._book is None
    for who in list(memory.balances())[:3]:
        assert fresh.balance(who) == memory.balance(who)
    same_ledger(Ledger(plan, net, store=SQLiteLedgerStore(path)), memory)  # folded from rows


# -- the fast writers and the balances mapping ---------------------------------------------------

IDS = st.one_of(st.text(max_size=8), st.integers(-(2**70), 2**70))


@examples(80)
@given(
    a=IDS,
    b=IDS,
    c=st.one_of(st.none(), IDS),
    amount=st.integers(1, 10**12),
    places=st.integers(0, 4),
)
@example(a='q"\\\n\x00\u2028é', b="\ud800", c=None, amount=1, places=2)
def test_event_json_and_keys_are_json_dumps_exactly(a, b, c, amount, places):
    money = D(amount).scaleb(-places)
    events = [
        OrderPlaced(a, "2025-03-01T10:00", money, b, c, c),
        OrderPlaced(a, "2025-03-01", money, buyer=b),
        OrderSettled(a, "2025-03-01T10:00:05"),
        Refund(a, b, "2025-03-01", money),
        Payout(a, b, "2025-03-01"),
        Payout(a, b, "2025-03-01", money),
        DistributorJoined(a, c if c != a else None, "2025-03-01", has_rights=False, rank=3),
        RightsGranted(a, "2025-03-01"),
        RightsRevoked(b, "2025-03-01"),
        RankChanged(a, 2, "2025-03-01"),
        CustomerBound(a, b, "2025-03-01"),
    ]
    for e in events:
        assert event_to_json(e) == json.dumps(event_to_row(e), ensure_ascii=False)
        assert event_key(e) == json.dumps(list(e.key), separators=(",", ":"), ensure_ascii=False)


def test_balances_is_a_read_only_mapping_built_lazily():
    b = Balances("CNY", [1, 2, "x"], [100, 0, 5], [0, 250, 0], [0, 0, 0], [0, 30, 0])
    assert list(b) == [1, 2, "x"] and len(b) == 3 and 2 in b and 3 not in b and [] not in b
    assert b[2] == Balance(2, "CNY", D("0.00"), D("2.50"), D("0.00"), D("0.30"))
    assert b[2] is b[2]
    assert b.get(3) is None
    with pytest.raises(KeyError):
        b["y"]
    as_dict = {who: b[who] for who in b}
    assert b == as_dict and as_dict == b
    assert b == Balances("CNY", [1, 2, "x"], [100, 0, 5], [0, 250, 0], [0, 0, 0], [0, 30, 0])
    assert b != Balances("CNY", [1, 2, "x"], [100, 0, 5], [0, 250, 0], [0, 0, 0], [0, 31, 0])
    assert b != Balances("USD", [1, 2, "x"], [100, 0, 5], [0, 250, 0], [0, 0, 0], [0, 30, 0])
    with pytest.raises(TypeError):
        b[1] = b[2]  # type: ignore[index]
    with pytest.raises(TypeError):
        hash(b)
    assert repr(b).startswith("Balances({1: Balance(1: pending 1.00")
    with pytest.raises(ValueError, match="'paid' must have one amount per distributor"):
        Balances("CNY", [1], [0], [0], [], [0])
