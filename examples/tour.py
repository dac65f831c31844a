# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A tour of privtraffic
#
# One pass through every module on the bundled CDNOW data and a simulated private domain:
# data preparation, the BTYD / CLV models, relationship tiers, referral graphs and KOCs, exact
# commissions, value decomposition and concentration, segments, funnels - with the plots of
# `privtraffic.plotting`. Run it as a script (`python examples/tour.py`: plots are saved as
# PNG files in the current folder) or open it as a notebook with jupytext.

# %%
import matplotlib

matplotlib.use("Agg")  # save the figures to files; in a notebook, delete this line

import matplotlib.pyplot as plt
import numpy as np

from privtraffic import plotting

saved = []


def save(ax, name):
    """Save the figure of ``ax`` as ``tour-<name>.png`` in the current folder and close it."""
    fig = ax.figure
    fig.tight_layout()
    path = f"tour-{name}.png"
    fig.savefig(path, dpi=80)
    plt.close(fig)
    saved.append(path)


# %% [markdown]
# ## Data: CDNOW, transaction logs and RFM summaries

# %%
from privtraffic.data import load_cdnow, summarize_transactions

log = load_cdnow("transactions")  # 6,919 purchases of the 2,357-customer cohort
cal = summarize_transactions(log, unit="W", calibration_end="1997-09-30")
print(f"{len(log):,} transactions -> {len(cal):,} customers; T max {cal.T.max():.2f} weeks")

# %% [markdown]
# ## Buy till you die: BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma

# %%
from privtraffic.clv import BetaGeo, GammaGamma, ModifiedBetaGeo, customer_lifetime_value

bgf = BetaGeo().fit(cal.frequency, cal.recency, cal.T)
print(bgf.summary())
mbg = ModifiedBetaGeo().fit(cal.frequency, cal.recency, cal.T)
print(f"log-likelihood BG/NBD {bgf.log_likelihood_:.2f}, MBG/NBD {mbg.log_likelihood_:.2f}")
restored = BetaGeo.from_json(bgf.to_json())  # parameters only, never pickle
assert np.allclose(
    restored.expected_purchases(10, cal.frequency, cal.recency, cal.T),
    bgf.expected_purchases(10, cal.frequency, cal.recency, cal.T),
)

# %%
from privtraffic.clv import BetaGeoBetaBinom, ParetoNBD
from privtraffic.data import load_donations

pnbd = ParetoNBD().fit(cal.frequency, cal.recency, cal.T)
print(f"Pareto/NBD log-likelihood {pnbd.log_likelihood_:.2f}")
print(pnbd.summary())
d = load_donations()  # discrete time: 11,104 donors, 6 annual opportunities
bgbb = BetaGeoBetaBinom().fit(d.frequency, d.recency, d.n_periods, weights=d.weights)
print("BG/BB on the donations data:", {k: round(v, 3) for k, v in bgbb.params_.items()})

# %%
save(plotting.plot_period_transactions(bgf, cal.frequency, cal.T), "period-transactions")
save(
    plotting.plot_calibration_purchases_vs_holdout_purchases(
        bgf, cal.frequency, cal.recency, cal.T, cal.holdout_frequency, cal.holdout_duration
    ),
    "calibration-vs-holdout",
)
save(
    plotting.plot_cumulative_transactions(
        bgf, log.customer_id, log.timestamp, calibration_end="1997-09-30"
    ),
    "cumulative-transactions",
)
save(
    plotting.plot_incremental_transactions(
        bgf, log.customer_id, log.timestamp, calibration_end="1997-09-30"
    ),
    "incremental-transactions",
)
save(plotting.plot_frequency_recency_matrix(bgf, T=39.0, max_frequency=20), "frequency-recency")
save(plotting.plot_probability_alive_matrix(bgf, T=39.0, max_frequency=20), "probability-alive")

# %% [markdown]
# Spend and customer lifetime value (12 months, 1 % a month discount):

# %%
repeat = cal.frequency > 0
ggf = GammaGamma().fit(cal.frequency[repeat], cal.monetary_value[repeat])
clv_12m = customer_lifetime_value(
    bgf,
    ggf,
    cal.frequency,
    cal.recency,
    cal.T,
    cal.monetary_value,
    horizon=12,
    discount_rate=0.01,
    unit="W",
)
best = np.argsort(-clv_12m)[:5]
print("top CLV customers:", cal.customer_id[best].tolist(), np.round(clv_12m[best], 2).tolist())

# %% [markdown]
# The same fitted model in lifetimes, for existing lifetimes code:

# %%
from privtraffic.compat import to_lifetimes

lt = to_lifetimes(bgf)
print(type(lt).__name__, {k: round(float(v), 4) for k, v in lt.params_.items()})

# %% [markdown]
# ## Concentration and segments

# %%
from privtraffic.segments import STANDARD_RFM_MAP, rfm_scores
from privtraffic.value import concentration, gini

spend = np.bincount(np.unique(log.customer_id, return_inverse=True)[1], weights=log.value)
top = concentration(clv_12m, shares=(0.1, 0.2))
print(
    f"Gini of spend {gini(spend):.3f}; the top 10% of customers hold "
    f"{top.top_share[0, 0]:.0%} of the CLV, the top 20% {top.top_share[0, 1]:.0%}"
)
save(plotting.plot_lorenz_curve(spend, label="CDNOW spend"), "lorenz")

days_since = (cal.T - cal.recency) * 7  # days since the last purchase at the calibration end
scores = rfm_scores(days_since, cal.frequency, cal.monetary_value)
names, n = np.unique(STANDARD_RFM_MAP.assign(scores), return_counts=True)
print(dict(zip(names.tolist(), n.tolist(), strict=True)))

# %% [markdown]
# ## A simulated private domain

# %%
from privtraffic.simulate import CURRENCY, simulate_private_domain

world = simulate_private_domain(2000, days=365, rng=np.random.default_rng(0))
print(world)

# %% [markdown]
# ### Funnel

# %%
from privtraffic.funnel import Funnel

steps = ["connect", "join", "purchase", "share"]
funnel = Funnel(steps, window=90).analyze(world.events.user_id, world.events.kind, world.events.at)
print(dict(zip(steps, funnel.n_reached.tolist(), strict=True)))
save(plotting.plot_funnel(steps, funnel.n_reached), "funnel")

# %% [markdown]
# ### Relationship tiers and their flows

# %%
from privtraffic.lifecycle import relationship_ladder, transition_matrix

ladder = relationship_ladder(window_days=90)
ev = world.events.of_kinds(*ladder.kinds)
dates = [np.datetime64("2025-01-01") + np.timedelta64(30 * k, "D") for k in range(1, 13)]
snapshots = [ladder.classify(ev.user_id, ev.kind, ev.at, as_of=d) for d in dates]
mix = np.array([[s.counts()[t] for t in ladder.tiers] for s in snapshots])
print("tiers at year end:", snapshots[-1].counts())
save(plotting.plot_tier_mix(np.array(dates).astype(object), mix, ladder.tiers), "tier-mix")
flows = transition_matrix(*snapshots)
save(
    plotting.plot_transition_matrix(flows.probabilities, [*ladder.tiers, "(none)"]),
    "transitions",
)

# %% [markdown]
# ### Referral graph and KOCs

# %%
from privtraffic.referral import ReferralGraph

graph = ReferralGraph.from_edges(world.referrals.referrer_id, world.referrals.referee_id)
kocs = graph.koc_scores(world.orders.user_id, world.orders.amount_cny)
leader = kocs.user[np.argmax(kocs.score)]
print(f"{int(kocs.is_koc.sum())} KOCs; top score {kocs.score.max():.2f} (user {leader})")
root = kocs.user[np.argmax(kocs.descendants)]  # the user with the largest downline
save(
    plotting.plot_referral_tree(
        world.referrals.referrer_id, world.referrals.referee_id, root.item(), max_depth=3
    ),
    "referral-tree",
)

# %% [markdown]
# ### Exact distribution commissions

# %%
from privtraffic.commission import (
    CommissionPlan,
    DistributorNetwork,
    compliance_report,
    compute_commissions,
)
from privtraffic.money import Money

plan = CommissionPlan(level_rates=("0.10", "0.05"), total_cap="0.15")
sold = world.orders.distributor_id >= 0
network = DistributorNetwork.from_edges(
    world.referrals.referrer_id, world.referrals.referee_id, users=world.users.user_id
)
batch = compute_commissions(
    plan,
    network,
    {
        "order_id": world.orders.order_id[sold],
        "sharer": world.orders.distributor_id[sold],
        "amount_minor": world.orders.amount_fen[sold],  # exact integer fen
    },
)
print(f"{batch.n_orders} distribution orders, commission {Money(batch.total())}")
print(compliance_report(plan))

# %% [markdown]
# ### What moved the value: pool x conversion x monetisation

# %%
from privtraffic.value import decompose

half = np.datetime64("2025-07-02")
first = world.orders.at < half
acquired_h1 = int(np.sum(world.users.acquired_at < half))
parts = decompose(
    pool=(acquired_h1, len(world.users)),
    conversion=(
        np.unique(world.orders.user_id[first]).size / acquired_h1,
        np.unique(world.orders.user_id[~first]).size / len(world.users),
    ),
    monetization=(
        world.orders.amount_cny[first].sum() / np.unique(world.orders.user_id[first]).size,
        world.orders.amount_cny[~first].sum() / np.unique(world.orders.user_id[~first]).size,
    ),
)
print({k: round(v, 2) for k, v in parts.items()}, "change", round(parts.change, 2))
save(
    plotting.plot_value_waterfall(
        list(parts),
        list(parts.values()),
        start=parts.value_0,
        start_label="H1",
        total_label="H2",
        currency=CURRENCY,
    ),
    "value-waterfall",
)

# %%
print(f"saved {len(saved)} plots: {', '.join(saved)}")
