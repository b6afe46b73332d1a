"""``yandex_tts``: speech from Yandex SpeechKit: API v1 (``POST {base_url}/speech/v1/tts:synthesize``)
for the voices it serves, API v3 (``POST {base_url}/tts/v3/utteranceSynthesis``, `yandex_v3`) for the
others.

Wire format (Yandex Cloud's documentation; ``../shared/provider_apis.md`` has no section on it, the
sources are listed in ``tests/fakes/yandex_tts_fake.py``): a form-encoded body with ``text`` (at most
5,000 characters; the whole body at most 15 KB, both checked before sending), ``lang``, ``voice``,
``emotion`` (Russian voices only), ``speed``, ``format`` (``mp3`` by default here: Anki plays it
everywhere; ``oggopus`` is the API's own default; ``lpcm`` is raw samples without a header, which no
player opens, so it is not offered) and ``folderId``. Authentication: ``Authorization: Api-Key <key>``
(a service account's API key, the default ``auth``) or ``Authorization: Bearer <IAM token>`` (``auth``
``iam_token``; a user account's token needs ``folder_id``, and IAM tokens last at most 12 hours).
The answer is the audio file itself; its extension follows the bytes that came.

Voices: the target's voice for ``yandex_tts`` when the request names one (`requested_voice`); else
``voices`` maps a language (``ru``, ``en``…, or ``pt-BR`` style) to a Yandex voice. API v1 serves
the voices of `VOICE_LANGUAGES` (Russian, English, German, Kazakh, Uzbek; Yandex's voice list marks
which voices API v1 has) and stays their API; every other voice (Hebrew ``naomi``, the newer
Russian, Kazakh and Uzbek voices, a voice this module does not know) is API v3 only, so it goes
through API v3, where the language follows the voice and the emotion is the ``role`` hint. A
language without a voice is "nothing here" (`NotFoundError`, before any request), so the rule's next
provider speaks it. The ``lang`` sent to API v1 is the voice's own language.

Errors come as ``{"error_code", "error_message"}`` with the gRPC status inside the message
(``rpc error: code = Unauthenticated desc = …``; API v3's REST gateway: ``{"error": {"message"}}``),
read the same way for both APIs:

* 400 about a voice, language, role, speed or format → `ConfigError` naming the setting (about the
  target's voice: `PermanentError` naming it, other targets keep working); about the
  folder (``folderId`` of another folder than the service account's) → `ConfigError` naming
  ``folder_id``; any other 400 → `PermanentError` with the server's words;
* 401 → `AuthError` (a user's IAM token without ``folderId`` → `ConfigError` naming ``folder_id``);
* 403 → `AuthError` (no SpeechKit role in the folder); a cloud suspended for its balance (any of
  402/403/429 saying the cloud is inactive, blocked or unpaid) → `QuotaError`, never retried;
* 429 (the folder's requests-per-second quota) → `RateLimitError` with ``Retry-After`` when sent;
  5xx → `TransientError`; 404 → `ConfigError` about ``base_url``.

`fetch_voices` is the list of voices Yandex documents for API v1 (`VOICE_LANGUAGES`; no request).

`test_connection`: API v1 has no free call (no voice list, no key check), so it synthesizes the
one character "1", billed as one character (about a thousandth of a US cent).

Thread safety: `generate` may run on several worker threads at once; each thread uses its own HTTP
session (`HttpClient`) and nothing else is shared or changed after ``__init__``.
"""

from __future__ import annotations

import re
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any, ClassVar

import requests

from ...core.base.errors import ConfigError, NotFoundError, PermanentError, ProviderError
from ...core.media.checks import require_audio, sniff_audio
from ...core.media.types import MediaRequest, MediaResult
from ...core.media.voice_choice import target_voice, valid_requested_voice
from ...core.media.voice_list import Voice
from ...core.provider_system.media_provider import AudioProvider, HealthReport
from ..http.client import address_error, failure, json_answer_limit
from ..http.health_probe import probe_health
from ..http.status import quoted_excerpt
from ..yandex_cloud import YandexCloudProvider
from .speech import text_to_speak
from .voice_lists import yandex_voices
from .yandex_v3 import V3_PATH, v3_audio, v3_body, v3_headers

