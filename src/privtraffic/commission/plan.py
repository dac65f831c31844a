"""The commission plan: rates per level, caps, rounding, holding period, binding and limits.

Examples
--------
>>> from privtraffic.commission import CommissionPlan
>>> CommissionPlan(level_rates=("0.10", "0.05"), total_cap="0.20", rounding="half_up")
CommissionPlan(levels=(0.10, 0.05), cap=0.20, half_up, CNY, hold 7d)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias, TypedDict, cast

import attrs

from privtraffic._html import html_table
from privtraffic.commission._types import AmountLike, Id, RateLike
from privtraffic.commission.compliance import (
    COMPLIANCE_MAX_LEVELS,
    CRIMINAL_MIN_LEVELS,
    CRIMINAL_MIN_PARTICIPANTS,
)
from privtraffic.errors import ComplianceError, InvalidDefinitionError, InvalidInputError
from privtraffic.money import (
    as_amount,
    as_decimal,
    as_rate,
    check_currency,
    check_rounding,
    format_amount,
)

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "BINDING_MODES",
    "INELIGIBLE_UPLINE_POLICIES",
    "RANK_BASES",
    "CommissionPlan",
    "PlanData",
]

#: How a buyer stays bound to the distributor who first brought them (see :func:`resolve_sharers`).
BINDING_MODES = ("first_wins", "rebind", "expires")

#: What happens at a level whose distributor holds no distribution rights.
INELIGIBLE_UPLINE_POLICIES = ("unpaid", "skip")

#: How distributor ranks are earned (declared, for :func:`compliance_report`).
RANK_BASES = ("sales", "customers", "recruits")


#: Rates per level for each category: a mapping, or ``(category, rates)`` pairs.
CategoryRatesLike: TypeAlias = (
    "Mapping[Id, Sequence[RateLike]] | Iterable[tuple[Id, Sequence[RateLike]]]"
)

#: The uplift of each rank: a mapping, or ``(rank, uplift)`` pairs.
RankUpliftsLike: TypeAlias = "Mapping[int, RateLike] | Iterable[tuple[int, RateLike]]"


class _PlanRates(TypedDict):
    level_rates: list[str]


class PlanData(_PlanRates, total=False):
    """The JSON-ready form of a :class:`CommissionPlan` (:meth:`~CommissionPlan.to_dict`).

    Every key is the plan parameter of the same name (see :class:`CommissionPlan`), with
    decimals written as strings so that a JSON round trip is exact.

    Attributes
    ----------
    level_rates : list of str
        Required. Rate per level, level 1 first.
    total_cap : str
        Ceiling of an order's total commission as a share of the order amount.
    rounding : str
        ``"half_up"``, ``"half_even"`` or ``"down"``.
    currency : str
        ISO 4217 code.
    category_rates : list of (category, list of str)
        Rates per level replacing ``level_rates`` for orders of a category.
    rank_uplifts : list of (int, str)
        Rate added for a beneficiary of each rank.
    holding_days : int
        Days from settlement until commission is payable.
    self_purchase_earns : bool
        Whether a distributor earns on their own orders.
    binding : str
        ``"first_wins"``, ``"rebind"`` or ``"expires"``.
    binding_days : int or None
        Lifetime of a binding with ``binding="expires"``.
    min_payout : str
        Smallest cash payout.
    ineligible_upline : str
        ``"unpaid"`` or ``"skip"``.
    max_levels : int
        Deepest level the plan may pay.
    allow_levels_beyond_compliance : bool
        The explicit decision to pay beyond the compliance limit.
    override_reason : str or None
        Why.
    rank_basis : str
        ``"sales"``, ``"customers"`` or ``"recruits"``.
    entry_fee : str
        A declared fee for distribution rights.

    Examples
    --------
    >>> data: PlanData = {"level_rates": ["0.10", "0.05"], "total_cap": "0.18"}
    >>> CommissionPlan.from_dict(data).total_cap
    Decimal('0.18')
    """

    total_cap: str
    rounding: str
    currency: str
    category_rates: list[tuple[Id, list[str]]]
    rank_uplifts: list[tuple[int, str]]
    holding_days: int
    self_purchase_earns: bool
    binding: str
    binding_days: int | None
    min_payout: str
    ineligible_upline: str
    max_levels: int
    allow_levels_beyond_compliance: bool
    override_reason: str | None
    rank_basis: str
    entry_fee: str


def _definition_error(exc: InvalidInputError) -> InvalidDefinitionError:
    return InvalidDefinitionError(str(exc))


def _rate(value: RateLike, name: str) -> Decimal:
    try:
        return as_rate(value, name)
    except InvalidInputError as exc:
        raise _definition_error(exc) from None


def _rates(values: Sequence[RateLike], name: str) -> tuple[Decimal, ...]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise InvalidDefinitionError(
            f"'{name}' must be a sequence of rates, one per level (got {values!r})"
        )
    out = tuple(_rate(v, f"{name}[{i}]") for i, v in enumerate(values))
    if not out:
        raise InvalidDefinitionError(f"'{name}' must give at least one level")
    return out


def _convert_level_rates(values: Sequence[RateLike]) -> tuple[Decimal, ...]:
    return _rates(values, "level_rates")


def _convert_cap(value: RateLike) -> Decimal:
    return _rate(value, "total_cap")


def _pairs(
    values: object, name: str, key: str, value: str, example: str
) -> list[tuple[object, object]]:
    """The (key, value) pairs of a mapping or of a list of pairs; any other shape is refused
    with the field's name (a JSON plan file can hold anything)."""
    if isinstance(values, Mapping):
        return list(values.items())
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InvalidDefinitionError(
            f"'{name}' must map each {key} to its {value}: a mapping, or a list of "
            f"({key}, {value}) pairs, e.g. {example} (got {values!r})"
        )
    out: list[tuple[object, object]] = []
    for i, item in enumerate(values):
        if isinstance(item, (str, bytes)) or not isinstance(item, Sequence) or len(item) != 2:
            raise InvalidDefinitionError(
                f"'{name}[{i}]' must be a ({key}, {value}) pair, e.g. {example} (got {item!r})"
            )
        out.append((item[0], item[1]))
    return out


