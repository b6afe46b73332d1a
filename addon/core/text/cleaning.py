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

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag
from bs4.element import NavigableString, PageElement

_SOUND_TAG = re.compile(r"\[sound:[^\]]*\]")
# The tokens of cloze markup, read left to right with a stack as Anki reads them: "{{c1::" opens a
# cloze, the first "::" inside the innermost open cloze starts its hint, "}}" closes the innermost
# open cloze. One pass, so nested clozes take linear time however deep they go.
_CLOZE_TOKEN = re.compile(r"\{\{c\d+::|::|\}\}")
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
# become spaces below), and lone surrogates (a JSON word list can hold "\ud800"; no text can be
# encoded with one, so it would break the request's cache key and every provider).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")
# Invisible format characters with no sound: bidi marks, embeddings, overrides and isolates (TTS
# engines read some aloud or stumble on them, and they make the same word a different request), the
# byte order mark, the soft hyphen, the zero-width space and the word joiner (a field holding only
# one looks empty and must plan as empty). Joiners (U+200C, U+200D) stay: emoji and Persian need them.
_INVISIBLE = re.compile(r"[\u00ad\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_SPACE = re.compile(r"\s+")
_COMMENT_END = re.compile(r"--!?>")
# "&" followed by what may be a character reference; see _escape_bare_ampersands.
_AMPERSAND = re.compile(r"&(#\d+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)?")
# Elements that separate words when rendered; inline ones (<b>un</b>believable) do not.
_WORD_BREAKING_TAGS = frozenset([
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "img", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
])  # fmt: skip
# The word-breaking elements that also end a line (all but <img>, which sits inside a line of text).
_LINE_BREAKING_TAGS = _WORD_BREAKING_TAGS - {"img"}
# What marks a line break while a field is cleaned with pauses: a lone surrogate, which the field
# cannot hold (dropped before parsing) and a character reference cannot make (the parser gives U+FFFD).
_LINE_BREAK = "\ud800"
# A line ending in one of these (before closing quotes and brackets) needs no added full stop.
SENTENCE_ENDINGS = frozenset(".!?…;:,‼⁇⁈⁉。！？；：，、．｡؟؛،۔।॥።")
CLOSING_MARKS = frozenset("\"'")  # plus every closing bracket or quote (Unicode Pe, Pf)
# Elements whose content is not text to speak: code, styles, and ruby readings (like furigana).
_DROPPED_TAGS = frozenset(["script", "style", "template", "rt", "rp"])


def field_has_sound(value: str) -> bool:
    # Searched up to the last "]" only (see _without_sound_tags).
    return bool(_SOUND_TAG.search(value, 0, value.rfind("]") + 1))


def field_has_image(value: str) -> bool:
    return "<img" in value.lower()


def clean_source_text(value: str, *, pauses: bool = False) -> str:
    """Plain text from a field, "" when nothing is left: sound tags, HTML, cloze markup and
    furigana readings removed, entities decoded, control and invisible format characters dropped,
    whitespace folded, NFC normalised. Never shortened.

    Block elements (div, p, li, br, tr, td, ul, ol, table, h1-h6…) separate words as a browser
    shows them: by a space. With ``pauses``, as a voice should read them: each ends a sentence,
    a full stop ("。" after Japanese or Chinese) added to a line that does not end in punctuation
    already, so "<li>case of EM</li><li>EM is harder</li>" is "case of EM. EM is harder"."""
    # NFC first, so canonically equivalent fields clean alike (NFD "<\u0338" is NFC "≮", not a tag
    # opener); control characters go before the HTML parser too, which reads "<b\x00>" as text
    # where a browser reads a tag: dropped afterwards, it would leave "<b>" in the text.
    text = _without_sound_tags(_CONTROL.sub("", unicodedata.normalize("NFC", value)))
    text = _unwrap_clozes(text)
    if "<" in text or "&" in text:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            soup = BeautifulSoup(_escape_bare_ampersands(_without_comments(text)), "html.parser")
        text = _shown_text(soup, line_break=_LINE_BREAK if pauses else " ")
    text = _FURIGANA.sub(_drop_reading, text)
    if pauses and _LINE_BREAK in text:
        text = _joined_lines(text.split(_LINE_BREAK))
    text = _CONTROL.sub("", text)
    text = _INVISIBLE.sub("", text)
    return unicodedata.normalize("NFC", fold_whitespace(text))


def fold_whitespace(text: str) -> str:
    """``text`` with every run of whitespace made one space, and none at either end."""
    return _SPACE.sub(" ", text).strip()


def printable_text(value: str) -> str:
    """``value`` on one line without control characters, lone surrogates or invisible format
    characters, whitespace folded, NFC: a server's words (an image's title or author) made fit to
    show in a field. No markup is removed or escaped here."""
    text = _CONTROL.sub("", _INVISIBLE.sub("", value))
    return unicodedata.normalize("NFC", fold_whitespace(text))


def _shown_text(soup: BeautifulSoup, *, line_break: str) -> str:
    """The text a browser shows of ``soup``: its strings outside the dropped elements, with a space
    around each word-breaking element (``line_break`` around those that end a line); comments, CDATA sections, declarations and processing
    instructions are not shown. One pass over the tree: editing it (inserting the spaces) takes
    quadratic time on fields of thousands of elements, nested or side by side."""
    parts: list[str] = []
    pending: list[PageElement | str] = list(reversed(soup.contents))
    while pending:
        node = pending.pop()
        if isinstance(node, Tag):
            if node.name in _DROPPED_TAGS:
                continue
            if node.name in _WORD_BREAKING_TAGS:
                separator = line_break if node.name in _LINE_BREAKING_TAGS else " "
                parts.append(separator)
                pending.append(separator)  # a plain str: the end of the element
            pending.extend(reversed(node.contents))
        elif type(node) is NavigableString or type(node) is str:  # not Comment, CData, Doctype…
            parts.append(node)
    return "".join(parts)


def _joined_lines(lines: list[str]) -> str:
    """The non-blank ``lines`` joined by sentence breaks: a full stop after a line that does not end
    in punctuation already, then a space. Controls and invisible characters are dropped from each
    line first, so they do not hide the punctuation it ends in."""
    joined: list[str] = []
    for raw in lines:
        line = fold_whitespace(_INVISIBLE.sub("", _CONTROL.sub("", raw)))
        if not line:
            continue
        if joined:
            joined.append(_full_stop_after(joined[-1]) + " ")
        joined.append(line)
    return "".join(joined)


def _full_stop_after(line: str) -> str:
    """ "" when ``line`` ends a sentence already (closing quotes and brackets aside), else "." or,
    after Japanese or Chinese, "。"."""
    end = len(line)
    while end and (line[end - 1] in CLOSING_MARKS or unicodedata.category(line[end - 1]) in ("Pe", "Pf")):
        end -= 1
    if end and line[end - 1] in SENTENCE_ENDINGS:
        return ""
    return "。" if end and _CJK_OR_KANA.match(line[end - 1]) else "."


def without_sound_tags(text: str) -> str:
    """``text`` with each ``[sound:…]`` tag replaced by a space: a server's words, which Anki
    would otherwise play as a sound on the card (see `_without_sound_tags`)."""
    return _without_sound_tags(text)


def _without_sound_tags(text: str) -> str:
    """``text`` with each ``[sound:…]`` tag replaced by a space. Only the part up to the last "]"
    is searched: after it no tag can end, and each of many "[sound:" openers there would scan to the
    end of the text (quadratic time)."""
    end = text.rfind("]") + 1
    return _SOUND_TAG.sub(" ", text[:end]) + text[end:] if end else text


def _unwrap_clozes(text: str) -> str:
    """Each cloze ``{{c1::answer}}`` or ``{{c1::answer::hint}}`` replaced by its answer, nested
    ones too; markup of a cloze never closed, and a "}}" or "::" outside any cloze, stay as text."""
    if "{{c" not in text:
        return text
    open_clozes: list[list[int]] = []  # per open cloze: [opener start, opener end, hint start or -1]
    dropped: list[tuple[int, int]] = []
    for token in _CLOZE_TOKEN.finditer(text):
        if token.group().startswith("{{"):
            open_clozes.append([token.start(), token.end(), -1])
        elif token.group() == "::":
            if open_clozes and open_clozes[-1][2] < 0:
                open_clozes[-1][2] = token.start()
        elif open_clozes:
            start, opener_end, hint = open_clozes.pop()
            dropped.append((start, opener_end))
            dropped.append((hint if hint >= 0 else token.start(), token.end()))
    if not dropped:
        return text
    kept: list[str] = []
    position = 0
    for start, end in sorted(dropped):  # a cloze inside a hint is dropped twice: spans may overlap
        if start > position:
            kept.append(text[position:start])
        position = max(position, end)
    kept.append(text[position:])
    return "".join(kept)


def cloze_answers(value: str) -> list[str]:
    """The answers of a field's outermost clozes, in order, as written (a nested cloze stays inside
    its answer, for cleaning to unwrap); [] when the field has none."""
    if "{{c" not in value:
        return []
    open_clozes: list[list[int]] = []  # per open cloze: [opener end, hint start or -1]
    answers: list[str] = []
    for token in _CLOZE_TOKEN.finditer(value):
        if token.group().startswith("{{"):
            open_clozes.append([token.end(), -1])
        elif token.group() == "::":
            if open_clozes and open_clozes[-1][1] < 0:
                open_clozes[-1][1] = token.start()
        elif open_clozes:
            opener_end, hint = open_clozes.pop()
            if not open_clozes:
                answers.append(value[opener_end : hint if hint >= 0 else token.start()])
    return answers


def _without_comments(text: str) -> str:
    """``text`` without its HTML comments, ended as a browser ends them (``-->``, ``--!>``, and the
    empty ``<!-->`` and ``<!--->``); a comment never closed hides the rest of the field. Python's
    HTML parser would keep an unclosed comment, and the rest after it, as text."""
    if "<!--" not in text:
        return text
    kept: list[str] = []
    position = 0
    while (opening := text.find("<!--", position)) >= 0:
        kept.append(text[position:opening])
        body = opening + 4
        if text.startswith((">", "->"), body):
            position = text.index(">", body) + 1
            continue
        closing = _COMMENT_END.search(text, body)
        if closing is None:
            return "".join(kept)
        position = closing.end()
    kept.append(text[position:])
    return "".join(kept)


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
