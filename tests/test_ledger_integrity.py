"""The ledger's integrity at record time, its JSON lines file, threads, and the network as
effective-dated events (issue 12's "Why" cases, one test each, and properties over random
event streams)."""

from __future__ import annotations

import datetime
import random
import threading
import warnings
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from privtraffic.commission import (
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
    resolve_sharers,
    split_commission,
)
from privtraffic.errors import EventConflictError, InvalidInputError, LedgerFileError
from support import examples

D = Decimal
NET = DistributorNetwork.from_edges(["alice"], ["bob"])
PLAN = CommissionPlan(level_rates=("0.10", "0.05"), holding_days=7)


def day(d: int, hour: int = 0) -> str:
    return str(np.datetime64("2024-05-01") + np.timedelta64((d - 1) * 24 + hour, "h"))


# -- integrity at record time ------------------------------------------------------------------


def test_a_back_dated_full_refund_after_an_explicit_payout_becomes_a_clawback():
    ledger = Ledger(PLAN, NET).record(
        OrderPlaced("o1", day(1), "200.00", "bob"),  # bob 20.00, alice 10.00
        OrderSettled("o1", day(2)),  # payable from day 9
        Payout("p1", "bob", day(10), "20.00"),  # the cash leaves
    )
    # The buyer had been refunded on day 5; the shop records it only now.
    ledger.record(Refund("r1", "o1", day(5), "200.00"))
    bob = ledger.balance("bob")
    assert (bob.pending, bob.payable, bob.paid, bob.clawback_due) == (
        D("0.00"),
        D("0.00"),
        D("20.00"),  # the payout keeps the cash it paid
        D("20.00"),  # and all of it is owed back
    )
    assert bob.owed == D("-20.00")
    assert [p.kind for p in ledger.journal() if p.distributor == "bob"][-1] == "overpaid"
    # The ledger stays loadable and computable: its own output reads back to the same balances.
    again = Ledger.from_jsonl(ledger.to_jsonl())
    assert again.balances() == ledger.balances()
    assert again.to_jsonl() == ledger.to_jsonl()
    # Later earnings are kept back against the clawback before any cash is paid.
    ledger.record(
        OrderPlaced("o2", day(11), "300.00", "bob"),
        OrderSettled("o2", day(11)),
        Payout("p2", "bob", day(20)),
    )
    bob = ledger.balance("bob")
    assert (bob.paid, bob.clawback_due, bob.payable) == (D("30.00"), D("0.00"), D("0.00"))
    statement = ledger.statement("bob", day(1), day(21))
    assert statement.closing == bob.owed


def test_an_explicit_payout_larger_than_what_is_payable_is_still_refused_when_recorded():
    ledger = Ledger(PLAN, NET).record(
        OrderPlaced("o1", day(1), "200.00", "bob"),
        OrderSettled("o1", day(2)),
        Refund("r1", "o1", day(5), "200.00"),
    )
    with pytest.raises(InvalidInputError, match=r"payout 'p1' of 20.00 to 'bob' is larger"):
        ledger.record(Payout("p1", "bob", day(10), "20.00"))
    assert len(ledger.events) == 3


@pytest.mark.parametrize(
    ("at", "message"),
    [
        (np.datetime64("NaT"), r"'at' of order 'o1' must be an explicit instant"),
        ("NaT", r"'at' of order 'o1' must be an explicit instant"),
        ("now", r"'at' of order 'o1' must be an explicit instant.*got 'now'"),
        ("today", r"'at' of order 'o1' must be an explicit instant.*got 'today'"),
        ("", r"'at' of order 'o1' must be an explicit instant"),
        ("2025-03", r"'at' of order 'o1' must be an explicit instant"),
        ("2025-03-01T10:00+08:00", r"'at' of order 'o1' must be a local business time without"),
        ("2025-03-01T10:00:00Z", r"'at' of order 'o1' must be a local business time without"),
        ("2025-03-01 10:00 -0500", r"'at' of order 'o1' must be a local business time without"),
        (
            datetime.datetime(2025, 3, 1, 10, tzinfo=datetime.timezone.utc),
            r"'at' of order 'o1' must be a local business time without a time zone",
        ),
        ("2025-03-01T10:00:00.5", r"'at' of order 'o1' must be whole seconds"),
        (1_740_823_200, r"'at' of order 'o1' must be an explicit instant"),
        (None, r"'at' of order 'o1' must be an explicit instant"),
    ],
)
def test_times_must_be_explicit_local_instants(at, message):
    with pytest.raises(InvalidInputError, match=message):
        OrderPlaced("o1", at, "99.00", "kol")


