"""The cyclic garbage collector paused while the commission package makes many objects that
all stay alive until the work is done (a ledger folding a batch, ``Balances`` making every
``Balance``).

Examples
--------
>>> import gc
>>> with gc_paused(GC_PAUSE_MIN):
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["GC_PAUSE_MIN", "gc_paused"]

#: Fewest objects (events, balances) of one call made with the collector paused.
GC_PAUSE_MIN = 256

_pauses = 0  # calls inside gc_paused() that paused the collector
_lock = threading.Lock()


@contextmanager
def gc_paused(n: int) -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a call makes ``n`` things (at least
    :data:`GC_PAUSE_MIN`; fewer: nothing changes).

    Folding a batch makes several small containers per event (keys, postings, items), none
    of them garbage until the fold ends; each 700 of them start a collection that walks the
    young objects, and every tenth of those an older generation, so that on a batch of
    thousands of events the collector took a quarter of the time, re-reading the same live
    objects. Paused, it runs at the next allocation after the call, and collects then whatever
    garbage the call left (cycles included). It is enabled again when the last paused call
    of any thread ends, however it ends; a collector that was disabled before stays so.

    Examples
    --------
    >>> import gc
    >>> with gc_paused(1):  # too few to matter
    ...     gc.isenabled()
    True
    """
    global _pauses
    if n < GC_PAUSE_MIN:
        yield
        return
    with _lock:
        paused = _pauses > 0 or gc.isenabled()
        if paused:
            _pauses += 1
            gc.disable()
    try:
        yield
    finally:
        if paused:
            with _lock:
                _pauses -= 1
                if _pauses == 0:
                    gc.enable()
