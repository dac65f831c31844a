"""Bridges to engines outside numpy, each an optional extra imported on its own.

``import privtraffic`` never imports these: import the submodule you need, for example
:mod:`privtraffic.integrations.dask` (``pip install privtraffic[dask]``).

Examples
--------
>>> import privtraffic.integrations
>>> privtraffic.integrations.__all__
[]
"""

__all__: list[str] = []
