"""A circuit breaker per provider: after enough consecutive failures a provider is left alone for a
cool-down, then one trial call decides whether it is back.

States: CLOSED (calls go through), OPEN (calls are rejected at once until the cool-down has passed)
and HALF_OPEN (the cool-down has passed; exactly one trial call is admitted, and its outcome closes
or reopens the breaker).

Callers decide what counts as a failure. A provider that answers properly but has nothing for the
text ("not found") is working: callers call `CircuitBreaker.record_success` for it, never
`CircuitBreaker.record_failure`. Only failures of the provider itself (timeouts, server errors,
refused keys and the like) should open the breaker.

Thread safety: every method and property of `CircuitBreaker` may be called from any thread; each
takes one internal lock for a few arithmetic steps. The breaker never blocks waiting for the
provider, never sleeps and never raises to callers. `BreakerSnapshot` is immutable and safe
anywhere.
"""

from __future__ import annotations

import enum
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class BreakerState(str, enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerSnapshot:
    """One consistent reading of a breaker, taken under its lock."""

    name: str
    state: BreakerState
    consecutive_failures: int
    seconds_until_retry: float
    opened_count: int


class CircuitBreaker:
    """Per-provider circuit breaker. Thread-safe (one internal lock).

    Use: ask `allow` before each call and skip the call when it says False; afterwards report the
    outcome with `record_success` (including "not found" answers) or `record_failure`. A call that
    `allow` admitted as the half-open trial but that ended without an outcome (cancelled) must be
    handed back with `release_trial`, or no further trial is admitted.

    ``clock`` returns seconds on a monotonic scale; tests inject a fake one.
    """

    def __init__(
        self,
        *,
        name: str,
        failure_threshold: int = 5,
        cooldown_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError(f"failure_threshold must be at least 1, not {failure_threshold}")
        if not (cooldown_s >= 0 and math.isfinite(cooldown_s)):
            raise ValueError(f"cooldown_s must be a finite number of seconds >= 0, not {cooldown_s}")
        self.name = name
        self.failure_threshold = failure_threshold
        self.cooldown_s = float(cooldown_s)
        self._clock = clock
        self._lock = threading.Lock()
        # _state is OPEN from opening until allow() admits a trial after the cool-down; it reads
        # as HALF_OPEN from outside as soon as the cool-down has passed (see _effective_state).
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._opened_count = 0
        self._trial_out = False

    # -- reading ----------------------------------------------------------------------------------

    @property
    def state(self) -> BreakerState:
        """OPEN reads as HALF_OPEN once the cool-down has passed."""
        with self._lock:
            return self._effective_state(self._clock())

    @property
    def consecutive_failures(self) -> int:
        with self._lock:
            return self._failures

    def seconds_until_retry(self) -> float:
        """Seconds left of the cool-down; 0.0 unless the breaker is OPEN and cooling down."""
        with self._lock:
            return self._remaining(self._clock())

    def snapshot(self) -> BreakerSnapshot:
        with self._lock:
            now = self._clock()
            return BreakerSnapshot(
                name=self.name,
                state=self._effective_state(now),
                consecutive_failures=self._failures,
                seconds_until_retry=self._remaining(now),
                opened_count=self._opened_count,
            )

    # -- gating -----------------------------------------------------------------------------------

    def allow(self) -> bool:
        """Whether a call may go to the provider now. Never blocks.

        CLOSED: True. OPEN within the cool-down: False. Once the cool-down has passed the breaker
        becomes HALF_OPEN and returns True exactly once (the trial call); it returns False while
        that trial is outstanding.
        """
        with self._lock:
            state = self._effective_state(self._clock())
            if state is BreakerState.CLOSED:
                return True
            if state is BreakerState.OPEN or self._trial_out:
                return False
            self._state = BreakerState.HALF_OPEN
            self._trial_out = True
            return True

    def release_trial(self) -> None:
        """The admitted trial ended without an outcome (cancelled): a later `allow` may admit a new
        trial. Does nothing when no trial is outstanding."""
        with self._lock:
            self._trial_out = False

    # -- outcomes ---------------------------------------------------------------------------------

    def record_success(self) -> None:
        """The provider answered properly (a "not found" answer counts): close the breaker."""
        with self._lock:
            self._state = BreakerState.CLOSED
            self._failures = 0
            self._trial_out = False

    def record_failure(self) -> None:
        """The provider failed. CLOSED: count it, and open once the consecutive failures reach
        ``failure_threshold``. HALF_OPEN (the trial failed): open again at once with a fresh
        cool-down. OPEN within the cool-down (a call that started before opening): count it only,
        the cool-down is not extended."""
        with self._lock:
            now = self._clock()
            state = self._effective_state(now)
            self._failures += 1
            if state is BreakerState.HALF_OPEN or (
                state is BreakerState.CLOSED and self._failures >= self.failure_threshold
            ):
                self._open(now)

    def reset(self) -> None:
        """By hand: CLOSED, consecutive failures and opened count cleared, no trial outstanding."""
        with self._lock:
            self._state = BreakerState.CLOSED
            self._failures = 0
            self._opened_at = 0.0
            self._opened_count = 0
            self._trial_out = False

    # -- internals (call with the lock held) ------------------------------------------------------

    def _open(self, now: float) -> None:
        self._state = BreakerState.OPEN
        self._opened_at = now
        self._opened_count += 1
        self._trial_out = False

    def _effective_state(self, now: float) -> BreakerState:
        if self._state is BreakerState.OPEN and now >= self._opened_at + self.cooldown_s:
            return BreakerState.HALF_OPEN
        return self._state

    def _remaining(self, now: float) -> float:
        if self._state is not BreakerState.OPEN:
            return 0.0
        return max(0.0, self._opened_at + self.cooldown_s - now)
