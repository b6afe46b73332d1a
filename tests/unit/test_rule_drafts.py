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


def sound(field: str, source: str, *providers: str, **more: Any) -> dict[str, Any]:
    return {"field": field, "kind": "audio", "source": source, "providers": list(providers), **more}


def picture(field: str, source: str, *providers: str, **more: Any) -> dict[str, Any]:
    return {"field": field, "kind": "image", "source": source, "providers": list(providers), **more}


VOCAB_FIELDS = ["Word", "Sentence", "Audio", "SentenceAudio", "Picture", "Credit"]
VOCAB: dict[str, Any] = {
    "note_type": "Vocab",
    "language": "es",
    "mode": "skip",
    "targets": [
        sound("Audio", "{Word}", "openai_tts", "espeak"),
        sound("SentenceAudio", "{Sentence}", "google_tts", language="es", mode="overwrite"),
        picture("Picture", "{Word}", "openverse", "openai", prompt="A clear picture of {Word}, no text",
                attribution_field="Credit"),
    ],
}  # fmt: skip


def test_a_saved_targets_rule_comes_back_exactly_as_saved() -> None:
    saved = [{"note_type": "*", "targets": [sound("Audio", "{Front}", "espeak")]}, VOCAB]
    rule = draft_rule("Vocab", VOCAB_FIELDS, saved_rules=saved, default_order=ORDER, usable=usable_only())
    assert rule == VOCAB
    rule["targets"][0]["providers"].append("x")
    assert VOCAB["targets"][0]["providers"] == ["openai_tts", "espeak"], "the draft shares nothing with the config"


def test_a_saved_rule_of_the_older_shape_is_drafted_as_its_targets() -> None:
    saved = [
        {"note_type": "*", "source_field": "Front", "audio_field": "Audio", "audio_providers": ["espeak"]},
        {"note_type": "Vocab", "source_field": "Word", "audio_field": "Sound", "audio_providers": ["forvo"],
         "image_field": "Pic", "image_providers": ["openai"], "image_prompt": "a {text}", "language": "es"},
    ]  # fmt: skip
    rule = draft_rule("Vocab", ["Word", "Sound", "Pic"], saved_rules=saved, default_order=ORDER, usable=usable_only())
    assert rule == {
        "note_type": "Vocab",
        "language": "es",
        "targets": [picture("Pic", "{Word}", "openai", prompt="a {text}"), sound("Sound", "{Word}", "forvo")],
    }, "no older key is left: the dialog saves the targets shape"


def test_the_wildcard_rule_is_adapted_to_the_note_type_fields() -> None:
    saved = [{"note_type": "*", "language": "en",
              "targets": [picture("Pic", "{Front}", "openai"), sound("Audio", "{Front}", "espeak")]}]  # fmt: skip
    rule = draft_rule("Basic", ["Front", "Back", "Audio"], saved_rules=saved, default_order=ORDER, usable=usable_only())
    assert rule == {"note_type": "Basic", "language": "en", "targets": [sound("Audio", "{Front}", "espeak")]}, (
        "a target whose field the note type lacks is dropped"
    )


def test_the_shipped_wildcard_rule_still_gets_a_picture_target_guessed_by_name() -> None:
    """A new user's Basic-like note type with a Picture field: the shipped "*" rule fills sound only,
    and a picture target is guessed (with the usable picture providers, none yet here)."""
    shipped = [{"note_type": "*", "source_field": "Front", "image_field": "", "audio_field": "Audio",
                "image_providers": [], "audio_providers": ["espeak"], "language": ""}]  # fmt: skip
    fields = ["Front", "Back", "Picture", "Audio"]
    rule = draft_rule("Basic", fields, saved_rules=shipped, default_order=ORDER, usable=usable_only("espeak"))
    assert rule["targets"] == [sound("Audio", "{Front}", "espeak"), picture("Picture", "{Front}")]
    rule = draft_rule("Basic", fields, saved_rules=shipped, default_order=ORDER, usable=usable_only("wikimedia"))
    assert rule["targets"] == [sound("Audio", "{Front}", "espeak"), picture("Picture", "{Front}", "wikimedia")]


def test_a_wildcard_rule_whose_source_the_note_type_lacks_gives_way_to_a_guess() -> None:
    saved = [{"note_type": "*", "targets": [sound("Audio", "{Front}", "espeak")]}]
    rule = draft_rule("Palabras", ["Palabra", "Audio"], saved_rules=saved, default_order=ORDER, usable=usable_only())
    assert rule["targets"] == [sound("Audio", "{Palabra}")]


def test_without_a_saved_rule_a_picture_and_a_sound_target_are_guessed_from_the_first_field() -> None:
    rule = draft_rule(
        "Mine", ["Word", "Meaning", "Picture", "Audio"], saved_rules=[], default_order=ORDER,
        usable=usable_only("wikimedia", "espeak"),
    )  # fmt: skip
    assert rule == {
        "note_type": "Mine",
        "language": "",
        "mode": "skip",
        "targets": [picture("Picture", "{Word}", "wikimedia"), sound("Audio", "{Word}", "espeak")],
    }
    assert "source_field" not in rule and "image_field" not in rule and "audio_field" not in rule


