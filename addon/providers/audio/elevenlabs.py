"""``elevenlabs``: speech from ElevenLabs' text-to-speech API
(``POST {base_url}/v1/text-to-speech/{voice_id}?output_format=…``).

Wire format: ``../shared/provider_apis.md`` §5. The key goes in the ``xi-api-key`` header; the body
is JSON with ``text``, ``model_id`` and ``voice_settings`` (``stability``, ``similarity_boost``,
``speed``), plus ``language_code`` (ISO 639-1, from the request's language) only for the models
ElevenLabs documents as taking it, Turbo v2.5 and Flash v2.5 (`LANGUAGE_CODE_MODELS`): its API
reference says other models answer an error to it or ignore it (multilingual v2 "does not support"
it), so any other model (multilingual v1/v2, monolingual, turbo/flash v2, v3, a model this module
does not know) finds the language itself. The answer is the audio itself; its extension is what
the bytes really are (`sniff_audio`), not what was asked for. MP3 (``mp3_44100_128``) is asked
for by default: Anki plays it everywhere, phones included. Only formats the API's
``output_format`` lists are offered (MP3 and WAV; §5.2 and the SDK's current list); two need a
higher plan than the free one (`HIGHER_PLAN_FORMATS`: MP3 at 192 kbps Creator, WAV at 44.1 kHz
Pro), which config.md says beside the setting.

The voice is the target's voice ID for ``elevenlabs`` when the request names one
(`requested_voice`), else chosen per request language: ``voices`` maps a language ("pt-BR", or just
"pt") to a voice ID; languages without an entry use ``voice_id`` (a premade multilingual voice by
default, which speaks every language the model knows).

Errors (§5.5, the envelope ``{"detail": {"status", "message"}}``, FastAPI's ``{"detail": [{"loc",
"msg", "type"}]}`` for 422):

* 401 ``quota_exceeded`` → `QuotaError` (the credits are spent: never retried); 401
  ``missing_permissions`` → `AuthError` saying which permission the key needs; any other 401
  (``invalid_api_key``, ``needs_authorization``…) → `AuthError` naming the key setting;
* 429 (``too_many_concurrent_requests``, ``system_busy``) → `RateLimitError` with the server's
  ``Retry-After`` when it sends one; 5xx (also the bare ``{"status", "message"}`` body) →
  `TransientError`;
* 404 ``voice_not_found`` → `ConfigError` naming the voice ID and the setting it came from (a
  `PermanentError` naming the target's voice when it came from the request: other targets keep
  working); any other 404 → `ConfigError` about ``base_url``;
* 400 ``max_character_limit_exceeded`` → `PermanentError` for this text only; a model that does not
  exist (400 "A model with model ID … does not exist") → `ConfigError` naming ``model_id``; any other
  400 → `PermanentError` with the server's message;
* 422 → `PermanentError` with the field and the validation message; when the field comes from a
  setting (``output_format``, ``model_id``, ``voice_settings.*``) it is a `ConfigError` naming that
  setting, since no request can succeed until it is changed (for a format of `HIGHER_PLAN_FORMATS`
  it also names the plan the format needs).

A text with nothing to say (no letter or digit) is `NotFoundError` before any request, so the
rule's next provider may try and no credit is spent.

`fetch_voices` lists the account's voices (``GET {base_url}/v1/voices``, §5.8).

`test_connection` makes the cheapest call: ``GET {base_url}/v1/voices/{voice_id}`` (free; not in §5
of the spec, from ElevenLabs' SDK ``voices.get``). It checks the key and the default voice without
spending credits. Keys restricted to text to speech may not read voices: ElevenLabs then answers
401 ``missing_permissions``, which still proves the key is valid, so the report is healthy and says
the voice was not checked.

Thread safety: `generate` may run on several worker threads at once; each thread uses its own HTTP
session (`HttpClient`) and nothing else is shared or changed after ``__init__``.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import requests

from ...core.base.errors import (
    AuthError,
    ConfigError,
    NotFoundError,
    PermanentError,
    ProviderError,
    QuotaError,
    RateLimitError,
)
from ...core.media.checks import require_media, sniff_audio
from ...core.media.types import MediaKind, MediaRequest, MediaResult
from ...core.media.voice_choice import target_voice, valid_requested_voice
from ...core.media.voice_list import Voice
from ...core.provider_system.media_provider import AudioProvider, Capabilities, HealthReport, KeyUse
from ..http.client import address_error, failure, json_body, json_or_none
from ..http.health_probe import probe_health
from ..http.service import HttpProvider
from ..http.status import parse_retry_after, quoted_excerpt, server_excerpt, wait_text
from .voice_lists import elevenlabs_voices

DEFAULT_BASE_URL = "https://api.elevenlabs.io"
# "George", a premade voice every account has (the voice of provider_apis.md §5.7 and of the SDK's
# examples); the multilingual models speak every language they know with it.
DEFAULT_VOICE_ID = "JBFqnCBsd6RMkjVDRZzb"
DEFAULT_MODEL_ID = "eleven_multilingual_v2"
DEFAULT_OUTPUT_FORMAT = "mp3_44100_128"
DEFAULT_STABILITY = 0.5
DEFAULT_SIMILARITY_BOOST = 0.75
DEFAULT_SPEED = 1.0
VOICE_ID_PATTERN = r"^[A-Za-z0-9]{1,64}$"

# §5.2 and the API reference's current list (the SDK's ConvertTextToSpeechRequestOutputFormat). Raw
# PCM, µ-law and A-law have no container, and Opus could not be checked here: only MP3 and WAV are
# offered.
MP3_FORMATS = (
    "mp3_22050_32", "mp3_24000_48", "mp3_44100_32", "mp3_44100_64", "mp3_44100_96", "mp3_44100_128", "mp3_44100_192",
)  # fmt: skip
WAV_FORMATS = ("wav_8000", "wav_16000", "wav_22050", "wav_24000", "wav_32000", "wav_44100", "wav_48000")
OUTPUT_FORMATS = MP3_FORMATS + WAV_FORMATS
# Formats the free plan may not ask for, and the plan that may (the API reference: "MP3 with 192kbps
# bitrate requires you to be subscribed to Creator tier or above. PCM and WAV formats with 44.1kHz
# sample rate requires you to be subscribed to Pro tier or above").
HIGHER_PLAN_FORMATS: Mapping[str, str] = {"mp3_44100_192": "Creator", "wav_44100": "Pro"}

# The models ElevenLabs documents as taking language_code (§5.3 and the API reference); every other
# model gets none.
LANGUAGE_CODE_MODELS = frozenset({"eleven_turbo_v2_5", "eleven_flash_v2_5"})
_KEYS_URL = "https://elevenlabs.io/app/settings/api-keys"
_SUBSCRIPTION_URL = "https://elevenlabs.io/app/subscription"
_VOICES_URL = "https://elevenlabs.io/app/voice-library"
# 422 fields that come from settings: (location…) → the setting to change.
_SETTING_FIELDS: Mapping[tuple[str, ...], str] = {
    ("query", "output_format"): "output_format",
    ("body", "model_id"): "model_id",
    ("body", "voice_settings", "stability"): "stability",
    ("body", "voice_settings", "similarity_boost"): "similarity_boost",
    ("body", "voice_settings", "speed"): "speed",
}


@dataclass(frozen=True)
class ApiError:
    """What an ElevenLabs error body says (§5.5); empty strings where it said nothing.

    ``fields`` holds the 422 validation entries as (location, message) pairs.
    """

    status: str = ""
    message: str = ""
    fields: tuple[tuple[tuple[str, ...], str], ...] = ()

    @classmethod
    def of(cls, response: requests.Response) -> ApiError:
        body = json_or_none(response)
        if not isinstance(body, Mapping):
            return cls()
        detail = body.get("detail", body)  # 5xx bodies come without the "detail" wrapper
        if isinstance(detail, str):
            return cls(message=detail)
        if isinstance(detail, list):
            return cls(fields=tuple(_validation_entry(entry) for entry in detail if isinstance(entry, Mapping)))
        if isinstance(detail, Mapping):
            status, message = detail.get("status"), detail.get("message")
            return cls(
                status=status if isinstance(status, str) else "",
                message=message if isinstance(message, str) else "",
            )
        return cls()

    def field_text(self) -> str:
        """The 422 entries as "body.text: field required; …"."""
        return "; ".join(f"{'.'.join(loc) or 'request'}: {msg}" for loc, msg in self.fields[:3])


def _validation_entry(entry: Mapping[str, Any]) -> tuple[tuple[str, ...], str]:
    loc = entry.get("loc")
    parts = tuple(str(part) for part in loc) if isinstance(loc, list) else ()
    msg = entry.get("msg")
    return parts, msg if isinstance(msg, str) else "invalid value"


@dataclass(frozen=True)
class VoiceChoice:
    """The voice for a request and the setting it came from (for messages); ``requested`` when it
    is the target's voice."""

    voice_id: str
    setting: str
    requested: bool = False


