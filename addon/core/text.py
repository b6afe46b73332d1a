"""Turning a note field into the text a provider should speak or picture.

Every pattern here runs in linear time: fields can be long (a pasted article, 10,000 characters of
Japanese without a space) or garbled (unclosed cloze markers), and cleaning runs for every note of
a selection.

Thread safety: pure functions.
"""

from __future__ import annotations

import html.entities
import re
import unicodedata
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

_SOUND_TAG = re.compile(r"\[sound:[^\]]*\]")
# An innermost cloze {{c1::answer}} or {{c1::answer::hint}}: neither part holds "{{" or "}}", and the
# answer ends at the first "::". Applied until nothing changes, so nested clozes unwrap inside out.
_CLOZE = re.compile(
    r"\{\{c\d+::((?:[^{}:]|\{(?!\{)|\}(?!\})|:(?!:))*)"
    r"(?:::(?:[^{}]|\{(?!\{)|\}(?!\}))*)?\}\}"
)
# 漢字[かんじ] (Anki's furigana syntax): a base (after an optional space) and a reading. The
# look-behind starts a base only where a run of base characters starts, which keeps this linear.
_FURIGANA = re.compile(r"( ?)(?<![^ >\[\]])([^ >\[\]]+)\[([^\[\]]*)\]")
# Kana, and the CJK ideographs with the marks written among them (々, 〆, ヶ).
_KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_CJK_OR_KANA = re.compile(
    r"[\u3005\u3006\u3041-\u309f\u30a0-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
    r"\U00020000-\U0003134f]"
)
# Control characters that are not whitespace (whitespace ones, e.g. Word's vertical tab line break,
# become spaces below).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
# Invisible format characters with no sound: bidi marks, embeddings, overrides and isolates (TTS
# engines read some aloud or stumble on them, and they make the same word a different request), the
# byte order mark and the soft hyphen. Joiners (U+200C, U+200D) stay: emoji and Persian need them.
_INVISIBLE = re.compile(r"[\u00ad\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACE = re.compile(r"\s+")
# "&" followed by what may be a character reference; see _escape_bare_ampersands.
_AMPERSAND = re.compile(r"&(#\d+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)?")
# Elements that separate words when rendered; inline ones (<b>un</b>believable) do not.
_WORD_BREAKING_TAGS = [
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "img", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
]  # fmt: skip
# Elements whose content is not text to speak: code, styles, and ruby readings (like furigana).
_DROPPED_TAGS = ["script", "style", "template", "rt", "rp"]


def field_has_sound(value: str) -> bool:
    return bool(_SOUND_TAG.search(value))


def field_has_image(value: str) -> bool:
    return "<img" in value.lower()


def clean_source_text(value: str) -> str:
    """Plain text from a field, "" when nothing is left: sound tags, HTML, cloze markup and
    furigana readings removed, entities decoded, control and invisible format characters dropped,
    whitespace folded, NFC normalised. Never shortened."""
    text = _SOUND_TAG.sub(" ", value)
    while True:
        unwrapped = _CLOZE.sub(r"\1", text)
        if unwrapped == text:
            break
        text = unwrapped
    if "<" in text or "&" in text:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            soup = BeautifulSoup(_escape_bare_ampersands(text), "html.parser")
        for tag in soup(_DROPPED_TAGS):
            tag.decompose()
        for tag in soup(_WORD_BREAKING_TAGS):
            tag.insert_before(" ")
            tag.insert_after(" ")
        text = soup.get_text()
    text = _FURIGANA.sub(_drop_reading, text)
    text = _CONTROL.sub("", text)
    text = _INVISIBLE.sub("", text)
    text = _SPACE.sub(" ", text).strip()
    return unicodedata.normalize("NFC", text)


def _escape_bare_ampersands(text: str) -> str:
    """Escape every "&" that does not start a character reference the HTML parser knows (R&D,
    AT&T, "&unknown;"), so the parser keeps it as text."""

    def escape(match: re.Match[str]) -> str:
        reference = match.group(1)
        if reference and (reference.startswith("#") or reference in html.entities.html5):
            return match.group(0)
        return "&amp;" + (reference or "")

    return _AMPERSAND.sub(escape, text)


def _drop_reading(match: re.Match[str]) -> str:
    """漢字[かんじ] -> 漢字 when the brackets hold a reading: the base ends in a CJK character or
    kana (Japanese, or Chinese with pinyin), or the reading starts with kana. Other brackets are
    text (array[0], x[i]). The space Anki's syntax uses to mark where a base starts is dropped,
    except after Latin text ("I like 寿司[すし]" keeps its space)."""
    space, base, reading = match.groups()
    if not (_CJK_OR_KANA.match(base[-1]) or _KANA.match(reading[:1])):
        return match.group(0)
    before = match.string[match.start() - 1] if match.start() > 0 else ""
    keep_space = space and before.isascii() and before not in "] "
    return (" " if keep_space else "") + base
