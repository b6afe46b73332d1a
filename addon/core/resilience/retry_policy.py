"""How one request is retried on one provider, as tenacity strategy objects (vendored).

* `TransientError` (timeouts, 5xx): up to the provider's ``retry_attempts`` retries, waiting with
  exponential backoff and equal jitter (0.5 s, 1 s, 2 s… up to 30 s; each wait between half and
  all of that), or the server's ``Retry-After`` when it gave one.
* `RateLimitError` (429): up to `RetryPolicy.rate_limit_retries` retries whatever
  ``retry_attempts`` says, since the job slows the provider down meanwhile; a user whose real limit
  is below the configured one still finishes.
* `InvalidResponseError` (bytes that are not the media asked for): retried once.
* Anything else (`PermanentError`: auth, quota, not found, bad request) is never retried.
* A ``Retry-After`` longer than `RetryPolicy.max_retry_after_s` is not waited for: the request
  goes to the rule's next provider at once.

The sleep is injectable and, by default, waits on the job's cancel event: a cancel wakes a
sleeping backoff at once and the request ends as not started (`Cancelled`).

Thread safety: a `RetryPolicy` is immutable; `RetryPolicy.call` builds fresh tenacity state per
call, so any number of worker threads may use one policy at once.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ...vendor.tenacity import RetryCallState, Retrying, retry_if_exception
from ..base.errors import InvalidResponseError, RateLimitError, TransientError
from ..base.log import get_logger

log = get_logger(__name__)

T = TypeVar("T")

MAX_RETRY_DELAY_S = 60.0


class Cancelled(Exception):
    """The job was cancelled while a request waited to be retried."""


@dataclass(frozen=True)
class RetryPolicy:
    """The numbers behind the module docstring's rules; ``retry_attempts`` is the provider's."""

    retry_attempts: int
    invalid_response_retries: int = 1
    rate_limit_retries: int = 8
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_retry_after_s: float = MAX_RETRY_DELAY_S

    def backoff_s(self, attempt: int, *, uniform: Callable[[float, float], float] = random.uniform) -> float:
        """The wait before retry number ``attempt`` (1-based) when the server named none."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2.0 ** max(0, attempt - 1))
        return ceiling / 2 + uniform(0, ceiling / 2)

    def call(
        self,
        fn: Callable[[], T],
        *,
        cancel: threading.Event,
        sleep: Callable[[float], None] | None = None,
        label: str = "",
    ) -> T:
        """Run ``fn`` with retries; re-raises its last error when retries are spent, or raises
        `Cancelled` when ``cancel`` is set during a wait. ``sleep`` replaces the wait (tests).

        The first attempt runs without the retry machinery (most requests succeed at once, and a
        big job makes hundreds of thousands); its error, when retryable, is handed to the same
        retry loop as its first attempt, so the waits and counts are as if the loop had made it."""
        try:
            return fn()
        except BaseException as error:
            if not _retryable(error):
                raise
            first_error = error
        replayed = [first_error]

        def attempt() -> T:
            if replayed:
                raise replayed.pop()
            return fn()

        return self._retrying(cancel=cancel, sleep=sleep, label=label)(attempt)

    def _retrying(self, *, cancel: threading.Event, sleep: Callable[[float], None] | None, label: str) -> Retrying:
        stop = _Stop(self)

        def wait(state: RetryCallState) -> float:
            error = _error_of(state)
            if isinstance(error, TransientError) and error.retry_after is not None and error.retry_after >= 0:
                return error.retry_after
            # Tenacity runs `wait` before `stop`, so this error is not counted yet: this is retry n + 1.
            return self.backoff_s(stop.counts[_category(error)] + 1)

        def before_sleep(state: RetryCallState) -> None:
            delay = state.next_action.sleep if state.next_action is not None else 0.0
            error = str(_error_of(state))
            named = not label or error.startswith(f"{label}: ")  # a provider's error names it already
            log.info("%s; retrying in %.1f s", error if named else f"{label}: {error}", delay)

        return Retrying(
            sleep=sleep or _cancellable_sleep(cancel),
            stop=stop,
            wait=wait,
            retry=retry_if_exception(_retryable),
            before_sleep=before_sleep,
            reraise=True,
        )


def retry_delay(*, attempt: int, retry_after: float | None) -> float:
    """The wait before a retry: the server's ``Retry-After`` (capped) or the default backoff."""
    if retry_after is not None and retry_after >= 0:
        return min(retry_after, MAX_RETRY_DELAY_S)
    return RetryPolicy(retry_attempts=0).backoff_s(attempt)


def _retryable(error: BaseException) -> bool:
    return isinstance(error, (TransientError, InvalidResponseError))


def _category(error: BaseException | None) -> str:
    if isinstance(error, RateLimitError):
        return "rate_limit"
    if isinstance(error, InvalidResponseError):
        return "invalid"
    return "transient"


def _error_of(state: RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome is not None else None


class _Stop:
    """Counts each kind of retryable error of one request and says when its retries are spent."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.counts: Counter[str] = Counter()

    def __call__(self, state: RetryCallState) -> bool:
        error = _error_of(state)
        category = _category(error)
        self.counts[category] += 1
        if isinstance(error, TransientError) and (error.retry_after or 0) > self.policy.max_retry_after_s:
            return True  # the server asks for a longer wait than a job should sit through
        limits = {
            "rate_limit": self.policy.rate_limit_retries,
            "invalid": self.policy.invalid_response_retries,
            "transient": self.policy.retry_attempts,
        }
        return self.counts[category] > limits[category]


def _cancellable_sleep(cancel: threading.Event) -> Callable[[float], None]:
    def sleep(seconds: float) -> None:
        if cancel.wait(seconds):
            raise Cancelled

    return sleep