def test_each_event_names_its_own_time_field():
    with pytest.raises(InvalidInputError, match=r"'at' of refund 'r1' must be an explicit"):
        Refund("r1", "o1", "now", "1.00")
    with pytest.raises(InvalidInputError, match=r"'at' of payout 'p1' must be a local business"):
        Payout("p1", "kol", "2025-03-01T10:00+08:00")
    with pytest.raises(InvalidInputError, match=r"'at' of settlement of order 'o1'"):
        OrderSettled("o1", np.datetime64("NaT"))
    with pytest.raises(InvalidInputError, match=r"'at' of joining of distributor 'kol'"):
        DistributorJoined("kol", None, "today")
    with pytest.raises(InvalidInputError, match=r"'as_of' of the query must be an explicit"):
        Ledger(PLAN, NET).balances("now")
    ok = [
        "2025-03-01",
        "2025-03-01T10:00",
        "2025-03-01 10:00:00",
        datetime.date(2025, 3, 1),
        datetime.datetime(2025, 3, 1, 10),
        np.datetime64("2025-03-01T10:00:00.000"),
    ]
    assert [str(OrderPlaced("o", t, "1", "kol").at)[:10] for t in ok] == ["2025-03-01"] * 6


def test_re_delivery_is_a_no_op_and_the_same_id_with_other_content_shows_both():
    order = OrderPlaced("o1", day(1), "99.00", "bob", buyer="u1")
    ledger = Ledger(PLAN, NET).record(order)
    ledger.record(OrderPlaced("o1", day(1), "99.00", "bob", buyer="u1"))
    assert len(ledger.events) == 1
    other = OrderPlaced("o1", day(1), "99.00", "bob", buyer="u2")
    with pytest.raises(EventConflictError) as caught:
        ledger.record(other)
    message = str(caught.value)
    assert message.startswith("order id 'o1' was already recorded with different content")
    assert '"buyer": "u1"' in message and '"buyer": "u2"' in message  # both, in full
    assert caught.value.recorded == order and caught.value.offered == other
    assert isinstance(caught.value, ValueError)


@st.composite
def streams(draw):
    """Random event streams over a small network, in a random recording order: back-dated
    refunds and payouts, explicit and 'all payable' payouts, re-deliveries, bad events."""
    n = draw(st.integers(1, 4))
    net = DistributorNetwork.from_edges(list(range(n - 1)), list(range(1, n)))
    plan = CommissionPlan(
        level_rates=("0.1", "0.05"),
        holding_days=draw(st.integers(0, 3)),
        min_payout=draw(st.sampled_from(["0", "1.00"])),
    )
    events = []
    for k in range(draw(st.integers(1, 6))):
        t = draw(st.integers(0, 20))
        amount = draw(st.integers(1, 20_000))
        events.append(
            OrderPlaced(f"o{k}", day(1 + t), D(amount).scaleb(-2), draw(st.integers(0, n - 1)))
        )
        if draw(st.booleans()):
            events.append(OrderSettled(f"o{k}", day(1 + t + draw(st.integers(0, 3)))))
        for j in range(draw(st.integers(0, 2))):
            part = draw(st.integers(1, amount))  # may be refused: more than what remains
            when = day(1 + t + draw(st.integers(0, 9)))
            events.append(Refund(f"o{k}r{j}", f"o{k}", when, D(part).scaleb(-2)))
    for j in range(draw(st.integers(0, 5))):
        amount = draw(st.one_of(st.none(), st.integers(0, 3000).map(lambda c: D(c).scaleb(-2))))
        who, when = draw(st.integers(0, n - 1)), day(1 + draw(st.integers(0, 30)))
        events.append(Payout(f"p{j}", who, when, amount))
    order = draw(st.permutations(range(len(events))))
    return plan, net, [events[i] for i in order]


