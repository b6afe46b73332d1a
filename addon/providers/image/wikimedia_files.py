"""Reading Wikimedia Commons' search answer (provider_apis.md §8.1): the pages in search order, the
files among them that are usable pictures under an allowed licence (`usable_files`), and each one's
credit (`Attribution`: author, licence, licence URL, file page, title) from its ``extmetadata``. The
provider (`wikimedia.WikimediaCommons`) takes the first for a fill and several for "Choose…".

Which files, and why: only the thumbnail is downloaded, never the original (originals can be 50
MB). JPEG, PNG, GIF and WebP thumbnails are images of the same kind; SVG, TIFF and BMP files are
rendered by Commons (SVG thumbnails are PNG), so they are taken too. DjVu and PDF (scanned
documents), video and audio are passed over. A file is under an allowed licence when its
``LicenseShortName`` equals an entry of ``allowed_licenses`` or starts with it followed by a space
(a version), case aside: ``CC BY`` takes ``CC BY 4.0`` but not ``CC BY-SA 4.0``.

Thread safety: pure functions of their arguments; safe from any thread.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bs4 import BeautifulSoup

from ...core.base.errors import NotFoundError
from ...core.base.log import get_logger
from ...core.media.types import Attribution
from ...core.text.cleaning import fold_whitespace

log = get_logger(__name__)

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
class CommonsFile:
    """A file of the search answer that may be used: where its thumbnail is and who made it."""

    thumb_url: str
    attribution: Attribution


def usable_files(
    pages: Sequence[Mapping[str, Any]],
    *,
    allowed: Sequence[str],
    base_url: str,
    words: str,
    provider: str = "wikimedia",
) -> list[CommonsFile]:
    """The pages (in rank order) that are pictures with a thumbnail and an allowed licence (empty
    ``allowed``: any licence), at least one; `NotFoundError` saying why none is."""
    found: list[CommonsFile] = []
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
        found.append(
            CommonsFile(
                thumb_url=urllib.parse.urljoin(base_url, thumb),
                attribution=_attribution(page, info, metadata, licence=licence, base_url=base_url),
            )
        )
    if found:
        return found
    if pictures and allowed:
        raise NotFoundError(
            f"Wikimedia Commons found {_count(pictures, 'picture')} for {quoted(words)} but none under an "
            "allowed licence (allowed_licenses); allow more licences or try other words",
            provider=provider,
        )
    raise NotFoundError(
        f"Wikimedia Commons found {_count(len(pages), 'file')} for {quoted(words)} but no picture with a "
        "thumbnail among them (only documents, video or sound); try other words in the picture target's prompt",
        provider=provider,
    )


def ranked_pages(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
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


def normal_licence(name: str) -> str:
    return fold_whitespace(name).lower()


def _licence_allowed(licence: str, allowed: Sequence[str]) -> bool:
    name = normal_licence(licence)
    return bool(name) and any(name == entry or name.startswith(entry + " ") for entry in allowed)


def quoted(words: str) -> str:
    return f"“{words[:60]}…”" if len(words) > 60 else f"“{words}”"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
