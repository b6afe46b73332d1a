"""A note type ready for media, in the real Anki: Import Word List offers to create "Media Fill
Vocabulary", previews it, creates it in one undo step and imports into it; the Fill Media dialog
offers a note type without media fields a Picture and an Audio field, previews the cards, and after
Apply shows the new fields in the rule."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aqt.qt import QAction, QLabel, QMenu, QPlainTextEdit

from addon.core.provider_system.note_type_setup import READY_NOTE_TYPE
from tests.fakes.openai_fake import TEST_KEY as IMAGE_KEY
from tests.fakes.openai_fake import serve_openai
from tests.fakes.openai_tts_fake import TEST_KEY as SPEECH_KEY
from tests.fakes.openai_tts_fake import serve_openai_tts
from tests.support.harness import open_fill_dialog, pump, set_addon_config

READY_LINK = "note-type:ready"
FIELDS_LINK = "note-type:fields"
DECK = "Ready words"


@pytest.fixture
def clean_note_types(mw: Any) -> Iterator[list[str]]:
    """Note types a test makes (named in the list it gets, plus the ready one) are removed after it,
    with their notes, so later tests meet the collection as it was."""
    made: list[str] = [READY_NOTE_TYPE]
    yield made
    for name in made:
        note_type = mw.col.models.by_name(name)
        if note_type is not None:
            mw.col.models.remove(note_type["id"])


def open_import(mw: Any, addon: ModuleType) -> Any:
    menu = mw.form.menuTools.findChild(QMenu, "media_fill_menu")
    assert isinstance(menu, QMenu)
    action = menu.findChild(QAction, "media_fill_import_action")
    assert isinstance(action, QAction)
    action.trigger()
    dialog = addon.controller.import_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_import_offers_creates_and_uses_the_ready_note_type(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    sample_notes: dict[str, list[int]],
    clean_note_types: list[str],
    tmp_path: Path,
) -> None:
    path = tmp_path / "words.csv"
    path.write_text("Word,Meaning,Sentence\ngato,cat,El gato duerme.\nperro,dog,El perro ladra.\n", encoding="utf-8")
    assert mw.col.models.by_name(READY_NOTE_TYPE) is None
    dialog = open_import(mw, addon)
    dialog.note_type.setCurrentText("Basic")
    offer = dialog.setup_offer
    assert offer.isVisible() and "Create a note type ready for pictures and sounds…" in offer.text()
    assert "Add a Picture and an Audio field to Basic…" in offer.text()

    offer.linkActivated.emit(READY_LINK)
    preview = offer.preview
    assert preview is not None and preview.isVisible()
    shown = preview.findChild(QPlainTextEdit, "setup_front:Word → meaning")
    assert shown is not None and "{{Picture}}" in shown.toPlainText() and "{{Audio}}" in shown.toPlainText()
    assert "{{SentenceAudio}}" in preview.template_views["Word → meaning:back"].toPlainText()
    assert "Word, Meaning, Sentence, Picture, Audio, SentenceAudio" in preview.findChild(QLabel, "setup_fields").text()
    assert preview.apply_button.text() == "Create"
    assert mw.col.models.by_name(READY_NOTE_TYPE) is None  # the preview writes nothing

    preview.apply_button.click()
    pump(anki_app, lambda: dialog.note_type.currentText() == READY_NOTE_TYPE, what="the ready note type chosen")
    assert mw.col.undo_status().undo == "Create Note Type for Media"
    assert not offer.isVisible()  # the chosen note type is the ready one
    dialog.note_type.setCurrentText("Basic")
    assert "Use the note type Media Fill Vocabulary, ready for pictures and sounds…" in offer.text()
    offer.linkActivated.emit(READY_LINK)  # a second time: nothing to create, only to use
    assert (
        offer.preview.apply_button.text() == "Use"
        and "nothing needs to change" in offer.preview.findChild(QLabel, "setup_summary").text()
    )
    offer.preview.apply_button.click()
    pump(anki_app, lambda: dialog.note_type.currentText() == READY_NOTE_TYPE, what="the ready note type chosen")
    assert [n.name for n in mw.col.models.all_names_and_ids()].count(READY_NOTE_TYPE) == 1

    dialog.deck.setCurrentText(DECK)
    dialog.fill_after.setChecked(False)
    dialog.file_edit.setText(str(path))
    dialog.load_file(str(path))
    pump(anki_app, lambda: dialog.check is not None, what="the check of the list")
    assert dialog.mapping() == {"Word": "Word", "Meaning": "Meaning", "Sentence": "Sentence"}
    dialog.import_button.click()
    pump(anki_app, lambda: not dialog.isVisible(), what="the import")
    pump(anki_app, lambda: mw._background_op_count == 0, what="background operations")
    notes = [mw.col.get_note(nid) for nid in mw.col.find_notes(f'"note:{READY_NOTE_TYPE}"')]
    assert sorted(note["Word"] for note in notes) == ["gato", "perro"]
    assert {note["Sentence"] for note in notes} == {"El gato duerme.", "El perro ladra."}


@pytest.fixture
def provider_config() -> Iterator[dict[str, Any]]:
    with serve_openai() as images, serve_openai_tts() as speech:
        yield {
            "rules": [],
            "providers": {
                "image": {"openai": {"enabled": True, "api_key": IMAGE_KEY, "base_url": images.url}},
                "audio": {"openai_tts": {"enabled": True, "api_key": SPEECH_KEY, "base_url": speech.url}},
            },
        }


def test_fill_offers_a_picture_and_an_audio_field_previews_and_applies(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    sample_notes: dict[str, list[int]],
    clean_note_types: list[str],
    provider_config: dict[str, Any],
    open_browser: Callable[[list[int]], Any],
) -> None:
    name = f"Plain words {uuid.uuid4().hex[:6]}"
    clean_note_types.append(name)
    basic = mw.col.models.by_name("Basic")
    plain = mw.col.models.copy(basic, add=False)
    plain["name"] = name
    mw.col.models.add_dict(plain)
    note_type = mw.col.models.by_name(name)
    note_ids = []
    for word in ("sol", "luna"):
        note = mw.col.new_note(note_type)
        note["Front"], note["Back"] = word, "meaning"
        mw.col.add_note(note, mw.col.decks.id("Default"))
        note_ids.append(int(note.id))
    set_addon_config(mw, provider_config)

    dialog = open_fill_dialog(anki_app, open_browser(note_ids), addon)
    offer = dialog.setup_offer
    assert offer.isVisible() and offer.text().count("<a ") == 1
    assert f"Add a Picture and an Audio field to {name}…" in offer.text()
    assert dialog.rule_form.rule()["targets"] == [] and not dialog.start_button.isEnabled()

    offer.linkActivated.emit(FIELDS_LINK)
    preview = offer.preview
    assert preview is not None and preview.apply_button.text() == "Apply"
    assert preview.template_views["Card 1:front"].toPlainText() == "{{Front}}\n<div>{{Picture}}</div>\n{{Audio}}"
    assert preview.template_views["Card 1:back"].toPlainText() == basic["tmpls"][0]["afmt"]
    preview.reject()  # Cancel changes nothing
    pump(anki_app, lambda: not preview.isVisible(), what="the preview to close")
    assert [f["name"] for f in mw.col.models.by_name(name)["flds"]] == ["Front", "Back"]

    offer.linkActivated.emit(FIELDS_LINK)
    offer.preview.apply_button.click()
    pump(anki_app, lambda: "Picture" in dialog.groups[0].fields, what="the fields to be reloaded")
    assert [f["name"] for f in mw.col.models.by_name(name)["flds"]] == ["Front", "Back", "Picture", "Audio"]
    assert mw.col.undo_status().undo == "Add Media Fields"
    targets = dialog.rule_form.rule()["targets"]
    assert [(t["field"], t["kind"], t["source"]) for t in targets] == [
        ("Picture", "image", "{Front}"),
        ("Audio", "audio", "{Front}"),
    ]
    assert not offer.isVisible()
    pump(anki_app, dialog.start_button.isEnabled, what="Start to be enabled")
    assert mw.col.get_note(note_ids[0])["Front"] == "sol"

    mw.undo()
    pump(anki_app, lambda: mw._background_op_count == 0, what="background operations")
    assert [f["name"] for f in mw.col.models.by_name(name)["flds"]] == ["Front", "Back"]
    dialog.reject()
