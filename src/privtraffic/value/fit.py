"""Private-domain fit: does a business have repeat purchase, a decision worth nurturing, sharing?"""

from __future__ import annotations

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._validation import (
    DAYS_PER_MONTH,
    SECONDS_PER_DAY,
    Moment,
    as_datetime64,
    as_ids,
    check_same_length,
    unit_days,
)
from privtraffic.errors import InvalidDefinitionError, InvalidInputError

__all__ = ["FitLine", "FitScorecard", "FitThresholds", "fit_assessment"]


def _positive(instance: FitThresholds, attribute: attrs.Attribute[float], value: float) -> None:
    if not (np.isfinite(value) and value >= 0):
        raise InvalidInputError(f"'{attribute.name}' must be >= 0 (got {value!r})")


@attrs.frozen
class FitThresholds:
    """The cut-offs behind each line of the scorecard (judgement calls, made explicit).

    Each measure is *strong* at or above its ``strong_`` value, *moderate* at or above its
    ``moderate_`` value and *weak* below. The defaults are rules of thumb for consumer goods
    sold through WeCom / groups / mini-programs, not figures from a study: change them for your
    category. Each strong cut-off must be at least its moderate one.

    Parameters
    ----------
    strong_repeat, moderate_repeat : float
        Expected repeat purchases per customer per year.
    strong_alive, moderate_alive : float
        Share of customers still alive (mean BG/NBD P(alive)); needed for *strong* repeat.
    strong_cycle_days, moderate_cycle_days : float
        Median days from first touch to first purchase: a considered purchase gains most from
        a relationship that nurtures it.
    strong_share_rate, moderate_share_rate : float
        Share of customers who shared at least once.
    strong_share_conversion, moderate_share_conversion : float
        Share of shares that brought a new user.

    Raises
    ------
    InvalidInputError
        A negative or non-finite cut-off.
    InvalidDefinitionError
        A strong cut-off below its moderate one.

    Examples
    --------
    >>> FitThresholds(strong_repeat=4.0).strong_repeat
    4.0
    """

    strong_repeat: float = attrs.field(default=3.0, converter=float, validator=_positive)
    moderate_repeat: float = attrs.field(default=1.0, converter=float, validator=_positive)
    strong_alive: float = attrs.field(default=0.5, converter=float, validator=_positive)
    moderate_alive: float = attrs.field(default=0.25, converter=float, validator=_positive)
    strong_cycle_days: float = attrs.field(default=7.0, converter=float, validator=_positive)
    moderate_cycle_days: float = attrs.field(default=2.0, converter=float, validator=_positive)
    strong_share_rate: float = attrs.field(default=0.2, converter=float, validator=_positive)
    moderate_share_rate: float = attrs.field(default=0.05, converter=float, validator=_positive)
    strong_share_conversion: float = attrs.field(default=0.15, converter=float, validator=_positive)
    moderate_share_conversion: float = attrs.field(
        default=0.05, converter=float, validator=_positive
    )

    def __attrs_post_init__(self) -> None:
        for name in ("repeat", "alive", "cycle_days", "share_rate", "share_conversion"):
            strong = getattr(self, f"strong_{name}")
            moderate = getattr(self, f"moderate_{name}")
            if strong < moderate:
                raise InvalidDefinitionError(
                    f"'strong_{name}' must be >= 'moderate_{name}' (got {strong!r} < {moderate!r})"
                )


@attrs.frozen
class FitLine:
    """One line of the scorecard.

    Attributes
    ----------
    criterion : str
        ``"repeat purchase"``, ``"decision cycle"`` or ``"shareability"``.
    rating : str
        ``"strong"``, ``"moderate"``, ``"weak"`` or ``"not assessed"``.
    evidence : dict of str to float
        The measured numbers behind the rating.
    explanation : str
        One plain-language sentence.

    Examples
    --------
    >>> FitLine("shareability", "not assessed", {}, "No share log was given.").rating
    'not assessed'
    """

    criterion: str
    rating: str
    evidence: dict[str, float]
    explanation: str


_POINTS = {"strong": 2, "moderate": 1, "weak": 0}


