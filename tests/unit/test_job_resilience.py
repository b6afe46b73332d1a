"""The job runner under failing providers: retries of transient errors, the circuit breaker (with an
injected clock) and the rule's fallback chain while a breaker is open, health counters."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from addon.core.base.errors import CircuitOpenError, NotFoundError, RateLimitError, TransientError
from addon.core.engine.generation import generate_all, retry_delay
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.resilience.circuit_breaker import BreakerState
from addon.core.resilience.health import HealthStatus
from tests.support.job_fakes import Backup, Behaviour, Lookup, Primary, items, raising, run, speak

AUDIO = MediaKind.AUDIO


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def flaky(failures: int, *, retry_after: float | None = 0.0) -> Behaviour:
    """A behaviour that raises TransientError ``failures`` times, then speaks."""
    left = {"n": failures}
    lock = threading.Lock()

    def behaviour(request: MediaRequest) -> bytes:
        with lock:
            if left["n"] > 0:
                left["n"] -= 1
                raise TransientError("server busy", retry_after=retry_after)
        return speak(request)

    return behaviour


# Retries


def test_a_transient_error_is_retried_on_the_same_provider() -> None:
    primary, backup = Primary(flaky(2), retry_attempts=2), Backup()
    (item,) = work = items("word")
    result = run(work, primary, backup).results[item.key]
    assert result.ok
    assert result.provider == "primary"
    assert result.attempts == 3
    assert primary.calls == ["word"] * 3
    assert backup.calls == []


def test_a_retry_is_logged_naming_the_provider_once(caplog: pytest.LogCaptureFixture) -> None:
    primary = Primary(flaky(1), retry_attempts=1)
    with caplog.at_level(logging.INFO, logger="addon.core.resilience.retry_policy"):
        run(items("word"), primary, Backup())
    (line,) = [record.getMessage() for record in caplog.records if "retrying in" in record.getMessage()]
    assert line.startswith("primary: server busy; retrying in "), line


def test_retries_stop_at_retry_attempts_then_the_next_provider_is_used() -> None:
    primary, backup = Primary(flaky(5), retry_attempts=1), Backup()
    (item,) = work = items("word")
    result = run(work, primary, backup).results[item.key]
    assert result.ok
    assert result.provider == "backup"
    assert len(primary.calls) == 2, "one try and one retry"


def test_permanent_errors_are_never_retried() -> None:
    primary, backup = Primary(raising(NotFoundError("no such word")), retry_attempts=5), Backup()
    (item,) = work = items("word")
    assert run(work, primary, backup).results[item.key].provider == "backup"
    assert primary.calls == ["word"]


def test_retry_after_from_the_server_is_honoured() -> None:
    primary = Primary(flaky(1, retry_after=0.3), retry_attempts=1)
    (item,) = work = items("word", providers=("primary",))
    started = time.monotonic()
    assert run(work, primary).results[item.key].ok
    assert time.monotonic() - started >= 0.3


def test_a_cancel_wakes_a_sleeping_backoff_at_once() -> None:
    primary = Primary(flaky(1, retry_after=30.0), retry_attempts=1)
    work = items("word", providers=("primary",))
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    started = time.monotonic()
    outcome = generate_all(work, providers=Lookup(primary), cancel=cancel)
    assert time.monotonic() - started < 5, "the 30 s Retry-After must not be slept through after a cancel"
    assert outcome.cancelled
    assert outcome.results == {}


@pytest.mark.parametrize("attempt", [1, 2, 3, 6, 20])
def test_backoff_grows_with_jitter_and_is_capped(attempt: int) -> None:
    ceiling = min(30.0, 0.5 * 2 ** (attempt - 1))
    delays = {retry_delay(attempt=attempt, retry_after=None) for _ in range(50)}
    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert len(delays) > 1, "jitter spreads the retries of parallel requests"


def test_retry_after_is_used_as_given_but_capped() -> None:
    assert retry_delay(attempt=1, retry_after=7.0) == 7.0
    assert retry_delay(attempt=1, retry_after=10_000.0) == 60.0


# Circuit breaker and fallback


def test_breaker_opens_after_n_failures_and_the_chain_uses_the_next_provider() -> None:
    clock = Clock()
    primary = Primary(raising(TransientError("down")), max_concurrency=1)
    backup = Backup()
    lookup = Lookup(primary, backup, failure_threshold=3, clock=clock)
    work = items(*(f"w{i}" for i in range(10)))
    outcome = generate_all(work, providers=lookup, cancel=threading.Event())
    assert all(r.ok and r.provider == "backup" for r in outcome.results.values())
    assert len(primary.calls) == 3, "after 3 failures in a row the breaker refuses calls at once"
    breaker = lookup.breaker(AUDIO, "primary")
    assert breaker.state is BreakerState.OPEN
    snapshot = lookup.health(AUDIO, "primary").snapshot(breaker_open=True)
    assert snapshot.status is HealthStatus.UNHEALTHY
    assert snapshot.failures == 3


def test_an_open_breaker_without_fallback_fails_fast_with_a_clear_error() -> None:
    clock = Clock()
    primary = Primary(raising(TransientError("down")), max_concurrency=1)
    lookup = Lookup(primary, failure_threshold=2, clock=clock)
    work = items(*(f"w{i}" for i in range(5)), providers=("primary",))
    outcome = generate_all(work, providers=lookup, cancel=threading.Event())
    errors = [r.error for r in outcome.results.values()]
    assert sum(isinstance(e, CircuitOpenError) for e in errors) == 3
    assert len(primary.calls) == 2
    message = str(next(e for e in errors if isinstance(e, CircuitOpenError)))
    assert message.startswith("primary: paused after 2 failures in a row")
    assert "reset it in the settings" in message


def test_breaker_half_opens_after_the_cool_down_and_closes_on_success() -> None:
    clock = Clock()
    healthy = {"down": True}

    def behaviour(request: MediaRequest) -> bytes:
        if healthy["down"]:
            raise TransientError("down")
        return speak(request)

    primary, backup = Primary(behaviour, max_concurrency=1), Backup()
    lookup = Lookup(primary, backup, failure_threshold=2, clock=clock)
    generate_all(items("a", "b", "c"), providers=lookup, cancel=threading.Event())
    breaker = lookup.breaker(AUDIO, "primary")
    assert breaker.state is BreakerState.OPEN

    clock.now += 299  # default cool-down of the fake lookup's breaker is 300 s
    healthy["down"] = False
    outcome = generate_all(items("d"), providers=lookup, cancel=threading.Event())
    assert next(iter(outcome.results.values())).provider == "backup", "still open before the cool-down"
    assert primary.calls == ["a", "b"]

    clock.now += 2
    assert breaker.snapshot().state is BreakerState.HALF_OPEN
    outcome = generate_all(items("e", "f"), providers=lookup, cancel=threading.Event())
    assert all(r.provider == "primary" for r in outcome.results.values())
    assert breaker.snapshot().state is BreakerState.CLOSED


def test_a_failed_trial_reopens_the_breaker() -> None:
    clock = Clock()
    primary, backup = Primary(raising(TransientError("down")), max_concurrency=1), Backup()
    lookup = Lookup(primary, backup, failure_threshold=2, clock=clock)
    generate_all(items("a", "b"), providers=lookup, cancel=threading.Event())
    clock.now += 301
    generate_all(items("c", "d", "e"), providers=lookup, cancel=threading.Event())
    assert primary.calls == ["a", "b", "c"], "one trial call after the cool-down, then open again"
    assert lookup.breaker(AUDIO, "primary").state is BreakerState.OPEN


def test_not_found_is_not_a_failure_for_the_breaker_or_health() -> None:
    primary = Primary(raising(NotFoundError("no recording")), max_concurrency=1)
    backup = Backup()
    lookup = Lookup(primary, backup, failure_threshold=2)
    work = items(*(f"w{i}" for i in range(6)))
    outcome = generate_all(work, providers=lookup, cancel=threading.Event())
    assert all(r.provider == "backup" for r in outcome.results.values())
    assert len(primary.calls) == 6, "answers of 'nothing for this word' never open the breaker"
    assert lookup.breaker(AUDIO, "primary").state is BreakerState.CLOSED
    snapshot = lookup.health(AUDIO, "primary").snapshot()
    assert (snapshot.not_found, snapshot.failures, snapshot.status) == (6, 0, HealthStatus.HEALTHY)


def test_health_records_successes_and_response_times() -> None:
    primary = Primary(delay_s=0.02)
    lookup = Lookup(primary)
    generate_all(items("a", "b", "c", providers=("primary",)), providers=lookup, cancel=threading.Event())
    snapshot = lookup.health(AUDIO, "primary").snapshot()
    assert snapshot.successes == 3
    assert snapshot.status is HealthStatus.HEALTHY
    assert snapshot.mean_response_s is not None and snapshot.mean_response_s >= 0.02


def test_bytes_that_fail_the_media_check_count_as_a_failure() -> None:
    primary = Primary(lambda request: b"<html>error</html>", max_concurrency=1)
    backup = Backup()
    lookup = Lookup(primary, backup, failure_threshold=2)
    outcome = generate_all(items("a", "b", "c"), providers=lookup, cancel=threading.Event())
    assert all(r.provider == "backup" for r in outcome.results.values())
    assert lookup.breaker(AUDIO, "primary").state is BreakerState.OPEN
    assert "are not audio" in lookup.health(AUDIO, "primary").snapshot().last_error


def test_a_429_storm_slows_the_provider_down_but_never_opens_its_breaker() -> None:
    """Rate limiting means the server is up: the limiter handles it, the breaker stays closed."""
    left = {"n": 6}
    lock = threading.Lock()

    def throttled(request: MediaRequest) -> bytes:
        with lock:
            if left["n"] > 0:
                left["n"] -= 1
                raise RateLimitError("too many requests", retry_after=0.0)
        return speak(request)

    primary = Primary(throttled, max_concurrency=1)
    lookup = Lookup(primary, Backup(), failure_threshold=2)
    work = items("a", "b", "c")
    outcome = generate_all(work, providers=lookup, cancel=threading.Event(), retry_sleep=lambda s: None)
    assert all(r.ok and r.provider == "primary" for r in outcome.results.values())
    assert lookup.breaker(AUDIO, "primary").snapshot().state is BreakerState.CLOSED
    assert outcome.rate_cuts.get("primary", 0) >= 1
