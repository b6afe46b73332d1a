"""A fake Openverse API on 127.0.0.1: image search, thumbnails, original files, token check.

Where each shape comes from (provider_apis.md §8.2, and the WordPress/openverse API source it cites):

* ``GET /v1/images/?q=…`` — the paginated envelope ``{result_count, page_count, page_size, page,
  results}`` (api/utils/pagination.py) whose results carry the fields of §8.2's example
  (media_serializers.py: id, title, indexed_on, foreign_landing_url, url, creator, creator_url,
  license (lower case), license_version, license_url, provider, source, category, filesize, filetype,
  tags, attribution, fields_matched, mature, height, width, thumbnail, detail_url, related_url). The
  search validates as the real serializer does: ``license`` codes and ``license_type`` groups
  (api/constants/licenses.py; comma = intersection) → 400 ``{"detail": {"license": ["License 'x'
  does not exist."]}}``; deprecated ``li``/``lt``/``pagesize``/``provider`` → 400; ``page_size``
  1…20 anonymous (more → **401** ``{"detail": "Ensure this value is less than or equal to 20."}``),
  1…500 with a token; ``mature`` must be a boolean; ``q`` is truncated to 200 characters. Mature
  images are left out unless ``mature=true``. The ``X-RateLimit-Limit-<scope>`` /
  ``X-RateLimit-Available-<scope>`` headers of throttled views are sent (api/utils/throttle.py).
* Authentication (conf/oauth2_extensions.py): no ``Authorization`` → anonymous; ``Bearer <token>``
  of a token the fake does not know → **401** ``{"detail": "Incorrect authentication
  credentials."}`` with ``WWW-Authenticate: Bearer realm="api"`` (DRF AuthenticationFailed).
* ``GET /v1/rate_limit/`` (views/oauth2_views.py CheckRates) — with a known token ``{"requests_this_minute",
  "requests_today", "rate_limit_model", "verified"}``; anonymous → **403** ``{"detail": "Forbidden"}``.
* ``GET /v1/images/{uuid}/thumb/`` — the resizing proxy: the image's thumbnail bytes; its upstream
  failing → **424** ``{"detail": "Could not render thumbnail due to upstream provider error."}``
  (image_proxy/exception.py); an unknown id → 404 ``{"detail": "Not found."}``.
* ``GET /files/{uuid}.{ext}`` — stands in for the original's host (Flickr, Wikimedia…): the
  original bytes, or whatever the test put there (an HTML page, a 404 page).
* Throttling: **429** ``{"detail": "Request was throttled. Expected available in N seconds."}`` with
  ``Retry-After: N`` (DRF Throttled, §8.2). Server trouble: 500 ``{"detail": "A server error
  occurred."}`` (DRF APIException, raised by the search view) and a gateway's 503 HTML page.

Failures are scripted through `tests.support.failure_script` (`OpenverseFake.fail`, ``fail_always``,
``hang``, ``stop_failing``) with the answers built here: `unauthorized` (401), `forbidden` (403),
`rate_limited` (429 + ``Retry-After``), `server_error` (500), `unavailable` (503 gateway page),
`not_json` (200 HTML page); a `Failure` of any other shape works too. They apply to the search
(``on="search"``) and the token check (``on="rate_limit"``), both by default, never to thumbnails
or files, which have their own switches on `FakeImage`. A hang gets no answer until ``hang_s``
passes or the fake stops. Every request is recorded (``.requests``) so tests can assert what was
sent.

Thread safety: the server answers on its own threads; `OpenverseFake`'s state is guarded by a lock,
the failure script by its own.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.support.failure_script import ANY, FailureScript, ScriptedFailures
from tests.support.failure_script import Failure as Failure  # noqa: PLC0414 (re-exported: the tests import it from here)
from tests.support.fake_http import FakeServer, Recorded, Reply
from tests.support.media_samples import jpeg_bytes, png_bytes

LICENSES = frozenset(
    {"by", "by-sa", "by-nd", "by-nc", "by-nc-sa", "by-nc-nd", "cc0", "pdm", "sampling+", "nc-sampling+"}
)
LICENSE_GROUPS: Mapping[str, frozenset[str]] = {
    "all": LICENSES,
    "all-cc": LICENSES - {"pdm"},
    "commercial": frozenset(code for code in LICENSES if "nc" not in code),
    "modification": frozenset(code for code in LICENSES if "nd" not in code),
}
DEPRECATED = {"li": "license", "lt": "license_type", "pagesize": "page_size", "provider": "source"}
MAX_ANONYMOUS_PAGE_SIZE = 20
MAX_AUTHED_PAGE_SIZE = 500
MAX_PAGINATION_DEPTH = 20
UUID_PATTERN = r"[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}"
_THUMB_PATH = re.compile(rf"^/v1/images/({UUID_PATTERN})/thumb/$")
_FILE_PATH = re.compile(rf"^/files/({UUID_PATTERN})\.(\w+)$")
_TRUE = {"true", "1", "yes", "y", "t", "on"}
_FALSE = {"false", "0", "no", "n", "f", "off"}

NOT_FOUND_PAGE = b"<!doctype html><html><head><title>Not Found</title></head><body><h1>Not Found</h1></body></html>"
GATEWAY_PAGE = (
    b"<html><head><title>503 Service Temporarily Unavailable</title></head>"
    b"<body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>"
)


def html_page(title: str = "Photo unavailable") -> bytes:
    """An HTML page served with status 200 where an image was expected (a host's "gone" page)."""
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title></head>"
        f"<body><h1>{title}</h1><p>This photo is no longer available.</p></body></html>"
    ).encode()


