"""Names and URLs handed back by providers are never trusted.

`download_media` and the real providers that download what an API points at (Openverse,
Wikimedia Commons, Forvo, OpenAI images) meet servers whose JSON names hostile download URLs:
``..`` segments, another host or port, ``file://``, ``ftp://``, ``javascript:`` and ``data:``
addresses, user info, a backslash that makes two URL parsers disagree about the host, redirects to
another host or to ``file://``, a Content-Disposition file name with ``..``, CR/LF in the URL.
Each server answers with its provider's real JSON shape (``../shared/provider_apis.md``: §8.2
Openverse, §8.1 MediaWiki, §3 Forvo, §1 OpenAI images; the same fields the fakes in tests/fakes
serve, which cannot be told to serve such URLs) through `fake_http.serve`; a second loopback server
plays "another host" and must never be asked for anything.

For every URL: it is refused (a `ProviderError`, before anything is fetched from elsewhere) or
made harmless (fetched from the provider's own server only, without credentials, and stored under
a safe name made from the request, not from the URL); nothing is written outside the test's
folder but the provider's own state. A last test runs a whole job with Openverse against such a
server into a real collection and checks that only the media folder gains files.

No test contacts anything but 127.0.0.1: non-loopback addresses are documentation ranges
(192.0.2.0/24, 198.51.100.0/24) that must be refused before any connection.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.fill import run_headless
from addon.core.base.errors import ProviderError
from addon.core.media.naming import media_file_name
from addon.core.media.types import MediaKind, MediaRequest, MediaResult
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.media_provider import MediaProvider
from addon.providers.audio.forvo import ForvoPronunciations
from addon.providers.http.download import download_media
from addon.providers.image.openai import OpenAIImages
from addon.providers.image.openverse import OpenverseImages
from addon.providers.image.wikimedia import WikimediaCommons
from tests.hostile.hostile_checks import assert_safe_name
from tests.support.fake_http import FakeServer, Handler, Recorded, Reply
from tests.support.media_samples import png_bytes
from tests.support.shipped import shipped_slice

KEY = "sk-test-hostile-urls-5c2d9e"
SECRET_FILE = "secret.png"
PNG = png_bytes(4, 4)


@dataclass(frozen=True)
class HostileUrl:
    """A download URL a server hands back; ``outcome`` is "refused" (an error, nothing fetched from
    anywhere but the API), "fetched" (the bytes come from the provider's own server) or "either"."""

    id: str
    build: Callable[[Servers], str]
    outcome: str


@dataclass
class Servers:
    """The provider's own server (``own``) and another host (``other``); ``tmp`` holds a real file
    a ``file://`` URL could name."""

    own: FakeServer
    other: FakeServer
    tmp: Path

    @property
    def port(self) -> int:
        return int(self.own.url.rsplit(":", 1)[1])

    @property
    def other_port(self) -> int:
        return int(self.other.url.rsplit(":", 1)[1])


def _own(path: str) -> Callable[[Servers], str]:
    return lambda s: f"{s.own.url}{path}"


HOSTILE_URLS = [
    HostileUrl("same-origin-traversal", _own(f"/files/../../{SECRET_FILE}"), "fetched"),
    HostileUrl("encoded-traversal", _own(f"/files/%2e%2e/%2e%2e/{SECRET_FILE}"), "fetched"),
    HostileUrl("encoded-slash-traversal", _own(f"/files/..%2f..%2f{SECRET_FILE}"), "fetched"),
    HostileUrl("backslash-traversal", _own(f"/files/..\\..\\{SECRET_FILE}"), "fetched"),
    HostileUrl("upper-case-scheme", lambda s: f"HTTP://127.0.0.1:{s.port}/files/x.png", "fetched"),
    HostileUrl("user-info", lambda s: f"http://user:pass@127.0.0.1:{s.port}/files/x.png", "fetched"),
    HostileUrl("content-disposition", _own("/files/disposition.png"), "fetched"),
    HostileUrl("other-port", lambda s: f"{s.other.url}/files/x.png", "refused"),
    HostileUrl("other-loopback-host", lambda s: f"http://127.0.0.2:{s.port}/files/x.png", "refused"),
    HostileUrl("localhost-alias", lambda s: f"http://localhost:{s.port}/files/x.png", "refused"),
    HostileUrl("ipv6-loopback", lambda s: f"http://[::1]:{s.port}/files/x.png", "refused"),
    HostileUrl("non-loopback-http", lambda s: "http://192.0.2.7/files/x.png", "refused"),
    HostileUrl("non-loopback-http-port", lambda s: f"http://198.51.100.7:{s.port}/files/x.png", "refused"),
    HostileUrl("file-url", lambda s: "file:///etc/passwd", "refused"),
    HostileUrl("file-url-existing", lambda s: (s.tmp / SECRET_FILE).as_uri(), "refused"),
    HostileUrl("ftp-url", lambda s: f"ftp://127.0.0.1:{s.port}/files/x.png", "refused"),
    HostileUrl("javascript-url", lambda s: "javascript:alert(1)", "refused"),
    HostileUrl("data-url", lambda s: "data:image/png;base64,iVBORw0KGgo=", "refused"),
    # A relative reference to Wikimedia (joined to its API's URL), no URL at all to the others.
    HostileUrl("no-scheme", lambda s: f"127.0.0.1:{s.port}/files/x.png", "either"),
    HostileUrl("scheme-relative-other", lambda s: f"//127.0.0.1:{s.other_port}/files/x.png", "refused"),
    HostileUrl("backslash-authority", lambda s: f"http://127.0.0.1:{s.other_port}\\@127.0.0.1:{s.port}/x.png",
               "refused"),
    HostileUrl("at-sign-host", lambda s: f"http://127.0.0.1:{s.port}@127.0.0.1:{s.other_port}/x.png", "refused"),
    HostileUrl("fragment-at-sign", lambda s: f"http://127.0.0.1:{s.other_port}#@127.0.0.1:{s.port}/x.png",
               "refused"),
    HostileUrl("https-to-plain-server", lambda s: f"https://127.0.0.1:{s.port}/files/x.png", "refused"),
    HostileUrl("redirect-to-other-host", _own("/redirect/other"), "refused"),
    HostileUrl("redirect-to-file", _own("/redirect/file"), "refused"),
    HostileUrl("redirect-to-ftp", _own("/redirect/ftp"), "refused"),
    HostileUrl("redirect-backslash", _own("/redirect/backslash"), "either"),
    HostileUrl("redirect-same-origin-traversal", _own("/redirect/traversal"), "fetched"),
    HostileUrl("crlf-in-path", _own("/files/x.png\r\nX-Injected: 1"), "either"),
    HostileUrl("nul-in-path", _own("/files/x\x00.png"), "either"),
    HostileUrl("very-long-url", _own("/files/" + "a" * 70_000 + ".png"), "either"),
]  # fmt: skip
URL_PARAMS = [pytest.param(url, id=url.id) for url in HOSTILE_URLS]


def redirect_target(name: str, s: Servers) -> str:
    return {
        "other": f"{s.other.url}/files/x.png",
        "file": "file:///etc/passwd",
        "ftp": f"ftp://127.0.0.1:{s.port}/x.png",
        "backslash": f"http://127.0.0.1:{s.other_port}\\@127.0.0.1:{s.port}/files/x.png",
        "traversal": f"/files/../../{SECRET_FILE}",
    }[name]


@dataclass
class OwnServer:
    """The provider's server: its API answer (``api``, given the hostile URL) at ``api_path``,
    media (``media``) at any other path, and the redirects of `redirect_target`."""

    api_path: str
    api: Callable[[str], Reply]
    media: bytes
    servers: Servers | None = None
    hostile: str = ""
    downloads: list[Recorded] = field(default_factory=list)

    def __call__(self, request: Recorded) -> Reply:
        if request.path.startswith(self.api_path) and request.path != "/":
            return self.api(self.hostile)
        self.downloads.append(request)
        assert self.servers is not None
        if request.path.startswith("/redirect/"):
            return Reply(302, b"", {"Location": redirect_target(request.path.rsplit("/", 1)[1], self.servers)})
        headers = {"Content-Type": "application/octet-stream"}
        if "disposition" in request.path:
            headers["Content-Disposition"] = (
                "attachment; filename=\"../../evil.sh\"; filename*=UTF-8''..%2F..%2Fevil%0A.sh"
            )
        return Reply(200, self.media, headers)


class _QuickStopServer(FakeServer):
    """fake_http's server polling for shutdown every 20 ms instead of 500 ms: this file starts
    some two hundred of them."""

    def start(self) -> FakeServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-hostile", daemon=True
        )
        self._thread.start()
        return self


