"""The contract every HTTP provider keeps, checked once for all of them against their fakes.

Each provider is built through the real registry (`load_config`, `ProviderRegistry.get`) against its
fake on 127.0.0.1, as tests/faults/fault_targets.py describes it, and its fake answers the media
request (and the health check's request) the way its own API fails: the provider's own 401, 403,
spent quota, 429 with ``Retry-After`` and 5xx bodies, a gateway's HTML page, or no answer at all.
Whatever the provider, the error class is the same:

* 401 → `AuthError` (provider-wide); 403 → a `PermanentError` (never retried);
* a spent quota → `QuotaError` (provider-wide). Wikimedia (a free, anonymous API) and a Stable
  Diffusion WebUI (the user's own server) have no quota answer: `Target.no_quota_reason`;
* 429 with ``Retry-After: 7`` → `RateLimitError` whose ``retry_after`` is 7;
* 500, 502, 503 in the API's own shape, and a gateway's HTML 502 page → `TransientError` itself (no
  rate limit);
* a server that accepts and never answers → `TransientError` once ``timeout_s`` (0.5 s here) has
  passed, and soon after, naming the setting;

and for each of these ``test_connection()`` returns a failed `HealthReport` instead of raising. No
message (``str(error)``, ``error.message``, ``report.message``) holds the test key; for a 429, a 5xx
and a hang, both the error and the report say what happened ("HTTP 503", "did not answer within
0.5 s") and show none of the answer's markup.

What is particular to one API (its request shape, how its answer is read, its own errors) stays in
that provider's test file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from addon.core.base.errors import (
    AuthError,
    PermanentError,
    ProviderError,
    QuotaError,
    RateLimitError,
    TransientError,
)
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.media_provider import MediaProvider
from addon.core.provider_system.registry import ProviderRegistry
from tests.faults.fault_targets import TARGETS, RunningTargets, Served, Target, gateway_page
from tests.support.failure_script import ANY, Failure
from tests.support.fake_http import Reply
from tests.support.media_samples import silent_wav
from tests.support.transcription import heard

TIMEOUT_S = 0.5
HANG_LIMIT_S = 2.0
"""A hanging request must have failed by then: the timeout, and room for a loaded machine."""
HANG_WORDS = f"did not answer within {TIMEOUT_S} s"
RETRY_AFTER = "7"


@dataclass(frozen=True)
class Case:
    """One way the API fails, and the error class every provider must make of it."""

    key: str
    error: type[ProviderError]
    answer: Callable[[Target], Reply | None] | None = None
    """The fake's answer (a None answer: the API has none such); no function: no answer at all."""
    says: tuple[str, ...] = ()
    """What the error's and the failed health report's messages must say (showing no markup)."""
    exact: bool = True
    """The error is of the class itself, not of a subclass (a 5xx is no rate limit)."""


CASES = (
    Case("401", AuthError, lambda t: t.unauthorized),
    Case("403", PermanentError, lambda t: t.forbidden, exact=False),
    Case("quota", QuotaError, lambda t: t.quota),
    Case("429", RateLimitError, lambda t: t.rate_limited(RETRY_AFTER), says=("HTTP 429",)),
    Case("500", TransientError, lambda t: t.server_error(500), says=("HTTP 500",)),
    Case("502", TransientError, lambda t: t.server_error(502), says=("HTTP 502",)),
    Case("503", TransientError, lambda t: t.server_error(503), says=("HTTP 503",)),
    Case("gateway-html", TransientError, lambda t: gateway_page(502, "Bad Gateway"), says=("HTTP 502", "Bad Gateway")),
    Case("hang", TransientError, says=(HANG_WORDS,)),
)


@pytest.fixture(scope="module")
def fakes(mp3_bytes: bytes) -> Iterator[RunningTargets]:
    with closing(RunningTargets(mp3_bytes)) as running:
        yield running


def _applies(target: Target, case: Case) -> bool:
    """Whether the target's API has such an answer (sdwebui and wikimedia have no quota answer)."""
    return case.answer is None or case.answer(target) is not None


def _params() -> Iterator[Any]:
    for target in TARGETS:
        for case in CASES:
            if _applies(target, case):
                yield pytest.param(target, case, id=f"{target.name}-{case.key}")


@dataclass(frozen=True)
class Failing:
    provider: MediaProvider
    served: Served
    requests_before: int

    def asked(self) -> bool:
        """Whether the provider sent its fake a request (and did not fail before asking)."""
        return len(self.served.fake.requests) > self.requests_before