# --- failures -------------------------------------------------------------------------------------


def _detail_failure(status: int, message: str, *, headers: Mapping[str, str] | None = None) -> Failure:
    """DRF's error body ``{"detail": message}``."""
    return Failure(
        status, json.dumps({"detail": message}).encode(), {"Content-Type": "application/json", **(headers or {})}
    )


def unauthorized() -> Failure:
    """401 for an unknown token (DRF AuthenticationFailed)."""
    return _detail_failure(
        401, "Incorrect authentication credentials.", headers={"WWW-Authenticate": 'Bearer realm="api"'}
    )


def forbidden() -> Failure:
    """403 for a revoked application."""
    return _detail_failure(403, "You do not have permission to perform this action.")


def rate_limited(*, retry_after: int = 1) -> Failure:
    """429 with ``Retry-After`` and DRF's throttle message (§8.2)."""
    unit = "second" if retry_after == 1 else "seconds"
    return _detail_failure(
        429,
        f"Request was throttled. Expected available in {retry_after} {unit}.",
        headers={
            "Retry-After": str(retry_after),
            "X-RateLimit-Limit-anon_burst": "20/min",
            "X-RateLimit-Available-anon_burst": "0",
        },
    )


def server_error() -> Failure:
    """500 from the search view (DRF APIException)."""
    return _detail_failure(500, "A server error occurred.")


def unavailable() -> Failure:
    """503 with a gateway's HTML page."""
    return Failure(503, GATEWAY_PAGE, {"Content-Type": "text/html"})


def not_json() -> Failure:
    """200 with an HTML page instead of JSON (a captive portal, a misrouted proxy)."""
    return Failure(200, html_page("Sign in to the network"), {"Content-Type": "text/html; charset=utf-8"})


HANG = Failure(hang=True)


def _content_type(body: bytes) -> str:
    if body.startswith(b"\x89PNG"):
        return "image/png"
    if body.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if body.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "image/webp"
    return "text/html; charset=utf-8"


