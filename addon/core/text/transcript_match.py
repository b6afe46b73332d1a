"""Does a sound say what it should? Compares the text a voice was given with what a speech
recogniser heard in the sound it made (a checked sound, ``verify_with``).

Both sides are normalised before they are compared:

- case and width folded (Unicode NFKC, then casefold: "Straße" and "STRASSE" are equal);
- punctuation and symbols read as spaces, apostrophes dropped ("¡Hola!" = "hola", "don't" = "dont"),
  whitespace folded;
- accents on Latin, Greek and Cyrillic letters ignored ("está" = "esta", "ё" = "е"): recognisers drop
  or add them, and a voice cannot say an accent the spelling lacks. They are kept for languages
  where they change the word (`ACCENTED_LANGUAGES`: tone-marked Vietnamese "má" is not "ma"), and
  marks of other scripts (Devanagari vowel signs, Japanese dakuten) are always kept;
- numbers are compared as written (a recogniser that writes "3" for a voice's "three" is a mismatch
  unless the similarity is still over the threshold): write numbers in words where it matters;
- a short word (up to `SHORT_WORD_LETTERS` letters: an article like "la", "the", "der") at the
  start or the end that only one side has is not counted (recognisers drop them on short clips).

The score is `difflib.SequenceMatcher.ratio` over the normalised texts (1.0: the same). A
homograph read the wrong way ("read" as present or past) is spelled the same either way, so no
transcript can tell: the check catches a wrong word, not a wrong reading of the right one.

Thread safety: pure functions; call from any thread.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass

DEFAULT_MIN_SIMILARITY = 0.8
# Languages whose accents change the word (tones): compared with their accents.
ACCENTED_LANGUAGES = frozenset({"vi", "yo"})
SHORT_WORD_LETTERS = 3
_APOSTROPHES = frozenset("'\u2019\u02bc\u2018`")
# Base letters whose accents are ignored: Latin, Greek, Cyrillic (and their extended blocks).
_ACCENTED_SCRIPTS = ((0x0041, 0x052F), (0x1D00, 0x1FFF), (0x2C60, 0x2C7F), (0xA720, 0xA7FF))


@dataclass(frozen=True)
class TranscriptMatch:
    """How close what was heard (``heard``, as the recogniser wrote it) is to what was expected:
    ``score`` from 0 to 1, ``similar`` when it reaches the threshold."""

    similar: bool
    score: float
    heard: str


def match_transcript(
    expected: str, heard: str, *, language: str = "", min_similarity: float = DEFAULT_MIN_SIMILARITY
) -> TranscriptMatch:
    """Compare ``expected`` (the text the voice was given) with ``heard`` (the transcript of its
    sound) as the module docstring says. An empty transcript never matches."""
    heard = " ".join(heard.split())
    want, got = normalise(expected, language=language), normalise(heard, language=language)
    if not got or not want:
        return TranscriptMatch(similar=False, score=0.0, heard=heard)
    score = max(_ratio(want, got), _ratio(*_without_short_edges(want.split(), got.split())))
    return TranscriptMatch(similar=score >= min_similarity - 1e-9, score=round(score, 3), heard=heard)


def normalise(text: str, *, language: str = "") -> str:
    """``text`` as it is compared: see the module docstring."""
    text = unicodedata.normalize("NFKC", text).casefold()
    keep_accents = _base_language(language) in ACCENTED_LANGUAGES
    out: list[str] = []
    previous = ""
    for char in unicodedata.normalize("NFD", text):
        category = unicodedata.category(char)
        if char in _APOSTROPHES:
            continue
        if category.startswith("M"):
            if keep_accents or not _accents_ignored(previous):
                out.append(char)
            continue
        previous = char
        out.append(" " if category[0] in "PSZC" else char)
    return " ".join(unicodedata.normalize("NFC", "".join(out)).split())


def _base_language(language: str) -> str:
    return language.replace("_", "-").split("-")[0].lower()


def _accents_ignored(base: str) -> bool:
    if not base:
        return False
    code = ord(base)
    return any(low <= code <= high for low, high in _ACCENTED_SCRIPTS)


def _ratio(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _without_short_edges(want: list[str], got: list[str]) -> tuple[str, str]:
    """Both word lists without a short first or last word that only one of them has (the word
    after it, or before it, is then the other's first or last word: "la casa" and "casa")."""
    for edge, inner in ((0, 1), (-1, -2)):
        if len(want) > 1 and got and len(want[edge]) <= SHORT_WORD_LETTERS and want[inner] == got[edge]:
            want = want[1:] if edge == 0 else want[:-1]
        elif len(got) > 1 and want and len(got[edge]) <= SHORT_WORD_LETTERS and got[inner] == want[edge]:
            got = got[1:] if edge == 0 else got[:-1]
    return " ".join(want), " ".join(got)
