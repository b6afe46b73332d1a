"""Fakes of the streaming-job tests (``tests/collection/test_job_streaming.py`` and
``tests/cli/test_cli_crash_resume.py``):

* `mp3_for` — the deterministic MP3 bytes served for a text (an MPEG-1 Layer III frame header, the
  text and the voice, zero padding), so a test knows exactly what every media file must hold;
* `SpeechServer` — a `fake_http` handler speaking EchoSpeech's wire format that counts the requests
  per text, answers 400 to the texts in ``failing`` and may take ``delay_s`` per answer;
* `InstantSpeech` — a keyless in-process audio provider with no limits worth the name (big jobs);
* `GatedSpeech` — a keyless in-process audio provider whose ``held`` texts wait for ``gate``;
* `InstantPictures` — a keyless in-process image provider that counts the texts it is asked for.

Load the providers through the config's ``provider_modules`` (``streaming_fakes:InstantSpeech``);
``tests/support`` is importable in pytest and in the CLI subprocesses.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any, ClassVar

from addon.core.base.errors import NotFoundError
from addon.core.media.types import MediaRequest, MediaResult
from addon.core.provider_system.media_provider import (
    AudioProvider,
    Capabilities,
    HealthReport,
    ImageProvider,
    KeyUse,
)
from tests.support.fake_http import Recorded, Reply
from tests.support.media_samples import png_bytes

# MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: a frame header `require_media` takes for MP3.
MP3_FRAME_HEADER = b"\xff\xfb\x90\x64"
MP3_MIN_BYTES = 256

STREAMING_MODULES = {
    "audio": {
        "echo_speech": "tests.support.fake_providers:EchoSpeech",
        "instant_speech": "tests.support.streaming_fakes:InstantSpeech",
        "gated_speech": "tests.support.streaming_fakes:GatedSpeech",
    }
}


def mp3_for(text: str, voice: str = "", *, min_bytes: int = MP3_MIN_BYTES) -> bytes:
    """The MP3 bytes served for ``text`` spoken by ``voice``: at least ``min_bytes`` long."""
    body = f"{text}|{voice}".encode()
    return MP3_FRAME_HEADER + body + b"\x00" * max(16, min_bytes - len(MP3_FRAME_HEADER) - len(body))


class SpeechServer:
    """A `fake_http` handler for EchoSpeech (POST /speak {text, language, voice}, bearer ``key``).

    ``counts`` has the requests per text (thread-safe); ``failing`` texts get a 400.
    """

    def __init__(
        self, *, key: str, delay_s: float = 0.0, failing: set[str] | None = None, min_bytes: int = MP3_MIN_BYTES
    ) -> None:
        self.key = key
        self.delay_s = delay_s
        self.min_bytes = min_bytes
        self.failing: set[str] = set(failing or ())
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, request: Recorded) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.key}":
            return Reply.of_json({"error": "bad key"}, status=401)
        if request.path != "/speak":
            return Reply.of_json({"status": "ok"})
        body = json.loads(request.body)
        text, voice = str(body["text"]), str(body.get("voice") or "")
        with self._lock:
            self.counts[text] += 1
        if text in self.failing:
            return Reply.of_json({"error": f"cannot say {text!r}"}, status=400)
        data = mp3_for(text, voice, min_bytes=self.min_bytes)
        return Reply(200, data, {"Content-Type": "audio/mpeg"}, delay_s=self.delay_s)

    def total(self) -> int:
        with self._lock:
            return sum(self.counts.values())

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self.counts)


class InstantSpeech(AudioProvider):
    """Answers every request at once with `mp3_for` (no network, no key)."""

    name = "instant_speech"
    description = "Test speech made in process, at once."
    capabilities = Capabilities(key=KeyUse.NONE)
    default_settings: ClassVar[dict[str, Any]] = {
        "max_concurrency": 8,
        "requests_per_minute": 100000,
        "retry_attempts": 0,
    }

    def generate(self, request: MediaRequest) -> MediaResult:
        return MediaResult(
            request=request, provider=self.name, data=mp3_for(request.text), extension="mp3", mime_type="audio/mpeg"
        )

    def test_connection(self) -> HealthReport:
        return HealthReport(self.name, True, 0.0, "ok")


class GatedSpeech(AudioProvider):
    """Like `InstantSpeech`, but a text in ``held`` waits until ``gate`` is set (at most
    ``wait_s``). ``calls`` lists the texts asked for. Tests reach the instance a job uses through
    its registry's ``get`` (the registry keeps one instance per settings)."""

    name = "gated_speech"
    description = "Test speech made in process; some texts wait for the test."
    capabilities = Capabilities(key=KeyUse.NONE)
    default_settings: ClassVar[dict[str, Any]] = {
        "max_concurrency": 4,
        "requests_per_minute": 100000,
        "retry_attempts": 0,
    }
    wait_s = 20.0

    def __init__(self, settings: Any, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.gate = threading.Event()
        self.held: set[str] = set()
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def generate(self, request: MediaRequest) -> MediaResult:
        with self._lock:
            self.calls.append(request.text)
        if request.text in self.held and not self.gate.wait(self.wait_s):
            raise NotFoundError("the test never opened the gate", provider=self.name)
        return MediaResult(
            request=request, provider=self.name, data=mp3_for(request.text), extension="mp3", mime_type="audio/mpeg"
        )

    def test_connection(self) -> HealthReport:
        return HealthReport(self.name, True, 0.0, "ok")


class InstantPictures(ImageProvider):
    """Answers every request at once with a small PNG; ``asked`` (class-wide, thread-safe) counts
    the texts asked for, across the instances jobs make (tests clear it first)."""

    name = "instant_pictures"
    description = "Test pictures made in process, at once."
    capabilities = Capabilities(key=KeyUse.NONE)
    default_settings: ClassVar[dict[str, Any]] = {
        "max_concurrency": 4,
        "requests_per_minute": 100000,
        "retry_attempts": 0,
    }
    asked: ClassVar[Counter[str]] = Counter()
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def generate(self, request: MediaRequest) -> MediaResult:
        with self._lock:
            self.asked[request.text] += 1
        return MediaResult(
            request=request, provider=self.name, data=png_bytes(4, 4), extension="png", mime_type="image/png"
        )

    def test_connection(self) -> HealthReport:
        return HealthReport(self.name, True, 0.0, "ok")
