"""What every HTTP provider class repeats, written once: an `HttpClient` made in ``__init__`` (no
connection before the first request), closed by ``close``, and the download of a media URL that an
answer named, under the provider's own limits.

``download`` passes the provider's own ``base_url`` as the one origin plain http is allowed from
(`download_media`'s rule): a URL from a server's answer never widens it.

Thread safety: ``download`` and the client may be used from any number of worker threads at once
(the client gives each thread its own session); ``close`` is called once, after every call returned.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import requests

from ...core.base.errors import ProviderError
from ...core.provider_system.media_provider import MediaProvider
from .client import HttpClient, json_body
from .download import download_media


class HttpProvider(MediaProvider, abc.ABC):
    """A media provider that talks HTTP; put it before `AudioProvider` or `ImageProvider` in the
    bases (``class X(HttpProvider, AudioProvider)``)."""

    default_user_agent: ClassVar[str] = ""
    """The User-Agent of every request; "" leaves requests' own."""
    probe_timeout_cap_s: ClassVar[float] = 20.0
    """The longest a connection test waits (`probe_timeout_s`): its call is a quick one (a model or
    voice lookup) even where making media may take long."""

    def __init__(self, settings: Mapping[str, Any], *, environ: Mapping[str, str] | None = None) -> None:
        super().__init__(settings, environ=environ)
        self._http = HttpClient(provider=self.name, user_agent=self.user_agent or None)  # makes no connection

    @property
    def user_agent(self) -> str:
        """The User-Agent sent (`default_user_agent` unless a provider reads a setting)."""
        return self.default_user_agent

    @property
    def probe_timeout_s(self) -> float:
        """``timeout_s``, but never more than `probe_timeout_cap_s`, for a connection test's call."""
        return min(self.timeout_s, self.probe_timeout_cap_s)

    def probe_get(self, url: str, **kwargs: Any) -> requests.Response:
        """A connection test's ``GET url``: `HttpClient.send` waiting at most `probe_timeout_s`
        (``kwargs`` as ``send`` takes them: headers, params, ``error``…)."""
        return self._http.send("GET", url, timeout_s=self.probe_timeout_s, **kwargs)

    def get_json(self, url: str, *, error: Callable[[requests.Response], ProviderError], **kwargs: Any) -> Any:
        """The JSON answer of ``GET url`` for something that is not a request (a voice list):
        `require_access` first (no key, no call), then ``error(answer)`` raised for a non-2xx
        answer; ``kwargs`` as `HttpClient.send` takes them. Blocks on the network."""
        self.require_access()
        response = self._http.send("GET", url, timeout_s=self.timeout_s, error=error, **kwargs)
        return json_body(response, provider=self.name, hint="check base_url")

    def download(self, url: str) -> tuple[bytes, str]:
        """``(data, extension)`` of the media at ``url`` (of this provider's kind), checked as
        `download_media` says; blocks on the network."""
        return download_media(
            self._http.session(),
            url,
            kind=self.kind,
            provider=self.name,
            timeout_s=self.timeout_s,
            max_bytes=self.max_media_bytes,
            allowed_http_base=self.base_url,
        )

    def close(self) -> None:
        self._http.close()
