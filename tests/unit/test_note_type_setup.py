"""Planning a note type ready for media (pure): a new "Media Fill Vocabulary", or the picture and
sound fields an existing note type lacks put on its cards — only ever adding, and planning nothing
the second time."""

from __future__ import annotations

import dataclasses

from addon.core.provider_system.note_type_setup import (
    READY_FIELDS,
    READY_NOTE_TYPE,
    NoteTypeChange,
    NoteTypeShape,
    Side,
    TemplateShape,
    needs_media_setup,
    plan_media_fields,
    plan_ready_note_type,
    shows_field,
)

BASIC = NoteTypeShape(
    name="Basic",
    fields=("Front", "Back"),
    templates=(TemplateShape("Card 1", "{{Front}}", "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}"),),
)
REVERSED = NoteTypeShape(
    name="Basic (and reversed card)",
    fields=("Front", "Back"),
    templates=(
        TemplateShape("Card 1", "{{Front}}", "{{FrontSide}}<hr id=answer>{{Back}}"),
        TemplateShape("Card 2", "{{Back}}", "{{FrontSide}}<hr id=answer>{{Front}}"),
    ),
)


def applied(shape: NoteTypeShape, change: NoteTypeChange) -> NoteTypeShape:
    """``shape`` after ``change`` (what the collection would hold)."""
    return dataclasses.replace(
        shape, fields=shape.fields + change.fields_to_add, templates=change.templates_after(shape)
    )


def test_the_ready_note_type_shows_the_picture_and_plays_the_sounds() -> None:
    change = plan_ready_note_type(None)
    assert change.create and change.note_type == READY_NOTE_TYPE
    assert change.fields_to_add == ("Word", "Meaning", "Sentence", "Picture", "Audio", "SentenceAudio")
    (template,) = change.templates
    for name in ("Word", "Picture", "Audio"):
        assert shows_field(template.front, name)
    assert "{{FrontSide}}" in template.back and "<hr id=answer>" in template.back
    for name in ("Meaning", "Sentence", "SentenceAudio"):
        assert shows_field(template.back, name) and not shows_field(template.front, name)
    assert ".card" in change.css and ".picture img" in change.css


def test_an_existing_ready_note_type_is_used_and_only_completed() -> None:
    ready = plan_ready_note_type(None)
    made = NoteTypeShape(READY_NOTE_TYPE, ready.fields_to_add, ready.templates, ready.css)
    assert plan_ready_note_type(made).is_empty and not plan_ready_note_type(made).create

    trimmed = NoteTypeShape(READY_NOTE_TYPE, ("Word", "Meaning"), (TemplateShape("Card 1", "{{Word}}", "{{Meaning}}"),))
    change = plan_ready_note_type(trimmed)
    assert not change.create and change.note_type == READY_NOTE_TYPE
    assert change.fields_to_add == ("Picture", "Audio", "Sentence", "SentenceAudio")
    after = applied(trimmed, change)
    assert set(READY_FIELDS) <= set(after.fields)
    assert after.templates[0].front.startswith("{{Word}}") and shows_field(after.templates[0].front, "Picture")
    assert shows_field(after.templates[0].back, "SentenceAudio")
    assert plan_ready_note_type(after).is_empty


def test_basic_gets_a_picture_and_a_sound_on_the_front_keeping_its_text() -> None:
    change = plan_media_fields(BASIC)
    assert change.fields_to_add == ("Picture", "Audio") and not change.create
    (edit,) = change.template_edits
    assert edit.side is Side.FRONT and edit.before == "{{Front}}"
    assert edit.after == "{{Front}}\n<div>{{Picture}}</div>\n{{Audio}}"
    after = applied(BASIC, change)
    assert after.templates[0].back == BASIC.templates[0].back
    assert after.fields[:2] == BASIC.fields


def test_planning_twice_adds_nothing_twice() -> None:
    for shape in (BASIC, REVERSED):
        once = applied(shape, plan_media_fields(shape))
        again = plan_media_fields(once)
        assert again.is_empty, again
        assert not needs_media_setup(once)
    assert needs_media_setup(BASIC) and needs_media_setup(REVERSED)


def test_a_reversed_card_gets_the_media_on_its_back_so_its_front_gives_nothing_away() -> None:
    after = applied(REVERSED, plan_media_fields(REVERSED))
    card1, card2 = after.templates
    assert shows_field(card1.front, "Picture") and shows_field(card1.front, "Audio")
    assert card2.front == "{{Back}}"
    assert card2.back.startswith("{{FrontSide}}<hr id=answer>{{Front}}") and shows_field(card2.back, "Audio")


def test_own_media_fields_are_kept_and_only_put_on_the_cards_when_no_card_shows_them() -> None:
    hidden = NoteTypeShape(
        "Vocab",
        ("Expression", "Meaning", "Image", "Pronunciation"),
        (TemplateShape("Card 1", "{{Expression}}", "{{Meaning}}"),),
    )
    assert needs_media_setup(hidden)
    change = plan_media_fields(hidden)
    assert change.fields_to_add == ()
    assert change.template_edits[0].after == "{{Expression}}\n<div>{{Image}}</div>\n{{Pronunciation}}"

    shown = dataclasses.replace(
        hidden,
        templates=(TemplateShape("Card 1", "{{Expression}}", "{{#Image}}{{text:Image}}{{/Image}} {{Pronunciation}}"),),
    )
    assert plan_media_fields(shown).is_empty and not needs_media_setup(shown)


def test_a_field_name_that_differs_only_in_case_is_not_added_again() -> None:
    shape = NoteTypeShape("Lower", ("word", "picture"), (TemplateShape("Card 1", "{{word}}", "{{picture}}"),))
    change = plan_media_fields(shape)
    assert change.fields_to_add == ("Audio",)
    assert [(e.side, e.after) for e in change.template_edits] == [(Side.FRONT, "{{word}}\n{{Audio}}")]


def test_shows_field_reads_every_form_of_a_field_reference() -> None:
    for text in (
        "{{Picture}}",
        "{{ Picture }}",
        "{{#Picture}}x{{/Picture}}",
        "{{^Picture}}-{{/Picture}}",
        "{{text:Picture}}",
        "{{tts en_US:furigana:Picture}}",
    ):
        assert shows_field(text, "Picture"), text
    for text in ("{{Pictures}}", "{{MyPicture}}", "Picture", "{Picture}"):
        assert not shows_field(text, "Picture"), text
