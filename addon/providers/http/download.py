"""One careful download, for providers whose API answers with a URL of the media (image search,
DALL·E-style URLs, pronunciation dictionaries).

`download_media` fetches the URL over https (plain http only to the provider's own loopback
server), streams it under a size cap, maps HTTP and network failures to the add-on's errors, and
checks that the bytes really are the media asked for before returning them.

URLs from APIs are often signed (``?sig=…&se=…``): the query string and any user info are left out
of every message. Credential headers that the session carries (``Authorization``, API-key headers)
are not sent with the download: the URL comes from a server's answer and may point anywhere, and
signed URLs carry their own token.

Thread safety: a pure function of its arguments; call it from worker threads, never from the main
thread (it blocks on the network). The ``session`` is used for one request; requests' sessions
share their connection pool across threads well enough for concurrent downloads, but a provider
that wants strict safety passes a session per thread.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from collections.abc import Mapping
from typing import cast

import requests

from ...core.base.errors import InvalidResponseError, PermanentError, ProviderError, TransientError
from ...core.media.checks import require_media, sniff_audio, sniff_image
from ...core.media.types import MediaKind
from .status import error_for_status

CHUNK_BYTES = 64 * 1024
ERROR_BODY_BYTES = 8 * 1024
"""How much of an error response is read for the message (the rest is not downloaded)."""

# Credential headers a provider's session may carry. Sent as None, which makes requests drop them from
# the session's headers for this one request (documented behaviour its type hints do not allow).
_CREDENTIAL_HEADERS = (
    "Authorization",
    "Proxy-Authorization",
    "Cookie",
    "X-Api-Key",
    "Api-Key",
    "xi-api-key",
    "X-Goog-Api-Key",
    "Ocp-Apim-Subscription-Key",
)
_LOOPBACK_NAMES = frozenset({"localhost", "localhost."})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_MIN_SECRET_CHARS = 6
# "?name=value&name=value…" anywhere in a text: what a server quoting a signed URL back looks like.
_QUERY_STRING = re.compile(r"\?[^\s?=&<>\"']+=[^\s<>\"']*")


def _no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """An auth hook that adds nothing: keeps a session's ``auth`` (and ~/.netrc) off downloads."""
    return request


def download_media(
    session: requests.Session,
    url: str,
    *,
    kind: MediaKind,
    provider: str,
    timeout_s: float,
    max_bytes: int,
    allowed_http_base: str | None = None,
) -> tuple[bytes, str]:
    """Download ``url`` and return ``(data, extension)``, the extension sniffed from the bytes.

    Rules:

    * https only (TLS verified). Plain http is allowed only when the URL's scheme, host and port
      equal those of ``allowed_http_base`` and that host is loopback (127.0.0.0/8, ::1,
      localhost): a provider whose own ``base_url`` is a local http server. Anything else →
      `PermanentError` naming the refused scheme. Redirects are followed as requests does, but each
      target is checked by the same rule before it is fetched, and the final URL once more.
    * Streamed in chunks of `CHUNK_BYTES`; more than ``max_bytes`` (announced by Content-Length or
      found while reading) → `InvalidResponseError` at once, and the connection is closed.
    * A non-2xx status → `error_for_status` (429 → `RateLimitError`, 404 → `NotFoundError`, …).
    * A body shorter than its Content-Length or a connection broken mid-body →
      `InvalidResponseError` ("cut short"); no connection, a timeout → `TransientError`.
    * The bytes must be a whole ``kind`` file by their own structure (`require_media`, with the
      same ``max_bytes``), whatever the Content-Type said → else `InvalidResponseError`.

    ``timeout_s`` is requests' timeout: for connecting, and for each wait for more bytes.
    Blocks the calling thread: call from a worker thread (see the module docstring).
    """
    sent = _as_sent(url)
    _require_allowed_url(sent, allowed_http_base=allowed_http_base, provider=provider)
    shown = display_url(sent)

    def check_redirect(response: requests.Response, *args: object, **kwargs: object) -> None:
        """Refuse a redirect before requests follows it (the final URL is checked again below)."""
        if response.is_redirect:
            target = urllib.parse.urljoin(response.url, response.headers.get("Location", ""))
            try:
                _require_allowed_url(target, allowed_http_base=allowed_http_base, provider=provider)
            except PermanentError:
                response.close()
                raise

    try:
        response = session.get(
            sent,
            stream=True,
            timeout=timeout_s,
            headers=cast("dict[str, str]", dict.fromkeys(_CREDENTIAL_HEADERS)),
            auth=_no_auth,
            hooks={"response": [check_redirect]},
        )
    except requests.exceptions.SSLError:
        raise PermanentError(
            f"could not download {shown}: the server's TLS certificate could not be verified", provider=provider
        ) from None
    except requests.exceptions.TooManyRedirects:
        raise PermanentError(f"could not download {shown}: too many redirects", provider=provider) from None
    except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema):
        raise PermanentError(f"could not download {shown}: the address is not a valid URL", provider=provider) from None
    except requests.Timeout:
        raise TransientError(
            f"could not download {shown}: no answer within {timeout_s:g} s", provider=provider
        ) from None
    except requests.RequestException as exc:
        raise TransientError(f"could not download {shown}: {_network_reason(exc, url)}", provider=provider) from None
    with response:
        for hop in (*response.history, response):
            _require_allowed_url(hop.url, allowed_http_base=allowed_http_base, provider=provider)
        if not 200 <= response.status_code < 300:
            raise _status_error(response, url=url, provider=provider)
        data = read_capped(
            response, what=f"the download {shown}", url=url, provider=provider, max_bytes=max_bytes, timeout_s=timeout_s
        )
    extension = (sniff_image(data) if kind is MediaKind.IMAGE else sniff_audio(data)) or ""
    try:
        require_media(kind, data, extension=extension, provider=provider, max_bytes=max_bytes)
    except InvalidResponseError as exc:  # its preview of a text body may quote the URL back
        scrubbed = _without_url_secrets(exc.message, url)
        if scrubbed == exc.message:
            raise
        raise InvalidResponseError(scrubbed, provider=provider) from None
    return data, extension


