"""Comparing two flow variants: the two-proportion z-test with confidence intervals."""

from __future__ import annotations

import attrs
import numpy as np

from privtraffic.errors import InvalidInputError
from privtraffic.funnel.steps import FunnelResult

__all__ = ["ProportionComparison", "compare_proportions", "compare_variants"]


@attrs.frozen
class ProportionComparison:
    """Two conversion rates side by side, their difference, and the two-proportion z-test.

    Attributes
    ----------
    successes_a, trials_a, successes_b, trials_b : int
    rate_a, rate_b : float
    ci_a, ci_b : tuple of float
        Wilson score intervals of each rate.
    difference : float
        ``rate_b - rate_a``.
    ci_difference : tuple of float
        Wald interval of the difference (unpooled standard error).
    z : float
        Pooled two-proportion z statistic for ``rate_b - rate_a``.
    p_value : float
        Two-sided p-value.
    confidence : float

    Examples
    --------
    >>> c = compare_proportions(120, 1000, 150, 1000)
    >>> round(c.z, 4), round(c.p_value, 4), round(c.difference, 2)
    (1.963, 0.0496, 0.03)
    """

    successes_a: int
    trials_a: int
    successes_b: int
    trials_b: int
    rate_a: float
    rate_b: float
    ci_a: tuple[float, float]
    ci_b: tuple[float, float]
    difference: float
    ci_difference: tuple[float, float]
    z: float
    p_value: float
    confidence: float

    def _repr_html_(self) -> str:
        from privtraffic._html import html_table

        rows = [
            ("A", self.successes_a, self.trials_a, self.rate_a, *self.ci_a),
            ("B", self.successes_b, self.trials_b, self.rate_b, *self.ci_b),
            ("B - A", "", "", self.difference, *self.ci_difference),
        ]
        return html_table(
            rows,
            ["variant", "successes", "trials", "rate", "ci_low", "ci_high"],
            title="Two-proportion comparison",
            notes={"z": self.z, "p_value": self.p_value, "confidence": self.confidence},
        )


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise InvalidInputError(f"'{name}' must be a whole number (got {value!r})")
    if value < 0:
        raise InvalidInputError(f"'{name}' must be >= 0 (got {value!r})")
    return int(value)


def compare_proportions(
    successes_a: int,
    trials_a: int,
    successes_b: int,
    trials_b: int,
    *,
    confidence: float = 0.95,
) -> ProportionComparison:
    """Two-proportion z-test of ``rate_b - rate_a`` with Wilson and Wald intervals.

    Parameters
    ----------
    successes_a, trials_a : int
        Conversions and exposed users of variant A.
    successes_b, trials_b : int
        The same for variant B.
    confidence : float
        Confidence level of the intervals, in (0, 1).

    Returns
    -------
    ProportionComparison
        Both rates with their Wilson intervals, and the difference with its Wald interval and
        the test's z and two-sided p-value.

    Raises
    ------
    InvalidInputError
        Negative or fractional counts, successes above trials, no trials, or a confidence level
        outside (0, 1).

    Notes
    -----
    :math:`z = (\\hat p_B - \\hat p_A) / \\sqrt{\\hat p (1 - \\hat p)(1/n_A + 1/n_B)}` with the
    pooled :math:`\\hat p`; :math:`z^2` is Pearson's :math:`\\chi^2` of the 2 × 2 table without
    continuity correction (``scipy.stats.chi2_contingency(..., correction=False)``). When both
    variants convert nobody (or everybody) there is no evidence of a difference: ``z = 0``,
    ``p = 1``. Each rate's interval is the Wilson score interval from
    ``scipy.stats.binomtest``; the difference's is the Wald interval.

    References
    ----------
    .. [1] A. Agresti (2013). *Categorical Data Analysis*, 3rd ed., Wiley, sections 1.4 and 2.1.

    Examples
    --------
    >>> c = compare_proportions(300, 500, 360, 500)
    >>> [round(x, 4) for x in c.ci_b], round(c.p_value, 6)
    ([0.6791, 0.7576], 6.2e-05)
    """
    from scipy import stats

    ka, na = _count(successes_a, "successes_a"), _count(trials_a, "trials_a")
    kb, nb = _count(successes_b, "successes_b"), _count(trials_b, "trials_b")
    for k, n, v in ((ka, na, "a"), (kb, nb, "b")):
        if n == 0:
            raise InvalidInputError(f"'trials_{v}' must be > 0 (got 0)")
        if k > n:
            raise InvalidInputError(f"'successes_{v}' must be <= trials_{v} (got {k} > {n})")
    if not 0 < confidence < 1:
        raise InvalidInputError(f"'confidence' must be in (0, 1) (got {confidence!r})")
    pa, pb = ka / na, kb / nb
    pooled = (ka + kb) / (na + nb)
    se0 = np.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    z = float((pb - pa) / se0) if se0 > 0 else 0.0
    p_value = float(2 * stats.norm.sf(abs(z)))
    crit = float(stats.norm.ppf(0.5 + confidence / 2))
    se = float(np.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb))
    diff = pb - pa

    def wilson(k: int, n: int) -> tuple[float, float]:
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
        return (float(ci.low), float(ci.high))

    return ProportionComparison(
        successes_a=ka,
        trials_a=na,
        successes_b=kb,
        trials_b=nb,
        rate_a=pa,
        rate_b=pb,
        ci_a=wilson(ka, na),
        ci_b=wilson(kb, nb),
        difference=diff,
        ci_difference=(diff - crit * se, diff + crit * se),
        z=z,
        p_value=p_value,
        confidence=float(confidence),
    )


def compare_variants(
    a: FunnelResult,
    b: FunnelResult,
    *,
    step: str | int = -1,
    confidence: float = 0.95,
) -> ProportionComparison:
    """Compare two flow variants on the share of entrants who reached ``step``.

    The variants may have different steps (a flow split into guided sub-steps): the trials are
    the users who took each variant's first step, the successes those who reached ``step``,
    looked up by name in each variant (or by index, ``-1`` being the end of each flow).

    Parameters
    ----------
    a, b : FunnelResult
        The control and the challenger.
    step : str or int
        The outcome step.
    confidence : float
        Confidence level of the intervals.

    Returns
    -------
    ProportionComparison
        As :func:`compare_proportions` of ``a``'s and ``b``'s entrants and reach of ``step``.

    Raises
    ------
    InvalidInputError
        ``step`` is not a step of one of the variants.

    Examples
    --------
    >>> from privtraffic.funnel import Funnel
    >>> one = Funnel(["connect", "join"], window=7).analyze(
    ...     [1, 1, 2, 3], ["connect", "join", "connect", "connect"], [0, 1, 0, 0])
    >>> two = Funnel(["connect", "guide", "join"], window=7).analyze(
    ...     [4, 4, 4, 5, 5], ["connect", "guide", "join", "connect", "guide"], [0, 1, 2, 0, 1])
    >>> c = compare_variants(one, two, step="join")
    >>> round(c.rate_a, 4), c.rate_b
    (0.3333, 0.5)
    """
    ka = int(a.n_reached[a.step_index(step)])
    kb = int(b.n_reached[b.step_index(step)])
    return compare_proportions(
        ka, int(a.n_reached[0]), kb, int(b.n_reached[0]), confidence=confidence
    )