DEFAULT_BASE_URL = "https://tts.api.cloud.yandex.net"
SYNTHESIZE_PATH = "/speech/v1/tts:synthesize"
MAX_TEXT_CHARS = 5000
MAX_BODY_BYTES = 15 * 1024
HEALTH_CHECK_TEXT = "1"

DEFAULT_VOICES: Mapping[str, str] = {
    "ru": "alena", "en": "john", "de": "lea", "kk": "madi", "uz": "nigora", "he": "naomi",
}  # fmt: skip
DEFAULT_OUTPUT_FORMAT = "mp3"
DEFAULT_SPEED = 1.0
VOICE_PATTERN = r"^[A-Za-z0-9_]{1,64}$"
# What each output format is called as a file, when the bytes cannot say.
_FORMAT_EXTENSIONS = {"mp3": "mp3", "oggopus": "opus"}

# The voices API v1 serves and their language (speechkit/tts/voices.md); any other voice goes
# through API v3.
VOICE_LANGUAGES: Mapping[str, str] = {
    "lea": "de-DE",
    "john": "en-US",
    "amira": "kk-KK",
    "madi": "kk-KK",
    "alena": "ru-RU",
    "filipp": "ru-RU",
    "ermil": "ru-RU",
    "jane": "ru-RU",
    "omazh": "ru-RU",
    "zahar": "ru-RU",
    "marina": "ru-RU",
    "madi_ru": "ru-RU",
    "nigora": "uz-UZ",
}
# The language code sent for a voice not in the table above (a newer or a custom voice).
LANGUAGE_CODES: Mapping[str, str] = {
    "ru": "ru-RU",
    "en": "en-US",
    "de": "de-DE",
    "kk": "kk-KK",
    "uz": "uz-UZ",
    "he": "he-IL",
    "tr": "tr-TR",
}

# Words of a 400 that point at one of the provider's own settings.
_SETTING_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(role|emotion)\b", re.IGNORECASE), "emotion"),
    (re.compile(r"\b(voice|lang|language)\b", re.IGNORECASE), "voices"),
    (re.compile(r"\bspeed\b", re.IGNORECASE), "speed"),
    (re.compile(r"\b(format|sampleRateHertz)\b", re.IGNORECASE), "output_format"),
)


