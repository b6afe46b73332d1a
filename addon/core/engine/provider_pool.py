"""The providers one job uses, each behind its own guards: a concurrency gate (``max_concurrency``
requests in flight), an adaptive rate limiter (``requests_per_minute``), its circuit breaker, its
health counters, the job's budget, and — for providers with a native batch API — a batcher that
sends requests in the provider's preferred batch size.

Thread safety: build a `ProviderPool` on the job's thread; `call` is then used from any number of
worker threads (each guard has its own lock). Waits (gate, limiter, batch linger) end at once when
the job's cancel event is set.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..base.errors import (
    AuthError,
    CircuitOpenError,
    ConfigError,
    InvalidResponseError,
    MediaFillError,
    NotFoundError,
    ProviderError,
    RateLimitError,
)
from ..base.log import get_logger
from ..job.plan import WorkItem
from ..media.checks import DEFAULT_MAX_MEDIA_BYTES, require_media
from ..media.types import MediaKind, MediaRequest, MediaResult
from ..provider_system.media_provider import MediaProvider
from ..resilience.circuit_breaker import CircuitBreaker
from ..resilience.health import HealthCounters
from ..resilience.rate_limit import RateLimiter
from ..resilience.retry_policy import MAX_RETRY_DELAY_S

log = get_logger(__name__)

ProviderKey = tuple[MediaKind, str]
# How long the first request of a batch waits for others to join it.
BATCH_LINGER_S = 0.05


class ProviderLookup(Protocol):
    """What the job needs of the registry: providers, and each one's breaker and health counters."""

    def get(self, kind: MediaKind, name: str) -> MediaProvider: ...

    def breaker(self, kind: MediaKind, name: str) -> CircuitBreaker: ...

    def health(self, kind: MediaKind, name: str) -> HealthCounters: ...


class NotStarted(Exception):
    """The request was never sent: the job was cancelled, or stopped at its budget, meanwhile."""


class Budget:
    """The job's spending cap in US dollars (None: no cap). A paid request reserves its price
    before it is sent; once the next one would pass the cap the job stops making paid requests."""

    def __init__(self, limit_usd: float | None) -> None:
        self.limit_usd = limit_usd
        self.spent_usd = 0.0
        self.reached = False
        self._lock = threading.Lock()

    def reserve(self, price_usd: float) -> bool:
        with self._lock:
            if price_usd <= 0:
                return True
            if self.limit_usd is not None and self.spent_usd + price_usd > self.limit_usd + 1e-9:
                self.reached = True
                return False
            self.spent_usd += price_usd
            return True


@dataclass
class _Guards:
    provider: MediaProvider
    gate: threading.Semaphore
    limiter: RateLimiter
    breaker: CircuitBreaker
    health: HealthCounters
    batcher: Batcher | None = None


