"""A fake of Yandex SpeechKit's synchronous recognition, API v1 (``POST /speech/v1/stt:recognize``),
on 127.0.0.1, for the ``yandex_stt`` provider's tests.

``with serve_yandex_stt() as fake:`` starts it; point the provider's ``base_url`` at ``fake.url`` and
use ``TEST_KEY`` (an API key) or ``TEST_IAM_TOKEN`` (a user's IAM token: needs ``folderId``).
``fake.recognitions()`` gives each recognition's query and body.

Where each shape comes from (docs/speech_to_text.md §3, ../shared/provider_apis.md §11.3):

* [OFFICIAL] ``speechkit/stt/api/request-api``: the body is the audio file's bytes; query ``lang``
  (``ru-RU`` by default), ``topic`` (``general``), ``profanityFilter``, ``rawResults``, ``format``
  (``lpcm`` | ``oggopus``, the default), ``sampleRateHertz`` (48000 default, 16000, 8000; lpcm only),
  ``folderId`` (≤ 50 characters; a user account needs it); limits 1 MB, 30 s, one channel; the
  answer ``{"result": "…"}``. ``speechkit/formats``: "The MP3 format is not supported in the API v1
  for synchronous recognition".
* [OFFICIAL, older page] + [OBS] errors as the TTS v1 API: ``{"error_code", "error_message"}`` with
  the gRPC status in the message (the helpers of yandex_tts_fake).
* [UNCONFIRMED] the wording of the too-long, too-large and bad-format answers (this fake's own), and
  whether "1 MB" is 10^6 or 2^20 bytes (this fake: 1,048,576); the languages API v1 takes today (this
  fake: `LANGUAGES`).

Switches: `fail` / `fail_always` / `hang` / `stop_failing`; ``transcripts`` (SHA-1 of the body →
its text; others get ``transcript``); ``payload`` (these bytes as a 200 answer); ``cut``; `reset`.

Thread safety: the server answers on its own daemon threads; switches are set from the test thread.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from addon.core.media.audio_duration import audio_duration
from addon.core.media.checks import sniff_audio
from tests.fakes.yandex_tts_fake import (
    SERVICE_ACCOUNT_FOLDER,
    api_error,
    bad_request,
    cloud_inactive,
    folder_mismatch,
    folder_required,
    html_gateway_error,
    missing_credentials,
    permission_denied,
    server_error,
    unknown_key,
)
from tests.support.failure_script import Failure as Failure  # noqa: PLC0414 (re-exported for the tests)
from tests.support.failure_script import FailureScript, ScriptedFailures
from tests.support.fake_http import FakeServer, Recorded, Reply, serve

__all__ = ["bad_request", "cloud_inactive", "html_gateway_error", "permission_denied", "server_error", "unknown_key"]

TEST_KEY = "sk-test-yandex-stt-6a1d9e3f7c25"
TEST_IAM_TOKEN = "sk-test-yandex-stt-iam-t1.4b7c0e2a"
RECOGNIZE_PATH = "/speech/v1/stt:recognize"
MAX_BYTES = 1_048_576
MAX_SECONDS = 30.0
FORMATS = ("lpcm", "oggopus")
SAMPLE_RATES = ("48000", "16000", "8000")
LANGUAGES = frozenset({"ru-RU", "en-US", "de-DE", "es-ES", "fi-FI", "fr-FR", "he-IL", "it-IT", "kk-KZ", "nl-NL",
                       "pl-PL", "pt-PT", "pt-BR", "sv-SE", "tr-TR", "uz-UZ", "auto"})  # fmt: skip
QUERY = frozenset({"lang", "topic", "profanityFilter", "rawResults", "format", "sampleRateHertz", "folderId"})
DEFAULT_TRANSCRIPT = "привет мир"
HANG = Failure(hang=True)


def rate_limited(*, retry_after: str | None = "2") -> Failure:
    """429 ResourceExhausted: the folder's recognition quota (20 requests a second)."""
    return api_error(
        429, "TOO_MANY_REQUESTS", "ResourceExhausted", "Quota limit ai.speech.sttRequests.rate exceeded",
        headers={"Retry-After": retry_after} if retry_after is not None else None,
    )  # fmt: skip


@dataclass(frozen=True)
class Recognition:
    query: Mapping[str, str]
    body: bytes


