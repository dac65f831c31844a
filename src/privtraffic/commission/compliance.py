"""Which regulated features a commission plan comes near, with the sources.

This is an engineering checklist, not legal advice. It points at the rules a Chinese
distribution (分销) programme is usually measured against and says, for one plan, which of the
features those rules name are present. Whether a real programme is lawful depends on facts no
plan object holds (what is sold, at what price, who joins and why); ask a lawyer.

The sources, and what each one is:

* **Statute (administrative).** 《禁止传销条例》 (Regulations on Prohibition of Pyramid Selling),
  State Council Decree No. 444, in force 1 November 2005, art. 7, which names three behaviours:
  (1) paying people by the number of people they recruit, directly or indirectly (拉人头);
  (2) requiring a fee, or a purchase that acts as one, to join or to gain the right to recruit
  (入门费); (3) building upline/downline relations and paying the upline on the downline's sales
  (团队计酬).
* **Statute (criminal).** Criminal Law of the PRC art. 224-1 (added by Amendment VII, 2009):
  organising or leading pyramid selling — entry by fee or purchase, participants ranked in
  levels, pay based directly or indirectly on the number of people recruited.
* **Judicial interpretation.** Opinion of the Supreme People's Court, Supreme People's
  Procuratorate and Ministry of Public Security on handling criminal cases of organising and
  leading pyramid selling (公通字〔2013〕37号, 2013): an organisation with 30 or more participants
  and 3 or more levels meets the threshold for prosecuting its organisers and leaders; pure
  "team pay" tied to sales of goods is not treated as that crime (it remains an administrative
  violation under Decree 444 art. 7(3)).
* **Platform practice (reported, not statute).** WeChat's official-accounts platform announced
  on 26 February 2015 that accounts developing downlines for distribution and paying on
  downline sales would be banned; trade press and shop-system vendors since report the
  platform's working limit as two levels of distribution (二级分销). This is a platform's
  enforcement practice as reported, not a published rule text with a clause number.

Examples
--------
>>> from privtraffic.commission import CommissionPlan, compliance_report
>>> report = compliance_report(CommissionPlan(level_rates=("0.10", "0.05")))
>>> [(f.feature, f.status) for f in report.findings]  # doctest: +NORMALIZE_WHITESPACE
[('depth', 'within'), ('team_pay', 'near'), ('headcount_pay', 'absent'),
 ('entry_fee', 'absent')]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import attrs

from privtraffic._html import html_table
from privtraffic.money import format_amount

if TYPE_CHECKING:
    from privtraffic.commission.network import DistributorNetwork
    from privtraffic.commission.plan import CommissionPlan

__all__ = [
    "COMPLIANCE_MAX_LEVELS",
    "CRIMINAL_MIN_LEVELS",
    "CRIMINAL_MIN_PARTICIPANTS",
    "SOURCES",
    "ComplianceFinding",
    "ComplianceReport",
    "compliance_report",
]

#: Deepest commission level a plan may pay without an explicit override: WeChat's reported
#: two-level practice, one below the three levels the 2013 criminal-case opinion counts.
COMPLIANCE_MAX_LEVELS = 2

#: Levels counted by the 2013 SPC/SPP/MPS opinion (公通字〔2013〕37号) art. 1.
CRIMINAL_MIN_LEVELS = 3

#: Participants counted by the same opinion.
CRIMINAL_MIN_PARTICIPANTS = 30

#: Short citations by key; :class:`ComplianceFinding` refers to them.
SOURCES: dict[str, str] = {
    "decree444_art7": (
        "《禁止传销条例》 (State Council Decree No. 444, 2005), art. 7 — statute (administrative)"
    ),
    "criminal_224_1": "Criminal Law of the PRC, art. 224-1 (Amendment VII, 2009) — statute",
    "spc_2013": (
        "SPC/SPP/MPS opinion on organising and leading pyramid selling, 公通字〔2013〕37号 (2013): "
        ">= 30 participants and >= 3 levels — judicial interpretation"
    ),
    "wechat_2015": (
        "WeChat official-accounts platform notice on illegal distribution models, 26 Feb 2015, "
        "and the two-level limit reported since — platform practice as reported, not statute"
    ),
}


@attrs.frozen
class ComplianceFinding:
    """One regulated feature and where the plan stands on it.

    Attributes
    ----------
    feature : str
        ``"depth"``, ``"team_pay"``, ``"headcount_pay"``, ``"entry_fee"`` or
        ``"organisation"``.
    status : str
        ``"absent"`` (the plan does not have it), ``"within"`` (present but inside the limit),
        ``"near"`` (present; the feature a rule names) or ``"beyond"`` (past a limit; only
        possible with the plan's explicit override).
    detail : str
        What in the plan triggered the status.
    sources : tuple of str
        Keys into :data:`SOURCES`.

    Examples
    --------
    >>> finding = ComplianceFinding("entry_fee", "absent", "no fee", ("decree444_art7",))
    >>> finding.status
    'absent'
    """

    feature: str
    status: str
    detail: str
    sources: tuple[str, ...]


@attrs.frozen(repr=False)
class ComplianceReport:
    """The findings of :func:`compliance_report` for one plan.

    Attributes
    ----------
    findings : tuple of ComplianceFinding
        One per regulated feature, in a fixed order.
    override_reason : str or None
        The reason the plan's author gave for going beyond the level limit, if any.

    Examples
    --------
    >>> from privtraffic.commission import CommissionPlan
    >>> compliance_report(CommissionPlan(level_rates=("0.10",))).flagged
    ()
    """

    findings: tuple[ComplianceFinding, ...]
    override_reason: str | None = None

    @property
    def flagged(self) -> tuple[ComplianceFinding, ...]:
        """The findings whose status is ``"near"`` or ``"beyond"``.

        Examples
        --------
        >>> from privtraffic.commission import CommissionPlan
        >>> report = compliance_report(CommissionPlan(level_rates=("0.10", "0.05")))
        >>> all(f.status in ("near", "beyond") for f in report.flagged)
        True
        """
        return tuple(f for f in self.findings if f.status in ("near", "beyond"))

    def __iter__(self) -> Iterator[ComplianceFinding]:
        return iter(self.findings)

    def __repr__(self) -> str:
        marks = ", ".join(f"{f.feature}={f.status}" for f in self.findings)
        return f"ComplianceReport({marks})"

    def _repr_html_(self) -> str:
        rows = [
            (f.feature, f.status, f.detail, "; ".join(SOURCES[s] for s in f.sources))
            for f in self.findings
        ]
        notes = {"note": "engineering checklist, not legal advice"}
        if self.override_reason:
            notes["override reason"] = self.override_reason
        return html_table(
            rows,
            ["feature", "status", "detail", "sources"],
            title="Commission plan compliance report",
            notes=notes,
        )


def compliance_report(
    plan: CommissionPlan, network: DistributorNetwork | None = None
) -> ComplianceReport:
    """List the regulated features a commission plan comes near, with the sources.

    Four features are checked, in this order:

    ``depth``
        How many levels the plan pays. ``within`` up to :data:`COMPLIANCE_MAX_LEVELS` (2),
        ``beyond`` from :data:`CRIMINAL_MIN_LEVELS` (3) on — which a plan only reaches with
        ``allow_levels_beyond_compliance=True``.
    ``team_pay``
        Paying an upline on a downline's sales (Decree 444 art. 7(3)). Any plan paying a second
        level does this, so two-level plans are reported ``near``: it is the feature the rule
        names, mitigated when commissions come only from real sales at real prices.
    ``headcount_pay``
        Pay tied to the number of people recruited (art. 7(1), Criminal Law art. 224-1).
        The engine never pays per recruit; it is ``near`` when the plan pays rank uplifts and
        declares ``rank_basis="recruits"`` (ranks earned by recruiting).
    ``entry_fee``
        A fee or qualifying purchase to gain distribution rights (art. 7(2), art. 224-1),
        ``near`` when the plan declares ``entry_fee > 0``.
    ``organisation``
        Only with ``network``: the 2013 opinion counts the levels and participants of the
        *organisation*, not the levels a plan pays. ``near`` when the network is
        :data:`CRIMINAL_MIN_LEVELS` or more levels deep and has
        :data:`CRIMINAL_MIN_PARTICIPANTS` or more distributors. The counts matter only for an
        activity that is pyramid selling in the first place (entry fees, pay on headcount), so
        this is a flag to look at, not a finding.

    Parameters
    ----------
    plan : CommissionPlan
        The plan to review.
    network : DistributorNetwork, optional
        The distributor network, for the ``organisation`` check.

    Returns
    -------
    ComplianceReport

    Notes
    -----
    Not legal advice: a checklist of what the cited rules name, applied to what the plan object
    says. See the module docstring and the guide page for the sources and what kind of source
    each is.

    References
    ----------
    .. [1] 《禁止传销条例》, State Council Decree No. 444 (2005), art. 7.
    .. [2] Criminal Law of the PRC, art. 224-1.
    .. [3] SPC/SPP/MPS, 公通字〔2013〕37号 (2013).
    .. [4] WeChat official-accounts platform notice, 26 February 2015 (as reported).

    Examples
    --------
    >>> from privtraffic.commission import CommissionPlan
    >>> plan = CommissionPlan(
    ...     level_rates=("0.10", "0.05", "0.02"),
    ...     max_levels=3,
    ...     allow_levels_beyond_compliance=True,
    ...     override_reason="legal review 2024-03, counsel X",
    ... )
    >>> [f.status for f in compliance_report(plan)]
    ['beyond', 'near', 'absent', 'absent']
    """
    levels = plan.n_levels
    if levels > COMPLIANCE_MAX_LEVELS:  # that is, >= CRIMINAL_MIN_LEVELS
        depth = ComplianceFinding(
            "depth",
            "beyond",
            f"pays {levels} levels: the 2013 opinion counts >= {CRIMINAL_MIN_LEVELS} levels "
            f"(with >= {CRIMINAL_MIN_PARTICIPANTS} participants) and WeChat reportedly allows "
            f"{COMPLIANCE_MAX_LEVELS}; built with an explicit override",
            ("spc_2013", "criminal_224_1", "wechat_2015"),
        )
    else:
        depth = ComplianceFinding(
            "depth",
            "within",
            f"pays {levels} level(s), limit {COMPLIANCE_MAX_LEVELS}",
            ("wechat_2015", "spc_2013"),
        )
    if levels >= 2:
        team = ComplianceFinding(
            "team_pay",
            "near",
            ("level 2 pays" if levels == 2 else f"levels 2..{levels} pay")
            + " an upline on a downline's sales; keep commissions tied to real sales at "
            "market prices",
            ("decree444_art7", "spc_2013"),
        )
    else:
        team = ComplianceFinding(
            "team_pay", "absent", "only the sharer who made the sale is paid", ("decree444_art7",)
        )
    if plan.rank_uplifts and plan.rank_basis == "recruits":
        headcount = ComplianceFinding(
            "headcount_pay",
            "near",
            "rank uplifts are paid and ranks are declared to be earned by recruiting",
            ("decree444_art7", "criminal_224_1"),
        )
    else:
        why = (
            f"rank uplifts follow ranks earned by {plan.rank_basis}"
            if plan.rank_uplifts
            else "no pay per recruit, no rank uplifts"
        )
        headcount = ComplianceFinding(
            "headcount_pay", "absent", why, ("decree444_art7", "criminal_224_1")
        )
    if plan.entry_fee > 0:
        fee = ComplianceFinding(
            "entry_fee",
            "near",
            f"distribution rights cost {format_amount(plan.entry_fee, plan.currency)}",
            ("decree444_art7", "criminal_224_1"),
        )
    else:
        fee = ComplianceFinding(
            "entry_fee",
            "absent",
            "no entry fee declared",
            ("decree444_art7", "criminal_224_1"),
        )
    findings = [depth, team, headcount, fee]
    if network is not None:
        levels_deep = int(network.depths().max()) if len(network) else 0
        people = len(network)
        shape = f"network is {levels_deep} level(s) deep with {people:,} distributors"
        big = levels_deep >= CRIMINAL_MIN_LEVELS and people >= CRIMINAL_MIN_PARTICIPANTS
        findings.append(
            ComplianceFinding(
                "organisation",
                "near" if big else "within",
                shape
                + (
                    f" (the 2013 opinion counts >= {CRIMINAL_MIN_LEVELS} levels and "
                    f">= {CRIMINAL_MIN_PARTICIPANTS} participants of the organisation)"
                    if big
                    else ""
                ),
                ("spc_2013",),
            )
        )
    return ComplianceReport(tuple(findings), plan.override_reason)