@dataclass
class ProviderPool:
    """Built up front from the job's work: providers that cannot run (disabled, no key, failed to
    load) are found here, before any request, and listed in ``setup_problems``."""

    budget: Budget = field(default_factory=lambda: Budget(None))
    max_media_bytes: int = DEFAULT_MAX_MEDIA_BYTES
    guards: dict[ProviderKey, _Guards] = field(default_factory=dict)
    broken: dict[ProviderKey, ProviderError] = field(default_factory=dict)
    setup_problems: dict[ProviderKey, ProviderError] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def for_work(
        cls,
        work: Sequence[WorkItem],
        providers: ProviderLookup,
        *,
        budget: Budget,
        max_media_bytes: int = DEFAULT_MAX_MEDIA_BYTES,
    ) -> ProviderPool:
        pool = cls(budget=budget, max_media_bytes=max_media_bytes)
        for item in work:
            keys = [(item.request.kind, name) for name in item.providers]
            if item.check is not None:  # checked sounds are heard through the pool too
                keys.append((MediaKind.TEXT, item.check.provider))
            for key in keys:
                if key not in pool.guards and key not in pool.broken:
                    pool._add(key, providers)
        return pool

    def _add(self, key: ProviderKey, providers: ProviderLookup) -> None:
        name = key[1]
        try:
            provider = providers.get(*key)
        except MediaFillError as exc:
            self._set_up_failed(key, as_provider_error(exc, name))
            return
        except Exception as exc:  # a provider that fails to build must not end the job
            log.exception("provider %s could not be loaded", name)
            self._set_up_failed(
                key, ConfigError(f"could not be loaded ({type(exc).__name__}); see the log", provider=name)
            )
            return
        if not provider.enabled:
            self._set_up_failed(key, ConfigError("is disabled in the settings", provider=name))
            return
        problem = provider.setup_problem()
        if problem is not None:  # e.g. no key, a bad size: found before any request is made
            missing_key = provider.capabilities.needs_key and not provider.api_key
            self._set_up_failed(key, (AuthError if missing_key else ConfigError)(problem, provider=name))
            return
        concurrency = max(1, provider.max_concurrency)
        guards = _Guards(
            provider=provider,
            gate=threading.Semaphore(concurrency),
            limiter=RateLimiter(requests_per_minute=provider.requests_per_minute, burst=concurrency),
            breaker=providers.breaker(*key),
            health=providers.health(*key),
        )
        if provider.capabilities.batch and provider.batch_size > 1:
            guards.batcher = Batcher(size=provider.batch_size, send=lambda reqs, c: self._send(key, reqs, c))
        self.guards[key] = guards

    def _set_up_failed(self, key: ProviderKey, error: ProviderError) -> None:
        self.broken[key] = self.setup_problems[key] = error

    def capacity(self) -> int:
        """How many requests may usefully be in flight at once over every provider."""
        return sum(
            max(1, g.provider.max_concurrency) * (g.batcher.size if g.batcher else 1) for g in self.guards.values()
        )

    def retry_attempts(self, key: ProviderKey) -> int:
        return self.guards[key].provider.retry_attempts

    def broken_error(self, key: ProviderKey) -> ProviderError | None:
        with self._lock:
            return self.broken.get(key)

    def stopped_during_job(self) -> dict[ProviderKey, ProviderError]:
        """The providers stopped by an answer during the job (not by their setup), with the answer."""
        with self._lock:
            return {key: error for key, error in self.broken.items() if key not in self.setup_problems}

    def break_provider(self, key: ProviderKey, error: ProviderError) -> None:
        with self._lock:
            self.broken.setdefault(key, error)

    def rate_cuts(self) -> dict[str, int]:
        return {key[1]: g.limiter.cuts for key, g in self.guards.items() if g.limiter.cuts}

    def call(self, key: ProviderKey, request: MediaRequest, cancel: threading.Event) -> MediaResult:
        """One request to one provider past every guard; the bytes are checked before they are
        accepted. Raises `ProviderError` (`CircuitOpenError` when the breaker refuses) or
        `NotStarted`."""
        guards = self.guards[key]
        if guards.batcher is not None:
            return guards.batcher.submit(request, cancel)
        outcome = self._send(key, [request], cancel)[0]
        if isinstance(outcome, ProviderError):
            raise outcome
        return outcome

    def _send(
        self, key: ProviderKey, requests: list[MediaRequest], cancel: threading.Event
    ) -> list[MediaResult | ProviderError]:
        """One call to the provider (one request, or one native batch) inside its gate, past its
        limiter, breaker and the budget. Raises for what concerns the whole call; returns, per
        request, its checked result or its own error."""
        name = key[1]
        guards = self.guards[key]
        with guards.gate:
            # Checked again inside the gate: requests that queued behind one that found the key bad
            # or the quota spent must not call the provider.
            broken = self.broken_error(key)
            if broken is not None:
                raise broken
            if cancel.is_set() or not guards.limiter.acquire(cancel):
                raise NotStarted
            if not self.budget.reserve(sum(guards.provider.request_price(request) for request in requests)):
                raise NotStarted
            breaker = guards.breaker
            if not breaker.allow():
                failures = (
                    "1 failure" if breaker.failure_threshold == 1 else f"{breaker.failure_threshold} failures in a row"
                )
                raise CircuitOpenError(
                    f"paused after {failures}; tried again in {_minutes(breaker.seconds_until_retry())} "
                    "(or reset it in the settings)",
                    provider=name,
                )
            return self._provider_call(key, guards, requests)

    def _provider_call(
        self, key: ProviderKey, guards: _Guards, requests: list[MediaRequest]
    ) -> list[MediaResult | ProviderError]:
        name = key[1]
        breaker, health = guards.breaker, guards.health
        started = time.monotonic()
        try:
            if len(requests) == 1 and guards.batcher is None:
                results = [guards.provider.generate(requests[0])]
            else:
                results = guards.provider.generate_batch(requests)
                if len(results) != len(requests):
                    raise InvalidResponseError(
                        f"returned {len(results)} results for a batch of {len(requests)}", provider=name
                    )
            checked = [
                _checked(result, request, name, max_bytes=self.max_media_bytes)
                for result, request in zip(results, requests, strict=True)
            ]
            if len(checked) == 1 and isinstance(checked[0], ProviderError):
                raise checked[0]  # a single request's failure counts against the provider
        except NotFoundError as exc:  # an answer, not a failure of the provider
            breaker.record_success()
            health.record_not_found(elapsed_s=time.monotonic() - started)
            raise as_provider_error(exc, name) from None
        except ProviderError as exc:
            error = as_provider_error(exc, name)
            health.record_failure(error=str(error), elapsed_s=time.monotonic() - started)
            if isinstance(error, RateLimitError):
                # The server is up and only asks for less: the limiter slows down; the breaker,
                # which pauses providers that are down, is not told.
                breaker.release_trial()
                guards.limiter.on_rate_limited(retry_after=error.retry_after)
            else:
                breaker.record_failure()
            # A 429 asking for a longer pause than a job waits (a spent hourly or daily limit) stops
            # the provider for this job too: its later requests would sit in the limiter's pause.
            too_long = isinstance(error, RateLimitError) and (error.retry_after or 0) > MAX_RETRY_DELAY_S
            if error.provider_wide or too_long:  # marked before the gate opens for the next request
                self.break_provider(key, error)
            raise error from None
        except Exception as exc:  # a provider bug must not end the job
            log.exception("provider %s crashed on a request", name)
            breaker.record_failure()
            health.record_failure(error=f"crashed ({type(exc).__name__})", elapsed_s=time.monotonic() - started)
            raise ProviderError(f"unexpected error ({type(exc).__name__}); see the log", provider=name) from None
        except BaseException:
            breaker.release_trial()
            raise
        breaker.record_success()
        health.record_success(elapsed_s=time.monotonic() - started)
        guards.limiter.on_success()
        return checked


