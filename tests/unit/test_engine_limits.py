"""The engine's limits under pressure: the adaptive rate limiter (fake clock), rate-limit answers and
``Retry-After`` through the job, which errors are retried, cancel during a backoff and with slow
requests in flight, the budget, native batches, the result stream's back-pressure, and progress.

Waits are simulated wherever the engine lets them be: the limiter runs on a fake clock, the job's
backoff on an injected sleep. The only timed assertions are the "returns within 2 s of a cancel"
bounds.
"""

from __future__ import annotations

import email.utils
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar

import pytest

from addon.core.base.errors import (
    AuthError,
    InvalidResponseError,
    NotFoundError,
    ProviderError,
    QuotaError,
    RateLimitError,
    TransientError,
)
from addon.core.engine import provider_pool
from addon.core.engine.generation import JobProgress, generate_all
from addon.core.engine.provider_pool import Batcher, SendBatch
from addon.core.engine.result_stream import ResultStream
from addon.core.job.outcome import Finished, GenerationOutcome
from addon.core.job.plan import WorkItem
from addon.core.media.types import MediaRequest, MediaResult
from addon.core.provider_system.media_provider import Capabilities
from addon.core.resilience import rate_limit
from addon.core.resilience.rate_limit import RateLimiter
from addon.providers.http.status import parse_retry_after
from tests.support.fake_clock import AdvancingEvent, Clock
from tests.support.job_fakes import Backup, Behaviour, FakeAudio, Lookup, Primary, items, raising, speak

# The limiter's tuning, as the module has it.
CUT = rate_limit._CUT_FACTOR
MIN_FRACTION = rate_limit._MIN_FRACTION
SAME_CUT_S = rate_limit._SAME_CUT_S
SECONDS_PER_STEP_UP = rate_limit._SECONDS_PER_STEP_UP
STEP_UP = rate_limit._STEP_UP

# Generous bounds for waiting on threads that should end at once; a test only waits this long
# when it is about to fail.
JOIN_S = 10.0
CANCEL_BOUND_S = 2.0


class SkewedClock:
    """``time.monotonic`` plus every second the injected retry sleep "slept": the job's limiters run
    on it, so a pause the server asked for is over once the backoff has slept through it, without
    real waiting."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(float(seconds))
            self.offset += seconds


@pytest.fixture
def skewed(monkeypatch: pytest.MonkeyPatch) -> SkewedClock:
    """Every rate limiter the job builds runs on a `SkewedClock`; pass ``skewed.sleep`` as the
    job's ``retry_sleep``."""
    clock = SkewedClock()

    def limiter(**kwargs: Any) -> RateLimiter:
        return RateLimiter(**{**kwargs, "clock": clock})

    monkeypatch.setattr(provider_pool, "RateLimiter", limiter)
    return clock


def words(n: int) -> tuple[str, ...]:
    return tuple(f"w{i:02d}" for i in range(n))


def job(
    work: Sequence[WorkItem],
    *providers: FakeAudio,
    cancel: threading.Event | None = None,
    retry_sleep: Callable[[float], None] | None = None,
    **kwargs: Any,
) -> GenerationOutcome:
    return generate_all(
        work,
        providers=Lookup(*providers),
        cancel=cancel or threading.Event(),
        retry_sleep=retry_sleep,
        **kwargs,
    )


def rate_limited_first(retry_afters: Sequence[float]) -> Behaviour:
    """Raises RateLimitError with each of ``retry_afters`` in turn (one per call), then speaks."""
    left = list(retry_afters)
    lock = threading.Lock()

    def behaviour(request: MediaRequest) -> bytes:
        with lock:
            if left:
                raise RateLimitError("HTTP 429 Too Many Requests", retry_after=left.pop(0))
        return speak(request)

    return behaviour


def failing_on(texts: Sequence[str], error: ProviderError) -> Behaviour:
    def behaviour(request: MediaRequest) -> bytes:
        if request.text in texts:
            raise error
        return speak(request)

    return behaviour


