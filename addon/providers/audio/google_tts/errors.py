"""Google Cloud Text-to-Speech's error answers (§6.4, ``{"error": {"code", "message", "status",
"details"}}``) read and turned into the add-on's errors:

* 403 asking for a quota project (a user's access token without ``x-goog-user-project``, or one
  the user may not use) → `ConfigError` naming ``quota_project``;
* 400 ``API_KEY_INVALID``, 401 ``UNAUTHENTICATED``, 403 ``PERMISSION_DENIED`` (API not enabled,
  key restricted) → `AuthError` saying what to change; 403 ``BILLING_DISABLED`` → `QuotaError`;
* 400 ``INVALID_ARGUMENT`` about a configured voice or an audio setting → `ConfigError`; about the
  target's voice → `PermanentError` naming it (other targets keep working); about a voice derived from the rule's language (Google has none for it) → `NotFoundError`, so the next
  provider speaks it; any other 400 (text too long, bad SSML…) → `PermanentError` with Google's words;
* 429 ``RESOURCE_EXHAUSTED`` → `RateLimitError` waiting ``Retry-After`` or the ``RetryInfo``
  ``retryDelay``; when the quota that ran out is a daily/monthly one → `QuotaError` (never retried);
* 5xx (``INTERNAL``, ``UNAVAILABLE``) → `TransientError`; 404 → `ConfigError` about ``base_url``.

The URL may hold the key (``?key=…``): the server's words are scrubbed of any query string and of
the key itself before they are shown.

Thread safety: pure functions and immutable values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from ....core.base.errors import (
    AuthError,
    ConfigError,
    NotFoundError,
    PermanentError,
    ProviderError,
    QuotaError,
    RateLimitError,
    TransientError,
)
from ....core.media.voice_choice import target_voice
from ...http.client import ERROR_BODY_CHARS, address_error, error_object, failure
from ...http.status import parse_retry_after, quoted_excerpt, server_excerpt, wait_text
from .voices import Voice


class _Asker(Protocol):
    """What the error mapping reads of the provider that asked (`provider.GoogleSpeech`)."""

    @property
    def name(self) -> str: ...

    @property
    def api_key(self) -> str: ...

    @property
    def auth(self) -> str: ...

    def setting_path(self, key: str = "") -> str: ...


DEFAULT_BASE_URL = "https://texttospeech.googleapis.com"
CREDENTIALS_URL = "https://console.cloud.google.com/apis/credentials"
BILLING_URL = "https://console.cloud.google.com/billing"
QUOTAS_URL = "https://console.cloud.google.com/iam-admin/quotas"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")
# A query string quoted in a server's words ("…?key=…&alt=json"): it may hold the key.
_QUERY_STRING = re.compile(r"\?[^\s?=&<>\"']+=[^\s<>\"']*")
# Words of a 400 that is about the audio settings rather than the text or the voice.
_AUDIO_SETTING_WORDS = (
    "audio_config", "audioconfig", "audio_encoding", "audioencoding", "encoding", "speaking_rate", "speakingrate",
    "speaking rate", "pitch", "sample_rate", "samplerate",
)  # fmt: skip
_SPENT_QUOTA_WORDS = ("per day", "perday", "daily", "per month", "permonth", "monthly")


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
        error = error_object(response)
        if error is None:
            return cls()
        reasons: list[str] = []
        fields: list[str] = []
        quota_words: list[str] = []
        help_urls: list[str] = []
        retry_delay: float | None = None
        details = error.get("details")
        for detail in _mappings(details):
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


def scrub(text: str, *, api_key: str) -> str:
    """The server's words without the key: no quoted query string, nor the key itself."""
    text = _QUERY_STRING.sub("?[query removed]", text)
    return text.replace(api_key, "[redacted]") if api_key else text


@dataclass(frozen=True)
class GoogleService:
    """A Google Cloud API, as its error messages name it: ``title`` ("Cloud Text-to-Speech"),
    ``api_id`` (its service name, for the console's "enable" page) and its usual address."""

    title: str
    api_id: str
    default_base_url: str

    @property
    def enable_url(self) -> str:
        return f"https://console.cloud.google.com/apis/library/{self.api_id}"