@contextmanager
def serve(handler: Handler) -> Iterator[FakeServer]:
    server = _QuickStopServer(handler).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def other_host() -> Iterator[FakeServer]:
    with serve(lambda request: Reply(200, PNG, {"Content-Type": "image/png"})) as server:
        yield server


@pytest.fixture
def other(other_host: FakeServer) -> FakeServer:
    """Another host, whose requests list starts empty for each test."""
    other_host.requests.clear()
    return other_host


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    """The test's working directory (inside ``tmp_path``), with a real file a file:// URL names."""
    (tmp_path / SECRET_FILE).write_bytes(PNG)
    work = tmp_path / "cwd"
    work.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(work)
        yield work


def all_files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


@dataclass
class Outcome:
    result: MediaResult | None
    error: ProviderError | None
    own: OwnServer
    other: FakeServer


def check_outcome(outcome: Outcome, url: HostileUrl, *, kind: MediaKind, media: bytes) -> None:
    """What every hostile URL must come to (see `HostileUrl`)."""
    assert outcome.other.requests == [], "another host was contacted"
    for download in outcome.own.downloads:
        assert "authorization" not in download.headers
        assert "x-injected" not in download.headers
    if url.outcome == "refused" or (url.outcome == "either" and outcome.result is None):
        assert outcome.result is None and outcome.error is not None
        if url.outcome == "refused" and not url.id.startswith(("redirect", "https")):
            assert outcome.own.downloads == [], "something was fetched before the URL was refused"
        return
    assert outcome.error is None, outcome.error
    assert outcome.result is not None
    assert outcome.result.data == media
    assert outcome.result.extension == ("png" if kind is MediaKind.IMAGE else "mp3")
    request = outcome.result.request
    name = media_file_name(
        text=request.text, provider="x", cache_key=request.cache_key, extension=outcome.result.extension
    )
    assert_safe_name(name)


