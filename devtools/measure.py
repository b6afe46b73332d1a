"""Measuring helpers shared by the benchmarks and the tests that check memory stays flat."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import TypeVar

_T = TypeVar("_T")


def peak_memory(call: Callable[[], _T]) -> tuple[_T, int]:
    """``call()``'s result and the peak Python memory traced while it ran, in bytes (a count of
    bytes held, which does not depend on the machine's speed; tracing slows Python down, so time
    such a run on its own)."""
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