@attrs.frozen(repr=False)
class FitScorecard:
    """The private-domain fit scorecard: three lines of evidence and a verdict.

    Attributes
    ----------
    lines : tuple of FitLine
    verdict : str
        ``"good fit"``, ``"partial fit"`` or ``"poor fit"``.
    summary : str
        The verdict in a sentence.
    bgnbd_params : dict of str to float
        The BG/NBD parameters behind the repeat line (``alpha`` in weeks).

    Examples
    --------
    >>> line = FitLine("repeat purchase", "strong", {"expected_repeat_per_year": 4.2}, "Often.")
    >>> card = FitScorecard(lines=(line,), verdict="good fit", summary="Good fit.", bgnbd_params={})
    >>> print(card)
    Private-domain fit: good fit
    Good fit.
    - repeat purchase: strong (expected_repeat_per_year=4.2). Often.
    """

    lines: tuple[FitLine, ...]
    verdict: str
    summary: str
    bgnbd_params: dict[str, float]

    def __str__(self) -> str:
        out = [f"Private-domain fit: {self.verdict}", self.summary]
        for line in self.lines:
            numbers = ", ".join(f"{k}={_number(v)}" for k, v in line.evidence.items())
            out.append(f"- {line.criterion}: {line.rating} ({numbers}). {line.explanation}")
        return "\n".join(out)

    def __repr__(self) -> str:
        ratings = ", ".join(f"{line.criterion}={line.rating}" for line in self.lines)
        return f"FitScorecard({self.verdict!r}; {ratings})"

    def _repr_html_(self) -> str:
        from privtraffic._html import html_table

        rows = [
            (
                line.criterion,
                line.rating,
                "; ".join(f"{k} = {_number(v)}" for k, v in line.evidence.items()),
                line.explanation,
            )
            for line in self.lines
        ]
        return html_table(
            rows,
            ["criterion", "rating", "evidence", "explanation"],
            title=f"Private-domain fit: {self.verdict}",
            notes={"summary": self.summary},
        )


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:.4g}"


def _rate(value: float, strong: float, moderate: float) -> str:
    if value >= strong:
        return "strong"
    return "moderate" if value >= moderate else "weak"