@dataclass(frozen=True)
class FakeImage:
    """One image of the fake catalogue. ``original`` is served at its ``url`` (the host's file),
    ``thumb`` at its ``thumbnail`` (Openverse's proxy); ``original_status`` / ``thumb_status`` make
    those answer with an error instead (the thumbnail's error is the proxy's 424 JSON for 424)."""

    title: str = "Red apple"
    creator: str = "Jane Doe"
    license: str = "by"
    license_version: str | None = "2.0"
    filetype: str | None = "png"
    original: bytes = field(default_factory=png_bytes)
    thumb: bytes = field(default_factory=jpeg_bytes)
    original_status: int = 200
    thumb_status: int = 200
    mature: bool = False
    source: str = "flickr"
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def license_url(self) -> str:
        if self.license == "cc0":
            return "https://creativecommons.org/publicdomain/zero/1.0/"
        if self.license == "pdm":
            return "https://creativecommons.org/publicdomain/mark/1.0/"
        return f"https://creativecommons.org/licenses/{self.license}/{self.license_version or '4.0'}/"

    @property
    def foreign_landing_url(self) -> str:
        return f"https://www.flickr.com/photos/janedoe/{self.id[:8]}"

    def attribution(self) -> str:
        """Openverse's ready-made credit line (api/utils/attribution.py)."""
        if self.license == "pdm":
            name = f"Public Domain Mark {self.license_version or ''}".strip()
        else:
            name = f"CC {self.license.upper()} {self.license_version or ''}".strip()
        verb = "is marked with" if self.license in ("cc0", "pdm") else "is licensed under"
        return (
            f'"{self.title}" by {self.creator} {verb} {name}. To view '
            f"{'the terms' if verb == 'is marked with' else 'a copy of this license'}, visit {self.license_url}."
        )

    def to_json(self, origin: str) -> dict[str, Any]:
        extension = self.filetype or "jpg"
        return {
            "id": self.id,
            "title": self.title,
            "indexed_on": "2020-04-10T17:29:15.771012Z",
            "foreign_landing_url": self.foreign_landing_url,
            "url": f"{origin}/files/{self.id}.{extension}",
            "creator": self.creator,
            "creator_url": "https://www.flickr.com/photos/janedoe",
            "license": self.license.lower(),
            "license_version": self.license_version,
            "license_url": self.license_url,
            "provider": self.source,
            "source": self.source,
            "category": "photograph",
            "filesize": None,
            "filetype": self.filetype,
            "tags": [{"name": word, "accuracy": None} for word in self.title.lower().split()],
            "attribution": self.attribution(),
            "fields_matched": ["title"],
            "mature": self.mature,
            "height": 683,
            "width": 1024,
            "thumbnail": f"{origin}/v1/images/{self.id}/thumb/",
            "detail_url": f"{origin}/v1/images/{self.id}/",
            "related_url": f"{origin}/v1/images/{self.id}/related/",
        }


