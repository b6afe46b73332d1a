"""generate_all: fallback along the rule's providers, provider-wide failures, cancel, concurrency and
progress, with small fake providers running on the job's real worker threads."""

from __future__ import annotations

import threading

import pytest

from addon.core.base.errors import (
    AuthError,
    ConfigError,
    InvalidResponseError,
    NotFoundError,
    PermanentError,
    ProviderError,
    ProviderUnavailableError,
    QuotaError,
    TransientError,
)
from addon.core.engine.generation import JobProgress, generate_all
from addon.core.job.plan import WorkItem
from addon.core.media.types import MediaKind
from addon.core.provider_system.media_provider import MediaProvider
from tests.support.job_fakes import Backup, Lookup, Primary, items, raising, run, speak

WORDS = tuple(f"word{i}" for i in range(12))


def test_every_item_is_made_by_the_first_provider() -> None:
    primary, backup = Primary(), Backup()
    work = items(*WORDS)
    outcome = run(work, primary, backup)
    assert set(outcome.results) == {item.key for item in work}
    for item in work:
        result = outcome.results[item.key]
        assert result.ok
        assert result.provider == "primary"
        assert result.attempts == 1
        assert result.data == speak(item.request)
        assert result.extension == "mp3"
        assert result.request == item.request
    assert sorted(primary.calls) == sorted(WORDS)
    assert backup.calls == []
    assert not outcome.cancelled


