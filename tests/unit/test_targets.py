"""Targets in the planner: source templates over several fields, text rules, cloze answers, the
voice per provider, a picture target's own output settings, and the "what will be read" sample."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from addon.core.config.rules import Rule, parse_rules
from addon.core.config.targets import TextRule, apply_text_rules, source_fields
from addon.core.engine.planner import plan_notes, what_will_be_read, work_no_provider_can_do
from addon.core.job.plan import SourceNote, WorkItem
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.text.cleaning import cloze_answers
from addon.core.text.source_template import render_source

ROOT = Path(__file__).resolve().parents[2]


def _rule(*targets: dict[str, Any], **rule: Any) -> Rule:
    (parsed,) = parse_rules({"rules": [{"note_type": "Vocab", "language": "es", **rule, "targets": list(targets)}]})
    return parsed


def _sound(field: str = "Audio", source: str = "{Word}", **more: Any) -> dict[str, Any]:
    return {"field": field, "kind": "audio", "source": source, "providers": ["openai_tts", "espeak"], **more}


def _note(note_id: int = 1, **fields: str) -> SourceNote:
    values = {"Word": "", "Sentence": "", "Audio": "", "SentenceAudio": "", "Picture": "", **fields}
    return SourceNote(note_id, "Vocab", values)


def _sent(rule: Rule, note: SourceNote) -> dict[str, str]:
    return {t.field: t.work.request.text for t in plan_notes([note], [rule]).targets if t.work is not None}


def test_each_target_reads_its_own_source() -> None:
    rule = _rule(
        _sound(),
        _sound("SentenceAudio", "{Sentence}"),
        {
            "field": "Picture",
            "kind": "image",
            "source": "{Word}",
            "providers": ["openverse"],
            "prompt": "Photo of {text}",
        },
    )
    note = _note(Word="<b>el perro</b>", Sentence="El perro duerme.<br>Y sueña")
    assert _sent(rule, note) == {
        "Audio": "el perro",
        "SentenceAudio": "El perro duerme. Y sueña",
        "Picture": "Photo of el perro",
    }


def test_a_source_of_several_fields_with_text_between_is_cleaned_after_it_is_put_together() -> None:
    rule = _rule(_sound(source="{Word}: {Sentence}"))
    assert _sent(rule, _note(Word="la&nbsp;casa", Sentence="<i>Mi casa</i> es grande")) == {
        "Audio": "la casa: Mi casa es grande"
    }
    assert source_fields("{Word}: {Sentence} ({Word})") == ("Word", "Sentence")


def test_a_source_whose_fields_are_all_empty_is_skipped_naming_them() -> None:
    rule = _rule(_sound(source="{Word} – {Sentence}"))
    (target,) = plan_notes([_note()], [rule]).targets
    assert target.skip_reason == "Word and Sentence are empty"
    (target,) = plan_notes([_note(Word='<img src="a.png">')], [rule]).targets
    assert target.skip_reason == "Word and Sentence hold only a picture"


def test_a_missing_source_field_is_named() -> None:
    rule = _rule(_sound(source="{Word} {Meaning}"))
    (target,) = plan_notes([_note(Word="hola")], [rule]).targets
    assert target.skip_reason == "note type 'Vocab' has no field 'Meaning'"


def test_text_rules_run_in_order_rule_first_and_change_the_cache_key() -> None:
    plain = _rule(_sound())
    ruled = _rule(
        _sound(text_rules=[{"find": r"\s*\((?:to|sth\.)\)", "replace": "", "regex": True}]),
        text_rules=[{"find": "sth.", "replace": "(sth.)"}],
    )
    note = _note(Word="(to) abandon sth.")
    assert _sent(plain, note) == {"Audio": "(to) abandon sth."}
    assert _sent(ruled, note) == {"Audio": "abandon"}, "the rule's rule made '(sth.)', the target's removed both"
    keys = [plan_notes([note], [r]).targets[0].work.request.cache_key for r in (plain, ruled)]  # type: ignore[union-attr]
    assert keys[0] != keys[1]


def test_a_text_that_the_rules_empty_is_skipped_with_the_reason() -> None:
    rule = _rule(_sound(text_rules=[{"find": ".*", "replace": "", "regex": True}]))
    (target,) = plan_notes([_note(Word="hola")], [rule]).targets
    assert target.skip_reason == "nothing of Word is left after the text rules of Audio"


def test_text_rules_fold_the_spaces_they_leave() -> None:
    assert apply_text_rules("die  Abfahrt", (TextRule("die"),)) == "Abfahrt"
    assert apply_text_rules("a  b", ()) == "a  b", "no rules: the text as it was"


@pytest.mark.parametrize(
    ("value", "answers"),
    [
        ("Der {{c1::Hund}} und die {{c2::Katze::animal}}.", ["Hund", "Katze"]),
        ("{{c1::outer {{c2::inner}} text}}", ["outer {{c2::inner}} text"]),
        ("no cloze here", []),
        ("{{c1::never closed", []),
    ],
)
def test_cloze_answers(value: str, answers: list[str]) -> None:
    assert cloze_answers(value) == answers


def test_cloze_answers_reads_only_the_answers_and_full_the_sentence() -> None:
    sentence = "Ich {{c1::habe}} den {{c2::Zug::train}} verpasst."
    answers = _rule(_sound("SentenceAudio", "{Sentence}", cloze="answers"))
    full = _rule(_sound("SentenceAudio", "{Sentence}"))
    assert _sent(answers, _note(Sentence=sentence)) == {"SentenceAudio": "habe, Zug"}
    assert _sent(full, _note(Sentence=sentence)) == {"SentenceAudio": "Ich habe den Zug verpasst."}
    assert render_source("{Sentence}", {"Sentence": "plain"}, cloze="answers") == "plain"
    nested = "{{c1::<b>outer</b> {{c2::inner}}}} after"
    assert render_source("{S}", {"S": nested}, cloze="answers") == "outer inner"


def test_the_voice_goes_into_the_request_for_the_targets_providers_only() -> None:
    rule = _rule(
        _sound(voice={"openai_tts": "nova"}),
        _sound("SentenceAudio", "{Sentence}", voice={"google_tts": "es-ES-Neural2-A"}),
    )
    plan = plan_notes([_note(Word="hola", Sentence="hola")], [rule])
    word, sentence = (t.work.request for t in plan.targets if t.work is not None)
    assert word.options == {"voice": {"openai_tts": "nova"}}
    assert sentence.options == {}, "google_tts is not one of the target's providers"
    assert word.cache_key != sentence.cache_key, "same text, another voice: made twice"
    assert len(plan.unique_work()) == 2


def test_identical_requests_of_two_targets_are_made_once() -> None:
    rule = _rule(_sound(), _sound("SentenceAudio", "{Sentence}"))
    plan = plan_notes([_note(Word="hola", Sentence="hola")], [rule])
    assert len(plan.to_generate) == 2 and len(plan.unique_work()) == 1


def test_a_picture_target_may_override_the_picture_settings() -> None:
    config = {
        "image_max_px": 800,
        "rules": [
            {
                "note_type": "Vocab",
                "targets": [
                    {
                        "field": "Picture",
                        "kind": "image",
                        "source": "{Word}",
                        "providers": ["openverse"],
                        "image_max_px": 320,
                        "image_format": "webp",
                    },
                    {"field": "Audio", "kind": "image", "source": "{Word}", "providers": ["openverse"]},
                ],
            }
        ],
    }
    plan = plan_notes([_note(Word="gato")], parse_rules(config))
    small, default = (t.work.request.options for t in plan.targets if t.work is not None)
    assert (small["image_max_px"], small["image_format"]) == (320, "webp")
    assert (default["image_max_px"], default["image_format"]) == (800, "jpeg")


def test_kinds_limit_the_targets_planned() -> None:
    rule = _rule(_sound(), {"field": "Picture", "kind": "image", "source": "{Word}", "providers": ["openverse"]})
    plan = plan_notes([_note(Word="gato")], [rule], kinds=[MediaKind.IMAGE])
    assert [t.field for t in plan.targets] == ["Picture"]


def test_a_rule_with_no_targets_fills_nothing_and_beats_the_wildcard() -> None:
    rules = parse_rules({"rules": [{"note_type": "*", "targets": [_sound()]}, {"note_type": "Vocab", "targets": []}]})
    assert plan_notes([_note(Word="hola")], rules).targets == []


def test_what_will_be_read_is_the_text_sent_or_the_reason() -> None:
    (target,) = _rule(_sound(text_rules=[{"find": "el ", "replace": ""}])).targets
    assert what_will_be_read({"Word": "el <b>perro</b>", "Audio": ""}, target) == ("perro", None)
    assert what_will_be_read({"Word": "", "Audio": ""}, target) == ("", "Word is empty")
    text, reason = what_will_be_read({"Audio": ""}, target)
    assert text == "" and reason is not None and "Word" in reason


def test_field_names_with_spaces_and_unicode_and_braces_in_values() -> None:
    (target,) = _rule(_sound(source="{Mot français} – {例文}")).targets
    assert target.source_fields == ("Mot français", "例文")
    fields = {"Mot français": "le {chien}", "例文": "<i>犬です</i>", "Audio": ""}
    assert what_will_be_read(fields, target) == ("le {chien} – 犬です", None), "braces in a value are text"


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("{{c1::Paris::city}} is in {{c2::France}}", "Paris, France"),
        ("{{c1::la {{c2::gran}} ciudad::hint}} duerme", "la gran ciudad"),
        ("sin cloze", "sin cloze"),
    ],
)
def test_cloze_answers_leave_out_hints_and_unwrap_nested_clozes(value: str, read: str) -> None:
    (target,) = _rule(_sound(cloze="answers")).targets
    assert what_will_be_read({"Word": value, "Audio": ""}, target) == (read, None)


def test_text_rules_that_leave_only_whitespace_skip_the_note() -> None:
    (target,) = _rule(_sound(text_rules=[{"find": "[a-z]", "replace": " ", "regex": True}])).targets
    assert what_will_be_read({"Word": "hola", "Audio": ""}, target) == (
        "",
        "nothing of Word is left after the text rules of Audio",
    )


def test_a_plain_replacement_keeps_backslashes_as_written() -> None:
    (target,) = _rule(_sound(text_rules=[{"find": "/", "replace": r" \1 "}])).targets
    assert what_will_be_read({"Word": "a/b", "Audio": ""}, target) == (r"a \1 b", None)


def test_work_without_providers_names_the_targets_providers_as_the_fix() -> None:
    item = WorkItem(MediaRequest(kind=MediaKind.AUDIO, text="apple"), ())
    assert work_no_provider_can_do([item], lambda kind, name: None) == [
        "no sound provider is chosen for 1 sound request; add one to the providers of its target"
    ]


# --- config.md's text-rule recipes do what config.md says --------------------------------------------

RECIPES = [
    ("伦敦(London)", "伦敦"),
    ("伦敦（London）", "伦敦"),
    ("die Abfahrt", "Abfahrt"),
    ("～際（に）", "際に"),
    ("(to) abandon sth.", "abandon"),
    ("salt & pepper", "salt and pepper"),
]


def _documented_recipes() -> list[list[TextRule]]:
    text = (ROOT / "config.md").read_text(encoding="utf-8")
    section = text[text.index("### Text rules for what real decks hold") :]
    section = section[: section.index("\n\n", section.index("- A plain replacement"))]
    recipes = []
    for item in section.split("\n- ")[1:]:
        found = re.findall(r"`(\{\"find\".*?\})`", item.replace("\n  ", " "))
        recipes.append([TextRule(**json.loads(raw)) for raw in found])
    return recipes


@pytest.mark.parametrize(("before", "after"), RECIPES)
def test_the_documented_recipes_turn_real_deck_text_into_what_is_said(before: str, after: str) -> None:
    recipes = _documented_recipes()
    assert len(recipes) == 5
    results = {apply_text_rules(before, tuple(rules)) for rules in recipes}
    assert after in results, f"no recipe in config.md turns {before!r} into {after!r}: {results}"