def test_a_kind_without_a_usable_provider_still_gets_its_target_and_a_problem_naming_the_kind() -> None:
    """A new user's pictures are off: the picture target is still guessed, and the problem says no
    picture provider is ticked (the dialog offers a free one there) instead of hiding the target."""
    fields = ["Word", "Picture", "Audio"]
    rule = draft_rule("Mine", fields, saved_rules=[], default_order=ORDER, usable=usable_only("espeak"))
    assert rule["targets"] == [picture("Picture", "{Word}"), sound("Audio", "{Word}", "espeak")]
    problems = rule_problems(rule, fields, setup_problem=no_problem)
    assert [(p.missing_kind, p.path, p.message) for p in problems] == [
        (
            MediaKind.IMAGE,
            "targets[0].providers",
            "no picture provider is ticked for Picture: tick one, or remove the target",
        )
    ]


def test_problems_name_the_target_by_its_key_path_and_the_provider_to_set_up() -> None:
    rule = {"note_type": "T", "language": "english!", "targets": [
        picture("Word", "{Word}"),
        sound("Audio", "{Word}", "forvo", language="e s"),
        sound("Audio2", "{Gone} and {Word}", "espeak", text_rules=[{"find": "(", "replace": "", "regex": True}]),
        sound("Audio", "the word", "espeak", attribution_field="Nope"),
    ]}  # fmt: skip

    def setup(kind: MediaKind, name: str) -> str | None:
        return "needs an API key" if name == "forvo" else None

    problems = rule_problems(rule, ["Word", "Audio", "Audio2"], setup_problem=setup)
    paths = [p.path for p in problems]
    assert paths == [
        "language",
        "targets[0].source",  # a field read to fill itself
        "targets[0].providers",
        "targets[1].providers",
        "targets[1].language",
        "targets[2].source",
        "targets[2].text_rules[0].find",
        "targets[3].field",  # Audio twice
        "targets[3].source",  # names no field
        "targets[3].attribution_field",
    ], [(p.path, p.message) for p in problems]
    by_path = {p.path: p for p in problems}
    assert "not a language code" in by_path["language"].message
    assert by_path["targets[1].providers"].provider == (MediaKind.AUDIO, "forvo")
    assert by_path["targets[1].providers"].message == "forvo needs an API key"
    assert "'Gone'" in by_path["targets[2].source"].message
    assert "not a valid regular expression" in by_path["targets[2].text_rules[0].find"].message
    assert "another target fills Audio" in by_path["targets[3].field"].message
    assert all(p.note_type == "T" for p in problems)


def test_a_rule_that_fills_nothing_has_no_problems_and_a_good_rule_none_either() -> None:
    nothing = {"note_type": "T", "language": "???", "targets": []}
    assert not fills_something(nothing)
    assert rule_problems(nothing, ["Word"], setup_problem=no_problem) == []
    assert rule_problems(VOCAB, VOCAB_FIELDS, setup_problem=no_problem) == []
    assert fills_something(VOCAB)


def test_a_missing_field_is_a_problem_of_its_target() -> None:
    rule = {"note_type": "T", "attribution_field": "Credit", "targets": [sound("Sound", "{Word}", "espeak")]}
    problems = rule_problems(rule, ["Word", "Audio"], setup_problem=no_problem)
    assert [(p.path, "'Sound'" in p.message or "'Credit'" in p.message) for p in problems] == [
        ("attribution_field", True),
        ("targets[0].field", True),
    ]


def test_rules_with_replaces_in_place_keeps_others_and_appends_new() -> None:
    saved = [
        {"note_type": "A", "source_field": "x"},
        {"note_type": "*", "source_field": "Front"},
        {"note_type": "B", "source_field": "y"},
        {"note_type": "B", "source_field": "dead duplicate"},
    ]
    drafts: dict[str, dict[str, Any]] = {
        "B": {"note_type": "B", "targets": [sound("S", "{new}")]},
        "C": {"note_type": "C", "targets": []},
    }
    out = rules_with(saved, drafts)
    assert [r["note_type"] for r in out] == ["A", "*", "B", "C"]
    assert out[2] == drafts["B"] and out[3] == drafts["C"]
    out[2]["targets"][0]["source"] = "changed"
    assert drafts["B"]["targets"][0]["source"] == "{new}", "the result shares nothing with the drafts"


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


def test_several_voices_for_a_target_using_one_voice_is_a_problem_the_dialog_shows() -> None:
    """The rule editor takes "nova, alloy" typed into a voice; with "One voice" the settings would
    refuse the rule, so the dialog must say so before Start (and then nothing is saved)."""
    several = sound("Audio", "{Word}", "openai_tts", voice={"openai_tts": ["nova", "alloy"]})
    rule = {"note_type": "T", "targets": [several]}
    problems = rule_problems(rule, ["Word", "Audio"], setup_problem=no_problem)
    assert [(p.path, "choose taking turns" in p.message) for p in problems] == [("targets[0].voice.openai_tts", True)]
    rotating = {"note_type": "T", "targets": [{**several, "voice_mode": "rotate"}]}
    assert rule_problems(rotating, ["Word", "Audio"], setup_problem=no_problem) == []
