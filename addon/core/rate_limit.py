"""A token bucket per provider: at most ``requests_per_minute`` on average, with a small burst.

Thread safety: `RateLimiter.acquire` may be called from any number of worker threads; one lock
guards the bucket. Waiting happens outside the lock on the job's cancel event, so a cancel wakes
every waiting request at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Hands out one token per request; tokens refill at ``requests_per_minute / 60`` per second up
    to ``burst``. The clock is injectable for tests."""

    def __init__(
        self, *, requests_per_minute: float, burst: int = 1, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if requests_per_minute <= 0 or burst < 1:
            raise ValueError("requests_per_minute must be > 0 and burst >= 1")
        self.rate_per_s = requests_per_minute / 60.0
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock()
        self._lock = threading.Lock()

    def _take_or_wait_s(self) -> float:
        """Take a token and return 0, or return how long until one is due."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate_per_s)
            self._updated = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate_per_s

    def acquire(self, cancel: threading.Event) -> bool:
        """Block until a token is taken (True) or ``cancel`` is set (False)."""
        while True:
            wait_s = self._take_or_wait_s()
            if wait_s <= 0:
                return True
            if cancel.wait(wait_s):
                return False