class Background:
    """`generate_all` on a thread of its own, so the test can cancel it and time the return."""

    def __init__(self, run: Callable[[], GenerationOutcome]) -> None:
        self.outcome: GenerationOutcome | None = None
        self.returned_at = 0.0
        self._run = run
        self._thread = threading.Thread(target=self._target, daemon=True)
        self._thread.start()

    def _target(self) -> None:
        self.outcome = self._run()
        self.returned_at = time.monotonic()

    def join(self) -> GenerationOutcome:
        self._thread.join(JOIN_S)
        assert self.outcome is not None, "generate_all did not return"
        return self.outcome


def new_worker_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t not in before and t.name.startswith("media-fill-")]


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + JOIN_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.005)


# 1. The limiter keeps its rate over any window


def test_the_limiter_keeps_its_rate_over_every_window_of_a_simulated_minute() -> None:
    clock = Clock()
    cancel = AdvancingEvent(clock)
    per_s, burst = 2.0, 4  # 120 per minute
    limiter = RateLimiter(requests_per_minute=per_s * 60, burst=burst, clock=clock)
    granted: list[float] = []
    while True:
        assert limiter.acquire(cancel)
        if clock.now > 60.0:
            break
        granted.append(clock.now)

    assert granted[:burst] == [0.0] * burst, "the burst goes out at once"
    assert len(granted) == pytest.approx(per_s * 60 + burst, abs=1)
    for start in granted[burst:]:
        in_window = sum(1 for t in granted if start <= t < start + 10.0)
        assert in_window <= per_s * 10 + burst, f"{in_window} tokens in the 10 s from {start:.2f} s"
    gaps = [b - a for a, b in zip(granted[burst:], granted[burst + 1 :], strict=False)]
    assert min(gaps) == pytest.approx(1 / per_s), "after the burst, one token per 1/R seconds"


def test_an_idle_limiter_saves_up_no_more_than_its_burst() -> None:
    clock = Clock()
    cancel = AdvancingEvent(clock)
    limiter = RateLimiter(requests_per_minute=120, burst=4, clock=clock)
    granted: list[float] = []
    for until in (20.0, 60.0):  # busy 0-20 s, idle 20-40 s, busy 40-60 s
        while clock.now <= until:
            assert limiter.acquire(cancel)
            granted.append(clock.now)
        clock.now = max(clock.now, 40.0)
    for start in granted:
        assert sum(1 for t in granted if start <= t < start + 10.0) <= 2 * 10 + 4


# 2. Adaptive slow-down after 429s


def limiter_on_fake_clock(per_minute: float = 120, burst: int = 4) -> tuple[RateLimiter, Clock, AdvancingEvent]:
    clock = Clock()
    return RateLimiter(requests_per_minute=per_minute, burst=burst, clock=clock), clock, AdvancingEvent(clock)


def test_a_429_pauses_every_request_until_its_retry_after_even_with_tokens_left() -> None:
    limiter, clock, cancel = limiter_on_fake_clock()
    clock.now = 10.0
    limiter.on_rate_limited(retry_after=2.0)
    assert limiter.acquire(cancel)
    assert cancel.waits[0] == pytest.approx(2.0), "the first wait is the server's pause"
    assert clock.now >= 12.0
    assert limiter.cuts == 1


def test_a_429_without_retry_after_pauses_one_second() -> None:
    limiter, _, cancel = limiter_on_fake_clock()
    limiter.on_rate_limited(retry_after=None)
    assert limiter.acquire(cancel)
    assert cancel.waits[0] == pytest.approx(1.0)


