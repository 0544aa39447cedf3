"""The process's garbage collector, tuned once start-up is done.

A long-running bot process holds a large start-up heap (aiogram's and pydantic's models,
tortoise's metadata, the program, the locales) that never becomes garbage. CPython's full
collection walks all of it: measured in the paid broadcast benchmark, 0.16-0.31 s per pass, an
event-loop stall that held every in-flight send and cost a fifth of a second's sending each time
(docs/PERFORMANCE.md, "Broadcast"). After `settle_heap` the start-up heap is out of every
collection, and the oldest generation is collected rarely.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000
"""Allocations less deallocations before a young collection (CPython's default: 700)."""


def settle_heap() -> None:
    """Call once the process is built and before it serves: freeze what exists now, and
    collect less often (the thresholds of the young, middle and oldest generations)."""
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 50, 100)
