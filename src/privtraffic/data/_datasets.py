"""The real data sets bundled with ``lifetimes``, read straight from its package files.

``lifetimes.datasets`` itself is never imported: it needs ``pkg_resources``, which current
setuptools no longer ships. We only locate the installed package's folder.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Literal, overload

import numpy as np

from privtraffic.data._summary import DiscreteRFMSummary, RFMSummary, Transactions
from privtraffic.errors import InvalidInputError

__all__ = ["load_cdnow", "load_donations"]


def _dataset_path(filename: str) -> Path:
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover
        raise ModuleNotFoundError("the bundled data sets need the 'lifetimes' package installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / filename
    if not path.is_file():  # pragma: no cover - broken installation
        raise FileNotFoundError(f"lifetimes' data file is missing: {path}")
    return path


def _yyyymmdd(codes: np.ndarray) -> np.ndarray:
    codes = codes.astype(np.int64)
    text = np.char.add(
        np.char.add(
            np.char.add((codes // 10000).astype(str), "-"),
            np.char.zfill(((codes // 100) % 100).astype(str), 2),
        ),
        np.char.add("-", np.char.zfill((codes % 100).astype(str), 2)),
    )
    return text.astype("datetime64[D]")


def _load_cdnow_log(filename: str, id_column: int) -> Transactions:
    raw = np.loadtxt(_dataset_path(filename), ndmin=2, skiprows=1 if "master" in filename else 0)
    return Transactions(
        customer_id=raw[:, id_column].astype(np.int64),
        timestamp=_yyyymmdd(raw[:, -3]),
        value=raw[:, -1].astype(np.float64),
        quantity=raw[:, -2].astype(np.int64),
    )


@overload
def load_cdnow(kind: Literal["summary"] = ...) -> RFMSummary: ...
@overload
def load_cdnow(kind: Literal["transactions", "master"]) -> Transactions: ...


def load_cdnow(kind: str = "summary") -> RFMSummary | Transactions:
    """Load the CDNOW data of Fader, Hardie & Lee (2005).

    Parameters
    ----------
    kind : {"summary", "transactions", "master"}
        ``"summary"``: the 2,357-customer cohort's 39-week calibration summary (time in weeks;
        ``monetary_value`` is the mean spend per repeat purchase, 0 for customers with none).
        ``"transactions"``: that cohort's full 78-week transaction log (``customer_id`` 1-2357).
        ``"master"``: the 23,570-customer master log it was sampled from.

    Returns
    -------
    RFMSummary or Transactions

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way:
    An Alternative to the Pareto/NBD Model. *Marketing Science* 24(2), 275-284.

    Examples
    --------
    >>> s = load_cdnow("summary")
    >>> len(s), int(s.frequency.sum()), float(s.T.max())
    (2357, 2457, 38.86)
    >>> log = load_cdnow("transactions")
    >>> len(log), str(log.timestamp.min()), str(log.timestamp.max())
    (6919, '1997-01-01', '1998-06-30')
    """
    if kind == "summary":
        raw = np.loadtxt(
            _dataset_path("cdnow_customers_summary_with_transactions.csv"),
            delimiter=",",
            skiprows=1,
        )
        return RFMSummary(
            customer_id=raw[:, 0].astype(np.int64),
            frequency=raw[:, 1].astype(np.float64),
            recency=raw[:, 2].astype(np.float64),
            T=raw[:, 3].astype(np.float64),
            monetary_value=raw[:, 4].astype(np.float64),
            unit=7.0,
        )
    if kind == "transactions":
        return _load_cdnow_log("CDNOW_sample.txt", id_column=1)
    if kind == "master":
        return _load_cdnow_log("CDNOW_master.txt", id_column=0)
    raise InvalidInputError(
        f"'kind' must be one of 'summary', 'transactions', 'master' (got {kind!r})"
    )


def load_donations() -> DiscreteRFMSummary:
    """Load the 1995 donor cohort of Fader, Hardie & Shang (2010) used to fit the BG/BB model.

    11,104 first-time supporters observed over six annual donation opportunities after their
    first, collapsed into 22 (frequency, recency) patterns with their counts as ``weights``.

    Returns
    -------
    DiscreteRFMSummary

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Shang, J. (2010). Customer-Base Analysis in a
    Discrete-Time Noncontractual Setting. *Marketing Science* 29(6), 1086-1108.

    Examples
    --------
    >>> d = load_donations()
    >>> len(d), int(d.weights.sum()), int(d.n_periods.max())
    (22, 11104, 6)
    """
    raw = np.loadtxt(_dataset_path("donations.csv"), delimiter=",", skiprows=1, dtype=np.int64)
    return DiscreteRFMSummary(
        frequency=raw[:, 0], recency=raw[:, 1], n_periods=raw[:, 2], weights=raw[:, 3]
    )
