"""Helpers the tests share (imported as ``from support import ...``; tests/ is on the path)."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import settings

#: How many times more examples each property draws under the ``deep`` profile.
DEEP_FACTOR = 20 if os.environ.get("HYPOTHESIS_PROFILE") == "deep" else 1


def examples(n: int, **kwargs: Any) -> settings:
    """Hypothesis settings for a property: ``n`` examples in CI, ``20 n`` under ``nox -s deep``.

    The rest (derandomisation, deadline, health checks) comes from the loaded profile.
    """
    return settings(max_examples=n * DEEP_FACTOR, **kwargs)
