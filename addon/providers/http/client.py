"""What every HTTP provider shares: one `requests.Session` per worker thread, requests whose
network failures become our errors, answers read under a size cap, responses whose error statuses
become our errors, and JSON bodies read safely.

Thread safety: `HttpClient` may be used from any number of worker threads at once (each thread
gets its own session); `close` closes every session it made.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import requests

from ...core.base.errors import ConfigError, InvalidResponseError, PermanentError, ProviderError
from .download import display_url, network_error, read_capped
from .status import error_for_status

# How much of an error body is read for the message.
ERROR_BODY_CHARS = 8 * 1024
MAX_ANSWER_BYTES = 32 * 1024 * 1024
"""The largest answer `HttpClient.send` reads when the caller names no cap of its own."""
_JSON_ENVELOPE_BYTES = 256 * 1024


def json_answer_limit(max_media_bytes: int, *, media_count: int = 1) -> int:
    """The most bytes a JSON answer may have that carries ``media_count`` files base64-encoded,
    each at most ``max_media_bytes``: their base64 text and room for the rest of the answer."""
    return media_count * (max_media_bytes * 4 // 3 + 4) + _JSON_ENVELOPE_BYTES


class HttpClient:
    """Sessions per thread for one provider, made on first use (nothing connects before)."""

    def __init__(self, *, provider: str, user_agent: str | None = None) -> None:
        self.provider = provider
        self.user_agent = user_agent
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            if self.user_agent:
                session.headers["User-Agent"] = self.user_agent
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def send(
        self,
        method: str,
        url: str,
        *,
        timeout_s: float,
        max_body_bytes: int = MAX_ANSWER_BYTES,
        stream: bool = False,
        error: Callable[[requests.Response], ProviderError] | None = None,
        shown_url: str | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """One request; a failure to get any answer raises `network_error`'s error.

        The answer's body is read before this returns, never more than ``max_body_bytes``: a 2xx
        answer over it is an `InvalidResponseError` (nothing past the cap is read), an error answer
        keeps its first ``max_body_bytes``; a body cut short or stalled raises as `read_capped`
        says. With ``stream`` the body is left unread, for the caller to read under its own cap.
        With ``error`` (and without ``stream``), a non-2xx answer raises ``error(answer)`` (the
        provider's reading of its error envelope) instead of being returned. Messages name
        ``shown_url`` (default ``url``): an API whose paths hold the key is named by its base
        address alone."""
        shown = url if shown_url is None else shown_url
        try:
            response = self.session().request(method, url, timeout=timeout_s, stream=True, **kwargs)
        except requests.RequestException as exc:
            raise network_error(exc, url=shown, provider=self.provider, timeout_s=timeout_s) from None
        if stream:
            return response
        with response:
            read_answer(response, url=shown, provider=self.provider, max_body_bytes=max_body_bytes, timeout_s=timeout_s)
            if error is not None and not 200 <= response.status_code < 300:
                raise error(response)
        return response

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()


def read_answer(
    response: requests.Response, *, url: str, provider: str, max_body_bytes: int, timeout_s: float
) -> requests.Response:
    """``response`` (made with ``stream=True``) with its body read under ``max_body_bytes``, as
    `HttpClient.send` says; ``response.content``, ``.text`` and ``.json()`` then use those bytes."""
    data = read_capped(
        response,
        what=f"the answer from {display_url(url)}",
        url=url,
        provider=provider,
        max_bytes=max_body_bytes,
        timeout_s=timeout_s,
        keep_first=not response.ok,
    )
    # What `Response.content` does itself once it has read a body: later reads use these bytes.
    response._content = data
    response._content_consumed = True
    return response


def status_error(response: requests.Response, *, provider: str, message: str | None = None) -> ProviderError | None:
    """The error for a non-2xx response (None for 2xx), with the server's own words when short."""
    return error_for_status(
        response.status_code,
        provider=provider,
        headers=response.headers,
        body_text=response.text[:ERROR_BODY_CHARS],
        message=message,
    )


def failure(response: requests.Response, *, provider: str, message: str | None = None) -> ProviderError:
    """The error for an answer known to have failed: `status_error`'s, or a `PermanentError` naming
    a status it has no error for."""
    error = status_error(response, provider=provider, message=message)
    return error or PermanentError(f"unexpected answer (HTTP {response.status_code})", provider=provider)


def address_error(
    response: requests.Response, *, provider: str, setting: str, usual: str, said: str = ""
) -> ConfigError:
    """A 404 from an API whose paths always exist: the address is wrong. ``setting`` is the
    ``base_url`` setting's path, ``usual`` says what it normally is ("OpenAI's is https://…"),
    ``said`` ends the first sentence (`quoted_excerpt`)."""
    return ConfigError(
        f"{display_url(response.url)} does not exist (HTTP {response.status_code}){said}. Check {setting} ({usual})",
        provider=provider,
    )


def json_or_none(response: requests.Response) -> Any:
    """The response's JSON, or None when its body is not JSON (an error page, an empty body)."""
    try:
        return response.json()
    except ValueError:
        return None


def error_object(response: requests.Response) -> Mapping[str, Any] | None:
    """The object of a JSON error envelope ``{"error": {…}}`` (OpenAI's, Google's…); None for any
    other body."""
    body = json_or_none(response)
    error = body.get("error") if isinstance(body, Mapping) else None
    return error if isinstance(error, Mapping) else None


def json_body(response: requests.Response, *, provider: str, hint: str = "") -> Any:
    """The response's JSON, or `InvalidResponseError` naming what came instead (and ``hint``, what
    to check, after a "; ")."""
    try:
        return response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "no content type")
        advice = f"; {hint}" if hint else ""
        raise InvalidResponseError(
            f"answered with something that is not JSON ({kind}) from {display_url(response.url)}{advice}",
            provider=provider,
        ) from None
