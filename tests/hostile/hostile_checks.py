"""What every hostile-input test checks of a cleaned text and of a media file name."""

from __future__ import annotations

import re
import unicodedata

# Invisible format characters cleaning must drop: bidi marks, embeddings, overrides and isolates,
# the Arabic letter mark, the byte order mark, soft hyphens, the zero-width space, the word joiner.
INVISIBLE = frozenset(
    "\u00ad\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
)
WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{port}{n}" for port in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]]
)
# mf_<provider>_<slug>_<hash>.<ext>: an ASCII provider part, a slug of word characters and
# hyphens, a hex hash, a short ASCII extension.
SAFE_NAME = re.compile(r"mf_[A-Za-z0-9_]{0,40}(?:_[\w-]+)?_[0-9a-f]{0,10}\.[a-z0-9]{1,8}")
# Anki keeps names up to 119 bytes and may add "-<sha1>" (41 bytes) to a taken one.
MAX_NAME_BYTES = 119 - 41
FORBIDDEN_IN_NAMES = frozenset('/\\:*?"<>|^[]')


def unsafe_characters(text: str) -> list[str]:
    """The characters of ``text`` no request text may hold: controls (Cc), lone surrogates (Cs),
    unassigned or private-use code points never come from cleaning alone, so only these and the
    `INVISIBLE` format characters count."""
    return [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cs") or ch in INVISIBLE]


def assert_clean_text(text: str) -> None:
    """A cleaned text: no control, surrogate or invisible format character, NFC, one line with
    single spaces and no space at either end."""
    assert isinstance(text, str)
    assert not unsafe_characters(text), f"unsafe characters {unsafe_characters(text)!r} in {text[:80]!r}"
    assert unicodedata.is_normalized("NFC", text), repr(text[:80])
    assert text == text.strip(), repr(text[:80])
    assert not re.search(r"\s", text.replace(" ", "")), f"whitespace other than single spaces in {text[:80]!r}"
    assert "  " not in text, repr(text[:80])


def assert_safe_name(name: str) -> None:
    """A media file name that is one plain file in the media folder on every platform, and that
    Anki stores as it is (see `MAX_NAME_BYTES`)."""
    assert SAFE_NAME.fullmatch(name), f"{name!r} does not match the safe pattern"
    assert not FORBIDDEN_IN_NAMES.intersection(name), repr(name)
    assert ".." not in name and name.count(".") == 1, repr(name)
    assert not any(unicodedata.category(ch).startswith(("C", "Z")) for ch in name), repr(name)
    assert unicodedata.is_normalized("NFC", name), repr(name)
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES, f"{name!r} is {len(name.encode('utf-8'))} bytes"
    assert name.split(".", maxsplit=1)[0].upper() not in WINDOWS_RESERVED, repr(name)
    assert not name.startswith((".", "-", " ")) and not name.endswith((".", " ")), repr(name)
