"""CircuitBreaker: opening after N consecutive failures, the cool-down, the single half-open trial,
reset, snapshots and bad arguments, all on a fake clock (no sleeping)."""

from __future__ import annotations

import threading

import pytest

from addon.core.resilience.circuit_breaker import BreakerSnapshot, BreakerState, CircuitBreaker

CLOSED = BreakerState.CLOSED
OPEN = BreakerState.OPEN
HALF_OPEN = BreakerState.HALF_OPEN


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_breaker(clock: FakeClock, *, threshold: int = 3, cooldown: float = 60.0) -> CircuitBreaker:
    return CircuitBreaker(name="forvo", failure_threshold=threshold, cooldown_s=cooldown, clock=clock)


def fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        breaker.record_failure()


def opened_breaker(clock: FakeClock, *, threshold: int = 3, cooldown: float = 60.0) -> CircuitBreaker:
    breaker = make_breaker(clock, threshold=threshold, cooldown=cooldown)
    fail(breaker, threshold)
    assert breaker.state is OPEN
    return breaker


def test_a_new_breaker_is_closed_and_allows_calls() -> None:
    breaker = make_breaker(FakeClock())
    assert breaker.state is CLOSED
    assert breaker.consecutive_failures == 0
    assert breaker.allow() is True
    assert breaker.allow() is True
    assert breaker.seconds_until_retry() == 0.0
    assert breaker.name == "forvo"
    assert breaker.failure_threshold == 3
    assert breaker.cooldown_s == 60.0


def test_defaults() -> None:
    breaker = CircuitBreaker(name="x")
    assert breaker.failure_threshold == 5
    assert breaker.cooldown_s == 300.0
    assert breaker.state is CLOSED


def test_opens_after_exactly_threshold_consecutive_failures() -> None:
    breaker = make_breaker(FakeClock(), threshold=3)
    fail(breaker, 2)
    assert breaker.state is CLOSED
    assert breaker.consecutive_failures == 2
    assert breaker.allow() is True
    breaker.record_failure()
    assert breaker.state is OPEN
    assert breaker.consecutive_failures == 3
    assert breaker.allow() is False


def test_threshold_of_one_opens_on_the_first_failure() -> None:
    breaker = make_breaker(FakeClock(), threshold=1)
    breaker.record_failure()
    assert breaker.state is OPEN


def test_a_success_in_between_resets_the_count() -> None:
    breaker = make_breaker(FakeClock(), threshold=3)
    fail(breaker, 2)
    breaker.record_success()  # e.g. a "not found" answer: the provider works
    assert breaker.consecutive_failures == 0
    fail(breaker, 2)
    assert breaker.state is CLOSED
    assert breaker.allow() is True
    breaker.record_failure()
    assert breaker.state is OPEN


def test_rejects_at_once_while_open() -> None:
    clock = FakeClock()
    breaker = opened_breaker(clock)
    for _ in range(5):
        assert breaker.allow() is False
        clock.now += 10.0
    assert breaker.state is OPEN  # 50 s of 60 s passed
    assert breaker.allow() is False


def test_half_opens_after_the_cool_down_and_not_a_moment_before() -> None:
    clock = FakeClock(1000.0)
    breaker = opened_breaker(clock, cooldown=60.0)
    clock.now = 1059.999
    assert breaker.state is OPEN
    assert breaker.allow() is False
    clock.now = 1060.0
    assert breaker.state is HALF_OPEN
    assert breaker.allow() is True


def test_state_reads_half_open_without_admitting_a_trial() -> None:
    clock = FakeClock()
    breaker = opened_breaker(clock)
    clock.now += 60.0
    for _ in range(3):
        assert breaker.state is HALF_OPEN
    assert breaker.allow() is True  # reading the state did not use up the trial


