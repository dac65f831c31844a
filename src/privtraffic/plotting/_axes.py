"""Lazy access to matplotlib for every plot family, and the ``texts=`` rule they share.

matplotlib is imported only inside :func:`axes_or_new`, so ``import privtraffic.plotting`` stays
cheap and works without the ``plot`` extra installed.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING

from privtraffic.errors import InvalidInputError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis

__all__ = ["axes_or_new", "label_axes", "require_matplotlib", "resolve_texts", "thousands"]

_MISSING = (
    "privtraffic.plotting needs matplotlib; install it with: "
    "python -m pip install 'privtraffic[plot]'"
)


def require_matplotlib() -> ModuleType:
    """Import and return the ``matplotlib`` module, or raise ``ImportError`` saying how to get it.

    Returns
    -------
    module
        ``matplotlib``.

    Raises
    ------
    ImportError
        When matplotlib is not installed.
    """
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(_MISSING) from exc
    return matplotlib


def axes_or_new(ax: Axes | None) -> Axes:
    """Return ``ax`` itself, or the Axes of a new pyplot figure when ``ax`` is None.

    Parameters
    ----------
    ax : matplotlib.axes.Axes or None

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_matplotlib()
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    new_ax: Axes
    _, new_ax = plt.subplots()
    return new_ax


def resolve_texts(defaults: Mapping[str, str], texts: Mapping[str, str] | None) -> dict[str, str]:
    """The texts of one plot: its English ``defaults``, replaced key by key by ``texts``.

    Parameters
    ----------
    defaults : mapping of str to str
        Every text key of the plot with its default (a ``str.format`` template where the plot
        fills in fields, e.g. ``"Referral tree of {root}"``).
    texts : mapping of str to str or None
        The caller's replacements (e.g. a translation); keys must be keys of ``defaults``.

    Returns
    -------
    dict of str to str

    Raises
    ------
    InvalidInputError
        When ``texts`` has a key the plot does not know.

    Examples
    --------
    >>> resolve_texts({"title": "Funnel", "xlabel": "users"}, {"title": "漏斗"})
    {'title': '漏斗', 'xlabel': 'users'}
    """
    if texts is None:
        return dict(defaults)
    unknown = sorted(set(texts) - set(defaults))
    if unknown:
        raise InvalidInputError(
            f"'texts' has keys this plot does not draw: {', '.join(map(repr, unknown))} "
            f"(it draws {', '.join(map(repr, defaults))})"
        )
    return {**defaults, **{k: str(v) for k, v in texts.items()}}


def thousands(axis: Axis) -> None:
    """Label a count axis with thousands separators (``1,400``, never ``1400`` or ``1.4e3``).

    Parameters
    ----------
    axis : matplotlib.axis.Axis
        ``ax.yaxis`` or ``ax.xaxis`` of a plot of counts or amounts.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> thousands(ax.yaxis)
    >>> ax.yaxis.get_major_formatter()(12500.0, 0)
    '12,500'
    """
    from matplotlib.ticker import FuncFormatter

    def label(value: float, _position: object) -> str:
        if abs(value) >= 1000 or float(value).is_integer():
            return f"{value:,.0f}"
        return f"{value:,.6f}".rstrip("0").rstrip(".")

    axis.set_major_formatter(FuncFormatter(label))


def label_axes(
    ax: Axes, text_of: Mapping[str, str], *, legend: bool = True, counts: bool = False
) -> None:
    """Write a drawn plot's axis labels, title and legend from its texts.

    The texts ``xlabel`` and ``ylabel`` label the axes where the plot has them (a plot over
    dates has no ``xlabel``); ``title`` is the title. The plot then adds the CJK font last
    (:func:`~privtraffic.plotting.use_cjk_font`), once every text is drawn.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The drawn plot.
    text_of : mapping of str to str
        The plot's resolved texts (:func:`resolve_texts`).
    legend : bool, default True
        Draw the legend of the labelled artists (a plot that orders its legend draws it itself).
    counts : bool, default False
        The y axis counts customers or purchases: label it with thousands separators
        (:func:`thousands`).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> _ = ax.plot([0, 1], [0, 2000], label="actual")
    >>> label_axes(ax, {"title": "Purchases", "ylabel": "customers"}, counts=True)
    >>> ax.get_title(), ax.get_ylabel(), ax.get_xlabel(), ax.get_legend() is not None
    ('Purchases', 'customers', '', True)
    """
    if "xlabel" in text_of:
        ax.set_xlabel(text_of["xlabel"])
    if "ylabel" in text_of:
        ax.set_ylabel(text_of["ylabel"])
    ax.set_title(text_of["title"])
    if legend:
        ax.legend()
    if counts:
        thousands(ax.yaxis)
