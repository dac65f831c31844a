"""The ledger's journal: frozen postings with named deltas, and the fold that derives them.

A :class:`~privtraffic.commission.Ledger` keeps events; its journal is computed from them by
folding them in business order ``(at, kind, id)`` (:func:`business_key`): :class:`Fold` hands
each event to the handler of its kind — the network events (:meth:`Fold.joined`,
:meth:`Fold.rights`, :meth:`Fold.rank_changed`, :meth:`Fold.bound`) change the network as it
stands from the event's time on, and the money events (:meth:`Fold.order_placed`,
:meth:`Fold.order_settled`, :meth:`Fold.refund`, :meth:`Fold.payout`) read it; commission
reaching the end of its holding period is :meth:`Fold.mature_until`. Every handler speaks in
:class:`Deltas`, the change of each bucket of a distributor's account, and appends
:class:`Posting` lines.

The fold is incremental: events later in business order than everything folded so far are
applied to the running state (:meth:`Fold.apply_all`, which computes the commission of a
batch's orders in one vectorised :func:`~privtraffic.commission.compute_commissions` call).
For an event dated before what it has already folded, the fold goes back to its last
checkpoint before that event (:meth:`Fold.mark`, :meth:`Fold.restore`) and folds again from
there, not from the start. The fold never fails on recorded events: the one check it makes
itself (an explicit payout larger than what is payable) is made only for a payout being
recorded; a payout recorded earlier that events recorded later (a back-dated refund) have made
larger than what was payable keeps the cash it paid and the excess is owed back (an
``overpaid`` posting into the clawback).

Examples
--------
>>> import numpy as np
>>> p = Posting(np.datetime64("2024-05-01T00:00:00"), "bob", "earned", 100, "o1",
...             Deltas(pending=100))
>>> p.deltas.owed
100
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, Literal, NamedTuple, TypeAlias, cast

import attrs
import numpy as np

from privtraffic.commission._types import Id
from privtraffic.commission.batch import compute_commissions
from privtraffic.commission.events import (
    _FOLD_RANK,
    _NETWORK_TYPES,
    CustomerBound,
    DistributorJoined,
    LedgerEvent,
    OrderPlaced,
    OrderSettled,
    Payout,
    RankChanged,
    Refund,
    RightsGranted,
    RightsRevoked,
)
from privtraffic.commission.network import DistributorNetwork
from privtraffic.commission.plan import CommissionPlan
from privtraffic.commission.split import (
    CommissionEntry,
    _minor_units,
    level_amounts_minor,
    level_entries,
    order_total_minor,
    served_levels,
)
from privtraffic.errors import InvalidInputError
from privtraffic.money import allocate_minor_rows, from_minor_units, minor_exponent

__all__ = [
    "POSTING_KINDS",
    "Deltas",
    "Fold",
    "Posting",
    "PostingKind",
    "business_key",
    "business_keys",
    "fold_journal",
    "order_entries",
]

#: The kinds of journal posting. ``overpaid`` moves the part of a payout that events recorded
#: later showed was not payable into the clawback (it does not change what is owed).
POSTING_KINDS = ("earned", "matured", "reversed", "clawed_back", "offset", "paid", "overpaid")

#: One of :data:`POSTING_KINDS`.
PostingKind: TypeAlias = Literal[
    "earned", "matured", "reversed", "clawed_back", "offset", "paid", "overpaid"
]

#: A position in business order: ``(seconds since 1970, rank of the kind, *id parts)``, each
#: id part as its type's name and its value (so integer and string ids compare).
BusinessKey: TypeAlias = "tuple[Any, ...]"

#: One posting as the fold keeps it: seconds, distributor, kind, amount, ref, the four
#: deltas (pending, payable, clawback, paid) and the business key of its cause (the event,
#: or ``(seconds, -1, n)`` for the n-th maturity).
Line: TypeAlias = "tuple[int, Id, PostingKind, int, Id, int, int, int, int, BusinessKey]"


@attrs.frozen
class Deltas:
    """The change one posting makes to each bucket of a distributor's account, in minor units.

    Attributes
    ----------
    pending : int
        Earned, still inside the holding period.
    payable : int
        Past the holding period, not yet paid.
    clawback : int
        Already-paid commission owed back.
    paid : int
        Cash paid out.

    Examples
    --------
    >>> Deltas(pending=-250, payable=250) + Deltas(payable=-250, paid=250)
    Deltas(pending=-250, payable=0, clawback=0, paid=250)
    """

    pending: int = 0
    payable: int = 0
    clawback: int = 0
    paid: int = 0

    def __add__(self, other: Deltas) -> Deltas:
        return Deltas(
            self.pending + other.pending,
            self.payable + other.payable,
            self.clawback + other.clawback,
            self.paid + other.paid,
        )

    @property
    def owed(self) -> int:
        """``pending + payable - clawback``: the change of what the merchant owes.

        Examples
        --------
        >>> Deltas(payable=-300, clawback=-300).owed
        0
        """
        return self.pending + self.payable - self.clawback


@attrs.frozen(repr=False)
class Posting:
    """One line of the ledger's journal, in minor units. Frozen, like the journal itself.

    Attributes
    ----------
    at : numpy.datetime64
        When it takes effect.
    distributor : int or str
        Whose account.
    kind : str
        One of :data:`POSTING_KINDS`.
    amount_minor : int
        Size of the movement, ``>= 0``.
    ref : int or str
        The order (earned, matured, reversed, clawed_back) or payout (offset, paid, overpaid).
    deltas : Deltas
        Change of each bucket.

    Examples
    --------
    >>> p = Posting(np.datetime64("2024-05-01T00:00:00"), "bob", "earned", 100, "o1",
    ...             Deltas(pending=100))
    >>> p
    Posting(2024-05-01T00:00:00 'bob' earned 100 ref 'o1')
    >>> p.deltas.pending
    100
    """

    at: np.datetime64
    distributor: Id
    kind: PostingKind = attrs.field(validator=attrs.validators.in_(POSTING_KINDS))
    amount_minor: int
    ref: Id
    deltas: Deltas

    def __repr__(self) -> str:
        return (
            f"Posting({self.at} {self.distributor!r} {self.kind} {self.amount_minor} "
            f"ref {self.ref!r})"
        )


def id_key(value: Id) -> tuple[str, Id]:
    """A sort key for ids of either kind (integers before strings, each in their own order).

    Examples
    --------
    >>> sorted(["b", 2, "a", 1], key=id_key)
    [1, 2, 'a', 'b']
    """
    return (type(value).__name__, value)


def seconds(moment: np.datetime64) -> int:
    """A ``datetime64[s]`` as an integer count of seconds since 1970-01-01.

    Examples
    --------
    >>> seconds(np.datetime64("1970-01-02T00:00:00"))
    86400
    """
    return int(moment.astype(np.int64))


def business_key(event: LedgerEvent) -> BusinessKey:
    """Where an event goes in business order: its time, then its kind, then its id.

    Examples
    --------
    >>> from privtraffic.commission import OrderPlaced, OrderSettled
    >>> a = OrderSettled("o1", "2024-05-01")
    >>> b = OrderPlaced("o2", "2024-05-01", "1.00", "kol")
    >>> sorted([a, b], key=business_key) == [b, a]  # orders before settlements at one time
    True
    >>> business_key(b)
    (1714521600, 4, 'str', 'o2')
    """
    key = event.key
    if len(key) == 2:
        return (seconds(event.at), _FOLD_RANK[type(event)], type(key[1]).__name__, key[1])
    who = key[1]
    return (seconds(event.at), _FOLD_RANK[type(event)], type(who).__name__, who, "str", key[2])


def business_keys(events: Sequence[LedgerEvent]) -> list[BusinessKey]:
    """:func:`business_key` of many events at once (their times converted in one array).

    Examples
    --------
    >>> from privtraffic.commission import OrderPlaced, OrderSettled
    >>> events = [OrderSettled("o1", "2024-05-01"), OrderPlaced("o1", "2024-05-01", "1", "k")]
    >>> business_keys(events) == [business_key(e) for e in events]
    True
    """
    if len(events) < 8:
        return [business_key(e) for e in events]
    times = np.array([e.at for e in events], dtype="datetime64[s]").astype(np.int64).tolist()
    rank = _FOLD_RANK
    out: list[BusinessKey] = []
    for t, e in zip(times, events, strict=True):
        key = e.key
        if len(key) == 2:
            out.append((t, rank[type(e)], type(key[1]).__name__, key[1]))
        else:
            out.append((t, rank[type(e)], type(key[1]).__name__, key[1], "str", key[2]))
    return out


def order_entries(
    plan: CommissionPlan, network: DistributorNetwork, order: OrderPlaced, amount: Decimal
) -> tuple[CommissionEntry, ...]:
    """The commission entries of ``order`` on ``amount``, over a fixed ``network``.

    Examples
    --------
    >>> from privtraffic.commission import CommissionPlan, DistributorNetwork, OrderPlaced
    >>> order = OrderPlaced("o1", "2024-05-01", "10.00", "kol")
    >>> order_entries(CommissionPlan(level_rates=("0.1",)),
    ...               DistributorNetwork.from_edges([], [], users=["kol"]), order, Decimal("6"))
    (CommissionEntry('o1' -> 'kol', level 1, 0.60 = 0.1 x 6.00),)
    """
    fold = Fold(plan, network)
    served = fold.served_for(order) if order.sharer is not None else []
    return level_entries(plan, order.order_id, amount, served, lambda who: who)


#: The levels an order pays: the ``(level, who, rate, uplift, capped, rank)`` of
#: :func:`~privtraffic.commission.served_levels`.
Served: TypeAlias = "list[tuple[int, Id, int, Decimal, bool, int]]"


class _Order(NamedTuple):
    """An order while the journal is folded: its base, the levels it pays (fixed at the order's
    time) and where its items are (``first``, ``first + 1``, ... one per level paid).

    ``levels`` is the :data:`Served` list, or -- for an order split in a vectorised run --
    ``(run, a, b)``: rows ``a:b`` of that run's columns (:meth:`Fold.served`), so that most
    orders, never refunded or looked at again, keep three integers.
    """

    base_minor: int
    levels: Served | tuple[int, int, int]
    first: int
    n_items: int


_NEVER = np.iinfo(np.int64).max
_INT64_MAX = np.iinfo(np.int64).max
_MISSING: Any = object()  # "there was no entry": restoring a mark deletes the key
_NETWORK_KINDS = frozenset(_NETWORK_TYPES)

#: Fewest orders of one run (between two network events) split in one vectorised call.
_VECTOR_MIN = 24
#: Events folded between two checkpoints, and how many checkpoints a fold keeps.
MARK_SPACING = 2048
MAX_MARKS = 16


class _Mark:
    """A checkpoint of a :class:`Fold`: what it takes to put the fold back as it stood.

    Copy on first write: from the moment the mark is made until the next one, the first change
    to each item, order, account or network entry that existed at the mark saves its old value
    here, and every order placed since is listed; the journal and the items are only
    truncated (the running totals lose what the truncated postings added), the heap of
    maturities is copied whole. Undoing the marks from the newest back to this one restores
    the fold exactly.
    """

    __slots__ = (
        "applied",
        "bindings",
        "clawback",
        "created",
        "due",
        "due_unpaid",
        "frontier",
        "items",
        "n_items",
        "n_lines",
        "n_runs",
        "network",
        "pinned",
        "refunded",
        "seq",
    )

    def __init__(self, fold: Fold) -> None:
        self.applied = fold.applied
        self.frontier = fold.frontier
        self.seq = fold.seq
        self.n_lines = len(fold.lines)
        self.n_items = len(fold.item_amount)
        self.n_runs = len(fold._runs)
        self.due = list(fold.due)
        self.pinned = False
        self.clear()

    def clear(self) -> None:
        """Forget the saved values (the fold stands exactly at this mark again)."""
        self.items: dict[int, tuple[int, int, bool, bool, int]] = {}
        self.due_unpaid: dict[Id, Any] = {}
        self.clawback: dict[Id, Any] = {}
        self.network: dict[tuple[str, Id], Any] = {}
        self.bindings: dict[Id, Any] = {}
        self.refunded: dict[Id, Any] = {}
        self.created: list[Id] = []

    def absorb(self, newer: _Mark) -> None:
        """Take over the saves of the next mark, which stops being a place to go back to."""
        items, n = self.items, self.n_items
        for i, old in newer.items.items():
            if i < n and i not in items:
                items[i] = old
        pairs: tuple[tuple[dict[Any, Any], dict[Any, Any]], ...] = (
            (self.due_unpaid, newer.due_unpaid),
            (self.clawback, newer.clawback),
            (self.network, newer.network),
            (self.bindings, newer.bindings),
            (self.refunded, newer.refunded),
        )
        for mine, theirs in pairs:
            for key, old in theirs.items():
                mine.setdefault(key, old)
        self.created.extend(newer.created)


class Fold:
    """The running state of a fold over a ledger's events: one handler per kind of event.

    The handlers are called in business order by :meth:`apply` / :meth:`apply_all`; each one
    updates the network as it stands, the commission items, and appends the postings the event
    causes. The running totals per distributor (:attr:`totals`) are the sums of the postings
    so far. Each handler takes the event and its time in seconds (the first part of its
    :func:`business_key`).

    The commission items (one per order and level paid) are kept column by column
    (``item_amount[i]``, ``item_paid[i]``, ...); an order knows the range of its items.

    Once :meth:`mark` has been called, the fold keeps checkpoints: one at each :meth:`mark`
    and one every ``MARK_SPACING`` events folded, at most ``MAX_MARKS`` of them (older ones
    are merged away), so that :meth:`restore` can put it back as it stood at any of them.

    Parameters
    ----------
    plan : CommissionPlan
        Rates, holding period, binding mode, minimum payout.
    network : DistributorNetwork
        The network at the start (every distributor in it counts as joined from the start).

    Examples
    --------
    >>> from privtraffic.commission import (CommissionPlan, DistributorNetwork,
    ...     DistributorJoined, OrderPlaced)
    >>> fold = Fold(CommissionPlan(level_rates=("0.1", "0.05")),
    ...             DistributorNetwork.from_edges([], [], users=["amy"]))
    >>> fold.apply(DistributorJoined("bob", "amy", "2025-03-01"))
    >>> fold.apply(OrderPlaced("o1", "2025-03-02", "100.00", "bob"))
    >>> {who: t[0] for who, t in fold.totals.items()}  # pending, in fen
    {'bob': 1000, 'amy': 500}
    """

    def __init__(self, plan: CommissionPlan, network: DistributorNetwork) -> None:
        self.plan = plan
        self.currency = plan.currency
        self.hold = int(plan.holding_days) * 86_400
        self.life = None if plan.binding_days is None else int(plan.binding_days) * 86_400
        self.min_payout = _minor_units(plan.min_payout, plan.currency)
        users = network.users.tolist()
        ups = network.upline.tolist()
        self.upline: dict[Id, Id | None] = {
            u: (users[p] if p >= 0 else None) for u, p in zip(users, ups, strict=True)
        }
        self.rights: dict[Id, bool] = dict(zip(users, network.has_rights.tolist(), strict=True))
        self.ranks: dict[Id, int] = dict(zip(users, network.rank.tolist(), strict=True))
        self.bindings: dict[Id, tuple[Id, int]] = {}  # buyer -> (distributor, binding ends)
        # the journal, a Line per posting in the order they were made, turned into Posting
        # values in business order when asked (postings())
        self.lines: list[Line] = []
        self.totals: dict[Id, list[int]] = {}  # pending, payable, clawback, paid
        self.first_line: dict[Id, int] = {}  # where each distributor's first posting is
        self.due_unpaid: dict[Id, int] = {}  # unpaid of settled items not yet matured
        self.orders: dict[Id, _Order] = {}
        self.refunded: dict[Id, int] = {}  # order -> minor units refunded so far
        # the items, one per order and level paid, column by column
        self.item_who: list[Id] = []
        self.item_amount: list[int] = []
        self.item_paid: list[int] = []
        self.item_matured: list[bool] = []
        self.item_due: list[bool] = []  # settled, waiting for the end of its holding period
        self.item_mature_at: list[int] = []
        self.by_person: dict[Id, list[int]] = {}  # distributor -> their items, oldest first
        self.clawback: dict[Id, int] = {}
        self.due: list[tuple[int, int, Id, BusinessKey]] = []  # (matures at, n, order, cause)
        self.seq = 0
        self.applied = 0  # events folded
        self.frontier: BusinessKey = (np.iinfo(np.int64).min, 0)
        self.dirty: set[Id] = set()  # distributors whose final balance may have changed
        self.resolved: dict[Id, Decimal] = {}  # payout id -> cash paid, for "all payable"
        self.marks: list[_Mark] = []
        self._mark: _Mark | None = None  # the newest mark, which saves what changes
        # order -> (base, levels, who of each level, amount of each level); see _split_orders()
        self._splits: dict[Id, tuple[int, Any, Sequence[Id], Sequence[int]]] = {}
        # the columns of each vectorised run's split: level, who, rate, rank, capped, amount
        self._runs: list[tuple[list[Any], ...]] = []
        self._refund_splits: dict[Id, list[int]] = {}  # see _split_refunds()
        self._network = network  # the network as it stands, while net_version is unchanged
        self._network_version = 0
        self.net_version = 0
        self._uplifts: dict[int, Decimal] = {}

    # -- checkpoints -------------------------------------------------------------------------

    def mark(self, *, pin: bool = False) -> _Mark:
        """Make a checkpoint here (``pin``: keep it as a place to go back to until unpinned).

        Marks closer than ``MARK_SPACING`` folded events to the one before are merged into it
        as newer ones are made (unless pinned); beyond ``MAX_MARKS`` the oldest is dropped.
        """
        m = _Mark(self)
        m.pinned = pin
        marks = self.marks
        marks.append(m)
        self._mark = m
        if len(marks) >= 3:
            prev, older = marks[-2], marks[-3]
            if not prev.pinned and prev.applied - older.applied < MARK_SPACING:
                older.absorb(prev)
                del marks[-2]
        if len(marks) > MAX_MARKS:
            if marks[0].pinned:
                marks[0].absorb(marks[1])
                del marks[1]
            else:
                del marks[0]
        return m

    def mark_before(self, key: BusinessKey) -> int | None:
        """The index of the newest mark made before ``key`` in business order, if any."""
        for i in range(len(self.marks) - 1, -1, -1):
            if self.marks[i].frontier < key:
                return i
        return None

    def restore(self, index: int) -> None:
        """Put the fold back as it stood at ``marks[index]``; the later marks are dropped.

        Everyone whose account the undone events touched is added to :attr:`dirty`.
        """
        marks = self.marks
        for m in reversed(marks[index:]):
            if m.network:
                self.net_version += 1  # the cached network may be a later one
            self._undo(m)
        target = marks[index]
        del marks[index + 1 :]
        self._unpost(target.n_lines)
        n = target.n_items
        for column in (
            self.item_who,
            self.item_amount,
            self.item_paid,
            self.item_matured,
            self.item_due,
            self.item_mature_at,
        ):
            del column[n:]
        del self._runs[target.n_runs :]
        self.due = list(target.due)
        self.seq = target.seq
        self.applied = target.applied
        self.frontier = target.frontier
        target.clear()
        self._mark = target
        self._splits.clear()
        self._refund_splits.clear()

    def _undo(self, m: _Mark) -> None:
        amount, paid, matured = self.item_amount, self.item_paid, self.item_matured
        due, mature_at = self.item_due, self.item_mature_at
        for i, (a, p, mt, d, at) in m.items.items():
            amount[i], paid[i], matured[i], due[i], mature_at[i] = a, p, mt, d, at
        dirty = self.dirty
        for table, saved in (
            (self.due_unpaid, m.due_unpaid),
            (self.clawback, m.clawback),
            (self.bindings, m.bindings),
            (self.refunded, m.refunded),
        ):
            for key, old in saved.items():
                if old is _MISSING:
                    table.pop(key, None)
                else:
                    table[key] = old
            if table is self.due_unpaid or table is self.clawback:
                dirty.update(saved)
        tables: dict[str, dict[Id, Any]] = {
            "upline": self.upline,
            "rights": self.rights,
            "ranks": self.ranks,
        }
        for (name, who), old in m.network.items():
            if old is _MISSING:
                tables[name].pop(who, None)
            else:
                tables[name][who] = old
        by_person, item_who = self.by_person, self.item_who
        for order_id in reversed(m.created):
            order = self.orders.pop(order_id)
            for i in range(order.first + order.n_items - 1, order.first - 1, -1):
                mine = by_person[item_who[i]]
                mine.pop()
                if not mine:
                    del by_person[item_who[i]]

    def _unpost(self, n_lines: int) -> None:
        """Take the postings after the first ``n_lines`` out of the journal and the totals."""
        lines, totals, first_line, dirty = self.lines, self.totals, self.first_line, self.dirty
        for _, who, _, _, _, p, q, c, d, _ in lines[n_lines:]:
            tot = totals[who]
            tot[0] -= p
            tot[1] -= q
            tot[2] -= c
            tot[3] -= d
            dirty.add(who)
        for _, who, *_ in lines[n_lines:]:
            if first_line.get(who, -1) >= n_lines:
                del totals[who], first_line[who]
        del lines[n_lines:]

    def _save_item(self, i: int) -> None:
        """Before item ``i`` changes: its old state, if it existed at the newest mark."""
        m = self._mark
        if m is not None and i < m.n_items and i not in m.items:
            m.items[i] = (
                self.item_amount[i],
                self.item_paid[i],
                self.item_matured[i],
                self.item_due[i],
                self.item_mature_at[i],
            )

    def _save(self, table: dict[Id, Any], saved_in: str, who: Id) -> None:
        m = self._mark
        if m is not None:
            saved: dict[Id, Any] = getattr(m, saved_in)
            if who not in saved:
                saved[who] = table.get(who, _MISSING)

    def _save_network(self, name: str, table: dict[Id, Any], who: Id) -> None:
        self.net_version += 1
        m = self._mark
        if m is not None:
            m.network.setdefault((name, who), table.get(who, _MISSING))

    # -- postings ----------------------------------------------------------------------------

    def post(
        self,
        cause: BusinessKey,
        t: int,
        who: Id,
        kind: PostingKind,
        amount: int,
        ref: Id,
        *,
        pending: int = 0,
        payable: int = 0,
        clawback: int = 0,
        paid: int = 0,
        dirty: bool = True,
    ) -> None:
        """Append a posting at ``t`` seconds caused by the event (or maturity) at ``cause`` in
        business order (none for a zero amount), and add it to ``who``'s totals (``dirty``: it
        changes their final balance; a maturity does not)."""
        if not amount:
            return
        lines = self.lines
        lines.append((t, who, kind, amount, ref, pending, payable, clawback, paid, cause))
        tot = self.totals.get(who)
        if tot is None:
            tot = self.totals[who] = [0, 0, 0, 0]
            self.first_line[who] = len(lines) - 1
        tot[0] += pending
        tot[1] += payable
        tot[2] += clawback
        tot[3] += paid
        if dirty:
            self.dirty.add(who)

    def postings(self) -> list[Posting]:
        """The journal so far as :class:`Posting` values, in business order: by the event or
        maturity that caused each posting, a cause's postings in the order they were made."""
        return _postings(sorted(self.lines, key=_cause))

    # -- dispatch ----------------------------------------------------------------------------

    def apply(
        self, event: LedgerEvent, *, strict: bool = False, key: BusinessKey | None = None
    ) -> None:
        """Fold one event that comes after everything folded so far in business order.

        ``strict``: the event is being recorded now, so an explicit payout larger than what is
        payable is refused (:meth:`payout`).
        """
        if key is None:
            key = business_key(event)
        if key <= self.frontier:
            raise InvalidInputError(
                f"{event!r} comes before what the fold has reached; fold from the start"
            )
        self.apply_all([(key, event)], strict=strict)

    def apply_all(
        self,
        keyed: Sequence[tuple[BusinessKey, LedgerEvent]],
        *,
        strict: bool | frozenset[tuple[Any, ...]] = False,
    ) -> None:
        """Fold events given with their business keys, in business order, all after the
        frontier (the caller sorts them).

        The events are folded run by run, a run being the events between two network events
        (at most ``MARK_SPACING`` of them). In a run the order does not matter for placing the
        orders and settling them, so that is done for all of them at once: the orders' commission
        is split in one vectorised :func:`~privtraffic.commission.compute_commissions` call
        over the network as it stands (when there are enough of them), their items and
        ``earned`` postings made together, then the settlements. Refunds, payouts and
        maturities, which read what is paid and payable at their time, are then folded one by
        one in business order (the refunds' splits computed together beforehand). The journal
        comes out the same as folding event by event: each posting keeps its cause, and
        :meth:`postings` orders them by it. ``strict``: ``True`` when every event is being
        recorded now, or the keys (``event.key``) of those that are.
        """
        try:
            self._apply_runs(keyed, strict)
        finally:
            self._splits.clear()
            self._refund_splits.clear()

    def _apply_runs(
        self,
        keyed: Sequence[tuple[BusinessKey, LedgerEvent]],
        strict: bool | frozenset[tuple[Any, ...]],
    ) -> None:
        network_kinds = _NETWORK_KINDS
        marking = self._mark is not None
        spacing = MARK_SPACING
        n = len(keyed)
        i = 0
        while i < n:
            j = i
            stop = min(n, i + spacing)
            while j < stop and type(keyed[j][1]) not in network_kinds:
                j += 1
            if j > i:
                self._apply_run(keyed[i:j], strict)
            if j < n and type(keyed[j][1]) in network_kinds:
                key, event = keyed[j]
                if self.due and self.due[0][0] <= key[0]:
                    self.mature_until(key[0])
                _HANDLERS[type(event)](self, event, key)
                self.frontier = key
                self.applied += 1
                j += 1
            i = j
            if marking and self.applied - self.marks[-1].applied >= spacing:
                self.mark()

    def _apply_run(
        self,
        run: Sequence[tuple[BusinessKey, LedgerEvent]],
        strict: bool | frozenset[tuple[Any, ...]],
    ) -> None:
        """Fold a run of money events (no network event among them), in business order."""
        orders: list[Any] = []  # (key, OrderPlaced) pairs
        settled: list[Any] = []  # (key, OrderSettled) pairs
        rest: list[tuple[BusinessKey, LedgerEvent]] = []
        for pair in run:
            kind = type(pair[1])
            if kind is OrderPlaced:
                orders.append(pair)
            elif kind is OrderSettled:
                settled.append(pair)
            else:
                rest.append(pair)
        if orders:
            if len(orders) >= _VECTOR_MIN:
                self._split_orders(orders)
            self._place(orders)
        if settled:
            self._settle(settled)
        refunds = [cast(Refund, e) for _, e in rest if type(e) is Refund]
        if len(refunds) > 1:
            self._split_refunds(refunds)
        everyone = type(strict) is bool  # else the keys of the events being recorded
        recorded = frozenset() if everyone else cast("frozenset[tuple[Any, ...]]", strict)
        for key, event in rest:
            if self.due and self.due[0][0] <= key[0]:
                self.mature_until(key[0])
            if type(event) is Refund:
                self.refund(cast(Refund, event), key)
            else:
                paid = cast(Payout, event)
                self.payout(paid, key, strict=bool(strict) if everyone else paid.key in recorded)
        last = run[-1][0]
        if self.due and self.due[0][0] <= last[0]:
            self.mature_until(last[0])
        self.frontier = last
        self.applied += len(run)

    def _split_orders(self, orders: Sequence[tuple[BusinessKey, OrderPlaced]]) -> None:
        """The commission of many orders over the network as it stands, in one vectorised
        :func:`~privtraffic.commission.compute_commissions` call; kept for
        :meth:`order_placed`. Falls back to each order's own split when the network as it
        stands would cost more to build than the call saves, or the ids do not suit arrays."""
        plan = self.plan
        scale = minor_exponent(self.currency)  # _minor_units(amount) is int(amount.scaleb(scale))
        rows: list[tuple[OrderPlaced, Id, int]] = []
        for key, event in orders:
            sharer = event.sharer if event.sharer is not None else self.sharer_of(event, key[0])
            if sharer is not None:
                rows.append((event, sharer, int(event.amount.scaleb(scale))))
            else:
                self._splits[event.order_id] = (int(event.amount.scaleb(scale)), [], [], [])
        if len(rows) < _VECTOR_MIN:
            return
        network = self._network_now(len(rows))
        if network is None:
            return
        columns: dict[str, Any] = {
            "order_id": np.arange(len(rows)),
            "sharer": [sharer for _, sharer, _ in rows],
        }
        try:
            columns["amount_minor"] = np.array([base for _, _, base in rows], dtype=np.int64)
        except OverflowError:
            return
        if not plan.self_purchase_earns:
            buyers = [e.buyer for e, _, _ in rows]
            if any(b is not None for b in buyers):
                absent = _absent_id(network.users[-1:].tolist())
                if absent is None:
                    return
                columns["buyer"] = [absent if b is None else b for b in buyers]
        if plan.category_rates:
            categories = [e.category for e, _, _ in rows]
            if any(c is not None for c in categories):
                keys = [k for k, _ in plan.category_rates]
                kinds = {type(k) for k in keys} | {type(c) for c in categories if c is not None}
                if len(kinds) != 1:
                    return
                absent = _absent_id(keys)
                if absent is None:
                    return
                columns["category"] = [absent if c is None else c for c in categories]
        try:
            batch = compute_commissions(plan, network, columns)
        except InvalidInputError:
            return  # an id the arrays cannot take: each order splits on its own
        bounds = np.searchsorted(batch.row, np.arange(len(rows) + 1)).tolist()
        who, amount = batch.beneficiary.tolist(), batch.amount_minor.tolist()
        run = len(self._runs)
        self._runs.append(
            (
                batch.level.tolist(),
                who,
                batch.rate_units.tolist(),
                batch.rank.tolist(),
                batch.capped.tolist(),
                amount,
            )
        )
        splits = self._splits
        for k, (event, _, base) in enumerate(rows):
            a, b = bounds[k], bounds[k + 1]
            if a == b:
                splits[event.order_id] = (base, [], [], [])
            else:
                splits[event.order_id] = (base, (run, a, b), who[a:b], amount[a:b])

    def served(self, order: _Order) -> Served:
        """The levels ``order`` pays (over the network as it stood at its time)."""
        levels = order.levels
        if type(levels) is list:
            return levels
        run, a, b = cast("tuple[int, int, int]", levels)
        level, who, rate, rank, capped, _ = self._runs[run]
        uplifts, plan = self._uplifts, self.plan
        out: Served = []
        for lv, w, r, k, c in zip(
            level[a:b], who[a:b], rate[a:b], rank[a:b], capped[a:b], strict=True
        ):
            uplift = uplifts.get(k)
            if uplift is None:
                uplift = uplifts[k] = plan.uplift_for(k)
            out.append((lv, w, r, uplift, c, k))
        return out

    def _split_refunds(self, refunds: Sequence[Refund]) -> None:
        """What each refund leaves of its order's commission, for many refunds at once: the
        totals rounded as :func:`~privtraffic.commission.level_amounts_minor` does, split in
        one :func:`~privtraffic.money.allocate_minor_rows` call per number of levels; kept for
        :meth:`refund`. The refunds come in business order, as they will be applied."""
        plan, currency = self.plan, self.currency
        refunded: dict[Id, int] = {}
        groups: dict[int, list[tuple[Id, int, list[int]]]] = {}  # levels -> refunds
        for event in refunds:
            order_id = event.order_id
            order = self.orders[order_id]  # placed before, or earlier in the run
            base, served = order.base_minor, self.served(order)
            before = refunded.get(order_id, self.refunded.get(order_id, 0))
            refunded[order_id] = after = before + _minor_units(event.amount, currency)
            rates = [level[2] for level in served]
            if not rates:
                self._refund_splits[event.refund_id] = []
                continue
            groups.setdefault(len(rates), []).append((event.refund_id, base - after, rates))
        wide_from = _INT64_MAX // (4 * 10**plan.rate_places)
        for group in groups.values():
            remaining = [r for _, r, _ in group]
            weights = [w for _, _, w in group]
            wide = max(remaining) > wide_from  # products beyond int64: Python integers
            dtype = object if wide else np.int64
            totals = order_total_minor(
                np.array(remaining, dtype=dtype),
                np.array([sum(w) for w in weights], dtype=np.int64),
                plan,
            )
            parts = allocate_minor_rows(totals, np.array(weights, dtype=totals.dtype))
            for (refund_id, _, _), mine in zip(group, parts.tolist(), strict=True):
                self._refund_splits[refund_id] = [int(p) for p in mine]

    def _network_now(self, n_orders: int) -> DistributorNetwork | None:
        """The network as it stands as a :class:`DistributorNetwork` (cached until a network
        event), or ``None`` when building it would cost more than splitting ``n_orders``
        orders one by one."""
        if self._network_version == self.net_version:
            return self._network
        if 4 * n_orders < len(self.upline):
            return None
        users = sorted(self.upline)  # one kind of id
        ids = np.array(users)
        if ids.dtype.kind not in "iuU" or len(ids) == 0:
            return None
        where = {u: i for i, u in enumerate(users)}
        upline = self.upline
        parent = np.array(
            [-1 if (up := upline[u]) is None else where[up] for u in users], dtype=np.int64
        )
        network = DistributorNetwork(
            ids,
            parent,
            np.array([self.rights[u] for u in users], dtype=bool),
            np.array([self.ranks[u] for u in users], dtype=np.int64),
        )
        self._network, self._network_version = network, self.net_version
        return network

    def mature_until(self, t: int | None) -> None:
        """Holding periods ending at or before ``t`` seconds (``None``: all): unpaid becomes
        payable."""
        due = self.due
        orders = self.orders
        who_of, amount, paid = self.item_who, self.item_amount, self.item_paid
        matured, item_due, mature_at = self.item_matured, self.item_due, self.item_mature_at
        m = self._mark
        while due and (t is None or due[0][0] <= t):
            at_s, _, order_id, cause = heapq.heappop(due)
            order = orders[order_id]
            for i in range(order.first, order.first + order.n_items):
                if matured[i]:
                    continue
                if m is not None and i < m.n_items and i not in m.items:
                    m.items[i] = (amount[i], paid[i], False, item_due[i], mature_at[i])
                matured[i], item_due[i], mature_at[i] = True, False, at_s
                unpaid = amount[i] - paid[i]
                if unpaid:
                    who = who_of[i]
                    self._due_change(who, -unpaid, dirty=False)
                    self.post(
                        cause,
                        at_s,
                        who,
                        "matured",
                        unpaid,
                        order_id,
                        pending=-unpaid,
                        payable=unpaid,
                        dirty=False,
                    )

    def _due_change(self, who: Id, units: int, *, dirty: bool = True) -> None:
        if units:
            due_unpaid = self.due_unpaid
            m = self._mark
            if m is not None and who not in m.due_unpaid:
                m.due_unpaid[who] = due_unpaid.get(who, _MISSING)
            due_unpaid[who] = due_unpaid.get(who, 0) + units
            if dirty:
                self.dirty.add(who)

    def _clawback_change(self, who: Id, units: int) -> None:
        self._save(self.clawback, "clawback", who)
        self.clawback[who] = self.clawback.get(who, 0) + units

    # -- the network as it stands ------------------------------------------------------------

    def joined(self, event: DistributorJoined, key: BusinessKey) -> None:
        """The distributor is in the network from now on, under their upline."""
        who = event.distributor
        self._save_network("upline", self.upline, who)
        self._save_network("rights", self.rights, who)
        self._save_network("ranks", self.ranks, who)
        self.upline[who] = event.upline
        self.rights[who] = event.has_rights
        self.ranks[who] = event.rank

    def rights_changed(self, event: RightsGranted | RightsRevoked, key: BusinessKey) -> None:
        """Rights start or stop from now on."""
        self._save_network("rights", self.rights, event.distributor)
        self.rights[event.distributor] = isinstance(event, RightsGranted)

    def rank_changed(self, event: RankChanged, key: BusinessKey) -> None:
        """A new rank from now on."""
        self._save_network("ranks", self.ranks, event.distributor)
        self.ranks[event.distributor] = event.rank

    def bound(self, event: CustomerBound, key: BusinessKey) -> None:
        """A link: the buyer is (re-)bound under the plan's binding mode."""
        mode, buyer, t = self.plan.binding, event.buyer, key[0]
        self._save(self.bindings, "bindings", buyer)
        if mode == "rebind":
            self.bindings[buyer] = (event.distributor, _NEVER)
        elif mode == "first_wins":
            self.bindings.setdefault(buyer, (event.distributor, _NEVER))
        else:
            current = self.bindings.get(buyer)
            if current is None or t >= current[1]:
                assert self.life is not None
                self.bindings[buyer] = (event.distributor, t + self.life)

    def sharer_of(self, event: OrderPlaced, t: int | None = None) -> Id | None:
        """The distributor credited with the order: its sharer, or the buyer's binding now
        (``t``: the order's time in seconds, if known)."""
        if event.sharer is not None:
            return event.sharer
        current = self.bindings.get(event.buyer) if event.buyer is not None else None
        if current is None or (seconds(event.at) if t is None else t) >= current[1]:
            return None
        return current[0]

    def _path(self, who: Id | None) -> Iterator[tuple[Id, bool, int]]:
        upline, rights, ranks = self.upline, self.rights, self.ranks
        while who is not None:
            yield who, rights[who], ranks[who]
            who = upline[who]

    def served_for(self, event: OrderPlaced, t: int | None = None) -> list:
        """The levels the order pays over the network as it stands (steps 1-2 of the split)."""
        sharer = self.sharer_of(event, t)
        if sharer is None:
            return []
        buyer = None if self.plan.self_purchase_earns else event.buyer
        return served_levels(self.plan, event.category, self._path(sharer), buyer)

    # -- money -------------------------------------------------------------------------------

    def order_placed(self, event: OrderPlaced, key: BusinessKey) -> None:
        """Each level the order pays becomes an item, earned and pending."""
        self._place([(key, event)])

    def _place(self, orders: Sequence[tuple[BusinessKey, OrderPlaced]]) -> None:
        """:meth:`order_placed` for the orders of a run, their items made together."""
        splits, plan, currency = self._splits, self.plan, self.currency
        by_person, lines, totals = self.by_person, self.lines, self.totals
        first_line, dirty, placed = self.first_line, self.dirty, self.orders
        whos_all: list[Id] = []
        amounts_all: list[int] = []
        created: list[Id] = []
        i = first = len(self.item_amount)
        for key, event in orders:
            order_id = event.order_id
            found = splits.pop(order_id, None) if splits else None
            whos: Sequence[Id]
            amounts: Sequence[int]
            if found is None:
                base = _minor_units(event.amount, currency)
                served = self.served_for(event, key[0])
                whos = [level[1] for level in served]
                amounts = level_amounts_minor(plan, base, served)
                levels: Any = served
            else:
                base, levels, whos, amounts = found
            n = len(whos)
            placed[order_id] = tuple.__new__(_Order, (base, levels, i, n))  # no checks
            created.append(order_id)
            if not n:
                continue
            whos_all.extend(whos)
            amounts_all.extend(amounts)
            t = key[0]
            for who, amount in zip(whos, amounts, strict=True):
                mine = by_person.get(who)
                if mine is None:
                    by_person[who] = [i]
                else:
                    mine.append(i)
                i += 1
                if amount:  # self.post(key, t, who, "earned", amount, ...), inlined
                    lines.append((t, who, "earned", amount, order_id, amount, 0, 0, 0, key))
                    tot = totals.get(who)
                    if tot is None:
                        totals[who] = [amount, 0, 0, 0]
                        first_line[who] = len(lines) - 1
                    else:
                        tot[0] += amount
                    dirty.add(who)
        n_new = i - first
        self.item_who.extend(whos_all)
        self.item_amount.extend(amounts_all)
        zeros = [0] * n_new
        self.item_paid.extend(zeros)
        self.item_mature_at.extend(zeros)
        falses = [False] * n_new
        self.item_matured.extend(falses)
        self.item_due.extend(falses)
        if self._mark is not None:
            self._mark.created.extend(created)

    def order_settled(self, event: OrderSettled, key: BusinessKey) -> None:
        """The holding period starts; the order's items mature ``holding_days`` later."""
        self._settle([(key, event)])
        if self.hold == 0:
            self.mature_until(key[0])

    def _settle(self, settled: Sequence[tuple[BusinessKey, OrderSettled]]) -> None:
        """:meth:`order_settled` for the settlements of a run, but the maturities: those come
        when the next refund, payout or run's end passes their time (they change nothing an
        order or a settlement reads)."""
        orders, due, who_of = self.orders, self.item_due, self.item_who
        amount, paid = self.item_amount, self.item_paid
        due_unpaid, dirty, heap = self.due_unpaid, self.dirty, self.due
        hold, seq = self.hold, self.seq
        m = self._mark
        for key, event in settled:
            order = orders[event.order_id]
            for i in range(order.first, order.first + order.n_items):
                if m is not None and i < m.n_items and i not in m.items:
                    self._save_item(i)
                due[i] = True
                unpaid = amount[i] - paid[i]
                if unpaid:  # self._due_change(who, unpaid), inlined
                    who = who_of[i]
                    if m is not None and who not in m.due_unpaid:
                        m.due_unpaid[who] = due_unpaid.get(who, _MISSING)
                    due_unpaid[who] = due_unpaid.get(who, 0) + unpaid
                    dirty.add(who)
            at_s = key[0] + hold
            # a maturity's postings come just before the first event at or after its time;
            # with no holding period, right after the settlement
            cause = key if hold == 0 else (at_s, -1, seq)
            heapq.heappush(heap, (at_s, seq, event.order_id, cause))
            seq += 1
        self.seq = seq

    def refund(self, event: Refund, key: BusinessKey) -> None:
        """The order's levels are recomputed on what remains; each item moves to its new
        amount (:meth:`_change`)."""
        order_id = event.order_id
        order = self.orders[order_id]
        self._save(self.refunded, "refunded", order_id)
        refunded = self.refunded[order_id] = self.refunded.get(order_id, 0) + _minor_units(
            event.amount, self.currency
        )
        amounts = self._refund_splits.pop(event.refund_id, None)
        if amounts is None:
            amounts = level_amounts_minor(
                self.plan, order.base_minor - refunded, self.served(order)
            )
        for i, amount in zip(range(order.first, order.first + order.n_items), amounts, strict=True):
            self._change(i, amount, key, order_id)

    def _change(self, i: int, new_amount: int, key: BusinessKey, ref: Id) -> None:
        """Item ``i``'s amount changes: a cut comes out of its unpaid part first (reversed),
        the rest was paid already and is owed back (clawed back); a rise is earned."""
        amount, paid = self.item_amount, self.item_paid
        delta = amount[i] - new_amount
        if delta == 0:
            return
        self._save_item(i)
        t = key[0]
        who = self.item_who[i]
        matured = self.item_matured[i]
        unpaid_before = amount[i] - paid[i]
        if delta > 0:
            from_unpaid = min(delta, unpaid_before)
            claw = delta - from_unpaid
            if matured:
                self.post(key, t, who, "reversed", from_unpaid, ref, payable=-from_unpaid)
            else:
                self.post(key, t, who, "reversed", from_unpaid, ref, pending=-from_unpaid)
            if claw:
                self._clawback_change(who, claw)
                self.post(key, t, who, "clawed_back", claw, ref, clawback=claw)
        elif matured:  # a largest-remainder split may move a unit the other way
            self.post(key, t, who, "earned", -delta, ref, payable=-delta)
        else:
            self.post(key, t, who, "earned", -delta, ref, pending=-delta)
        amount[i] = new_amount
        paid[i] = min(paid[i], new_amount)
        if self.item_due[i]:
            self._due_change(who, new_amount - paid[i] - unpaid_before)

    def payable_now(self, who: Id) -> tuple[list[int], int, int]:
        """``who``'s matured unpaid items (oldest first), what they hold and the clawback
        offset against them."""
        amount, paid, matured = self.item_amount, self.item_paid, self.item_matured
        mature_at = self.item_mature_at
        ready = sorted(
            (i for i in self.by_person.get(who, ()) if matured[i] and amount[i] > paid[i]),
            key=lambda i: (mature_at[i], i),
        )
        payable = sum(amount[i] - paid[i] for i in ready)
        return ready, payable, min(payable, self.clawback.get(who, 0))

    def payout(self, event: Payout, key: BusinessKey, *, strict: bool = False) -> None:
        """Clawbacks due are offset against the payable balance first, then cash is paid,
        oldest payable commission first.

        ``amount=None`` pays what is available if it reaches ``min_payout``, else nothing (the
        cash is kept in :attr:`resolved`); the clawback is offset either way, exactly as an
        explicit payout of that cash (zero included) does, so that the payout recorded with
        the cash it paid folds the same again. An explicit amount larger than what is
        available is refused when ``strict`` (the payout is being recorded); otherwise the
        payout was recorded when it was payable and the excess is moved into the clawback
        (``overpaid``).
        """
        plan, who = self.plan, event.distributor
        ready, payable, offset = self.payable_now(who)
        available = payable - offset
        if event.amount is None:
            cash = available if available >= self.min_payout else 0
            self.resolved[event.payout_id] = from_minor_units(cash, self.currency)
            if cash == 0 and offset == 0:
                return
        else:
            cash = _minor_units(event.amount, self.currency)
            if strict and cash > available:
                raise InvalidInputError(
                    f"payout {event.payout_id!r} of {event.amount} to {who!r} is larger "
                    f"than what is payable at {event.at} "
                    f"({from_minor_units(available, self.currency)})"
                )
            if strict and 0 < cash < self.min_payout:
                raise InvalidInputError(
                    f"payout {event.payout_id!r} of {event.amount} to {who!r} is below "
                    f"the plan's min_payout {plan.min_payout}"
                )
        take = offset + min(cash, available)
        amount, paid = self.item_amount, self.item_paid
        for i in ready:
            if take == 0:
                break
            step = min(take, amount[i] - paid[i])
            self._save_item(i)
            paid[i] += step
            take -= step
        ref, t = event.payout_id, key[0]
        if offset:
            self._clawback_change(who, -offset)
            self.post(key, t, who, "offset", offset, ref, payable=-offset, clawback=-offset)
        self.post(key, t, who, "paid", cash, ref, payable=-cash, paid=cash)
        excess = cash - available
        if excess > 0:
            self._clawback_change(who, excess)
            self.post(key, t, who, "overpaid", excess, ref, payable=excess, clawback=excess)

    # -- reading -----------------------------------------------------------------------------

    def future_lines(self) -> list[Line]:
        """The maturities still to come after the last event, as journal lines, in the order
        they would post."""
        out: list[Line] = []
        amount, paid, matured = self.item_amount, self.item_paid, self.item_matured
        for at_s, _, order_id, cause in sorted(self.due):
            order = self.orders[order_id]
            for i in range(order.first, order.first + order.n_items):
                unpaid = amount[i] - paid[i]
                if not matured[i] and unpaid:
                    who = self.item_who[i]
                    out.append(
                        (at_s, who, "matured", unpaid, order_id, -unpaid, unpaid, 0, 0, cause)
                    )
        return out

    def future_postings(self) -> list[Posting]:
        """The maturities still to come after the last event, in the order they would post."""
        return _postings(self.future_lines())

    def sums(self, as_of: int | None = None) -> dict[Id, tuple[int, int, int, int]]:
        """Each distributor's buckets ``(pending, payable, clawback, paid)`` at ``as_of``
        seconds (inclusive; ``None``: after every event, maturities still to come included)."""
        if as_of is not None and as_of < self.frontier[0]:
            out: dict[Id, list[int]] = {}
            for t, who, _, _, _, p, q, c, d, _ in self.lines:
                if t <= as_of:
                    s = out.get(who)
                    if s is None:
                        out[who] = [p, q, c, d]
                    else:
                        s[0] += p
                        s[1] += q
                        s[2] += c
                        s[3] += d
            return {who: (s[0], s[1], s[2], s[3]) for who, s in out.items()}
        moved: dict[Id, int] = {}
        if as_of is None:
            moved = self.due_unpaid
        else:
            amount, paid, matured = self.item_amount, self.item_paid, self.item_matured
            for at_s, _, order_id, _ in self.due:
                if at_s <= as_of:
                    order = self.orders[order_id]
                    for i in range(order.first, order.first + order.n_items):
                        if not matured[i]:
                            who = self.item_who[i]
                            moved[who] = moved.get(who, 0) + amount[i] - paid[i]
        return {
            who: (t[0] - moved.get(who, 0), t[1] + moved.get(who, 0), t[2], t[3])
            for who, t in self.totals.items()
        }

    def final(self, who: Id) -> tuple[int, int, int, int]:
        """``who``'s buckets ``(pending, payable, clawback, paid)`` after every event,
        maturities still to come included."""
        t = self.totals.get(who, [0, 0, 0, 0])
        m = self.due_unpaid.get(who, 0)
        return (t[0] - m, t[1] + m, t[2], t[3])


