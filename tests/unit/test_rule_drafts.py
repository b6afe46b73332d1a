"""The Fill Media dialog's rules: first drafts per note type, what keeps a draft from running, and
how edited drafts are folded into the saved rules."""

from __future__ import annotations

from typing import Any

import pytest

from addon.core.config.rule_drafts import (
    draft_rule,
    fills_something,
    guess_field,
    guess_language,
    rule_problems,
    rules_with,
)
from addon.core.media.types import MediaKind

ORDER = {MediaKind.IMAGE: ["openai", "wikimedia"], MediaKind.AUDIO: ["forvo", "espeak"]}


def usable_only(*names: str) -> Any:
    return lambda kind, name: name in names


def no_problem(kind: MediaKind, name: str) -> str | None:
    return None


@pytest.mark.parametrize(
    ("fields", "kind", "expected"),
    [
        (["Front", "Back", "Picture"], MediaKind.IMAGE, "Picture"),
        (["Word", "Image 2", "image"], MediaKind.IMAGE, "image"),
        (["Wort", "Bild"], MediaKind.IMAGE, "Bild"),
        (["Front", "Back"], MediaKind.IMAGE, ""),
        (["Front", "Word Audio"], MediaKind.AUDIO, "Word Audio"),
        (["Front", "Pronunciation"], MediaKind.AUDIO, "Pronunciation"),
        (["Palabra", "Sonido"], MediaKind.AUDIO, "Sonido"),
    ],
)
def test_guess_field(fields: list[str], kind: MediaKind, expected: str) -> None:
    assert guess_field(fields, kind) == expected


def test_a_saved_rule_for_the_note_type_comes_back_as_saved() -> None:
    saved = [
        {"note_type": "*", "source_field": "Front", "audio_field": "Audio", "audio_providers": ["espeak"]},
        {"note_type": "Vocab", "source_field": "Word", "audio_field": "Sound", "audio_providers": ["forvo"]},
    ]
    rule = draft_rule("Vocab", ["Word", "Sound"], saved_rules=saved, default_order=ORDER, usable=usable_only())
    assert rule["source_field"] == "Word" and rule["audio_providers"] == ["forvo"]
    assert rule["image_field"] == "" and rule["mode"] == "skip" and rule["image_prompt"] == "{text}"


def test_the_wildcard_rule_is_adapted_to_the_note_type_fields() -> None:
    saved = [{"note_type": "*", "source_field": "Front", "image_field": "Pic", "audio_field": "Audio",
              "image_providers": ["openai"], "audio_providers": ["espeak"], "language": "en"}]  # fmt: skip
    rule = draft_rule("Basic", ["Front", "Back", "Audio"], saved_rules=saved, default_order=ORDER, usable=usable_only())
    assert rule["note_type"] == "Basic"
    assert rule["audio_field"] == "Audio" and rule["image_field"] == "", "a field the note type lacks is dropped"
    assert rule["language"] == "en"


def test_the_shipped_wildcard_rule_still_gets_a_picture_field_guessed_by_name() -> None:
    """A new user's Basic-like note type with a Picture field: the shipped "*" rule fills sound only,
    and the picture field is guessed (with the usable picture providers, none yet here)."""
    shipped = [{"note_type": "*", "source_field": "Front", "image_field": "", "audio_field": "Audio",
                "image_providers": [], "audio_providers": ["espeak"], "language": ""}]  # fmt: skip
    fields = ["Front", "Back", "Picture", "Audio"]
    rule = draft_rule("Basic", fields, saved_rules=shipped, default_order=ORDER, usable=usable_only("espeak"))
    assert (rule["image_field"], rule["image_providers"]) == ("Picture", [])
    assert (rule["audio_field"], rule["audio_providers"]) == ("Audio", ["espeak"])
    rule = draft_rule("Basic", fields, saved_rules=shipped, default_order=ORDER, usable=usable_only("wikimedia"))
    assert (rule["image_field"], rule["image_providers"]) == ("Picture", ["wikimedia"])


def test_without_a_saved_rule_fields_and_usable_providers_are_guessed() -> None:
    rule = draft_rule(
        "Mine", ["Word", "Meaning", "Picture", "Audio"], saved_rules=[], default_order=ORDER,
        usable=usable_only("wikimedia", "espeak"),
    )  # fmt: skip
    assert rule["source_field"] == "Word"
    assert (rule["image_field"], rule["image_providers"]) == ("Picture", ["wikimedia"])
    assert (rule["audio_field"], rule["audio_providers"]) == ("Audio", ["espeak"])


