"""A fake Wikimedia Commons on 127.0.0.1: the MediaWiki Action API (``/w/api.php``) and the file
server of upload.wikimedia.org (``/wikipedia/commons/…``) on one host and port, so that
`download_media` accepts its plain-http thumbnail URLs (they match the provider's base_url).

Where each shape comes from:

* Search + imageinfo (``generator=search&gsrnamespace=6&prop=imageinfo``), the answer's fields
  (``pageid, ns, title, index, imagerepository, imageinfo[{size, width, height, thumburl, thumbwidth,
  thumbheight, responsiveUrls, url, descriptionurl, descriptionshorturl, mime, extmetadata}]``),
  extmetadata values as HTML strings ``{"value", "source", "hidden"}``, thumbnails snapped to a
  standard width in the URL (asked 800 → ``960px-``) while ``thumbwidth`` says what was asked, SVG
  thumbnails as PNG, ``batchcomplete``/``continue``: provider_apis.md §8.1 [OBS]. The list of
  standard widths beyond 960 is [UNCONFIRMED].
* ``formatversion=2`` gives ``pages`` as a list in page-id order (each page's ``index`` is its rank);
  format version 1 an object keyed by page id, ``batchcomplete: ""``, and ``"*"`` instead of
  ``docref`` in errors: §8.1 [OBS]. Both are served, so a client that forgets
  ``formatversion=2`` reads the wrong shape.
* An empty search: ``{"batchcomplete": true}`` without ``query``, or with empty ``query.pages``
  (``empty_shape``): §8.1 [OBS].
* Errors: HTTP 200, header ``MediaWiki-API-Error: <code>``, body ``{"error": {"code", "info",
  "docref"}, "servedby"}``: §8.1 [OFFICIAL]. The texts of ``badvalue``, ``missingparam`` and
  ``badinteger`` follow MediaWiki's ApiBase messages (stored copy of mediawiki core).
* Throttling: HTTP 429 with ``Retry-After``: §8.1 [OFFICIAL]; its body is [UNCONFIRMED] (a short
  HTML page here).
* ``maxlag``: not in provider_apis.md; from MediaWiki's ApiMain::checkMaxLag (stored copy of
  mediawiki core): when the request has ``maxlag=N`` and the lag is above N, HTTP 200, headers
  ``Retry-After: max(N, 5)`` and ``X-Database-Lag: <lag>``, error code ``maxlag``, info
  ``Waiting for <host>: <lag> seconds lagged``. A request without ``maxlag`` is never refused.
* User-Agent policy: requests without a User-Agent or with a generic library one (python-requests,
  curl…) are refused, with 403 and a policy text (§8.1: "may get an error page instead of JSON
  (policy text); its status (403 expected) [UNCONFIRMED]"). Thumbnails are refused the same way.
* ``filetype:a|b`` in ``gsrsearch`` keeps files of those media types (CirrusSearch's
  FileTypeFeature: ``|`` ORs; stored copy of the CirrusSearch extension); ``iiextmetadatafilter``
  keeps only the listed extmetadata keys; unknown parameters get a ``warnings`` entry, as MediaWiki
  does. Media types of the MIME types: JPEG/PNG/GIF/WebP/TIFF/BMP bitmap, SVG drawing, PDF and DjVu
  office (§8.1: ``filetype:bitmap`` excludes PDFs/DjVu/SVG/video), video/audio multimedia.

Tell it what to do: `WikimediaFake.add` (files found for a query), ``empty_shape``, ``lag_s``
(maxlag), a `CommonsFile` whose ``thumb`` is an HTML page, and failures scripted through
`tests.support.failure_script` (`WikimediaFake.fail`, ``fail_always``, ``hang``, ``stop_failing``)
on the API (``on="api"``, the default) or the files (``on="files"``): `rate_limited` (429 +
Retry-After), `api_error` (the error envelope), `server_error` (5xx page), or a hang (no answer
until ``hang_s`` passes or the fake stops).

Thread safety: the server answers on its own threads; configure it before the provider calls it
(the failure script is guarded by its own lock).
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from tests.support.failure_script import Failure as Failure  # noqa: PLC0414 (re-exported: the tests import it from here)
from tests.support.failure_script import FailureScript, ScriptedFailures
from tests.support.fake_http import Recorded, Reply
from tests.support.media_samples import jpeg_bytes, png_bytes

API_PATH = "/w/api.php"
FILES_PREFIX = "/wikipedia/commons/"
STANDARD_WIDTHS = (20, 40, 60, 120, 250, 330, 500, 960, 1280, 1920, 3840)
GENERIC_AGENTS = ("python-requests", "python-urllib", "curl/", "wget/", "go-http-client", "java/", "okhttp")
DOCREF = (
    "See https://commons.wikimedia.org/w/api.php for API usage. Subscribe to the mediawiki-api-announce mailing "
    "list at &lt;https://lists.wikimedia.org/postorius/lists/mediawiki-api-announce.lists.wikimedia.org/&gt; "
    "for notice of API deprecations and breaking changes."
)
SERVED_BY = "mw-api-ext.codfw.main-7d9f8c6b5-x2k4q"
POLICY_PAGE = (
    b"<!DOCTYPE html><html><head><title>Wikimedia Error</title></head><body><p>Please set a user-agent and "
    b"respect our robot policy https://w.wiki/4wJS. See also https://phabricator.wikimedia.org/T400119.</p>"
    b"</body></html>"
)
KNOWN_PARAMS = frozenset(
    {
        "action", "format", "formatversion", "maxlag", "generator", "gsrsearch", "gsrnamespace", "gsrlimit",
        "gsroffset", "gsrwhat", "gsrinfo", "gsrprop", "gsrsort", "prop", "iiprop", "iiurlwidth", "iiurlheight",
        "iiextmetadatafilter", "iiextmetadatalanguage", "iilimit", "meta", "siprop", "uselang", "errorformat",
        "origin", "continue", "utf8",
    }
)  # fmt: skip
MAX_GSRLIMIT = 500  # ApiQuerySearch: 500 for ordinary users


def media_type(mime: str) -> str:
    """CirrusSearch's ``file_media_type`` of a MIME type, lower-cased."""
    if mime == "image/svg+xml":
        return "drawing"
    if mime in ("image/vnd.djvu", "application/pdf"):
        return "office"
    if mime.startswith("image/"):
        return "bitmap"
    if mime.startswith(("video/", "audio/")) or mime == "application/ogg":
        return "multimedia"
    return "unknown"


