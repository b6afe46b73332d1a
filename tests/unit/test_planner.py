"""plan_notes: which field of which note gets what, and why the others are skipped."""

from __future__ import annotations

from typing import Any

import pytest

from addon.core.config.rules import FillMode, Rule, parse_rules
from addon.core.engine.planner import plan_notes
from addon.core.job.plan import Plan, SourceNote
from addon.core.media.types import MediaKind

AUDIO = MediaKind.AUDIO
IMAGE = MediaKind.IMAGE


def _rule(**changes: Any) -> Rule:
    raw: dict[str, Any] = {
        "note_type": "Basic",
        "source_field": "Front",
        "audio_field": "Audio",
        "audio_providers": ["espeak", "backup"],
        "language": "es",
        "mode": "skip",
    }
    raw.update(changes)
    (rule,) = parse_rules({"rules": [raw]})
    return rule


def _sound_rule(**target: Any) -> Rule:
    """A rule in the targets shape: Front read aloud into Audio, with the target's ``target`` settings."""
    audio = {"field": "Audio", "kind": "audio", "source": "{Front}", "providers": ["espeak"], **target}
    (rule,) = parse_rules({"rules": [{"note_type": "Basic", "language": "es", "targets": [audio]}]})
    return rule


def _picture_rule(**target: Any) -> Rule:
    picture = {"field": "Picture", "kind": "image", "source": "{Front}", "providers": ["pics"], **target}
    (rule,) = parse_rules({"rules": [{"note_type": "Basic", "targets": [picture]}]})
    return rule


def _note(note_id: int, front: str, audio: str = "", *, note_type: str = "Basic", **more: str) -> SourceNote:
    return SourceNote(note_id=note_id, note_type=note_type, fields={"Front": front, "Audio": audio, **more})


def test_plan_generates_an_audio_request_from_the_cleaned_source() -> None:
    plan = plan_notes([_note(1, "<b>el&nbsp;perro</b> [sound:old.mp3]")], [_rule()])
    (target,) = plan.targets
    assert target.note_id == 1
    assert target.field == "Audio"
    assert target.kind is AUDIO
    assert target.mode is FillMode.SKIP
    assert target.skip_reason is None
    assert target.work is not None
    assert target.work.request.kind is AUDIO
    assert target.work.request.text == "el perro"
    assert target.work.request.language == "es"
    assert target.work.providers == ("espeak", "backup")
    assert plan.to_generate == [target]
    assert plan.skipped == []


@pytest.mark.parametrize(
    ("mode", "audio", "generates"),
    [
        (FillMode.SKIP, "[sound:casa.mp3]", False),
        (FillMode.SKIP, "recorded by me [sound:casa.mp3]", False),
        (FillMode.SKIP, "", True),
        (FillMode.SKIP, "just a note, no sound", True),
        (FillMode.SKIP, '<img src="casa.png">', True),
        (FillMode.OVERWRITE, "[sound:casa.mp3]", True),
        (FillMode.APPEND, "[sound:casa.mp3]", True),
    ],
)
def test_fill_modes(mode: FillMode, audio: str, generates: bool) -> None:
    plan = plan_notes([_note(1, "la casa", audio)], [_rule(mode=mode.value)])
    (target,) = plan.targets
    assert (target.work is not None) is generates
    assert target.mode is mode
    if not generates:
        assert target.skip_reason == "Audio already has a sound"


def test_skip_mode_for_images_looks_for_img_tags() -> None:
    rule = _rule(audio_field="", image_field="Picture", image_providers=["pics"])
    notes = [
        _note(1, "cat", Picture='<img src="cat.png">'),
        _note(2, "dog", Picture="[sound:dog.mp3]"),
    ]
    plan = plan_notes(notes, [rule])
    assert [t.kind for t in plan.targets] == [IMAGE, IMAGE]
    assert plan.targets[0].skip_reason == "Picture already has a picture"
    assert plan.targets[1].work is not None


def test_missing_fields_are_skipped_with_reasons() -> None:
    notes = [
        SourceNote(1, "Basic", {"Front": "word"}),  # no Audio field
        SourceNote(2, "Basic", {"Palabra": "palabra", "Audio": ""}),  # no Front field
    ]
    plan = plan_notes(notes, [_rule()])
    assert [t.skip_reason for t in plan.targets] == [
        "note type 'Basic' has no field 'Audio'",
        "note type 'Basic' has no field 'Front'",
    ]
    assert plan.unique_work() == []


