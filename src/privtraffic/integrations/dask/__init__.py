"""BTYD models on transaction logs that do not fit one machine, with Dask.

Fitting a BTYD model needs only the weighted histogram of distinct data rows, which an engine
computes with group-bys; scoring is a pure function of each customer's row. So:

1. :func:`summarize_transactions`: a Dask DataFrame of transactions ``(customer_id,
   timestamp, value)`` → one RFM row per customer (same day merge, same conventions and,
   with ``calibration_end``, the same calibration/holdout columns as
   :func:`privtraffic.data.summarize_transactions`); :func:`new_in_holdout` lists the
   customers first seen in the holdout. The log is shuffled on the customer id unless its
   partitions already hold whole customers (``assume_partitioned_by_customer``, or an index
   of customer ids with known divisions, which the summary and the scores keep).
2. :func:`fit_transaction_model` / :func:`fit_spend_model`: the validated histogram is
   computed on the cluster; small ones are fitted on the client, large ones by map-reduce
   (each optimiser step asks every partition for its weighted log-likelihood, gradient and
   Hessian: a handful of floats). Either way the estimates are those of the in-memory fit.
   :class:`PartitionLikelihood` is the seam to a model module's pure likelihood.
3. :func:`score_customers`: ``expected_purchases``, ``probability_alive`` and, with a spend
   model, the expected spend and CLV per customer, with ``map_partitions``. The fitted
   models travel to the workers as their JSON, never pickled.

The raw transactions are never collected in one process. Requires the ``dask`` extra
(``pip install privtraffic[dask]``); ``import privtraffic`` does not import this package.

Examples
--------
>>> import pandas as pd
>>> import dask.dataframe as dd
>>> from privtraffic.data import load_cdnow
>>> log = load_cdnow("transactions")
>>> frame = pd.DataFrame({"customer_id": log.customer_id, "timestamp": log.timestamp,
...                       "value": log.value})
>>> transactions = dd.from_pandas(frame, npartitions=4)
>>> summary = summarize_transactions(transactions, unit="W")
>>> model = fit_transaction_model(summary)

The same estimates as the in-memory path:

>>> from privtraffic.clv import BetaGeo
>>> from privtraffic.data import summarize_transactions as summarize_in_memory
>>> local = summarize_in_memory(log, unit="W")
>>> BetaGeo().fit(local.frequency, local.recency, local.T).params_ == model.params_
True
>>> scores = score_customers(summary, model, t=52).compute()
>>> len(scores), list(scores.columns)
(2357, ['customer_id', 'expected_purchases', 'probability_alive'])
"""

from privtraffic.integrations.dask._fit import (
    DEFAULT_MAX_CLIENT_ROWS,
    fit_spend_model,
    fit_transaction_model,
    rfm_histogram,
)
from privtraffic.integrations.dask._likelihood import (
    PartitionLikelihood,
    PartitionTerms,
    PreparedPartition,
    likelihood_for,
    partition_terms,
    prepare_partition,
)
from privtraffic.integrations.dask._score import score_customers
from privtraffic.integrations.dask._summary import new_in_holdout, summarize_transactions

__all__ = [
    "DEFAULT_MAX_CLIENT_ROWS",
    "PartitionLikelihood",
    "PartitionTerms",
    "PreparedPartition",
    "fit_spend_model",
    "fit_transaction_model",
    "likelihood_for",
    "new_in_holdout",
    "partition_terms",
    "prepare_partition",
    "rfm_histogram",
    "score_customers",
    "summarize_transactions",
]
