"""Runs the generation step of a job: every unique request through its providers, in parallel up to
each provider's ``max_concurrency`` and ``requests_per_minute``, falling back along the rule's
provider list.

Per provider: providers that cannot run (disabled, no key, failed to load) are found before any
request and skipped; transient errors are retried ``retry_attempts`` times with backoff (the
server's ``Retry-After`` when given); the provider's circuit breaker refuses calls while open, so
the next provider is used; its health counters record every outcome. "Not found" is an answer,
never a failure. A provider-wide error (bad key, spent quota) stops that provider for the job.

Thread safety: `generate_all` blocks until done or cancelled and must not run on a UI thread. It
calls ``on_progress`` from worker threads; the callback must hand UI work to the UI thread itself.
Setting ``cancel`` stops new requests at once; requests already running finish (each is bounded by
its provider's timeout) and are kept.
"""

from __future__ import annotations

import contextvars
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from .circuit_breaker import CircuitBreaker
from .errors import (
    AuthError,
    CircuitOpenError,
    ConfigError,
    InvalidResponseError,
    MediaFillError,
    NotFoundError,
    ProviderError,
    TransientError,
)
from .health import ProviderHealth
from .interfaces import MediaProvider
from .log import get_logger, job_trace
from .media import MediaKind, MediaRequest, MediaResult
from .media_checks import require_media
from .planner import WorkItem
from .rate_limit import RateLimiter

log = get_logger(__name__)

_MAX_WORKERS = 16


class ProviderLookup(Protocol):
    """What the job needs of the registry: providers, and each one's breaker and health counters."""

    def get(self, kind: MediaKind, name: str) -> MediaProvider: ...

    def breaker(self, kind: MediaKind, name: str) -> CircuitBreaker: ...

    def health(self, kind: MediaKind, name: str) -> ProviderHealth: ...


@dataclass(frozen=True)
class JobProgress:
    done: int
    total: int
    failed: int
    current_text: str


ProgressCallback = Callable[[JobProgress], None]


@dataclass
class GenerationOutcome:
    """Results by `WorkItem.key`; items that never started (cancelled) have no entry.

    ``provider_problems`` names, per provider, why it was not used at all (disabled, no key, failed
    to load), found before any request was made.
    """

    results: dict[str, MediaResult] = field(default_factory=dict)
    cancelled: bool = False
    provider_problems: dict[str, str] = field(default_factory=dict)
    trace_id: str = ""


class _ProviderPool:
    """The providers a job uses, built up front on the calling thread, with their concurrency gates
    and the provider-wide errors met so far."""

    def __init__(self, work: Sequence[WorkItem], providers: ProviderLookup) -> None:
        self.instances: dict[tuple[MediaKind, str], MediaProvider] = {}
        self.gates: dict[tuple[MediaKind, str], threading.Semaphore] = {}
        self.breakers: dict[tuple[MediaKind, str], CircuitBreaker] = {}
        self.limiters: dict[tuple[MediaKind, str], RateLimiter] = {}
        self.health: dict[tuple[MediaKind, str], ProviderHealth] = {}
        self.broken: dict[tuple[MediaKind, str], ProviderError] = {}
        self.setup_problems: dict[tuple[MediaKind, str], ProviderError] = {}
        self._lock = threading.Lock()
        for item in work:
            for name in item.providers:
                key = (item.request.kind, name)
                if key in self.instances or key in self.broken:
                    continue
                try:
                    provider = providers.get(*key)
                except MediaFillError as exc:
                    self.broken[key] = self.setup_problems[key] = _as_provider_error(exc, name)
                    continue
                except Exception as exc:  # a provider that fails to build must not end the job
                    log.exception("provider %s could not be loaded", name)
                    self.broken[key] = self.setup_problems[key] = ConfigError(
                        f"could not be loaded ({type(exc).__name__}); see the log", provider=name
                    )
                    continue
                if not provider.enabled:
                    self.broken[key] = self.setup_problems[key] = ConfigError(
                        "is disabled in the settings", provider=name
                    )
                    continue
                problem = provider.setup_problem()
                if problem is not None:  # e.g. no key: found before any request is made
                    self.broken[key] = self.setup_problems[key] = AuthError(problem, provider=name)
                    continue
                self.instances[key] = provider
                self.breakers[key] = providers.breaker(*key)
                self.health[key] = providers.health(*key)
                self.gates[key] = threading.Semaphore(max(1, provider.max_concurrency))
                self.limiters[key] = RateLimiter(
                    requests_per_minute=provider.requests_per_minute, burst=max(1, provider.max_concurrency)
                )

    def capacity(self) -> int:
        return max(1, min(_MAX_WORKERS, sum(p.max_concurrency for p in self.instances.values())))

    def break_provider(self, key: tuple[MediaKind, str], error: ProviderError) -> None:
        with self._lock:
            self.broken.setdefault(key, error)

    def broken_error(self, key: tuple[MediaKind, str]) -> ProviderError | None:
        with self._lock:
            return self.broken.get(key)


def _as_provider_error(exc: BaseException, provider: str) -> ProviderError:
    if isinstance(exc, ProviderError):
        if not exc.provider:
            exc.provider = provider
        return exc
    return ConfigError(str(exc), provider=provider)


class _NotStarted(Exception):
    """The job was cancelled while this request waited for its provider."""


