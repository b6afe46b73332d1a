"""Fakes of the job-runner tests: small audio providers that run on the job's real worker threads,
count their calls and peak concurrency, and a lookup that plays the registry's part."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from addon.core.base.errors import ConfigError, ProviderError
from addon.core.engine.generation import generate_all
from addon.core.job.outcome import GenerationOutcome
from addon.core.job.plan import WorkItem
from addon.core.media.types import MediaKind, MediaRequest, MediaResult
from addon.core.provider_system.media_provider import AudioProvider, HealthReport, MediaProvider
from addon.core.resilience.circuit_breaker import CircuitBreaker
from addon.core.resilience.health import HealthCounters

AUDIO = MediaKind.AUDIO
Behaviour = Callable[[MediaRequest], bytes]


# An empty ID3v2.4 tag: the smallest start the media check takes for MP3.
ID3_HEADER = b"ID3\x04\x00\x00\x00\x00\x00\x00"


def speak(request: MediaRequest) -> bytes:
    return ID3_HEADER + request.text.encode() + b"\x00" * 64


class FakeAudio(AudioProvider):
    """Counts its calls and the peak number of calls running at once; ``behaviour`` makes the bytes
    or raises."""

    name = "fake"

    def __init__(self, behaviour: Behaviour = speak, *, delay_s: float = 0.0, **settings: Any) -> None:
        super().__init__({"retry_attempts": 0, "requests_per_minute": 60000, **settings})
        self.behaviour = behaviour
        self.delay_s = delay_s
        self.calls: list[str] = []
        self.active = 0
        self.peak = 0
        self._lock = threading.Lock()

    def generate(self, request: MediaRequest) -> MediaResult:
        with self._lock:
            self.calls.append(request.text)
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            if self.delay_s:
                time.sleep(self.delay_s)
            data = self.behaviour(request)
        finally:
            with self._lock:
                self.active -= 1
        return MediaResult(request=request, provider=self.name, data=data, extension="mp3", mime_type="audio/mpeg")

    def test_connection(self) -> HealthReport:
        return HealthReport(self.name, ok=True, latency_s=0.0)


class Primary(FakeAudio):
    name = "primary"


class Backup(FakeAudio):
    name = "backup"


class Lookup:
    """The registry's `get`, `breaker` and `health`, over ready-made instances."""

    def __init__(
        self, *providers: MediaProvider, failure_threshold: int = 1000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.by_name = {p.name: p for p in providers}
        self.asked: list[str] = []
        self.breakers: dict[str, CircuitBreaker] = {}
        self.healths: dict[str, HealthCounters] = {}
        self.failure_threshold = failure_threshold
        self.clock = clock

    def breaker(self, kind: MediaKind, name: str) -> CircuitBreaker:
        return self.breakers.setdefault(
            name, CircuitBreaker(name=name, failure_threshold=self.failure_threshold, clock=self.clock)
        )

    def health(self, kind: MediaKind, name: str) -> HealthCounters:
        return self.healths.setdefault(name, HealthCounters(name))

    def get(self, kind: MediaKind, name: str) -> MediaProvider:
        self.asked.append(name)
        if name not in self.by_name:
            raise ConfigError(f"unknown {kind.value} provider {name!r}")
        return self.by_name[name]


def items(*texts: str, providers: Sequence[str] = ("primary", "backup")) -> list[WorkItem]:
    return [WorkItem(MediaRequest(kind=AUDIO, text=t, language="en"), tuple(providers)) for t in texts]


def run(work: Sequence[WorkItem], *providers: MediaProvider, **kwargs: Any) -> GenerationOutcome:
    return generate_all(work, providers=Lookup(*providers), cancel=kwargs.pop("cancel", threading.Event()), **kwargs)


def raising(error: ProviderError | Exception, *, only: str | None = None) -> Behaviour:
    def behaviour(request: MediaRequest) -> bytes:
        if only is None or request.text == only:
            raise error
        return speak(request)

    return behaviour