@pytest.mark.parametrize("front", ["", "   ", "<br>&nbsp;", "<div></div>"])
def test_empty_source_is_skipped(front: str) -> None:
    (target,) = plan_notes([_note(1, front)], [_rule()]).targets
    assert target.work is None
    assert target.skip_reason == "Front is empty"


def test_no_rule_for_note_type_is_skipped_once_per_note() -> None:
    plan = plan_notes([_note(7, "word", note_type="Cloze")], [_rule()])
    (target,) = plan.targets
    assert target.note_id == 7
    assert target.work is None
    assert target.skip_reason == "no rule for note type 'Cloze'"
    assert plan.skip_reasons() == {"no rule for note type 'Cloze'": 1}


def test_wildcard_rule_applies_to_any_note_type() -> None:
    plan = plan_notes([_note(1, "word", note_type="Anything")], [_rule(note_type="*")])
    assert len(plan.to_generate) == 1


def test_exact_rule_wins_over_wildcard() -> None:
    rules = [_rule(note_type="*", language="en"), _rule(note_type="Basic", language="fr")]
    plan = plan_notes([_note(1, "mot"), _note(2, "word", note_type="Other")], rules)
    assert [t.work.request.language for t in plan.targets if t.work] == ["fr", "en"]


def test_image_and_audio_targets_of_one_note() -> None:
    rule = _rule(image_field="Picture", image_providers=["pics"])
    plan = plan_notes([_note(1, "gato", Picture="")], [rule])
    assert sorted((t.kind.value, t.field) for t in plan.to_generate) == [("audio", "Audio"), ("image", "Picture")]


def test_kinds_limits_the_plan() -> None:
    rule = _rule(image_field="Picture", image_providers=["pics"])
    plan = plan_notes([_note(1, "gato", Picture="")], [rule], kinds=[AUDIO])
    assert [t.kind for t in plan.targets] == [AUDIO]


def test_unique_work_dedups_identical_texts() -> None:
    notes = [
        _note(1, "apple"),
        _note(2, "<b>apple</b>"),
        _note(3, "apple&nbsp;"),
        _note(4, "pear"),
        _note(5, "apple", "[sound:x.mp3]"),  # skipped, not work
    ]
    plan = plan_notes(notes, [_rule()])
    assert len(plan.to_generate) == 4
    unique = plan.unique_work()
    assert [w.request.text for w in unique] == ["apple", "pear"]
    keys = {t.work.key for t in plan.to_generate if t.work}
    assert len(keys) == 2


def test_same_text_in_different_languages_or_providers_is_not_shared() -> None:
    rules = [
        _rule(note_type="Spanish", language="es"),
        _rule(note_type="English", language="en"),
        _rule(note_type="Other", language="es", audio_providers=["backup"]),
    ]
    notes = [
        _note(1, "no", note_type="Spanish"),
        _note(2, "no", note_type="English"),
        _note(3, "no", note_type="Other"),
    ]
    assert len(plan_notes(notes, rules).unique_work()) == 3


def test_image_prompt_template_with_text_and_field_names() -> None:
    rule = _rule(
        audio_field="",
        image_field="Picture",
        image_providers=["pics"],
        image_prompt="A drawing of {text}, meaning {Back}; {Missing} stays",
    )
    note = SourceNote(1, "Basic", {"Front": "<b>el gato</b>", "Back": "the&nbsp;cat<br>(animal)", "Picture": ""})
    (target,) = plan_notes([note], [rule]).targets
    assert target.work is not None
    assert target.work.request.kind is IMAGE
    assert target.work.request.text == "A drawing of el gato, meaning the cat. (animal); {Missing} stays"


def test_plan_skip_reasons_count() -> None:
    notes = [_note(1, "a", "[sound:a.mp3]"), _note(2, "b", "[sound:b.mp3]"), _note(3, ""), _note(4, "d")]
    plan = plan_notes(notes, [_rule()])
    assert plan.skip_reasons() == {"Audio already has a sound": 2, "Front is empty": 1}
    assert len(plan.to_generate) == 1


def test_empty_input() -> None:
    assert plan_notes([], [_rule()]) == Plan()


def test_source_text_is_not_expanded_as_a_template() -> None:
    rule = _rule(audio_field="", image_field="Picture", image_providers=["pics"], image_prompt="{text}")
    note = SourceNote(1, "Basic", {"Front": "use {Back} here", "Back": "SECRET", "Picture": ""})
    (target,) = plan_notes([note], [rule]).targets
    assert target.work is not None
    assert target.work.request.text == "use {Back} here"