def test_a_burst_of_429s_cuts_the_rate_once_and_a_later_one_cuts_again() -> None:
    limiter, clock, _ = limiter_on_fake_clock(per_minute=120)
    for at in (0.0, 0.1, 0.2, 1.5, 2.9):  # the requests in flight come back 429 one after another
        clock.now = at
        limiter.on_rate_limited(retry_after=2.0)
    assert limiter.cuts == 1
    assert limiter.rate_per_s == pytest.approx(2.0 * CUT)

    clock.now = 2.9 + 2.0 + SAME_CUT_S + 0.01  # after the last pause ended, and the guard after it
    limiter.on_rate_limited(retry_after=2.0)
    assert limiter.cuts == 2
    assert limiter.rate_per_s == pytest.approx(2.0 * CUT * CUT)


@pytest.mark.parametrize(("per_minute", "floor_per_minute"), [(120, 120 * MIN_FRACTION), (30, 1.0)])
def test_the_rate_never_goes_below_its_floor(per_minute: float, floor_per_minute: float) -> None:
    assert floor_per_minute == max(per_minute * MIN_FRACTION, 1.0)
    limiter, clock, _ = limiter_on_fake_clock(per_minute=per_minute)
    for _ in range(200):
        clock.now += 10.0
        limiter.on_rate_limited(retry_after=1.0)
        assert limiter.rate_per_s * 60 >= floor_per_minute - 1e-9
    assert limiter.cuts == 200
    assert limiter.rate_per_s * 60 == pytest.approx(floor_per_minute)


def test_successes_creep_the_rate_back_up_to_the_configured_rate_and_no_further() -> None:
    limiter, clock, _ = limiter_on_fake_clock(per_minute=120)
    limiter.on_rate_limited(retry_after=1.0)
    cut = 2.0 * CUT
    assert limiter.rate_per_s == pytest.approx(cut)
    clock.now = 2.0
    per_step = math.ceil(max(1.0, cut * SECONDS_PER_STEP_UP))  # successes between two steps up
    for _ in range(per_step - 1):
        limiter.on_success()
    assert limiter.rate_per_s == pytest.approx(cut), "a step up waits for its seconds' worth of successes"
    limiter.on_success()
    assert limiter.rate_per_s == pytest.approx(cut * (1 + STEP_UP)), "then one small step"

    rates = [limiter.rate_per_s]
    for _ in range(5000):
        clock.now += 1 / limiter.rate_per_s
        limiter.on_success()
        rates.append(limiter.rate_per_s)
    assert rates == sorted(rates), "the rate only goes up while requests succeed"
    assert max(rates) <= 2.0
    assert limiter.rate_per_s == pytest.approx(2.0), "back at the configured rate"
    assert limiter.snapshot().current_per_minute == pytest.approx(120)


def test_the_cut_uses_the_measured_rate_when_it_is_lower_than_the_cut() -> None:
    limiter, clock, _ = limiter_on_fake_clock(per_minute=600)  # 10 per second configured
    for second in range(5):  # the server really lets one per second through
        clock.now = float(second)
        limiter.on_success()
    clock.now = 5.0
    limiter.on_rate_limited(retry_after=1.0)
    assert 10 * CUT > 1.0, "the measured rate is the lower"
    assert limiter.rate_per_s == pytest.approx(1.0)


def test_the_cut_is_the_fixed_factor_when_the_measured_rate_is_higher() -> None:
    limiter, clock, _ = limiter_on_fake_clock(per_minute=120)  # 2 per second configured
    for tick in range(10):  # 2 per second measured: higher than the cut
        clock.now = tick * 0.5
        limiter.on_success()
    clock.now = 5.0
    limiter.on_rate_limited(retry_after=1.0)
    assert limiter.rate_per_s == pytest.approx(2.0 * CUT)


# 3. Rate-limit answers through the engine


def test_a_rate_limited_provider_finishes_every_item_and_waits_what_the_server_asked(skewed: SkewedClock) -> None:
    retry_afters = [1.5, 4.0, 2.5]
    primary = Primary(rate_limited_first(retry_afters), retry_attempts=0)
    work = items(*words(5), providers=("primary",))
    outcome = job(work, primary, retry_sleep=skewed.sleep)

    assert len(outcome.results) == len(work)
    assert all(r.ok and r.provider == "primary" for r in outcome.results.values()), "no failures"
    assert outcome.results[work[0].key].attempts == len(retry_afters) + 1
    assert len(primary.calls) == len(work) + len(retry_afters)
    assert skewed.sleeps == retry_afters, "each wait is the server's Retry-After"
    assert outcome.rate_cuts.get("primary", 0) >= 1, "the provider's limiter was cut"


