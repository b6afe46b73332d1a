"""HTTP status codes and rate-limit headers turned into the add-on's errors, for every HTTP provider.

`parse_retry_after` reads how long a server asked us to wait (``retry-after-ms``, then
``Retry-After`` as seconds or as an HTTP-date). `error_for_status` maps a status code to the error
class the job runner acts on, with a message for users that quotes a short plain-text excerpt of
what the server said.

The mapping is generic. A provider that knows its own error envelope decides the cases the status
code alone gets wrong *before* calling `error_for_status`, and may pass the message it parsed::

    if response.status_code == 429 and error_code == "insufficient_quota":  # OpenAI: spent, not busy
        raise QuotaError(f"the account's quota is used up: {error_message}", provider=self.name)
    error = error_for_status(
        response.status_code, provider=self.name, headers=response.headers, message=error_message
    )
    if error is not None:
        raise error

Thread safety: pure functions, safe from any thread.
"""

from __future__ import annotations

import email.utils
import html
import http
import json
import math
import re
import time
from collections.abc import Callable, Mapping
from datetime import timezone
from typing import Any

from ...core.base.errors import (
    AuthError,
    NotFoundError,
    PermanentError,
    ProviderError,
    QuotaError,
    RateLimitError,
    TransientError,
)
from ...core.text.cleaning import fold_whitespace

EXCERPT_CHARS = 200
"""At most this many characters of the server's message go into an error message."""

# Only the start of a body is looked at: error pages can be large, their message is near the top.
_BODY_SCAN_CHARS = 8_000

# Statuses that mean "try the same request again later" besides 429 and 5xx (what the OpenAI and
# Runware SDKs retry): Request Timeout, Conflict (e.g. a lock held by a concurrent request), Too Early.
_RETRYABLE_4XX = frozenset({408, 409, 425})

_NUMBER = re.compile(r"\s*\d+(?:\.\d+)?\s*")
# A body is markup (an HTML page, an XML error document such as S3's) when it starts with a tag or
# holds an HTML page; it is then reduced to its text (hostile markup costs ~50 ms at _BODY_SCAN_CHARS).
_MARKUP_START = re.compile(r"<(?:!doctype|html|body)\b", re.IGNORECASE)
_UNSHOWN_ELEMENTS = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<>]*>")

# Keys under which JSON error envelopes keep their human message, in the order they are tried:
# OpenAI {"error": {"message"}}, MediaWiki {"error": {"info"}}, ElevenLabs {"detail": {"message"}},
# Django REST framework {"detail": "..."}, many others {"message"} or {"error": "..."}.
_MESSAGE_KEYS = ("message", "info", "detail", "error_description", "description", "error", "title")


