"""Data preparation: transaction logs to RFM summaries, and the bundled real data sets.

Examples
--------
>>> from privtraffic.data import load_cdnow
>>> load_cdnow("summary").frequency.shape
(2357,)
"""

from privtraffic.data._datasets import load_cdnow, load_donations
from privtraffic.data._summarize import summarize_transactions
from privtraffic.data._summary import DiscreteRFMSummary, RFMSummary, Transactions

__all__ = [
    "DiscreteRFMSummary",
    "RFMSummary",
    "Transactions",
    "load_cdnow",
    "load_donations",
    "summarize_transactions",
]
