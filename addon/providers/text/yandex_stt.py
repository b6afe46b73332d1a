"""``yandex_stt``: transcripts from Yandex SpeechKit's synchronous recognition, API v1
(``POST {base_url}/speech/v1/stt:recognize``).

Wire format (``docs/speech_to_text.md`` §3, ``../shared/provider_apis.md`` §11.3): the body is the
sound itself; the query names ``lang`` (``ru-RU`` style: the ``languages`` entry of the request's
language, else the language with its usual region, `LANGUAGE_CODES`; a full code as it is),
``topic`` (``general`` unless set), ``format`` and, for ``lpcm``, ``sampleRateHertz``; ``folderId``
when set (a user's IAM token needs it). API v1 takes only ``oggopus`` (Ogg Opus, sent as it is) and
``lpcm`` (raw 16-bit little-endian mono samples at 8, 16 or 48 kHz, no header): a WAV of that shape
is sent without its header; anything else (MP3 is not taken by API v1) is converted to 16 kHz mono
first. The answer is ``{"result": "…"}``.

Limits, checked before anything is sent: 30 s of sound and 1 MB as sent (one channel).

Authentication as `yandex_tts`: ``Authorization: Api-Key <key>`` (``auth`` ``api_key``) or
``Bearer <IAM token>`` (``auth`` ``iam_token``, with ``folder_id``). Errors (``{"error_code",
"error_message"}``, read by `yandex_cloud.YandexCloudProvider`): 401 → `AuthError`; 403 → `AuthError` naming the
role ``ai.speechkit-stt.user``; a cloud suspended for its balance → `QuotaError`; 400 about the
folder → `ConfigError` naming ``folder_id``; 400 about the language → `PermanentError` naming
``languages`` (other languages keep working); any other 400 → `PermanentError` for this sound;
429 → `RateLimitError`; 5xx → `TransientError`; 404 → `ConfigError` about ``base_url``.

`test_connection`: API v1 has no free call, so it recognises half a second of silence (billed as
the shortest request, one 15-second unit).

Thread safety: `generate` may run on several worker threads at once; each thread uses its own HTTP
session (`HttpClient`) and nothing else is shared or changed after ``__init__``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

import requests

from ...core.base.errors import InvalidResponseError, PermanentError, ProviderError
from ...core.media.audio_convert import convert_audio_bytes
from ...core.media.checks import sniff_audio
from ...core.media.types import MediaRequest
from ...core.media.wav_info import silent_wav, wav_format, wav_samples
from ...core.provider_system.media_provider import HealthReport
from ...core.provider_system.transcription import TranscriptionProvider
from ..http.client import address_error, failure, json_answer_limit, json_body
from ..http.health_probe import probe_health
from ..http.status import quoted_excerpt
from ..yandex_cloud import YandexCloudProvider

DEFAULT_BASE_URL = "https://stt.api.cloud.yandex.net"
RECOGNIZE_PATH = "/speech/v1/stt:recognize"
MAX_AUDIO_SECONDS = 30.0
MAX_AUDIO_BYTES = 1_000_000
LPCM_RATES = (8000, 16000, 48000)
SEND_RATE = 16000
# The region Yandex's models use for a language given without one.
LANGUAGE_CODES: Mapping[str, str] = {
    "ru": "ru-RU", "en": "en-US", "de": "de-DE", "es": "es-ES", "fi": "fi-FI", "fr": "fr-FR", "he": "he-IL",
    "it": "it-IT", "kk": "kk-KZ", "nl": "nl-NL", "pl": "pl-PL", "pt": "pt-BR", "sv": "sv-SE", "tr": "tr-TR",
    "uz": "uz-UZ",
}  # fmt: skip
_LANGUAGE = re.compile(r"\b(lang|language|topic|model)\b", re.IGNORECASE)


class YandexTranscription(YandexCloudProvider, TranscriptionProvider):
    name = "yandex_stt"
    title = "Yandex SpeechKit (recognition)"
    default_base_url = DEFAULT_BASE_URL
    description = (
        "Transcripts from Yandex SpeechKit's synchronous recognition (sounds up to 30 seconds; Russian and other "
        "languages; needs a Yandex Cloud API key, paid per 15 seconds)."
    )
    max_audio_seconds = MAX_AUDIO_SECONDS
    max_audio_bytes = MAX_AUDIO_BYTES
    accepted_formats = frozenset({"ogg", "wav"})
    service_label = "Yandex's synchronous recognition"
    speechkit_role = "ai.speechkit-stt.user"
    settings_not_changing_output: ClassVar[frozenset[str]] = frozenset({"batch_size", "auth", "folder_id"})
    settings_schema: ClassVar[Mapping[str, Any]] = {
        "auth": {"enum": ["api_key", "iam_token"]},
        "folder_id": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{0,50}$"},
        "languages": {
            "type": "object",
            "propertyNames": {"pattern": r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$"},
            "additionalProperties": {"type": "string", "pattern": r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},
        },
        "topic": {"type": "string", "pattern": r"^[a-z][a-z0-9:_-]{0,40}$"},
    }

    # --- settings -------------------------------------------------------------------------------

    def lang(self, language: str) -> str:
        """The ``lang`` for ``language``: its ``languages`` entry (exact, then its base language),
        else `LANGUAGE_CODES`, else the code as given ("ru-RU"); "" for no language (Yandex's default)."""
        entries: Mapping[str, Any] = self.settings.get("languages") or {}
        by_code = {str(code).replace("_", "-").lower(): str(value) for code, value in entries.items()}
        code = language.strip().replace("_", "-")
        base = code.split("-")[0].lower()
        for candidate in (code.lower(), base):
            if candidate and by_code.get(candidate, "").strip():
                return by_code[candidate].strip()
        if "-" in code:
            parts = code.split("-")
            return f"{parts[0].lower()}-{parts[1].upper()}"
        return LANGUAGE_CODES.get(base, code)

    def _headers(self) -> dict[str, str]:
        return {**self.auth_header(), "Content-Type": "application/octet-stream"}

    def query(self, *, language: str, sent_as: str) -> dict[str, str]:
        """The query of one recognition (``sent_as``: ``oggopus`` or ``lpcm/<rate>``)."""
        params = {"topic": str(self.settings.get("topic") or "general")}
        lang = self.lang(language)
        if lang:
            params["lang"] = lang
        audio_format, _, rate = sent_as.partition("/")
        params["format"] = audio_format
        if rate:
            params["sampleRateHertz"] = rate
        if self.folder_id:
            params["folderId"] = self.folder_id
        return params

    # --- transcription --------------------------------------------------------------------------

    def prepare(self, data: bytes, *, extension: str) -> tuple[bytes, str]:
        """Ogg Opus as it is (``oggopus``); a 16-bit mono WAV at 8, 16 or 48 kHz as its samples;
        anything else converted to 16 kHz mono and sent as its samples (``lpcm/<rate>``)."""
        if sniff_audio(data) == "opus":
            return data, "oggopus"
        found = wav_format(data) if extension == "wav" else None
        if found is None or not found.is_pcm16() or found.rate not in LPCM_RATES:
            data = convert_audio_bytes(
                data, source=extension, target="wav", provider=self.name, rate=SEND_RATE, mono=True, which=self.which
            )
            found = wav_format(data)
        samples = wav_samples(data)
        if found is None or samples is None:
            raise PermanentError(
                "its converted sound has no samples; check that the sound file plays", provider=self.name
            )
        return samples, f"lpcm/{found.rate}"

    def transcribe(self, audio: bytes, *, extension: str, language: str, request: MediaRequest) -> str:
        return self._recognize(audio, sent_as=extension, language=language, timeout_s=self.timeout_s)

    def _recognize(self, audio: bytes, *, sent_as: str, language: str, timeout_s: float) -> str:
        response = self._http.send(
            "POST",
            f"{self.base_url}{RECOGNIZE_PATH}",
            timeout_s=timeout_s,
            params=self.query(language=language, sent_as=sent_as),
            headers=self._headers(),
            data=audio,
            error=lambda answer: self._api_error(answer, language=language),
            max_body_bytes=json_answer_limit(self.max_media_bytes),
        )
        body = json_body(response, provider=self.name, hint=f"check {self.setting_path('base_url')}")
        text = body.get("result") if isinstance(body, Mapping) else None
        if not isinstance(text, str):
            raise InvalidResponseError(
                f'answered without a transcript (no "result" in its JSON); check {self.setting_path("base_url")}',
                provider=self.name,
            )
        return text

    # --- errors ---------------------------------------------------------------------------------

    def _api_error(self, response: requests.Response, *, language: str) -> ProviderError:
        """The error for a non-2xx answer: the account's (`YandexCloudProvider.account_error`),
        else this language's or this sound's (see the module docstring)."""
        error, found = self.account_error(response)
        if found is not None:
            return found
        status, said = response.status_code, f"(HTTP {response.status_code}){quoted_excerpt(error.message)}"
        setting = self.setting_path()
        if status == 400 and _LANGUAGE.search(error.message):
            return PermanentError(
                f"Yandex SpeechKit refused the language {self.lang(language)!r} {said}. Map the rule's "
                f"language to a code it recognises in {setting}.languages, or use another transcription provider",
                provider=self.name,
            )
        if status == 400:
            return PermanentError(
                f"Yandex SpeechKit could not recognise this sound {said}. Check that the sound file plays "
                "and is under 30 seconds long",
                provider=self.name,
            )
        if status == 404:
            return address_error(
                response, provider=self.name, setting=f"{setting}.base_url", usual=f"Yandex's is {DEFAULT_BASE_URL}"
            )
        return failure(response, provider=self.name, message=error.message or None)

    # --- connection test ------------------------------------------------------------------------

    def test_connection(self) -> HealthReport:
        """Recognise half a second of silence (see the module docstring). Never raises."""
        return probe_health(self, self._recognize_silence)

    def _recognize_silence(self) -> str:
        samples = wav_samples(silent_wav()) or b""
        self._recognize(samples, sent_as=f"lpcm/{SEND_RATE}", language="ru", timeout_s=self.probe_timeout_s)
        return "Yandex SpeechKit answered (half a second of silence recognised; billed as one 15-second unit)"
