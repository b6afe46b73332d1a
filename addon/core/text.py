"""Turning a note field into the text a provider should speak or picture.

Thread safety: pure functions.
"""

from __future__ import annotations

import re
import unicodedata
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

_SOUND_TAG = re.compile(r"\[sound:[^\]]*\]")
_CLOZE = re.compile(r"\{\{c\d+::(.*?)(?:::(?:.*?))?\}\}", re.DOTALL)
# 漢字[かんじ] (Anki's furigana syntax): keep the base text, drop the reading.
_FURIGANA = re.compile(r" ?([^ >\[\]]+?)\[[^\]]*\]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")
# An "&" that does not start an entity (R&D, AT&T) is text; escaped so the HTML parser keeps it.
_BARE_AMPERSAND = re.compile(r"&(?!#\d+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")


def field_has_sound(value: str) -> bool:
    return bool(_SOUND_TAG.search(value))


def field_has_image(value: str) -> bool:
    return "<img" in value.lower()


def clean_source_text(value: str) -> str:
    """Plain text from a field: sound tags, HTML, cloze markup and furigana readings removed,
    entities decoded, control characters dropped, whitespace folded, NFC normalised."""
    text = _SOUND_TAG.sub(" ", value)
    text = _CLOZE.sub(r"\1", text)
    if "<" in text or "&" in text:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            soup = BeautifulSoup(_BARE_AMPERSAND.sub("&amp;", text), "html.parser")
        for tag in soup(["script", "style"]):
            tag.decompose()
        for br in soup.find_all("br"):
            br.replace_with(" ")
        text = soup.get_text(" ")
    text = _FURIGANA.sub(r"\1", text)
    text = _CONTROL.sub("", text)
    text = _SPACE.sub(" ", text).strip()
    return unicodedata.normalize("NFC", text)
