"""Runs the generation step of a job: every unique request through its providers, all providers in
parallel, each as fast as its own limits allow and no faster (`provider_pool`), falling back along
the rule's provider list, retrying as `retry_policy` says.

Per provider: providers that cannot run (disabled, no key, failed to load) are found before any
request and skipped; the circuit breaker refuses calls while open, so the next provider is used;
its health counters record every outcome. "Not found" is an answer, never a failure. A
provider-wide error (bad key, spent quota) stops that provider for the job. A budget stops the job
before a paid request would pass it.

A work item with a ``check`` (a checked sound, ``verify_with``) has each sound heard by the
check's transcription provider through the same pool before it is handed on (`sound_checking`): a
sound heard saying something else goes to the next provider (``on_mismatch`` next), is kept marked
doubtful (keep), or fails the item naming what was heard (fail, or next after the last provider).

A ``transform`` given by the layer above (the collection's picture fitting) is applied to every
result a provider made, on the worker that made it, before the result is handed on.

Results either collect in the returned `GenerationOutcome` or, given a `ResultStream`, flow to the
store step as they arrive (the outcome then keeps no media bytes, so memory stays flat).

Thread safety: `generate_all` blocks until done or cancelled and must not run on a UI thread. It
calls ``on_progress`` from worker threads; the callback must hand UI work to the UI thread itself.
Setting ``cancel`` stops new requests at once and wakes every wait; `generate_all` then returns
within ``cancel_grace_s`` (requests still running are abandoned on their daemon threads and their
results dropped, so nothing is written after it returns).
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from ..base.errors import ConfigError, ProviderError
from ..base.log import get_logger, job_trace
from ..job.outcome import Finished, GenerationOutcome
from ..job.plan import WorkItem
from ..media.audio_convert import AudioOutput, convert_audio
from ..media.checks import DEFAULT_MAX_MEDIA_BYTES
from ..media.types import HeardSound, MediaResult
from ..resilience.retry_policy import Cancelled, RetryPolicy, retry_delay
from .provider_pool import Budget, NotStarted, ProviderKey, ProviderLookup, ProviderPool
from .result_stream import ResultStream
from .sound_checking import hear_sound, mismatch_error

__all__ = [
    "CANCEL_GRACE_S",
    "GenerationOutcome",
    "JobProgress",
    "ProgressCallback",
    "ProviderLookup",
    "ResultTransform",
    "generate_all",
    "retry_delay",
]


log = get_logger(__name__)


_MAX_WORKERS = 32


CANCEL_GRACE_S = 1.5


@dataclass(frozen=True)
class JobProgress:
    """Where a job is: ``done`` of ``total`` requests finished (``failed`` of them failed), media
    made per provider, the text just finished, and the estimated seconds left (None at first)."""

    done: int
    total: int
    failed: int
    current_text: str
    by_provider: Mapping[str, int] = field(default_factory=dict)
    eta_s: float | None = None
    elapsed_s: float = 0.0


ProgressCallback = Callable[[JobProgress], None]
# Applied to each result a provider made, on its worker (pictures fitted to the user's size and
# format). It must not raise: what it cannot change it returns as it came.
ResultTransform = Callable[[MediaResult], MediaResult]


def _run_item(
    item: WorkItem,
    pool: ProviderPool,
    cancel: threading.Event,
    sleep: Callable[[float], None] | None,
    audio_output: AudioOutput | None = None,
    transform: ResultTransform | None = None,
) -> MediaResult | None:
    """Try the item's providers in order; None when it never started (cancel or budget)."""
    if cancel.is_set():
        return None
    request = item.request
    last_error: ProviderError | None = None
    last_provider = item.providers[-1] if item.providers else ""
    attempts = 0
    mismatches: list[tuple[str, HeardSound]] = []  # checked sounds that did not say their text
    for name in item.providers:
        key = (request.kind, name)
        last_provider = name
        last_error = pool.broken_error(key)
        if last_error is not None:
            continue
        started = time.monotonic()
        tries = 0

        def attempt(key: ProviderKey = key) -> MediaResult:
            nonlocal tries
            tries += 1
            return pool.call(key, request, cancel)

        try:
            result = RetryPolicy(retry_attempts=pool.retry_attempts(key)).call(
                attempt, cancel=cancel, sleep=sleep, label=name
            )
            if audio_output is not None:  # after the provider's guards: a conversion is not its failure
                result = convert_audio(result, audio_output)
            if transform is not None:
                result = transform(result)
        except (NotStarted, Cancelled):
            return None
        except ProviderError as exc:
            attempts += tries
            last_error = exc
            log.info("%s failed for a request: %s", name, exc)
            continue
        attempts += tries
        result = replace(result, provider=name, attempts=attempts, elapsed_s=time.monotonic() - started)
        if item.check is None:
            return result
        try:
            heard = hear_sound(result, item.check, pool, cancel, sleep, planned=item.request)
        except (NotStarted, Cancelled):
            return None
        if heard.status != "doubtful" or item.check.on_mismatch == "keep":
            return replace(result, heard=heard)
        mismatches.append((name, heard))
        if item.check.on_mismatch == "fail":
            break
    if mismatches:  # a sound was made but none said its text
        last_error = mismatch_error(mismatches)
    elif last_error is None:
        last_error = ConfigError(f"no {request.kind.word} provider is configured for this rule")
    return MediaResult(request=request, provider=last_provider, error=last_error, attempts=attempts)