def network_error(exc: requests.RequestException, *, url: str, provider: str, timeout_s: float) -> ProviderError:
    """A request that got no answer, as the error to raise: no valid URL or a TLS failure →
    `PermanentError`; a timeout or a failed connection → `TransientError`. The message names the
    host, never the path's query string."""
    shown = display_url(url)
    if isinstance(exc, requests.exceptions.SSLError):
        return PermanentError(f"{shown}: the server's TLS certificate could not be verified", provider=provider)
    if isinstance(
        exc, (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema)
    ):
        return PermanentError(f"{shown} is not a valid URL; check base_url", provider=provider)
    if _is_timeout(exc):
        return TransientError(f"{shown} did not answer within {timeout_s:g} s (timeout_s)", provider=provider)
    return TransientError(f"cannot reach {shown}: {_network_reason(exc, url)}", provider=provider)


def display_url(url: str) -> str:
    """``url`` as it may appear in messages and logs: scheme, host, port and path only (no user
    info, query string or fragment, which may hold signed tokens)."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "an invalid address"
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port is not None else host
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1, also IPv4-mapped)."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port with the scheme's default filled in); raises ValueError for a bad port."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


def _as_sent(url: str) -> str:
    """``url`` as requests will send it. requests reads an address with urllib3's parser, which
    reads some differently from Python's (``http://a\\@b/`` goes to host ``a``, where `urlsplit`
    says ``b``): checking the address requests prepared checks the host it will really contact."""
    try:
        prepared = requests.Request("GET", url).prepare().url
    except (requests.RequestException, ValueError):  # not a URL requests can send: refused below or by it
        return url
    return prepared or url


def _require_allowed_url(url: str, *, allowed_http_base: str | None, provider: str) -> None:
    shown = display_url(url)
    try:
        scheme, host, port = _origin(url)
        allowed = _origin(allowed_http_base) if allowed_http_base else None
    except ValueError:
        raise PermanentError(
            f"refused to download {shown}: the address is not a valid URL", provider=provider
        ) from None
    if scheme != "https" and not (scheme == "http" and allowed == (scheme, host, port) and is_loopback_host(host)):
        refused = f"{scheme}://" if scheme else "an address without a scheme"
        raise PermanentError(
            f"refused to download {shown}: only https:// downloads are allowed, not {refused}", provider=provider
        )
    if not host:
        raise PermanentError(f"refused to download {shown}: the address has no host", provider=provider)


def read_capped(
    response: requests.Response,
    *,
    what: str,
    url: str,
    provider: str,
    max_bytes: int,
    timeout_s: float,
    keep_first: bool = False,
) -> bytes:
    """The body of a streamed ``response``, read in chunks and never more than ``max_bytes``.

    ``what`` names the body in messages ("the download https://host/path"). A body over the cap
    (announced by Content-Length or found while reading) → `InvalidResponseError` at once, without
    reading the rest; with ``keep_first`` (an error answer, whose start is all that is wanted) its
    first ``max_bytes`` are returned instead. A body cut short → `InvalidResponseError`; a stall
    past ``timeout_s`` or a failed connection → `TransientError`. Blocks: worker threads only."""
    too_large = InvalidResponseError(
        f"{what} is larger than {_size_text(max_bytes)}; nothing was saved", provider=provider
    )
    announced = _content_length(response.headers)
    if announced is not None and announced > max_bytes and not keep_first:
        response.close()
        raise too_large
    chunks: list[bytes] = []
    received = 0
    try:
        for chunk in response.iter_content(chunk_size=CHUNK_BYTES):
            received += len(chunk)
            chunks.append(chunk)
            if received > max_bytes:
                response.close()
                if keep_first:
                    return b"".join(chunks)[:max_bytes]
                raise too_large
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as exc:
        # requests wraps urllib3's ProtocolError (IncompleteRead, a reset) as ChunkedEncodingError, and
        # a read timeout in the middle of the body as ConnectionError(ReadTimeoutError).
        if _is_timeout(exc):
            raise TransientError(f"{what} stalled: no data for {timeout_s:g} s", provider=provider) from None
        raise InvalidResponseError(
            f"{what} was cut short after {_size_text(received)}"
            + (f" of {_size_text(announced)}" if announced is not None else "")
            + "; nothing was saved",
            provider=provider,
        ) from None
    except requests.exceptions.ContentDecodingError:
        raise InvalidResponseError(
            f"{what} could not be decompressed ({response.headers.get('Content-Encoding')}); nothing was saved",
            provider=provider,
        ) from None
    except requests.RequestException as exc:
        raise TransientError(f"{what} failed: {_network_reason(exc, url)}", provider=provider) from None
    data = b"".join(chunks)
    # urllib3 enforces Content-Length itself; this also covers a raw body that was not decoded.
    if announced is not None and not response.headers.get("Content-Encoding") and len(data) < announced:
        raise InvalidResponseError(
            f"{what} was cut short after {_size_text(len(data))} of {_size_text(announced)}; nothing was saved",
            provider=provider,
        )
    return data


def _status_error(response: requests.Response, *, url: str, provider: str) -> Exception:
    body = b""
    try:
        for chunk in response.iter_content(chunk_size=ERROR_BODY_BYTES):
            body += chunk
            if len(body) >= ERROR_BODY_BYTES:
                break
    except requests.RequestException:
        pass  # the status says enough
    try:
        text = body[:ERROR_BODY_BYTES].decode(response.encoding or "utf-8", "replace")
    except LookupError:  # a charset Python does not know
        text = body[:ERROR_BODY_BYTES].decode("utf-8", "replace")
    text = _without_url_secrets(text, url)
    error = error_for_status(response.status_code, provider=provider, headers=response.headers, body_text=text)
    return error or PermanentError(f"unexpected HTTP {response.status_code}", provider=provider)


def _content_length(headers: Mapping[str, str]) -> int | None:
    value = headers.get("Content-Length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps (requests and urllib3 keep the cause in ``args[0]`` or ``reason``,
    Python in ``__cause__``/``__context__``), outermost first."""
    found: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending and len(found) < 16:
        current = pending.pop(0)
        if any(current is seen for seen in found):
            continue
        found.append(current)
        reason = getattr(current, "reason", None)
        for inner in (*current.args[:1], reason, current.__cause__, current.__context__):
            if isinstance(inner, BaseException):
                pending.append(inner)
    return found


