"""Media downloads go over https only, except from a provider's own loopback http ``base_url`` (issue 9).

``tests/unit/test_download.py`` covers the core rule (http to other hosts, a loopback origin that
differs from the allowed base, a redirect to another port, ``file://`` and ``ftp://``). This module
adds what it leaves out: ``data:`` and other schemes, direct and as redirect targets; redirects to
every kind of other origin, each refused before the second request is made; and, for every
provider that downloads URLs, that the origin it allows is exactly its own ``base_url`` and nothing
looser (a static check of each call, and a run against its fake behind a forwarding server, so the
media URLs the API hands out point at another loopback port than ``base_url``).
"""

from __future__ import annotations

import ast
import base64
import inspect
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from addon.core.base.errors import PermanentError, ProviderError
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.provider_system.media_provider import MediaProvider
from addon.providers.audio.forvo import ForvoPronunciations
from addon.providers.http.download import download_media
from addon.providers.image.openai import OpenAIImages
from addon.providers.image.openverse import OpenverseImages
from addon.providers.image.runware import RunwareImages
from addon.providers.image.wikimedia import WikimediaCommons
from tests.fakes.forvo_fake import TEST_KEY as FORVO_TEST_KEY
from tests.fakes.forvo_fake import serve_forvo
from tests.fakes.openai_fake import TEST_KEY as OPENAI_TEST_KEY
from tests.fakes.openai_fake import serve_openai
from tests.fakes.openverse_fake import serve_openverse
from tests.fakes.runware_fake import API_PATH as RUNWARE_API_PATH
from tests.fakes.runware_fake import DEFAULT_KEY as RUNWARE_TEST_KEY
from tests.fakes.runware_fake import serve_runware
from tests.fakes.wikimedia_fake import API_PATH as WIKIMEDIA_API_PATH
from tests.fakes.wikimedia_fake import CommonsFile, serve_wikimedia
from tests.security.security_ast import ADDON, calls, parse, relative
from tests.support.fake_http import FakeServer, Recorded, Reply, serve
from tests.support.media_samples import png_bytes
from tests.support.shipped import shipped_slice

PNG = png_bytes()
REFUSED = "only https:// downloads are allowed"


def fetch(url: str, *, base: str | None) -> tuple[bytes, str]:
    with requests.Session() as session:
        return download_media(
            session, url, kind=MediaKind.IMAGE, provider="pics", timeout_s=5, max_bytes=1 << 20, allowed_http_base=base
        )


def refusal(url: str, *, base: str | None) -> PermanentError:
    with pytest.raises(PermanentError) as caught:
        fetch(url, base=base)
    return caught.value


@pytest.fixture(scope="module")
def _other_server() -> Iterator[FakeServer]:
    with serve(lambda request: Reply(200, PNG, {"Content-Type": "image/png"})) as server:
        yield server


@pytest.fixture
def other(_other_server: FakeServer) -> FakeServer:
    """A second loopback server: the target of refused redirects, which must never be contacted."""
    _other_server.requests.clear()
    return _other_server


class Redirecting:
    """A loopback server whose ``/a.png`` answers ``status`` with ``location``, and ``/hop.png`` 302
    with ``hop_location`` (set by each test)."""

    def __init__(self) -> None:
        self.status = 302
        self.location = ""
        self.hop_location = ""  # where /hop.png redirects to

    def __call__(self, request: Recorded) -> Reply:
        if request.path == "/a.png":
            return Reply(self.status, b"", {"Location": self.location})
        if request.path == "/hop.png":
            return Reply(302, b"", {"Location": self.hop_location})
        return Reply(404)


@pytest.fixture(scope="module")
def _redirecting_server() -> Iterator[tuple[FakeServer, Redirecting]]:
    script = Redirecting()
    with serve(script) as server:
        yield server, script


@pytest.fixture
def redirecting(_redirecting_server: tuple[FakeServer, Redirecting]) -> tuple[FakeServer, Redirecting]:
    server, script = _redirecting_server
    server.requests.clear()
    return server, script


def _port(url: str) -> int:
    port = urllib.parse.urlsplit(url).port
    assert port is not None
    return port


# --- download_media: schemes --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "data:image/png;base64," + base64.b64encode(PNG).decode(),
        "file:///etc/hostname",
        "ftp://127.0.0.1/a.png",
        "gopher://127.0.0.1/a.png",
        "ws://127.0.0.1/a.png",
        "javascript:alert(1)",
        "//127.0.0.1/a.png",
        "127.0.0.1/a.png",
    ],
)
def test_every_scheme_but_https_and_own_loopback_http_is_refused(url: str) -> None:
    error = refusal(url, base="http://127.0.0.1:80")
    assert REFUSED in error.message, error.message


