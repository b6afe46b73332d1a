"""`probe_health`, the connection test every HTTP provider runs: the setup problem first (no call),
then one timed call whose `ProviderError` becomes a failed report without the provider's key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import pytest

from addon.core.base.errors import AuthError, ProviderError, TransientError
from addon.core.media.types import MediaRequest, MediaResult
from addon.core.provider_system.media_provider import AudioProvider, Capabilities, HealthReport, KeyUse
from addon.providers.http.health_probe import probe_health

# Not shaped like any known key, so only the probe's own redaction can take it out.
KEY = "plain7cornflower9meadow"


class Keyed(AudioProvider):
    name = "keyed"
    capabilities: ClassVar[Capabilities] = Capabilities(key=KeyUse.REQUIRED, http=True)
    default_base_url = "https://speech.example"

    def generate(self, request: MediaRequest) -> MediaResult:
        raise NotImplementedError

    def test_connection(self) -> HealthReport:
        raise NotImplementedError


def ticks(*readings: float) -> Callable[[], float]:
    values: Iterator[float] = iter(readings)
    return lambda: next(values)


class Call:
    """A connection test's call that records that it ran, then returns or raises."""

    def __init__(self, outcome: Any) -> None:
        self.outcome = outcome
        self.ran = 0

    def __call__(self) -> str:
        self.ran += 1
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return str(self.outcome)


def test_a_setup_problem_is_reported_without_making_the_call() -> None:
    call = Call("fine")
    report = probe_health(Keyed({}), call, clock=ticks())
    assert (report.provider, report.ok, report.latency_s) == ("keyed", False, 0.0)
    assert "needs an API key" in report.message and "providers.audio.keyed" in report.message
    assert call.ran == 0


def test_a_call_that_returns_is_healthy_with_its_message_and_its_time() -> None:
    call = Call("the voice Anna is available")
    report = probe_health(Keyed({"api_key": KEY}), call, clock=ticks(100.0, 102.5))
    assert report == HealthReport("keyed", ok=True, latency_s=2.5, message="the voice Anna is available")
    assert call.ran == 1


@pytest.mark.parametrize("error", [AuthError, TransientError, ProviderError])
def test_a_provider_error_is_a_failed_report_with_its_message_and_its_time(error: type[ProviderError]) -> None:
    report = probe_health(
        Keyed({"api_key": KEY}), Call(error("the server refused the key", provider="keyed")), clock=ticks(5.0, 5.25)
    )
    assert report == HealthReport("keyed", ok=False, latency_s=0.25, message="the server refused the key")


def test_the_key_never_reaches_the_report() -> None:
    echoed = ProviderError(f"the server said: unknown key {KEY} for this project", provider="keyed")
    assert KEY in echoed.message, "the control: the error itself still holds the key"
    failed = probe_health(Keyed({"api_key": KEY}), Call(echoed), clock=ticks(0.0, 1.0))
    assert not failed.ok and KEY not in failed.message and "unknown key" in failed.message
    healthy = probe_health(Keyed({"api_key": KEY}), Call(f"works with {KEY}"), clock=ticks(0.0, 1.0))
    assert healthy.ok and KEY not in healthy.message


def test_an_error_that_is_not_a_provider_error_is_not_hidden() -> None:
    with pytest.raises(ZeroDivisionError):
        probe_health(Keyed({"api_key": KEY}), Call(ZeroDivisionError("a bug")), clock=ticks(0.0, 1.0))