class YandexSTTFake(ScriptedFailures):
    """The state and answers of the fake; see the module docstring."""

    failing_endpoint = "recognize"

    def __init__(self, *, hang_s: float) -> None:
        self.hang_s = hang_s
        self._server: FakeServer | None = None
        self._failures = FailureScript(HANG, after_hang=lambda: server_error(504).reply())
        self._set_defaults()

    def _set_defaults(self) -> None:
        self.transcripts: dict[str, str] = {}
        self.transcript = DEFAULT_TRANSCRIPT
        self.payload: bytes | None = None
        self.cut = False
        self._failures.stop_failing()

    def reset(self) -> None:
        self._set_defaults()
        self._failures.reset()
        if self._server is not None:
            self._server.requests.clear()

    @property
    def url(self) -> str:
        assert self._server is not None, "the fake is not serving"
        return self._server.url

    @property
    def requests(self) -> list[Recorded]:
        assert self._server is not None, "the fake is not serving"
        return self._server.requests

    def recognitions(self) -> list[Recognition]:
        return [
            Recognition({k: v[-1] for k, v in r.query.items()}, r.body)
            for r in self.requests
            if r.path == RECOGNIZE_PATH
        ]

    def say(self, body: bytes, text: str) -> None:
        self.transcripts[hashlib.sha1(body).hexdigest()] = text

    # --- serving ---

    def handle(self, request: Recorded) -> Reply:
        if request.path != RECOGNIZE_PATH:
            return Reply(404, b"404 page not found\n", {"Content-Type": "text/plain; charset=utf-8"})
        if request.method != "POST":
            return Reply(405, b"Method Not Allowed\n", {"Content-Type": "text/plain; charset=utf-8"})
        failure = self._failures.next_failure("recognize")
        if failure is not None:
            return self._failures.answer(failure, hang_s=self.hang_s)
        if self.cut:
            raise ConnectionAbortedError("the fake cuts the connection")
        query = {k: v[-1] for k, v in request.query.items()}
        refused = self._auth(request, query)
        if refused is not None:
            return refused.reply()
        problem = self._validate(query, request.body)
        if problem is not None:
            return problem.reply()
        if self.payload is not None:
            return Reply(200, self.payload, {"Content-Type": "application/json"})
        text = self.transcripts.get(hashlib.sha1(request.body).hexdigest(), self.transcript)
        return Reply(
            200,
            json.dumps({"result": text}, ensure_ascii=False).encode(),
            {"Content-Type": "application/json", "YaCloud-Billing-Units": "15"},
        )

    def _auth(self, request: Recorded, query: Mapping[str, str]) -> Failure | None:
        header = request.headers.get("authorization", "")
        if not header:
            return missing_credentials()
        folder = query.get("folderId", "")
        if header == f"Api-Key {TEST_KEY}":
            return folder_mismatch(folder) if folder and folder != SERVICE_ACCOUNT_FOLDER else None
        if header == f"Bearer {TEST_IAM_TOKEN}":
            return None if folder else folder_required()
        return unknown_key()

    def _validate(self, query: Mapping[str, str], body: bytes) -> Failure | None:
        unknown = sorted(set(query) - QUERY)
        if unknown:
            return bad_request(f"unknown parameter '{unknown[0]}'")
        if not body:
            return bad_request("audio data is empty")
        if len(body) > MAX_BYTES:
            return bad_request(f"audio data is too large: {len(body)} bytes, the limit is 1 MB")
        lang = query.get("lang", "ru-RU")
        if lang not in LANGUAGES:
            return bad_request(f"unsupported lang '{lang}'")
        audio_format = query.get("format", "oggopus")
        if audio_format not in FORMATS:
            return bad_request(f"unsupported format '{audio_format}'")
        if audio_format == "oggopus":
            if sniff_audio(body) != "opus":
                return bad_request("cannot decode audio: the data is not Ogg Opus")
            seconds = audio_duration(body)
        else:
            rate = query.get("sampleRateHertz", "48000")
            if rate not in SAMPLE_RATES:
                return bad_request(f"unsupported sampleRateHertz '{rate}'")
            if sniff_audio(body) is not None:  # a header (WAV, MP3…) is not raw samples
                return bad_request("cannot decode audio: lpcm must be raw samples without a header")
            seconds = len(body) / (2 * int(rate))
        if seconds is not None and seconds > MAX_SECONDS:
            return bad_request(f"audio is too long: {seconds:.1f} s, the limit is 30 s")
        return None


@contextmanager
def serve_yandex_stt(*, hang_s: float = 5.0) -> Iterator[YandexSTTFake]:
    """Serve the fake on 127.0.0.1 until the block ends."""
    fake = YandexSTTFake(hang_s=hang_s)
    with serve(fake.handle) as server:
        fake._server = server
        try:
            yield fake
        finally:
            fake._failures.release()
            fake._server = None
