"""privtraffic: private-domain traffic modelling.

Relationship-tier state machines, BTYD estimators and customer lifetime value, referral-graph KOC
scoring and exact distribution-commission calculators. What lives where (see the architecture
page of the docs for the layers and the rules between them):

- base: :mod:`privtraffic.errors` (the exception tree), :mod:`privtraffic.money` (exact money,
  rounding, allocation, formatting), and the private ``_validation``, ``_deprecation``,
  ``_tables`` (the one table type), ``_ids`` (the one id lookup) and ``_html`` modules;
- :mod:`privtraffic.data`: transaction logs to RFM summaries, the bundled CDNOW and donations data;
- the domain packages :mod:`privtraffic.clv` (BTYD models, CLV), :mod:`privtraffic.lifecycle`
  (tier machines), :mod:`privtraffic.referral` (referral forest, KOC scores, fraud signals) and
  :mod:`privtraffic.commission` (plans, commissions, the ledger);
- analytics on top of them: :mod:`privtraffic.value`, :mod:`privtraffic.segments`,
  :mod:`privtraffic.funnel`, :mod:`privtraffic.simulate`;
- presentation and adapters: :mod:`privtraffic.plotting`, the ``privtraffic`` command line and
  its report, :mod:`privtraffic.integrations` (Dask), :mod:`privtraffic.compat` (lifetimes).

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