#: The handler of each kind of network event.
_HANDLERS: dict[type, Callable[[Fold, Any, BusinessKey], None]] = {
    DistributorJoined: Fold.joined,
    RightsGranted: Fold.rights_changed,
    RightsRevoked: Fold.rights_changed,
    RankChanged: Fold.rank_changed,
    CustomerBound: Fold.bound,
}


def _postings(lines: Iterable[Line]) -> list[Posting]:
    return [
        Posting(np.datetime64(t, "s"), who, kind, amount, ref, Deltas(p, q, c, d))
        for t, who, kind, amount, ref, p, q, c, d, _ in lines
    ]


def _cause(line: Line) -> BusinessKey:
    return line[9]


def _absent_id(ids: Sequence[Id]) -> Id | None:
    """An id of the same kind as ``ids`` (all one kind) that is none of them (``None`` when
    they are not all integers or all strings)."""
    if not ids:
        return None
    if all(type(i) is int for i in ids):
        return max(cast("Sequence[int]", ids)) + 1
    if all(type(i) is str for i in ids):
        return max(cast("Sequence[str]", ids)) + "\0"
    return None


def fold_journal(
    plan: CommissionPlan, network: DistributorNetwork, events: Iterable[LedgerEvent]
) -> tuple[Posting, ...]:
    """Every posting the events produce, folded in business order ``(at, kind, id)``.

    Future maturities are included: a settled order's commission matures ``holding_days``
    after its settlement whatever the last event is.

    Parameters
    ----------
    plan : CommissionPlan
        Rates, holding period, minimum payout.
    network : DistributorNetwork
        Uplines, ranks and rights at the start.
    events : iterable of ledger events
        Causally complete (every settlement and refund has its order, every distributor an
        order names has joined), in any order.

    Returns
    -------
    tuple of Posting

    Examples
    --------
    >>> from privtraffic.commission import CommissionPlan, DistributorNetwork, OrderPlaced
    >>> from privtraffic.commission import OrderSettled
    >>> [p.kind for p in fold_journal(
    ...     CommissionPlan(level_rates=("0.1",)),
    ...     DistributorNetwork.from_edges([], [], users=["kol"]),
    ...     [OrderSettled("o1", "2024-05-02"), OrderPlaced("o1", "2024-05-01", "10.00", "kol")])]
    ['earned', 'matured']
    """
    events = list(events)
    fold = Fold(plan, network)
    fold.apply_all(sorted(zip(business_keys(events), events, strict=True), key=_first))
    fold.mature_until(None)
    return tuple(fold.postings())


def _first(pair: tuple[BusinessKey, LedgerEvent]) -> BusinessKey:
    return pair[0]
