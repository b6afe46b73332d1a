"""The collection's template side on a real Anki collection: the ready note type is created, an
existing note type gets its media fields on its cards, each in one undo step that takes it all
back, and a plan that no longer fits the note type is refused."""

from __future__ import annotations

import pytest
from anki.collection import Collection

from addon.collection.note_type_setup import CREATE_UNDO_NAME, UPDATE_UNDO_NAME, CollectionNoteTypes
from addon.core.base.errors import ConfigError
from addon.core.provider_system.note_type_setup import READY_FIELDS, READY_NOTE_TYPE, shows_field


def fields_of(col: Collection, name: str) -> list[str]:
    note_type = col.models.by_name(name)
    assert note_type is not None
    return [str(f["name"]) for f in note_type["flds"]]


def templates_of(col: Collection, name: str) -> list[tuple[str, str]]:
    note_type = col.models.by_name(name)
    assert note_type is not None
    return [(str(t["qfmt"]), str(t["afmt"])) for t in note_type["tmpls"]]


def test_the_ready_note_type_is_created_in_one_undo_step(col: Collection) -> None:
    side = CollectionNoteTypes(col)
    change = side.plan_ready()
    assert change.create
    side.apply(change)
    assert col.undo_status().undo == CREATE_UNDO_NAME

    assert fields_of(col, READY_NOTE_TYPE) == list(READY_FIELDS)
    ((front, back),) = templates_of(col, READY_NOTE_TYPE)
    assert shows_field(front, "Picture") and shows_field(front, "Audio") and shows_field(back, "SentenceAudio")
    assert ".card" in str(col.models.by_name(READY_NOTE_TYPE)["css"])  # type: ignore[index]
    note = col.new_note(col.models.by_name(READY_NOTE_TYPE))  # type: ignore[arg-type]
    note["Word"], note["Picture"], note["Audio"] = "gato", '<img src="gato.png">', "[sound:gato.mp3]"
    col.add_note(note, col.decks.id("Default") or 1)  # type: ignore[arg-type]
    card = note.cards()[0]
    assert 'src="gato.png"' in card.question() and "gato.mp3" in str(card.question_av_tags())

    col.undo()  # the note added since
    assert col.undo_status().undo == CREATE_UNDO_NAME
    col.undo()
    assert col.models.by_name(READY_NOTE_TYPE) is None


def test_planning_again_after_creating_uses_the_note_type_and_plans_nothing(col: Collection) -> None:
    side = CollectionNoteTypes(col)
    side.apply(side.plan_ready())
    again = side.plan_ready()
    assert again.is_empty and not again.create
    assert "ready" in side.describe(again)
    names = [n.name for n in col.models.all_names_and_ids()]
    assert names.count(READY_NOTE_TYPE) == 1 and not any(n.startswith(READY_NOTE_TYPE + "-") for n in names)


def test_basic_gets_picture_and_audio_on_its_cards_and_one_undo_takes_it_all_back(col: Collection) -> None:
    before_fields, before_templates = fields_of(col, "Basic"), templates_of(col, "Basic")
    note = col.new_note(col.models.by_name("Basic"))  # type: ignore[arg-type]
    note["Front"], note["Back"] = "dog", "a pet"
    col.add_note(note, col.decks.id("Default") or 1)  # type: ignore[arg-type]
    side = CollectionNoteTypes(col)

    change = side.plan_media_fields("Basic")
    assert change.fields_to_add == ("Picture", "Audio")
    side.apply(change)

    assert fields_of(col, "Basic") == [*before_fields, "Picture", "Audio"]
    ((front, back),) = templates_of(col, "Basic")
    assert front.startswith(before_templates[0][0]) and shows_field(front, "Picture") and shows_field(front, "Audio")
    assert back == before_templates[0][1]
    kept = col.get_note(note.id)
    assert kept["Front"] == "dog" and kept["Back"] == "a pet" and kept["Picture"] == ""
    assert side.plan_media_fields("Basic").is_empty  # idempotent

    status = col.undo_status()
    assert status.undo == UPDATE_UNDO_NAME
    col.undo()
    assert fields_of(col, "Basic") == before_fields and templates_of(col, "Basic") == before_templates
    assert col.get_note(note.id)["Back"] == "a pet"
    assert col.undo_status().redo == UPDATE_UNDO_NAME


def test_a_plan_made_before_the_note_type_changed_is_refused_and_changes_nothing(col: Collection) -> None:
    side = CollectionNoteTypes(col)
    change = side.plan_media_fields("Basic")
    basic = col.models.by_name("Basic")
    assert basic is not None
    basic["tmpls"][0]["qfmt"] = "{{Front}} (edited)"
    col.models.update_dict(basic)
    with pytest.raises(ConfigError, match="changed since the plan"):
        side.apply(change)
    assert fields_of(col, "Basic") == ["Front", "Back"]
    assert templates_of(col, "Basic")[0][0] == "{{Front}} (edited)"


def test_the_ready_note_type_is_not_created_twice_from_an_old_plan(col: Collection) -> None:
    side = CollectionNoteTypes(col)
    change = side.plan_ready()
    side.apply(change)
    with pytest.raises(ConfigError, match="exists already"):
        side.apply(change)


def test_adding_fields_to_a_synced_collection_is_said_to_need_a_full_sync(col: Collection) -> None:
    side = CollectionNoteTypes(col)
    adding, creating = side.plan_media_fields("Basic"), side.plan_ready()
    assert not side.needs_full_sync(adding)  # never synced: the next sync is a full one anyway
    assert col.db is not None
    col.db.execute("update col set ls = scm")  # as after a sync
    assert side.needs_full_sync(adding) and not side.needs_full_sync(creating)
