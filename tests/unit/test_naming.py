"""media_file_name: safe, readable, and distinct for distinct requests."""

from __future__ import annotations

import re
import unicodedata

import pytest

from addon.core.media.naming import media_file_name
from addon.core.media.types import MediaKind, MediaRequest

KEY = "0123456789abcdef0123456789abcdef01234567"

HOSTILE_TEXTS = [
    "../../etc/passwd",
    "..",
    "...",
    "a/b\\c",
    "C:\\Windows\\system32",
    "name.with.dots",
    "line\nbreak\ttab\x00nul\x1besc\x7fdel",
    "\u202etxt.exe",  # right-to-left override
    'what?*:"<>|',
    "   ",
    "",
    "x" * 500,
]


def _name(text: str, *, provider: str = "espeak", cache_key: str = KEY, extension: str = "mp3") -> str:
    return media_file_name(text=text, provider=provider, cache_key=cache_key, extension=extension)


def _assert_safe(name: str) -> None:
    stem, dot, _extension = name.rpartition(".")
    assert dot, name
    assert "/" not in name and "\\" not in name, name
    assert ".." not in name, name
    assert "." not in stem, name
    assert not any(unicodedata.category(ch).startswith("C") for ch in name), repr(name)
    assert not re.search(r'[?*:"<>|]', name), name
    assert not name.startswith(("-", ".", " ")), name
    assert len(name.encode("utf-8")) <= 120, name


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_hostile_text_gives_a_safe_name(text: str) -> None:
    name = _name(text)
    _assert_safe(name)
    assert name.startswith("mf_espeak_")
    assert name.endswith("_0123456789.mp3")


@pytest.mark.parametrize("provider", ["../evil", "a/b", "x.y", "sp ace"])
def test_hostile_provider_name_gives_a_safe_name(provider: str) -> None:
    _assert_safe(_name("word", provider=provider))


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("apple", "apple"),
        ("to whisper", "to_whisper"),
        ("el cumpleaños", "el_cumpleaños"),
        ("la montaña", "la_montaña"),
        ("漢字", "漢字"),
        ("Привет мир", "привет_мир"),  # Anki lower-cases media names
        ("ελληνικά", "ελληνικά"),
    ],
)
def test_unicode_words_are_kept(text: str, slug: str) -> None:
    assert _name(text) == f"mf_espeak_{slug}_0123456789.mp3"


def test_slug_is_nfc_so_decomposed_accents_survive() -> None:
    name = _name("cumplean\u0303os")  # n + combining tilde
    assert "cumpleaños" in name
    assert unicodedata.is_normalized("NFC", name)


def test_long_text_is_shortened_but_keeps_the_hash() -> None:
    name = _name("word " * 100)
    assert name.endswith("_0123456789.mp3")
    assert len(name) < 80


@pytest.mark.parametrize(
    ("extension", "expected"),
    [("mp3", ".mp3"), ("MP3", ".mp3"), (".wav", ".wav"), ("m/p3", ".mp3"), ("../ogg", ".ogg"), ("we bm", ".webm")],
)
def test_extension_is_sanitised(extension: str, expected: str) -> None:
    name = _name("word", extension=extension)
    assert name.endswith(expected)
    _assert_safe(name)


@pytest.mark.parametrize("extension", ["", "..", "?"])
def test_empty_extension_never_leaves_a_trailing_dot(extension: str) -> None:
    assert not _name("word", extension=extension).endswith(".")


def test_hash_distinguishes_requests_with_the_same_words() -> None:
    requests = [
        MediaRequest(kind=MediaKind.AUDIO, text="apple", language="en"),
        MediaRequest(kind=MediaKind.AUDIO, text="apple", language="en-GB"),
        MediaRequest(kind=MediaKind.AUDIO, text="apple", language="en", options={"voice": "b"}),
        MediaRequest(kind=MediaKind.IMAGE, text="apple", language="en"),
    ]
    names = {_name(r.text, cache_key=r.cache_key) for r in requests}
    assert len(names) == len(requests)


def test_same_request_gives_the_same_name() -> None:
    first = MediaRequest(kind=MediaKind.AUDIO, text="apple", language="en")
    again = MediaRequest(kind=MediaKind.AUDIO, text="apple", language="EN", trace_id="other")
    assert _name(first.text, cache_key=first.cache_key) == _name(again.text, cache_key=again.cache_key)


def test_texts_with_the_same_slug_differ_by_hash() -> None:
    a = MediaRequest(kind=MediaKind.AUDIO, text="a/b", language="en")
    b = MediaRequest(kind=MediaKind.AUDIO, text="a b", language="en")
    assert _name(a.text, cache_key=a.cache_key) != _name(b.text, cache_key=b.cache_key)


def test_media_fills_own_names_are_told_from_a_users() -> None:
    from addon.core.media.naming import is_own_media_name

    own = media_file_name(text="la casa", provider="openai_tts", cache_key="ab" * 20, extension="mp3")
    renamed = own.replace(".mp3", "-" + "c" * 40 + ".mp3")  # Anki's rename when the name held other bytes
    wordless = media_file_name(text="", provider="espeak", cache_key="0123456789abcdef", extension="ogg")
    assert all(map(is_own_media_name, (own, renamed, wordless)))
    for users in ("casa.mp3", "mf_photo.jpg", "mf_casa_12345.mp3", "MF_espeak_casa_0123456789.mp3", "x/" + own):
        assert not is_own_media_name(users), users


def test_the_provider_of_a_file_is_the_longest_name_that_fits() -> None:
    from addon.core.media.naming import provider_of_media_name

    known = ["openai", "openai_tts", "espeak"]
    tts = media_file_name(text="apple", provider="openai_tts", cache_key="ab" * 20, extension="mp3")
    picture = media_file_name(text="apple", provider="openai", cache_key="ab" * 20, extension="png")
    assert provider_of_media_name(tts, known) == "openai_tts"
    assert provider_of_media_name(picture, known) == "openai"
    assert provider_of_media_name(picture, ["espeak"]) is None
    assert provider_of_media_name("apple.mp3", known) is None