def fit_assessment(
    customer_ids: ArrayLike,
    timestamps: ArrayLike,
    *,
    first_touch: tuple[ArrayLike, ArrayLike] | None = None,
    sharers: ArrayLike | None = None,
    converted_shares: int | None = None,
    observation_end: Moment | None = None,
    thresholds: FitThresholds | None = None,
) -> FitScorecard:
    """Score how well a business suits a private domain, with the evidence behind each line.

    Three questions the field asks of a product before building a private domain for it:

    * **Repeat purchase** — a BG/NBD model (:class:`privtraffic.clv.BetaGeo`) is fitted to the
      transaction log (weekly units, purchases merged per day; customers whose first purchase
      is on the last day have no history and are left out, and counted); the line reports the mean
      expected repeat purchases per customer over the next year and the mean probability that a
      customer is still alive. *Strong* needs both the repeat and the alive threshold.
    * **Decision cycle** — median days from a user's first touch (``first_touch``) to their
      first purchase, over users who bought after touching. A considered purchase gains from a
      relationship that nurtures it; an impulse buy gains little.
    * **Shareability** — share of customers (buyers) who shared at least once (``sharers``) and
      share of shares that converted (``converted_shares``). *Strong* needs both thresholds.

    A line without its data is "not assessed". The verdict adds 2 points per strong line and 1
    per moderate one over the assessed lines: at least 75% of the possible points is a
    "good fit", at least 40% a "partial fit", less a "poor fit".

    Parameters
    ----------
    customer_ids, timestamps : array-like
        The transaction log: one row per purchase.
    first_touch : (user_ids, timestamps), optional
        Touch events (connects, follows); each user's earliest counts.
    sharers : array-like, optional
        The sharing user of each share event.
    converted_shares : int, optional
        How many of those shares brought a new user. Needs ``sharers``.
    observation_end : timestamp, optional
        End of observation (default: the last purchase).
    thresholds : FitThresholds, optional
        The cut-offs; default :class:`FitThresholds`.

    Returns
    -------
    FitScorecard

    Raises
    ------
    InvalidInputError
        Bad transaction log, touch log of mismatched lengths, ``converted_shares`` without
        ``sharers`` or above the number of shares.

    Examples
    --------
    >>> import numpy as np
    >>> from privtraffic.simulate import simulate_private_domain
    >>> w = simulate_private_domain(3000, days=365, rng=np.random.default_rng(0))
    >>> ev = w.events
    >>> shares = ev.kind == "share"
    >>> card = fit_assessment(
    ...     w.orders.user_id, w.orders.at,
    ...     first_touch=(ev.user_id[ev.kind == "connect"], ev.at[ev.kind == "connect"]),
    ...     sharers=ev.user_id[shares], converted_shares=len(w.referrals),
    ...     observation_end=w.observation_end,
    ... )
    >>> [line.rating for line in card.lines], card.verdict
    (['moderate', 'strong', 'moderate'], 'partial fit')
    >>> round(card.lines[1].evidence["median_days_to_first_purchase"], 1)
    9.4
    """
    from privtraffic.clv import BetaGeo
    from privtraffic.data import summarize_transactions

    limits = thresholds if thresholds is not None else FitThresholds()
    if sharers is None and converted_shares is not None:
        raise InvalidInputError("'converted_shares' needs 'sharers' (the share events)")
    ids = as_ids(customer_ids, "customer_ids")
    at = as_datetime64(timestamps, "timestamps", unit="s")
    check_same_length(customer_ids=ids, timestamps=at)
    end = (
        None if observation_end is None else as_datetime64([observation_end], "observation_end")[0]
    )
    summary = summarize_transactions(ids, at, unit="W", observation_end=end)
    # A customer whose first purchase is on the last day has T = 0 and no history to learn
    # from: left out of the model, and counted in the evidence.
    seen = summary.T > 0
    if not np.any(seen):
        raise InvalidInputError(
            "'timestamps' must span more than one day before 'observation_end' "
            "(every customer bought first on the last day)"
        )
    f, rec, big_t = summary.frequency[seen], summary.recency[seen], summary.T[seen]
    model = BetaGeo().fit(f, rec, big_t)
    year = 12 * DAYS_PER_MONTH / unit_days("W")  # one year in the model's unit, weeks
    repeat = float(np.mean(model.expected_purchases(year, f, rec, big_t)))
    alive = float(np.mean(model.probability_alive(f, rec, big_t)))
    rating = _rate(repeat, limits.strong_repeat, limits.moderate_repeat)
    if rating == "strong" and alive < limits.strong_alive:
        rating = "moderate"
    if rating == "moderate" and alive < limits.moderate_alive:
        rating = "weak"
    lines = [
        FitLine(
            "repeat purchase",
            rating,
            {
                "customers": float(np.sum(seen)),
                "first_bought_on_last_day": float(np.sum(~seen)),
                "expected_repeat_per_year": repeat,
                "share_alive": alive,
            },
            {
                "strong": "Customers come back often and most are still active: a relationship "
                "pays for itself in repeat orders.",
                "moderate": "Some repeat buying: the private domain must work for each re-order.",
                "weak": "Little repeat buying: most value is in the first order, which public "
                "channels already capture.",
            }[rating],
        )
    ]
    lines.append(_decision_line(ids, at, first_touch, limits))
    lines.append(_share_line(ids, sharers, converted_shares, limits))
    assessed = [line for line in lines if line.rating != "not assessed"]
    points = sum(_POINTS[line.rating] for line in assessed)
    share = points / (2 * len(assessed))
    verdict = "good fit" if share >= 0.75 else "partial fit" if share >= 0.4 else "poor fit"
    weak = [line.criterion for line in assessed if line.rating == "weak"]
    strong = [line.criterion for line in assessed if line.rating == "strong"]
    text = f"{verdict.capitalize()} for a private domain"
    if strong:
        text += f": strong on {', '.join(strong)}"
    if weak:
        text += f"{';' if strong else ':'} weak on {', '.join(weak)}"
    return FitScorecard(
        lines=tuple(lines),
        verdict=verdict,
        summary=text + ".",
        bgnbd_params={k: float(v) for k, v in model.params_.items()},
    )