def parse_retry_after(headers: Mapping[str, str], *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds the server asked us to wait before the next request, or None when it did not say.

    Header names are matched case-insensitively (a plain dict or requests' ``CaseInsensitiveDict``).
    ``retry-after-ms`` (milliseconds, OpenAI) wins over ``Retry-After``; a value that is not a
    non-negative number is ignored, so the other header is used. ``Retry-After`` is delta-seconds
    (fractions accepted) or an HTTP-date; a date in the past gives 0. ``now`` is the wall clock the
    date is compared with (injectable for tests). Anything else (garbage, negative, infinite) is None.
    """
    lowered = {str(name).lower(): str(value) for name, value in headers.items()}
    millis = _non_negative_number(lowered.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000.0
    value = lowered.get("retry-after")
    if value is None:
        return None
    seconds = _non_negative_number(value)
    if seconds is not None:
        return seconds
    return _seconds_until_http_date(value, now=now)


def _non_negative_number(value: str | None) -> float | None:
    if value is None or not _NUMBER.fullmatch(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _seconds_until_http_date(value: str, *, now: Callable[[], float]) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC without a stated zone; HTTP-dates are always GMT
        when = when.replace(tzinfo=timezone.utc)
    try:
        delay = when.timestamp() - now()
    except (OverflowError, OSError, ValueError):
        return None
    return max(0.0, delay)


def error_for_status(
    status: int,
    *,
    provider: str,
    headers: Mapping[str, str],
    body_text: str = "",
    message: str | None = None,
) -> ProviderError | None:
    """The error for an HTTP ``status``, or None for a 2xx success.

    401/403 → `AuthError`; 402 → `QuotaError`; 404 → `NotFoundError`; 429 → `RateLimitError`;
    408, 409, 425 and 5xx → `TransientError`; any other status (other 4xx, a stray 1xx/3xx) →
    `PermanentError`. Transient errors carry the server's ``retry_after`` (`parse_retry_after`).

    The message is one sentence for users: what happened, the status, and a short excerpt (at most
    `EXCERPT_CHARS`) of ``message`` when given, else of ``body_text`` (the message is pulled out of
    a JSON error envelope; HTML is reduced to its text). Providers that know their envelope pass the
    parsed ``message=``, and first raise their own error for the cases a status alone gets wrong
    (see the module docstring). Keys are redacted by `ProviderError` itself.
    """
    if 200 <= status < 300:
        return None
    excerpt = shorten(message) if message is not None else server_excerpt(body_text)
    label = _status_label(status)
    said = f": {excerpt}" if excerpt else ""
    retryable = status == 429 or status >= 500 or status in _RETRYABLE_4XX
    retry_after = parse_retry_after(headers) if retryable else None
    wait = wait_text(retry_after)
    if status == 429:
        return RateLimitError(
            f"the server is rate limiting requests ({label}){wait}{said}", provider=provider, retry_after=retry_after
        )
    if status in (401, 403):
        return AuthError(
            f"the server refused the request ({label}); check the API key and account{said}", provider=provider
        )
    if status == 402:
        return QuotaError(f"the account's quota or credit is used up ({label}){said}", provider=provider)
    if status == 404:
        return NotFoundError(f"the server has nothing for this request ({label}){said}", provider=provider)
    if retryable:
        what = "had a problem" if status >= 500 else "asked to try again later"
        return TransientError(f"the server {what} ({label}){wait}{said}", provider=provider, retry_after=retry_after)
    return PermanentError(f"the server rejected the request ({label}){said}", provider=provider)


def server_excerpt(body_text: str, *, limit: int = EXCERPT_CHARS) -> str:
    """A short plain-text excerpt of an error body: the message of a JSON error envelope, the text
    of an HTML page or XML document, or the body itself, with whitespace collapsed; "" for an empty
    body."""
    text = body_text[:_BODY_SCAN_CHARS].strip()
    if not text:
        return ""
    if text[:1] in "{[":
        found = _json_message(text)
        if found:
            return shorten(found, limit=limit)
    if text.startswith("<") or _MARKUP_START.search(text):
        text = _markup_text(text)
    return shorten(text, limit=limit)


def quoted_excerpt(message: str) -> str:
    """``": <a short excerpt of message>"``, to go on a sentence with what the server said (without
    its last full stop: the caller's sentence goes on after it); "" when it said nothing."""
    said = server_excerpt(message).rstrip(".") if message else ""
    return f": {said}" if said else ""


def wait_text(retry_after: float | None) -> str:
    """``"; it asks to wait 3 s"`` for a server's ``retry_after``; "" when it named no wait."""
    return f"; it asks to wait {_seconds_text(retry_after)}" if retry_after is not None else ""


def _markup_text(markup: str) -> str:
    """The visible text of HTML or XML (the page title when the body has none), entities decoded."""
    title = _TITLE.search(markup)
    text = html.unescape(_TAG.sub(" ", _UNSHOWN_ELEMENTS.sub(" ", markup))).strip()
    return text or (html.unescape(title.group(1)).strip() if title else "")


def _json_message(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return ""
    return _message_in(data, depth=0)


def _message_in(data: Any, *, depth: int) -> str:
    if depth > 3:
        return ""
    if isinstance(data, str):
        return data
    if isinstance(data, list) and data:
        return _message_in(data[0], depth=depth + 1)
    if isinstance(data, dict):
        for key in _MESSAGE_KEYS:
            found = _message_in(data.get(key), depth=depth + 1) if key in data else ""
            if found:
                return found
        errors = data.get("errors")
        if errors:
            return _message_in(errors, depth=depth + 1)
    return ""


def shorten(text: str, *, limit: int = EXCERPT_CHARS) -> str:
    """``text`` on one line (whitespace folded), cut to at most ``limit`` characters with "…"."""
    text = fold_whitespace(text)
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def _status_label(status: int) -> str:
    try:
        return f"HTTP {status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _seconds_text(seconds: float) -> str:
    return f"{seconds:.3g} s" if seconds < 10 else f"{round(seconds)} s"
