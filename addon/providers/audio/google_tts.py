"""``google_tts``: speech from Google Cloud Text-to-Speech (``POST {base_url}/v1/text:synthesize``; a
``base_url`` ending in ``/v1``, as Google's docs write it, is taken too).

Wire format: ``../shared/provider_apis.md`` §6. One request per text: ``{"input": {"text"}, "voice":
{"languageCode", "name"?, "ssmlGender"?}, "audioConfig": {"audioEncoding", "speakingRate"?,
"pitch"?}}``; the answer's ``audioContent`` is the whole audio file in base64. MP3 is asked for by
default (Anki plays it everywhere); the file's extension follows the bytes that really came.

Authentication (§6.1), by the ``auth`` setting: ``"api_key"`` (default) sends the key as the
``key`` query parameter; ``"bearer"`` sends ``api_key`` as an OAuth access token in
``Authorization: Bearer``. The URL then holds the key, so no message ever quotes a URL's query
string (`display_url`) and the server's words are scrubbed of the key before they are shown.

The voice: the ``voices`` setting maps a language (``"de"``, or ``"pt-BR"`` before ``"pt"``) to
``{"languageCode", "name", "ssmlGender"}`` (each optional) or to a voice name alone
(``"de-DE-Wavenet-B"``, whose language code is its first two parts). Without an entry the language
code is derived from the request's language (``"en"`` → ``"en-US"``, ``"zh-TW"`` → ``"cmn-TW"``)
and Google picks the voice.

A text over 5,000 bytes in UTF-8 (§6.2/§6.5, not adjustable) is refused before anything is sent.

Errors (§6.4, ``{"error": {"code", "message", "status", "details"}}``):

* 400 ``API_KEY_INVALID``, 401 ``UNAUTHENTICATED``, 403 ``PERMISSION_DENIED`` (API not enabled,
  key restricted) → `AuthError` saying what to change; 403 ``BILLING_DISABLED`` → `QuotaError`;
* 400 ``INVALID_ARGUMENT`` about a configured voice or an audio setting → `ConfigError`; about a
  voice derived from the rule's language (Google has none for it) → `NotFoundError`, so the next
  provider speaks it; any other 400 (text too long, bad SSML…) → `PermanentError` with Google's words;
* 429 ``RESOURCE_EXHAUSTED`` → `RateLimitError` waiting ``Retry-After`` or the ``RetryInfo``
  ``retryDelay``; when the quota that ran out is a daily/monthly one → `QuotaError` (never retried);
* 5xx (``INTERNAL``, ``UNAVAILABLE``) → `TransientError`; 404 → `ConfigError` about ``base_url``.

`test_connection` makes the cheapest call the API has, ``GET {base_url}/v1/voices?languageCode=en-US``
(free), which checks the server, the key and that the API is enabled.

Thread safety: `generate` may run on several worker threads at once; each thread uses its own
HTTP session (`HttpClient`) and nothing else is shared or changed after ``__init__``.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import requests

from ...core.base.errors import (
    AuthError,
    ConfigError,
    InvalidResponseError,
    NotFoundError,
    PermanentError,
    ProviderError,
    QuotaError,
    RateLimitError,
    TransientError,
)
from ...core.media.checks import mime_type, require_audio, sniff_audio
from ...core.media.types import MediaRequest, MediaResult
from ...core.provider_system.media_provider import AudioProvider, Capabilities, HealthReport, KeyUse
from ..http.client import HttpClient, json_answer_limit, json_body, status_error
from ..http.download import display_url
from ..http.status import parse_retry_after, server_excerpt

DEFAULT_BASE_URL = "https://texttospeech.googleapis.com"
AUTH_MODES = ("api_key", "bearer")
# What the provider lets users ask for; Google's MULAW/ALAW are telephone formats, of no use on cards.
AUDIO_ENCODINGS = ("MP3", "OGG_OPUS", "LINEAR16")
DEFAULT_AUDIO_ENCODING = "MP3"
MAX_INPUT_BYTES = 5000  # §6.2/§6.5: per request, in UTF-8 bytes, not adjustable
HEALTH_CHECK_LANGUAGE = "en-US"
HEALTH_CHECK_TIMEOUT_S = 20.0

_ENABLE_API_URL = "https://console.cloud.google.com/apis/library/texttospeech.googleapis.com"
_CREDENTIALS_URL = "https://console.cloud.google.com/apis/credentials"
_BILLING_URL = "https://console.cloud.google.com/billing"
_QUOTAS_URL = "https://console.cloud.google.com/iam-admin/quotas"

# The region of Google's voices for a language given without one (§6.2: BCP-47, no script tag).
# Languages not listed are sent bare; Google then picks a region itself.
_DEFAULT_REGIONS: Mapping[str, str] = {
    "af": "ZA", "ar": "XA", "bg": "BG", "bn": "IN", "ca": "ES", "cmn": "CN", "cs": "CZ", "da": "DK",
    "de": "DE", "el": "GR", "en": "US", "es": "ES", "et": "EE", "eu": "ES", "fi": "FI", "fil": "PH",
    "fr": "FR", "gl": "ES", "gu": "IN", "he": "IL", "hi": "IN", "hu": "HU", "id": "ID", "is": "IS",
    "it": "IT", "ja": "JP", "kn": "IN", "ko": "KR", "lt": "LT", "lv": "LV", "ml": "IN", "mr": "IN",
    "ms": "MY", "nb": "NO", "nl": "NL", "pa": "IN", "pl": "PL", "pt": "BR", "ro": "RO", "ru": "RU",
    "sk": "SK", "sr": "RS", "sv": "SE", "ta": "IN", "te": "IN", "th": "TH", "tr": "TR", "uk": "UA",
    "ur": "IN", "vi": "VN", "yue": "HK",
}  # fmt: skip
# Codes Google names differently from what users (and Anki) write.
_LANGUAGE_ALIASES: Mapping[str, str] = {"no": "nb", "iw": "he", "in": "id", "tl": "fil", "zh": "cmn"}
_CANTONESE_REGIONS = frozenset({"HK", "MO"})
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")
# A query string quoted in a server's words ("…?key=…&alt=json"): it may hold the key.
_QUERY_STRING = re.compile(r"\?[^\s?=&<>\"']+=[^\s<>\"']*")
# Words of a 400 that is about the audio settings rather than the text or the voice.
_AUDIO_SETTING_WORDS = (
    "audio_config", "audioconfig", "audio_encoding", "audioencoding", "encoding", "speaking_rate", "speakingrate",
    "speaking rate", "pitch", "sample_rate", "samplerate",
)  # fmt: skip
_SPENT_QUOTA_WORDS = ("per day", "perday", "daily", "per month", "permonth", "monthly")


def language_code(language: str) -> str:
    """The BCP-47 code Google's voices use for a request's ``language``: a region added where the
    language has none (``en`` → ``en-US``), the script tag dropped, Chinese as ``cmn``/``yue``;
    ``en-US`` for an empty language."""
    parts = [part for part in language.strip().replace("_", "-").split("-") if part]
    if not parts:
        return "en-US"
    primary = parts[0].lower()
    region = ""
    for part in parts[1:]:
        if (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            region = part.upper()
            break
    if primary == "zh" and region in _CANTONESE_REGIONS:
        primary = "yue"
    primary = _LANGUAGE_ALIASES.get(primary, primary)
    if not region:
        region = _DEFAULT_REGIONS.get(primary, "")
    return f"{primary}-{region}" if region else primary


def _language_of_voice(name: str) -> str:
    """``de-DE`` of ``de-DE-Wavenet-B`` (Google's voice names start with their language code)."""
    parts = name.split("-")
    return f"{parts[0]}-{parts[1]}" if len(parts) >= 3 and parts[0].isalpha() and parts[1].isalnum() else ""


@dataclass(frozen=True)
class Voice:
    """The ``voice`` object of one request, and which ``voices`` entry it came from ("" when the
    language code was derived from the request's language)."""

    language_code: str
    name: str = ""
    ssml_gender: str = ""
    entry: str = ""

    def to_json(self) -> dict[str, str]:
        voice = {"languageCode": self.language_code}
        if self.name:
            voice["name"] = self.name
        if self.ssml_gender:
            voice["ssmlGender"] = self.ssml_gender
        return voice


@dataclass(frozen=True)
class GoogleError:
    """The parts of Google's error envelope (§6.4) this provider acts on."""

    message: str = ""
    status: str = ""
    reasons: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    quota_words: tuple[str, ...] = ()
    help_urls: tuple[str, ...] = ()
    retry_delay_s: float | None = None

    @classmethod
    def of(cls, response: requests.Response) -> GoogleError:
        try:
            body = response.json()
        except ValueError:
            return cls()
        error = body.get("error") if isinstance(body, Mapping) else None
        if not isinstance(error, Mapping):
            return cls()
        reasons: list[str] = []
        fields: list[str] = []
        quota_words: list[str] = []
        help_urls: list[str] = []
        retry_delay: float | None = None
        details = error.get("details")
        for detail in details if isinstance(details, list) else []:
            if not isinstance(detail, Mapping):
                continue
            kind = str(detail.get("@type", ""))
            if kind.endswith("google.rpc.ErrorInfo"):
                reasons.append(str(detail.get("reason", "")))
                metadata = detail.get("metadata")
                if isinstance(metadata, Mapping):
                    quota_words += [str(metadata.get(k, "")) for k in ("quota_limit", "quota_metric", "quota_unit")]
            elif kind.endswith("google.rpc.RetryInfo"):
                found = _DURATION.match(str(detail.get("retryDelay", "")))
                retry_delay = float(found.group(1)) if found else None
            elif kind.endswith("google.rpc.Help"):
                help_urls += [str(link.get("url", "")) for link in _mappings(detail.get("links"))]
            elif kind.endswith("google.rpc.BadRequest"):
                fields += [str(item.get("field", "")) for item in _mappings(detail.get("fieldViolations"))]
            elif kind.endswith("google.rpc.QuotaFailure"):
                for item in _mappings(detail.get("violations")):
                    quota_words += [str(item.get("subject", "")), str(item.get("description", ""))]
        message = error.get("message")
        status = error.get("status")
        return cls(
            message=message if isinstance(message, str) else "",
            status=status if isinstance(status, str) else "",
            reasons=tuple(r for r in reasons if r),
            fields=tuple(f for f in fields if f),
            quota_words=tuple(w for w in quota_words if w),
            help_urls=tuple(u for u in help_urls if u),
            retry_delay_s=retry_delay,
        )

    def has_reason(self, *reasons: str) -> bool:
        return any(reason in self.reasons for reason in reasons)


def _mappings(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


class GoogleSpeech(AudioProvider):
    name = "google_tts"
    default_base_url = DEFAULT_BASE_URL
    description = (
        "Natural voices from Google Cloud Text-to-Speech in many languages "
        "(needs an API key; a free monthly allowance, then paid per character)."
    )
    capabilities = Capabilities(key=KeyUse.REQUIRED, http=True)
    default_max_concurrency = 4
    priority = 300
    settings_not_changing_output: ClassVar[frozenset[str]] = frozenset({"batch_size", "user_agent", "auth"})
    settings_schema: ClassVar[Mapping[str, Any]] = {
        "auth": {"enum": list(AUTH_MODES)},
        "voices": {
            "type": "object",
            "additionalProperties": {
                "oneOf": [
                    {"type": "string", "pattern": r"^[A-Za-z]{2,3}-[A-Za-z0-9]{2,4}-[A-Za-z0-9\-]+$"},
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "minProperties": 1,
                        "properties": {
                            "languageCode": {"type": "string", "pattern": r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},
                            "name": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9\-_.]*$"},
                            "ssmlGender": {"enum": ["MALE", "FEMALE", "NEUTRAL", "SSML_VOICE_GENDER_UNSPECIFIED"]},
                        },
                    },
                ]
            },
        },
        "audio_encoding": {"enum": list(AUDIO_ENCODINGS)},
        "speaking_rate": {"type": "number", "minimum": 0.25, "maximum": 4.0},
        "pitch": {"type": "number", "minimum": -20, "maximum": 20},
    }

    def __init__(self, settings: Mapping[str, Any], *, environ: Mapping[str, str] | None = None) -> None:
        super().__init__(settings, environ=environ)
        self._http = HttpClient(provider=self.name)

    # --- settings -------------------------------------------------------------------------------

    @property
    def auth(self) -> str:
        return str(self.settings.get("auth") or "api_key")

    @property
    def audio_encoding(self) -> str:
        return str(self.settings.get("audio_encoding") or DEFAULT_AUDIO_ENCODING)

    @property
    def api_root(self) -> str:
        """``base_url`` without a final ``/v1`` (users copy Google's documented URL with it)."""
        return self.base_url.removesuffix("/v1")

    def setup_problem(self) -> str | None:
        problem = super().setup_problem()
        if problem is not None:
            return problem
        if self.auth not in AUTH_MODES:
            return f'has an unknown auth {self.auth!r}: set {self.setting_path()}.auth to "api_key" or "bearer"'
        if self.audio_encoding not in AUDIO_ENCODINGS:
            choices = ", ".join(AUDIO_ENCODINGS)
            return (
                f"cannot ask for {self.audio_encoding!r}: set {self.setting_path()}.audio_encoding to one of {choices}"
            )
        return None

    def voice_for(self, language: str) -> Voice:
        """The voice for a request's language: the ``voices`` entry for the whole tag (``pt-BR``),
        else for its language (``pt``), else only a language code derived from it."""
        derived = language_code(language)
        voices = self.settings.get("voices")
        entries = {_key(k): (k, v) for k, v in voices.items()} if isinstance(voices, Mapping) else {}
        tag = _key(language)
        found = entries.get(tag) or entries.get(tag.split("-")[0])
        if found is None:
            return Voice(derived)
        entry, value = found
        if isinstance(value, str):
            name = value.strip()
            return Voice(_language_of_voice(name) or derived, name=name, entry=entry)
        if isinstance(value, Mapping):
            name = str(value.get("name") or "").strip()
            code = str(value.get("languageCode") or "").strip() or _language_of_voice(name) or derived
            return Voice(code, name=name, ssml_gender=str(value.get("ssmlGender") or ""), entry=entry)
        return Voice(derived)

    def request_body(self, text: str, voice: Voice) -> dict[str, Any]:
        """The JSON body of one synthesis request (§6.2). ``speakingRate`` and ``pitch`` are sent
        only when they differ from Google's defaults (some voice families refuse them)."""
        audio_config: dict[str, Any] = {"audioEncoding": self.audio_encoding}
        rate = float(self.settings.get("speaking_rate", 1.0))
        if rate != 1.0:
            audio_config["speakingRate"] = rate
        pitch = float(self.settings.get("pitch", 0.0))
        if pitch != 0.0:
            audio_config["pitch"] = pitch
        return {"input": {"text": text}, "voice": voice.to_json(), "audioConfig": audio_config}

    def _auth(self, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The ``headers``/``params`` keyword arguments that carry the credential (§6.1)."""
        headers = {"Accept": "application/json"}
        query = dict(params or {})
        if self.auth == "bearer":
            headers["Authorization"] = f"Bearer {self.api_key}"
        else:
            query["key"] = self.api_key
        return {"headers": headers, "params": query}

    # --- generation -----------------------------------------------------------------------------

    def generate(self, request: MediaRequest) -> MediaResult:
        """Speech for ``request.text`` in ``request.language``. Blocks on the network: call it from
        a worker thread. Raises a `ProviderError` subclass as the module docstring says."""
        text = request.text.strip()
        if not text:
            raise PermanentError("the text to speak is empty; check the rule's source field", provider=self.name)
        size = len(text.encode("utf-8"))
        if size > MAX_INPUT_BYTES:
            raise PermanentError(
                f"the text is {size:,} bytes long in UTF-8, over Google Cloud Text-to-Speech's limit of "
                f"{MAX_INPUT_BYTES:,} bytes per request; shorten the note's text or the rule's template",
                provider=self.name,
            )
        voice = self.voice_for(request.language)
        started = time.monotonic()
        response = self._http.send(
            "POST",
            f"{self.api_root}/v1/text:synthesize",
            timeout_s=self.timeout_s,
            json=self.request_body(text, voice),
            max_body_bytes=json_answer_limit(self.max_media_bytes),
            **self._auth(),
        )
        with response:
            if not 200 <= response.status_code < 300:
                raise self._api_error(response, voice=voice, language=request.language)
            data = self._audio_content(response)
        extension = sniff_audio(data) or ""
        require_audio(data, expected=extension, provider=self.name)
        return MediaResult(
            request=request,
            provider=self.name,
            data=data,
            extension=extension,
            mime_type=mime_type(extension),
            elapsed_s=time.monotonic() - started,
        )

    def _audio_content(self, response: requests.Response) -> bytes:
        body = json_body(response, provider=self.name)
        encoded = body.get("audioContent") if isinstance(body, Mapping) else None
        if not isinstance(encoded, str) or not encoded:
            raise InvalidResponseError("answered without audio (no audioContent)", provider=self.name)
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidResponseError(
                "answered with audioContent that is not valid base64; nothing was saved", provider=self.name
            ) from None

    # --- errors ---------------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        """The server's words without the key: no quoted query string, nor the key itself."""
        text = _QUERY_STRING.sub("?[query removed]", text)
        return text.replace(self.api_key, "[redacted]") if self.api_key else text

    def _api_error(self, response: requests.Response, *, voice: Voice | None, language: str = "") -> ProviderError:
        """The error for a non-2xx answer, read from Google's error envelope (§6.4)."""
        status = response.status_code
        error = GoogleError.of(response)
        message = self._scrub(error.message)
        said = server_excerpt(message) if message else ""
        quoted = f": {said}" if said else ""
        label = f"HTTP {status} {error.status}".rstrip()
        setting = self.setting_path()
        lowered = " ".join((message, *error.fields)).lower()

        if error.has_reason("API_KEY_INVALID") or "api key not valid" in lowered:
            return AuthError(
                f"Google refused the API key ({label}){quoted}. Check {setting}.api_key (or api_key_env): it must "
                f"be an API key of a Google Cloud project, made at {_CREDENTIALS_URL}",
                provider=self.name,
            )
        if status == 401 or error.status == "UNAUTHENTICATED":
            if self.auth == "bearer":
                advice = (
                    f"Access tokens expire after about an hour: put a fresh one (gcloud auth print-access-token) "
                    f'in {setting}.api_key, or use an API key with {setting}.auth set to "api_key"'
                )
            else:
                advice = f'Check {setting}.api_key; for an OAuth access token set {setting}.auth to "bearer"'
            return AuthError(f"Google did not accept the credentials ({label}){quoted}. {advice}", provider=self.name)
        if error.has_reason("SERVICE_DISABLED") or "has not been used in project" in lowered:
            url = next((u for u in error.help_urls if u.startswith("https://console.")), _ENABLE_API_URL)
            return AuthError(
                f"the Cloud Text-to-Speech API is not enabled in the Google Cloud project of this key ({label}). "
                f"Enable it at {url}, wait a few minutes, then try again",
                provider=self.name,
            )
        if error.has_reason("BILLING_DISABLED") or "requires billing" in lowered:
            return QuotaError(
                f"billing is not enabled for the Google Cloud project of this key ({label}){quoted}. "
                f"Cloud Text-to-Speech needs a billing account even for its free allowance: enable it at "
                f"{_BILLING_URL}",
                provider=self.name,
            )
        if error.has_reason("API_KEY_SERVICE_BLOCKED"):
            return AuthError(
                f"the API key is restricted and may not call Cloud Text-to-Speech ({label}){quoted}. Add "
                f'"Cloud Text-to-Speech API" to the key\'s API restrictions at {_CREDENTIALS_URL}, or use another key',
                provider=self.name,
            )
        if any(reason.startswith("API_KEY_") and reason.endswith("_BLOCKED") for reason in error.reasons):
            return AuthError(
                f"the API key's application restrictions (websites, IP addresses or apps) do not allow this "
                f"computer ({label}){quoted}. Loosen them at {_CREDENTIALS_URL}, or use another key",
                provider=self.name,
            )
        if status == 403 or error.status == "PERMISSION_DENIED":
            return AuthError(
                f"Google denied the request ({label}){quoted}. Check that {setting}.api_key belongs to a project "
                f"where the Cloud Text-to-Speech API is enabled ({_ENABLE_API_URL})",
                provider=self.name,
            )
        if status == 429 or error.status == "RESOURCE_EXHAUSTED":
            return self._exhausted(response, error, label=label, quoted=quoted)
        if status == 404:
            return ConfigError(
                f"{display_url(response.url)} does not exist ({label}). Check {setting}.base_url "
                f"(Google's is {DEFAULT_BASE_URL})",
                provider=self.name,
            )
        if status >= 500:
            retry_after = parse_retry_after(response.headers)
            if retry_after is None:
                retry_after = error.retry_delay_s
            said = said or server_excerpt(self._scrub(response.text[:8192]))
            quoted = f": {said}" if said else ""
            return TransientError(
                f"Google's Text-to-Speech service had a problem ({label}){quoted}",
                provider=self.name,
                retry_after=retry_after,
            )
        if status == 400 or error.status == "INVALID_ARGUMENT":
            return self._invalid_argument(error, lowered, voice=voice, language=language, label=label, quoted=quoted)
        found = status_error(
            response, provider=self.name, message=said or server_excerpt(self._scrub(response.text[:8192]))
        )
        return found or PermanentError(f"unexpected answer ({label})", provider=self.name)

    def _exhausted(self, response: requests.Response, error: GoogleError, *, label: str, quoted: str) -> ProviderError:
        """429 RESOURCE_EXHAUSTED: a per-minute quota (wait) or a daily/monthly one (spent)."""
        words = " ".join((error.message, *error.quota_words)).lower()
        if any(word in words for word in _SPENT_QUOTA_WORDS):
            return QuotaError(
                f"the Google Cloud project's daily or monthly quota for Text-to-Speech is used up ({label}){quoted}. "
                f"Wait until it resets, or raise the quota at {_QUOTAS_URL}",
                provider=self.name,
            )
        retry_after = parse_retry_after(response.headers)
        if retry_after is None:
            retry_after = error.retry_delay_s
        wait = f"; it asks to wait {retry_after:g} s" if retry_after is not None else ""
        return RateLimitError(
            f"Google is limiting the request rate ({label}){wait}{quoted}. If this keeps happening, lower "
            f"{self.setting_path()}.requests_per_minute",
            provider=self.name,
            retry_after=retry_after,
        )

    def _invalid_argument(
        self, error: GoogleError, lowered: str, *, voice: Voice | None, language: str, label: str, quoted: str
    ) -> ProviderError:
        """400 INVALID_ARGUMENT: a setting (`ConfigError`), a language Google has no voice for
        (`NotFoundError`), or this text (`PermanentError`)."""
        setting = self.setting_path()
        if any(word in lowered for word in _AUDIO_SETTING_WORDS):
            return ConfigError(
                f"Google refused the audio settings ({label}){quoted}. Check {setting}.audio_encoding, "
                f"speaking_rate and pitch (some voices take no speaking rate or pitch)",
                provider=self.name,
            )
        if voice is not None and ("voice" in lowered or "language code" in lowered or "language_code" in lowered):
            asked = f"{voice.name!r} ({voice.language_code})" if voice.name else f"for {voice.language_code!r}"
            if voice.entry:
                return ConfigError(
                    f"Google refused the voice {asked} ({label}){quoted}. Fix {setting}.voices[{voice.entry!r}]; "
                    f"GET {DEFAULT_BASE_URL}/v1/voices lists the voices",
                    provider=self.name,
                )
            return NotFoundError(
                f"Google Cloud Text-to-Speech has no voice for the language {voice.language_code!r} (the rule's "
                f"language {language!r}) ({label}){quoted}. Map the language to a voice Google has in "
                f"{setting}.voices",
                provider=self.name,
            )
        return PermanentError(
            f"Google refused this text ({label}){quoted}. Shorten or simplify the note's text",
            provider=self.name,
        )

    # --- health ---------------------------------------------------------------------------------

    def test_connection(self) -> HealthReport:
        """List the voices of one language (``GET {base_url}/v1/voices?languageCode=en-US``): free,
        and checks the server, the credential and that the API is enabled. Never raises."""
        started = time.monotonic()

        def report(ok: bool, message: str) -> HealthReport:
            return HealthReport(self.name, ok=ok, latency_s=time.monotonic() - started, message=message)

        problem = self.setup_problem()
        if problem is not None:
            return report(False, problem)
        try:
            response = self._http.send(
                "GET",
                f"{self.api_root}/v1/voices",
                timeout_s=min(self.timeout_s, HEALTH_CHECK_TIMEOUT_S),
                **self._auth({"languageCode": HEALTH_CHECK_LANGUAGE}),
            )
            with response:
                if not 200 <= response.status_code < 300:
                    return report(False, self._api_error(response, voice=None).message)
                body = json_body(response, provider=self.name)
        except ProviderError as exc:
            return report(False, exc.message)
        voices = body.get("voices") if isinstance(body, Mapping) else None
        if not isinstance(voices, list):
            return report(False, f"{display_url(response.url)} answered without a voice list; check base_url")
        return report(True, f"Cloud Text-to-Speech answered: {len(voices)} voices for {HEALTH_CHECK_LANGUAGE}")

    def close(self) -> None:
        self._http.close()


def _key(language: str) -> str:
    return language.strip().replace("_", "-").lower()
