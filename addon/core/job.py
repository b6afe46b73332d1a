"""Runs the generation step of a job: every unique request through its providers, in parallel up to
each provider's ``max_concurrency``, falling back along the rule's provider list.

Thread safety: `generate_all` blocks until done or cancelled and must not run on a UI thread. It
calls ``on_progress`` from worker threads; the callback must hand UI work to the UI thread itself.
Setting ``cancel`` stops new requests at once; requests already running finish (each is bounded by
its provider's timeout) and are kept.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from .errors import ConfigError, InvalidResponseError, MediaFillError, ProviderError
from .interfaces import MediaProvider
from .media import MediaKind, MediaRequest, MediaResult
from .media_checks import require_media
from .planner import WorkItem

log = logging.getLogger(__name__)

_MAX_WORKERS = 16


class ProviderLookup(Protocol):
    def get(self, kind: MediaKind, name: str) -> MediaProvider: ...


@dataclass(frozen=True)
class JobProgress:
    done: int
    total: int
    failed: int
    current_text: str


ProgressCallback = Callable[[JobProgress], None]


@dataclass
class GenerationOutcome:
    """Results by `WorkItem.key`; items that never started (cancelled) have no entry."""

    results: dict[str, MediaResult] = field(default_factory=dict)
    cancelled: bool = False


class _ProviderPool:
    """The providers a job uses, built up front on the calling thread, with their concurrency gates
    and the provider-wide errors met so far."""

    def __init__(self, work: Sequence[WorkItem], providers: ProviderLookup) -> None:
        self.instances: dict[tuple[MediaKind, str], MediaProvider] = {}
        self.gates: dict[tuple[MediaKind, str], threading.Semaphore] = {}
        self.broken: dict[tuple[MediaKind, str], ProviderError] = {}
        self._lock = threading.Lock()
        for item in work:
            for name in item.providers:
                key = (item.request.kind, name)
                if key in self.instances or key in self.broken:
                    continue
                try:
                    provider = providers.get(*key)
                except MediaFillError as exc:
                    self.broken[key] = _as_provider_error(exc, name)
                    continue
                except Exception as exc:  # a provider module that fails to import must not end the job
                    log.exception("provider %s could not be loaded", name)
                    self.broken[key] = ConfigError(
                        f"could not be loaded ({type(exc).__name__}); see the log", provider=name
                    )
                    continue
                if not provider.enabled:
                    self.broken[key] = ConfigError("is disabled in the settings", provider=name)
                    continue
                self.instances[key] = provider
                self.gates[key] = threading.Semaphore(max(1, provider.max_concurrency))

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
    """One call, inside the provider's concurrency gate; the result's bytes are checked before they
    are accepted. Raises `ProviderError` on failure, `_NotStarted` when cancelled while waiting."""
    with pool.gates[key]:
        # Checked again inside the gate: requests that queued behind one that found the key bad or
        # the quota spent must not call the provider.
        broken = pool.broken_error(key)
        if broken is not None:
            raise broken
        if cancel.is_set():
            raise _NotStarted
        try:
            result = pool.instances[key].generate(request)
        except ProviderError as exc:
            error = _as_provider_error(exc, key[1])
            if error.provider_wide:  # marked before the gate opens for the next request
                pool.break_provider(key, error)
            raise error from None
        except Exception as exc:  # a provider bug must not end the job
            log.exception("provider %s crashed on a request", key[1])
            raise ProviderError(f"unexpected error ({type(exc).__name__}); see the log", provider=key[1]) from None
    if result.data is None:
        raise InvalidResponseError("returned no media", provider=key[1])
    require_media(request.kind, result.data, extension=result.extension, provider=key[1])
    return result


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
        attempts += 1
        try:
            result = _call_provider(pool, key, request, cancel)
        except _NotStarted:
            return None
        except ProviderError as exc:
            last_error = exc
            log.info("%s failed for a request: %s", name, exc)
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
) -> GenerationOutcome:
    """Make every work item; see the module docstring for the threading rules."""
    outcome = GenerationOutcome()
    pool = _ProviderPool(work, providers)
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
        futures = [executor.submit(run, item) for item in work]
        for future in futures:
            future.result()
    outcome.cancelled = cancel.is_set() and len(outcome.results) < total
    return outcome
