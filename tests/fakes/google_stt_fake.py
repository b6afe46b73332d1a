"""A fake of Google Cloud Speech-to-Text's synchronous recognition (``POST /v1/speech:recognize``) on
127.0.0.1, for the ``google_stt`` provider's tests.

``with serve_google_stt() as fake:`` starts it; point the provider's ``base_url`` at ``fake.url``
and use ``TEST_KEY`` (``?key=``) or ``TEST_TOKEN`` (``auth`` ``bearer``). ``fake.recognize_bodies()``
gives each recognition request's JSON; ``decoded_audio(body)`` its sound.

Where each shape comes from (docs/speech_to_text.md §2, ../shared/provider_apis.md §11.2):

* [OFFICIAL] ``cloud_speech.proto`` / the REST reference: ``config`` and ``audio`` required;
  ``audio.content`` base64; ``config.languageCode`` required; ``encoding`` and ``sampleRateHertz``
  optional for FLAC and WAV (read from the header), required for everything else; ``maxAlternatives``
  0-30. The quotas page: "limited to 10 MB or 1 minute of audio duration".
* [OBS] Success ``{"results": [{"alternatives": [{"transcript", "confidence"}], "resultEndTime",
  "languageCode"}], "totalBilledTime", "requestId"}``; silence: no ``results`` at all; "Sync input too
  long. For audio longer than 1 min use LongRunningRecognize with a 'uri' parameter."; "Request
  payload size exceeds the limit: 10485760 bytes."; "Invalid recognition 'config': bad encoding..";
  key, quota and server errors as Google's other APIs (the helpers of google_tts_fake).
* [UNCONFIRMED] MP3 on v1 (refused here, as ``bad encoding``), the missing-language wording, the
  stereo-WAV wording ("Must use single channel (mono) audio, but WAV header indicates 2 channels.").

Switches: `fail` / `fail_always` / `hang` / `stop_failing`; ``transcripts`` (SHA-1 of the decoded
sound → its text; others get ``transcript``, "" gives no ``results``: silence); ``languages`` (the
codes it knows); ``payload`` (these bytes as a 200 answer); ``cut``; `reset`.

Thread safety: the server answers on its own daemon threads; switches are set from the test thread.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from addon.core.media.audio_duration import audio_duration
from addon.core.media.checks import sniff_audio
from addon.core.media.wav_info import wav_format
from tests.contracts.checker import GOOGLE_STT, observe_reply
from tests.fakes.google_tts_fake import (
    JSON_TYPE,
    PROJECT,
    api_key_invalid,
    billing_disabled,
    error_info,
    google_error,
    help_link,
    html_gateway_error,
    invalid_argument,
    invalid_token,
    missing_credentials,
    resource_exhausted,
    server_error,
)
from tests.support.failure_script import Failure as Failure  # noqa: PLC0414 (re-exported for the tests)
from tests.support.failure_script import FailureScript, ScriptedFailures
from tests.support.fake_http import FakeServer, Recorded, Reply, serve

__all__ = [
    "api_key_invalid",
    "billing_disabled",
    "html_gateway_error",
    "invalid_argument",
    "invalid_token",
    "resource_exhausted",
    "server_error",
]

TEST_KEY = "sk-test-google-stt-2c9e5a7b1d30"
TEST_TOKEN = "sk-test-google-stt-token-8f3b6d2e4a19"
RECOGNIZE_PATH = "/v1/speech:recognize"
MAX_PAYLOAD_BYTES = 10_485_760
MAX_SECONDS = 60.0
LANGUAGES = frozenset({"en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "ru-RU", "ja-JP", "pt-BR", "cmn-Hans-CN"})
ENCODINGS = ("LINEAR16", "FLAC", "MULAW", "AMR", "AMR_WB", "OGG_OPUS", "SPEEX_WITH_HEADER_BYTE", "WEBM_OPUS")
CONFIG_FIELDS = frozenset(
    {
        "encoding", "sampleRateHertz", "audioChannelCount", "enableSeparateRecognitionPerChannel", "languageCode",
        "alternativeLanguageCodes", "maxAlternatives", "profanityFilter", "adaptation", "speechContexts",
        "enableWordTimeOffsets", "enableWordConfidence", "enableAutomaticPunctuation", "enableSpokenPunctuation",
        "enableSpokenEmojis", "diarizationConfig", "metadata", "model", "useEnhanced",
    }
)  # fmt: skip
DEFAULT_TRANSCRIPT = "hello world"
HANG = Failure(hang=True)


def service_disabled(project: str = PROJECT) -> Failure:
    """403: the Speech-to-Text API is not enabled in the key's project ([OBS pattern], as TTS's)."""
    url = f"https://console.developers.google.com/apis/api/speech.googleapis.com/overview?project={project}"
    return google_error(
        403,
        "PERMISSION_DENIED",
        f"Cloud Speech-to-Text API has not been used in project {project} before or it is disabled. Enable it by "
        f"visiting {url} then retry.",
        details=[help_link("Google developers console API activation", url), error_info("SERVICE_DISABLED")],
    )


def rate_limited(*, retry_after: str | None = "3") -> Failure:
    """429 ``RESOURCE_EXHAUSTED`` for the per-minute quota, with ``Retry-After``."""
    return google_error(
        429,
        "RESOURCE_EXHAUSTED",
        "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service "
        f"'speech.googleapis.com' for consumer 'project_number:{PROJECT}'.",
        headers={"Retry-After": retry_after} if retry_after is not None else None,
    )


def too_long() -> Failure:
    return invalid_argument(
        "Sync input too long. For audio longer than 1 min use LongRunningRecognize with a 'uri' parameter."
    )


def decoded_audio(body: Any) -> bytes:
    return base64.b64decode(body["audio"]["content"])


class GoogleSTTFake(ScriptedFailures):
    """The state and answers of the fake; see the module docstring."""

    failing_endpoint = "recognize"

    def __init__(self, *, hang_s: float) -> None:
        self.hang_s = hang_s
        self._server: FakeServer | None = None
        self._failures = FailureScript(HANG, after_hang=lambda: server_error(503).reply())
        self._set_defaults()

    def _set_defaults(self) -> None:
        self.transcripts: dict[str, str] = {}
        self.transcript = DEFAULT_TRANSCRIPT
        self.languages = set(LANGUAGES)
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

    def recognize_bodies(self) -> list[Any]:
        return [r.json() for r in self.requests if r.path == RECOGNIZE_PATH]

    def say(self, audio: bytes, text: str) -> None:
        self.transcripts[hashlib.sha1(audio).hexdigest()] = text

    # --- serving ---

    def handle(self, request: Recorded) -> Reply:
        reply = self._answer(request)
        off_spec = "the payload switch" if self.payload is not None else ""
        observe_reply(GOOGLE_STT, request, reply, off_spec=off_spec)
        return reply

    def _answer(self, request: Recorded) -> Reply:
        if request.path != RECOGNIZE_PATH or request.method != "POST":
            page = f"<!DOCTYPE html><title>Error 404 (Not Found)!!1</title><p>The requested URL {request.path} was not found."
            return Reply(404, page.encode(), {"Content-Type": "text/html; charset=UTF-8"})
        failure = self._failures.next_failure("recognize")
        if failure is not None:
            return self._failures.answer(failure, hang_s=self.hang_s)
        if self.cut:
            raise ConnectionAbortedError("the fake cuts the connection")
        refused = self._auth(request)
        if refused is not None:
            return refused.reply()
        if len(request.body) > MAX_PAYLOAD_BYTES:
            return invalid_argument(f"Request payload size exceeds the limit: {MAX_PAYLOAD_BYTES} bytes.").reply()
        try:
            body = json.loads(request.body)
        except ValueError:
            return invalid_argument("Invalid JSON payload received. Unexpected token.").reply()
        problem = self._validate(body)
        if problem is not None:
            return problem.reply()
        if self.payload is not None:
            return Reply(200, self.payload, {"Content-Type": JSON_TYPE})
        audio = decoded_audio(body)
        text = self.transcripts.get(hashlib.sha1(audio).hexdigest(), self.transcript)
        seconds = audio_duration(audio) or 1.0
        answer: dict[str, Any] = {"totalBilledTime": f"{max(1, round(seconds))}s", "requestId": "7241947187192076532"}
        if text:
            alternative = {"transcript": text, "confidence": 0.93}
            answer["results"] = [
                {"alternatives": [alternative], "resultEndTime": f"{seconds:.3f}s", "languageCode": "en-us"}
            ]
        return Reply(200, json.dumps(answer).encode(), {"Content-Type": JSON_TYPE})

    def _auth(self, request: Recorded) -> Failure | None:
        key = request.query.get("key", [""])[-1]
        header = request.headers.get("authorization", "")
        if key:
            return None if key == TEST_KEY else api_key_invalid()
        if header:
            return None if header == f"Bearer {TEST_TOKEN}" else invalid_token()
        return missing_credentials()

    def _validate(self, body: Any) -> Failure | None:
        if not isinstance(body, dict) or "config" not in body or "audio" not in body:
            return invalid_argument(
                "RecognitionAudio not set."
                if isinstance(body, dict) and "config" in body
                else "Invalid recognition 'config'."
            )
        config, audio = body["config"], body["audio"]
        unknown = sorted(set(config) - CONFIG_FIELDS)
        if unknown:
            return invalid_argument(
                f"Invalid JSON payload received. Unknown name \"{unknown[0]}\" at 'config': Cannot find field.",
                field_name="config",
            )
        language = config.get("languageCode")
        if not language:
            return invalid_argument(
                "Invalid recognition 'config': language_code is required.", field_name="config.language_code"
            )
        if language not in self.languages:
            return invalid_argument(
                f"Invalid recognition 'config': The language \"{language}\" is not supported.",
                field_name="config.language_code",
            )
        try:
            data = base64.b64decode(audio.get("content", ""), validate=True)
        except (binascii.Error, ValueError):
            return invalid_argument("Invalid value at 'audio.content' (TYPE_BYTES), Base64 decoding failed.")
        if not data:
            return invalid_argument("RecognitionAudio not set.")
        sniffed = sniff_audio(data)
        encoding = config.get("encoding")
        if encoding is not None and encoding not in ENCODINGS:
            return invalid_argument(f"Invalid value at 'config.encoding', \"{encoding}\"", field_name="config.encoding")
        if sniffed not in ("flac", "wav") and (encoding is None or "sampleRateHertz" not in config):
            return invalid_argument("Invalid recognition 'config': bad encoding..")
        found = wav_format(data) if sniffed == "wav" else None
        if found is not None and found.channels != 1:
            return invalid_argument(
                f"Must use single channel (mono) audio, but WAV header indicates {found.channels} channels."
            )
        seconds = audio_duration(data)
        if seconds is not None and seconds > MAX_SECONDS:
            return too_long()
        return None


@contextmanager
def serve_google_stt(*, hang_s: float = 5.0) -> Iterator[GoogleSTTFake]:
    """Serve the fake on 127.0.0.1 until the block ends."""
    fake = GoogleSTTFake(hang_s=hang_s)
    with serve(fake.handle) as server:
        fake._server = server
        try:
            yield fake
        finally:
            fake._failures.release()
            fake._server = None