TEXT_TO_SPEECH = GoogleService("Cloud Text-to-Speech", "texttospeech.googleapis.com", DEFAULT_BASE_URL)


def api_error(
    provider: _Asker, response: requests.Response, *, voice: Voice | None, language: str = ""
) -> ProviderError:
    """The error for a non-2xx answer, read from Google's error envelope (§6.4)."""
    found = service_error(provider, response, service=TEXT_TO_SPEECH)
    if found is not None:
        return found
    status = response.status_code
    error = GoogleError.of(response)
    message = scrub(error.message, api_key=provider.api_key)
    label = f"HTTP {status} {error.status}".rstrip()
    lowered = " ".join((message, *error.fields)).lower()
    if status == 400 or error.status == "INVALID_ARGUMENT":
        return _invalid_argument(
            provider, error, lowered, voice=voice, language=language, label=label, quoted=quoted_excerpt(message)
        )
    detail = server_excerpt(message or scrub(response.text[:ERROR_BODY_CHARS], api_key=provider.api_key))
    return failure(response, provider=provider.name, message=detail or None)


def service_error(provider: _Asker, response: requests.Response, *, service: GoogleService) -> ProviderError | None:
    """The error for a non-2xx answer of any Google Cloud API that is not about the request itself:
    the key, the token, the quota project, the API not enabled, billing, permissions, the rate or
    quota, a wrong address, a server problem. None for the rest (a 400 about the request)."""
    status = response.status_code
    error = GoogleError.of(response)
    message = scrub(error.message, api_key=provider.api_key)
    quoted = quoted_excerpt(message)
    label = f"HTTP {status} {error.status}".rstrip()
    setting = provider.setting_path()
    lowered = " ".join((message, *error.fields)).lower()
    name = provider.name
    api = service.title

    if error.has_reason("API_KEY_INVALID") or "api key not valid" in lowered:
        return AuthError(
            f"Google refused the API key ({label}){quoted}. Check {setting}.api_key (or api_key_env): it must "
            f"be an API key of a Google Cloud project, made at {CREDENTIALS_URL}",
            provider=name,
        )
    if status == 401 or error.status == "UNAUTHENTICATED":
        if provider.auth == "bearer":
            advice = (
                f"Access tokens expire after about an hour: put a fresh one (gcloud auth print-access-token) "
                f'in {setting}.api_key, or use an API key with {setting}.auth set to "api_key"'
            )
        else:
            advice = f'Check {setting}.api_key; for an OAuth access token set {setting}.auth to "bearer"'
        return AuthError(f"Google did not accept the credentials ({label}){quoted}. {advice}", provider=name)
    if status == 403 and ("quota project" in lowered or error.has_reason("USER_PROJECT_DENIED")):
        return ConfigError(
            f"Google wants a quota project for this access token ({label}){quoted}. Set "
            f"{setting}.quota_project to the ID of a Google Cloud project where the {api} API is "
            f"enabled and you may use it (its usage is billed there)",
            provider=name,
        )
    if error.has_reason("SERVICE_DISABLED") or "has not been used in project" in lowered:
        url = next((u for u in error.help_urls if u.startswith("https://console.")), service.enable_url)
        return AuthError(
            f"the {api} API is not enabled in the Google Cloud project of this key ({label}). "
            f"Enable it at {url}, wait a few minutes, then try again",
            provider=name,
        )
    if error.has_reason("BILLING_DISABLED") or "requires billing" in lowered:
        return QuotaError(
            f"billing is not enabled for the Google Cloud project of this key ({label}){quoted}. "
            f"{api} needs a billing account even for its free allowance: enable it at {BILLING_URL}",
            provider=name,
        )
    if error.has_reason("API_KEY_SERVICE_BLOCKED"):
        return AuthError(
            f"the API key is restricted and may not call {api} ({label}){quoted}. Add "
            f'"{api} API" to the key\'s API restrictions at {CREDENTIALS_URL}, or use another key',
            provider=name,
        )
    if any(reason.startswith("API_KEY_") and reason.endswith("_BLOCKED") for reason in error.reasons):
        return AuthError(
            f"the API key's application restrictions (websites, IP addresses or apps) do not allow this "
            f"computer ({label}){quoted}. Loosen them at {CREDENTIALS_URL}, or use another key",
            provider=name,
        )
    if status == 403 or error.status == "PERMISSION_DENIED":
        return AuthError(
            f"Google denied the request ({label}){quoted}. Check that {setting}.api_key belongs to a project "
            f"where the {api} API is enabled ({service.enable_url})",
            provider=name,
        )
    if status == 429 or error.status == "RESOURCE_EXHAUSTED":
        return _exhausted(provider, response, error, label=label, quoted=quoted, api=api)
    if status == 404:
        return address_error(
            response, provider=name, setting=f"{setting}.base_url", usual=f"Google's is {service.default_base_url}"
        )
    if status >= 500:
        # The envelope's message, else the body itself (an HTML page of a proxy, reduced to its text).
        detail = server_excerpt(message or scrub(response.text[:ERROR_BODY_CHARS], api_key=provider.api_key))
        return TransientError(
            f"Google's {api.removeprefix('Cloud ')} service had a problem ({label}){quoted_excerpt(detail)}",
            provider=name,
            retry_after=_retry_after(response, error),
        )
    return None