def test_more_429s_than_the_rate_limit_retries_fall_back(skewed: SkewedClock) -> None:
    primary, backup = Primary(rate_limited_first([0.5] * 20), retry_attempts=0), Backup()
    (item,) = work = items("word")
    result = job(work, primary, backup, retry_sleep=skewed.sleep).results[item.key]
    assert result.ok and result.provider == "backup"
    assert len(primary.calls) == 9, "one call and 8 rate-limit retries"
    assert skewed.sleeps == [0.5] * 8


# 4. Retry-After in both forms, end to end


_NOW = 1_700_000_000.0  # a fixed wall clock for HTTP-dates


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after": "2.5"}, 2.5),
        ({"Retry-After": email.utils.formatdate(_NOW + 12, usegmt=True)}, 12.0),
        ({"Retry-After-Ms": "1500", "Retry-After": "9"}, 1.5),
    ],
    ids=["seconds", "fractional-seconds", "http-date", "milliseconds"],
)
def test_the_engine_waits_the_parsed_retry_after(skewed: SkewedClock, headers: dict[str, str], seconds: float) -> None:
    retry_after = parse_retry_after(headers, now=lambda: _NOW)
    assert retry_after == pytest.approx(seconds)
    assert retry_after is not None
    primary = Primary(rate_limited_first([retry_after]), retry_attempts=0)
    (item,) = work = items("word", providers=("primary",))
    result = job(work, primary, retry_sleep=skewed.sleep).results[item.key]
    assert result.ok and result.attempts == 2
    assert skewed.sleeps == [pytest.approx(seconds)]


# 5. What is retried and what is not


@pytest.mark.parametrize("error", [QuotaError("quota spent"), AuthError("key refused")], ids=lambda e: type(e).__name__)
def test_quota_and_auth_errors_are_never_retried_and_stop_the_provider(error: ProviderError) -> None:
    sleeps: list[float] = []
    primary = Primary(raising(error), retry_attempts=5)
    work = items(*words(6), providers=("primary",))
    outcome = job(work, primary, retry_sleep=sleeps.append)
    assert len(primary.calls) == 1, "one call, no retry, and none for the other items"
    assert sleeps == []
    assert len(outcome.results) == len(work)
    for result in outcome.results.values():
        assert not result.ok
        assert type(result.error) is type(error)


def test_not_found_is_asked_once_then_the_next_provider() -> None:
    sleeps: list[float] = []
    primary, backup = Primary(raising(NotFoundError("no such word")), retry_attempts=5), Backup()
    (item,) = work = items("word")
    result = job(work, primary, backup, retry_sleep=sleeps.append).results[item.key]
    assert primary.calls == ["word"]
    assert result.ok and result.provider == "backup" and result.attempts == 2
    assert sleeps == []


@pytest.mark.parametrize(
    "behaviour",
    [raising(InvalidResponseError("HTML instead of audio")), lambda request: b"<html>busy</html>"],
    ids=["raised", "bytes-that-are-not-audio"],
)
def test_an_invalid_response_is_asked_twice_then_the_next_provider(behaviour: Behaviour) -> None:
    sleeps: list[float] = []
    primary, backup = Primary(behaviour, retry_attempts=0), Backup()
    (item,) = work = items("word")
    result = job(work, primary, backup, retry_sleep=sleeps.append).results[item.key]
    assert primary.calls == ["word", "word"]
    assert result.ok and result.provider == "backup" and result.attempts == 3
    assert len(sleeps) == 1