# --- download_media itself ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", URL_PARAMS)
def test_download_media_refuses_or_defuses_a_hostile_url(
    url: HostileUrl, other: FakeServer, workdir: Path, tmp_path: Path
) -> None:
    own = OwnServer("/api", lambda hostile: Reply.of_json({}), PNG)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {KEY}"  # a provider's session may carry its key
    session.auth = ("user", KEY)
    before = all_files(tmp_path)
    with serve(own) as server:
        own.servers = Servers(server, other, tmp_path)
        result: MediaResult | None = None
        error: ProviderError | None = None
        try:
            data, extension = download_media(
                session,
                url.build(own.servers),
                kind=MediaKind.IMAGE,
                provider="hostile",
                timeout_s=5,
                max_bytes=1_000_000,
                allowed_http_base=server.url,
            )
            request = MediaRequest(kind=MediaKind.IMAGE, text="word")
            result = MediaResult(request=request, provider="hostile", data=data, extension=extension)
        except ProviderError as exc:
            error = exc
            assert KEY not in str(exc)
    check_outcome(Outcome(result, error, own, other), url, kind=MediaKind.IMAGE, media=PNG)
    assert all_files(tmp_path) == before, "download_media wrote a file"


# --- the real providers against servers with their JSON shapes -----------------------------------


def openverse_answer(hostile: str) -> Reply:
    """§8.2: the paginated envelope; the result's ``thumbnail`` and ``url`` both hostile."""
    result = {
        "id": "8e1b4f5c-1a2b-4c3d-8e9f-0123456789ab",
        "title": "<script>alert(1)</script>",
        "indexed_on": "2020-04-10T17:29:15.771012Z",
        "foreign_landing_url": "javascript:alert(2)",
        "url": hostile,
        "creator": "\u202eevil\x00",
        "creator_url": None,
        "license": "by",
        "license_version": "2.0",
        "license_url": "https://creativecommons.org/licenses/by/2.0/",
        "provider": "flickr",
        "source": "flickr",
        "category": "photograph",
        "filesize": None,
        "filetype": "png",
        "tags": [],
        "attribution": "x",
        "fields_matched": ["title"],
        "mature": False,
        "height": 4,
        "width": 4,
        "thumbnail": hostile,
        "detail_url": hostile,
        "related_url": hostile,
    }
    return Reply.of_json({"result_count": 1, "page_count": 1, "page_size": 20, "page": 1, "results": [result]})


