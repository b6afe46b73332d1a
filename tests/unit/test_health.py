"""HealthCounters: counting outcomes, every status transition, the window's failure ratio and mean
response time, the kept error message and the JSON form of a snapshot."""

from __future__ import annotations

import json
import threading

import pytest

from addon.core.resilience.health import HealthCounters, HealthSnapshot, HealthStatus

HEALTHY = HealthStatus.HEALTHY
DEGRADED = HealthStatus.DEGRADED
UNHEALTHY = HealthStatus.UNHEALTHY
UNKNOWN = HealthStatus.UNKNOWN


def test_nothing_recorded_is_unknown() -> None:
    health = HealthCounters("forvo")
    snap = health.snapshot()
    assert snap == HealthSnapshot(
        provider="forvo",
        status=UNKNOWN,
        successes=0,
        failures=0,
        not_found=0,
        consecutive_failures=0,
        last_error="",
        mean_response_s=None,
    )
    assert health.snapshot(breaker_open=True).status is UNKNOWN


def test_unknown_to_healthy_on_a_success() -> None:
    health = HealthCounters("forvo")
    health.record_success(elapsed_s=0.5)
    snap = health.snapshot()
    assert snap.status is HEALTHY
    assert snap.successes == 1
    assert snap.mean_response_s == pytest.approx(0.5)


def test_every_status_transition() -> None:
    health = HealthCounters("forvo", unhealthy_after=3, window=50)
    assert health.snapshot().status is UNKNOWN
    for _ in range(20):
        health.record_success(elapsed_s=0.1)
    assert health.snapshot().status is HEALTHY
    health.record_failure(error="timeout")
    assert health.snapshot().status is DEGRADED  # one consecutive failure
    health.record_failure(error="timeout")
    assert health.snapshot().status is DEGRADED
    health.record_failure(error="timeout")
    assert health.snapshot().status is UNHEALTHY  # exactly unhealthy_after in a row
    health.record_failure(error="timeout")
    assert health.snapshot().status is UNHEALTHY
    health.record_success(elapsed_s=0.1)
    # 4 failures of 25 = 16%, no consecutive failure
    assert health.snapshot().status is HEALTHY
    assert health.snapshot(breaker_open=True).status is UNHEALTHY
    health.record_failure(error="500")
    assert health.snapshot().status is DEGRADED
    health.record_not_found(elapsed_s=0.1)
    assert health.snapshot().status is HEALTHY  # 5 of 27 = 18.5%


def test_unhealthy_after_n_failures_not_n_minus_one() -> None:
    health = HealthCounters("forvo", unhealthy_after=5)
    for _ in range(4):
        health.record_failure(error="boom")
    assert health.snapshot().status is DEGRADED
    health.record_failure(error="boom")
    assert health.snapshot().status is UNHEALTHY


def test_breaker_open_is_unhealthy_even_when_all_went_well() -> None:
    health = HealthCounters("forvo")
    health.record_success(elapsed_s=0.2)
    assert health.snapshot(breaker_open=True).status is UNHEALTHY
    assert health.snapshot(breaker_open=False).status is HEALTHY


def test_not_found_is_a_response_not_a_failure() -> None:
    health = HealthCounters("forvo", unhealthy_after=2)
    health.record_failure(error="timeout")
    health.record_not_found(elapsed_s=0.3)
    snap = health.snapshot()
    assert snap.not_found == 1
    assert snap.failures == 1
    assert snap.successes == 0
    assert snap.consecutive_failures == 0
    health.record_failure(error="timeout")
    assert health.snapshot().status is DEGRADED  # the run of failures started again at 1


def test_only_not_found_is_healthy() -> None:
    health = HealthCounters("forvo")
    for _ in range(10):
        health.record_not_found(elapsed_s=1.0)
    snap = health.snapshot()
    assert snap.status is HEALTHY
    assert snap.not_found == 10
    assert snap.failures == 0


def test_window_failure_ratio_of_exactly_twenty_percent_is_healthy() -> None:
    health = HealthCounters("forvo", window=10)
    # oldest first: F S F S S S S S S S -> 2 of 10 = 20%, not more than 20%
    health.record_failure(error="x")
    health.record_success(elapsed_s=0.1)
    health.record_failure(error="x")
    for _ in range(7):
        health.record_success(elapsed_s=0.1)
    assert health.snapshot().consecutive_failures == 0
    assert health.snapshot().status is HEALTHY
    # each new outcome pushes the oldest out of the window
    health.record_failure(error="x")  # window: S F S S S S S S S F
    health.record_success(elapsed_s=0.1)  # window: F S S S S S S S F S -> 2 of 10
    assert health.snapshot().status is HEALTHY
    health.record_failure(error="x")  # window: S S S S S S S F S F
    health.record_not_found(elapsed_s=0.1)  # window: S S S S S S F S F N -> 2 of 10
    assert health.snapshot().status is HEALTHY