def test_a_transient_error_is_retried_retry_attempts_times_with_growing_backoff() -> None:
    sleeps: list[float] = []
    primary, backup = Primary(raising(TransientError("HTTP 503")), retry_attempts=2), Backup()
    (item,) = work = items("word")
    result = job(work, primary, backup, retry_sleep=sleeps.append).results[item.key]
    assert primary.calls == ["word"] * 3
    assert result.ok and result.provider == "backup" and result.attempts == 4
    # 0.5 s then 1 s, each with equal jitter: between half and all of it.
    assert len(sleeps) == 2
    assert 0.25 <= sleeps[0] <= 0.5
    assert 0.5 <= sleeps[1] <= 1.0


@pytest.mark.parametrize(
    "error",
    [TransientError("HTTP 503", retry_after=61.0), RateLimitError("HTTP 429", retry_after=3600.0)],
    ids=lambda e: type(e).__name__,
)
def test_a_retry_after_over_a_minute_is_not_waited_for(error: ProviderError) -> None:
    sleeps: list[float] = []
    primary, backup = Primary(raising(error), retry_attempts=5), Backup()
    (item,) = work = items("word")
    result = job(work, primary, backup, retry_sleep=sleeps.append).results[item.key]
    assert primary.calls == ["word"]
    assert result.ok and result.provider == "backup"
    assert sleeps == []


def test_a_429_asking_for_more_than_a_minute_stops_the_provider_for_the_job() -> None:
    sleeps: list[float] = []
    primary = Primary(raising(RateLimitError("HTTP 429", retry_after=3600.0)), retry_attempts=0)
    backup = Backup()
    work = items(*words(4))
    cancel = threading.Event()
    running = Background(lambda: job(work, primary, backup, cancel=cancel, retry_sleep=sleeps.append))
    try:
        outcome = running.join()
    finally:
        cancel.set()  # frees the workers should the provider's hour-long pause have held them
    assert len(primary.calls) == 1, "the later requests do not sit in the provider's pause"
    assert all(r.ok and r.provider == "backup" for r in outcome.results.values())
    assert len(outcome.results) == 4 and not outcome.cancelled
    assert sleeps == []


# 6. Cancel during a backoff


@pytest.mark.parametrize(
    ("error", "retry_attempts"),
    [(TransientError("HTTP 503", retry_after=30.0), 1), (RateLimitError("HTTP 429", retry_after=30.0), 0)],
    ids=["transient", "rate-limited"],
)
def test_a_cancel_during_a_backoff_returns_within_two_seconds(error: ProviderError, retry_attempts: int) -> None:
    called = threading.Event()

    def behaviour(request: MediaRequest) -> bytes:
        called.set()
        raise error

    primary = Primary(behaviour, retry_attempts=retry_attempts)
    (item,) = work = items("word", providers=("primary",))
    cancel = threading.Event()
    # A long grace: the job must end because the backoff woke, not because it gave up on it.
    running = Background(lambda: job(work, primary, cancel=cancel, cancel_grace_s=30.0))
    assert called.wait(JOIN_S)
    cancel.set()
    cancelled_at = time.monotonic()
    outcome = running.join()
    assert running.returned_at - cancelled_at < CANCEL_BOUND_S
    assert outcome.cancelled
    assert item.key not in outcome.results
    assert primary.calls == ["word"]


# 7. Cancel with slow requests in flight


class RecordingStream(ResultStream):
    def __init__(self) -> None:
        super().__init__()
        self.puts: list[bool] = []

    def put(self, finished: Finished, *, cancel: threading.Event | None = None) -> bool:
        accepted = super().put(finished, cancel=cancel)
        self.puts.append(accepted)
        return accepted


