"""What of a cleaned source text is worth sending: the settings that decide it (math kept or dropped,
the longest text), the rule for a text too little to read, the cut of a long picture query, and the
words for what a field with no text holds instead.

The settings are plain values (`TextOptions`) that the planner is given per kind of media; a later
per-target setting passes its own.

Thread safety: pure functions over immutable data.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .cleaning import field_has_image, field_has_sound
from .formulas import Span, math_spans, without_math

MathMode = Literal["drop", "keep"]
# A card's sound: longer texts are not sent (a 2,435-character answer makes a useless clip).
SOUND_MAX_CHARS = 300
# A picture query: longer texts are cut at a word boundary.
PICTURE_MAX_CHARS = 200
# Fewer letters or digits than this left once math is dropped: a fragment, not read.
MIN_LETTERS = 2
_JOINER = "\u200d"
# Left dangling where a query is cut: dropped.
_DANGLING = " ,;:-–—/([{"


@dataclass(frozen=True)
class TextOptions:
    """``math``: ``drop`` (formulas are not sent) or ``keep``; ``max_chars``: sound longer than
    this is skipped, a picture query longer than this is cut."""

    math: MathMode = "drop"
    max_chars: int = SOUND_MAX_CHARS


def math_as_set(text: str, math: MathMode) -> tuple[str, list[Span]]:
    """``text`` without its formulas when ``math`` is ``drop``, else as it is, and the spans of
    the formulas left in it (for `cut_at_word`)."""
    formulas = math_spans(text)
    if formulas and math == "drop":
        return without_math(text, formulas), []
    return text, formulas


def is_fragment(text: str) -> bool:
    """Whether ``text`` has fewer than `MIN_LETTERS` letters or digits: what is left of "\\(a\\),
    \\(b\\)" (a comma) or "\\(x\\) y" (one letter) is not worth a request."""
    found = 0
    for char in text:
        if char.isalnum():
            found += 1
            if found >= MIN_LETTERS:
                return False
    return True


def cut_at_word(text: str, max_chars: int, *, formulas: Sequence[Span] = ()) -> str:
    """``text`` cut to at most ``max_chars`` characters at the last space before the limit, never
    inside a formula (``formulas``: its spans; one the limit falls in is left out whole); a text
    with no space there (Japanese, Chinese) is cut at the limit, not between a character and the
    marks or joiners that go with it where it can be helped. What dangles at the cut (a comma, a
    dash, an opening bracket) goes too, unless nothing else would be left. "" only when a formula
    starts the text and reaches past the limit."""
    if len(text) <= max_chars:
        return text
    limit = max_chars
    for start, end in formulas:
        if start < limit < end:
            limit = start
            break
    cut = limit
    if cut < len(text) and not text[cut].isspace():
        space = text.rfind(" ", 0, cut)
        if space > 0:
            cut = space
        else:
            while cut > 0 and (unicodedata.category(text[cut]).startswith("M") or _JOINER in text[cut - 1 : cut + 1]):
                cut -= 1
            cut = cut or limit  # nothing but marks: cut among them
    piece = text[:cut].rstrip()
    return piece.rstrip(_DANGLING) or piece


def what_else_it_holds(value: str) -> str:
    """What a field whose text cleans to nothing holds instead: "a picture", "a sound", "a picture
    and a sound", or "" (nothing: empty, or markup only)."""
    held = [
        word for word, found in (("a picture", field_has_image(value)), ("a sound", field_has_sound(value))) if found
    ]
    return " and ".join(held)
