"""Helpers the tests share (imported as ``from support import ...``; tests/ is on the path)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import settings

#: How many times more examples each property draws under the ``deep`` profile.
DEEP_FACTOR = 20 if os.environ.get("HYPOTHESIS_PROFILE") == "deep" else 1


def examples(n: int, **kwargs: Any) -> settings:
    """Hypothesis settings for a property: ``n`` examples in CI, ``20 n`` under ``nox -s deep``.

    The rest (derandomisation, deadline, health checks) comes from the loaded profile.
    """
    return settings(max_examples=n * DEEP_FACTOR, **kwargs)


@contextmanager
def local_dask_client() -> Iterator[Any]:
    """A ``distributed.Client`` on a throw-away local cluster of two worker processes (one
    thread, 1 GiB each, no dashboard), closed on exit: the tests' real Dask scheduler."""
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit="1GiB",
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c
