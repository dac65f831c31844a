"""Reading a ledger fast without changing what it reads: the stored snapshot read column by
column and ``Balances`` making its amounts without ``from_minor_units``.
"""

from __future__ import annotations

import decimal
import random

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ledger_worker import NET, PLAN, order_events
from privtraffic.commission import Balances, Ledger, SQLiteLedgerStore
from privtraffic.commission.store import balance_columns, balances_json, merge_balances
from privtraffic.money import from_minor_units
from support import examples


@examples(60)
@given(
    units=st.integers(min_value=-(10**40), max_value=10**40),
    currency=st.sampled_from(["CNY", "JPY", "KWD", "USD"]),
)
@example(units=0, currency="CNY")
@example(units=-5, currency="KWD")
@example(units=10**30 + 1, currency="CNY")
def test_balances_amounts_are_exactly_from_minor_units_whatever_the_context(units, currency):
    with decimal.localcontext(decimal.Context(prec=6)):  # a narrow context rounds nothing here
        got = Balances(currency, ["a"], [units], [units], [units], [units])
        first = got["a"].pending
        again = next(iter(got.values())).payable
    with decimal.localcontext(decimal.Context(prec=60)):  # wide enough for the reference
        want = from_minor_units(units, currency)
    assert repr(first) == repr(want) and repr(again) == repr(want)
    assert first.as_tuple() == want.as_tuple()


def test_balances_values_and_items_build_each_balance_once_in_order():
    got = Balances("CNY", [1, 2, 3], [100, 0, 5], [0, 7, 0], [0, 0, 9], [1, 0, 0])
    one = got[2]
    values = list(got.values())
    assert [b.distributor for b in values] == [1, 2, 3]
    assert values[1] is one and next(iter(got.values())) is values[0] is got[1]
    assert [(k, v) for k, v in got.items()] == list(zip([1, 2, 3], values, strict=True))
    assert len(got.values()) == 3 and got[3] in got.values()


def _parts(n_parts: int, rng: random.Random) -> list[tuple[int, str]]:
    parts = []
    for k in range(n_parts):
        ids = rng.sample([*range(20), *"abcdef"], rng.randint(0, 8))
        amounts = [rng.randint(-50, 500) for _ in range(4 * len(ids))]
        parts.append((k + 1, balances_json(ids, amounts)))
    return parts


@pytest.mark.parametrize("seed", range(12))
def test_snapshot_columns_hold_what_the_rows_hold(seed):
    rng = random.Random(seed)
    parts = _parts(rng.randint(1, 5), rng)
    head = parts[-1][0]
    rows = merge_balances(head, parts)
    columns = balance_columns(head, parts)
    assert rows is not None and columns is not None
    assert list(zip(*columns[1], strict=True)) == rows[1]
    for only in (0, 7, "a", "zz"):
        one = balance_columns(head, parts, only)
        assert one is not None
        assert list(zip(*one[1], strict=True)) == merge_balances(head, parts, only)[1]
    assert balance_columns(head + 1, parts) is None


def test_a_new_ledger_reads_the_same_balances_from_the_columns_as_from_the_fold(tmp_path):
    path = tmp_path / "l.sqlite"
    events = order_events(0, 60)
    Ledger(PLAN, NET, store=SQLiteLedgerStore(path)).record(*events)
    fresh = Ledger(PLAN, NET, store=SQLiteLedgerStore(path))
    got = fresh.balances()
    assert fresh._book is None  # read from the stored columns
    folded = Ledger(PLAN, NET, store=SQLiteLedgerStore(path, snapshots=False)).balances()
    assert got == folded and list(got) == list(folded)  # same balances, same (id) order
    assert dict(got.items()) == dict(folded.items())
