"""Interoperability with other customer-analytics libraries.

:mod:`privtraffic.compat.lifetimes` converts fitted models to and from lifetimes' fitters, so
existing lifetimes plotting code keeps working. Nothing here is imported until used.

Examples
--------
>>> from privtraffic.compat import to_lifetimes
>>> callable(to_lifetimes)
True
"""

from privtraffic.compat.lifetimes import from_lifetimes, to_lifetimes

__all__ = ["from_lifetimes", "to_lifetimes"]