def wikimedia_answer(hostile: str) -> Reply:
    """§8.1, formatversion=2: one page with imageinfo whose ``thumburl`` is hostile."""
    page = {
        "pageid": 1,
        "ns": 6,
        "title": "File:../../evil.png",
        "index": 1,
        "imagerepository": "local",
        "imageinfo": [
            {
                "size": 100,
                "width": 4,
                "height": 4,
                "thumburl": hostile,
                "thumbwidth": 4,
                "thumbheight": 4,
                "url": hostile,
                "descriptionurl": "javascript:alert(1)",
                "descriptionshorturl": hostile,
                "mime": "image/png",
                "extmetadata": {
                    "LicenseShortName": {"value": "CC BY-SA 4.0", "source": "commons-desc-page"},
                    "Artist": {"value": "<a href='javascript:x'>Me</a><script>alert(1)</script>", "source": "x"},
                },
            }
        ],
    }
    return Reply.of_json({"batchcomplete": True, "query": {"pages": [page]}})


def forvo_answer(hostile: str) -> Reply:
    """§3.2: ``{"attributes": {"total"}, "items": [...]}`` with a hostile ``pathmp3``."""
    item = {
        "id": 1,
        "word": "word",
        "original": "word",
        "addtime": "2020-01-01 00:00:00",
        "hits": 1,
        "username": "../../evil",
        "sex": "m",
        "country": "United States",
        "code": "en",
        "langname": "English",
        "pathmp3": hostile,
        "pathogg": hostile,
        "rate": 1,
        "num_votes": 1,
        "num_positive_votes": 1,
    }
    return Reply.of_json({"attributes": {"total": 1}, "items": [item]})


def openai_answer(hostile: str) -> Reply:
    """§1.3, a dall-e style answer: ``data[0].url`` is hostile."""
    return Reply.of_json({"created": 1_700_000_000, "data": [{"url": hostile, "revised_prompt": "x"}]})


@dataclass(frozen=True)
class ProviderSetup:
    name: str
    kind: MediaKind
    api_path: str
    answer: Callable[[str], Reply]
    make: Callable[[str, Path], MediaProvider]


def _settings(kind: str, name: str, base_url: str, **more: Any) -> dict[str, Any]:
    return {
        **shipped_slice(kind, name),
        "enabled": True,
        "base_url": base_url,
        "retry_attempts": 0,
        "timeout_s": 5,
        **more,
    }


PROVIDERS = [
    ProviderSetup(
        "openverse",
        MediaKind.IMAGE,
        "/v1/",
        openverse_answer,
        lambda root, tmp: OpenverseImages(_settings("image", "openverse", root)),
    ),
    ProviderSetup(
        "wikimedia",
        MediaKind.IMAGE,
        "/w/api.php",
        wikimedia_answer,
        lambda root, tmp: WikimediaCommons(_settings("image", "wikimedia", root + "/w/api.php")),
    ),
    ProviderSetup(
        "forvo",
        MediaKind.AUDIO,
        "/key/",
        forvo_answer,
        lambda root, tmp: ForvoPronunciations(
            _settings("audio", "forvo", root, api_key=KEY, counter_file=str(tmp / "state" / "forvo.json"))
        ),
    ),
    ProviderSetup(
        "openai",
        MediaKind.IMAGE,
        "/v1/images/",
        openai_answer,
        lambda root, tmp: OpenAIImages(
            _settings("image", "openai", root + "/v1", api_key=KEY, api_key_env=""), environ={}
        ),
    ),
]


@pytest.mark.parametrize("setup", [pytest.param(p, id=p.name) for p in PROVIDERS])
@pytest.mark.parametrize("url", URL_PARAMS)
def test_a_provider_refuses_or_defuses_a_hostile_url_from_its_server(
    setup: ProviderSetup, url: HostileUrl, other: FakeServer, workdir: Path, tmp_path: Path, mp3_bytes: bytes
) -> None:
    media = PNG if setup.kind is MediaKind.IMAGE else mp3_bytes
    own = OwnServer(setup.api_path, setup.answer, media)
    before = all_files(tmp_path)
    with serve(own) as server:
        own.servers = Servers(server, other, tmp_path)
        own.hostile = url.build(own.servers)
        provider = setup.make(server.url, tmp_path)
        result: MediaResult | None = None
        error: ProviderError | None = None
        try:
            result = provider.generate(MediaRequest(kind=setup.kind, text="word", language="en"))
        except ProviderError as exc:
            error = exc
            assert KEY not in str(exc)
        finally:
            provider.close()
    check_outcome(Outcome(result, error, own, other), url, kind=setup.kind, media=media)
    written = all_files(tmp_path) - before
    assert written <= {tmp_path / "state" / "forvo.json"}, f"the provider wrote {written}"


