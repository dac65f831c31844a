"""Export a machine as a Mermaid ``stateDiagram-v2``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from privtraffic.lifecycle.machine import Machine

__all__ = ["to_mermaid"]


def _label(text: str) -> str:
    # Mermaid labels end at a newline and treat ':' and ';' specially.
    return text.replace(";", ",").replace(":", " ").replace("\n", " ")


def _monotone_or_terminal(machine: Machine, i: int) -> bool:
    from privtraffic.lifecycle.machine import _monotone

    tier = machine.tier_rules[i]
    return tier.terminal or (tier.when is not None and _monotone(tier.when))


def to_mermaid(machine: Machine) -> str:
    """The machine as a Mermaid ``stateDiagram-v2`` diagram.

    Tiers are drawn shallow to deep. Each promotion edge is labelled with the condition of the
    tier it leads to; each tier whose condition can stop holding has a "lapse" edge back to the
    tier below (for scheduled machines, "demotion at refresh").
    A note lists the event kinds.

    Parameters
    ----------
    machine : Machine

    Returns
    -------
    str

    Examples
    --------
    >>> from privtraffic.lifecycle import membership_lifecycle
    >>> print(to_mermaid(membership_lifecycle()))  # doctest: +ELLIPSIS
    stateDiagram-v2
        direction LR
        [*] --> recruited : first event
        recruited --> lapsed : count(purchase, ever) ≥ 1
        lapsed --> activated : count(purchase, 90d) ≥ 1
        activated --> lapsed : lapse
        ...
    """
    names = [t.name for t in machine.tier_rules]
    lines = ["stateDiagram-v2", "    direction LR"]
    entry = machine.tier_rules[0]
    first = "first event" if entry.when is None else _label(entry.when.describe())
    lines.append(f"    [*] --> {names[0]} : {first}")
    down = "demotion at refresh" if machine.refresh_days is not None else "lapse"
    for i in range(1, len(names)):
        when = machine.tier_rules[i].when
        assert when is not None
        lines.append(f"    {names[i - 1]} --> {names[i]} : {_label(when.describe())}")
        if not _monotone_or_terminal(machine, i):
            lines.append(f"    {names[i]} --> {names[i - 1]} : {down}")
    if entry.when is not None:
        lines.append(f"    {names[0]} --> [*] : lapse")
    for tier in machine.tier_rules:
        if tier.description:
            lines.append(f"    {tier.name} : {_label(tier.description)}")
    lines.append(f"    note right of {names[0]} : event kinds - {', '.join(machine.kinds)}")
    return "\n".join(lines)
