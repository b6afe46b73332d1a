"""``wikimedia``: pictures found on Wikimedia Commons, with their author and licence.

One GET to the MediaWiki Action API (``base_url``, Commons' ``api.php``) searches the File namespace
and returns, in the same answer, each file's MIME type, a thumbnail URL ``thumb_width`` pixels wide
and its licence metadata (``generator=search`` + ``prop=imageinfo``, ``format=json&formatversion=2``;
provider_apis.md §8.1). The first file in search order that is a picture with an allowed licence is
chosen; its thumbnail is downloaded with `download_media` (which checks the bytes) and the result
carries an `Attribution` (author, licence, licence URL, file page, title). No key is needed.

Choices, and why:

* Search order. With ``formatversion=2`` the pages come as a list in page-id order, not in rank
  order; each page's ``index`` is its rank, so pages are sorted by it.
* Which files. Only the thumbnail is downloaded, never the original (originals can be 50 MB).
  JPEG, PNG, GIF and WebP thumbnails are images of the same kind; SVG, TIFF and BMP files are
  rendered by Commons (SVG thumbnails are PNG, §8.1), so they are taken too: the downloaded bytes
  are sniffed whatever the file was. DjVu and PDF (scanned documents), video and audio are passed
  over. The default ``search_filter`` ``filetype:bitmap|drawing`` keeps the search itself to
  pictures and drawings (CirrusSearch ORs the types joined by ``|``), so that scanned books, whose
  full text matches almost any word, do not crowd the pictures out of the results.
* Licences. Every file on Commons has a free licence; ``allowed_licenses`` narrows them: a file is
  taken when its ``LicenseShortName`` equals an entry or starts with it followed by a space (a
  version), case aside: ``CC BY`` takes ``CC BY 4.0`` but not ``CC BY-SA 4.0``.
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

import html
import re
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import requests
from bs4 import BeautifulSoup

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
from ...core.media.types import Attribution, MediaRequest, MediaResult
from ...core.provider_system.media_provider import Capabilities, HealthReport, ImageProvider, KeyUse, Setting
from ...core.text.cleaning import fold_whitespace
from ..http.client import ERROR_BODY_CHARS, json_body, status_error
from ..http.download import display_url
from ..http.health_probe import probe_health
from ..http.service import HttpProvider
from ..http.status import parse_retry_after, quoted_excerpt

log = get_logger(__name__)

DEFAULT_BASE_URL = "https://commons.wikimedia.org/w/api.php"
DEFAULT_USER_AGENT = "MediaFill/0.1.0 (Anki add-on Media Fill; https://ankiweb.net/shared/addons)"
DEFAULT_THUMB_WIDTH = 500
DEFAULT_SEARCH_LIMIT = 10
DEFAULT_SEARCH_FILTER = "filetype:bitmap|drawing"

# Seconds of database replication lag after which the API is asked to refuse us (maxlag parameter).
MAXLAG_S = 5
# What a maxlag error waits when it names no Retry-After (MediaWiki sends max(maxlag, 5)).
MAXLAG_DEFAULT_WAIT_S = 5.0
# CirrusSearch refuses full-text queries longer than this many characters.
MAX_QUERY_CHARS = 300
# The longest search_filter: the words searched for need the rest.
MAX_FILTER_CHARS = 200
# The longest author text kept for the attribution (Artist fields may hold whole paragraphs).
MAX_AUTHOR_CHARS = 200

# Whose thumbnail is an image of the same kind.
WEB_MIMES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
# Files Commons always renders to a PNG or JPEG thumbnail.
RENDERED_MIMES = frozenset({"image/svg+xml", "image/tiff", "image/bmp", "image/x-bmp"})
PICTURE_MIMES = WEB_MIMES | RENDERED_MIMES

EXTMETADATA_FIELDS = ("Artist", "Credit", "LicenseShortName", "LicenseUrl", "AttributionRequired", "ObjectName")

_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,.;:!?)\]])")
_SPACE_AFTER_OPENING = re.compile(r"([(\[])\s+")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{2,5}$")


@dataclass(frozen=True)
class _Candidate:
    """A file of the search answer that may be used: where its thumbnail is and who made it."""

    thumb_url: str
    attribution: Attribution


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
        "search_limit": {"type": "integer", "minimum": 1, "maximum": 50},
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
        return tuple(name for name in (_normal(str(v)) for v in values) if name)

    # --- generation -----------------------------------------------------------------------------

    def generate(self, request: MediaRequest) -> MediaResult:
        started = time.monotonic()
        words = self._search_words(request.text)
        if not words:
            raise NotFoundError("there is no text to search Wikimedia Commons for", provider=self.name)
        search = f"{words} {self.search_filter}".strip()
        body = self._api(
            {
                "action": "query",
                "generator": "search",
                "gsrsearch": search,
                "gsrnamespace": "6",
                "gsrlimit": str(self.search_limit),
                "prop": "imageinfo",
                "iiprop": "url|size|mime|extmetadata",
                "iiurlwidth": str(self.thumb_width),
                "iiextmetadatafilter": "|".join(EXTMETADATA_FIELDS),
            }
        )
        pages = _ranked_pages(body)
        if not pages:
            raise NotFoundError(
                f"Wikimedia Commons has no file for {_quoted(words)}; try other words in the picture target's prompt",
                provider=self.name,
            )
        candidate = self._choose(pages, words=words)
        data, extension = self.download(candidate.thumb_url)
        return self.result(request, data=data, extension=extension, started=started, attribution=candidate.attribution)

    def _search_words(self, text: str) -> str:
        """The request's text on one line, cut at a word so that it and the filter fit the search."""
        words = fold_whitespace(text)
        room = max(1, MAX_QUERY_CHARS - (len(self.search_filter) + 1 if self.search_filter else 0))
        if len(words) > room:
            head = words[: room + 1]
            words = head.rsplit(" ", 1)[0] if " " in head else words[:room]
        return words.strip()

    def _choose(self, pages: Sequence[Mapping[str, Any]], *, words: str) -> _Candidate:
        """The first page (in rank order) that is a picture with a thumbnail and an allowed licence;
        `NotFoundError` saying why none is."""
        allowed = self.allowed_licenses
        pictures = 0
        for page in pages:
            info = _first_imageinfo(page)
            if info is None:
                continue
            mime = str(info.get("mime") or "").lower()
            thumb = info.get("thumburl")
            if mime not in PICTURE_MIMES or not isinstance(thumb, str) or not thumb:
                continue
            pictures += 1
            metadata = info.get("extmetadata")
            metadata = metadata if isinstance(metadata, Mapping) else {}
            licence = _plain(_meta(metadata, "LicenseShortName"))
            if allowed and not _licence_allowed(licence, allowed):
                log.debug("wikimedia: %s skipped, licence %r not allowed", page.get("title"), licence)
                continue
            return _Candidate(
                thumb_url=urllib.parse.urljoin(self.base_url, thumb),
                attribution=_attribution(page, info, metadata, licence=licence, base_url=self.base_url),
            )
        if pictures and allowed:
            raise NotFoundError(
                f"Wikimedia Commons found {_count(pictures, 'picture')} for {_quoted(words)} but none under an "
                "allowed licence (allowed_licenses); allow more licences or try other words",
                provider=self.name,
            )
        raise NotFoundError(
            f"Wikimedia Commons found {_count(len(pages), 'file')} for {_quoted(words)} but no picture with a "
            "thumbnail among them (only documents, video or sound); try other words in the picture target's prompt",
            provider=self.name,
        )

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


