"""Attribution rules: which referral claims become edges of the referral forest.

A *claim* is one row of a referral log: "``referee`` joined through ``referrer``", optionally
with the time of the share (``at``) and the time the referee joined or first bought
(``joined_at``). :func:`attribute_claims` decides, row by row, which claims are applied:

1. rows with a missing id are invalid (``on_invalid="report"`` reports them; otherwise
   :func:`privtraffic._validation.as_ids` raises naming the row);
2. a self-referral (referrer == referee) is invalid;
3. with an attribution window, a claim is not applied when the referee joined before the share or
   more than ``window_days`` after it;
4. among the remaining claims on one referee, ``touch="first"`` applies the earliest — by ``at``
   when times are given, else by row order, ties broken by row order — and reports the others
   as later claims; ``touch="last"`` applies the latest; ``touch="unique"`` treats a second,
   *different* referrer as invalid input. A repeat of the applied claim (same referrer) is
   reported as a duplicate.

Claims that are not applied are never dropped silently: they are listed with their row and
reason in :class:`RejectedClaims` (``ReferralGraph.rejected``): a :class:`RejectionReason` code
for programs to read and the human-readable text beside it. Cycles are checked afterwards, on the
forest, by :meth:`privtraffic.referral.ReferralGraph.from_edges`.

Examples
--------
>>> import numpy as np
>>> res = attribute_claims(np.array([0, 0, 2]), np.array([1, 1, 1]))
>>> res.applied.tolist(), res.rejected_rows.tolist(), res.rejected_reasons.tolist()
([0], [1, 2], ['duplicate claim', 'later claim'])
>>> res.rejected_codes.tolist()
[<RejectionReason.DUPLICATE_CLAIM: 'duplicate_claim'>, <RejectionReason.LATER_CLAIM: 'later_claim'>]
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, get_args

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._tables import ColumnarTable
from privtraffic._validation import SECONDS_PER_DAY
from privtraffic.errors import InvalidDefinitionError, InvalidInputError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from typing_extensions import Self

    from privtraffic.referral.graph import UserIds

__all__ = [
    "AttributionRule",
    "ClaimDecision",
    "RejectedClaims",
    "RejectionReason",
    "attribute_claims",
]


class RejectionReason(enum.Enum):
    """Why a referral claim was not applied: the ``code`` column of :class:`RejectedClaims`.

    Programs read the code (``rejected.code == RejectionReason.CYCLE``); people read
    :attr:`text`, which is also the start of the ``reason`` column. The values are stable
    strings, safe to store.

    Attributes
    ----------
    MISSING_ID
        The referrer or the referee is missing (None / NaN); ``on_invalid="report"`` only.
    SELF_REFERRAL
        Referrer and referee are the same user.
    JOINED_BEFORE_SHARE
        The referee joined before the share (attribution window).
    OUTSIDE_WINDOW
        The referee joined more than ``window_days`` after the share.
    LATER_CLAIM
        Another referrer's claim on the referee came first (``touch="first"``).
    EARLIER_CLAIM
        Another referrer's claim on the referee came last (``touch="last"``).
    DUPLICATE_CLAIM
        A repeat of the applied claim (same referrer, same referee).
    SECOND_REFERRER
        A second, different referrer under ``touch="unique"``.
    CYCLE
        The claim closed a referral cycle (the reason text names the cycle).

    Examples
    --------
    >>> RejectionReason.LATER_CLAIM.text, RejectionReason("cycle")
    ('later claim', <RejectionReason.CYCLE: 'cycle'>)
    """

    MISSING_ID = "missing_id"
    SELF_REFERRAL = "self_referral"
    JOINED_BEFORE_SHARE = "joined_before_share"
    OUTSIDE_WINDOW = "outside_window"
    LATER_CLAIM = "later_claim"
    EARLIER_CLAIM = "earlier_claim"
    DUPLICATE_CLAIM = "duplicate_claim"
    SECOND_REFERRER = "second_referrer"
    CYCLE = "cycle"

    @property
    def text(self) -> str:
        """The human-readable reason (for a cycle, the start of it: the cycle follows).

        Examples
        --------
        >>> RejectionReason.CYCLE.text
        'closes referral cycle'
        """
        return _TEXT[self]


_TEXT = {
    RejectionReason.MISSING_ID: "missing id",
    RejectionReason.SELF_REFERRAL: "self-referral",
    RejectionReason.JOINED_BEFORE_SHARE: "joined before the share",
    RejectionReason.OUTSIDE_WINDOW: "outside attribution window",
    RejectionReason.LATER_CLAIM: "later claim",
    RejectionReason.EARLIER_CLAIM: "earlier claim",
    RejectionReason.DUPLICATE_CLAIM: "duplicate claim",
    RejectionReason.SECOND_REFERRER: "second referrer",
    RejectionReason.CYCLE: "closes referral cycle",
}

#: The decisions of :func:`attribute_claims` as small integers: position in this tuple.
_CODES = tuple(RejectionReason)


def _int64(values: ArrayLike) -> NDArray[np.int64]:
    return np.asarray(values, dtype=np.int64)


def _objects(values: ArrayLike) -> NDArray[np.object_]:
    return np.asarray(values, dtype=object)


def _strings(values: ArrayLike) -> NDArray[np.str_]:
    return np.asarray(values, dtype=str)


#: How competing claims on one referee are resolved (:class:`AttributionRule`).
Touch = Literal["first", "last", "unique"]

_TOUCHES = get_args(Touch)

#: What a self-referral, a second referrer (``touch="unique"``) or a cycle does.
OnInvalid = Literal["raise", "report"]


def _check_touch(instance: AttributionRule, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in _TOUCHES:
        raise InvalidDefinitionError(f"'touch' must be one of {_TOUCHES} (got {value!r})")


def _check_window(
    instance: AttributionRule, attribute: attrs.Attribute[float | None], value: float | None
) -> None:
    if value is not None and not (np.isfinite(value) and value >= 0):
        raise InvalidDefinitionError(f"'window_days' must be a finite number >= 0 (got {value!r})")


def _optional_float(value: float | str | None) -> float | None:
    return None if value is None else float(value)


def _cycle_text(users: UserIds, cycle: Sequence[int]) -> str:
    """``'a' -> 'b' -> 'c' -> 'a'``: a cycle of user indices, each referring the next.

    The cycle is rotated to start at its smallest index, so that one cycle has one text however
    it was found (the graph's rejection reason and the fraud flag say the same).

    Examples
    --------
    >>> _cycle_text(np.array(["a", "b", "c"]), [2, 0, 1])
    "'a' -> 'b' -> 'c' -> 'a'"
    """
    k = int(np.argmin(cycle))
    cyc = [*cycle[k:], *cycle[:k]]
    return " -> ".join(repr(users[i].item()) for i in [*cyc, cyc[0]])


@attrs.frozen
class AttributionRule:
    """How competing referral claims on one referee are resolved.

    Parameters
    ----------
    touch : {"first", "last", "unique"}
        ``"first"`` (default): the earliest claim wins — by ``at`` when share times are given,
        else by row order — and later claims are reported, not applied. ``"last"``: the latest
        claim wins. ``"unique"``: a referee claimed by two different referrers is invalid input
        (an error, or a reported row with ``on_invalid="report"``).
    window_days : float, optional
        Attribution window: a claim counts only when the referee joined (or first bought) no
        earlier than the share and at most ``window_days`` days after it. Needs both ``at``
        (share time) and ``joined_at`` in :meth:`ReferralGraph.from_edges`.

    Raises
    ------
    InvalidDefinitionError
        An unknown ``touch`` or a negative / non-finite window.

    Examples
    --------
    >>> AttributionRule()
    AttributionRule(touch='first', window_days=None)
    >>> AttributionRule(touch="latest")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidDefinitionError: 'touch' must be one of (...) (got 'latest')
    """

    touch: Touch = attrs.field(default="first", validator=_check_touch)
    window_days: float | None = attrs.field(
        default=None, converter=_optional_float, validator=_check_window
    )


@attrs.frozen(eq=False, repr=False)
class RejectedClaims(ColumnarTable):
    """Referral-log rows that were not applied, with the reason as a code and as text.

    Attributes
    ----------
    row : numpy.ndarray
        Row of the claim in the caller's log (0-based).
    referrer, referee : numpy.ndarray
        The ids on the row (both shown as ``"<missing>"`` on a row with a missing id).
    code : numpy.ndarray
        ``object`` array of :class:`RejectionReason` members: why the claim was not applied.
        Programs read this column.
    reason : numpy.ndarray
        The same, for people: ``"missing id"``, ``"self-referral"``,
        ``"joined before the share"``, ``"outside attribution window"``, ``"later claim"``,
        ``"earlier claim"`` (``touch="last"``), ``"duplicate claim"``, ``"second referrer"``
        (``touch="unique"``) or ``"closes referral cycle a -> b -> a"``.
    applied_row : numpy.ndarray
        For competing claims, the row that was applied for the same referee; ``-1`` otherwise.

    Examples
    --------
    >>> from privtraffic.referral import ReferralGraph
    >>> g = ReferralGraph.from_edges(["a", "a", "c"], ["b", "b", "b"])
    >>> g.rejected.reason.tolist(), g.rejected.applied_row.tolist()
    (['duplicate claim', 'later claim'], [0, 0])
    >>> (g.rejected.code == RejectionReason.LATER_CLAIM).tolist()
    [False, True]
    >>> g.rejected.to_dict()["code"]
    ['duplicate_claim', 'later_claim']
    """

    row: NDArray[np.int64] = attrs.field(converter=_int64)
    referrer: NDArray[np.generic] = attrs.field(converter=np.asarray)
    referee: NDArray[np.generic] = attrs.field(converter=np.asarray)
    code: NDArray[np.object_] = attrs.field(converter=_objects)
    reason: NDArray[np.str_] = attrs.field(converter=_strings)
    applied_row: NDArray[np.int64] = attrs.field(converter=_int64)

    @classmethod
    def empty(cls, users: UserIds) -> Self:
        """No rejected claim, for a graph over ``users`` (ids of their kind).

        Examples
        --------
        >>> len(RejectedClaims.empty(np.array([1, 2])))
        0
        """
        none = np.zeros(0, dtype=np.int64)
        return cls(none, users[:0], users[:0], np.zeros(0, dtype=object), np.zeros(0, str), none)

    def counts(self) -> dict[str, int]:
        """How many claims were rejected for each reason (by the reason text).

        Returns
        -------
        dict of str to int
            Each reason that occurs, in sorted order, and its number of claims.

        Examples
        --------
        >>> from privtraffic.referral import ReferralGraph
        >>> g = ReferralGraph.from_edges(["a", "c"], ["b", "b"])
        >>> g.rejected.counts()
        {'later claim': 1}
        """
        names, n = np.unique(self.reason.astype(str), return_counts=True)
        return {str(k): int(v) for k, v in zip(names, n, strict=True)}

    def to_dict(self) -> dict[str, list[object]]:
        """The columns as plain Python lists; ``code`` as the codes' stable string values.

        Returns
        -------
        dict of str to list

        Examples
        --------
        >>> from privtraffic.referral import ReferralGraph
        >>> ReferralGraph.from_edges([1, 1], [2, 2]).rejected.to_dict()["code"]
        ['duplicate_claim']
        """
        out = super().to_dict()
        out["code"] = [c.value for c in self.code.tolist()]
        return out


@attrs.frozen(eq=False)
class ClaimDecision:
    """The outcome of :func:`attribute_claims`.

    Attributes
    ----------
    applied : numpy.ndarray
        Rows applied as edges, at most one per referee.
    rejected_rows : numpy.ndarray
        Rows not applied, sorted.
    rejected_codes : numpy.ndarray
        The :class:`RejectionReason` of each rejected row (``object`` array).
    rejected_reasons : numpy.ndarray
        The same as text.
    applied_row : numpy.ndarray
        For each rejected row, the applied row on the same referee (``-1`` when none).

    Examples
    --------
    >>> d = attribute_claims(np.array([0]), np.array([1]))
    >>> d.applied.tolist(), d.rejected_rows.size
    ([0], 0)
    """

    applied: NDArray[np.int64]
    rejected_rows: NDArray[np.int64]
    rejected_codes: NDArray[np.object_]
    rejected_reasons: NDArray[np.str_]
    applied_row: NDArray[np.int64]


def attribute_claims(
    referrer: ArrayLike,
    referee: ArrayLike,
    at: NDArray[np.datetime64] | None = None,
    joined_at: NDArray[np.datetime64] | None = None,
    *,
    rule: AttributionRule | None = None,
    valid: NDArray[np.bool_] | None = None,
    on_invalid: OnInvalid = "raise",
    labels: UserIds | None = None,
) -> ClaimDecision:
    """Decide which claims of a referral log are applied (see the module notes for the rules).

    Parameters
    ----------
    referrer, referee : array-like
        ``int64`` user indices per row.
    at : numpy.ndarray, optional
        ``datetime64`` share time per row; orders the claims for ``touch="first"/"last"``.
    joined_at : numpy.ndarray, optional
        ``datetime64`` time the referee joined / first bought, per row (for the window).
    rule : AttributionRule, optional
        Defaults to ``AttributionRule()`` (first touch, no window).
    valid : numpy.ndarray, optional
        Boolean mask of rows with both ids present; the others are reported as missing ids.
    on_invalid : {"raise", "report"}
        What a self-referral or (``touch="unique"``) a second referrer does.
    labels : numpy.ndarray, optional
        User id per index, used in messages.

    Returns
    -------
    ClaimDecision

    Raises
    ------
    InvalidInputError
        With ``on_invalid="raise"``: a self-referral or, under ``touch="unique"``, a referee with
        two different referrers — the message names the rows.

    Examples
    --------
    >>> at = np.array(["2024-01-05", "2024-01-02"], dtype="datetime64[s]")
    >>> attribute_claims(np.array([0, 2]), np.array([1, 1]), at).applied.tolist()   # by time
    [1]
    >>> attribute_claims(np.array([3]), np.array([3]))
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: 'referees' must differ ... (self-referral of 3 at row 0)
    """
    rule = AttributionRule() if rule is None else rule
    referrer = np.asarray(referrer, dtype=np.int64)
    referee = np.asarray(referee, dtype=np.int64)
    n = referrer.shape[0]
    # the decision per row as a position in _CODES; -1: still a candidate
    reason = np.full(n, -1, dtype=np.int8)
    code = {r: _CODES.index(r) for r in _CODES}
    applied_row = np.full(n, -1, dtype=np.int64)

    def label(i: int) -> str:
        return repr(labels[i].item()) if labels is not None else str(i)

    if valid is not None:
        reason[~valid] = code[RejectionReason.MISSING_ID]
    self_ref = (referrer == referee) & (reason < 0)
    if self_ref.any():
        i = int(np.flatnonzero(self_ref)[0])
        if on_invalid == "raise":
            raise InvalidInputError(
                f"'referees' must differ from 'referrers' "
                f"(self-referral of {label(int(referee[i]))} at row {i})"
            )
        reason[self_ref] = code[RejectionReason.SELF_REFERRAL]
    if rule.window_days is not None:
        if at is None or joined_at is None:
            raise InvalidInputError(
                "an attribution window needs both 'at' (share time) and 'joined_at' "
                "(time the referee joined or first bought)"
            )
        lag = (joined_at - at).astype("timedelta64[s]").astype(np.float64) / SECONDS_PER_DAY
        reason[(lag < 0) & (reason < 0)] = code[RejectionReason.JOINED_BEFORE_SHARE]
        reason[(lag > rule.window_days) & (reason < 0)] = code[RejectionReason.OUTSIDE_WINDOW]

    cand = np.flatnonzero(reason < 0)
    n_users = int(referee.max()) + 1 if n else 0
    if cand.size and np.bincount(referee[cand], minlength=n_users).max() <= 1:
        applied = cand  # one claim per referee: nothing competes
    elif cand.size:
        keys: tuple[NDArray[np.int64], ...]
        if at is not None:
            t = at[cand].astype("datetime64[s]").astype(np.int64)
            keys = (cand, t, referee[cand])
        else:
            keys = (cand, referee[cand])
        srt = cand[np.lexsort(keys)]
        ree = referee[srt]
        new_group = np.ones(srt.size, dtype=bool)
        new_group[1:] = ree[1:] != ree[:-1]
        group_id = np.cumsum(new_group) - 1
        if rule.touch == "last":
            last = np.ones(srt.size, dtype=bool)
            last[:-1] = new_group[1:]
            winner_pos = np.flatnonzero(last)
            loser_reason = code[RejectionReason.EARLIER_CLAIM]
        else:
            winner_pos = np.flatnonzero(new_group)
            loser_reason = code[RejectionReason.LATER_CLAIM]
        winner_rows = srt[winner_pos]
        win_of = winner_rows[group_id]
        losers = srt != win_of
        lrows = srt[losers]
        lwin = win_of[losers]
        dup = referrer[lrows] == referrer[lwin]
        if rule.touch == "unique" and (~dup).any():
            k = int(np.flatnonzero(~dup)[0])
            i, w = int(lrows[k]), int(lwin[k])
            if on_invalid == "raise":
                a, b = sorted((i, w))
                raise InvalidInputError(
                    f"'referees' must have at most one referrer (got {label(int(referee[i]))} "
                    f"referred by {label(int(referrer[a]))} at row {a} "
                    f"and by {label(int(referrer[b]))} at row {b})"
                )
            loser_reason = code[RejectionReason.SECOND_REFERRER]
        reason[lrows] = np.where(dup, code[RejectionReason.DUPLICATE_CLAIM], loser_reason)
        applied_row[lrows] = lwin
        applied = np.sort(winner_rows)
    else:
        applied = np.zeros(0, dtype=np.int64)
    rejected = np.flatnonzero(reason >= 0)
    codes = np.array(_CODES, dtype=object)[reason[rejected]]
    return ClaimDecision(
        applied=applied.astype(np.int64),
        rejected_rows=rejected.astype(np.int64),
        rejected_codes=codes,
        rejected_reasons=np.array([c.text for c in codes.tolist()], dtype=str),
        applied_row=applied_row[rejected],
    )
