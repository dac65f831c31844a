"""Referral fraud signals, reported per user as flags with reasons — never removed from the data.

One detector per module, each a function returning a list of :class:`FraudSignal`, and one
module that runs them and assembles the table:

* :mod:`~privtraffic.referral.fraud.rings` — :func:`ring_signals`: reciprocal claims and
  rejected cycles (read from the rejection codes), optionally only accounts buying within
  minutes of each other;
* :mod:`~privtraffic.referral.fraud.shared` — :func:`shared_id_signals`: one device or payment
  id on the orders of many referred users;
* :mod:`~privtraffic.referral.fraud.bursts` — :func:`burst_signals`: many referrals by one
  referrer within a few hours;
* :mod:`~privtraffic.referral.fraud.signals` — :class:`FraudSignal`, what every detector
  returns;
* :mod:`~privtraffic.referral.fraud.flags` — :func:`fraud_flags` and :class:`FraudFlags`: the
  order columns checked once, every detector the data allow, one row per flagged user.

``fraud_flags`` and ``FraudFlags`` are also importable from :mod:`privtraffic.referral`.

Examples
--------
>>> from privtraffic.referral import ReferralGraph
>>> from privtraffic.referral.fraud import fraud_flags, ring_signals
>>> g = ReferralGraph.from_edges(["a", "b", "c"], ["b", "a", "d"], on_invalid="report")
>>> [s.reason for s in ring_signals(g)]
["reciprocal referral claims 'a' <-> 'b'"]
>>> fraud_flags(g).user.tolist()
['a', 'b']
"""

from privtraffic.referral.fraud.bursts import burst_signals
from privtraffic.referral.fraud.flags import FraudFlags, fraud_flags
from privtraffic.referral.fraud.rings import ring_signals
from privtraffic.referral.fraud.shared import shared_id_signals
from privtraffic.referral.fraud.signals import FraudSignal

__all__ = [
    "FraudFlags",
    "FraudSignal",
    "burst_signals",
    "fraud_flags",
    "ring_signals",
    "shared_id_signals",
]