@pytest.mark.parametrize("with_sink", [False, True], ids=["outcome", "stream"])
def test_a_cancel_with_twenty_slow_requests_in_flight_abandons_them(with_sink: bool) -> None:
    release = threading.Event()

    def ten_seconds(request: MediaRequest) -> bytes:
        release.wait(10.0)  # a 10 s request, cut short once the test has seen what it needs
        return speak(request)

    primary = Primary(ten_seconds, max_concurrency=20)
    work = items(*words(40), providers=("primary",))
    cancel = threading.Event()
    sink = RecordingStream() if with_sink else None
    before = set(threading.enumerate())
    try:
        running = Background(lambda: job(work, primary, cancel=cancel, sink=sink))
        wait_until(lambda: primary.active == 20, "20 requests are in flight")
        cancel.set()
        cancelled_at = time.monotonic()
        outcome = running.join()
        assert running.returned_at - cancelled_at < CANCEL_BOUND_S
        assert outcome.cancelled
        assert outcome.results == {}
        workers = new_worker_threads(before)
        assert len(workers) == 20 and all(t.daemon for t in workers), "in-flight requests run on daemon threads"
        assert any(t.is_alive() for t in workers), "the requests were abandoned, not waited for"
    finally:
        release.set()
    for thread in workers:
        thread.join(JOIN_S)
    assert primary.active == 0 and len(primary.calls) == 20, "no new request after the cancel"
    assert outcome.results == {}, "results that came back after the return are dropped"
    assert outcome.finished == 0
    if sink is not None:
        assert all(accepted is False for accepted in sink.puts)
        assert sink.take(max_items=100, timeout_s=0) == []
        late = MediaResult(request=work[0].request, provider="primary", data=speak(work[0].request))
        assert sink.put(Finished(work[0], late)) is False


# 8. Budget


@pytest.mark.parametrize("concurrency", [1, 4])
def test_the_budget_stops_paid_requests_at_the_cap(concurrency: int) -> None:
    primary = Primary(price_per_request=0.01, max_concurrency=concurrency)
    work = items(*words(12), providers=("primary",))
    outcome = job(work, primary, budget_usd=0.05)
    assert len(primary.calls) == 5
    assert outcome.budget_reached
    assert outcome.spent_usd == pytest.approx(0.05)
    assert len(outcome.results) == 5 and all(r.ok for r in outcome.results.values())
    assert {r.request.text for r in outcome.results.values()} == set(primary.calls), "the rest never started"
    if concurrency == 1:
        assert set(outcome.results) == {item.key for item in work[:5]}


def test_a_free_provider_is_never_stopped_by_the_budget() -> None:
    primary = Primary(price_per_request=0.0)
    work = items(*words(12), providers=("primary",))
    outcome = job(work, primary, budget_usd=0.0)
    assert len(outcome.results) == 12 and all(r.ok for r in outcome.results.values())
    assert not outcome.budget_reached
    assert outcome.spent_usd == 0.0


def test_no_budget_means_no_cap() -> None:
    primary = Primary(price_per_request=0.01, max_concurrency=3)
    work = items(*words(12), providers=("primary",))
    outcome = job(work, primary, budget_usd=None)
    assert len(primary.calls) == 12 and len(outcome.results) == 12
    assert not outcome.budget_reached
    assert outcome.spent_usd == pytest.approx(0.12)


# 9. Native batches


class BatchAudio(FakeAudio):
    """A provider with a native batch API: records each batch's texts and how many ran at once."""

    name = "batcher"
    capabilities: ClassVar[Capabilities] = Capabilities(batch=True)

    def __init__(self, *, not_found: Sequence[str] = (), batch_delay_s: float = 0.0, **settings: Any) -> None:
        super().__init__(batch_size=5, **settings)
        self.not_found = set(not_found)
        self.batch_delay_s = batch_delay_s
        self.batches: list[list[str]] = []
        self.batches_active = 0
        self.batches_peak = 0
        self._batch_lock = threading.Lock()

    def generate_batch(self, requests: Sequence[MediaRequest]) -> list[MediaResult]:
        with self._batch_lock:
            self.batches.append([r.text for r in requests])
            self.batches_active += 1
            self.batches_peak = max(self.batches_peak, self.batches_active)
        try:
            if self.batch_delay_s:
                time.sleep(self.batch_delay_s)
            return [self._one(request) for request in requests]
        finally:
            with self._batch_lock:
                self.batches_active -= 1

    def _one(self, request: MediaRequest) -> MediaResult:
        if request.text in self.not_found:
            return MediaResult.failure(request, NotFoundError("no such word"), provider=self.name)
        return MediaResult(
            request=request, provider=self.name, data=speak(request), extension="mp3", mime_type="audio/mpeg"
        )

    @property
    def sizes(self) -> list[int]:
        return [len(batch) for batch in self.batches]


