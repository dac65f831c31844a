"""Data preparation: transaction logs to RFM summaries, and the bundled real data sets.

- ``_summary``: the frozen tables of the data layer, :class:`Transactions` (one row per
  purchase), :class:`RFMSummary` (continuous time, with optional holdout columns) and
  :class:`DiscreteRFMSummary` (BG/BB), each a :class:`~privtraffic._tables.ColumnarTable`.
- ``_summarize``: :func:`summarize_transactions`, a log to one RFM row per customer (with an
  optional calibration/holdout split), and :data:`Moment`, the type of one timestamp.
- ``_datasets``: :func:`load_cdnow` and :func:`load_donations`, read from lifetimes' files.
- ``_orders``: ``read_orders``, an order export of a shop back-end or a spreadsheet to an
  ``OrderLog`` (headers found by their usual Chinese and English names, refunds netted,
  repeated order ids refused), and ``ORDER_COLUMNS``, the columns it looks for.
- ``_exports``: ``read_table``, the reader under it for any exported table
  (``ExportColumn`` in, ``ExportTable`` and its ``ReadingReport`` out);
  ``_files`` (CSV/TSV, ``.xlsx`` and Parquet files to raw cells) and ``_cells`` (one cell to
  one checked value: dates, amounts, rates, ids) sit under it.

Import these names from ``privtraffic.data``, never from its private modules. This package
sits on the base layer only (``_tables``, ``_validation``, ``errors``, ``money``): time units
are parsed by ``privtraffic._validation.unit_days`` and single timestamps by ``day_number``.

Examples
--------
>>> from privtraffic.data import load_cdnow, summarize_transactions
>>> load_cdnow("summary").frequency.shape
(2357,)
>>> s = summarize_transactions(load_cdnow("transactions"), unit="W", calibration_end="1997-09-30")
>>> len(s), s.unit
(2357, 7.0)
"""

from privtraffic.data._datasets import load_cdnow, load_donations
from privtraffic.data._exports import (
    ColumnKind,
    ExportColumn,
    ExportTable,
    ReadingReport,
    read_table,
)
from privtraffic.data._orders import ORDER_COLUMNS, OrderLog, read_orders
from privtraffic.data._summarize import Moment, summarize_transactions
from privtraffic.data._summary import DiscreteRFMSummary, RFMSummary, Transactions

__all__ = [
    "ORDER_COLUMNS",
    "ColumnKind",
    "DiscreteRFMSummary",
    "ExportColumn",
    "ExportTable",
    "Moment",
    "OrderLog",
    "RFMSummary",
    "ReadingReport",
    "Transactions",
    "load_cdnow",
    "load_donations",
    "read_orders",
    "read_table",
    "summarize_transactions",
]
