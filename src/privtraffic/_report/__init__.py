"""The HTML report behind ``privtraffic report`` and ``privtraffic demo`` (private).

It sits on top of every package and uses their public APIs only, so the report's numbers are
the API's numbers. What lives here:

- ``reading``: the input files read through :func:`privtraffic.data.read_orders` and
  :func:`privtraffic.data.read_table` (columns found by their usual Chinese and English
  headers; every problem names the file, the row and the column), and what reading them did as
  report facts and tables in the page's language.
- ``messages``: the message catalogue, every text of the page in English and Chinese
  (``--lang en|zh``): headings, explanations, table headers, captions, tier names, plot texts,
  the reading facts and the column mapping.
- ``document``: :class:`Document`, one self-contained HTML page being written in one language
  (headings, tables without scientific notation, a caution box, plots embedded as base64 PNG,
  no external URL).
- ``sections``: one function per analysis (data summary, BTYD fits and holdout checks, CLV,
  concentration, tiers, KOC leaderboard, commissions, funnel, value decomposition), each
  writing its section; money is shown with :func:`privtraffic.money.format_amount` in the
  currency's own decimals.
- ``pipeline``: ``privtraffic report``: :class:`ReportOptions` and :func:`build_report`.
- ``demo``: ``privtraffic demo``: the pipeline on the bundled CDNOW data (USD) and a
  simulated private domain (CNY).

Examples
--------
>>> from privtraffic._report.document import Document
>>> from privtraffic._report.sections import data_summary_section
>>> import numpy as np
>>> doc = Document("shop", plots=False)
>>> data_summary_section(doc, np.array(["a", "b"]), np.array(["2024-01-01", "2024-01-03"],
...                      dtype="datetime64[s]"), np.array([1200.0, 300.0]), currency="JPY")
>>> "<td>total value</td><td>1,500</td>" in doc.render()
True
"""

from privtraffic._report.document import Document
from privtraffic._report.pipeline import ReportOptions, build_report
from privtraffic._report.reading import InputOptions, read_input, read_purchases

__all__ = [
    "Document",
    "InputOptions",
    "ReportOptions",
    "build_report",
    "read_input",
    "read_purchases",
]