@pytest.mark.parametrize(
    "error",
    [
        NotFoundError("no recording of this word"),
        TransientError("HTTP 503", retry_after=1.0),
        InvalidResponseError("HTML instead of audio"),
        PermanentError("text too long"),
        ProviderError("something else"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_falls_back_to_the_next_provider_for_that_request_only(error: ProviderError) -> None:
    primary, backup = Primary(raising(error, only="word3")), Backup()
    work = items(*WORDS)
    outcome = run(work, primary, backup)
    for item in work:
        result = outcome.results[item.key]
        assert result.ok
        if item.request.text == "word3":
            assert result.provider == "backup"
            # Bytes that are not media are asked for once more before the next provider.
            assert result.attempts == (3 if isinstance(error, InvalidResponseError) else 2)
        else:
            assert result.provider == "primary"
            assert result.attempts == 1
    retried = ("word3",) if isinstance(error, InvalidResponseError) else ()
    assert sorted(primary.calls) == sorted(WORDS + retried), "a per-request error must not stop the provider"
    assert backup.calls == ["word3"]


def test_when_every_provider_fails_the_last_error_is_kept() -> None:
    primary = Primary(raising(NotFoundError("not in the dictionary")))
    backup = Backup(raising(TransientError("timed out")))
    (item,) = work = items("rare")
    result = run(work, primary, backup).results[item.key]
    assert not result.ok
    assert result.data is None
    assert result.provider == "backup"
    assert isinstance(result.error, TransientError)
    assert result.error.provider == "backup", "the job names the provider on errors that lack it"
    assert result.attempts == 2


@pytest.mark.parametrize(
    "error",
    [AuthError("key refused"), QuotaError("quota spent"), ProviderUnavailableError("not installed")],
    ids=lambda e: type(e).__name__,
)
def test_provider_wide_error_stops_calls_to_that_provider(error: ProviderError) -> None:
    primary, backup = Primary(raising(error)), Backup()
    work = items(*WORDS)
    outcome = run(work, primary, backup)
    assert all(outcome.results[i.key].ok and outcome.results[i.key].provider == "backup" for i in work)
    assert sorted(backup.calls) == sorted(WORDS)
    # The job runs up to primary.max_concurrency + backup.max_concurrency items at once, so a few
    # calls may already be on their way when the first error comes back; never one per item.
    assert 1 <= len(primary.calls) <= 2
    # Fallback filled every item, yet the report must still say why the first provider stopped.
    assert outcome.provider_problems == {"primary": f"stopped during the job: {error.message}"}


def test_a_transient_failure_does_not_name_the_provider_as_stopped() -> None:
    primary, backup = Primary(raising(TransientError("server busy"))), Backup()
    outcome = run(items(*WORDS), primary, backup)
    assert all(result.provider == "backup" for result in outcome.results.values())
    assert outcome.provider_problems == {}


def test_provider_wide_error_without_fallback_fails_every_item_with_that_error() -> None:
    error = AuthError("the API key was refused; check it in the settings")
    primary = Primary(raising(error))
    work = items(*WORDS, providers=("primary",))
    outcome = run(work, primary)
    assert len(outcome.results) == len(WORDS)
    for result in outcome.results.values():
        assert not result.ok
        assert result.error is error
        assert result.provider == "primary"
    assert len(primary.calls) == 1


def test_requests_queued_behind_a_provider_wide_error_never_call_it() -> None:
    primary = Primary(raising(AuthError("key refused")), delay_s=0.1, max_concurrency=1)
    backup = Backup(max_concurrency=3)
    work = items(*WORDS)
    outcome = run(work, primary, backup)
    assert all(r.ok for r in outcome.results.values())
    assert len(primary.calls) == 1, f"primary called {len(primary.calls)} times after its key was refused"


def test_disabled_provider_is_never_called() -> None:
    primary, backup = Primary(enabled=False), Backup()
    work = items(*WORDS)
    outcome = run(work, primary, backup)
    assert primary.calls == []
    assert all(r.provider == "backup" and r.ok for r in outcome.results.values())


def test_only_provider_disabled_fails_with_a_config_error() -> None:
    primary = Primary(enabled=False)
    (item,) = work = items("word", providers=("primary",))
    result = run(work, primary).results[item.key]
    assert primary.calls == []
    assert isinstance(result.error, ConfigError)
    assert "disabled" in result.error.message
    assert result.provider == "primary"
    assert result.attempts == 0


def test_provider_that_cannot_be_built_is_passed_over() -> None:
    backup = Backup()
    lookup = Lookup(backup)
    work = items(*WORDS, providers=("missing", "backup"))
    outcome = generate_all(work, providers=lookup, cancel=threading.Event())
    assert all(r.ok and r.provider == "backup" for r in outcome.results.values())
    assert lookup.asked.count("missing") == 1, "providers are built once per job, up front"


def test_no_provider_configured_fails_the_item() -> None:
    (item,) = work = items("word", providers=())
    result = run(work).results[item.key]
    assert not result.ok
    assert isinstance(result.error, ConfigError)
    assert "no sound provider" in result.error.message


def test_a_crashing_provider_becomes_a_failed_result_and_the_job_goes_on() -> None:
    primary = Primary(raising(ZeroDivisionError("division by zero"), only="word5"))
    work = items(*WORDS, providers=("primary",))
    outcome = run(work, primary)
    assert len(outcome.results) == len(WORDS)
    for item in work:
        result = outcome.results[item.key]
        if item.request.text == "word5":
            assert not result.ok
            assert isinstance(result.error, ProviderError)
            assert type(result.error) is ProviderError
            assert "ZeroDivisionError" in result.error.message
            assert result.error.provider == "primary"
        else:
            assert result.ok
    assert sorted(primary.calls) == sorted(WORDS)


def test_a_crashing_provider_falls_back_to_the_next() -> None:
    primary, backup = Primary(raising(KeyError("oops"))), Backup()
    work = items(*WORDS[:3])
    outcome = run(work, primary, backup)
    assert all(r.ok and r.provider == "backup" for r in outcome.results.values())


def test_cancel_from_the_progress_callback_stops_the_remaining_items() -> None:
    primary = Primary(max_concurrency=1)  # one worker: deterministic order
    cancel = threading.Event()
    seen: list[JobProgress] = []

    def on_progress(progress: JobProgress) -> None:
        seen.append(progress)
        if progress.done == 3:
            cancel.set()

    work = items(*WORDS, providers=("primary",))
    outcome = generate_all(work, providers=Lookup(primary), cancel=cancel, on_progress=on_progress)
    assert outcome.cancelled
    assert primary.calls == list(WORDS[:3])
    assert set(outcome.results) == {item.key for item in work[:3]}
    assert all(r.ok for r in outcome.results.values())
    assert [p.done for p in seen] == [1, 2, 3]


def test_cancel_before_start_makes_nothing() -> None:
    primary = Primary()
    cancel = threading.Event()
    cancel.set()
    outcome = run(items(*WORDS), primary, Backup(), cancel=cancel)
    assert outcome.cancelled
    assert outcome.results == {}
    assert primary.calls == []


def test_cancel_after_the_last_item_is_not_a_cancelled_job() -> None:
    cancel = threading.Event()
    work = items(*WORDS[:4], providers=("primary",))

    def on_progress(progress: JobProgress) -> None:
        if progress.done == progress.total:
            cancel.set()

    outcome = generate_all(work, providers=Lookup(Primary()), cancel=cancel, on_progress=on_progress)
    assert len(outcome.results) == 4
    assert not outcome.cancelled


def test_max_concurrency_is_respected_per_provider() -> None:
    slow = Primary(delay_s=0.05, max_concurrency=2)
    wide = Backup(delay_s=0.05, max_concurrency=6)
    # Interleaved, so the job's 8 workers start 4 items of each provider at once.
    work: list[WorkItem] = []
    for i in range(10):
        work += items(f"p{i}", providers=("primary",)) + items(f"b{i}", providers=("backup",))
    outcome = run(work, slow, wide)
    assert len(outcome.results) == 20 and all(r.ok for r in outcome.results.values())
    assert slow.peak == 2, f"primary ran {slow.peak} calls at once (limit 2)"
    assert 3 <= wide.peak <= 6, f"backup ran {wide.peak} calls at once (limit 6)"


def test_max_concurrency_one_is_sequential() -> None:
    primary = Primary(delay_s=0.01, max_concurrency=1)
    backup = Backup(max_concurrency=4)
    run(items(*WORDS, providers=("primary",)) + items("x", "y", providers=("backup",)), primary, backup)
    assert primary.peak == 1


def test_progress_is_reported_once_per_item_with_failures_counted() -> None:
    primary = Primary(raising(NotFoundError("no"), only="word2"))
    seen: list[JobProgress] = []
    lock = threading.Lock()

    def on_progress(progress: JobProgress) -> None:
        with lock:
            seen.append(progress)

    work = items(*WORDS, providers=("primary",))
    run(work, primary, on_progress=on_progress)
    assert sorted(p.done for p in seen) == list(range(1, len(WORDS) + 1))
    assert {p.total for p in seen} == {len(WORDS)}
    assert max(p.failed for p in seen) == 1
    assert sorted(p.current_text for p in seen) == sorted(WORDS)
    final = max(seen, key=lambda p: p.done)
    assert final.failed == 1


def test_empty_work() -> None:
    outcome = run([], Primary())
    assert outcome.results == {}
    assert not outcome.cancelled


def test_provider_settings_properties() -> None:
    provider = Primary(max_concurrency=3, timeout_s=2.5)
    assert provider.max_concurrency == 3
    assert provider.timeout_s == 2.5
    assert provider.enabled
    assert Backup().max_concurrency == 1
    assert not Backup(enabled=False).enabled


class BrokenModuleLookup(Lookup):
    """A registry whose "primary" module fails to import."""

    def get(self, kind: MediaKind, name: str) -> MediaProvider:
        if name == "primary":
            raise ImportError("No module named 'requests_oauthlib'")
        return super().get(kind, name)


def test_a_provider_that_fails_to_load_falls_back_and_the_job_goes_on() -> None:
    backup = Backup()
    work = items(*WORDS[:3])
    outcome = generate_all(work, providers=BrokenModuleLookup(backup), cancel=threading.Event())
    assert [outcome.results[item.key].provider for item in work] == ["backup"] * 3
    assert all(outcome.results[item.key].ok for item in work)

    alone = items("solo", providers=("primary",))
    failed = generate_all(alone, providers=BrokenModuleLookup(backup), cancel=threading.Event()).results[alone[0].key]
    assert failed.error is not None and "could not be loaded" in failed.error.message
