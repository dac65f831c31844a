"""Bridges to engines outside numpy, each an optional extra imported on its own.

- :mod:`privtraffic.integrations.dask` (``pip install privtraffic[dask]``): RFM summaries
  (and calibration/holdout splits) of transaction logs that do not fit one machine, fitting
  through the weighted histogram of distinct rows (on the client when it is small, by
  map-reduce over its partitions when it is not), and scoring with ``map_partitions``
  (models travel as JSON).

``import privtraffic`` never imports these, and neither does this package: import the
submodule you need. They sit on top of the domain packages (``clv``, ``data``) and use only
their public names.

Examples
--------
>>> import privtraffic.integrations
>>> privtraffic.integrations.__all__
[]
>>> from privtraffic.integrations.dask import fit_transaction_model
>>> callable(fit_transaction_model)
True
"""

__all__: list[str] = []
