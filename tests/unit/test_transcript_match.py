"""What a checked sound is compared with: the text its voice was given against what a recogniser
heard (`transcript_match`), with real cases of what recognisers write."""

from __future__ import annotations

import pytest

from addon.core.text.transcript_match import match_transcript, normalise


@pytest.mark.parametrize(
    ("expected", "heard", "language"),
    [
        ("perro", "Perro.", "es"),  # case and punctuation
        ("¡Hola, amigo!", "hola amigo", "es"),
        ("Straße", "strasse", "de"),  # ß folds to ss
        ("está", "esta", "es"),  # accents ignored where they do not change the word
        ("café au lait", "Cafe au lait", "fr"),
        ("ёлка", "елка", "ru"),
        ("la casa", "casa", "es"),  # a short article the recogniser dropped
        ("casa", "La casa.", "es"),
        ("the   dog", "The dog", "en"),  # whitespace
        ("don't", "dont", "en"),
        ("read", "Read.", "en"),  # a homograph: same spelling whichever way it was read
        ("猫", "猫。", "ja"),
    ],
)
def test_what_sounds_the_same_is_similar(expected: str, heard: str, language: str) -> None:
    match = match_transcript(expected, heard, language=language)
    assert match.similar, (expected, heard, match)
    assert match.score >= 0.8


@pytest.mark.parametrize(
    ("expected", "heard", "language"),
    [
        ("perro", "gato", "es"),  # another word's sound
        ("casa", "cosa", "es"),  # one vowel off in a short word
        ("má", "ma", "vi"),  # tones change the word in Vietnamese
        ("cuatro dos", "dos", "es"),  # a dropped word longer than an article
        ("three", "3", "en"),  # numbers are compared as written
        ("が", "か", "ja"),  # dakuten are not accents
    ],
)
def test_what_sounds_different_is_not(expected: str, heard: str, language: str) -> None:
    match = match_transcript(expected, heard, language=language)
    assert not match.similar, (expected, heard, match)


def test_an_empty_transcript_never_matches() -> None:
    match = match_transcript("perro", "  ", language="es")
    assert match == match_transcript("perro", "", language="es")
    assert (match.similar, match.score, match.heard) == (False, 0.0, "")


def test_heard_is_kept_as_written_and_the_threshold_is_the_users() -> None:
    match = match_transcript("gatos", "gato", language="es", min_similarity=0.95)
    assert match.heard == "gato"
    assert not match.similar
    assert match.score == pytest.approx(0.889, abs=0.001)
    assert match_transcript("gatos", "gato", language="es", min_similarity=0.8).similar


def test_accents_are_kept_for_vietnamese_only() -> None:
    assert normalise("Tiếng Việt", language="vi") == "tiếng việt"
    assert normalise("Tiếng Việt", language="es") == "tieng viet"
    assert normalise("Tiếng Việt", language="vi-VN") == "tiếng việt"
    assert normalise("नमस्ते", language="hi") == "नमस्ते"  # vowel signs of other scripts stay