@contextmanager
def failing(fakes: RunningTargets, target: Target, case: Case, state: Path) -> Iterator[Failing]:
    """The target's provider, built by the registry, with its fake failing every request as the case says."""
    answer = case.answer(target) if case.answer is not None else None
    served = fakes.served(target.name)
    settings = {
        **served.settings,
        "enabled": True,
        "base_url": served.base_url,
        "timeout_s": TIMEOUT_S,
        "requests_per_minute": 60000,
    }
    config = load_config({"providers": {target.kind.value: {target.name: settings}}})
    registry = ProviderRegistry(config, state_dir=state)
    if answer is None:
        served.fake.hang(on=ANY)
    else:
        served.fake.fail_always(Failure.of_reply(answer), on=ANY)
    try:
        yield Failing(registry.get(target.kind, target.name), served, len(served.fake.requests))
    finally:
        served.fake.stop_failing()
        registry.close()


def request_for(target: Target) -> MediaRequest:
    """What the target is asked: a word, or (a transcription provider) half a second of sound."""
    if target.kind is MediaKind.TEXT:
        return heard(silent_wav(seconds=0.5, rate=16000), "wav", language=target.language)
    return MediaRequest(kind=target.kind, text="apple", language=target.language)


def _keys(served: Served) -> list[str]:
    key = str(served.settings.get("api_key") or "")
    return [key, key[-12:]] if key else []


def assert_no_key(served: Served, *texts: str) -> None:
    for key in _keys(served):
        for text in texts:
            assert key not in text, f"the test key is in {text!r}"


def assert_says(case: Case, message: str) -> None:
    for words in case.says:
        assert words in message, f"{case.key}: the message does not say {words!r}: {message}"
    if case.says:
        assert "<" not in message, f"{case.key}: the answer's markup is shown: {message}"


@pytest.mark.parametrize(("target", "case"), list(_params()))
def test_a_failed_request_raises_the_same_error_class_for_every_provider(
    target: Target, case: Case, fakes: RunningTargets, tmp_path: Path
) -> None:
    with failing(fakes, target, case, tmp_path) as scene:
        started = time.monotonic()
        with pytest.raises(ProviderError) as caught:
            scene.provider.generate(request_for(target))
        elapsed = time.monotonic() - started
    assert scene.asked(), "the provider failed without asking its server"
    error = caught.value
    made = type(error) is case.error if case.exact else isinstance(error, case.error)
    assert made, f"{case.key} gave {type(error).__name__}: {error}"
    assert error.provider == target.name
    assert_no_key(scene.served, str(error), error.message)
    assert_says(case, error.message)
    if isinstance(error, RateLimitError):
        assert error.retry_after == float(RETRY_AFTER), f"the server's wait was lost: {error.retry_after}"
    if case.error in (AuthError, QuotaError):
        assert error.provider_wide
    if case.answer is None:  # the hang: failed because the time ran out, and soon after
        assert TIMEOUT_S * 0.8 <= elapsed < HANG_LIMIT_S, f"a hang failed after {elapsed:.2f} s (timeout_s {TIMEOUT_S})"
        assert "timeout_s" in error.message, f"the setting to raise is not named: {error.message}"


@pytest.mark.parametrize(("target", "case"), list(_params()))
def test_test_connection_reports_the_failure_without_raising(
    target: Target, case: Case, fakes: RunningTargets, tmp_path: Path
) -> None:
    with failing(fakes, target, case, tmp_path) as scene:
        started = time.monotonic()
        report = scene.provider.test_connection()  # raising here fails the test
        elapsed = time.monotonic() - started
    assert scene.asked(), "the health check made no call"
    assert not report.ok, f"{case.key}: the report says healthy: {report.message}"
    assert report.message, "a failed report says why"
    assert_no_key(scene.served, report.message)
    assert_says(case, report.message)
    if case.answer is None:
        assert elapsed < HANG_LIMIT_S, f"a hanging health check took {elapsed:.1f} s"


def test_every_http_provider_is_under_contract() -> None:
    """The fourteen HTTP providers, five for pictures, six for speech and three for transcripts; a
    new one joins here by getting a target in tests/faults/fault_targets.py."""
    assert sorted(t.name for t in TARGETS) == sorted(
        [
            "openai", "runware", "sdwebui", "wikimedia", "openverse",
            "forvo", "openai_tts", "google_tts", "elevenlabs", "azure_tts", "yandex_tts",
            "openai_stt", "google_stt", "yandex_stt",
        ]
    )  # fmt: skip
    assert {t.name for t in TARGETS if t.quota is None} == {"sdwebui", "wikimedia"}
    assert all(t.no_quota_reason for t in TARGETS if t.quota is None)
    applied = {(t.name, c.key) for t in TARGETS for c in CASES if _applies(t, c)}
    assert len(applied) == len(TARGETS) * len(CASES) - 2
