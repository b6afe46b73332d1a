"""The token bucket: burst, refill rate, and a cancel that wakes a waiting request."""

from __future__ import annotations

import threading
import time

import pytest

from addon.core.resilience.rate_limit import RateLimiter
from tests.support.fake_clock import AdvancingEvent, Clock
from tests.support.job_fakes import Primary, items, run


def test_the_burst_goes_out_at_once_then_requests_are_spaced_by_the_rate() -> None:
    clock = Clock()
    cancel = AdvancingEvent(clock)
    limiter = RateLimiter(requests_per_minute=60, burst=3, clock=clock)
    for _ in range(3):
        assert limiter.acquire(cancel)
    assert cancel.waits == [], "the burst needs no wait"
    for _ in range(5):
        assert limiter.acquire(cancel)
    assert clock.now == pytest.approx(5.0), "then one request per second at 60 per minute"


def test_tokens_refill_while_idle_up_to_the_burst_only() -> None:
    clock = Clock()
    cancel = AdvancingEvent(clock)
    limiter = RateLimiter(requests_per_minute=120, burst=2, clock=clock)
    assert limiter.acquire(cancel) and limiter.acquire(cancel)
    clock.now += 3600
    assert limiter.acquire(cancel) and limiter.acquire(cancel)
    assert cancel.waits == []
    assert limiter.acquire(cancel)
    assert cancel.waits == [pytest.approx(0.5)]


def test_a_cancel_wakes_a_waiting_request() -> None:
    limiter = RateLimiter(requests_per_minute=1, burst=1)
    cancel = threading.Event()
    assert limiter.acquire(cancel)
    threading.Timer(0.1, cancel.set).start()
    started = time.monotonic()
    assert limiter.acquire(cancel) is False
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(("rpm", "burst"), [(0, 1), (-5, 1), (60, 0)])
def test_bad_limits_are_refused(rpm: float, burst: int) -> None:
    with pytest.raises(ValueError):
        RateLimiter(requests_per_minute=rpm, burst=burst)


def test_the_job_keeps_to_a_providers_requests_per_minute() -> None:
    primary = Primary(requests_per_minute=600, max_concurrency=1)  # one request per 0.1 s after the first
    work = items(*(f"w{i}" for i in range(6)), providers=("primary",))
    started = time.monotonic()
    outcome = run(work, primary)
    assert all(r.ok for r in outcome.results.values())
    assert time.monotonic() - started >= 0.45