def _convert_category_rates(
    values: CategoryRatesLike,
) -> tuple[tuple[Id, tuple[Decimal, ...]], ...]:
    items = _pairs(values, "category_rates", "category", "rates", '{"food": ["0.05", "0.02"]}')
    out: dict[Id, tuple[Decimal, ...]] = {}
    for key, rates in items:
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            raise InvalidDefinitionError(
                f"'category_rates' keys must be strings or integers (got {key!r})"
            )
        if key in out:
            raise InvalidDefinitionError(f"'category_rates' lists category {key!r} twice")
        # the rates' shape is checked by _rates, each rate's by _rate
        out[key] = _rates(cast("Sequence[RateLike]", rates), f"category_rates[{key!r}]")
    kinds = {isinstance(k, str) for k in out}
    if len(kinds) > 1:
        raise InvalidDefinitionError("'category_rates' keys must be all strings or all integers")
    return tuple(sorted(out.items(), key=lambda kv: kv[0]))


def _exact_amount(value: AmountLike, name: str) -> Decimal:
    """An exact decimal amount; its places are checked against the currency after init."""
    try:
        return as_decimal(value, name)
    except InvalidInputError as exc:
        raise _definition_error(exc) from None


def _convert_min_payout(value: AmountLike) -> Decimal:
    return _exact_amount(value, "min_payout")


def _convert_entry_fee(value: AmountLike) -> Decimal:
    return _exact_amount(value, "entry_fee")


