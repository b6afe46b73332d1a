"""How well each provider has been doing: counts of its outcomes (`HealthCounters`), its recent
failure ratio and response time, summed up as a `HealthStatus` for the settings dialog and the job
report. (One connection test's answer is a `HealthReport`, in `media_provider`; its outcome is
counted here like any other.)

Three kinds of outcome: a success, a "not found" (the provider answered properly but had nothing
for the text: a response, not a failure) and a failure.

Status, first rule that applies: no outcome recorded yet → UNKNOWN; the provider's circuit breaker
is open, or ``unhealthy_after`` consecutive failures → UNHEALTHY; any consecutive failure, or more
than 20% failures among the last ``window`` outcomes → DEGRADED; otherwise HEALTHY.

Thread safety: every method of `HealthCounters` may be called from any thread (worker threads
record, the UI thread reads snapshots); each takes one internal lock briefly and never blocks on
anything else. `HealthSnapshot` is immutable and safe anywhere.
"""

from __future__ import annotations

import enum
import math
import threading
from collections import deque
from dataclasses import asdict, dataclass

_MAX_ERROR_CHARS = 500
_DEGRADED_FAILURE_RATIO = 0.2


class HealthStatus(str, enum.Enum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class HealthSnapshot:
    """One consistent reading of a provider's health. ``mean_response_s`` is None when no outcome
    in the window was timed; ``last_error`` is "" until a failure is recorded."""

    provider: str
    status: HealthStatus
    successes: int
    failures: int
    not_found: int
    consecutive_failures: int
    last_error: str
    mean_response_s: float | None

    def to_json(self) -> dict[str, object]:
        """A plain dict for `json.dumps`: every field, ``status`` as its string value."""
        return {**asdict(self), "status": self.status.value}


class HealthCounters:
    """Counts one provider's outcomes; read them with `snapshot`. Thread safety: any thread (one lock).

    ``unhealthy_after`` consecutive failures make the provider UNHEALTHY; the failure ratio and the
    mean response time are taken over the last ``window`` outcomes (and timed outcomes). A negative
    elapsed time counts as 0; a non-finite one is ignored.
    """

    def __init__(self, provider: str, *, unhealthy_after: int = 5, window: int = 50) -> None:
        if unhealthy_after < 1:
            raise ValueError(f"unhealthy_after must be at least 1, not {unhealthy_after}")
        if window < 1:
            raise ValueError(f"window must be at least 1, not {window}")
        self.provider = provider
        self.unhealthy_after = unhealthy_after
        self.window = window
        self._lock = threading.Lock()
        self._successes = 0
        self._failures = 0
        self._not_found = 0
        self._consecutive_failures = 0
        self._last_error = ""
        self._recent_failed: deque[bool] = deque(maxlen=window)  # True for a failure
        self._recent_elapsed: deque[float] = deque(maxlen=window)

    def record_success(self, *, elapsed_s: float) -> None:
        with self._lock:
            self._successes += 1
            self._consecutive_failures = 0
            self._note(failed=False, elapsed_s=elapsed_s)

    def record_not_found(self, *, elapsed_s: float) -> None:
        """The provider answered properly but had nothing: a response, not a failure; it ends a run
        of consecutive failures."""
        with self._lock:
            self._not_found += 1
            self._consecutive_failures = 0
            self._note(failed=False, elapsed_s=elapsed_s)

    def record_failure(self, *, error: str, elapsed_s: float | None = None) -> None:
        """``error`` is a user-readable message (at most 500 characters are kept); ``elapsed_s`` is
        None when the failure has no meaningful response time."""
        with self._lock:
            self._failures += 1
            self._consecutive_failures += 1
            self._last_error = error[:_MAX_ERROR_CHARS]
            self._note(failed=True, elapsed_s=elapsed_s)

    def snapshot(self, *, breaker_open: bool = False) -> HealthSnapshot:
        """``breaker_open``: the provider's circuit breaker is open, which makes it UNHEALTHY."""
        with self._lock:
            elapsed = self._recent_elapsed
            return HealthSnapshot(
                provider=self.provider,
                status=self._status(breaker_open=breaker_open),
                successes=self._successes,
                failures=self._failures,
                not_found=self._not_found,
                consecutive_failures=self._consecutive_failures,
                last_error=self._last_error,
                mean_response_s=sum(elapsed) / len(elapsed) if elapsed else None,
            )

    # -- internals (call with the lock held) ------------------------------------------------------

    def _note(self, *, failed: bool, elapsed_s: float | None) -> None:
        self._recent_failed.append(failed)
        if elapsed_s is not None and math.isfinite(elapsed_s):
            self._recent_elapsed.append(max(0.0, float(elapsed_s)))

    def _status(self, *, breaker_open: bool) -> HealthStatus:
        if not self._recent_failed:
            return HealthStatus.UNKNOWN
        if breaker_open or self._consecutive_failures >= self.unhealthy_after:
            return HealthStatus.UNHEALTHY
        failure_ratio = sum(self._recent_failed) / len(self._recent_failed)
        if self._consecutive_failures > 0 or failure_ratio > _DEGRADED_FAILURE_RATIO:
            return HealthStatus.DEGRADED
        return HealthStatus.HEALTHY