def _is_timeout(exc: BaseException) -> bool:
    """Whether requests' exception wraps a timeout. urllib3's ReadTimeoutError is recognised by name:
    core does not import urllib3 itself."""
    return any(
        isinstance(cause, (requests.Timeout, TimeoutError)) or type(cause).__name__ == "ReadTimeoutError"
        for cause in _causes(exc)
    )


def _network_reason(exc: requests.RequestException, url: str) -> str:
    """A short reason for a network failure without the URL (requests' own texts quote the path and
    the query string): the OS error's text when there is one, else the exception's kind."""
    for cause in _causes(exc):
        if isinstance(cause, OSError) and not isinstance(cause, requests.RequestException) and cause.strerror:
            return _without_url_secrets(cause.strerror, url).lower()
    return f"connection failed ({type(exc).__name__})"


def _without_url_secrets(text: str, url: str) -> str:
    """``text`` (a server's words, an OS error) without the URL's secrets: every query string in it
    (also one cut short by an excerpt), and the URL's longer parameter values and password."""
    text = _QUERY_STRING.sub("?[query removed]", text)
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return text
    secrets = [parts.query, urllib.parse.unquote(parts.query), parts.password or ""]
    secrets += [value for _, value in urllib.parse.parse_qsl(parts.query)]
    for secret in sorted({s for s in secrets if len(s) >= _MIN_SECRET_CHARS}, key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    return text


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size / 1024:.1f}".removesuffix(".0") + " KB"
    return f"{size} bytes"
