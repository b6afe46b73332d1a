"""A token bucket per provider that adapts to the server: at most ``requests_per_minute`` on
average with a small burst, slowed down when the server answers "too many requests", and crept back
up while it does not.

How it adapts (one provider, one job):

* A rate-limit answer (HTTP 429) pauses every request of the provider until the server's
  ``Retry-After`` (one second when it gave none) and cuts the rate to the rate the server was
  really letting through over the last seconds, but at least by 15 %. The burst of 429s that
  the requests already in flight bring back counts as one cut.
* Every ``5 × rate`` successes (about five seconds' worth) raise the rate by 1 % again, up to the
  configured rate, so a server that was only busy for a moment gets its full rate back, and one
  whose real limit is lower than the settings say is met just under its limit.

Thread safety: `RateLimiter.acquire`, `on_rate_limited` and `on_success` may be called from any
number of worker threads; one lock guards the state. Waiting happens outside the lock on the job's
cancel event, so a cancel wakes every waiting request at once. The clock is injectable.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# A cut lowers the rate to at most this fraction of what it was.
_CUT_FACTOR = 0.85
# The rate never drops below this fraction of the configured rate (nor below 1 per minute).
_MIN_FRACTION = 0.02
# Each step up adds this fraction of the current rate.
_STEP_UP = 0.01
# Successes, in seconds' worth at the current rate, between two steps up.
_SECONDS_PER_STEP_UP = 5.0
# The window over which the rate the server lets through is measured.
_MEASURE_WINDOW_S = 5.0
_MIN_MEASURE_S = 2.0
# 429s within this long after the end of a pause belong to the same cut.
_SAME_CUT_S = 1.0
_DEFAULT_PAUSE_S = 1.0


@dataclass(frozen=True)
class LimiterSnapshot:
    """For progress and the report: the configured and current rates (per minute) and the cuts."""

    configured_per_minute: float
    current_per_minute: float
    cuts: int


class RateLimiter:
    """Hands out one token per request; tokens refill at the current rate up to ``burst``."""

    def __init__(
        self, *, requests_per_minute: float, burst: int = 1, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if requests_per_minute <= 0 or burst < 1:
            raise ValueError("requests_per_minute must be > 0 and burst >= 1")
        self.configured_per_s = requests_per_minute / 60.0
        self.rate_per_s = self.configured_per_s
        self.min_per_s = max(self.configured_per_s * _MIN_FRACTION, 1 / 60.0)
        self.burst = burst
        self.cuts = 0
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock()
        self._paused_until = float("-inf")
        self._cut_guard_until = float("-inf")
        self._successes_since_step = 0
        self._recent_successes: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def _take_or_wait_s(self) -> float:
        """Take a token and return 0, or return how long until one is due."""
        with self._lock:
            now = self._clock()
            if now < self._paused_until:
                return self._paused_until - now
            since = max(self._updated, self._paused_until)
            self._tokens = min(self.burst, self._tokens + max(0.0, now - since) * self.rate_per_s)
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

    def on_success(self) -> None:
        """A request was answered: count it towards the measured rate and the next step up."""
        with self._lock:
            now = self._clock()
            self._recent_successes.append(now)
            while self._recent_successes and self._recent_successes[0] < now - _MEASURE_WINDOW_S:
                self._recent_successes.popleft()
            if self.rate_per_s >= self.configured_per_s:
                return
            self._successes_since_step += 1
            if self._successes_since_step >= max(1.0, self.rate_per_s * _SECONDS_PER_STEP_UP):
                self._successes_since_step = 0
                self.rate_per_s = min(self.configured_per_s, self.rate_per_s * (1 + _STEP_UP))

    def on_rate_limited(self, *, retry_after: float | None) -> None:
        """The server said "too many requests": pause until its ``retry_after`` (seconds) and, once
        per burst of such answers, cut the rate (see the module docstring)."""
        with self._lock:
            now = self._clock()
            pause = _DEFAULT_PAUSE_S if retry_after is None or retry_after < 0 else retry_after
            self._paused_until = max(self._paused_until, now + pause)
            self._tokens = 0.0
            self._updated = now
            self._successes_since_step = 0
            if now < self._cut_guard_until:
                return
            self._cut_guard_until = self._paused_until + _SAME_CUT_S
            cut = self.rate_per_s * _CUT_FACTOR
            measured = self._measured_rate(now)
            self.rate_per_s = max(self.min_per_s, min(cut, measured) if measured is not None else cut)
            self.cuts += 1

    def _measured_rate(self, now: float) -> float | None:
        """Successes per second over the measuring window, or None with too few to tell."""
        recent = [t for t in self._recent_successes if t >= now - _MEASURE_WINDOW_S]
        if len(recent) < 5 or now - recent[0] < _MIN_MEASURE_S:
            return None  # too early to tell the server's rate from the first burst
        return len(recent) / (now - recent[0])

    def snapshot(self) -> LimiterSnapshot:
        with self._lock:
            return LimiterSnapshot(
                configured_per_minute=self.configured_per_s * 60,
                current_per_minute=self.rate_per_s * 60,
                cuts=self.cuts,
            )