class ObservedBatcher(Batcher):
    """The pool's batcher with a chosen linger, counting the requests submitted to it."""

    linger: ClassVar[float] = 0.5
    submitted: ClassVar[list[str]] = []

    def __init__(self, *, size: int, send: SendBatch, **kwargs: Any) -> None:
        super().__init__(size=size, send=send, **{**kwargs, "linger_s": self.linger})

    def submit(self, request: MediaRequest, cancel: threading.Event) -> MediaResult:
        self.submitted.append(request.text)
        return super().submit(request, cancel)


@pytest.fixture
def batcher(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[ObservedBatcher]]:
    class Observed(ObservedBatcher):
        submitted: ClassVar[list[str]] = []

    monkeypatch.setattr(provider_pool, "Batcher", Observed)
    yield Observed


def test_requests_go_out_in_native_batches_and_a_failed_one_falls_back_alone(
    batcher: type[ObservedBatcher],
) -> None:
    batcher.linger = 0.5  # long enough that every batch that can fill does
    texts = words(12)
    provider, backup = BatchAudio(not_found=[texts[3]]), Backup()
    work = items(*texts, providers=("batcher", "backup"))
    outcome = job(work, provider, backup)

    assert sorted(t for batch in provider.batches for t in batch) == sorted(texts), "each request once"
    assert all(size <= 5 for size in provider.sizes)
    assert provider.sizes.count(5) == 2 and len(provider.sizes) == 3, f"batch sizes {provider.sizes}"
    assert provider.calls == [], "no single requests to a batch provider"
    assert backup.calls == [texts[3]], "only the failed request goes to the next provider"
    for item in work:
        result = outcome.results[item.key]
        assert result.ok
        assert result.provider == ("backup" if item.request.text == texts[3] else "batcher")


def test_with_max_concurrency_one_no_two_batches_overlap() -> None:
    provider = BatchAudio(batch_delay_s=0.05, max_concurrency=1)
    # The backup is never needed; its concurrency gives the job workers enough to fill a second
    # batch while the first is out.
    backup = Backup(max_concurrency=5)
    work = items(*words(12), providers=("batcher", "backup"))
    outcome = job(work, provider, backup)
    assert len(outcome.results) == 12 and all(r.ok and r.provider == "batcher" for r in outcome.results.values())
    assert all(size <= 5 for size in provider.sizes) and sum(provider.sizes) == 12
    assert provider.batches_peak == 1


def test_a_cancel_while_a_batch_lingers_ends_the_job_quickly(batcher: type[ObservedBatcher]) -> None:
    batcher.linger = 30.0  # three requests wait for a batch of five that will not fill
    provider = BatchAudio()
    work = items(*words(3), providers=("batcher",))
    cancel = threading.Event()
    before = set(threading.enumerate())
    running = Background(lambda: job(work, provider, cancel=cancel, cancel_grace_s=30.0))
    wait_until(lambda: len(batcher.submitted) == 3, "the three requests wait for their batch")
    cancel.set()
    cancelled_at = time.monotonic()
    outcome = running.join()
    assert running.returned_at - cancelled_at < CANCEL_BOUND_S
    assert outcome.cancelled and outcome.results == {}
    assert provider.batches == [], "a cancelled batch is never sent"
    for thread in new_worker_threads(before):
        thread.join(JOIN_S)
        assert not thread.is_alive()


# 10. Result stream back-pressure


