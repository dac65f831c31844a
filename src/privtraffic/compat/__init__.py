"""Interoperability with other customer-analytics libraries.

- :mod:`privtraffic.compat.lifetimes`: :func:`to_lifetimes` builds the lifetimes fitter
  matching a fitted model (same parameters, so lifetimes' plotting and utility code keeps
  working) and :func:`from_lifetimes` turns a fitted lifetimes fitter into our model.

lifetimes and pandas are imported only when these functions run. This package sits on top
of :mod:`privtraffic.clv` and uses only its public API (``summary()``, ``from_params``,
the fitted attributes).

Examples
--------
>>> from privtraffic.clv import BetaGeo
>>> from privtraffic.compat import from_lifetimes, to_lifetimes
>>> fitter = to_lifetimes(BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426))
>>> type(fitter).__name__, from_lifetimes(fitter).params_["alpha"]
('BetaGeoFitter', 4.414)
"""

from privtraffic.compat.lifetimes import from_lifetimes, to_lifetimes

__all__ = ["from_lifetimes", "to_lifetimes"]