def test_a_kind_without_a_usable_provider_still_gets_its_field_and_a_problem_naming_the_kind() -> None:
    """A new user's pictures are off: the Picture field is still guessed, and the problem says no
    picture provider is ticked (the dialog offers a free one there) instead of hiding the field."""
    rule = draft_rule(
        "Mine", ["Word", "Picture", "Audio"], saved_rules=[], default_order=ORDER, usable=usable_only("espeak")
    )
    assert rule["image_field"] == "Picture" and rule["image_providers"] == []
    assert rule["audio_field"] == "Audio" and rule["audio_providers"] == ["espeak"]
    problems = rule_problems(rule, ["Word", "Picture", "Audio"], setup_problem=lambda kind, name: None)
    assert [(p.missing_kind, p.message) for p in problems] == [
        (MediaKind.IMAGE, "no picture provider is ticked: tick one, or set “Picture into” to (none)")
    ]


def test_problems_name_the_field_and_the_provider_to_set_up() -> None:
    rule = {"note_type": "T", "source_field": "Word", "image_field": "Word", "audio_field": "Audio",
            "image_providers": [], "audio_providers": ["forvo"], "language": "english!"}  # fmt: skip

    def setup(kind: MediaKind, name: str) -> str | None:
        return "needs an API key" if name == "forvo" else None

    problems = rule_problems(rule, ["Word", "Audio"], setup_problem=setup)
    messages = [p.message for p in problems]
    assert any("cannot be the field the words come from" in m for m in messages)
    assert any("no picture provider is ticked" in m for m in messages)
    assert any("not a language code" in m for m in messages)
    forvo = [p for p in problems if p.provider is not None]
    assert [(p.provider, p.message) for p in forvo] == [((MediaKind.AUDIO, "forvo"), "forvo needs an API key")]
    assert all(p.note_type == "T" for p in problems)


def test_a_rule_that_fills_nothing_has_no_problems_and_a_good_rule_none_either() -> None:
    nothing = {"note_type": "T", "source_field": "Gone", "image_field": "", "audio_field": ""}
    assert not fills_something(nothing)
    assert rule_problems(nothing, ["Word"], setup_problem=no_problem) == []
    good = {"note_type": "T", "source_field": "Word", "audio_field": "Audio", "audio_providers": ["espeak"],
            "language": "pt-BR"}  # fmt: skip
    assert rule_problems(good, ["Word", "Audio"], setup_problem=no_problem) == []


def test_missing_fields_are_problems() -> None:
    rule = {"note_type": "T", "source_field": "Gone", "audio_field": "Sound", "audio_providers": ["espeak"],
            "attribution_field": "Credit"}  # fmt: skip
    messages = [p.message for p in rule_problems(rule, ["Word", "Audio"], setup_problem=no_problem)]
    assert len(messages) == 3
    assert "'Gone'" in messages[0] and "'Sound'" in messages[1] and "'Credit'" in messages[2]


def test_rules_with_replaces_in_place_keeps_others_and_appends_new() -> None:
    saved = [
        {"note_type": "A", "source_field": "x"},
        {"note_type": "*", "source_field": "Front"},
        {"note_type": "B", "source_field": "y"},
        {"note_type": "B", "source_field": "dead duplicate"},
    ]
    drafts = {"B": {"note_type": "B", "source_field": "new"}, "C": {"note_type": "C", "source_field": "z"}}
    out = rules_with(saved, drafts)
    assert [(r["note_type"], r["source_field"]) for r in out] == [("A", "x"), ("*", "Front"), ("B", "new"), ("C", "z")]
    out[2]["source_field"] = "changed"
    assert drafts["B"]["source_field"] == "new", "the result shares nothing with the drafts"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Media Fill Sample (Spanish)", "es"),
        ("Vocabulario español", "es"),
        ("日本語 Core 2k", "ja"),
        ("German::Nouns", "de"),
        ("Tiếng Việt basics", "vi"),
        ("English → Spanish", ""),  # two languages: no guess
        ("Basic", ""),
        ("Thailand trip", ""),  # "thai" only as a whole word
    ],
)
def test_guess_language_from_the_note_type_name(name: str, code: str) -> None:
    assert guess_language(name) == code


def test_a_guessed_rule_takes_the_language_its_note_type_names() -> None:
    rule = draft_rule(
        "Spanish vocab", ["Word", "Audio"], saved_rules=[], default_order=ORDER, usable=usable_only("espeak")
    )
    assert rule["language"] == "es"