# --- reading the answer -----------------------------------------------------------------------


def _ranked_pages(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The answer's pages in search order. An empty search has no ``query`` key, or no or empty
    ``query.pages`` (§8.1); format version 1's object keyed by page id is read too."""
    query = body.get("query")
    if not isinstance(query, Mapping):
        return []
    pages = query.get("pages")
    if isinstance(pages, Mapping):
        pages = list(pages.values())
    if not isinstance(pages, list):
        return []
    found = [page for page in pages if isinstance(page, Mapping)]
    return sorted(found, key=_rank)


def _rank(page: Mapping[str, Any]) -> float:
    index = page.get("index")
    return float(index) if isinstance(index, (int, float)) and not isinstance(index, bool) else float("inf")


def _first_imageinfo(page: Mapping[str, Any]) -> Mapping[str, Any] | None:
    infos = page.get("imageinfo")
    if isinstance(infos, list) and infos and isinstance(infos[0], Mapping):
        return infos[0]
    return None


def _meta(metadata: Mapping[str, Any], key: str) -> str:
    """One extmetadata value (``{"value": …, "source": …}``) as text; "" when absent."""
    entry = metadata.get(key)
    value = entry.get("value") if isinstance(entry, Mapping) else None
    return "" if value is None else str(value)


def _plain(markup: str) -> str:
    """Text of an extmetadata value, which is HTML (links to user pages, spans, line breaks)."""
    if not markup.strip():
        return ""
    # Plain text (a URL, a name) is only unescaped: bs4 would warn that it looks like a file name or URL.
    text = BeautifulSoup(markup, "html.parser").get_text(" ") if "<" in markup else html.unescape(markup)
    text = fold_whitespace(text)
    text = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)
    return _SPACE_AFTER_OPENING.sub(r"\1", text)


def _attribution(
    page: Mapping[str, Any], info: Mapping[str, Any], metadata: Mapping[str, Any], *, licence: str, base_url: str
) -> Attribution:
    author = _plain(_meta(metadata, "Artist")) or _plain(_meta(metadata, "Credit"))
    if len(author) > MAX_AUTHOR_CHARS:
        author = author[: MAX_AUTHOR_CHARS - 1].rstrip() + "…"
    return Attribution(
        author=author,
        license=licence,
        license_url=_licence_url(_plain(_meta(metadata, "LicenseUrl"))),
        source_url=_absolute(str(info.get("descriptionurl") or ""), base_url),
        title=_plain(_meta(metadata, "ObjectName")) or _title_of(str(page.get("title") or "")),
    )


def _title_of(page_title: str) -> str:
    """ "File:Red Apple.jpg" → "Red Apple"."""
    _, colon, name = page_title.partition(":")
    name = name if colon else page_title
    return _EXTENSION.sub("", name).strip()


def _absolute(url: str, base_url: str) -> str:
    """A URL as given, protocol-relative ("//host/…") and relative ones made absolute."""
    return urllib.parse.urljoin(base_url, url) if url else ""


def _licence_url(url: str) -> str:
    """A licence's URL (on another site, such as creativecommons.org): protocol-relative → https."""
    return "https:" + url if url.startswith("//") else url


def _normal(name: str) -> str:
    return fold_whitespace(name).lower()


def _licence_allowed(licence: str, allowed: Sequence[str]) -> bool:
    name = _normal(licence)
    return bool(name) and any(name == entry or name.startswith(entry + " ") for entry in allowed)


def _quoted(words: str) -> str:
    return f"“{words[:60]}…”" if len(words) > 60 else f"“{words}”"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