# --- what is read: issue 19, item 6 ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        ('<img src="diagram.png">', "Front holds only a picture"),
        ('<div><img src="a.png"></div><br>', "Front holds only a picture"),
        ("[sound:only.mp3]", "Front holds only a sound"),
        ('<img src="a.png">[sound:a.mp3]', "Front holds only a picture and a sound"),
        (r"\(\mathbb{E}_p\)", "Front holds only math, which is not read aloud; write in words what to say"),
        (
            r"\[\mathbf{K}=\left(\begin{array}{cc}a & b\\ c & d\end{array}\right)\]",
            "Front holds only math, which is not read aloud; write in words what to say",
        ),
        (
            r"$\mathbb{K}^{M}$, [latex]x^2[/latex]",
            "Front holds only math, which is not read aloud; write in words what to say",
        ),
        (r"\(a\) x \(b\)", "Front holds only math, which is not read aloud; write in words what to say"),
    ],
)
def test_skip_reasons_say_what_the_source_holds(front: str, reason: str) -> None:
    (target,) = plan_notes([_note(1, front)], [_rule()]).targets
    assert target.work is None
    assert target.skip_reason == reason


def test_a_picture_of_only_math_is_skipped_with_its_own_reason() -> None:
    rule = _rule(audio_field="", image_field="Picture", image_providers=["pics"])
    (target,) = plan_notes([_note(1, r"[$]a^2[/$]", Picture="")], [rule]).targets
    assert target.skip_reason == (
        "Front holds only math, which is not sent for a picture; write in words what to picture"
    )


def test_math_is_not_sent_to_a_voice_or_a_picture_search() -> None:
    rule = _rule(image_field="Picture", image_providers=["pics"])
    front = r"The expectation \(\mathbb{E}_p[x]\) of a <b>random</b> variable"
    plan = plan_notes([_note(1, front, Picture="")], [rule])
    texts = {t.kind: t.work.request.text for t in plan.targets if t.work}
    assert texts == {AUDIO: "The expectation of a random variable", IMAGE: "The expectation of a random variable"}


def test_math_kept_when_the_options_say_keep() -> None:
    front = r"The expectation \(\mathbb{E}_p\)"
    (target,) = plan_notes([_note(1, front)], [_sound_rule(math="keep")]).targets
    assert target.work is not None
    assert target.work.request.text == front


def test_list_items_are_read_as_sentences_not_run_together() -> None:
    front = "<div>A special case of EM</div><ul><li>EM is harder</li><li>More computation</li></ul>"
    (target,) = plan_notes([_note(1, front)], [_rule()]).targets
    assert target.work is not None
    assert target.work.request.text == "A special case of EM. EM is harder. More computation"
    assert target.source_text == target.work.request.text  # what the store step compares with


LONG_ANSWER = " ".join(["The algorithm alternates between an expectation and a maximisation step."] * 33)[:2435]


def test_a_sound_longer_than_max_chars_is_skipped_with_the_fix() -> None:
    plan = plan_notes([_note(1, LONG_ANSWER), _note(2, "x" * 300), _note(3, "y" * 301)], [_rule()])
    assert [t.work is not None for t in plan.targets] == [False, True, False]
    assert plan.skip_reasons() == {
        "Front is too long for a card's sound (over 300 characters); put the part to say in a field of its own, "
        "or raise max_chars of Audio": 2
    }


def test_max_chars_is_an_option() -> None:
    (target,) = plan_notes([_note(1, LONG_ANSWER)], [_sound_rule(max_chars=3000)]).targets
    assert target.work is not None
    assert target.work.request.text == LONG_ANSWER
    (target,) = plan_notes([_note(1, "perros")], [_sound_rule(max_chars=5)]).targets
    assert (
        target.skip_reason
        == "Front is too long for a card's sound (over 5 characters); put the part to say in a field of its own, "
        "or raise max_chars of Audio"
    )


def test_a_long_picture_query_is_cut_at_a_word() -> None:
    rule = _rule(audio_field="", image_field="Picture", image_providers=["pics"], image_prompt="Photo: {text}")
    (target,) = plan_notes([_note(1, LONG_ANSWER, Picture="")], [rule]).targets
    assert target.work is not None
    query = target.work.request.text.removeprefix("Photo: ")
    assert len(query) <= 200
    assert LONG_ANSWER.startswith(query) and LONG_ANSWER[len(query)] == " "
    rule = _picture_rule(max_chars=20, prompt="Photo: {text}")
    (target,) = plan_notes([_note(1, LONG_ANSWER, Picture="")], [rule]).targets
    assert target.work is not None
    assert target.work.request.text == "Photo: The algorithm"
