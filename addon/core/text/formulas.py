"""Math in a cleaned text: where the formulas are, and the text without them.

A voice reads ``\\(\\mathbb{E}_p\\)`` as "backslash, open parenthesis, backslash, mathbb…" and a
picture search finds nothing for it, so math is dropped before either is asked (a ``math`` setting
of ``keep`` leaves it). A formula is what Anki renders as one, and what decks imported from
elsewhere write as one:

* MathJax, Anki's own: ``\\( … \\)`` inline and ``\\[ … \\]`` display (``\\begin{array}`` inside);
* Anki's LaTeX: ``[latex] … [/latex]``, ``[$] … [/$]``, ``[$$] … [/$$]``;
* TeX dollars: ``$$ … $$``, and ``$ … $`` only when it looks like math and not like prices: the
  opening ``$`` is followed by a non-space, the closing one follows a non-space and is not followed
  by a digit (so "$5 or $10" and "US$5 and C$10" are text), and what lies between holds one of
  ``\\ ^ _ { } =`` or is a single letter (``$x$``).

An opener with no closer of its kind after it is text. Inside a formula other delimiters are part
of it (``\\[ a \\\\[2pt] b \\]`` is one formula). One pass over the delimiters: linear time however
many there are, closed or not.

Thread safety: pure functions.
"""

from __future__ import annotations

import re

# The delimiter tokens, longest first where one starts another.
_TOKEN = re.compile(r"\\[()\[\]]|\[/?latex\]|\[/?\$\$?\]|\$\$?")
_CLOSER = {"\\(": "\\)", "\\[": "\\]", "[latex]": "[/latex]", "[$]": "[/$]", "[$$]": "[/$$]", "$$": "$$", "$": "$"}
_MATH_LOOKING = re.compile(r"[\\^_{}=]|^[^\W\d_]$")
# Punctuation that belonged to a dropped formula's sentence: kept after the word before it, dropped
# where no word is left before it.
_TRAILING = frozenset(".,;:!?")
_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")

Span = tuple[int, int]


def math_spans(text: str) -> list[Span]:
    """The (start, end) of each formula in ``text``, in order, not overlapping."""
    if not any(mark in text for mark in ("\\(", "\\[", "[latex]", "[$", "$")):
        return []
    tokens = [(match.group(), match.start(), match.end()) for match in _TOKEN.finditer(text)]
    last_at: dict[str, int] = {}
    for token, start, _ in tokens:
        last_at[token] = start
    spans: list[Span] = []
    opened: tuple[str, int, int] | None = None  # (opener, start, end of the opener)
    for token, start, end in tokens:
        if opened is None:
            closer = _CLOSER.get(token)
            if closer is not None and last_at.get(closer, -1) > start and _may_open(token, text, end):
                opened = (token, start, end)
            continue
        opener, opened_at, content_at = opened
        if token != _CLOSER[opener]:
            continue
        if opener != "$" or _closes_dollar(text, content_at, start, end):
            spans.append((opened_at, end))
            opened = None
        elif _may_open(token, text, end):  # "$5 and $x$": this "$" may open the formula instead
            opened = (token, start, end)
        else:
            opened = None
    return spans


def without_math(text: str, spans: list[Span] | None = None) -> str:
    """``text`` without its formulas (``spans``, found when not given), the words around each joined
    as a sentence reads on: "the mean \\(\\mu\\). Next" -> "the mean. Next", "\\(x\\), then y" ->
    "then y", "a (\\(x\\)) b" -> "a b"."""
    spans = math_spans(text) if spans is None else spans
    if not spans:
        return text
    pieces = [text[: spans[0][0]]]
    pieces += [
        text[end:following] for (_, end), (following, _) in zip(spans, [*spans[1:], (len(text), 0)], strict=True)
    ]
    kept = list(pieces[0].rstrip())  # characters: taking the last one back costs no copy
    for piece in pieces[1:]:
        right = piece.lstrip()
        if right[:1] in _CLOSING and kept and kept[-1] in _OPENING:  # "(\(x\))": brackets round only math
            kept.pop()
            _strip_end(kept)
            right = right[1:].lstrip()
        if right[:1] in _TRAILING and (not kept or kept[-1] in _TRAILING or kept[-1] in _OPENING):
            right = right[1:].lstrip()  # no word before it to end
        right = right.rstrip()
        if right:
            if kept and right[0] not in _TRAILING:
                kept.append(" ")
            kept.extend(right)
    return "".join(kept).strip()


def _strip_end(characters: list[str]) -> None:
    while characters and characters[-1].isspace():
        characters.pop()


def _may_open(token: str, text: str, end: int) -> bool:
    """A "$" opens a formula only before a non-space; every other opener always does."""
    return token != "$" or (end < len(text) and not text[end].isspace())


def _closes_dollar(text: str, content_at: int, start: int, end: int) -> bool:
    content = text[content_at:start]
    if not content or content[-1].isspace() or (end < len(text) and text[end].isdigit()):
        return False
    return bool(_MATH_LOOKING.search(content))
