"""The HTML report behind ``privtraffic report`` and ``privtraffic demo`` (private).

``reading`` turns CSV / Parquet exports into checked arrays, ``document`` assembles one
self-contained HTML page (plots embedded as base64 PNG, no external URL), ``sections`` runs the
analyses and writes their sections, and ``demo`` is the bundled-data pipeline.
"""