def test_admits_exactly_one_trial() -> None:
    clock = FakeClock()
    breaker = opened_breaker(clock)
    clock.now += 120.0
    assert breaker.allow() is True
    assert breaker.state is HALF_OPEN
    for _ in range(5):
        assert breaker.allow() is False
    clock.now += 1000.0  # time alone does not free the outstanding trial
    assert breaker.allow() is False


def test_only_one_of_many_threads_gets_the_trial() -> None:
    clock = FakeClock()
    breaker = opened_breaker(clock)
    clock.now += 60.0
    start = threading.Barrier(8)
    admitted: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        start.wait()
        for _ in range(100):
            allowed = breaker.allow()
            with lock:
                admitted.append(allowed)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert admitted.count(True) == 1
    assert len(admitted) == 800


def test_trial_success_closes() -> None:
    clock = FakeClock()
    breaker = opened_breaker(clock)
    clock.now += 60.0
    assert breaker.allow() is True
    breaker.record_success()
    assert breaker.state is CLOSED
    assert breaker.consecutive_failures == 0
    assert breaker.seconds_until_retry() == 0.0
    assert breaker.allow() is True
    assert breaker.allow() is True


def test_trial_failure_reopens_with_a_fresh_cool_down() -> None:
    clock = FakeClock(1000.0)
    breaker = opened_breaker(clock, threshold=3, cooldown=60.0)
    clock.now = 1100.0
    assert breaker.allow() is True
    breaker.record_failure()  # one failure is enough in half-open, not a new run of three
    assert breaker.state is OPEN
    assert breaker.consecutive_failures == 4
    assert breaker.seconds_until_retry() == pytest.approx(60.0)
    assert breaker.allow() is False
    clock.now = 1159.5
    assert breaker.state is OPEN
    assert breaker.allow() is False
    clock.now = 1160.0
    assert breaker.state is HALF_OPEN
    assert breaker.allow() is True
    assert breaker.allow() is False


def test_after_a_trial_success_it_takes_threshold_failures_again() -> None:
    clock = FakeClock()
    breaker = opened_breaker(clock, threshold=3)
    clock.now += 60.0
    assert breaker.allow() is True
    breaker.record_success()
    fail(breaker, 2)
    assert breaker.state is CLOSED
    breaker.record_failure()
    assert breaker.state is OPEN


def test_release_trial_lets_another_trial_in() -> None:
    clock = FakeClock()
    breaker = opened_breaker(clock)
    clock.now += 60.0
    assert breaker.allow() is True
    assert breaker.allow() is False
    breaker.release_trial()  # the trial was cancelled before it had an outcome
    assert breaker.state is HALF_OPEN
    assert breaker.consecutive_failures == 3
    assert breaker.allow() is True
    assert breaker.allow() is False


def test_release_trial_without_a_trial_changes_nothing() -> None:
    clock = FakeClock()
    closed = make_breaker(clock)
    closed.release_trial()
    assert closed.state is CLOSED
    opened = opened_breaker(clock)
    opened.release_trial()
    assert opened.state is OPEN
    assert opened.allow() is False


def test_a_late_failure_while_open_does_not_extend_the_cool_down() -> None:
    clock = FakeClock(1000.0)
    breaker = opened_breaker(clock, cooldown=60.0)
    clock.now = 1030.0
    breaker.record_failure()  # a call that started before the breaker opened
    assert breaker.state is OPEN
    assert breaker.consecutive_failures == 4
    assert breaker.seconds_until_retry() == pytest.approx(30.0)
    assert breaker.snapshot().opened_count == 1


def test_reset_by_hand() -> None:
    clock = FakeClock()
    breaker = opened_breaker(clock)
    breaker.reset()
    assert breaker.state is CLOSED
    assert breaker.consecutive_failures == 0
    assert breaker.seconds_until_retry() == 0.0
    assert breaker.snapshot().opened_count == 0
    assert breaker.allow() is True
    fail(breaker, 2)
    assert breaker.state is CLOSED