def _rendered(mime: str) -> bool:
    """Files Commons always renders to another format for a thumbnail (never served as is)."""
    return mime in ("image/svg+xml", "image/tiff", "image/bmp", "image/vnd.djvu", "application/pdf")


@dataclass
class CommonsFile:
    """One file on the fake Commons. ``artist``/``credit``/``license``… are the extmetadata values
    (HTML strings, None: the key is absent). ``thumb`` is what the thumbnail URL serves (default: a
    real PNG for PNG/SVG/BMP, a real JPEG otherwise) with ``thumb_type`` as its Content-Type."""

    name: str
    mime: str = "image/jpeg"
    artist: str | None = '<a href="//commons.wikimedia.org/wiki/User:Abc" title="User:Abc">Abc</a>'
    credit: str | None = '<span class="int-own-work" lang="en">Own work</span>'
    license: str | None = "CC BY-SA 4.0"
    license_url: str | None = "https://creativecommons.org/licenses/by-sa/4.0"
    usage_terms: str | None = "Creative Commons Attribution-Share Alike 4.0"
    attribution_required: str | None = "true"
    object_name: str | None = None
    description: str | None = "A picture"
    width: int = 4000
    height: int = 3000
    thumb: bytes | None = None
    thumb_type: str | None = None
    thumb_status: int = 200
    pageid: int = 0

    @property
    def key(self) -> str:
        return self.name.replace(" ", "_")

    @property
    def title(self) -> str:
        return f"File:{self.name}"

    def thumb_body(self) -> tuple[bytes, str]:
        if self.thumb is not None:
            return self.thumb, self.thumb_type or "application/octet-stream"
        if self.mime in ("image/png", "image/svg+xml", "image/bmp"):
            return png_bytes(4, 3), "image/png"
        return jpeg_bytes(), "image/jpeg"

    def extmetadata(self) -> dict[str, dict[str, str]]:
        values = {
            "ObjectName": self.object_name,
            "ImageDescription": self.description,
            "Credit": self.credit,
            "Artist": self.artist,
            "LicenseShortName": self.license,
            "UsageTerms": self.usage_terms,
            "AttributionRequired": self.attribution_required,
            "LicenseUrl": self.license_url,
        }
        return {
            key: {"value": value, "source": "commons-desc-page", "hidden": ""}
            for key, value in values.items()
            if value is not None
        }


# --- failures -------------------------------------------------------------------------------------


def rate_limited(*, retry_after: str | None = "1") -> Failure:
    """429 with ``Retry-After`` (None: no header), §8.1 [OFFICIAL]; the body is [UNCONFIRMED]."""
    headers = {"Content-Type": "text/html; charset=utf-8"}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    body = b"<!DOCTYPE html><html><head><title>Too many requests</title></head><body>Too many requests"
    return Failure(429, body + b"</body></html>", headers)