@examples(60)
@given(stream=streams())
@example(
    stream=(
        CommissionPlan(level_rates=("0.1", "0.05"), holding_days=0),
        DistributorNetwork.from_edges([], [], users=[0]),
        [
            OrderPlaced("o0", day(1), "100.00", 0),
            OrderSettled("o0", day(1)),
            Payout("p0", 0, day(10), "10.00"),
            Refund("o0r0", "o0", day(5), "100.00"),
        ],
    )
)
def test_recording_never_corrupts_the_ledger(stream):
    plan, net, events = stream
    ledger = Ledger(plan, net)
    for event in events:
        try:
            ledger.record(event)
        except InvalidInputError:
            pass  # refused (an order not yet recorded, more than payable, ...): nothing kept
        balances = ledger.balances()  # always computable
        for who in balances:
            ledger.balance(who, as_of=day(15))
    text = ledger.to_jsonl()
    again = Ledger.from_jsonl(text)
    assert again.to_jsonl() == text
    assert again.balances() == ledger.balances()
    assert again.balances(day(12)) == ledger.balances(day(12))
    # the incremental fold equals a fold of the whole log in one pass
    whole = Ledger(plan, net)
    whole._book.admit(ledger.events, strict=False)
    assert whole.journal() == ledger.journal()
    # the money is conserved: what was paid is what the payouts say
    paid = sum((b.paid for b in ledger.balances().values()), D(0))
    assert paid == sum((e.amount for e in ledger.events if isinstance(e, Payout)), D(0))
    for b in ledger.balances().values():
        assert b.pending >= 0 and b.payable >= 0 and b.clawback_due >= 0


# -- JSON lines --------------------------------------------------------------------------------


def _ledger_file() -> str:
    ledger = Ledger(PLAN, NET)
    for k in range(40):
        ledger.record(OrderPlaced(f"o{k}", day(1 + k % 9), "10.00", "bob"))
        ledger.record(OrderSettled(f"o{k}", day(2 + k % 9)))
        if k % 5 == 0:
            ledger.record(Refund(f"r{k}", f"o{k}", day(3 + k % 9), "1.00"))
    ledger.record(Payout("p", "bob", day(30)))
    return ledger.to_jsonl()


def test_a_file_cut_after_the_header_is_reported_not_loaded_empty():
    text = _ledger_file()
    n = len(text.splitlines()) - 1
    assert n == 89
    head = text.splitlines(keepends=True)[0]
    with pytest.raises(LedgerFileError, match=rf"states {n} events but the file holds 0") as e:
        Ledger.from_jsonl(head)
    assert e.value.line == 1 and "ends at line 1" in str(e.value)


def test_a_file_cut_at_a_line_boundary_names_the_line_it_ends_at():
    lines = _ledger_file().splitlines(keepends=True)
    cut = "".join(lines[:50])
    with pytest.raises(LedgerFileError, match=r"states 89 events but the file holds 49") as e:
        Ledger.from_jsonl(cut)
    assert e.value.line == 50
    with pytest.raises(LedgerFileError, match=r"the file ends at line 50"):
        Ledger.from_jsonl(iter(lines[:50]))  # an open file's lines


def test_a_file_cut_mid_line_is_reported_with_the_files_own_line_number():
    text = _ledger_file()
    lines = text.splitlines(keepends=True)
    cut = "".join(lines[:30]) + lines[30][:17]  # line 31 is cut in the middle
    with pytest.raises(LedgerFileError, match=r"^line 31 is cut short") as e:
        Ledger.from_jsonl(cut)
    assert e.value.line == 31
    assert not isinstance(e.value.__cause__, Exception)
    # a cut that leaves valid JSON (inside a number) is caught by the checksum
    number_cut = "".join(lines[:-1]) + lines[-1].rstrip("\n")[:-3]
    with pytest.raises(LedgerFileError, match=r"line 90 is cut short"):
        Ledger.from_jsonl(number_cut)
    # blank lines are not events, but they keep their numbers
    spaced = lines[0] + "\n" + "".join(lines[1:5]) + "{oops\n" + "".join(lines[5:])
    with pytest.raises(LedgerFileError, match=r"^line 7 is not valid JSON") as e:
        Ledger.from_jsonl(spaced)
    assert e.value.line == 7  # line 2 is blank, lines 3-6 are events


