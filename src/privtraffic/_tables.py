"""The one table type of privtraffic: a frozen attrs class whose array fields are its columns.

Every result that is "a row per user / order / step" (RFM summaries, tier tables, KOC scores,
commission batches, funnel steps, ...) derives from :class:`ColumnarTable` and so has the same
surface: ``len(table)``, ``table["column"]``, :meth:`~ColumnarTable.columns`,
:meth:`~ColumnarTable.to_dict`, :meth:`~ColumnarTable.to_pandas` and a notebook display. A class
whose columns are not simply its array fields (a table computed from rows, say) overrides
:meth:`~ColumnarTable.columns` and inherits the rest.

This module is a base layer: it imports nothing of privtraffic but the HTML renderer.

Examples
--------
>>> import attrs, numpy as np
>>> @attrs.frozen
... class Scores(ColumnarTable):
...     user: np.ndarray
...     score: np.ndarray
>>> t = Scores(np.array([1, 2]), np.array([0.5, 0.25]))
>>> len(t), t["score"].tolist(), list(t.to_dict())
(2, [0.5, 0.25], ['user', 'score'])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = ["ColumnarTable"]


class ColumnarTable:
    """Mixin for frozen attrs classes whose array fields are columns of one table.

    Fields that are ``None`` are optional columns that were not computed; other non-array fields
    (for example ``unit``) are metadata and are left out of :meth:`columns`.

    Examples
    --------
    >>> from privtraffic.data import RFMSummary
    >>> s = RFMSummary(customer_id=[1, 2], frequency=[0, 2], recency=[0.0, 3.0], T=[4.0, 5.0])
    >>> s["recency"].tolist(), "T" in s.columns()
    ([0.0, 3.0], True)
    """

    def columns(self) -> dict[str, NDArray[Any]]:
        """The table's present columns, in field order.

        Returns
        -------
        dict of str to numpy.ndarray

        Examples
        --------
        >>> from privtraffic.data import RFMSummary
        >>> list(RFMSummary(customer_id=[7], frequency=[1], recency=[2.0], T=[3.0]).columns())
        ['customer_id', 'frequency', 'recency', 'T']
        """
        return {
            f.name: getattr(self, f.name)
            for f in attrs.fields(type(self))  # type: ignore[arg-type]
            if isinstance(getattr(self, f.name), np.ndarray)
        }

    def __getitem__(self, name: str) -> NDArray[Any]:
        """A column by name.

        Raises
        ------
        KeyError
            No such column; the message lists the columns there are.

        Examples
        --------
        >>> from privtraffic.data import RFMSummary
        >>> RFMSummary(customer_id=[7], frequency=[1], recency=[2.0], T=[3.0])["T"].tolist()
        [3.0]
        """
        cols = self.columns()
        if name not in cols:
            raise KeyError(f"no column {name!r}; columns are {', '.join(cols)}")
        return cols[name]

    def __len__(self) -> int:
        cols = self.columns()
        return len(next(iter(cols.values()))) if cols else 0

    def to_dict(self) -> dict[str, list[Any]]:
        """The columns as plain Python lists (JSON-ready numbers and strings).

        Returns
        -------
        dict of str to list

        Examples
        --------
        >>> from privtraffic.data import RFMSummary
        >>> s = RFMSummary(customer_id=[7], frequency=[1], recency=[2.0], T=[3.0])
        >>> s.to_dict()["frequency"]
        [1]
        """
        return {name: col.tolist() for name, col in self.columns().items()}

    def to_pandas(self) -> pd.DataFrame:
        """The table as a ``pandas.DataFrame`` (pandas is imported only here).

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> from privtraffic.data import RFMSummary
        >>> RFMSummary(customer_id=[7, 8], frequency=[1, 0], recency=[2.0, 0.0],
        ...            T=[3.0, 1.0]).to_pandas().shape
        (2, 4)
        """
        import pandas as pd

        frame: pd.DataFrame = pd.DataFrame(self.columns())
        return frame

    def _repr_html_(self) -> str:
        from privtraffic._html import html_table

        cols = self.columns()
        n = len(self)
        rows = (tuple(col[i] for col in cols.values()) for i in range(n))
        return html_table(rows, list(cols), title=f"{type(self).__name__} ({n:,} rows)")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self):,} rows; columns: {', '.join(self.columns())})"