class ElevenLabsSpeech(HttpProvider, AudioProvider):
    name = "elevenlabs"
    title = "ElevenLabs"
    default_base_url = DEFAULT_BASE_URL
    description = "Natural AI speech from ElevenLabs (many languages and voices; needs an API key, paid per character)."
    capabilities = Capabilities(key=KeyUse.REQUIRED, http=True)
    default_max_concurrency = 2
    priority = 200
    probe_timeout_cap_s = 15.0
    settings_schema: ClassVar[Mapping[str, Any]] = {
        "voice_id": {"type": "string", "pattern": VOICE_ID_PATTERN},
        "voices": {
            "type": "object",
            "propertyNames": {"pattern": r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{1,8})*$"},
            "additionalProperties": {"type": "string", "pattern": VOICE_ID_PATTERN},
        },
        "model_id": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"},
        "output_format": {"enum": list(OUTPUT_FORMATS)},
        "stability": {"type": "number", "minimum": 0, "maximum": 1},
        "similarity_boost": {"type": "number", "minimum": 0, "maximum": 1},
        "speed": {"type": "number", "minimum": 0.7, "maximum": 1.2},
    }

    # --- settings -------------------------------------------------------------------------------

    @property
    def model_id(self) -> str:
        return str(self.settings.get("model_id") or DEFAULT_MODEL_ID).strip()

    @property
    def output_format(self) -> str:
        return str(self.settings.get("output_format") or DEFAULT_OUTPUT_FORMAT).strip()

    @property
    def default_voice_id(self) -> str:
        return str(self.settings.get("voice_id") or DEFAULT_VOICE_ID).strip()

    def voice_for(self, language: str, *, requested: str | None = None) -> VoiceChoice:
        """The voice for ``language``: ``requested`` (the target's voice ID), else ``voices`` by the
        whole tag ("pt-BR", any case, "_" or "-"), then by its language ("pt"), else ``voice_id``."""
        if requested:
            return VoiceChoice(requested, target_voice(self.name), requested=True)
        voices = self.settings.get("voices") or {}
        by_tag = {_normal_tag(str(tag)): (str(tag), str(voice)) for tag, voice in voices.items() if voice}
        tag = _normal_tag(language)
        for candidate in (tag, tag.split("-")[0]):
            if candidate and candidate in by_tag:
                written, voice = by_tag[candidate]
                return VoiceChoice(voice.strip(), f"{self.setting_path()}.voices[{written!r}]")
        return VoiceChoice(self.default_voice_id, f"{self.setting_path()}.voice_id")

    def language_code(self, language: str) -> str | None:
        """The ISO 639-1 code sent as ``language_code``, or None (no code, or a model that takes none)."""
        if self.model_id.lower() not in LANGUAGE_CODE_MODELS:
            return None
        primary = _normal_tag(language).split("-")[0]
        return primary if len(primary) == 2 and primary.isalpha() else None

    def request_body(self, text: str, *, language: str) -> dict[str, Any]:
        """The JSON body of one speech request under the current settings."""
        body: dict[str, Any] = {
            "text": text,
            "model_id": self.model_id,
            "voice_settings": {
                "stability": float(self.settings.get("stability", DEFAULT_STABILITY)),
                "similarity_boost": float(self.settings.get("similarity_boost", DEFAULT_SIMILARITY_BOOST)),
                "speed": float(self.settings.get("speed", DEFAULT_SPEED)),
            },
        }
        code = self.language_code(language)
        if code is not None:
            body["language_code"] = code
        return body

    def _headers(self, *, accept: str) -> dict[str, str]:
        return {"xi-api-key": self.api_key, "Accept": accept}

    def _expected_extension(self) -> str:
        return "wav" if self.output_format.startswith("wav_") else "mp3"

    # --- generation -----------------------------------------------------------------------------

    def generate(self, request: MediaRequest) -> MediaResult:
        """Speech for ``request.text`` in ``request.language``. Blocks on the network: call it from
        a worker thread. Raises a `ProviderError` subclass as the module docstring says."""
        text = request.text.strip()
        if not any(ch.isalnum() for ch in text):
            raise NotFoundError("there is no text to speak (no letters or digits)", provider=self.name)
        requested = valid_requested_voice(
            request, self.name, pattern=VOICE_ID_PATTERN, what="an ElevenLabs voice ID (letters and digits)"
        )
        voice = self.voice_for(request.language, requested=requested)
        started = time.monotonic()
        response = self._http.send(
            "POST",
            f"{self.base_url}/v1/text-to-speech/{urllib.parse.quote(voice.voice_id, safe='')}",
            timeout_s=self.timeout_s,
            params={"output_format": self.output_format},
            headers={**self._headers(accept="audio/*"), "Content-Type": "application/json"},
            json=self.request_body(text, language=request.language),
            max_body_bytes=self.max_media_bytes,
            error=lambda answer: self._api_error(answer, voice=voice),
        )
        data = response.content
        extension = sniff_audio(data) or self._expected_extension()
        require_media(MediaKind.AUDIO, data, extension=extension, provider=self.name)
        return self.result(request, data=data, extension=extension, started=started)

    # --- errors ---------------------------------------------------------------------------------

    def _api_error(self, response: requests.Response, *, voice: VoiceChoice | None) -> ProviderError:
        """The error for a non-2xx answer, read from ElevenLabs' error body (§5.5)."""
        status = response.status_code
        error = ApiError.of(response)
        quoted = quoted_excerpt(error.message)
        label = f"HTTP {status}"
        path = self.setting_path()
        if status == 401:
            if error.status == "quota_exceeded":
                return QuotaError(
                    f"the ElevenLabs account has not enough credits left for this text ({label}){quoted}. "
                    f"Wait for the monthly reset or change the plan at {_SUBSCRIPTION_URL}",
                    provider=self.name,
                )
            if error.status == "missing_permissions":
                return AuthError(
                    f"the ElevenLabs API key lacks a permission this needs ({label}){quoted}. Give the key "
                    f"'Text to Speech' access at {_KEYS_URL}, or use another key in {path}.api_key",
                    provider=self.name,
                )
            return AuthError(
                f"ElevenLabs refused the API key ({label}){quoted}. Check {path}.api_key (or api_key_env); "
                f"keys are made at {_KEYS_URL}",
                provider=self.name,
            )
        if status == 429:
            retry_after = parse_retry_after(response.headers)
            wait = wait_text(retry_after)
            advice = (
                f". Lower {path}.max_concurrency to the plan's limit"
                if error.status == "too_many_concurrent_requests"
                else ""
            )
            return RateLimitError(
                f"ElevenLabs is busy or got too many requests at once ({label}){wait}{quoted}{advice}",
                provider=self.name,
                retry_after=retry_after,
            )
        if status == 404:
            if error.status == "voice_not_found" and voice is not None:
                # A target's voice is wrong for that target only; a setting's for every request.
                kind = PermanentError if voice.requested else ConfigError
                return kind(
                    f"ElevenLabs has no voice with the ID {voice.voice_id!r} for this account ({label}){quoted}. "
                    f"Set {voice.setting} to a voice ID from {_VOICES_URL} (a voice's menu → Copy voice ID)",
                    provider=self.name,
                )
            return address_error(
                response,
                provider=self.name,
                setting=f"{path}.base_url",
                usual=f"ElevenLabs' is {DEFAULT_BASE_URL}",
                said=quoted,
            )
        if status == 400:
            if error.status == "model_not_found" or error.message.startswith("A model with model ID"):
                return ConfigError(
                    f"ElevenLabs has no model {self.model_id!r} ({label}){quoted}. Set {path}.model_id to a "
                    f"text-to-speech model such as {DEFAULT_MODEL_ID} or eleven_flash_v2_5",
                    provider=self.name,
                )
            if error.status == "max_character_limit_exceeded":
                return PermanentError(
                    f"the text is longer than the model accepts ({label}){quoted}. Shorten the note's text",
                    provider=self.name,
                )
            return PermanentError(f"ElevenLabs rejected the request ({label}){quoted}", provider=self.name)
        if status == 422:
            return self._validation_error(error, label=label)
        return failure(response, provider=self.name, message=error.message or None)

    def _validation_error(self, error: ApiError, *, label: str) -> ProviderError:
        fields = error.field_text() or error.message or "the request is not valid"
        for loc, _ in error.fields:
            setting = _SETTING_FIELDS.get(loc)
            if setting is not None:
                return ConfigError(
                    f"ElevenLabs refused the setting {setting} ({label}): {server_excerpt(fields)}. "
                    f"Change {self.setting_path()}.{setting}{self._plan_note(setting)}",
                    provider=self.name,
                )
        return PermanentError(
            f"ElevenLabs rejected the request ({label}): {server_excerpt(fields)}", provider=self.name
        )

    def _plan_note(self, setting: str) -> str:
        """For the ``output_format`` setting naming a format the free plan may not use: which plan
        it needs (`HIGHER_PLAN_FORMATS`); else nothing."""
        plan = HIGHER_PLAN_FORMATS.get(self.output_format) if setting == "output_format" else None
        if plan is None:
            return ""
        return f" ({self.output_format} needs the {plan} plan or higher; {DEFAULT_OUTPUT_FORMAT} works on every plan)"

    def fetch_voices(self) -> list[Voice]:
        """The account's voices (``GET {base_url}/v1/voices``); blocks on the network."""
        headers = self._headers(accept="application/json")
        body = self.get_json(f"{self.base_url}/v1/voices", headers=headers, error=self._voices_error)
        return elevenlabs_voices(body, provider=self.name)

    def _voices_error(self, response: requests.Response) -> ProviderError:
        if response.status_code == 401 and ApiError.of(response).status == "missing_permissions":
            return AuthError(
                f"the ElevenLabs API key may not read voices (voices_read). Give the key 'Voices' read access at "
                f"{_KEYS_URL}, or use another key in {self.setting_path('api_key')}",
                provider=self.name,
            )
        return self._api_error(response, voice=None)

    # --- health ---------------------------------------------------------------------------------

    def test_connection(self) -> HealthReport:
        """Look the default voice up (``GET {base_url}/v1/voices/{voice_id}``): checks the server,
        the key and the voice without spending credits. Never raises for a failure."""
        return probe_health(self, self._check_voice)

    def _check_voice(self) -> str:
        voice = VoiceChoice(self.default_voice_id, f"{self.setting_path()}.voice_id")
        response = self.probe_get(
            f"{self.base_url}/v1/voices/{urllib.parse.quote(voice.voice_id, safe='')}",
            headers=self._headers(accept="application/json"),
        )
        if response.status_code == 401 and ApiError.of(response).status == "missing_permissions":
            return (
                f"the key is accepted; it may not read voices (voices_read), so the voice {voice.voice_id} "
                "was not checked"
            )
        if not 200 <= response.status_code < 300:
            raise self._api_error(response, voice=voice)
        body = json_body(response, provider=self.name, hint="check base_url")
        name = body.get("name") if isinstance(body, Mapping) else None
        shown = f"{name} ({voice.voice_id})" if isinstance(name, str) and name else voice.voice_id
        return f"the voice {shown} is available"


def _normal_tag(language: str) -> str:
    return language.strip().replace("_", "-").lower()
