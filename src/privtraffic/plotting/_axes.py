"""Lazy access to matplotlib for every plot family.

matplotlib is imported only inside :func:`axes_or_new`, so ``import privtraffic.plotting`` stays
cheap and works without the ``plot`` extra installed.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes

__all__ = ["axes_or_new", "require_matplotlib"]

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