def test_plain_http_to_a_host_that_is_not_loopback_is_refused_before_any_lookup() -> None:
    # .invalid never resolves (RFC 2606): were the URL not refused first, this would be a DNS
    # failure, a TransientError, not this PermanentError.
    for base in (None, "http://media.invalid", "http://127.0.0.1:80"):
        assert REFUSED in refusal("http://media.invalid/a.png", base=base).message


def test_the_scheme_of_the_allowed_base_is_compared_too(other: FakeServer) -> None:
    """An https base allows no http download from the same host and port."""
    https_base = other.url.replace("http://", "https://", 1)
    assert REFUSED in refusal(f"{other.url}/a.png", base=https_base).message
    assert other.requests == []
    assert fetch(f"{other.url}/a.png", base=other.url) == (PNG, "png"), "the control: its own http base works"


# --- download_media: redirects ------------------------------------------------------------------

RedirectTarget = Callable[[FakeServer, FakeServer], str]

REDIRECT_TARGETS: dict[str, RedirectTarget] = {
    "http, another loopback port": lambda base, other: f"{other.url}/b.png",
    "http, the same port by another name": lambda base, other: f"http://localhost:{_port(base.url)}/b.png",
    "http, another loopback address": lambda base, other: f"http://127.0.0.2:{_port(base.url)}/b.png",
    "scheme-relative, another port": lambda base, other: f"//127.0.0.1:{_port(other.url)}/b.png",
    "http, a host that is not loopback": lambda base, other: "http://media.invalid/b.png",
    "file": lambda base, other: "file:///etc/hostname",
    "ftp": lambda base, other: f"ftp://127.0.0.1:{_port(base.url)}/b.png",
    "data": lambda base, other: "data:image/png;base64," + base64.b64encode(PNG).decode(),
}


@pytest.mark.parametrize("target", REDIRECT_TARGETS.values(), ids=REDIRECT_TARGETS.keys())
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_off_the_allowed_origin_is_refused_before_it_is_followed(
    target: RedirectTarget, status: int, other: FakeServer, redirecting: tuple[FakeServer, Redirecting]
) -> None:
    base, script = redirecting
    script.status, script.location = status, target(base, other)
    error = refusal(f"{base.url}/a.png", base=base.url)
    assert REFUSED in error.message, error.message
    assert [r.path for r in base.requests] == ["/a.png"], "no second request, not even to the same server"
    assert other.requests == [], "the redirect target was never contacted"


def test_a_redirect_chain_is_checked_at_every_hop(
    other: FakeServer, redirecting: tuple[FakeServer, Redirecting]
) -> None:
    """One hop within the allowed origin (followed), then one off it: the third request is never made."""
    base, script = redirecting
    script.status, script.location, script.hop_location = 302, "/hop.png", f"{other.url}/c.png"
    error = refusal(f"{base.url}/a.png", base=base.url)
    assert REFUSED in error.message
    assert [r.path for r in base.requests] == ["/a.png", "/hop.png"]
    assert other.requests == []


# --- providers that download URLs ---------------------------------------------------------------


def calls_named(name: str) -> list[tuple[str, ast.Call]]:
    """Every call under addon/providers whose function's last name is ``name``, with its module."""
    found = []
    for path in sorted((ADDON / "providers").rglob("*.py")):
        for call, called in calls(parse(path)):
            if called is not None and called.rsplit(".", 1)[-1] == name:
                found.append((relative(path), call))
    return found


def test_every_provider_download_allows_only_its_own_base_url() -> None:
    """Providers download through `HttpProvider.download` alone, whose one `download_media` call
    passes ``allowed_http_base=self.base_url``: the origin the user configured, never one taken from
    a server's answer (``download_media`` honours it only when it is loopback http). Every provider
    that downloads URLs (run against its fake below) calls it, and no provider calls
    ``download_media`` itself."""
    found = calls_named("download_media")
    assert [path for path, _ in found] == ["addon/providers/http/service.py"], found
    for path, call in found:
        allowed = [keyword.value for keyword in call.keywords if keyword.arg == "allowed_http_base"]
        assert [ast.unparse(value) for value in allowed] == ["self.base_url"], f"{path}:{call.lineno}"
    downloading = {path for path, call in calls_named("download") if ast.unparse(call.func) == "self.download"}
    modules = {
        relative(Path(inspect.getfile(type(case.make("https://example.org", Path())))))
        for case in DOWNLOADING_PROVIDERS.values()
    }
    assert downloading == modules, (downloading, modules)


@dataclass(frozen=True)
class Downloader:
    """How to run one downloading provider against its fake: ``serve`` starts the fake (its ``url``
    is what a provider's ``base_url`` would be), ``make`` builds the provider for a ``base_url``."""

    serve: Callable[[], AbstractContextManager[Any]]
    make: Callable[[str, Path], MediaProvider]
    kind: MediaKind
    text: str
    language: str = "en"
    base_suffix: str = ""


