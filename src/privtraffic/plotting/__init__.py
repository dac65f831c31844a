"""Plots of every privtraffic analysis, drawn with matplotlib (extra ``plot``).

matplotlib is imported only when a plot is drawn, so ``import privtraffic.plotting`` is cheap.
Every plot function returns the matplotlib ``Axes`` it drew on and takes ``ax=`` to draw on an
existing one (a new pyplot figure is made when it is omitted) and ``texts=`` (below); their
parameter lists name these two "as for every plot".

What lives here, one plot family per module:

- :mod:`~privtraffic.plotting.btyd`: BTYD diagnostics of a fitted model against the data:
  :func:`plot_period_transactions`, :func:`plot_calibration_purchases_vs_holdout_purchases`,
  :func:`plot_cumulative_transactions`, :func:`plot_incremental_transactions`,
  :func:`plot_frequency_recency_matrix`, :func:`plot_probability_alive_matrix`, and the
  numbers behind them without drawing: :func:`period_transaction_counts`,
  :func:`holdout_purchases_by_frequency`, :func:`tracking_curves`.
- :mod:`~privtraffic.plotting.comparison`: several fitted models against the same data:
  :func:`plot_frequency_comparison`, :func:`plot_tracking_comparison` and both side by side,
  :func:`plot_model_comparison`.
- :mod:`~privtraffic.plotting.alive`: one customer's P(alive) along their history:
  :func:`plot_probability_alive_history`.
- :mod:`~privtraffic.plotting.tiers`: relationship tiers: :func:`plot_tier_mix`,
  :func:`plot_transition_matrix`.
- :mod:`~privtraffic.plotting.referral`: :func:`plot_referral_tree`.
- :mod:`~privtraffic.plotting.concentration`: :func:`plot_lorenz_curve` (with the Gini
  coefficient of :func:`privtraffic.value.gini`).
- :mod:`~privtraffic.plotting.value`: :func:`plot_value_waterfall`, with amounts labelled in
  their currency's decimals.
- :mod:`~privtraffic.plotting.funnel`: :func:`plot_funnel`.
- :mod:`~privtraffic.plotting.fonts`: Chinese text in plots: :func:`find_cjk_font`,
  :func:`use_cjk_font` (every plot calls it), :class:`MissingFontWarning`.

Every plot takes ``texts=``, a mapping that replaces its title, axis labels and legend entries
by key (each module lists its keys and English defaults, e.g.
:data:`~privtraffic.plotting.funnel.FUNNEL_TEXTS`), so a report can draw it in another
language. Text holding Chinese characters (a translated label, a user id such as ``用户1``) is
drawn with an installed CJK-capable font; with none installed the plot warns with
:data:`~privtraffic.plotting.fonts.CJK_FONT_HELP` instead of drawing boxes silently.
- ``_axes`` (private): the lazy matplotlib import and the ``ax=None`` rule every plot shares.

Examples
--------
>>> import sys
>>> import privtraffic.plotting
>>> "matplotlib" in sys.modules or "plot_lorenz_curve" in privtraffic.plotting.__all__
True
>>> from matplotlib.figure import Figure
>>> ax = privtraffic.plotting.plot_funnel(["connected", "buyer"], [100, 20],
...                                       ax=Figure().add_subplot())
>>> len(ax.patches)
2
"""

from privtraffic.plotting.alive import plot_probability_alive_history
from privtraffic.plotting.btyd import (
    holdout_purchases_by_frequency,
    period_transaction_counts,
    plot_calibration_purchases_vs_holdout_purchases,
    plot_cumulative_transactions,
    plot_frequency_recency_matrix,
    plot_incremental_transactions,
    plot_period_transactions,
    plot_probability_alive_matrix,
    tracking_curves,
)
from privtraffic.plotting.comparison import (
    plot_frequency_comparison,
    plot_model_comparison,
    plot_tracking_comparison,
)
from privtraffic.plotting.concentration import plot_lorenz_curve
from privtraffic.plotting.fonts import (
    CJK_FONT_HELP,
    MissingFontWarning,
    find_cjk_font,
    has_cjk,
    use_cjk_font,
)
from privtraffic.plotting.funnel import plot_funnel
from privtraffic.plotting.referral import plot_referral_tree
from privtraffic.plotting.tiers import plot_tier_mix, plot_transition_matrix
from privtraffic.plotting.value import plot_value_waterfall

__all__ = [
    "CJK_FONT_HELP",
    "MissingFontWarning",
    "find_cjk_font",
    "has_cjk",
    "holdout_purchases_by_frequency",
    "period_transaction_counts",
    "plot_calibration_purchases_vs_holdout_purchases",
    "plot_cumulative_transactions",
    "plot_frequency_comparison",
    "plot_frequency_recency_matrix",
    "plot_funnel",
    "plot_incremental_transactions",
    "plot_lorenz_curve",
    "plot_model_comparison",
    "plot_period_transactions",
    "plot_probability_alive_history",
    "plot_probability_alive_matrix",
    "plot_referral_tree",
    "plot_tier_mix",
    "plot_tracking_comparison",
    "plot_transition_matrix",
    "plot_value_waterfall",
    "tracking_curves",
    "use_cjk_font",
]
