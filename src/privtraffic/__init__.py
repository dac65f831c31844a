"""privtraffic: private-domain traffic modelling.

Relationship-tier state machines, BTYD estimators and customer lifetime value, referral-graph KOC
scoring and exact distribution-commission calculators.

The subpackages load on first use, so ``import privtraffic`` stays fast:

>>> import privtraffic
>>> privtraffic.__version__
'0.1.0'
>>> privtraffic.errors.InvalidInputError.__mro__[1].__name__
'PrivTrafficError'
"""

from __future__ import annotations

import importlib
from typing import Any

from privtraffic import errors
from privtraffic._version import __version__

__all__ = [
    "__version__",
    "clv",
    "commission",
    "compat",
    "data",
    "errors",
    "funnel",
    "lifecycle",
    "money",
    "plotting",
    "referral",
    "segments",
    "simulate",
    "value",
]

_LAZY = frozenset(__all__) - {"__version__", "errors"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"privtraffic.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'privtraffic' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