def _openai(base_url: str, folder: Path) -> MediaProvider:
    settings = {**shipped_slice("image", "openai"), "base_url": base_url, "retry_attempts": 0}
    return OpenAIImages({**settings, "api_key": OPENAI_TEST_KEY, "api_key_env": ""}, environ={})


def _runware(base_url: str, folder: Path) -> MediaProvider:
    settings = {**shipped_slice("image", "runware"), "base_url": base_url, "retry_attempts": 0}
    return RunwareImages({**settings, "api_key": RUNWARE_TEST_KEY, "output_type": "URL"})


def _openverse(base_url: str, folder: Path) -> MediaProvider:
    return OpenverseImages({**shipped_slice("image", "openverse"), "base_url": base_url, "retry_attempts": 0})


def _wikimedia(base_url: str, folder: Path) -> MediaProvider:
    settings = {**shipped_slice("image", "wikimedia"), "base_url": base_url, "retry_attempts": 0}
    return WikimediaCommons({**settings, "user_agent": "MediaFillSecurityTests/1.0 (tests@example.org)"})


def _forvo(base_url: str, folder: Path) -> MediaProvider:
    settings = {**shipped_slice("audio", "forvo"), "enabled": True, "base_url": base_url, "retry_attempts": 0}
    return ForvoPronunciations(
        {**settings, "api_key": FORVO_TEST_KEY, "counter_file": str(folder / "forvo_counter.json")}
    )


DOWNLOADING_PROVIDERS: dict[str, Downloader] = {
    "image/openai": Downloader(lambda: serve_openai(answer="url"), _openai, MediaKind.IMAGE, "a red apple"),
    "image/runware": Downloader(serve_runware, _runware, MediaKind.IMAGE, "a red apple", base_suffix=RUNWARE_API_PATH),
    "image/openverse": Downloader(serve_openverse, _openverse, MediaKind.IMAGE, "red apple"),
    "image/wikimedia": Downloader(
        lambda: serve_wikimedia({"red apple": [CommonsFile("Red Apple.jpg")]}),
        _wikimedia,
        MediaKind.IMAGE,
        "red apple",
        base_suffix=WIKIMEDIA_API_PATH,
    ),
    "audio/forvo": Downloader(serve_forvo, _forvo, MediaKind.AUDIO, "Straße", language="de"),
}

_HOP_BY_HOP = {"host", "content-length", "connection", "transfer-encoding", "keep-alive", "accept-encoding"}


def forwarding(target: str) -> AbstractContextManager[FakeServer]:
    """A loopback server that passes every request on to ``target`` (its own Host header), so the
    answers name ``target``'s origin while the provider talks to this server's."""
    session = requests.Session()
    session.trust_env = False

    def handler(request: Recorded) -> Reply:
        query = urllib.parse.urlencode(request.query, doseq=True)
        response = session.request(
            request.method,
            f"{target}{request.path}" + (f"?{query}" if query else ""),
            headers={k: v for k, v in request.headers.items() if k not in _HOP_BY_HOP},
            data=request.body,
            allow_redirects=False,
            timeout=10,
        )
        headers = {k: v for k, v in response.headers.items() if k.lower() not in {*_HOP_BY_HOP, "content-encoding"}}
        return Reply(response.status_code, response.content, headers)

    return serve(handler)


@pytest.mark.parametrize("name", DOWNLOADING_PROVIDERS)
def test_a_provider_downloads_over_http_only_from_its_own_base_url(name: str, tmp_path: Path) -> None:
    """The provider talks to its API through a forwarding server (its ``base_url``); the API's media
    URLs point at the fake's own loopback port. Same host, another port: refused, and no download
    request ever reaches the fake. The control: pointed at the fake directly, the same download works."""
    case = DOWNLOADING_PROVIDERS[name]
    request = MediaRequest(kind=case.kind, text=case.text, language=case.language)
    with ExitStack() as stack:
        fake = stack.enter_context(case.serve())
        fake_origin = fake.url.removesuffix(case.base_suffix)
        front = stack.enter_context(forwarding(fake_origin))
        provider = case.make(front.url + case.base_suffix, tmp_path)
        stack.callback(provider.close)
        with pytest.raises(ProviderError) as caught:
            provider.generate(request)
        forwarded = len(front.requests)
        seen = list(_server_requests(fake))
        assert forwarded >= 1, "the API was asked"
        assert len(seen) == forwarded, f"{len(seen) - forwarded} request(s) reached the fake directly: {seen}"
        direct = case.make(fake.url, tmp_path)
        stack.callback(direct.close)
        assert direct.generate(request).data, "the control: from its own base_url the download works"
    assert REFUSED in caught.value.message, caught.value.message


def _server_requests(fake: Any) -> list[str]:
    server = getattr(fake, "server", None) or getattr(fake, "_server", None)
    requests_seen = server.requests if server is not None else fake.requests
    return [f"{r.method} {r.path}" for r in requests_seen]
