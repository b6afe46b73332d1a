"""`download_media` against real loopback servers: `fake_http` for ordinary answers, and a raw socket
server (below) for what http.server cannot do on purpose: bodies without a length, bodies shorter
than their Content-Length, stalls in the middle of a body, and counting how much was really sent."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from addon.core.base.errors import (
    InvalidResponseError,
    NotFoundError,
    PermanentError,
    ProviderError,
    RateLimitError,
    TransientError,
)
from addon.core.media.types import MediaKind
from addon.providers.http.download import display_url, download_media, is_loopback_host
from tests.support.fake_http import FakeServer, Recorded, Reply, serve
from tests.support.media_samples import png_bytes

MB = 1024 * 1024
SECRET_QUERY = "sv=2026-01-01&se=2026-12-31T00%3A00%3A00Z&sig=Zm9vYmFyc2VjcmV0c2lnbmF0dXJl"
SECRET_VALUES = ("Zm9vYmFyc2VjcmV0c2lnbmF0dXJl", "2026-12-31")


PNG = png_bytes()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200 + b"\xff\xd9"
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>" + b"<p>Please sign in</p>" * 20


def fetch(
    url: str,
    *,
    kind: MediaKind = MediaKind.IMAGE,
    base: str | None = None,
    max_bytes: int = MB,
    timeout_s: float = 5.0,
    session: requests.Session | None = None,
) -> tuple[bytes, str]:
    with session or requests.Session() as s:
        return download_media(
            s, url, kind=kind, provider="pics", timeout_s=timeout_s, max_bytes=max_bytes, allowed_http_base=base
        )


def fetch_error(url: str, **kwargs: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        fetch(url, **kwargs)
    return caught.value


@contextmanager
def files(routes: dict[str, Reply]) -> Iterator[FakeServer]:
    """A fake_http server answering each path from ``routes``, 404 for the rest."""
    with serve(lambda request: routes.get(request.path, Reply(404, b"no such file"))) as server:
        yield server


# --- a raw socket server -----------------------------------------------------------------------


@dataclass
class RawReply:
    """``head`` (status line and headers, without the blank line), then ``body_size`` body bytes
    (a PNG signature, then zeros) sent in 64 KiB pieces, then an optional stall, then close."""

    head: str
    body_size: int
    stall_s: float = 0.0


@dataclass
class RawServer:
    url: str = ""
    sent: int = 0  # body bytes the kernel accepted before the client went away or the body ended
    finished: threading.Event = field(default_factory=threading.Event)


@contextmanager
def raw_server(reply: RawReply) -> Iterator[RawServer]:
    """Answers one connection with ``reply`` and records how much of the body it could send."""
    state = RawServer()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    state.url = f"http://127.0.0.1:{listener.getsockname()[1]}"

    def run() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            try:
                request = b""
                while b"\r\n\r\n" not in request:
                    data = conn.recv(65536)
                    if not data:
                        return
                    request += data
                conn.sendall(reply.head.replace("\n", "\r\n").encode() + b"\r\n\r\n")
                piece = b"\x89PNG\r\n\x1a\n" + b"\x00" * (65536 - 8)
                while state.sent < reply.body_size:
                    n = min(len(piece), reply.body_size - state.sent)
                    conn.sendall(piece[:n])
                    state.sent += n
                    piece = b"\x00" * 65536
                if reply.stall_s:
                    time.sleep(reply.stall_s)
            except OSError:
                pass  # the client closed: that is what some tests want
            finally:
                state.finished.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        listener.close()
        thread.join(timeout=10)


# --- success and media checks ------------------------------------------------------------------


def test_png_is_downloaded_with_its_sniffed_extension() -> None:
    with files({"/blob/a.png": Reply(200, PNG, {"Content-Type": "image/png"})}) as server:
        data, extension = fetch(f"{server.url}/blob/a.png?{SECRET_QUERY}", base=server.url)
        assert (data, extension) == (PNG, "png")
        assert server.requests[0].query["sig"] == ["Zm9vYmFyc2VjcmV0c2lnbmF0dXJl"], "the query is sent as given"


def test_extension_comes_from_the_bytes_not_the_content_type() -> None:
    with files({"/a.png": Reply(200, JPEG, {"Content-Type": "image/png"})}) as server:
        assert fetch(f"{server.url}/a.png", base=server.url) == (JPEG, "jpg")


def test_audio_kind(mp3_bytes: bytes) -> None:
    with files({"/a": Reply(200, mp3_bytes, {"Content-Type": "application/octet-stream"})}) as server:
        assert fetch(f"{server.url}/a", kind=MediaKind.AUDIO, base=server.url) == (mp3_bytes, "mp3")


def test_html_page_labelled_image_png_is_refused() -> None:
    with files({"/a.png": Reply(200, HTML_PAGE, {"Content-Type": "image/png"})}) as server:
        error = fetch_error(f"{server.url}/a.png", base=server.url)
    assert isinstance(error, InvalidResponseError)
    assert "HTML page" in error.message


def test_an_image_is_not_audio() -> None:
    with files({"/a.mp3": Reply(200, PNG, {"Content-Type": "audio/mpeg"})}) as server:
        assert isinstance(
            fetch_error(f"{server.url}/a.mp3", kind=MediaKind.AUDIO, base=server.url), InvalidResponseError
        )


def test_empty_body_is_refused() -> None:
    with files({"/a.png": Reply(200, b"", {"Content-Type": "image/png"})}) as server:
        assert isinstance(fetch_error(f"{server.url}/a.png", base=server.url), InvalidResponseError)


def test_session_credentials_are_not_sent_to_the_download_host() -> None:
    session = requests.Session()
    session.headers["Authorization"] = "Bearer sk-test-0123456789abcdef"
    session.headers["X-Api-Key"] = "k-0123456789"
    session.headers["User-Agent"] = "MediaFill/test"
    session.auth = ("user", "password")
    with files({"/a.png": Reply(200, PNG, {"Content-Type": "image/png"})}) as server:
        fetch(f"{server.url}/a.png", base=server.url, session=session)
        headers = server.requests[0].headers
    assert "authorization" not in headers
    assert "x-api-key" not in headers
    assert headers["user-agent"] == "MediaFill/test", "other session headers are kept"


# --- size cap ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(f"HTTP/1.1 200 OK\nContent-Type: image/png\nContent-Length: {50 * MB}", id="refused-by-length"),
        pytest.param("HTTP/1.1 200 OK\nContent-Type: image/png\nConnection: close", id="cut-off-without-length"),
    ],
)
def test_a_body_over_the_cap_is_stopped_early(head: str) -> None:
    """With a Content-Length over the cap nothing is read; without one, reading stops past the cap."""
    big = 50 * MB
    with raw_server(RawReply(head, big)) as server:
        started = time.monotonic()
        error = fetch_error(f"{server.url}/big.png", base=server.url, max_bytes=MB)
        elapsed = time.monotonic() - started
        assert server.finished.wait(10)
    assert isinstance(error, InvalidResponseError)
    assert "larger than 1 MB" in error.message
    assert elapsed < 3
    assert server.sent < big // 2, f"the server had to send {server.sent} bytes"


def test_a_big_body_from_fake_http_returns_quickly() -> None:
    body = PNG + b"\x00" * (50 * MB)
    with files({"/big.png": Reply(200, body, {"Content-Type": "image/png"})}) as server:
        started = time.monotonic()
        error = fetch_error(f"{server.url}/big.png", base=server.url, max_bytes=MB)
        assert time.monotonic() - started < 3
    assert isinstance(error, InvalidResponseError)


def test_a_compressed_body_is_capped_by_its_decoded_size() -> None:
    bomb = gzip.compress(PNG + b"\x00" * (20 * MB))
    assert len(bomb) < MB // 10
    headers = {"Content-Type": "image/png", "Content-Encoding": "gzip"}
    with files({"/a.png": Reply(200, bomb, headers)}) as server:
        error = fetch_error(f"{server.url}/a.png", base=server.url, max_bytes=MB)
    assert isinstance(error, InvalidResponseError)
    assert "larger than" in error.message


def test_a_corrupt_compressed_body_is_an_invalid_response() -> None:
    headers = {"Content-Type": "image/png", "Content-Encoding": "gzip"}
    with files({"/a.png": Reply(200, b"\x1f\x8b\x08\x00" + b"garbage" * 50, headers)}) as server:
        error = fetch_error(f"{server.url}/a.png", base=server.url)
    assert isinstance(error, InvalidResponseError)
    assert "could not be decompressed (gzip)" in error.message


def test_a_body_exactly_at_the_cap_is_accepted() -> None:
    with files({"/a.png": Reply(200, PNG, {"Content-Type": "image/png"})}) as server:
        assert fetch(f"{server.url}/a.png", base=server.url, max_bytes=len(PNG)) == (PNG, "png")
        error = fetch_error(f"{server.url}/a.png", base=server.url, max_bytes=len(PNG) - 1)
    assert isinstance(error, InvalidResponseError)
    assert "larger than" in error.message


# --- truncated and stalled bodies ---------------------------------------------------------------


def test_a_body_shorter_than_its_content_length_is_cut_short() -> None:
    head = "HTTP/1.1 200 OK\nContent-Type: image/png\nContent-Length: 100000"
    with raw_server(RawReply(head, 30_000)) as server:
        error = fetch_error(f"{server.url}/a.png?{SECRET_QUERY}", base=server.url)
    assert isinstance(error, InvalidResponseError), "the bytes start like a PNG: only the length tells"
    assert "cut short" in error.message


def test_a_stall_in_the_middle_of_the_body_is_transient() -> None:
    head = "HTTP/1.1 200 OK\nContent-Type: image/png\nContent-Length: 100000"
    with raw_server(RawReply(head, 10_000, stall_s=1.0)) as server:
        started = time.monotonic()
        error = fetch_error(f"{server.url}/a.png", base=server.url, timeout_s=0.3)
        assert time.monotonic() - started < 1.5
    assert type(error) is TransientError
    assert "stalled" in error.message


def test_no_answer_before_the_timeout_is_transient() -> None:
    with files({"/a.png": Reply(200, PNG, {"Content-Type": "image/png"}, delay_s=1.5)}) as server:
        error = fetch_error(f"{server.url}/a.png", base=server.url, timeout_s=0.3)
    assert type(error) is TransientError
    assert "no answer within 0.3 s" in error.message


def test_connection_refused_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    error = fetch_error(f"{url}/a.png?{SECRET_QUERY}", base=url)
    assert type(error) is TransientError
    assert "connection refused" in error.message


# --- statuses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "cls"),
    [
        (Reply(404, b"<html><body><h1>Not Found</h1></body></html>", {"Content-Type": "text/html"}), NotFoundError),
        (Reply.of_json({"error": {"message": "slow down"}}, status=429, headers={"Retry-After": "7"}), RateLimitError),
        (Reply(500, b"Internal Server Error"), TransientError),
        (Reply(403, b"<Error><Code>AuthenticationFailed</Code></Error>"), PermanentError),
    ],
)
def test_statuses_are_mapped(reply: Reply, cls: type[ProviderError]) -> None:
    with files({"/a.png": reply}) as server:
        error = fetch_error(f"{server.url}/a.png", base=server.url)
    assert isinstance(error, cls)
    assert f"HTTP {reply.status}" in error.message
    if isinstance(error, RateLimitError):
        assert error.retry_after == 7.0
        assert "slow down" in error.message


# --- schemes, hosts and redirects --------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/a.png",
        "http://93.184.216.34/a.png",
        "ftp://example.com/a.png",
        "file:///etc/passwd",
    ],
)
def test_non_https_to_other_hosts_is_refused(url: str) -> None:
    error = fetch_error(f"{url}?{SECRET_QUERY}", base="http://127.0.0.1:8080")
    assert type(error) is PermanentError
    assert "refused" in error.message
    scheme = url.split(":", maxsplit=1)[0]
    assert f"not {scheme}://" in error.message


def test_http_to_a_non_loopback_host_is_refused_even_when_it_is_the_base() -> None:
    error = fetch_error("http://example.com/a.png", base="http://example.com")
    assert type(error) is PermanentError


def test_loopback_http_must_match_the_allowed_base() -> None:
    with files({"/a.png": Reply(200, PNG, {"Content-Type": "image/png"})}) as server:
        port = int(server.url.rsplit(":", 1)[1])
        for base in (None, f"http://127.0.0.1:{port + 1}", f"https://127.0.0.1:{port}", f"http://127.0.0.2:{port}"):
            error = fetch_error(f"{server.url}/a.png", base=base)
            assert type(error) is PermanentError, base
            assert "not http://" in error.message
        assert server.requests == [], "nothing was fetched"
        # the same origin, written with localhost instead of the address, is another origin
        assert type(fetch_error(f"http://localhost:{port}/a.png", base=server.url)) is PermanentError


def test_a_redirect_to_a_refused_url_is_not_followed() -> None:
    with serve(lambda request: Reply(200, PNG, {"Content-Type": "image/png"})) as other:
        routes = {"/a.png": Reply(302, b"", {"Location": f"{other.url}/b.png?{SECRET_QUERY}"})}
        with files(routes) as server:
            error = fetch_error(f"{server.url}/a.png", base=server.url)
        assert type(error) is PermanentError
        assert "not http://" in error.message
        assert other.requests == [], "the refused target was never contacted"


def test_a_redirect_within_the_allowed_origin_is_followed() -> None:
    routes = {
        "/a.png": Reply(302, b"", {"Location": "/files/b.png"}),
        "/files/b.png": Reply(200, PNG, {"Content-Type": "image/png"}),
    }
    with files(routes) as server:
        assert fetch(f"{server.url}/a.png", base=server.url) == (PNG, "png")
        assert [r.path for r in server.requests] == ["/a.png", "/files/b.png"]


def test_a_redirect_to_plain_http_elsewhere_is_refused_without_a_connection() -> None:
    routes = {"/a.png": Reply(301, b"", {"Location": "http://example.invalid/b.png"})}
    with files(routes) as server:
        error = fetch_error(f"{server.url}/a.png", base=server.url)
    assert type(error) is PermanentError, "refused, not a DNS failure: the target was checked first"


# --- secrets in URLs ---------------------------------------------------------------------------


def test_the_query_string_never_appears_in_error_messages() -> None:
    def handler(request: Recorded) -> Reply:
        query = "&".join(f"{k}={v[0]}" for k, v in request.query.items())
        echoed = f"<Error><Message>No blob at {request.path}?{query}</Message></Error>".encode()
        if request.path == "/missing.png":
            return Reply(404, echoed, {"Content-Type": "application/xml"})
        if request.path == "/busy.png":
            return Reply(503, echoed)
        if request.path == "/page.png":
            return Reply(200, b"<html><body>" + echoed, {"Content-Type": "image/png"})  # quoted by the media check
        return Reply(200, PNG + b"\x00" * 5000, {"Content-Type": "image/png"})

    errors: list[ProviderError] = []
    with serve(handler) as server:
        for path, cap in (("/missing.png", MB), ("/busy.png", MB), ("/page.png", MB), ("/big.png", 1000)):
            errors.append(fetch_error(f"{server.url}{path}?{SECRET_QUERY}", base=server.url, max_bytes=cap))
    errors.append(fetch_error(f"http://example.com/a.png?{SECRET_QUERY}"))
    errors.append(fetch_error(f"http://user:hunter2pass@127.0.0.1:9/a.png?{SECRET_QUERY}", base="http://127.0.0.1:9"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    errors.append(fetch_error(f"{closed}/a.png?{SECRET_QUERY}", base=closed))
    assert len(errors) == 7
    for error in errors:
        text = f"{error} {error.args}"
        assert "sig=" not in text, text
        assert "hunter2pass" not in text, text
        for value in SECRET_VALUES:
            assert value not in text, text
    assert "No blob at /missing.png" in errors[0].message, "the server's message is still quoted"


# --- helpers -----------------------------------------------------------------------------------


def test_display_url_drops_user_info_query_and_fragment() -> None:
    assert (
        display_url("https://u:p@cdn.example.com:8443/x/y.png?sig=abc#frag") == "https://cdn.example.com:8443/x/y.png"
    )
    assert display_url("http://[::1]:80/a") == "http://[::1]:80/a"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("::ffff:127.0.0.1", True),
        ("10.0.0.1", False),
        ("0.0.0.0", False),
        ("localhost.example.com", False),
        ("127.0.0.1.nip.io", False),
    ],
)
def test_is_loopback_host(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback
