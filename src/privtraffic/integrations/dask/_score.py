"""Scoring every customer of a Dask RFM summary with ``map_partitions``.

The fitted models travel to the workers as their JSON (``to_json`` / ``from_json``), never
pickled; each partition's scores are a pure function of its rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypedDict

import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic.errors import InvalidInputError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import dask.dataframe as dd
    import pandas as pd
    from typing_extensions import Self

__all__ = ["score_customers"]


class _ScoringModel(Protocol):
    """A fitted transaction model that travels as JSON (BetaGeo, ParetoNBD, ...)."""

    def expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]: ...

    def probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> NDArray[np.float64]: ...

    def to_json(self) -> str: ...

    @classmethod
    def from_json(cls, text: str) -> Self: ...


class _ScoringSpendModel(Protocol):
    """A fitted spend model that travels as JSON (GammaGamma)."""

    def expected_spend(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> NDArray[np.float64]: ...

    def to_json(self) -> str: ...

    @classmethod
    def from_json(cls, text: str) -> Self: ...


class _CLVOptions(TypedDict):
    """The keywords :func:`score_customers` passes on to ``customer_lifetime_value``."""

    horizon: int
    discount_rate: float
    unit: str | float
    margin: float


def _score_rows(
    frame: pd.DataFrame,
    model_type: type[_ScoringModel],
    model_json: str,
    t: float,
    spend_type: type[_ScoringSpendModel] | None,
    spend_json: str | None,
    clv_options: _CLVOptions | None,
    id_in_index: bool = False,
) -> pd.DataFrame:
    """Score one partition of the RFM summary with models rebuilt from their JSON."""
    import pandas as pd

    model = model_type.from_json(model_json)
    f = frame["frequency"].to_numpy(dtype=np.float64)
    r = frame["recency"].to_numpy(dtype=np.float64)
    T = frame["T"].to_numpy(dtype=np.float64)
    out: dict[str, NDArray[np.generic]] = {}
    if not id_in_index:
        out["customer_id"] = frame["customer_id"].to_numpy()
    index = frame.index if id_in_index else None
    if len(frame) == 0:
        out["expected_purchases"] = np.zeros(0)
        out["probability_alive"] = np.zeros(0)
        if spend_type is not None:
            out["expected_spend"] = np.zeros(0)
            out["clv"] = np.zeros(0)
        empty: pd.DataFrame = pd.DataFrame(out, index=index)
        return empty
    out["expected_purchases"] = np.asarray(model.expected_purchases(t, f, r, T), dtype=np.float64)
    out["probability_alive"] = np.asarray(model.probability_alive(f, r, T), dtype=np.float64)
    if spend_type is not None and spend_json is not None:
        from privtraffic.clv import customer_lifetime_value

        spend = spend_type.from_json(spend_json)
        m = frame["monetary_value"].to_numpy(dtype=np.float64)
        out["expected_spend"] = np.asarray(spend.expected_spend(f, m), dtype=np.float64)
        if clv_options is None:  # pragma: no cover - score_customers always sends them
            raise InvalidInputError("'clv_options' are required with a spend model")
        out["clv"] = np.asarray(
            customer_lifetime_value(model, spend, f, r, T, m, **clv_options),
            dtype=np.float64,
        )
    scores: pd.DataFrame = pd.DataFrame(out, index=index)
    return scores


def score_customers(
    summary: dd.DataFrame,
    model: _ScoringModel,
    *,
    t: float,
    spend_model: _ScoringSpendModel | None = None,
    horizon: int | None = None,
    discount_rate: float | None = None,
    unit: str | float | None = None,
    margin: float = 1.0,
) -> dd.DataFrame:
    """Score every customer with ``map_partitions``: purchases, P(alive) and CLV.

    Parameters
    ----------
    summary : dask.dataframe.DataFrame
        From :func:`summarize_transactions`.
    model : fitted BTYD model
        Has ``expected_purchases(t, f, r, T)``, ``probability_alive(f, r, T)``, ``to_json``.
    t : float
        Horizon of ``expected_purchases``, in the summary's unit.
    spend_model : fitted spend model, optional
        A fitted :class:`~privtraffic.clv.GammaGamma`; adds ``expected_spend`` and ``clv``
        (:func:`privtraffic.clv.customer_lifetime_value`).
    horizon : int, optional
        CLV horizon in months; required with ``spend_model``.
    discount_rate : float, optional
        Monthly discount rate; required with ``spend_model``.
    unit : {"W", "D", "M"} or float, optional
        The summary's time unit (as given to :func:`summarize_transactions`); required with
        ``spend_model``.
    margin : float, default 1.0
        Fraction of spend that is margin.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy; ``customer_id, expected_purchases, probability_alive`` (and ``expected_spend,
        clv``), partitioned like ``summary``. When the summary is indexed by the customer id,
        so are the scores (without a ``customer_id`` column), with the summary's divisions:
        a ``merge`` on the index with a customer table of the same divisions needs no
        shuffle.

    Raises
    ------
    InvalidInputError
        ``spend_model`` without ``horizon``, ``discount_rate`` and ``unit``, a summary
        without ``monetary_value`` or without a ``customer_id`` column or index; bad CLV
        options are reported when computed.
    NotFittedError
        An unfitted model.

    Notes
    -----
    The models are sent to the workers as ``(class, to_json())`` and rebuilt with
    ``from_json`` there: no pickled model state, and the predictions equal the local model's.

    Examples
    --------
    >>> import pandas as pd
    >>> import dask.dataframe as dd
    >>> from privtraffic.clv import BetaGeo
    >>> m = BetaGeo.from_params(r=0.25, alpha=4.0, a=0.8, b=2.5)
    >>> s = dd.from_pandas(pd.DataFrame({"customer_id": [1, 2], "frequency": [0, 3],
    ...     "recency": [0.0, 20.0], "T": [30.0, 30.0]}), npartitions=2)
    >>> scores = score_customers(s, m, t=10).compute()
    >>> [round(x, 4) for x in scores["probability_alive"]] == [
    ...     round(float(x), 4) for x in m.probability_alive([0, 3], [0.0, 20.0], [30.0, 30.0])]
    True
    """
    import pandas as pd

    model_json = model.to_json()  # raises NotFittedError before any work is sent
    spend_json = None
    options: _CLVOptions | None = None
    id_in_index = "customer_id" not in list(summary.columns)
    if id_in_index and summary.index.name != "customer_id":
        raise InvalidInputError(
            "'summary' must have a 'customer_id' column or index (got columns "
            f"{list(summary.columns)}, index {summary.index.name!r})"
        )
    columns: dict[str, NDArray[np.generic]] = {}
    if not id_in_index:
        columns["customer_id"] = summary._meta["customer_id"].to_numpy()
    columns["expected_purchases"] = np.zeros(0)
    columns["probability_alive"] = np.zeros(0)
    if spend_model is not None:
        if horizon is None or discount_rate is None or unit is None:
            raise InvalidInputError(
                "'horizon', 'discount_rate' and 'unit' are required with a spend_model (got "
                f"horizon={horizon!r}, discount_rate={discount_rate!r}, unit={unit!r})"
            )
        if "monetary_value" not in list(summary.columns):
            raise InvalidInputError(
                "'summary' must have a 'monetary_value' column to score with a spend_model"
            )
        spend_json = spend_model.to_json()
        options = _CLVOptions(
            horizon=horizon, discount_rate=discount_rate, unit=unit, margin=margin
        )
        columns["expected_spend"] = np.zeros(0)
        columns["clv"] = np.zeros(0)
    scores: dd.DataFrame = summary.map_partitions(
        _score_rows,
        type(model),
        model_json,
        float(t),
        None if spend_model is None else type(spend_model),
        spend_json,
        options,
        id_in_index,
        meta=pd.DataFrame(columns, index=summary._meta.index[:0] if id_in_index else None),
    )
    return scores