def generate_all(
    work: Sequence[WorkItem],
    *,
    providers: ProviderLookup,
    cancel: threading.Event,
    on_progress: ProgressCallback | None = None,
    trace_id: str | None = None,
    sink: ResultStream | None = None,
    budget_usd: float | None = None,
    retry_sleep: Callable[[float], None] | None = None,
    cancel_grace_s: float = CANCEL_GRACE_S,
    max_media_bytes: int = DEFAULT_MAX_MEDIA_BYTES,
    audio_output: AudioOutput | None = None,
    transform: ResultTransform | None = None,
) -> GenerationOutcome:
    """Make every work item; see the module docstring for the threading rules. Every log line of
    the job, on every worker thread, carries ``trace_id`` (a new one when not given). ``sink`` is
    closed when this returns. ``retry_sleep`` replaces the backoff's wait (tests); media over
    ``max_media_bytes`` is refused; audio is converted to ``audio_output`` when given, then every
    result goes through ``transform`` when given."""
    with job_trace(trace_id) as trace:
        try:
            return _Run(
                work,
                providers=providers,
                cancel=cancel,
                on_progress=on_progress,
                trace_id=trace,
                sink=sink,
                budget=Budget(budget_usd),
                retry_sleep=retry_sleep,
                max_media_bytes=max_media_bytes,
                audio_output=audio_output,
                transform=transform,
            ).run(cancel_grace_s)
        finally:
            if sink is not None:
                sink.close()


class _Run:
    """One call of `generate_all`: the workers, the counters, and the hand-over of results."""

    def __init__(
        self,
        work: Sequence[WorkItem],
        *,
        providers: ProviderLookup,
        cancel: threading.Event,
        on_progress: ProgressCallback | None,
        trace_id: str,
        sink: ResultStream | None,
        budget: Budget,
        retry_sleep: Callable[[float], None] | None,
        max_media_bytes: int,
        audio_output: AudioOutput | None,
        transform: ResultTransform | None,
    ) -> None:
        self.work = work
        self.cancel = cancel
        self.on_progress = on_progress
        self.sink = sink
        self.budget = budget
        self.retry_sleep = retry_sleep
        self.audio_output = audio_output
        self.transform = transform
        self.outcome = GenerationOutcome(trace_id=trace_id)
        self.pool = ProviderPool.for_work(work, providers, budget=budget, max_media_bytes=max_media_bytes)
        self._next = iter(work)
        self._lock = threading.Lock()
        self._closed = False
        self._failed = 0
        self._by_provider: Counter[str] = Counter()
        self._started = time.monotonic()
        self._workers_left = 0
        self._all_done = threading.Event()

    def run(self, cancel_grace_s: float) -> GenerationOutcome:
        outcome = self.outcome
        for (_, name), problem in self.pool.setup_problems.items():
            outcome.provider_problems[name] = problem.message
            log.warning("%s is not used in this job: %s", name, problem.message)
        total = len(self.work)
        log.info("job starts: %d requests", total)
        workers = min(_MAX_WORKERS, max(1, self.pool.capacity()), total)
        self._workers_left = workers
        if workers == 0:
            self._all_done.set()
        for index in range(workers):
            # Each worker runs in a copy of this context, so the job's trace id reaches it. Daemon
            # threads: a request still running after a cancel never holds up Anki or the CLI.
            context = contextvars.copy_context()
            threading.Thread(target=context.run, args=(self._worker,), name=f"media-fill-{index}", daemon=True).start()
        while not self._all_done.wait(0.05):
            if self.cancel.is_set():
                if not self._all_done.wait(cancel_grace_s):
                    log.info("cancelled with requests still running; their results are dropped")
                break
        with self._lock:
            self._closed = True
            outcome.cancelled = self.cancel.is_set() and outcome.finished < total
            outcome.budget_reached = self.budget.reached
            outcome.spent_usd = self.budget.spent_usd
            outcome.rate_cuts = self.pool.rate_cuts()
            made = outcome.finished - self._failed
        for (_, name), error in self.pool.stopped_during_job().items():
            outcome.provider_problems.setdefault(name, f"stopped during the job: {error.message}")
        log.info(
            "job ends: %d made, %d failed%s%s",
            made,
            self._failed,
            " (cancelled)" if outcome.cancelled else "",
            " (budget reached)" if outcome.budget_reached else "",
        )
        return outcome

    def _worker(self) -> None:
        try:
            while not self.cancel.is_set() and not self.budget.reached:
                with self._lock:
                    item = next(self._next, None)
                if item is None:
                    return
                result = _run_item(item, self.pool, self.cancel, self.retry_sleep, self.audio_output, self.transform)
                if result is not None:
                    self._deliver(item, result)
        except Exception:  # never lose the job to a bug in one worker
            log.exception("a job worker stopped")
        finally:
            with self._lock:
                self._workers_left -= 1
                if self._workers_left == 0:
                    self._all_done.set()

    def _deliver(self, item: WorkItem, result: MediaResult) -> None:
        with self._lock:
            if self._closed:
                return
            outcome = self.outcome
            outcome.finished += 1
            if result.ok:
                self._by_provider[result.provider] += 1
            else:
                self._failed += 1
            if self.sink is None:
                outcome.results[item.key] = result
            elapsed = time.monotonic() - self._started
            done, total = outcome.finished, len(self.work)
            progress = JobProgress(
                done=done,
                total=total,
                failed=self._failed,
                current_text=item.request.text,
                by_provider=dict(self._by_provider),
                eta_s=elapsed / done * (total - done),
                elapsed_s=elapsed,
            )
        if self.sink is not None:
            self.sink.put(Finished(item, result), cancel=self.cancel)
        if self.on_progress is not None:
            self.on_progress(progress)