def _retry_after(response: requests.Response, error: GoogleError) -> float | None:
    """The server's ``Retry-After``, else the envelope's ``RetryInfo`` delay."""
    retry_after = parse_retry_after(response.headers)
    return error.retry_delay_s if retry_after is None else retry_after


def _exhausted(
    provider: _Asker, response: requests.Response, error: GoogleError, *, label: str, quoted: str, api: str
) -> ProviderError:
    """429 RESOURCE_EXHAUSTED: a per-minute quota (wait) or a daily/monthly one (spent)."""
    words = " ".join((error.message, *error.quota_words)).lower()
    if any(word in words for word in _SPENT_QUOTA_WORDS):
        return QuotaError(
            f"the Google Cloud project's daily or monthly quota for {api.removeprefix('Cloud ')} is used up "
            f"({label}){quoted}. "
            f"Wait until it resets, or raise the quota at {QUOTAS_URL}",
            provider=provider.name,
        )
    retry_after = _retry_after(response, error)
    return RateLimitError(
        f"Google is limiting the request rate ({label}){wait_text(retry_after)}{quoted}. If this keeps happening, "
        f"lower {provider.setting_path()}.requests_per_minute",
        provider=provider.name,
        retry_after=retry_after,
    )


def _invalid_argument(
    provider: _Asker,
    error: GoogleError,
    lowered: str,
    *,
    voice: Voice | None,
    language: str,
    label: str,
    quoted: str,
) -> ProviderError:
    """400 INVALID_ARGUMENT: a setting (`ConfigError`), a language Google has no voice for
    (`NotFoundError`), or this text (`PermanentError`)."""
    setting = provider.setting_path()
    if any(word in lowered for word in _AUDIO_SETTING_WORDS):
        return ConfigError(
            f"Google refused the audio settings ({label}){quoted}. Check {setting}.audio_encoding, "
            f"speaking_rate and pitch (some voices take no speaking rate or pitch)",
            provider=provider.name,
        )
    if voice is not None and ("voice" in lowered or "language code" in lowered or "language_code" in lowered):
        asked = f"{voice.name!r} ({voice.language_code})" if voice.name else f"for {voice.language_code!r}"
        if voice.requested:
            return PermanentError(
                f"Google refused the voice {asked} ({label}){quoted}. Fix {target_voice(provider.name)}; "
                f"GET {DEFAULT_BASE_URL}/v1/voices lists the voices",
                provider=provider.name,
            )
        if voice.entry:
            return ConfigError(
                f"Google refused the voice {asked} ({label}){quoted}. Fix {setting}.voices[{voice.entry!r}]; "
                f"GET {DEFAULT_BASE_URL}/v1/voices lists the voices",
                provider=provider.name,
            )
        return NotFoundError(
            f"Google Cloud Text-to-Speech has no voice for the language {voice.language_code!r} (the rule's "
            f"language {language!r}) ({label}){quoted}. Map the language to a voice Google has in "
            f"{setting}.voices",
            provider=provider.name,
        )
    return PermanentError(
        f"Google refused this text ({label}){quoted}. Shorten or simplify the note's text", provider=provider.name
    )