def _decision_line(
    ids: NDArray[np.generic],
    at: NDArray[np.datetime64],
    first_touch: tuple[ArrayLike, ArrayLike] | None,
    limits: FitThresholds,
) -> FitLine:
    if first_touch is None:
        return FitLine("decision cycle", "not assessed", {}, "No touch log was given.")
    try:
        touch_users, touch_at = first_touch
    except (TypeError, ValueError):
        raise InvalidInputError(
            "'first_touch' must be a pair (user_ids, timestamps) of touch events"
        ) from None
    t_ids = as_ids(touch_users, "first_touch[0]")
    t_at = as_datetime64(touch_at, "first_touch[1]", unit="s")
    check_same_length(**{"first_touch[0]": t_ids, "first_touch[1]": t_at})
    if t_ids.dtype.kind != ids.dtype.kind:
        raise InvalidInputError(
            "'first_touch[0]' must use the same kind of ids as 'customer_ids' "
            f"(got {t_ids.dtype} and {ids.dtype})"
        )
    buyers, inv = np.unique(ids, return_inverse=True)
    first_buy = np.full(buyers.shape[0], np.iinfo(np.int64).max)
    np.minimum.at(first_buy, inv.ravel(), at.astype(np.int64))
    touched, tinv = np.unique(t_ids, return_inverse=True)
    first_touch_s = np.full(touched.shape[0], np.iinfo(np.int64).max)
    np.minimum.at(first_touch_s, tinv.ravel(), t_at.astype(np.int64))
    pos = np.minimum(np.searchsorted(touched, buyers), max(touched.shape[0] - 1, 0))
    # an empty touch log is a log in which no buyer was touched
    has_touch = touched[pos] == buyers if touched.shape[0] else np.zeros(buyers.shape, bool)
    gap_days = (first_buy[has_touch] - first_touch_s[pos[has_touch]]) / SECONDS_PER_DAY
    before = int(np.sum(gap_days < 0))
    gap_days = gap_days[gap_days >= 0]
    evidence = {
        "buyers_with_touch": float(gap_days.shape[0]),
        "bought_before_touch": float(before),
        "buyers_without_touch": float(np.sum(~has_touch)),
    }
    if gap_days.shape[0] == 0:
        return FitLine(
            "decision cycle", "not assessed", evidence, "No buyer bought after a first touch."
        )
    median = float(np.median(gap_days))
    evidence["median_days_to_first_purchase"] = median
    evidence["mean_days_to_first_purchase"] = float(np.mean(gap_days))
    rating = _rate(median, limits.strong_cycle_days, limits.moderate_cycle_days)
    explanation = {
        "strong": "Buyers take time to decide: content and conversation in the private domain "
        "can carry them to the first order.",
        "moderate": "A short consideration: a few well-timed touches can tip the decision.",
        "weak": "Buyers decide almost at once: nurturing adds little before the first order.",
    }[rating]
    return FitLine("decision cycle", rating, evidence, explanation)


def _share_line(
    ids: NDArray[np.generic],
    sharers: ArrayLike | None,
    converted: int | None,
    limits: FitThresholds,
) -> FitLine:
    if sharers is None:
        if converted is not None:
            raise InvalidInputError("'converted_shares' needs 'sharers' (the share events)")
        return FitLine("shareability", "not assessed", {}, "No share log was given.")
    s_ids = as_ids(sharers, "sharers")
    n_shares = s_ids.shape[0]
    customers = np.unique(ids)
    if s_ids.dtype.kind != customers.dtype.kind and n_shares:
        raise InvalidInputError(
            f"'sharers' must use the same kind of ids as 'customer_ids' "
            f"(got {s_ids.dtype} and {customers.dtype})"
        )
    share_rate = float(np.isin(customers, s_ids).mean())
    evidence = {"shares": float(n_shares), "share_rate": share_rate}
    rating = _rate(share_rate, limits.strong_share_rate, limits.moderate_share_rate)
    if converted is not None:
        if isinstance(converted, bool) or not isinstance(converted, (int, np.integer)):
            raise InvalidInputError(f"'converted_shares' must be an integer (got {converted!r})")
        if not 0 <= converted <= n_shares:
            raise InvalidInputError(
                f"'converted_shares' must be in 0..{n_shares}, the number of shares "
                f"(got {converted})"
            )
        conversion = converted / n_shares if n_shares else 0.0
        evidence["share_conversion"] = conversion
        second = _rate(conversion, limits.strong_share_conversion, limits.moderate_share_conversion)
        rating = min(rating, second, key=lambda r: _POINTS[r])
    explanation = {
        "strong": "Customers share and their shares convert: word of mouth can grow the pool.",
        "moderate": "Some sharing: referral incentives and KOC programmes need support.",
        "weak": "Little sharing or little conversion: growth must be bought in public channels.",
    }[rating]
    return FitLine("shareability", rating, evidence, explanation)