def test_reset_clears_an_outstanding_trial() -> None:
    clock = FakeClock()
    breaker = opened_breaker(clock)
    clock.now += 60.0
    assert breaker.allow() is True
    breaker.reset()
    assert breaker.allow() is True
    assert breaker.allow() is True


def test_seconds_until_retry() -> None:
    clock = FakeClock(1000.0)
    breaker = make_breaker(clock, cooldown=60.0)
    assert breaker.seconds_until_retry() == 0.0
    fail(breaker, 2)
    assert breaker.seconds_until_retry() == 0.0
    breaker.record_failure()
    assert breaker.seconds_until_retry() == pytest.approx(60.0)
    clock.now = 1045.0
    assert breaker.seconds_until_retry() == pytest.approx(15.0)
    clock.now = 1060.0
    assert breaker.seconds_until_retry() == 0.0
    clock.now = 2000.0
    assert breaker.seconds_until_retry() == 0.0
    assert breaker.allow() is True
    assert breaker.seconds_until_retry() == 0.0  # half-open with a trial out


def test_zero_cool_down_half_opens_at_once() -> None:
    clock = FakeClock()
    breaker = make_breaker(clock, cooldown=0.0)
    fail(breaker, 3)
    assert breaker.state is HALF_OPEN
    assert breaker.snapshot().opened_count == 1
    assert breaker.seconds_until_retry() == 0.0
    assert breaker.allow() is True
    assert breaker.allow() is False


def test_opened_count_counts_every_opening() -> None:
    clock = FakeClock()
    breaker = make_breaker(clock, threshold=2)
    assert breaker.snapshot().opened_count == 0
    fail(breaker, 2)
    assert breaker.snapshot().opened_count == 1
    fail(breaker, 3)  # late failures while open
    assert breaker.snapshot().opened_count == 1
    clock.now += 60.0
    assert breaker.allow() is True
    breaker.record_failure()  # the trial failed: opened again
    assert breaker.snapshot().opened_count == 2
    clock.now += 60.0
    assert breaker.allow() is True
    breaker.record_success()
    fail(breaker, 2)
    assert breaker.snapshot().opened_count == 3


def test_snapshot() -> None:
    clock = FakeClock(1000.0)
    breaker = make_breaker(clock, threshold=2, cooldown=60.0)
    assert breaker.snapshot() == BreakerSnapshot(
        name="forvo", state=CLOSED, consecutive_failures=0, seconds_until_retry=0.0, opened_count=0
    )
    fail(breaker, 2)
    clock.now = 1020.0
    snap = breaker.snapshot()
    assert snap == BreakerSnapshot(
        name="forvo", state=OPEN, consecutive_failures=2, seconds_until_retry=40.0, opened_count=1
    )
    with pytest.raises(AttributeError):
        snap.state = CLOSED  # type: ignore[misc]
    clock.now = 1060.0
    assert breaker.snapshot().state is HALF_OPEN


def test_states_are_strings() -> None:
    assert BreakerState.HALF_OPEN.value == "half_open"
    assert BreakerState("open") is OPEN
    assert OPEN == "open"


@pytest.mark.parametrize("threshold", [0, -1])
def test_bad_threshold(threshold: int) -> None:
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker(name="x", failure_threshold=threshold)


@pytest.mark.parametrize("cooldown", [-0.001, -300.0, float("nan"), float("inf")])
def test_bad_cooldown(cooldown: float) -> None:
    with pytest.raises(ValueError, match="cooldown_s"):
        CircuitBreaker(name="x", cooldown_s=cooldown)


def test_concurrent_failures_from_eight_threads_count_correctly() -> None:
    breaker = CircuitBreaker(name="x", failure_threshold=8000, clock=FakeClock())
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(1000):
            breaker.record_failure()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert breaker.consecutive_failures == 8000
    snap = breaker.snapshot()
    assert snap.state is OPEN
    assert snap.opened_count == 1  # opened once, at exactly the 8000th failure