def test_a_changed_file_fails_the_checksum_and_version_1_files_warn():
    text = _ledger_file()
    changed = text.replace('"amount": "10.00"', '"amount": "11.00"', 1)
    with pytest.raises(LedgerFileError, match=r"do not match the header's checksum"):
        Ledger.from_jsonl(changed)
    import json

    lines = text.splitlines()
    head = json.loads(lines[0])
    head["version"] = 1
    del head["events"], head["checksum"]
    with pytest.warns(UserWarning, match="cannot be detected"):
        old = Ledger.from_jsonl("\n".join([json.dumps(head), *lines[1:]]))
    assert old.balances() == Ledger.from_jsonl(text).balances()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Ledger.from_jsonl(text)  # the current format warns about nothing


def test_an_event_refused_on_reading_names_its_line():
    text = _ledger_file()
    lines = text.splitlines()
    import hashlib
    import json

    body = [lines[1], lines[1].replace('"10.00"', '"12.00"'), *lines[2:]]
    head = json.loads(lines[0])
    digest = hashlib.sha256("".join(f"{line}\n" for line in body).encode()).hexdigest()
    head.update(events=len(body), checksum=f"sha256:{digest}")
    with pytest.raises(LedgerFileError, match=r"^line 3: order id 'o0' was already recorded"):
        Ledger.from_jsonl("\n".join([json.dumps(head), *body]) + "\n")


# -- threads -----------------------------------------------------------------------------------


def _threaded(target, n=8):
    errors = []

    def run(k):
        try:
            target(k)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors


def test_eight_threads_recording_the_same_300_events_in_memory_keep_exactly_300():
    plan = CommissionPlan(level_rates=("0.10", "0.05"), holding_days=0)
    events = []
    for k in range(100):
        events += [
            OrderPlaced(f"o{k}", day(1, k), "10.00", "bob"),
            OrderSettled(f"o{k}", day(1, k)),
            Payout(f"p{k}", "bob", day(1, k)),
        ]
    ledger = Ledger(plan, NET)
    _threaded(lambda k: [ledger.record(e) for e in events])
    assert len(ledger.events) == 300
    bob = ledger.balance("bob")
    assert bob.paid == D("100.00") == sum(e.amount for e in ledger.events if isinstance(e, Payout))
    assert bob.payable == 0


def test_eight_threads_each_refunding_60_percent_in_memory_accept_at_most_one():
    ledger = Ledger(PLAN, NET).record(OrderPlaced("o1", day(1), "100.00", "bob"))
    accepted = []
    barrier = threading.Barrier(8)

    def refund(k):
        barrier.wait()
        try:
            ledger.record(Refund(f"r{k}", "o1", day(2), "60.00"))
            accepted.append(k)
        except InvalidInputError:
            pass

    _threaded(refund)
    assert len(accepted) == 1
    assert ledger.balance("bob").pending == D("4.00")


# -- the network as effective-dated events -----------------------------------------------------


def test_an_order_is_paid_by_the_network_as_it_stood_at_the_orders_time():
    plan = CommissionPlan(level_rates=("0.10", "0.05"), rank_uplifts={1: "0.02"}, holding_days=0)
    ledger = Ledger(plan).record(  # from an empty network
        DistributorJoined("amy", None, day(1)),
        DistributorJoined("bob", "amy", day(2)),
        OrderPlaced("o1", day(3), "100.00", "bob"),  # bob 10.00, amy 5.00
        RankChanged("bob", 1, day(4)),
        OrderPlaced("o2", day(5), "100.00", "bob"),  # bob 12.00 with the uplift
        RightsRevoked("amy", day(6)),
        OrderPlaced("o3", day(7), "100.00", "bob"),  # amy unpaid
        RightsGranted("amy", day(8)),
        OrderPlaced("o4", day(9), "100.00", "bob"),
    )
    paid = {
        o: {e.beneficiary: e.amount for e in ledger.entries(o)} for o in ("o1", "o2", "o3", "o4")
    }
    assert paid == {
        "o1": {"bob": D("10.00"), "amy": D("5.00")},
        "o2": {"bob": D("12.00"), "amy": D("5.00")},
        "o3": {"bob": D("12.00")},
        "o4": {"bob": D("12.00"), "amy": D("5.00")},
    }
    # the same as split_commission over the network as it stood at each order's time
    for o, t in (("o1", day(3)), ("o2", day(5)), ("o3", day(7)), ("o4", day(9))):
        entries = split_commission(plan, ledger.network_at(t), o, "100.00", "bob")
        assert {e.beneficiary: e.amount for e in entries} == paid[o]
    # a refund of o2 is recomputed over o2's network, not today's
    ledger.record(Refund("r2", "o2", day(10), "50.00"))
    assert {e.beneficiary: e.amount for e in ledger.entries("o2")} == {
        "bob": D("6.00"),
        "amy": D("2.50"),
    }


