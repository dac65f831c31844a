"""Columnar tables: frozen attrs classes of equal-length numpy arrays with ``to_pandas``."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np


class ColumnarTable:
    """Mixin for frozen attrs classes whose array fields are columns of one table.

    Fields that are ``None`` are optional columns that were not computed; other non-array fields
    (for example ``unit``) are metadata and are left out of :meth:`columns`.
    """

    def columns(self) -> dict[str, np.ndarray]:
        """The table's present columns, in field order.

        Returns
        -------
        dict of str to numpy.ndarray
        """
        return {
            f.name: getattr(self, f.name)
            for f in attrs.fields(type(self))  # type: ignore[arg-type]
            if isinstance(getattr(self, f.name), np.ndarray)
        }

    def __len__(self) -> int:
        cols = self.columns()
        return len(next(iter(cols.values()))) if cols else 0

    def _repr_html_(self) -> str:
        from privtraffic._html import html_table

        cols = self.columns()
        n = len(self)
        rows = (tuple(col[i] for col in cols.values()) for i in range(n))
        return html_table(rows, list(cols), title=f"{type(self).__name__} ({n:,} rows)")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self):,} rows; columns: {', '.join(self.columns())})"

    def to_pandas(self) -> Any:
        """The table as a ``pandas.DataFrame`` (pandas is imported only here).

        Returns
        -------
        pandas.DataFrame
        """
        import pandas as pd

        return pd.DataFrame(self.columns())
