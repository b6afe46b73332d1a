"""``openai_tts``: speech from OpenAI's text-to-speech API (``POST {base_url}/audio/speech``), or from
a server that speaks the same API (set ``base_url``).

Wire format: ``../shared/provider_apis.md`` §2. The JSON body names ``model``, ``input`` (the note's
text, at most `MAX_INPUT_CHARS` characters, checked before anything is sent) and ``voice`` (the
target's voice for ``openai_tts`` when the request names one (`requested_voice`), else the ``voices``
entry of the request's language, else ``voice``; a custom voice ID ``voice_…`` is sent as
``{"id": …}``); ``response_format`` (MP3 unless set: Anki plays it everywhere), ``speed`` when it is
not 1, and ``instructions`` (with ``{language}`` replaced by the language's name) only for models
that take them (not ``tts-1`` / ``tts-1-hd``, §2.2). The answer's body is the raw audio: it is
returned exactly as it came, and its real format, sniffed from the bytes, must be the one asked for
(the server's Content-Type is not trusted, §2.3); anything else — an HTML page, WAV when MP3 was
asked, a body cut short — is an `InvalidResponseError` and nothing is saved.

Errors (§2.4, the envelope and cases of §1.4-1.5):

* 400/404 about the model (``model_not_found`` or ``param: model``) → `ConfigError` naming
  ``model``; a 400 about ``response_format``, ``speed`` or ``instructions`` → `ConfigError` naming
  that setting; about ``voice`` → `ConfigError` naming ``voice``, or a `PermanentError` naming the
  ``voices`` entry or the target's voice when the voice came from there (other languages and
  targets keep working); any other 400
  (e.g. about ``input``) → `PermanentError` with the server's message;
* 401 → `AuthError`; 403 → `AuthError` with the server's words (a restricted key, a project
  without the model, a country OpenAI does not serve);
* 429 ``insufficient_quota`` → `QuotaError` (never retried); any other 429 → `RateLimitError`
  with the server's ``retry-after-ms`` / ``Retry-After``; 5xx → `TransientError`;
* 404 without ``model_not_found`` → `ConfigError` about ``base_url`` (speech has no "nothing
  found" answer: every text can be spoken, so this provider never raises `NotFoundError`).

`fetch_voices` is OpenAI's documented list of built-in voices of the ``model`` (§2.2; no request).

`test_connection` makes the cheapest call the API has: ``GET {base_url}/models/{model}`` (free;
OpenAI's "retrieve model", documented in its OpenAPI file), which checks the server, the key and the
model without paying for speech.

Thread safety: `generate` may run on several worker threads at once; each thread uses its own HTTP
session (`HttpClient`) and nothing else is shared or changed after ``__init__``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

import requests

from ...core.base.errors import AuthError, ConfigError, PermanentError, ProviderError, QuotaError
from ...core.media.checks import require_media, sniff_audio
from ...core.media.types import MediaKind, MediaRequest, MediaResult
from ...core.media.voice_choice import VOICE_OPTION, requested_voice, target_voice, valid_requested_voice
from ...core.media.voice_list import Voice
from ...core.provider_system.media_provider import AudioProvider
from ...core.text.languages import ENGLISH_NAMES
from ..openai_api import MODEL_SCHEMA, ApiError, OpenAIProvider
from .speech import text_to_speak
from .voice_lists import openai_voices

# §2.2: the current TTS model (its 2025-03-20 snapshot is gone, §2.5); a setting, this is only the
# fallback when the config names none.
DEFAULT_MODEL = "gpt-4o-mini-tts"
# §2.2: a built-in voice every model has, tts-1 included.
DEFAULT_VOICE = "coral"
DEFAULT_RESPONSE_FORMAT = "mp3"
DEFAULT_SPEED = 1.0
DEFAULT_INSTRUCTIONS = (
    "Say the text clearly, at a calm and natural pace, as a native speaker of {language} would say it to a learner."
)
# §2.2: ``input`` and ``instructions`` are at most 4096 characters each.
MAX_INPUT_CHARS = 4096
MAX_INSTRUCTIONS_CHARS = 4096
# The formats of §2.2 whose bytes can be checked and that Anki plays: ``aac`` (bare ADTS frames) and
# ``pcm`` (samples without a header) are neither, so they are not offered.
RESPONSE_FORMATS = ("mp3", "opus", "flac", "wav")
# §2.2: models that refuse (or ignore) ``instructions``.
_NO_INSTRUCTIONS_PREFIXES = ("tts-1",)
# §2.2: the built-in voices every speech model has (tts-1 included), offered to choose among.
BUILT_IN_VOICES = ("alloy", "ash", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer")
# A custom voice is sent as {"id": ...} (§2.2).
_CUSTOM_VOICE_PREFIX = "voice_"
# What the ``voice`` setting (and a target's voice) may be: a name or ID without spaces.
VOICE_PATTERN = r"^\S{1,200}$"


def takes_instructions(model: str) -> bool:
    """Whether ``model`` accepts ``instructions`` (every model but ``tts-1`` and ``tts-1-hd``, §2.2)."""
    return not model.strip().lower().startswith(_NO_INSTRUCTIONS_PREFIXES)


def language_name(language: str) -> str:
    """The English name (`ENGLISH_NAMES`) of a language code for ``instructions``: "German" for "de",
    "Portuguese (pt-BR)" for "pt-BR", the code itself when unknown (the model understands "pt-BR"
    too), and "the language of the text" for ""."""
    code = language.strip().replace("_", "-")
    if not code:
        return "the language of the text"
    base = code.split("-")[0].lower()
    name = ENGLISH_NAMES.get(base)
    if name is None:
        return code
    return name if base == code.lower() else f"{name} ({code})"


class OpenAISpeech(OpenAIProvider, AudioProvider):
    name = "openai_tts"
    title = "OpenAI (speech)"
    default_model = DEFAULT_MODEL
    model_kind = "text-to-speech model"
    model_advice = f"a current one, e.g. {DEFAULT_MODEL!r}"
    setting_params: ClassVar[Mapping[str, str]] = {
        "response_format": "response_format",
        "speed": "speed",
        "instructions": "instructions",
    }
    description = "Natural speech from OpenAI's text-to-speech API (many languages; needs an API key, paid per use)."
    default_max_concurrency = 3
    priority = 300
    settings_schema: ClassVar[Mapping[str, Any]] = {
        "model": MODEL_SCHEMA,
        "voice": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"^\S+$"},
        "voices": {
            "type": "object",
            "propertyNames": {"pattern": r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$"},
            "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"^\S+$"},
        },
        "response_format": {"enum": list(RESPONSE_FORMATS)},
        "instructions": {"type": "string", "maxLength": MAX_INSTRUCTIONS_CHARS},
        "speed": {"type": "number", "minimum": 0.25, "maximum": 4.0},
    }

    # --- settings -------------------------------------------------------------------------------

    @property
    def response_format(self) -> str:
        return str(self.settings.get("response_format") or DEFAULT_RESPONSE_FORMAT).strip().lower()

    def voice_for(self, language: str, *, requested: str | None = None) -> tuple[str, str]:
        """The voice for ``language`` and the setting it came from: ``requested`` (the target's
        voice, `requested_voice`; its setting is ""), else the ``voices`` entry of the language
        (exact, then its base language: "pt-BR", then "pt"), else ``voice``."""
        if requested:
            return requested, ""
        voices: Mapping[str, Any] = self.settings.get("voices") or {}
        by_code = {str(code).replace("_", "-").lower(): (str(code), str(voice)) for code, voice in voices.items()}
        code = language.strip().replace("_", "-").lower()
        for candidate in (code, code.split("-")[0]):
            if candidate and candidate in by_code and by_code[candidate][1].strip():
                key, voice = by_code[candidate]
                return voice.strip(), f"voices.{key}"
        return str(self.settings.get("voice") or DEFAULT_VOICE).strip(), "voice"

    def voice_choices(self, language: str) -> list[str]:
        """The voice `generate` uses for ``language``, then the other built-in voices."""
        return list(dict.fromkeys((self.voice_for(language)[0], *BUILT_IN_VOICES)))

    def fetch_voices(self) -> list[Voice]:
        """The built-in voices of the ``model`` setting (`voice_lists.openai_voices`); asks nothing."""
        return openai_voices(self.model, provider=self.name)

    def instructions_for(self, language: str) -> str:
        """The ``instructions`` for ``language`` ("" when the model takes none or the setting is empty)."""
        if not takes_instructions(self.model):
            return ""
        template = str(self.settings.get("instructions", DEFAULT_INSTRUCTIONS) or "").strip()
        return template.replace("{language}", language_name(language))

    def request_body(self, text: str, *, language: str, voice: str | None = None) -> dict[str, Any]:
        """The JSON body of one speech request for ``text`` in ``language`` under the current settings
        (``voice``: the target's voice, before the settings')."""
        voice, _ = self.voice_for(language, requested=voice)
        body: dict[str, Any] = {
            "model": self.model,
            "input": text,
            "voice": {"id": voice} if voice.startswith(_CUSTOM_VOICE_PREFIX) else voice,
            "response_format": self.response_format,
        }
        instructions = self.instructions_for(language)
        if instructions:
            body["instructions"] = instructions
        speed = float(self.settings.get("speed", DEFAULT_SPEED))
        if speed != DEFAULT_SPEED:
            body["speed"] = speed
        return body

    # --- generation -----------------------------------------------------------------------------

    def candidate_count(self, *, limit: int) -> int:
        """One paid request per voice, at most every built-in voice and the configured one."""
        return max(1, min(limit, len(BUILT_IN_VOICES) + 1))

    def candidates(self, request: MediaRequest, *, limit: int) -> list[MediaResult]:
        """The text spoken in up to ``limit`` voices (OpenAI's voices speak every language): the
        voice `generate` would use first, then the other built-in voices, each captioned with its
        name. A voice that fails is left out; a failure of the key or the account ends the list."""
        first, _ = self.voice_for(request.language, requested=requested_voice(request, self.name))
        voices = list(dict.fromkeys((first, *self.voice_choices(request.language))))[: max(1, limit)]
        chosen = request.options.get(VOICE_OPTION)
        others = dict(chosen) if isinstance(chosen, Mapping) else {}
        results: list[MediaResult] = []
        failure: ProviderError | None = None
        for voice in voices:
            asked = replace(request, options={**request.options, VOICE_OPTION: {**others, self.name: voice}})
            try:
                made = self.generate(asked)
            except (AuthError, ConfigError, QuotaError):
                raise
            except ProviderError as exc:
                failure = failure or exc
                continue
            results.append(replace(made, request=request, caption=f"voice {voice}"))
        if not results:
            assert failure is not None
            raise failure
        return results

    def generate(self, request: MediaRequest) -> MediaResult:
        """Speech for ``request.text`` in ``request.language``. Blocks on the network: call it from
        a worker thread. Raises a `ProviderError` subclass as the module docstring says."""
        text = text_to_speak(request.text, provider=self.name)
        if len(text) > MAX_INPUT_CHARS:
            raise PermanentError(
                f"the text is {len(text):,} characters long and OpenAI speaks at most {MAX_INPUT_CHARS:,} per "
                "request; shorten the note's source field",
                provider=self.name,
            )
        requested = valid_requested_voice(request, self.name, pattern=VOICE_PATTERN, what="an OpenAI voice name or ID")
        body = self.request_body(text, language=request.language, voice=requested)
        if len(body.get("instructions", "")) > MAX_INSTRUCTIONS_CHARS:
            raise ConfigError(
                f"the instructions are longer than {MAX_INSTRUCTIONS_CHARS:,} characters; shorten "
                f"{self.setting_path('instructions')}",
                provider=self.name,
            )
        started = time.monotonic()
        url = f"{self.base_url}/audio/speech"
        response = self._http.send(
            "POST",
            url,
            timeout_s=self.timeout_s,
            headers=self._headers("application/octet-stream"),
            json=body,
            max_body_bytes=self.max_media_bytes,
            error=lambda answer: self._speech_error(answer, language=request.language, requested=requested),
        )
        data = response.content
        asked = self.response_format
        # The server's Content-Type is not trusted (§2.3): the bytes must be the format asked for.
        require_media(MediaKind.AUDIO, data, extension=asked, provider=self.name)
        extension = sniff_audio(data) or asked
        return self.result(request, data=data, extension=extension, started=started)

    # --- errors ---------------------------------------------------------------------------------

    def _speech_error(self, response: requests.Response, *, language: str, requested: str | None) -> ProviderError:
        """The error for a non-2xx answer to a speech request: a refused target's voice is this
        request's failure (`PermanentError` naming the target's voice), the rest as `_api_error`."""
        if requested is not None:
            found = self._voice_error(response, ApiError.of(response), voice=requested, source="")
            if found is not None:
                return found
        return self._api_error(response, language=language)

    def _voice_error(
        self, response: requests.Response, error: ApiError, *, voice: str, source: str
    ) -> ProviderError | None:
        """A refused voice (400 ``param: voice``), naming where it came from (``source`` "" is
        the target's voice); None for any other answer."""
        if response.status_code not in (400, 422) or error.param != "voice":
            return None
        what = f"OpenAI refused the voice {voice!r} for the model {self.model!r} (HTTP {response.status_code}){error.quoted()}. "
        if not source:  # only this target's voice is wrong: the others keep working
            return PermanentError(what + f"Change {target_voice(self.name)}", provider=self.name)
        if source != "voice":  # only this language's voice is wrong: the others keep working
            return PermanentError(what + f"Change {self.setting_path(source)}", provider=self.name)
        return ConfigError(what + f"Change {self.setting_path('voice')}", provider=self.name)

    def _request_error(self, response: requests.Response, error: ApiError, *, language: str) -> ProviderError | None:
        """A refused request (403) or voice (400 ``param: voice``); see the module docstring."""
        label = f"HTTP {response.status_code}"
        quoted = error.quoted()
        if response.status_code == 403:
            if "unsupported_country" in error.code:
                return AuthError(
                    f"OpenAI does not serve requests from this country or region ({label}){quoted}", provider=self.name
                )
            return AuthError(
                f"OpenAI refused this request ({label}){quoted}. Check that the key's project may use the model "
                f"{self.model!r} (a restricted key needs write access to the audio endpoints), or set "
                f"{self.setting_path('model')} to a model it may use",
                provider=self.name,
            )
        voice, source = self.voice_for(language)
        return self._voice_error(response, error, voice=voice, source=source)