def api_error(code: str, info: str, *, headers: Mapping[str, str] | None = None, v2: bool = True) -> Failure:
    """MediaWiki's error envelope with HTTP 200 (§8.1)."""
    return Failure.of_reply(_error_reply(code, info, v2=v2, headers=headers))


def server_error(status: int = 503) -> Failure:
    """An HTML error page with ``status``."""
    page = b"<!DOCTYPE html><html><head><title>Wikimedia Error</title></head><body>Our servers are currently"
    return Failure(status, page + b" under maintenance.</body></html>", {"Content-Type": "text/html"})


HANG = Failure(hang=True)


def _new_script() -> FailureScript[Failure]:
    return FailureScript(HANG, after_hang=lambda: server_error(504).reply())


@dataclass
class WikimediaFake(ScriptedFailures):
    """The fake's state; see the module docstring. ``url`` is the api.php URL (the provider's
    base_url), ``requests`` every request received (API and files), in order."""

    failing_endpoint = "api"  # failure endpoints: "api", "files"

    server: _Server | None = None
    results: dict[str, list[CommonsFile]] = field(default_factory=dict)
    empty_shape: Literal["no_query", "empty_pages"] = "no_query"
    lag_s: float = 0.0
    hang_s: float = 30.0
    _failures: FailureScript[Failure] = field(default_factory=_new_script)
    _files: dict[str, CommonsFile] = field(default_factory=dict)
    _next_pageid: int = 143_599_000

    # --- telling it what to do --------------------------------------------------------------------

    def add(self, query: str, *files: CommonsFile) -> None:
        """Files the search for ``query`` finds, in rank order. Page ids are given in reverse
        order, so page-id order (the API's list order) differs from rank order."""
        found = self.results.setdefault(_normal_query(query), [])
        for file in files:
            self._next_pageid -= 37
            file.pageid = file.pageid or self._next_pageid
            self._files[file.key] = file
            found.append(file)

    # --- what it saw ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url + API_PATH

    @property
    def requests(self) -> list[Recorded]:
        assert self.server is not None
        with self.server.lock:
            return list(self.server.requests)

    @property
    def api_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == API_PATH]

    @property
    def file_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith(FILES_PREFIX)]

    # --- answering --------------------------------------------------------------------------------

    def handle(self, request: Recorded) -> Reply:
        agent = request.headers.get("user-agent", "").strip()
        if not agent or agent.lower().startswith(GENERIC_AGENTS):
            return Reply(403, POLICY_PAGE, {"Content-Type": "text/html; charset=utf-8"})
        if request.path == API_PATH:
            failure = self._failures.next_failure("api")
            return self._failures.answer(failure, hang_s=self.hang_s) if failure else self._api(request)
        if request.path.startswith(FILES_PREFIX) and request.method == "GET":
            failure = self._failures.next_failure("files")
            return self._failures.answer(failure, hang_s=self.hang_s) if failure else self._file(request.path)
        return _not_found()

    def _api(self, request: Recorded) -> Reply:
        params = {key: values[-1] for key, values in request.query.items()}
        if request.method == "POST" and request.body:
            form = urllib.parse.parse_qs(request.body.decode("utf-8", "replace"))
            params.update({key: values[-1] for key, values in form.items()})
        v2 = params.get("formatversion") in ("2", "latest")
        if params.get("format") != "json":  # the default format, jsonfm, is an HTML page
            pretty = json.dumps({"batchcomplete": ""}, indent=4).encode()
            return Reply(200, b"<!DOCTYPE html><html><body><pre>" + pretty + b"</pre></body></html>", {})
        if "maxlag" in params:
            try:
                maxlag = int(params["maxlag"])
            except ValueError:
                return _error_reply(
                    "badinteger", f'Invalid value "{params["maxlag"]}" for integer parameter "maxlag".', v2=v2
                )
            if self.lag_s > maxlag:
                lag = int(self.lag_s)
                return _error_reply(
                    "maxlag",
                    f"Waiting for 10.64.48.35: {self.lag_s:g} seconds lagged.",
                    v2=v2,
                    headers={"Retry-After": str(max(maxlag, 5)), "X-Database-Lag": str(lag)},
                    extra={"host": "10.64.48.35", "lag": self.lag_s, "type": "db"},
                )
        action = params.get("action", "help")
        if action != "query":
            return _error_reply("badvalue", f'Unrecognized value for parameter "action": {action}.', v2=v2)
        warnings = [f"Unrecognized parameter: {name}." for name in sorted(params) if name not in KNOWN_PARAMS]
        if params.get("meta") == "siteinfo":
            body: dict[str, Any] = {"batchcomplete": True if v2 else "", "query": {"general": _site_general()}}
        elif params.get("generator") == "search":
            answer = self._search(params, v2=v2, warnings=warnings)
            if isinstance(answer, Reply):
                return answer
            body = answer
        else:
            body = {"batchcomplete": True if v2 else ""}
        if warnings:
            body["warnings"] = {"main": {"warnings": "\n".join(warnings)} if v2 else {"*": "\n".join(warnings)}}
        return Reply.of_json(body, headers={"Content-Type": "application/json; charset=utf-8"})

    def _search(self, params: Mapping[str, str], *, v2: bool, warnings: list[str]) -> dict[str, Any] | Reply:
        search = params.get("gsrsearch", "").strip()
        if not search:
            return _error_reply("missingparam", 'The "gsrsearch" parameter must be set.', v2=v2)
        numbers: dict[str, int | None] = {}
        for name, default in (("gsrlimit", 10), ("gsrnamespace", 0), ("iiurlwidth", -1), ("gsroffset", 0)):
            raw = params.get(name)
            if raw is None:
                numbers[name] = default
                continue
            if name == "gsrlimit" and raw == "max":
                numbers[name] = MAX_GSRLIMIT
                continue
            try:
                numbers[name] = int(raw)
            except ValueError:
                return _error_reply("badinteger", f'Invalid value "{raw}" for integer parameter "{name}".', v2=v2)
        limit = numbers["gsrlimit"] or 10
        if limit > MAX_GSRLIMIT:
            warnings.append(f'The value "{limit}" for parameter "gsrlimit" must be between 1 and {MAX_GSRLIMIT}.')
            limit = MAX_GSRLIMIT
        limit = max(1, limit)
        words, types = _parse_search(search)
        found = [] if numbers["gsrnamespace"] != 6 else list(self.results.get(_normal_query(words), []))
        if types:
            found = [f for f in found if media_type(f.mime) in types]
        offset = numbers["gsroffset"] or 0
        window = found[offset : offset + limit]
        if not window:
            if self.empty_shape == "empty_pages":
                return {"batchcomplete": True if v2 else "", "query": {"pages": [] if v2 else {}}}
            return {"batchcomplete": True if v2 else ""}
        props = set(params.get("prop", "").split("|"))
        iiprops = set(params.get("iiprop", "timestamp|user").split("|"))
        meta_filter = set(params["iiextmetadatafilter"].split("|")) if "iiextmetadatafilter" in params else None
        width = numbers["iiurlwidth"] or -1
        pages = []
        for rank, file in enumerate(window, start=offset + 1):
            page: dict[str, Any] = {"pageid": file.pageid, "ns": 6, "title": file.title, "index": rank}
            if "imageinfo" in props:
                page["imagerepository"] = "local"
                page["imageinfo"] = [self._imageinfo(file, iiprops, meta_filter, width)]
            pages.append(page)
        pages.sort(key=lambda p: p["pageid"])
        body: dict[str, Any] = {"batchcomplete": True if v2 else ""}
        if offset + limit < len(found):
            body["continue"] = {"gsroffset": offset + limit, "continue": "gsroffset||"}
        body["query"] = {"pages": pages if v2 else {str(p["pageid"]): p for p in pages}}
        return body

    def _imageinfo(
        self, file: CommonsFile, iiprops: set[str], meta_filter: set[str] | None, width: int
    ) -> dict[str, Any]:
        assert self.server is not None
        root = self.server.url
        digest = hashlib.md5(file.key.encode()).hexdigest()
        quoted = urllib.parse.quote(file.key)
        original = f"{root}{FILES_PREFIX}{digest[0]}/{digest[:2]}/{quoted}"
        info: dict[str, Any] = {}
        if "size" in iiprops:
            info.update(size=len(file.thumb_body()[0]) * 1000, width=file.width, height=file.height)
        if width > 0 and "url" in iiprops:
            scale = width < file.width or _rendered(file.mime)
            if scale:
                step = next((w for w in STANDARD_WIDTHS if w >= width), STANDARD_WIDTHS[-1])
                suffix = ".png" if file.mime == "image/svg+xml" else ".jpg" if _rendered(file.mime) else ""
                thumb = f"{root}{FILES_PREFIX}thumb/{digest[0]}/{digest[:2]}/{quoted}/{step}px-{quoted}{suffix}"
                shown = min(width, file.width) if file.mime != "image/svg+xml" else width
            else:
                thumb, shown = original, file.width
            info.update(
                thumburl=thumb,
                thumbwidth=shown,
                thumbheight=max(1, round(file.height * shown / file.width)),
                responsiveUrls={"1.5": thumb, "2": thumb},
            )
        if "url" in iiprops:
            info.update(
                url=original,
                descriptionurl="https://commons.wikimedia.org/wiki/"
                + urllib.parse.quote(file.title.replace(" ", "_"), safe=":/"),
                descriptionshorturl=f"https://commons.wikimedia.org/w/index.php?curid={file.pageid}",
            )
        if "mime" in iiprops:
            info["mime"] = file.mime
        if "extmetadata" in iiprops:
            metadata = file.extmetadata()
            info["extmetadata"] = {k: v for k, v in metadata.items() if meta_filter is None or k in meta_filter}
        return info

    def _file(self, path: str) -> Reply:
        parts = path[len(FILES_PREFIX) :].split("/")
        if parts[0] == "thumb" and len(parts) == 5:
            file = self._files.get(urllib.parse.unquote(parts[3]))
            if file is None:
                return _not_found()
            data, kind = file.thumb_body()
            return Reply(file.thumb_status, data, {"Content-Type": kind})
        if len(parts) == 3:
            file = self._files.get(urllib.parse.unquote(parts[2]))
            if file is None:
                return _not_found()
            if file.mime == "image/svg+xml":
                svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="4" height="3"/>'
                return Reply(200, svg, {"Content-Type": "image/svg+xml"})
            data, kind = file.thumb_body()
            return Reply(file.thumb_status, data, {"Content-Type": kind})
        return _not_found()