def _checked(result: MediaResult, request: MediaRequest, name: str, *, max_bytes: int) -> MediaResult | ProviderError:
    """A provider's result for ``request``, accepted only when its bytes are the media asked for."""
    if result.error is not None:
        return as_provider_error(result.error, name)
    if result.data is None:
        return InvalidResponseError("returned no media", provider=name)
    try:
        require_media(request.kind, result.data, extension=result.extension, provider=name, max_bytes=max_bytes)
    except InvalidResponseError as exc:
        return exc
    return result


def as_provider_error(exc: BaseException, provider: str) -> ProviderError:
    if isinstance(exc, ProviderError):
        if not exc.provider:
            exc.provider = provider
        return exc
    return ConfigError(str(exc), provider=provider)


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


class _Slot:
    def __init__(self, request: MediaRequest) -> None:
        self.request = request
        self.outcome: MediaResult | BaseException | None = None
        self.lead = False
        self.wake = threading.Event()


SendBatch = Callable[[list[MediaRequest], threading.Event], list[MediaResult | ProviderError]]


class Batcher:
    """Gathers the requests of one batch-capable provider into batches of its preferred size.

    The first request of a batch leads it: it waits up to `BATCH_LINGER_S` for the batch to fill,
    sends it as one call, and hands each request its own result, so one bad request never fails the
    others. Requests that arrive while a batch is being sent start the next one.
    """

    def __init__(self, *, size: int, send: SendBatch, linger_s: float = BATCH_LINGER_S) -> None:
        self.size = size
        self.linger_s = linger_s
        self._send = send
        self._open: list[_Slot] = []
        self._lock = threading.Condition()

    def submit(self, request: MediaRequest, cancel: threading.Event) -> MediaResult:
        slot = _Slot(request)
        with self._lock:
            self._open.append(slot)
            if len(self._open) == 1:
                slot.lead = True
            self._lock.notify_all()
        if slot.lead:
            self._lead(cancel)
        while not slot.wake.wait(0.1):
            if cancel.is_set() and slot.outcome is None and self._withdraw(slot):
                raise NotStarted
        if slot.lead and slot.outcome is None:  # promoted to lead the next batch
            slot.wake.clear()
            self._lead(cancel)
            slot.wake.wait()
        outcome = slot.outcome
        if isinstance(outcome, MediaResult):
            return outcome
        assert outcome is not None
        raise outcome

    def _withdraw(self, slot: _Slot) -> bool:
        with self._lock:
            if slot in self._open:
                self._open.remove(slot)
                return True
            return False

    def _lead(self, cancel: threading.Event) -> None:
        deadline = time.monotonic() + self.linger_s
        with self._lock:
            while len(self._open) < self.size and not cancel.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._lock.wait(min(remaining, 0.1))  # a cancel sets no condition: look again soon
            batch, self._open = self._open[: self.size], self._open[self.size :]
            if self._open:  # the next batch gets a leader of its own
                self._open[0].lead = True
                self._open[0].wake.set()
        try:
            outcomes: Sequence[MediaResult | BaseException] = self._send([s.request for s in batch], cancel)
        except BaseException as exc:  # the whole call failed: each request gets that error
            outcomes = [exc] * len(batch)
        for slot, outcome in zip(batch, outcomes, strict=True):
            slot.outcome = outcome
            slot.wake.set()
