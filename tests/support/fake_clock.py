"""A fake clock and a cancel event whose waits move it, for tests of anything that waits on the
job's cancel event (rate limiter, backoff) without really sleeping."""

from __future__ import annotations

import math
import threading


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class AdvancingEvent(threading.Event):
    """A cancel event whose waits move the fake clock instead of sleeping."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None
        assert len(self.waits) < 100_000, "the limiter keeps asking to wait"
        self.waits.append(timeout)
        # At least one step of the float: a wait shorter than that (a token short by a rounding
        # error) would otherwise leave the clock where it is and the limiter asking forever.
        self.clock.now = max(self.clock.now + timeout, math.nextafter(self.clock.now, math.inf))
        return self.is_set()
