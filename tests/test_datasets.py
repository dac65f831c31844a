"""The bundled data sets read from lifetimes' package files, checked against published facts."""

from __future__ import annotations

import numpy as np
import pytest

from privtraffic.data import load_cdnow, load_donations
from privtraffic.errors import InvalidInputError


def test_cdnow_summary_matches_the_published_cohort() -> None:
    # Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", section 4: 2,357
    # customers, 39-week calibration period; 1,411 of them make no repeat purchase in it.
    s = load_cdnow("summary")
    assert len(s) == 2357
    assert int((s.frequency == 0).sum()) == 1411
    assert float(s.T.max()) == pytest.approx(38.86)
    assert np.all(s.recency <= s.T)
    assert np.all((s.frequency > 0) | (s.recency == 0))
    # Gamma-Gamma note (Fader & Hardie 2013): 946 repeat buyers with a mean spend.
    assert int((s.monetary_value > 0).sum()) == 946
    assert s.unit == 7.0


def test_cdnow_logs_cover_the_cohort_and_the_master_file() -> None:
    # The 1/10th systematic sample of the 23,570-customer CDNOW master file, 1997-01 .. 1998-06.
    log = load_cdnow("transactions")
    assert np.unique(log.customer_id).size == 2357
    assert log.timestamp.dtype == np.dtype("datetime64[D]")
    master = load_cdnow("master")
    assert np.unique(master.customer_id).size == 23570
    assert str(master.timestamp.min()) == "1997-01-01"
    assert str(master.timestamp.max()) == "1998-06-30"
    assert np.all(master.value >= 0)


def test_cdnow_log_agrees_with_the_summary_on_first_purchases() -> None:
    # Every cohort member's first purchase falls in the first quarter of 1997 (the cohort's
    # definition), and T (weeks to 1997-09-30) follows from it.
    log = load_cdnow("transactions")
    s = load_cdnow("summary")
    order = np.lexsort((log.timestamp, log.customer_id))
    ids, first = np.unique(log.customer_id[order], return_index=True)
    first_day = log.timestamp[order][first]
    assert np.all(ids == s.customer_id)
    weeks = (np.datetime64("1997-09-30") - first_day).astype(int) / 7
    assert np.allclose(weeks, s.T, atol=0.006)


def test_donations_match_the_bgbb_paper() -> None:
    # Fader, Hardie & Shang (2010): 11,104 first-time supporters, six repeat opportunities.
    d = load_donations()
    assert int(d.weights.sum()) == 11104
    assert np.all(d.n_periods == 6)
    assert np.all(d.recency <= d.n_periods)
    assert int(d.weights[d.frequency == 0].sum()) == 3464


def test_unknown_kind_is_named() -> None:
    with pytest.raises(InvalidInputError, match=r"'kind' must be one of .* \(got 'weekly'\)"):
        load_cdnow("weekly")  # type: ignore[call-overload]


def test_to_pandas_keeps_present_columns_only() -> None:
    df = load_cdnow("summary").to_pandas()
    assert list(df.columns) == ["customer_id", "frequency", "recency", "T", "monetary_value"]
    assert len(df) == 2357
