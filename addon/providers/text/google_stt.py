"""``google_stt``: transcripts from Google Cloud Speech-to-Text's synchronous recognition
(``POST {base_url}/v1/speech:recognize``).

Wire format (``docs/speech_to_text.md`` §2, ``../shared/provider_apis.md`` §11.2): a JSON body
``{"config": {"languageCode", "maxAlternatives": 1, "enableAutomaticPunctuation", "model"?},
"audio": {"content": <base64 of the sound>}}``. FLAC and WAV carry their encoding and sample rate in
their header, so neither ``encoding`` nor ``sampleRateHertz`` is sent (Google reads them; a value
that disagreed with the header would be refused). A sound in another format (MP3 is a beta feature
of ``v1p1beta1`` only; Ogg Vorbis is not taken at all), or a WAV that is not 16-bit mono linear PCM,
is converted to 16 kHz mono FLAC first. ``languageCode`` is BCP-47: the ``languages`` entry of the
request's language, else the language with its usual region (``en`` → ``en-US``, as `google_tts`).
The answer is ``{"results": [{"alternatives": [{"transcript", "confidence"}]}], …}``: the first
alternative of each result, joined; no ``results`` at all means nothing was heard (an empty
transcript, `NotFoundError`: see `text_result`).

Limits, checked before anything is sent: 1 minute of sound (59 s here: a 58.8 s file was once
refused, so a margin is kept) and 10 MB per request, which the base64 text counts, so at most
three quarters of it for the sound.

Authentication and error answers as `google_tts` (``auth`` ``api_key`` sends ``?key=``, ``bearer``
an OAuth token with ``quota_project``; `errors.service_error` reads Google's envelope, naming this
API); a 400 ``INVALID_ARGUMENT`` about the language → `PermanentError` naming ``languages`` (other
languages keep working), about the sound (its encoding, sample rate, length or size) →
`PermanentError` for this sound; any other 400 → `PermanentError` with Google's words.

`test_connection`: Speech-to-Text has no free call that checks a key, so it recognises half a
second of silence (billed as the shortest request; nothing heard is fine here).

Thread safety: `generate` may run on several worker threads at once; each thread uses its own HTTP
session (`HttpClient`) and nothing else is shared or changed after ``__init__``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any, ClassVar

import requests

from ...core.base.errors import InvalidResponseError, PermanentError, ProviderError
from ...core.media.audio_convert import convert_audio_bytes
from ...core.media.types import MediaRequest
from ...core.media.wav_info import silent_wav, wav_format
from ...core.provider_system.media_provider import Capabilities, HealthReport, KeyUse
from ...core.provider_system.transcription import TranscriptionProvider
from ..audio.google_tts.errors import GoogleError, GoogleService, scrub, service_error
from ..audio.google_tts.provider import AUTH_MODES, PROJECT_ID_PATTERN
from ..audio.google_tts.voices import language_code
from ..http.client import failure, json_answer_limit, json_body
from ..http.health_probe import probe_health
from ..http.service import HttpProvider
from ..http.status import quoted_excerpt

DEFAULT_BASE_URL = "https://speech.googleapis.com"
RECOGNIZE_PATH = "/v1/speech:recognize"
SPEECH_TO_TEXT = GoogleService("Cloud Speech-to-Text", "speech.googleapis.com", DEFAULT_BASE_URL)
# §11.2: 10 MB per synchronous request (10,485,760 bytes, the JSON counted: base64 is 4/3 of the
# sound) and 1 minute of sound (a margin kept).
MAX_REQUEST_BYTES = 10_485_760
MAX_AUDIO_BYTES = MAX_REQUEST_BYTES * 3 // 4 - 4096
MAX_AUDIO_SECONDS = 59.0
SEND_RATE = 16000
MODELS = ("", "latest_short", "latest_long", "command_and_search", "default", "phone_call", "video")
LANGUAGE_CODE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
_LANGUAGE_WORDS = ("language", "languagecode", "language_code")
_SOUND_WORDS = (
    "encoding",
    "sample rate",
    "sample_rate",
    "samplerate",
    "audio",
    "channel",
    "too long",
    "payload",
    "header",
)


class GoogleTranscription(HttpProvider, TranscriptionProvider):
    name = "google_stt"
    title = "Google Cloud Speech-to-Text"
    default_base_url = DEFAULT_BASE_URL
    description = (
        "Transcripts from Google Cloud Speech-to-Text (sounds up to a minute; needs an API key, 60 free minutes "
        "a month, then paid per minute)."
    )
    capabilities = Capabilities(key=KeyUse.REQUIRED, http=True)
    default_max_concurrency = 4
    priority = 300
    max_audio_seconds = MAX_AUDIO_SECONDS
    max_audio_bytes = MAX_AUDIO_BYTES
    accepted_formats = frozenset({"flac", "wav"})
    service_label = "Google's synchronous recognition"
    settings_not_changing_output: ClassVar[frozenset[str]] = frozenset({"batch_size", "auth", "quota_project"})
    settings_schema: ClassVar[Mapping[str, Any]] = {
        "auth": {"enum": list(AUTH_MODES)},
        "quota_project": {"type": "string", "pattern": PROJECT_ID_PATTERN},
        "languages": {
            "type": "object",
            "propertyNames": {"pattern": r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$"},
            "additionalProperties": {"type": "string", "pattern": LANGUAGE_CODE_PATTERN},
        },
        "model": {"enum": list(MODELS)},
        "punctuation": {"type": "boolean"},
    }

    # --- settings -------------------------------------------------------------------------------

    @property
    def auth(self) -> str:
        return str(self.settings.get("auth") or "api_key")

    @property
    def api_root(self) -> str:
        """``base_url`` without a final ``/v1`` (Google's docs write it with one)."""
        return self.base_url.removesuffix("/v1")

    def language_code(self, language: str) -> str:
        """The ``languages`` entry of ``language`` (exact, then its base language), else
        `google_tts.voices.language_code` (``en`` → ``en-US``)."""
        entries: Mapping[str, Any] = self.settings.get("languages") or {}
        by_code = {str(code).replace("_", "-").lower(): str(value) for code, value in entries.items()}
        code = language.strip().replace("_", "-").lower()
        for candidate in (code, code.split("-")[0]):
            if candidate and by_code.get(candidate, "").strip():
                return by_code[candidate].strip()
        return language_code(language)

    def _auth(self) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        params = {}
        if self.auth == "bearer":
            headers["Authorization"] = f"Bearer {self.api_key}"
            project = str(self.settings.get("quota_project") or "").strip()
            if project:
                headers["x-goog-user-project"] = project
        else:
            params["key"] = self.api_key
        return {"headers": headers, "params": params}

    def request_body(self, audio: bytes, *, language: str) -> dict[str, Any]:
        config: dict[str, Any] = {
            "languageCode": self.language_code(language),
            "maxAlternatives": 1,
            "enableAutomaticPunctuation": bool(self.settings.get("punctuation", True)),
        }
        model = str(self.settings.get("model") or "")
        if model:
            config["model"] = model
        return {"config": config, "audio": {"content": base64.b64encode(audio).decode("ascii")}}

    # --- transcription --------------------------------------------------------------------------

    def prepare(self, data: bytes, *, extension: str) -> tuple[bytes, str]:
        """FLAC, and WAV of 16-bit mono linear PCM, as they are; anything else (another WAV too:
        Google reads one channel only) as 16 kHz mono FLAC."""
        found = wav_format(data) if extension == "wav" else None
        if extension == "flac" or (found is not None and found.is_pcm16()):
            return data, extension
        converted = convert_audio_bytes(
            data, source=extension, target="flac", provider=self.name, rate=SEND_RATE, mono=True, which=self.which
        )
        return converted, "flac"

    def transcribe(self, audio: bytes, *, extension: str, language: str, request: MediaRequest) -> str:
        return self._recognize(audio, language=language, timeout_s=self.timeout_s)

    def _recognize(self, audio: bytes, *, language: str, timeout_s: float) -> str:
        response = self._http.send(
            "POST",
            f"{self.api_root}{RECOGNIZE_PATH}",
            timeout_s=timeout_s,
            json=self.request_body(audio, language=language),
            error=lambda answer: self._api_error(answer, language=language),
            max_body_bytes=json_answer_limit(self.max_media_bytes),
            shown_url=f"{self.api_root}{RECOGNIZE_PATH}",
            **self._auth(),
        )
        body = json_body(response, provider=self.name, hint=f"check {self.setting_path('base_url')}")
        if not isinstance(body, Mapping) or "error" in body:
            raise InvalidResponseError(
                "answered with JSON that is not a recognition result; check base_url", provider=self.name
            )
        results = body.get("results", [])
        if not isinstance(results, list):
            raise InvalidResponseError(
                f"answered with results that are not a list; check {self.setting_path('base_url')}", provider=self.name
            )
        parts = []
        for result in results:
            alternatives = result.get("alternatives") if isinstance(result, Mapping) else None
            first = alternatives[0] if isinstance(alternatives, list) and alternatives else None
            text = first.get("transcript") if isinstance(first, Mapping) else None
            if isinstance(text, str):
                parts.append(text.strip())
        return " ".join(part for part in parts if part)

    # --- errors ---------------------------------------------------------------------------------

    def _api_error(self, response: requests.Response, *, language: str) -> ProviderError:
        found = service_error(self, response, service=SPEECH_TO_TEXT)
        if found is not None:
            return found
        error = GoogleError.of(response)
        message = scrub(error.message, api_key=self.api_key)
        quoted = quoted_excerpt(message)
        label = f"HTTP {response.status_code} {error.status}".rstrip()
        lowered = " ".join((message, *error.fields)).lower()
        if response.status_code == 400 or error.status == "INVALID_ARGUMENT":
            if any(word in lowered for word in _LANGUAGE_WORDS):
                code = self.language_code(language)
                return PermanentError(
                    f"Google refused the language code {code!r} ({label}){quoted}. Map the rule's language "
                    f"{language!r} to a code Speech-to-Text knows in {self.setting_path('languages')}",
                    provider=self.name,
                )
            if any(word in lowered for word in _SOUND_WORDS):
                return PermanentError(
                    f"Google could not recognise this sound ({label}){quoted}. Check that the sound file plays and "
                    "is under a minute long, or use another transcription provider for it",
                    provider=self.name,
                )
            return PermanentError(
                f"Google refused this request ({label}){quoted}. Check {self.setting_path('model')} (empty lets "
                "Google choose), or use another transcription provider for this sound",
                provider=self.name,
            )
        return failure(response, provider=self.name, message=message or None)

    # --- connection test ------------------------------------------------------------------------

    def test_connection(self) -> HealthReport:
        """Recognise half a second of silence (see the module docstring). Never raises."""
        return probe_health(self, self._recognize_silence)

    def _recognize_silence(self) -> str:
        self._recognize(silent_wav(), language="en", timeout_s=self.probe_timeout_s)
        return "Cloud Speech-to-Text answered (half a second of silence recognised; billed as the shortest request)"