def _normal_query(text: str) -> str:
    return " ".join(text.lower().split())


def _parse_search(search: str) -> tuple[str, set[str]]:
    """The words of a search and the media types of its ``filetype:`` keywords."""
    words, types = [], set()
    for token in search.split():
        key, colon, value = token.partition(":")
        if colon and key.lower() == "filetype":
            types |= {t.lower() for t in value.split("|") if t}
        else:
            words.append(token)
    return " ".join(words), types


def _error_reply(
    code: str,
    info: str,
    *,
    v2: bool,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Reply:
    error: dict[str, Any] = {"code": code, "info": info, **(extra or {})}
    error["docref" if v2 else "*"] = DOCREF
    return Reply.of_json(
        {"error": error, "servedby": SERVED_BY},
        headers={"Content-Type": "application/json; charset=utf-8", "MediaWiki-API-Error": code, **(headers or {})},
    )


def _site_general() -> dict[str, Any]:
    return {
        "mainpage": "Main Page",
        "base": "https://commons.wikimedia.org/wiki/Main_Page",
        "sitename": "Wikimedia Commons",
        "generator": "MediaWiki 1.46.0-wmf.3",
        "lang": "en",
        "server": "//commons.wikimedia.org",
        "servername": "commons.wikimedia.org",
        "wikiid": "commonswiki",
    }


def _not_found() -> Reply:
    page = b"<!DOCTYPE html><html><head><title>Not Found</title></head><body><h1>Not Found</h1></body></html>"
    return Reply(404, page, {"Content-Type": "text/html; charset=utf-8"})


class _Server(ThreadingHTTPServer):
    """A threaded loopback server that records every request and answers with ``handler``; it stops
    within 50 ms (fake_http's server polls every 500 ms, which adds up over many tests)."""

    daemon_threads = True

    def __init__(self, handler: Callable[[Recorded], Reply]) -> None:
        self.handler = handler
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a timeout under test) is expected; anything else is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        parts = urllib.parse.urlsplit(self.path)
        recorded = Recorded(
            method=self.command,
            path=parts.path,
            query=urllib.parse.parse_qs(parts.query),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        with self.server.lock:
            self.server.requests.append(recorded)
        reply = self.server.handler(recorded)
        if reply.delay_s:
            time.sleep(reply.delay_s)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_HEAD = _serve


@contextmanager
def serve_wikimedia(results: Mapping[str, list[CommonsFile]] | None = None, **settings: Any) -> Iterator[WikimediaFake]:
    """Run a fake Commons for the ``with`` block; ``results`` maps a query to the files it finds,
    ``settings`` sets `WikimediaFake` fields (``empty_shape``, ``lag_s``, ``hang_s``…)."""
    fake = WikimediaFake(**settings)
    for query, files in (results or {}).items():
        fake.add(query, *files)
    server = _Server(fake.handle)
    fake.server = server
    try:
        yield fake
    finally:
        fake._failures.release()
        server.stop()