def test_network_events_are_checked_when_they_are_recorded():
    ledger = Ledger(PLAN).record(DistributorJoined("amy", None, day(2)))
    with pytest.raises(InvalidInputError, match=r"'sharer' 'amy' of order 'o1' joins the .* only"):
        ledger.record(OrderPlaced("o1", day(1), "10.00", "amy"))
    with pytest.raises(InvalidInputError, match=r"'upline' 'zed' of joining of distributor 'bob'"):
        ledger.record(DistributorJoined("bob", "zed", day(3)))
    with pytest.raises(EventConflictError, match=r"joined id 'amy' was already recorded"):
        ledger.record(DistributorJoined("amy", None, day(3)))
    with pytest.raises(InvalidInputError, match=r"'distributor' 'bob' of RankChanged"):
        ledger.record(RankChanged("bob", 1, day(3)))
    with pytest.raises(InvalidInputError, match=r"must be an id of the network's kind"):
        ledger.record(DistributorJoined(7, "amy", day(3)))
    with pytest.raises(InvalidInputError, match=r"'rank' of rank change of 'amy' must be"):
        RankChanged("amy", -1, day(3))
    with pytest.raises(EventConflictError, match=r"rights id \('amy', '2024-05-03T00:00:00'\)"):
        ledger.record(RightsRevoked("amy", day(3)), RightsGranted("amy", day(3)))
    with pytest.raises(InvalidInputError, match="already in the distributor network"):
        Ledger(PLAN, NET).record(DistributorJoined("bob", None, day(1)))
    with pytest.raises(InvalidInputError, match="needs a 'sharer', or a 'buyer'"):
        OrderPlaced("o1", day(1), "1.00")
    assert len(ledger.events) == 1


def test_a_back_dated_joining_changes_the_orders_after_it():
    plan = CommissionPlan(level_rates=("0.10", "0.05"), holding_days=0)
    ledger = Ledger(plan).record(
        DistributorJoined("amy", None, day(1)),
        DistributorJoined("bob", None, day(1)),
        CustomerBound("u1", "bob", day(2)),
        OrderPlaced("o1", day(5), "100.00", buyer="u1"),
    )
    assert {e.beneficiary for e in ledger.entries("o1")} == {"bob"}
    ledger.record(DistributorJoined("cat", "amy", day(1)), RightsRevoked("cat", day(1)))
    assert {e.beneficiary for e in ledger.entries("o1")} == {"bob"}


BINDINGS = [
    CommissionPlan(level_rates=("0.1",), binding="first_wins"),
    CommissionPlan(level_rates=("0.1",), binding="rebind"),
    CommissionPlan(level_rates=("0.1",), binding="expires", binding_days=3),
]


@examples(40)
@given(
    plan=st.sampled_from(BINDINGS),
    orders=st.lists(
        st.tuples(st.sampled_from(["u1", "u2"]), st.sampled_from([None, "a", "b", "c"])),
        min_size=1,
        max_size=12,
    ),
    gaps=st.lists(st.integers(1, 3), min_size=12, max_size=12),
    seed=st.integers(0, 2**16),
)
def test_bindings_as_events_credit_orders_as_resolve_sharers_does(plan, orders, gaps, seed):
    times = [day(1, sum(gaps[: i + 1]) * 12) for i in range(len(orders))]
    buyers = [b for b, _ in orders]
    links = [link for _, link in orders]
    sharer, credited = resolve_sharers(plan, buyers, links, times)
    events = [DistributorJoined(d, None, day(1)) for d in "abc"]
    for i, ((buyer, link), t) in enumerate(zip(orders, times, strict=True)):
        if link is not None:
            events.append(CustomerBound(buyer, link, t))
        events.append(OrderPlaced(f"o{i}", t, "10.00", buyer=buyer))
    random.Random(seed).shuffle(events)  # recorded in any order: the joinings go first
    events.sort(key=lambda e: not isinstance(e, DistributorJoined))
    ledger = Ledger(plan)
    for event in events:
        ledger.record(event)
    for i in range(len(orders)):
        got = [e.beneficiary for e in ledger.entries(f"o{i}")]
        assert got == ([sharer[i].item()] if credited[i] else [])