def _call_provider(
    pool: _ProviderPool, key: tuple[MediaKind, str], request: MediaRequest, cancel: threading.Event
) -> MediaResult:
    """One call, inside the provider's concurrency gate and past its circuit breaker; the result's
    bytes are checked before they are accepted. Raises `ProviderError` on failure (`CircuitOpenError`
    when the breaker refuses the call), `_NotStarted` when cancelled while waiting."""
    name = key[1]
    with pool.gates[key]:
        # Checked again inside the gate: requests that queued behind one that found the key bad or
        # the quota spent must not call the provider.
        broken = pool.broken_error(key)
        if broken is not None:
            raise broken
        if cancel.is_set() or not pool.limiters[key].acquire(cancel):
            raise _NotStarted
        breaker, health = pool.breakers[key], pool.health[key]
        if not breaker.allow():
            failures = (
                "1 failure" if breaker.failure_threshold == 1 else f"{breaker.failure_threshold} failures in a row"
            )
            raise CircuitOpenError(
                f"paused after {failures}; tried again in {_minutes(breaker.seconds_until_retry())} "
                "(or reset it in the settings)",
                provider=name,
            )
        started = time.monotonic()
        try:
            result = pool.instances[key].generate(request)
            if result.data is None:
                raise InvalidResponseError("returned no media", provider=name)
            require_media(request.kind, result.data, extension=result.extension, provider=name)
        except NotFoundError as exc:  # an answer, not a failure of the provider
            breaker.record_success()
            health.record_not_found(elapsed_s=time.monotonic() - started)
            raise _as_provider_error(exc, name) from None
        except ProviderError as exc:
            error = _as_provider_error(exc, name)
            breaker.record_failure()
            health.record_failure(error=str(error), elapsed_s=time.monotonic() - started)
            if error.provider_wide:  # marked before the gate opens for the next request
                pool.break_provider(key, error)
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
    return result


MAX_RETRY_DELAY_S = 60.0


def retry_delay(*, attempt: int, retry_after: float | None) -> float:
    """Seconds to wait before retrying: the server's ``Retry-After`` when it gave one (capped),
    else exponential backoff (0.5 s, 1 s, 2 s… up to 30 s) with full jitter on its upper half."""
    if retry_after is not None and retry_after >= 0:
        return min(retry_after, MAX_RETRY_DELAY_S)
    ceiling = min(30.0, 0.5 * 2.0 ** max(0, attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def _run_item(item: WorkItem, pool: _ProviderPool, cancel: threading.Event) -> MediaResult | None:
    """Try the item's providers in order; None when it never started because of a cancel."""
    if cancel.is_set():
        return None
    request = item.request
    last_error: ProviderError | None = None
    last_provider = item.providers[-1] if item.providers else ""
    attempts = 0
    for name in item.providers:
        key = (request.kind, name)
        last_provider = name
        last_error = pool.broken_error(key)
        if last_error is not None:
            continue
        started = time.monotonic()
        retries_left = pool.instances[key].retry_attempts
        while True:
            attempts += 1
            try:
                result: MediaResult | None = _call_provider(pool, key, request, cancel)
            except _NotStarted:
                return None
            except TransientError as exc:
                last_error, result = exc, None
                if retries_left > 0:
                    retries_left -= 1
                    delay = retry_delay(attempt=attempts, retry_after=exc.retry_after)
                    log.info("%s: %s; retrying in %.1f s", name, exc.message, delay)
                    if cancel.wait(delay):  # a cancel wakes the backoff at once
                        return None
                    continue
            except ProviderError as exc:
                last_error, result = exc, None
            break
        if result is None:
            log.info("%s failed for a request: %s", name, last_error)
            continue
        return MediaResult(
            request=request,
            provider=name,
            data=result.data,
            extension=result.extension,
            mime_type=result.mime_type,
            attempts=attempts,
            elapsed_s=time.monotonic() - started,
        )
    if last_error is None:
        last_error = ConfigError(f"no {request.kind.value} provider is configured for this rule")
    return MediaResult(request=request, provider=last_provider, error=last_error, attempts=attempts)


def generate_all(
    work: Sequence[WorkItem],
    *,
    providers: ProviderLookup,
    cancel: threading.Event,
    on_progress: ProgressCallback | None = None,
    trace_id: str | None = None,
) -> GenerationOutcome:
    """Make every work item; see the module docstring for the threading rules. Every log line of
    the job, on every worker thread, carries ``trace_id`` (a new one when not given)."""
    with job_trace(trace_id) as trace:
        return _generate_all(work, providers=providers, cancel=cancel, on_progress=on_progress, trace_id=trace)


def _generate_all(
    work: Sequence[WorkItem],
    *,
    providers: ProviderLookup,
    cancel: threading.Event,
    on_progress: ProgressCallback | None,
    trace_id: str,
) -> GenerationOutcome:
    outcome = GenerationOutcome(trace_id=trace_id)
    pool = _ProviderPool(work, providers)
    for (_, name), problem in pool.setup_problems.items():
        outcome.provider_problems[name] = problem.message
        log.warning("%s is not used in this job: %s", name, problem.message)
    log.info("job starts: %d requests", len(work))
    total = len(work)
    done = failed = 0
    lock = threading.Lock()

    def run(item: WorkItem) -> None:
        nonlocal done, failed
        result = _run_item(item, pool, cancel)
        if result is None:
            return
        with lock:
            outcome.results[item.key] = result
            done += 1
            failed += 0 if result.ok else 1
            progress = JobProgress(done=done, total=total, failed=failed, current_text=item.request.text)
        if on_progress is not None:
            on_progress(progress)

    with ThreadPoolExecutor(max_workers=pool.capacity(), thread_name_prefix="media-fill") as executor:
        # Each task runs in a copy of this context, so the job's trace id reaches the workers.
        futures = [executor.submit(contextvars.copy_context().run, run, item) for item in work]
        for future in futures:
            future.result()
    outcome.cancelled = cancel.is_set() and len(outcome.results) < total
    log.info("job ends: %d made, %d failed%s", done - failed, failed, " (cancelled)" if outcome.cancelled else "")
    return outcome
