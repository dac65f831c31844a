"""Notebook display: the objects users look at render as offline HTML; plain reprs stay short."""

from __future__ import annotations

import numpy as np
import pytest

from privtraffic.clv import BetaGeo, GammaGamma
from privtraffic.commission import CommissionPlan, DistributorNetwork, Ledger, OrderPlaced
from privtraffic.data import load_cdnow
from privtraffic.referral import ReferralGraph


def _displayed() -> dict[str, object]:
    s = load_cdnow("summary")
    bg = BetaGeo().fit(s)
    repeat = s.frequency > 0
    gg = GammaGamma().fit(s.frequency[repeat], s.monetary_value[repeat])
    graph = ReferralGraph.from_edges(["a", "a", "b"], ["b", "c", "d"])
    plan = CommissionPlan(level_rates=("0.10", "0.05"), total_cap="0.20")
    net = DistributorNetwork.from_edges(["kol"], ["koc"])
    ledger = Ledger(plan, net)
    ledger.record(OrderPlaced("o1", "2024-05-01", "99.99", "koc"))
    return {
        "fitted model": bg,
        "spend model": gg,
        "parameter summary": bg.summary(),
        "RFM summary": s,
        "KOC score table": graph.koc_scores(["b", "b", "d"], [10.0, 12.0, 5.0]),
        "commission plan": plan,
        "statement": ledger.statement("koc", "2024-05-01", "2024-06-01"),
    }


DISPLAYED = _displayed()


@pytest.mark.parametrize("name", sorted(DISPLAYED))
def test_html_repr_is_offline_html(name: str) -> None:
    html = DISPLAYED[name]._repr_html_()  # type: ignore[attr-defined]
    assert html.lstrip().startswith("<") and "<table" in html
    assert "http://" not in html and "https://" not in html and "<script" not in html


@pytest.mark.parametrize("name", sorted(DISPLAYED))
def test_plain_repr_is_short(name: str) -> None:
    text = repr(DISPLAYED[name])
    assert text and len(text.splitlines()) <= 12 and len(text) <= 1200, text


def test_model_html_shows_estimates_and_standard_errors() -> None:
    bg = DISPLAYED["fitted model"]
    html = bg._repr_html_()  # type: ignore[attr-defined]
    for name, value in bg.params_.items():  # type: ignore[attr-defined]
        assert f"<td>{name}</td>" in html
        assert f"{value:.4g}" in html
    se = np.array(list(bg.standard_errors_.values()))  # type: ignore[attr-defined]
    assert any(f"{v:.4g}" in html for v in se)