def test_window_ratio_degraded_and_recovers_as_failures_leave_the_window() -> None:
    health = HealthCounters("forvo", window=10, unhealthy_after=100)
    for _ in range(3):
        health.record_failure(error="x")
        health.record_success(elapsed_s=0.1)
    # 3 failures of 6 = 50% with no consecutive failure
    snap = health.snapshot()
    assert snap.consecutive_failures == 0
    assert snap.status is DEGRADED
    for _ in range(4):
        health.record_success(elapsed_s=0.1)
    assert health.snapshot().status is DEGRADED  # 3 of 10 = 30%
    health.record_success(elapsed_s=0.1)  # the first failure leaves: 2 of 10
    assert health.snapshot().status is HEALTHY
    assert health.snapshot().failures == 3  # totals are not windowed


def test_mean_response_over_the_window() -> None:
    health = HealthCounters("forvo", window=3)
    health.record_success(elapsed_s=10.0)
    assert health.snapshot().mean_response_s == pytest.approx(10.0)
    health.record_not_found(elapsed_s=1.0)
    health.record_failure(error="x", elapsed_s=2.0)
    assert health.snapshot().mean_response_s == pytest.approx(13.0 / 3)
    health.record_success(elapsed_s=3.0)  # 10.0 leaves the window
    assert health.snapshot().mean_response_s == pytest.approx(2.0)


def test_untimed_failures_do_not_count_in_the_mean() -> None:
    health = HealthCounters("forvo", window=3)
    health.record_failure(error="x")
    assert health.snapshot().mean_response_s is None
    health.record_success(elapsed_s=1.0)
    health.record_failure(error="x")
    health.record_failure(error="x")
    health.record_failure(error="x")
    # the timed success is still among the last three timed outcomes
    assert health.snapshot().mean_response_s == pytest.approx(1.0)


def test_odd_elapsed_times() -> None:
    health = HealthCounters("forvo")
    health.record_success(elapsed_s=float("nan"))
    assert health.snapshot().mean_response_s is None
    health.record_success(elapsed_s=-1.0)
    assert health.snapshot().mean_response_s == 0.0
    assert health.snapshot().successes == 2


def test_last_error_is_kept_and_truncated() -> None:
    health = HealthCounters("forvo")
    health.record_success(elapsed_s=0.1)
    assert health.snapshot().last_error == ""
    health.record_failure(error="timed out after 10 s")
    assert health.snapshot().last_error == "timed out after 10 s"
    long_error = "é" * 499 + "xyz"
    health.record_failure(error=long_error)
    kept = health.snapshot().last_error
    assert len(kept) == 500
    assert kept == long_error[:500]
    health.record_success(elapsed_s=0.1)
    assert health.snapshot().last_error == kept  # a success does not clear the last error


def test_to_json_round_trips_through_json() -> None:
    health = HealthCounters("forvo")
    health.record_success(elapsed_s=0.25)
    health.record_not_found(elapsed_s=0.75)
    health.record_failure(error='HTTP 503 "busy"')
    data = health.snapshot().to_json()
    assert json.loads(json.dumps(data)) == data
    assert data == {
        "provider": "forvo",
        "status": "degraded",
        "successes": 1,
        "failures": 1,
        "not_found": 1,
        "consecutive_failures": 1,
        "last_error": 'HTTP 503 "busy"',
        "mean_response_s": 0.5,
    }
    assert type(data["status"]) is str
    empty = HealthCounters("x").snapshot().to_json()
    assert json.loads(json.dumps(empty)) == empty
    assert empty["mean_response_s"] is None
    assert empty["status"] == "unknown"


def test_snapshot_is_frozen() -> None:
    snap = HealthCounters("forvo").snapshot()
    with pytest.raises(AttributeError):
        snap.failures = 3  # type: ignore[misc]


@pytest.mark.parametrize(("unhealthy_after", "window"), [(0, 50), (5, 0), (-1, 50)])
def test_bad_arguments(unhealthy_after: int, window: int) -> None:
    with pytest.raises(ValueError):
        HealthCounters("forvo", unhealthy_after=unhealthy_after, window=window)


def test_concurrent_records_count_correctly() -> None:
    health = HealthCounters("forvo", window=50)
    start = threading.Barrier(8)

    def worker(index: int) -> None:
        start.wait()
        for _ in range(500):
            if index % 2:
                health.record_success(elapsed_s=1.0)
            else:
                health.record_not_found(elapsed_s=1.0)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snap = health.snapshot()
    assert snap.successes == 2000
    assert snap.not_found == 2000
    assert snap.status is HEALTHY
    assert snap.mean_response_s == pytest.approx(1.0)
