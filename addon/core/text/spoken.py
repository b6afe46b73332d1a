"""The text a voice should say: cleaned source text without the emoji, pictographs and other
symbols a speech engine would read out by name ("el café ☕" is said "el café", not "el café hot
beverage").

Dropped: every character of Unicode category So (other symbol: emoji, pictographs, dingbats, ©, ®,
™, box drawing, regional-indicator flag letters) except the unit signs ``° ℃ ℉ №``; the arrows
(← → ⇒ and the arrow blocks, some of which are math symbols); emoji skin-tone modifiers; tag
characters (the subdivision flags 🏴󠁧󠁢󠁳󠁣󠁴󠁿); variation selectors (U+FE0F, which turns ‼ or ℹ into an
emoji, drops the character before it too); enclosing marks (the keycap U+20E3) and any combining
mark left on a dropped character; a zero-width joiner next to a dropped character (the joins of
👨‍👩‍👧). A keycap keeps its base: "1️⃣" is said "1". Letters, digits, punctuation, currency (Sc) and
math signs (Sm: + − × = < >) stay: a voice says them as words a listener expects.

Only speech uses this (see `engine.planner`); pictures and searches get the text as it is.

Thread safety: pure functions.
"""

from __future__ import annotations

import functools
import unicodedata

from .cleaning import fold_whitespace

_ZWJ = "\u200d"
_EMOJI_PRESENTATION = "\ufe0f"
_KEPT_SYMBOLS = frozenset("°℃℉№")
_KEYCAP_BASES = frozenset("0123456789#*")
# Arrows, Supplemental Arrows-A and -B, Miscellaneous Symbols and Arrows; skin tones; tags.
_DROPPED_RANGES = (
    (0x2190, 0x21FF),
    (0x27F0, 0x27FF),
    (0x2900, 0x297F),
    (0x2B00, 0x2BFF),
    (0x1F3FB, 0x1F3FF),
    (0xE0000, 0xE007F),
)
_VARIATION_SELECTORS = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF))


def spoken_text(text: str) -> str:
    """``text`` (already cleaned: `cleaning.clean_source_text`) without the symbols a voice would
    read by name (see the module docstring), whitespace folded again; "" when nothing else is left."""
    if text.isascii() or all(map(_plain, text)):  # the common case: nothing to drop
        return fold_whitespace(text)
    kept: list[str] = []
    after_dropped = False  # the last character that is not a mark was dropped
    last = len(text) - 1
    for index, char in enumerate(text):
        following = text[index + 1] if index < last else ""
        if _in(char, _VARIATION_SELECTORS) or unicodedata.category(char) == "Me":
            continue
        if after_dropped and unicodedata.category(char).startswith("M"):
            continue
        if char == _ZWJ and (after_dropped or _is_pictograph(following)):
            continue
        after_dropped = _is_pictograph(char) or (following == _EMOJI_PRESENTATION and char not in _KEYCAP_BASES)
        if not after_dropped:
            kept.append(char)
    return fold_whitespace("".join(kept))


@functools.lru_cache(maxsize=8192)
def _plain(char: str) -> bool:
    """``char`` is never dropped, and never makes a character next to it dropped."""
    return not (
        _is_pictograph(char)
        or char in (_ZWJ, _EMOJI_PRESENTATION)
        or _in(char, _VARIATION_SELECTORS)
        or unicodedata.category(char) == "Me"
    )


def _is_pictograph(char: str) -> bool:
    if not char or char in _KEPT_SYMBOLS:
        return False
    return unicodedata.category(char) == "So" or _in(char, _DROPPED_RANGES)


def _in(char: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in ranges)