# --- a whole job with Openverse into a real collection ----------------------------------------------


JOB_URLS = {
    "traversal": "same-origin-traversal",
    "disposition": "content-disposition",
    "userinfo": "user-info",
    "otherhost": "other-port",
    "fileurl": "file-url-existing",
    "backslash": "backslash-authority",
    "redirect": "redirect-to-other-host",
}


def test_a_job_with_hostile_download_urls_writes_only_into_the_media_folder(
    other: FakeServer, tmp_path: Path, workdir: Path
) -> None:
    """Openverse's answer for each word names one hostile URL (`JOB_URLS`); the image goes into
    Basic's Back. Same-origin URLs give a picture under a safe name, the rest fail the note."""
    by_word: dict[str, str] = {}

    def api(request: Recorded) -> Reply:
        return openverse_answer(by_word[request.query["q"][0]])

    own = OwnServer("/v1/", lambda hostile: Reply(500), PNG)
    profile = tmp_path / "profiles" / "user"
    profile.mkdir(parents=True)
    col = Collection(str(profile / "collection.anki2"))
    try:
        with serve(lambda request: api(request) if request.path.startswith("/v1/") else own(request)) as server:
            own.servers = Servers(server, other, tmp_path)
            urls = {url.id: url for url in HOSTILE_URLS}
            by_word.update({word: urls[url_id].build(own.servers) for word, url_id in JOB_URLS.items()})
            model = col.models.by_name("Basic")
            deck = col.decks.id("Default")
            assert model is not None and deck is not None
            ids = {}
            for word in JOB_URLS:
                note = col.new_note(model)
                note["Front"] = word
                col.add_note(note, deck)
                ids[word] = int(note.id)
            config = load_config(
                {
                    "rules": [
                        {
                            "note_type": "Basic",
                            "source_field": "Front",
                            "image_field": "Back",
                            "image_providers": ["openverse"],
                            "mode": "skip",
                        }
                    ],
                    "providers": {
                        "image": {
                            "openverse": {
                                "enabled": True,
                                "base_url": server.url,
                                "retry_attempts": 0,
                                "timeout_s": 5,
                                "requests_per_minute": 10000,
                            }
                        }
                    },
                    "circuit_breaker": {"failure_threshold": 1000},
                    "image_format": "keep",  # the small PNG is stored byte for byte
                }
            )
            before = all_files(tmp_path)
            report = run_headless(col, list(ids.values()), config, state_dir=tmp_path / "state")
        assert other.requests == []
        fetched = {word for word, url_id in JOB_URLS.items() if urls[url_id].outcome == "fetched"}
        assert report.filled == len(fetched)
        assert report.failed == len(JOB_URLS) - len(fetched)
        media_dir = Path(col.media.dir())
        for word, note_id in ids.items():
            front, back = col.get_note(NoteId(note_id)).fields
            assert front == word
            if word not in fetched:
                assert back == ""
                continue
            image = re.fullmatch(r'<img src="([^"<>&]+)"><!-- ([^<>]*) -->', back)
            assert image, back
            assert_safe_name(image.group(1))
            assert (media_dir / image.group(1)).read_bytes() == PNG
            assert "\u202e" not in image.group(2) and "\x00" not in image.group(2)
        anki_files = {profile / name for name in ("collection.media.db2", "collection.media.db2-wal")}
        new = all_files(tmp_path) - before
        outside = {p for p in new if p.parent != media_dir and tmp_path / "state" not in p.parents}
        assert outside <= anki_files, f"written outside the media folder: {outside - anki_files}"
        assert col.db is not None and col.db.scalar("pragma integrity_check") == "ok"
        assert json.dumps([e.message for e in report.errors]).count(KEY) == 0
    finally:
        col.close()
