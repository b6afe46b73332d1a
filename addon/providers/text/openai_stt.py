"""``openai_stt``: transcripts from OpenAI's transcription API (``POST {base_url}/audio/transcriptions``),
or from a local server that speaks the same API with no key (whisper.cpp's ``whisper-server``
started with ``--inference-path /v1/audio/transcriptions``, or a faster-whisper server such as
speaches): set ``base_url`` to it — the offline way.

Wire format (``docs/speech_to_text.md`` §1, ``../shared/provider_apis.md`` §11.1): a multipart
form with the sound as the ``file`` part (a file name with its extension, and its MIME type),
``model`` (``gpt-4o-mini-transcribe`` unless set; ``whisper-1`` and ``gpt-4o-transcribe`` too),
``response_format=json`` (the one format every model answers) and ``language`` (ISO-639-1: the
base of the request's language, sent only when it is a two-letter code). The answer is
``{"text": "…"}`` (``usage`` and other keys are ignored; a local server may send none).

Sounds OpenAI reads (flac, mp3, ogg, wav, m4a) are sent as they are; anything else is converted to
16 kHz mono WAV. ``upload_format`` ``wav`` sends every sound as WAV (MP3, Ogg and FLAC converted):
a whisper.cpp server without ``--convert`` reads WAV only; ``auto`` (the default) does that for
a local server (not OpenAI's address, and no key set). Limits, checked before anything is sent: 25 MiB per request (the
whole form counts, so the sound must leave room for the other parts) and 1,500 s of sound (the
gpt-4o transcription models' limit).

Errors (§11.1, the envelope and cases of OpenAI's other APIs in `openai_api`): 401 → `AuthError`;
403 → `AuthError` with the server's words; 429 ``insufficient_quota`` → `QuotaError`, other 429 →
`RateLimitError` with ``Retry-After``; 5xx → `TransientError`; 404 not about the model →
`ConfigError` about ``base_url``; the model unknown → `ConfigError` naming ``model``; a 400 about
the sound (its format, too short) or 413 (too large) → `PermanentError` for this sound; a 400
about ``language`` → `PermanentError` naming the target's language (other languages keep working).
An answer that is not JSON, or has no ``text``, is an `InvalidResponseError`; an empty transcript
a `NotFoundError` (`text_result`).

`test_connection`: with a key (OpenAI, or a hosted compatible service), ``GET
{base_url}/models/{model}`` (free; checks the address, the key and the model); for a local server,
which may have no model list, the transcription of half a second of silence (free on one's own
computer; an empty transcript is fine there).

Thread safety: `generate` may run on several worker threads at once; each thread uses its own HTTP
session (`HttpClient`) and nothing else is shared or changed after ``__init__``.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from typing import Any, ClassVar

import requests

from ...core.base.errors import AuthError, InvalidResponseError, PermanentError, ProviderError
from ...core.media.checks import mime_type
from ...core.media.types import MediaRequest
from ...core.media.wav_info import silent_wav
from ...core.provider_system.media_provider import Capabilities, HealthReport, KeyUse
from ...core.provider_system.transcription import TranscriptionProvider
from ..http.client import json_answer_limit, json_body
from ..http.health_probe import probe_health
from ..openai_api import MODEL_SCHEMA, ApiError, OpenAIProvider

DEFAULT_MODEL = "gpt-4o-mini-transcribe"
MODELS = ("gpt-4o-mini-transcribe", "gpt-4o-transcribe", "whisper-1")
TRANSCRIPTIONS_PATH = "/audio/transcriptions"
UPLOAD_FORMATS = ("auto", "original", "wav")
# §11.1: 25 MiB per request, the whole multipart body counted; the other parts take well under 16 KiB.
MAX_REQUEST_BYTES = 26_214_400
FORM_ALLOWANCE_BYTES = 16_384
# §11.1: gpt-4o-transcribe / mini take at most 1,500 s [3P].
MAX_AUDIO_SECONDS = 1500.0
WAV_RATE = 16000
OPENAI_HOST = "api.openai.com"
_ISO_639_1 = re.compile(r"^[a-z]{2}$")
# 400s that are about this sound, not the settings (§11.1).
_SOUND_PROBLEMS = ("file format", "unsupported_format", "too short", "audio_too_short", "audio duration", "file")


def iso_639_1(language: str) -> str:
    """The two-letter code OpenAI's ``language`` takes ("pt" for "pt-BR"); "" when there is none."""
    base = language.strip().replace("_", "-").split("-")[0].lower()
    return base if _ISO_639_1.match(base) else ""