class YandexSpeech(YandexCloudProvider, AudioProvider):
    name = "yandex_tts"
    title = "Yandex SpeechKit"
    default_base_url = DEFAULT_BASE_URL
    description = (
        "Natural speech from Yandex SpeechKit (Russian, English, German, Kazakh, Uzbek, Hebrew; needs a Yandex "
        "Cloud API key, paid per character)."
    )
    speechkit_role = "ai.speechkit-tts.user"
    settings_not_changing_output: ClassVar[frozenset[str]] = frozenset(
        {"batch_size", "user_agent", "auth", "folder_id"}
    )
    settings_schema: ClassVar[Mapping[str, Any]] = {
        "auth": {"enum": ["api_key", "iam_token"]},
        "folder_id": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{0,50}$"},
        "voices": {
            "type": "object",
            "propertyNames": {"pattern": r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$"},
            "additionalProperties": {"type": "string", "pattern": VOICE_PATTERN},
        },
        "emotion": {"enum": ["", "neutral", "good", "evil", "friendly", "strict", "whisper"]},
        "speed": {"type": "number", "minimum": 0.1, "maximum": 3.0},
        "output_format": {"enum": ["mp3", "oggopus"]},
    }

    # --- settings -------------------------------------------------------------------------------

    @property
    def output_format(self) -> str:
        value = str(self.settings.get("output_format") or DEFAULT_OUTPUT_FORMAT)
        return value if value in _FORMAT_EXTENSIONS else DEFAULT_OUTPUT_FORMAT

    def voices(self) -> dict[str, str]:
        configured = self.settings.get("voices")
        voices = DEFAULT_VOICES if configured is None else configured
        return {str(lang).lower().replace("_", "-"): str(voice) for lang, voice in voices.items() if voice}

    def voice_for(self, language: str, *, requested: str | None = None) -> tuple[str, str | None]:
        """The voice and the ``lang`` code (None: not sent) for a request's language: ``requested``
        (the target's voice), else the ``voices`` entry; raises `NotFoundError` when there is none."""
        wanted = (language or "en").strip().lower().replace("_", "-")
        base = wanted.split("-")[0]
        voices = self.voices()
        voice = requested or voices.get(wanted) or voices.get(base)
        if not voice:
            raise NotFoundError(
                f"has no voice for the language {language or 'en'!r} (Yandex SpeechKit speaks Russian, English, "
                f"German, Kazakh, Uzbek and Hebrew); add one to {self.setting_path()}.voices or let another provider "
                "speak it",
                provider=self.name,
            )
        if voice in VOICE_LANGUAGES:
            return voice, VOICE_LANGUAGES[voice]
        if base in LANGUAGE_CODES:
            return voice, LANGUAGE_CODES[base]
        region = wanted.split("-")[1] if "-" in wanted else ""
        return voice, f"{base}-{region.upper()}" if region else None

    def fetch_voices(self) -> list[Voice]:
        """The voices Yandex documents for API v1, with their language and gender; asks nothing."""
        return yandex_voices(VOICE_LANGUAGES, provider=self.name)

    def form_fields(self, text: str, language: str, *, voice: str | None = None) -> dict[str, str]:
        """The form fields of one synthesis of ``text`` in ``language`` under the current settings
        (``voice``: the target's voice, before ``voices``)."""
        voice, lang = self.voice_for(language, requested=voice)
        fields = {"text": text}
        if lang:
            fields["lang"] = lang
        fields["voice"] = voice
        emotion = str(self.settings.get("emotion") or "")
        if emotion and lang == "ru-RU":  # roles exist for Russian voices only
            fields["emotion"] = emotion
        fields["speed"] = str(round(float(self.settings.get("speed", DEFAULT_SPEED)), 2))
        fields["format"] = self.output_format
        if self.folder_id:
            fields["folderId"] = self.folder_id
        return fields

    def _headers(self) -> dict[str, str]:
        return self.auth_header()

    # --- generation -----------------------------------------------------------------------------

    def generate(self, request: MediaRequest) -> MediaResult:
        """Speech for ``request.text`` in ``request.language``. Blocks on the network: call it from
        a worker thread. Raises a `ProviderError` subclass as the module docstring says."""
        text = text_to_speak(request.text, provider=self.name)
        requested = valid_requested_voice(
            request, self.name, pattern=VOICE_PATTERN, what="a Yandex voice name like alena"
        )
        started = time.monotonic()
        data, extension = self._synthesize(text, request.language, timeout_s=self.timeout_s, voice=requested)
        return self.result(request, data=data, extension=extension, started=started)

    def _synthesize(self, text: str, language: str, *, timeout_s: float, voice: str | None = None) -> tuple[bytes, str]:
        """One synthesis (``voice``: the target's voice, if any): the audio bytes and their real
        extension."""
        if len(text) > MAX_TEXT_CHARS:
            raise PermanentError(
                f"the text is {len(text):,} characters long; Yandex SpeechKit speaks at most {MAX_TEXT_CHARS:,} "
                "at once. Shorten the note's text",
                provider=self.name,
            )
        voice_name, lang = self.voice_for(language, requested=voice)
        if voice_name in VOICE_LANGUAGES:
            data = self._synthesize_v1(text, language, timeout_s=timeout_s, voice=voice)
        else:
            data = self._synthesize_v3(text, voice_name, lang, timeout_s=timeout_s, requested=voice is not None)
        extension = sniff_audio(data) or _FORMAT_EXTENSIONS[self.output_format]
        require_audio(data, expected=extension, provider=self.name)
        return data, extension

    def _synthesize_v1(self, text: str, language: str, *, timeout_s: float, voice: str | None) -> bytes:
        """One API v1 synthesis (a form; a voice of `VOICE_LANGUAGES`): the audio bytes."""
        fields = self.form_fields(text, language, voice=voice)
        size = len(urllib.parse.urlencode(fields))
        if size > MAX_BODY_BYTES:
            raise PermanentError(
                f"the text is too long for one request: encoded it takes {size:,} bytes and Yandex SpeechKit "
                f"takes at most {MAX_BODY_BYTES:,} (about 2,500 Cyrillic characters). Shorten the note's text",
                provider=self.name,
            )
        response = self._http.send(
            "POST",
            f"{self.base_url}{SYNTHESIZE_PATH}",
            timeout_s=timeout_s,
            headers=self._headers(),
            data=fields,
            max_body_bytes=self.max_media_bytes,
            error=lambda answer: self._api_error(answer, requested=voice is not None),
        )
        return response.content

    def _synthesize_v3(self, text: str, voice: str, lang: str | None, *, timeout_s: float, requested: bool) -> bytes:
        """One API v3 synthesis (JSON, `yandex_v3`) of ``text`` with ``voice``, a voice API v1 does
        not serve: the audio chunks joined. The emotion goes as the ``role`` hint, for Russian only."""
        emotion = str(self.settings.get("emotion") or "")
        body = v3_body(
            text,
            voice=voice,
            role=emotion if emotion and lang == "ru-RU" else None,
            speed=float(self.settings.get("speed", DEFAULT_SPEED)),
            output_format=self.output_format,
        )
        response = self._http.send(
            "POST",
            f"{self.base_url}{V3_PATH}",
            timeout_s=timeout_s,
            headers=v3_headers(authorization=self._headers()["Authorization"], folder_id=self.folder_id),
            json=body,
            max_body_bytes=json_answer_limit(self.max_media_bytes),
            error=lambda answer: self._api_error(answer, requested=requested),
        )
        return v3_audio(response.text, provider=self.name)

    # --- errors ---------------------------------------------------------------------------------

    def _api_error(self, response: requests.Response, *, requested: bool = False) -> ProviderError:
        """The error for a non-2xx answer, read from Yandex's error envelope; ``requested``: the
        request named the target's voice."""
        status = response.status_code
        error, found = self.account_error(response)
        if found is not None:
            return found
        quoted = quoted_excerpt(error.message)
        label = f"HTTP {status}"
        setting = self.setting_path()
        if status == 400:
            for pattern, key in _SETTING_WORDS:
                if pattern.search(error.message) and requested and key == "voices":
                    return PermanentError(
                        f"Yandex SpeechKit refused the voice or language ({label}){quoted}. "
                        f"Check {target_voice(self.name)}",
                        provider=self.name,
                    )
                if pattern.search(error.message):
                    return ConfigError(
                        f"Yandex SpeechKit refused the request's settings ({label}){quoted}. Check {setting}.{key}",
                        provider=self.name,
                    )
            return PermanentError(f"Yandex SpeechKit refused this text ({label}){quoted}", provider=self.name)
        if status == 404:
            return address_error(
                response, provider=self.name, setting=f"{setting}.base_url", usual=f"Yandex's is {DEFAULT_BASE_URL}"
            )
        return failure(response, provider=self.name, message=error.message or None)

    # --- health ---------------------------------------------------------------------------------

    def test_connection(self) -> HealthReport:
        """Synthesize the single character "1" (API v1 has no free call): checks the server, the
        credentials, the folder and the Russian (else the first configured) voice; billed as one
        character. Never raises for a failure."""
        return probe_health(self, self._speak_one_character)

    def _speak_one_character(self) -> str:
        voices = self.voices()
        language = "ru" if "ru" in voices else next(iter(voices), "ru")
        voice, _ = self.voice_for(language)
        _, extension = self._synthesize(HEALTH_CHECK_TEXT, language, timeout_s=self.probe_timeout_s)
        return f"spoke a one-character test with the voice {voice} ({extension}; billed as 1 character)"