def _convert_rank_uplifts(values: RankUpliftsLike) -> tuple[tuple[int, Decimal], ...]:
    items = _pairs(values, "rank_uplifts", "rank", "uplift", '[[2, "0.03"]]')
    out = []
    for rank, uplift in items:
        if isinstance(rank, bool) or not isinstance(rank, int):
            raise InvalidDefinitionError(
                f"'rank_uplifts' keys must be integer ranks (got {rank!r})"
            )
        out.append((rank, _rate(cast("RateLike", uplift), f"rank_uplifts[{rank}]")))
    ranks = [rank for rank, _ in out]
    if len(set(ranks)) < len(ranks):
        twice = next(r for r in ranks if ranks.count(r) > 1)
        raise InvalidDefinitionError(f"'rank_uplifts' lists rank {twice} twice")
    return tuple(sorted(out))


def _check_reason(plan: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise InvalidDefinitionError(
            f"'override_reason' must be a string saying why, or None (got {value!r})"
        )


def _non_negative_int(name: str) -> Callable[[object, attrs.Attribute[int], int], None]:
    def check(plan: object, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidDefinitionError(f"'{name}' must be an integer >= 0 (got {value!r})")

    return check


@attrs.frozen(repr=False)
class CommissionPlan:
    """A distribution-commission plan, validated when it is built.

    Level 1 is the sharer who brought the order, level 2 their upline, and so on. For each
    order the engine finds the beneficiary at every level, takes each one's rate (the level's
    rate, or the order category's, plus the beneficiary's rank uplift), caps the total at
    ``total_cap`` (the sharer's rate is honoured first, deeper levels share what is left), rounds
    the order's total commission once with ``rounding`` and splits that total across the levels
    in proportion to their rates so that the entries add up to it exactly.

    Parameters
    ----------
    level_rates : sequence of Decimal or str
        Rate per level, ``level_rates[0]`` for the sharer. Each in [0, 1]; floats are refused.
    total_cap : Decimal or str, default "1"
        Ceiling of the order's total commission as a share of the order amount. The rounded
        total never exceeds ``total_cap * amount`` (rounding that would lift it over the cap
        rounds down instead).
    rounding : {"half_up", "half_even", "down"}, default "half_up"
        How the order's total commission is rounded to the minor unit.
    currency : str, default "CNY"
        Currency of every order under the plan.
    category_rates : mapping of category to sequence of rates, optional
        Rates per level that replace ``level_rates`` for orders of that category; such an
        order pays only as many levels as its category lists.
    rank_uplifts : mapping of int rank to rate, optional
        Added to a beneficiary's rate at any level when the beneficiary has that rank; the total
        is still capped by ``total_cap``.
    holding_days : int, default 7
        Days after an order is settled (delivered) before its commission becomes payable. Match
        the refund window: China's Consumer Rights Protection Law art. 25 gives online buyers
        seven days from receipt to return goods without reason.
    self_purchase_earns : bool, default True
        Whether a distributor earns commission on an order they bought themselves. When False a
        beneficiary who is the order's buyer is skipped at every level; the other levels are paid
        as usual (their level number does not move up).
    binding : {"first_wins", "rebind", "expires"}, default "first_wins"
        How a buyer is attributed to a sharer across orders (see :func:`resolve_sharers`).
    binding_days : int, optional
        Lifetime of a binding in days; required for ``binding="expires"`` and refused otherwise.
    min_payout : Decimal or str, default "0"
        Smallest cash payout; a smaller payable balance waits for the next payout.
    ineligible_upline : {"unpaid", "skip"}, default "unpaid"
        A level whose distributor holds no distribution rights is left unpaid (``"unpaid"``:
        the commission stays with the merchant, and nobody farther up the chain than the
        plan's depth is ever paid) or skipped (``"skip"``, the "compression" of multi-level
        compensation plans: the next upline who holds rights takes that level).
    max_levels : int, default 2
        The deepest level the plan may pay. Above :data:`COMPLIANCE_MAX_LEVELS` (2) only with
        ``allow_levels_beyond_compliance=True`` and an ``override_reason``.
    allow_levels_beyond_compliance : bool, default False
        The caller's explicit decision to pay more levels than the compliance limit.
    override_reason : str, optional
        Why; required with the override and kept on the plan and in :func:`compliance_report`.
    rank_basis : {"sales", "customers", "recruits"}, default "sales"
        How ranks are earned, declared for :func:`compliance_report`.
    entry_fee : Decimal or str, default "0"
        A fee or qualifying purchase for distribution rights, declared for
        :func:`compliance_report` (the engine itself never charges it).

    Raises
    ------
    InvalidDefinitionError
        Rates outside [0, 1], floats, a level's rates summing above ``total_cap``, an unknown
        rounding/binding/policy name, an inconsistent ``binding_days``, or more levels than
        ``max_levels`` while ``max_levels`` is within the compliance limit.
    ComplianceError
        ``max_levels`` (or the rates given) beyond :data:`COMPLIANCE_MAX_LEVELS` without the
        override and a reason.

    Examples
    --------
    >>> plan = CommissionPlan(level_rates=("0.10", "0.05"), total_cap="0.20")
    >>> plan.n_levels, plan.rates_for(None)
    (2, (Decimal('0.10'), Decimal('0.05')))
    >>> CommissionPlan(level_rates=("0.10", "0.05", "0.02"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    privtraffic.errors.ComplianceError: 'level_rates' pays 3 levels but the compliance limit is 2...
    """

    level_rates: tuple[Decimal, ...] = attrs.field(converter=_convert_level_rates)
    total_cap: Decimal = attrs.field(default=Decimal(1), converter=_convert_cap)
    rounding: str = "half_up"
    currency: str = "CNY"
    category_rates: tuple[tuple[Id, tuple[Decimal, ...]], ...] = attrs.field(
        default=(), converter=_convert_category_rates
    )
    rank_uplifts: tuple[tuple[int, Decimal], ...] = attrs.field(
        default=(), converter=_convert_rank_uplifts
    )
    holding_days: int = attrs.field(default=7, validator=_non_negative_int("holding_days"))
    self_purchase_earns: bool = True
    binding: str = "first_wins"
    binding_days: int | None = None
    min_payout: Decimal = attrs.field(default=Decimal(0), converter=_convert_min_payout)
    ineligible_upline: str = "unpaid"
    max_levels: int = attrs.field(default=2, validator=_non_negative_int("max_levels"))
    allow_levels_beyond_compliance: bool = False
    override_reason: str | None = attrs.field(default=None, validator=_check_reason)
    rank_basis: str = "sales"
    entry_fee: Decimal = attrs.field(default=Decimal(0), converter=_convert_entry_fee)
    _places: int = attrs.field(init=False, default=0, eq=False, repr=False)
    #: The plan in integer rate units as a split uses it, made on first use by
    #: :func:`~privtraffic.commission.split_commission` (the plan is frozen: it never changes).
    _split_form: object = attrs.field(init=False, default=None, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        try:
            check_rounding(self.rounding)
            check_currency(self.currency)
        except InvalidInputError as exc:
            raise _definition_error(exc) from None
        for name in ("min_payout", "entry_fee"):
            value = getattr(self, name)
            try:
                amount = as_amount(value, name, currency=self.currency)
            except InvalidInputError as exc:
                raise _definition_error(exc) from None
            except ArithmeticError:  # more digits than an exact decimal holds
                raise InvalidDefinitionError(
                    f"'{name}' must be an amount of {self.currency} (got {value})"
                ) from None
            object.__setattr__(self, name, amount)
        for name, value, options in (
            ("binding", self.binding, BINDING_MODES),
            ("ineligible_upline", self.ineligible_upline, INELIGIBLE_UPLINE_POLICIES),
            ("rank_basis", self.rank_basis, RANK_BASES),
        ):
            if value not in options:
                raise InvalidDefinitionError(
                    f"'{name}' must be one of {', '.join(map(repr, options))} (got {value!r})"
                )
        for name in ("self_purchase_earns", "allow_levels_beyond_compliance"):
            if not isinstance(getattr(self, name), bool):
                raise InvalidDefinitionError(
                    f"'{name}' must be True or False (got {getattr(self, name)!r})"
                )
        if self.binding == "expires":
            d = self.binding_days
            if isinstance(d, bool) or not isinstance(d, int) or d <= 0:
                raise InvalidDefinitionError(
                    f"'binding_days' must be an integer > 0 when binding='expires' (got {d!r})"
                )
        elif self.binding_days is not None:
            raise InvalidDefinitionError(
                f"'binding_days' applies only to binding='expires' (got {self.binding_days!r} "
                f"with binding={self.binding!r})"
            )
        self._check_levels()
        values = [*self.level_rates, self.total_cap, *(u for _, u in self.rank_uplifts)]
        for _, rates in self.category_rates:
            values.extend(rates)
        places = max(max(0, -int(v.normalize().as_tuple().exponent)) for v in values)
        object.__setattr__(self, "_places", places)
        for name, rates in (("level_rates", self.level_rates), *self._category_items()):
            total = sum(rates, Decimal(0))
            if total > self.total_cap:
                raise InvalidDefinitionError(
                    f"'{name}' must sum to <= total_cap (got {total} > {self.total_cap})"
                )

    def _category_items(self) -> list[tuple[str, tuple[Decimal, ...]]]:
        return [(f"category_rates[{k!r}]", r) for k, r in self.category_rates]

    def _check_levels(self) -> None:
        rule = (
            f"WeChat's platform practice as reported allows {COMPLIANCE_MAX_LEVELS} levels of "
            f"distribution, and the 2013 SPC/SPP/MPS opinion (公通字〔2013〕37号) counts "
            f">= {CRIMINAL_MIN_LEVELS} levels with >= {CRIMINAL_MIN_PARTICIPANTS} participants "
            "toward organising pyramid selling (Criminal Law art. 224-1; 《禁止传销条例》 art. 7)"
        )
        override = (
            "; to go further on purpose pass allow_levels_beyond_compliance=True and an "
            "override_reason"
        )
        deepest = self.n_levels
        overridden = self.allow_levels_beyond_compliance
        if overridden and not (isinstance(self.override_reason, str) and self.override_reason):
            raise InvalidDefinitionError(
                "'override_reason' must be a non-empty string when "
                "allow_levels_beyond_compliance=True"
            )
        if self.max_levels < 1:
            raise InvalidDefinitionError(f"'max_levels' must be >= 1 (got {self.max_levels})")
        if self.max_levels > COMPLIANCE_MAX_LEVELS and not overridden:
            raise ComplianceError(
                f"'max_levels' is {self.max_levels} but the compliance limit is "
                f"{COMPLIANCE_MAX_LEVELS}: {rule}{override}"
            )
        if deepest > self.max_levels:
            if deepest > COMPLIANCE_MAX_LEVELS and not overridden:
                raise ComplianceError(
                    f"'level_rates' pays {deepest} levels but the compliance limit is "
                    f"{COMPLIANCE_MAX_LEVELS}: {rule}{override}"
                )
            raise InvalidDefinitionError(
                f"'level_rates' pays {deepest} levels but 'max_levels' is {self.max_levels}"
            )

    @property
    def n_levels(self) -> int:
        """Deepest level any of the plan's rate tables pays.

        Examples
        --------
        >>> CommissionPlan(level_rates=("0.1",), category_rates={"x": ("0.1", "0.05")}).n_levels
        2
        """
        return max([len(self.level_rates)] + [len(r) for _, r in self.category_rates])

    def rates_for(self, category: Id | None) -> tuple[Decimal, ...]:
        """The per-level rates for an order of ``category`` (``None``: the default rates).

        Examples
        --------
        >>> plan = CommissionPlan(level_rates=("0.10",), category_rates={"food": ("0.02",)})
        >>> plan.rates_for("food"), plan.rates_for("toys")
        ((Decimal('0.02'),), (Decimal('0.10'),))
        """
        for key, rates in self.category_rates:
            if key == category:
                return rates
        return self.level_rates

    def uplift_for(self, rank: int) -> Decimal:
        """The rank uplift added to a beneficiary of ``rank`` (zero when none is set).

        Examples
        --------
        >>> CommissionPlan(level_rates=("0.10",), rank_uplifts={2: "0.03"}).uplift_for(2)
        Decimal('0.03')
        """
        for key, uplift in self.rank_uplifts:
            if key == rank:
                return uplift
        return Decimal(0)

    @property
    def rate_places(self) -> int:
        """Decimal places of the most precise rate (and cap) in the plan.

        Every rate is an integer multiple of ``10 ** -rate_places``: the batch path works in
        those integer units.

        Examples
        --------
        >>> CommissionPlan(level_rates=("0.125", "0.05")).rate_places
        3
        """
        return self._places

    def to_dict(self) -> PlanData:
        """The plan as JSON-ready data (decimals as strings); :meth:`from_dict` inverts it.

        Examples
        --------
        >>> plan = CommissionPlan(level_rates=("0.10", "0.05"))
        >>> CommissionPlan.from_dict(plan.to_dict()) == plan
        True
        """
        return {
            "level_rates": [str(r) for r in self.level_rates],
            "total_cap": str(self.total_cap),
            "rounding": self.rounding,
            "currency": self.currency,
            "category_rates": [(k, [str(r) for r in v]) for k, v in self.category_rates],
            "rank_uplifts": [(k, str(v)) for k, v in self.rank_uplifts],
            "holding_days": self.holding_days,
            "self_purchase_earns": self.self_purchase_earns,
            "binding": self.binding,
            "binding_days": self.binding_days,
            "min_payout": str(self.min_payout),
            "ineligible_upline": self.ineligible_upline,
            "max_levels": self.max_levels,
            "allow_levels_beyond_compliance": self.allow_levels_beyond_compliance,
            "override_reason": self.override_reason,
            "rank_basis": self.rank_basis,
            "entry_fee": str(self.entry_fee),
        }

    @classmethod
    def from_dict(cls, data: PlanData) -> Self:
        """Build a plan from :meth:`to_dict` output (or any mapping of its fields, see
        :class:`PlanData`).

        Raises
        ------
        InvalidDefinitionError
            Unknown keys, or any check of the plan failing.

        Examples
        --------
        >>> CommissionPlan.from_dict({"level_rates": ["0.1"]}).level_rates
        (Decimal('0.1'),)
        """
        known = {f.name for f in attrs.fields(cls) if f.init}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidDefinitionError(f"unknown plan fields: {', '.join(unknown)}")
        return cls(**data)

    def __repr__(self) -> str:
        levels = ", ".join(str(r) for r in self.level_rates)
        extra = ", override" if self.allow_levels_beyond_compliance else ""
        return (
            f"CommissionPlan(levels=({levels}), cap={self.total_cap}, {self.rounding}, "
            f"{self.currency}, hold {self.holding_days}d{extra})"
        )

    def _repr_html_(self) -> str:
        rows: list[tuple[str, str, str]] = [
            (f"level {i + 1}", "default", str(r)) for i, r in enumerate(self.level_rates)
        ]
        for key, rates in self.category_rates:
            rows.extend((f"level {i + 1}", f"category {key}", str(r)) for i, r in enumerate(rates))
        rows.extend((f"rank {k}", "uplift", f"+{v}") for k, v in self.rank_uplifts)
        notes = {
            "total cap": str(self.total_cap),
            "rounding": self.rounding,
            "currency": self.currency,
            "holding days": self.holding_days,
            "self-purchase earns": self.self_purchase_earns,
            "binding": self.binding + (f" ({self.binding_days} days)" if self.binding_days else ""),
            "ineligible upline": self.ineligible_upline,
            "minimum payout": format_amount(self.min_payout, self.currency),
            "max levels": self.max_levels,
        }
        if self.override_reason:
            notes["override reason"] = self.override_reason
        return html_table(
            rows, ["level", "applies to", "rate"], title="CommissionPlan", notes=notes
        )