class OpenverseFake(ScriptedFailures):
    """The fake's state and its request handler; made and served by `serve_openverse`."""

    failing_endpoint = ANY  # failure endpoints: "search", "rate_limit" (the token check)

    def __init__(
        self,
        results: Mapping[str, Sequence[FakeImage]] | None,
        *,
        others: Literal["generate", "empty"],
        tokens: Iterable[str],
        hang_s: float,
        verified: bool,
    ) -> None:
        self.results: dict[str, list[FakeImage]] = {q.lower(): list(images) for q, images in (results or {}).items()}
        self.others = others
        self.tokens = set(tokens)
        self.hang_s = hang_s
        self.verified = verified
        self._failures = FailureScript(HANG, after_hang=lambda: unavailable().reply())
        self._images: dict[str, FakeImage] = {}
        self._search_count = 0
        self._lock = threading.Lock()
        self.server: FakeServer | None = None
        for images in self.results.values():
            for image in images:
                self._images[image.id] = image

    # -- what tests use ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    @property
    def requests(self) -> list[Recorded]:
        assert self.server is not None
        return self.server.requests

    def searches(self) -> list[Recorded]:
        """The search requests received, in order."""
        return [r for r in self.requests if r.path == "/v1/images/"]

    def add(self, query: str, *images: FakeImage) -> list[FakeImage]:
        """Set what a search for ``query`` finds (case-insensitive); returns the images."""
        with self._lock:
            self.results[query.lower()] = list(images)
            for image in images:
                self._images[image.id] = image
        return list(images)

    # -- the handler ---------------------------------------------------------------------------------

    def handle(self, request: Recorded) -> Reply:
        origin = f"http://{request.headers.get('host', '127.0.0.1')}"
        thumb = _THUMB_PATH.match(request.path)
        if thumb:
            return self._thumbnail(thumb.group(1))
        file = _FILE_PATH.match(request.path)
        if file:
            return self._file(file.group(1))
        if request.path not in ("/v1/images/", "/v1/rate_limit/"):
            return Reply(404, NOT_FOUND_PAGE, {"Content-Type": "text/html"})
        if request.method != "GET":
            return _detail(405, f'Method "{request.method}" not allowed.')
        failure = self._failures.next_failure("search" if request.path == "/v1/images/" else "rate_limit")
        if failure is not None:
            return self._failures.answer(failure, hang_s=self.hang_s)
        return self._authenticated(request, origin)

    def _authenticated(self, request: Recorded, origin: str) -> Reply:
        authorization = request.headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        authed = False
        if scheme.lower() == "bearer":  # other schemes are ignored by the OAuth2 authentication: anonymous
            if token.strip() not in self.tokens:
                return unauthorized().reply()
            authed = True
        if request.path == "/v1/rate_limit/":
            return self._rate_limit(authed)
        return self._search(request, origin, authed=authed)

    def _rate_limit(self, authed: bool) -> Reply:
        if not authed:
            return _detail(403, "Forbidden")
        with self._lock:
            used = self._search_count
        return Reply.of_json(
            {
                "requests_this_minute": used,
                "requests_today": used,
                "rate_limit_model": "standard",
                "verified": self.verified,
            }
        )

    def _search(self, request: Recorded, origin: str, *, authed: bool) -> Reply:
        params = {name: values[-1] for name, values in request.query.items()}
        problems: dict[str, Any] = {}
        for old, new in DEPRECATED.items():
            if old in params:
                problems[old] = f"Parameter '{old}' is deprecated in this release of the API. Use '{new}' instead."
        allowed = set(LICENSES)
        if "license" in params:
            for code in params["license"].lower().split(","):
                if code not in LICENSES:
                    problems["license"] = [f"License '{code}' does not exist."]
                    break
            else:
                allowed &= set(params["license"].lower().split(","))
        if "license_type" in params:
            for group in params["license_type"].lower().split(","):
                if group not in LICENSE_GROUPS:
                    problems["license_type"] = [f"License type '{group}' does not exist."]
                    break
                allowed &= LICENSE_GROUPS[group]
        mature = _boolean(params.get("mature", "false"))
        if mature is None:
            problems["mature"] = ["Must be a valid boolean."]
        page_size, size_problem = _integer(params.get("page_size", str(MAX_ANONYMOUS_PAGE_SIZE)), minimum=1)
        if size_problem:
            problems["page_size"] = [size_problem]
        elif page_size > MAX_ANONYMOUS_PAGE_SIZE and not authed:
            return _detail(401, f"Ensure this value is less than or equal to {MAX_ANONYMOUS_PAGE_SIZE}.")
        elif page_size > MAX_AUTHED_PAGE_SIZE:
            problems["page_size"] = [f"Ensure this value is less than or equal to {MAX_AUTHED_PAGE_SIZE}."]
        page, page_problem = _integer(params.get("page", "1"), minimum=1, maximum=MAX_PAGINATION_DEPTH)
        if page_problem:
            problems["page"] = [page_problem]
        if problems:
            return Reply.of_json({"detail": problems}, status=400)
        query = params.get("q", "")[:200]
        images = [image for image in self._find(query) if image.license in allowed and (mature or not image.mature)]
        start = (page - 1) * page_size
        shown = images[start : start + page_size]
        with self._lock:
            self._search_count += 1
            used = self._search_count
        headers = (
            {
                "X-RateLimit-Limit-oauth2_client_credentials_burst": "100/min",
                "X-RateLimit-Available-oauth2_client_credentials_burst": str(max(0, 100 - used)),
            }
            if authed
            else {
                "X-RateLimit-Limit-anon_burst": "20/min",
                "X-RateLimit-Available-anon_burst": str(max(0, 20 - used)),
                "X-RateLimit-Limit-anon_sustained": "200/day",
                "X-RateLimit-Available-anon_sustained": str(max(0, 200 - used)),
            }
        )
        return Reply.of_json(
            {
                "result_count": len(images),
                "page_count": min(MAX_PAGINATION_DEPTH, max(1, -(-len(images) // page_size))) if images else 0,
                "page_size": page_size,
                "page": page,
                "results": [image.to_json(origin) for image in shown],
            },
            headers=headers,
        )

    def _find(self, query: str) -> list[FakeImage]:
        with self._lock:
            if query.lower() in self.results:
                return list(self.results[query.lower()])
            if self.others == "empty" or not query.strip():
                return []
            image = FakeImage(title=query.strip().capitalize())
            self._images[image.id] = image
            return [image]

    def _thumbnail(self, image_id: str) -> Reply:
        with self._lock:
            image = self._images.get(image_id)
        if image is None:
            return _detail(404, "Not found.")
        if image.thumb_status == 424:
            return _detail(424, "Could not render thumbnail due to upstream provider error.")
        if image.thumb_status != 200:
            return _detail(image.thumb_status, "Thumbnail failed.")
        return Reply(200, image.thumb, {"Content-Type": _content_type(image.thumb)})

    def _file(self, image_id: str) -> Reply:
        with self._lock:
            image = self._images.get(image_id)
        if image is None or image.original_status == 404:
            return Reply(404, NOT_FOUND_PAGE, {"Content-Type": "text/html"})
        if image.original_status != 200:
            return Reply(image.original_status, html_page("Error"), {"Content-Type": "text/html"})
        return Reply(200, image.original, {"Content-Type": _content_type(image.original)})


def _detail(status: int, message: str) -> Reply:
    return _detail_failure(status, message).reply()


def _boolean(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


def _integer(value: str, *, minimum: int, maximum: int | None = None) -> tuple[int, str]:
    """DRF IntegerField's parse: (value, "") or (0, its error message)."""
    try:
        number = int(value)
    except ValueError:
        return 0, "A valid integer is required."
    if number < minimum:
        return 0, f"Ensure this value is greater than or equal to {minimum}."
    if maximum is not None and number > maximum:
        return 0, f"Ensure this value is less than or equal to {maximum}."
    return number, ""


class _QuickStopServer(FakeServer):
    """fake_http's server, polling for shutdown every 50 ms instead of 500 ms: a test file starts
    dozens of these, and each stop would otherwise wait up to half a second."""

    def start(self) -> FakeServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openverse", daemon=True
        )
        self._thread.start()
        return self


@contextmanager
def serve_openverse(
    results: Mapping[str, Sequence[FakeImage]] | None = None,
    *,
    others: Literal["generate", "empty"] = "generate",
    tokens: Iterable[str] = (),
    hang_s: float = 3.0,
    verified: bool = True,
) -> Iterator[OpenverseFake]:
    """Serve a fake Openverse on 127.0.0.1 and yield it (``.url`` is its base_url).

    ``results`` maps a query (case-insensitive) to the images it finds; any other query finds one
    made-up image titled after it (``others="generate"``, so a fallback test just works) or nothing
    (``others="empty"``). ``tokens`` are the access tokens it accepts; ``hang_s`` is the longest a
    hanging request waits; ``verified`` is what the token check says of the application's e-mail.
    Hanging requests are released when the block ends.
    """
    fake = OpenverseFake(results, others=others, tokens=tokens, hang_s=hang_s, verified=verified)
    server = _QuickStopServer(fake.handle).start()
    fake.server = server
    try:
        yield fake
    finally:
        fake._failures.release()
        server.stop()
