"""``wikimedia``: pictures found on Wikimedia Commons, with their author and licence.

One GET to the MediaWiki Action API (``base_url``, Commons' ``api.php``) searches the File namespace
and returns, in the same answer, each file's MIME type, a thumbnail URL ``thumb_width`` pixels wide
and its licence metadata (``generator=search`` + ``prop=imageinfo``, ``format=json&formatversion=2``;
provider_apis.md §8.1). The first file in search order that is a picture with an allowed licence is
chosen (`wikimedia_files.usable_files`, which also reads each file's credit); its thumbnail is
downloaded with `download_media` (which checks the bytes) and the result carries an `Attribution`
(author, licence, licence URL, file page, title). No key is needed. For "Choose…", `candidates`
downloads the thumbnails of up to ``limit`` such files of the same search (at least ``limit`` asked
for), passing over one whose download fails.

Choices, and why:

* Search order. With ``formatversion=2`` the pages come as a list in page-id order, not in rank
  order; each page's ``index`` is its rank, so pages are sorted by it.
* Which files and licences: see `wikimedia_files` (thumbnails of pictures and drawings only, the
  downloaded bytes sniffed whatever the file was; ``allowed_licenses`` narrows Commons' free
  licences by name and version). The default ``search_filter`` ``filetype:bitmap|drawing`` keeps the search itself to
  pictures and drawings (CirrusSearch ORs the types joined by ``|``), so that scanned books, whose
  full text matches almost any word, do not crowd the pictures out of the results.
* Politeness. Wikimedia blocks clients without a descriptive User-Agent (§8.1): ``user_agent`` is
  sent with every request, the thumbnail downloads included, and a blank one is replaced by the
  default. Every API request carries ``maxlag=5`` (MediaWiki's maxlag parameter, the value
  Wikimedia asks automated clients to use); a ``maxlag`` error (HTTP 200, ``Retry-After``) is a
  `TransientError` that waits as asked. HTTP 429 is a `RateLimitError` with its ``Retry-After``.
* Errors. The API reports most errors with HTTP 200, a ``MediaWiki-API-Error`` header and
  ``{"error": {"code", "info"}}`` (§8.1): ``ratelimited`` → `RateLimitError`, ``maxlag`` and
  ``internal_api_error_*`` → `TransientError`, ``readapidenied`` → `AuthError`, anything else →
  `PermanentError` with the server's ``info``. HTTP 401/403 (what Wikimedia answers to a refused
  User-Agent) → `AuthError` naming ``user_agent``; 404 → `ConfigError` naming ``base_url``. A search
  with no usable file → `NotFoundError` (the rule's next provider is tried).

Thread safety: `generate` may run on several worker threads at once; each thread uses its own HTTP
session (`HttpClient`) and the provider keeps no other state between calls. `close` is called once,
after every call has returned.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import requests

from ...core.base.errors import (
    AuthError,
    ConfigError,
    InvalidResponseError,
    NotFoundError,
    PermanentError,
    ProviderError,
    RateLimitError,
    TransientError,
)
from ...core.base.log import get_logger
from ...core.media.types import MediaRequest, MediaResult
from ...core.provider_system.media_provider import Capabilities, HealthReport, ImageProvider, KeyUse, Setting
from ...core.text.cleaning import fold_whitespace
from ..http.candidates import all_acceptable
from ..http.client import ERROR_BODY_CHARS, json_body, status_error
from ..http.download import display_url
from ..http.health_probe import probe_health
from ..http.service import HttpProvider
from ..http.status import parse_retry_after, quoted_excerpt
from .wikimedia_files import EXTMETADATA_FIELDS, CommonsFile, normal_licence, quoted, ranked_pages, usable_files

log = get_logger(__name__)

DEFAULT_BASE_URL = "https://commons.wikimedia.org/w/api.php"
DEFAULT_USER_AGENT = "MediaFill/0.1.0 (Anki add-on Media Fill; https://ankiweb.net/shared/addons)"
DEFAULT_THUMB_WIDTH = 500
DEFAULT_SEARCH_LIMIT = 10
MAX_SEARCH_LIMIT = 50  # the search_limit setting's maximum (anonymous clients may ask for 50)
DEFAULT_SEARCH_FILTER = "filetype:bitmap|drawing"

# Seconds of database replication lag after which the API is asked to refuse us (maxlag parameter).
MAXLAG_S = 5
# What a maxlag error waits when it names no Retry-After (MediaWiki sends max(maxlag, 5)).
MAXLAG_DEFAULT_WAIT_S = 5.0
# CirrusSearch refuses full-text queries longer than this many characters.
MAX_QUERY_CHARS = 300
# The longest search_filter: the words searched for need the rest.
MAX_FILTER_CHARS = 200


class WikimediaCommons(HttpProvider, ImageProvider):
    """Free pictures from Wikimedia Commons. See the module docstring for the wire format, the
    choices and the threading rules."""

    name = "wikimedia"
    title = "Wikimedia Commons"
    description = (
        "Free pictures from Wikimedia Commons, found by searching for the text; the author and licence "
        "are kept with each picture (no key)."
    )
    capabilities = Capabilities(key=KeyUse.NONE, http=True)
    default_max_concurrency = 2
    priority = 300  # a found picture of the word, after generated ones and before nothing
    default_user_agent = DEFAULT_USER_AGENT
    settings_schema: ClassVar[Mapping[str, Any]] = {
        "thumb_width": {"type": "integer", "minimum": 20, "maximum": 3840},
        "user_agent": {"type": "string", "minLength": 1, "pattern": r"\S"},
        "allowed_licenses": {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "pattern": r"\S"},
            "uniqueItems": True,
        },
        "search_filter": {"type": "string", "maxLength": MAX_FILTER_CHARS},
        "search_limit": {"type": "integer", "minimum": 1, "maximum": MAX_SEARCH_LIMIT},
    }

    # --- settings -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return str(self.settings.get("base_url") or DEFAULT_BASE_URL).rstrip("/")

    @property
    def user_agent(self) -> str:
        """The User-Agent of every request: the setting, or the default when it is blank."""
        value = fold_whitespace(str(self.settings.get("user_agent") or ""))
        return value or self.default_user_agent

    thumb_width = Setting("thumb_width", int, DEFAULT_THUMB_WIDTH)
    search_limit = Setting("search_limit", int, DEFAULT_SEARCH_LIMIT)

    @property
    def search_filter(self) -> str:
        return fold_whitespace(str(self.settings.get("search_filter", DEFAULT_SEARCH_FILTER)))

    @property
    def allowed_licenses(self) -> tuple[str, ...]:
        """The licence names allowed, lower-cased with single spaces; empty: any licence."""
        values: Sequence[Any] = self.settings.get("allowed_licenses") or ()
        return tuple(name for name in (normal_licence(str(v)) for v in values) if name)

    # --- generation -----------------------------------------------------------------------------

    def generate(self, request: MediaRequest) -> MediaResult:
        started = time.monotonic()
        file = self._search(request.text, count=self.search_limit)[0]
        data, extension = self.download(file.thumb_url)
        return self.result(request, data=data, extension=extension, started=started, attribution=file.attribution)

    def candidates(self, request: MediaRequest, *, limit: int) -> list[MediaResult]:
        """Up to ``limit`` pictures of one search (at least ``limit`` results asked for, at most
        `MAX_SEARCH_LIMIT`), each with its credit; a thumbnail that cannot be downloaded is passed
        over. Raises `NotFoundError` when none can be used."""
        started = time.monotonic()
        files = self._search(request.text, count=min(max(self.search_limit, limit), MAX_SEARCH_LIMIT))
        chosen = all_acceptable(
            files,
            lambda file: self.download(file.thumb_url),
            provider=self.name,
            what="the picture",
            limit=limit,
            max_tries=len(files),
            describe=lambda file: f"the file {file.attribution.title!r}",
        )
        return [
            self.result(
                request,
                data=each.data,
                extension=each.extension,
                started=started,
                attribution=each.candidate.attribution,
            )
            for each in chosen
        ]

    def _search(self, text: str, *, count: int) -> list[CommonsFile]:
        """The usable files of a search for ``text`` (``count`` results asked for), best first."""
        words = self._search_words(text)
        if not words:
            raise NotFoundError("there is no text to search Wikimedia Commons for", provider=self.name)
        search = f"{words} {self.search_filter}".strip()
        body = self._api(
            {
                "action": "query",
                "generator": "search",
                "gsrsearch": search,
                "gsrnamespace": "6",
                "gsrlimit": str(count),
                "prop": "imageinfo",
                "iiprop": "url|size|mime|extmetadata",
                "iiurlwidth": str(self.thumb_width),
                "iiextmetadatafilter": "|".join(EXTMETADATA_FIELDS),
            }
        )
        pages = ranked_pages(body)
        if not pages:
            raise NotFoundError(
                f"Wikimedia Commons has no file for {quoted(words)}; try other words in the picture target's prompt",
                provider=self.name,
            )
        return usable_files(pages, allowed=self.allowed_licenses, base_url=self.base_url, words=words)

    def _search_words(self, text: str) -> str:
        """The request's text on one line, cut at a word so that it and the filter fit the search."""
        words = fold_whitespace(text)
        room = max(1, MAX_QUERY_CHARS - (len(self.search_filter) + 1 if self.search_filter else 0))
        if len(words) > room:
            head = words[: room + 1]
            words = head.rsplit(" ", 1)[0] if " " in head else words[:room]
        return words.strip()

    # --- the API --------------------------------------------------------------------------------

    def _api(self, params: Mapping[str, str]) -> Mapping[str, Any]:
        """One API call: the answer's JSON object, or the error its status or error envelope means."""
        query = {**params, "format": "json", "formatversion": "2", "maxlag": str(MAXLAG_S)}
        response = self._http.send("GET", self.base_url, timeout_s=self.timeout_s, params=query)
        self._raise_for_status(response)
        body = json_body(response, provider=self.name)
        if not isinstance(body, Mapping):
            raise InvalidResponseError(
                f"answered with JSON that is not an API result from {display_url(self.base_url)}", provider=self.name
            )
        error = body.get("error")
        if error is not None or response.headers.get("MediaWiki-API-Error"):
            raise self._api_error(error, response)
        warnings = body.get("warnings")
        if warnings:
            log.debug("wikimedia: the API warned: %s", warnings)
        return body

    def _raise_for_status(self, response: requests.Response) -> None:
        shown = display_url(self.base_url)
        if response.status_code in (401, 403):
            said = quoted_excerpt(response.text[:ERROR_BODY_CHARS])
            raise AuthError(
                f"{shown} refused the request (HTTP {response.status_code}){said}. Wikimedia blocks clients without a descriptive User-Agent: "
                f"set providers.image.{self.name}.user_agent to name this add-on and a way to reach you",
                provider=self.name,
            )
        if response.status_code == 404:
            raise ConfigError(
                f"{shown} has no MediaWiki API (HTTP 404 Not Found); set providers.image.{self.name}.base_url "
                f"to a wiki's api.php, e.g. {DEFAULT_BASE_URL}",
                provider=self.name,
            )
        error = status_error(response, provider=self.name)
        if error is not None:
            raise error

    def _api_error(self, error: Any, response: requests.Response) -> ProviderError:
        """The error for MediaWiki's envelope ``{"error": {"code", "info"}}`` (HTTP 200)."""
        fields = error if isinstance(error, Mapping) else {}
        code = str(fields.get("code") or response.headers.get("MediaWiki-API-Error") or "unknown")
        info = fold_whitespace(str(fields.get("info") or ""))
        said = f": {info[:200]}" if info else ""
        retry_after = parse_retry_after(response.headers)
        if code == "maxlag":
            wait = retry_after if retry_after is not None else MAXLAG_DEFAULT_WAIT_S
            return TransientError(
                f"Wikimedia's servers are lagging behind and ask to wait {wait:g} s{said}",
                provider=self.name,
                retry_after=wait,
            )
        if code == "ratelimited":
            return RateLimitError(
                f"Wikimedia is rate limiting requests{said}", provider=self.name, retry_after=retry_after
            )
        if code.startswith("internal_api_error"):
            return TransientError(f"Wikimedia had an internal error ({code}){said}", provider=self.name)
        if code == "readapidenied":
            return AuthError(
                f"the wiki at base_url does not let anonymous clients read it{said}; point "
                f"providers.image.{self.name}.base_url at a public wiki such as {DEFAULT_BASE_URL}",
                provider=self.name,
            )
        return PermanentError(f"Wikimedia rejected the search ({code}){said}", provider=self.name)

    # --- health ---------------------------------------------------------------------------------

    def test_connection(self) -> HealthReport:
        """``action=query&meta=siteinfo``: the API's cheapest call, no search."""
        return probe_health(self, self._site_info)

    def _site_info(self) -> str:
        body = self._api({"action": "query", "meta": "siteinfo", "siprop": "general"})
        query = body.get("query")
        general = query.get("general") if isinstance(query, Mapping) else None
        if not isinstance(general, Mapping):
            raise InvalidResponseError(
                f"{display_url(self.base_url)} answered without site information; is base_url a MediaWiki api.php?",
                provider=self.name,
            )
        site = str(general.get("sitename") or display_url(self.base_url))
        software = str(general.get("generator") or "MediaWiki")
        return f"{site} answered ({software})"