class OpenAITranscription(OpenAIProvider, TranscriptionProvider):
    name = "openai_stt"
    title = "OpenAI (transcription)"
    description = (
        "Transcripts from OpenAI's speech-to-text API (needs an API key, paid per minute), or free and "
        "offline from a local whisper.cpp or faster-whisper server (set base_url; no key)."
    )
    capabilities = Capabilities(key=KeyUse.OPTIONAL, http=True)
    default_model = DEFAULT_MODEL
    model_kind = "transcription model"
    model_advice = f"a current one, e.g. {DEFAULT_MODEL!r}"
    default_max_concurrency = 2
    priority = 300
    max_audio_seconds = MAX_AUDIO_SECONDS
    max_audio_bytes = MAX_REQUEST_BYTES - FORM_ALLOWANCE_BYTES
    accepted_formats = frozenset({"mp3", "wav", "ogg", "flac", "m4a"})
    send_format = "wav"
    send_rate = WAV_RATE
    service_label = "OpenAI's transcription API"
    settings_schema: ClassVar[Mapping[str, Any]] = {
        "model": MODEL_SCHEMA,
        "upload_format": {"enum": list(UPLOAD_FORMATS)},
    }

    # --- settings -------------------------------------------------------------------------------

    def is_openai(self) -> bool:
        """Whether ``base_url`` is OpenAI's own (a key is needed)."""
        return (urllib.parse.urlsplit(self.base_url).hostname or "").lower() == OPENAI_HOST

    def is_local(self) -> bool:
        """Whether ``base_url`` is a server that takes no key (a whisper.cpp or faster-whisper
        server): not OpenAI's, and no key is set."""
        return not self.api_key and not self.is_openai()

    @property
    def upload_format(self) -> str:
        """``original`` or ``wav``: what ``upload_format`` means for this ``base_url``."""
        chosen = str(self.settings.get("upload_format") or "auto").strip().lower()
        if chosen == "auto":
            return "wav" if self.is_local() else "original"
        return chosen

    def formats_taken(self) -> frozenset[str]:
        return frozenset({"wav"}) if self.upload_format == "wav" else self.accepted_formats

    def access_problem(self) -> str | None:
        """OpenAI's own address needs a key; a local server needs none."""
        if self.is_openai() and not self.api_key:
            env = self.settings.get("api_key_env")
            where = f"api_key, or the environment variable {env}" if env else "api_key (or name an api_key_env)"
            return (
                f"needs an API key for OpenAI: set {self.setting_path(where)}, or set "
                f"{self.setting_path('base_url')} to a local OpenAI-compatible transcription server "
                "(whisper.cpp, faster-whisper), which needs none"
            )
        return super().access_problem()

    def _headers(self, accept: str = "application/json") -> dict[str, str]:
        headers = {"Accept": accept}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def form(self, *, language: str) -> dict[str, str]:
        """The form's fields besides the sound."""
        fields = {"model": self.model, "response_format": "json"}
        code = iso_639_1(language)
        if code:
            fields["language"] = code
        return fields

    # --- transcription --------------------------------------------------------------------------

    def transcribe(self, audio: bytes, *, extension: str, language: str, request: MediaRequest) -> str:
        return self._post(audio, extension=extension, language=language)

    def _post(self, audio: bytes, *, extension: str, language: str) -> str:
        response = self._http.send(
            "POST",
            f"{self.base_url}{TRANSCRIPTIONS_PATH}",
            timeout_s=self.timeout_s,
            headers=self._headers(),
            data=self.form(language=language),
            files={"file": (f"audio.{extension}", audio, mime_type(extension))},
            error=lambda answer: self._api_error(answer, language=language),
            max_body_bytes=json_answer_limit(self.max_media_bytes),
        )
        body = json_body(response, provider=self.name, hint=f"check {self.setting_path('base_url')}")
        text = body.get("text") if isinstance(body, Mapping) else None
        if not isinstance(text, str):
            raise InvalidResponseError(
                f'answered without a transcript (no "text" in its JSON); check that '
                f"{self.setting_path('base_url')} is an OpenAI-compatible transcription server",
                provider=self.name,
            )
        return text

    # --- errors ---------------------------------------------------------------------------------

    def _request_error(self, response: requests.Response, error: ApiError, *, language: str) -> ProviderError | None:
        status = response.status_code
        said = f"(HTTP {status}){error.quoted()}"
        if status == 403:
            return AuthError(
                f"OpenAI refused this request {said}. Check that the key's project may use the model {self.model!r}, "
                f"or set {self.setting_path('model')} to a model it may use",
                provider=self.name,
            )
        if status == 413:
            return PermanentError(
                f"the sound is larger than the server takes {said}; use a shorter sound", provider=self.name
            )
        if status in (400, 422) and error.param == "language":
            return PermanentError(
                f"the server does not transcribe the language {language!r} {said}; set the rule's language to a "
                "two-letter code it knows (ISO 639-1), or use another transcription provider for it",
                provider=self.name,
            )
        words = f"{error.message} {error.code}".lower()
        if status == 400 and error.param != "model" and any(problem in words for problem in _SOUND_PROBLEMS):
            return PermanentError(
                f"the server could not transcribe this sound {said}; check that the sound file plays, or use "
                "another transcription provider for it",
                provider=self.name,
            )
        return None

    # --- connection test ------------------------------------------------------------------------

    def test_connection(self) -> HealthReport:
        """OpenAI (or a service with a key): look the model up; a local server: transcribe half a
        second of silence."""
        if not self.is_local():
            return super().test_connection()
        return probe_health(self, self._check_local)

    def _check_local(self) -> str:
        self._post(silent_wav(), extension="wav", language="")
        return f"the server at {self.base_url} transcribes"