def finished(text: str) -> Finished:
    (item,) = items(text)
    return Finished(item, MediaResult(request=item.request, provider="primary", data=speak(item.request)))


class Producer:
    def __init__(self, stream: ResultStream, item: Finished, cancel: threading.Event | None = None) -> None:
        self.accepted: bool | None = None
        self.done = threading.Event()

        def put() -> None:
            self.accepted = stream.put(item, cancel=cancel)
            self.done.set()

        threading.Thread(target=put, daemon=True).start()


def test_a_full_stream_blocks_the_producer_until_the_consumer_takes() -> None:
    stream = ResultStream(max_items=2)
    assert stream.put(finished("a")) and stream.put(finished("b"))
    producer = Producer(stream, finished("c"))
    assert not producer.done.wait(0.3), "the third put waits for room"
    assert len(stream) == 2
    assert [f.item.request.text for f in stream.take(max_items=1)] == ["a"]
    assert producer.done.wait(JOIN_S) and producer.accepted is True
    assert [f.item.request.text for f in stream.take(max_items=5)] == ["b", "c"]


def test_a_cancel_lets_a_blocked_put_through() -> None:
    stream = ResultStream(max_items=2)
    cancel = threading.Event()
    assert stream.put(finished("a"), cancel=cancel) and stream.put(finished("b"), cancel=cancel)
    producer = Producer(stream, finished("c"), cancel)
    assert not producer.done.wait(0.2)
    cancel.set()
    assert producer.done.wait(JOIN_S) and producer.accepted is True
    assert len(stream) == 3, "what a cancelled job finished is still stored"


def test_a_closed_stream_drops_puts_and_drains_then_returns_nothing() -> None:
    stream = ResultStream(max_items=2)
    assert stream.put(finished("a")) and stream.put(finished("b"))
    blocked = Producer(stream, finished("c"))
    assert not blocked.done.wait(0.2)
    stream.close()
    assert blocked.done.wait(JOIN_S) and blocked.accepted is False, "close releases a blocked put"
    assert stream.put(finished("d")) is False
    assert not stream.drained
    assert [f.item.request.text for f in stream.take(max_items=1)] == ["a"]
    assert [f.item.request.text for f in stream.take(max_items=10)] == ["b"]
    assert stream.drained
    assert stream.take(max_items=10) == []
    assert stream.take(max_items=10, timeout_s=0) == []


def test_a_stream_is_half_full_by_its_items_or_by_its_bytes() -> None:
    """The Browser's store step takes at once, without its usual rest, when a stream is half full."""
    by_items = ResultStream(max_items=4)
    assert by_items.put(finished("a")) and not by_items.half_full
    assert by_items.put(finished("b")) and by_items.half_full
    by_items.take(max_items=1)
    assert not by_items.half_full
    one = finished("c")
    by_bytes = ResultStream(max_items=100, max_bytes=2 * one.size)
    assert by_bytes.put(one) and by_bytes.half_full


# 11. Progress


def test_progress_counts_per_provider_with_an_eta_after_every_result() -> None:
    texts = words(12)
    primary = Primary(failing_on([texts[2], texts[5], texts[7]], NotFoundError("no")))
    backup = Backup(failing_on([texts[7]], NotFoundError("no")))
    seen: list[JobProgress] = []
    lock = threading.Lock()

    def on_progress(progress: JobProgress) -> None:
        with lock:
            seen.append(progress)

    work = items(*texts)
    job(work, primary, backup, on_progress=on_progress)
    seen.sort(key=lambda p: p.done)
    assert [p.done for p in seen] == list(range(1, 13))
    assert {p.total for p in seen} == {12}
    for progress in seen:
        assert progress.eta_s is not None and progress.eta_s >= 0
        assert sum(progress.by_provider.values()) + progress.failed == progress.done
    final = seen[-1]
    assert final.by_provider == {"primary": 9, "backup": 2}
    assert final.failed == 1
    assert final.eta_s == 0
