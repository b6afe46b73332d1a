"""Issue 19, item 2 (the Fill Media dialog): the rule editor lists a note type's targets and edits
each — field, source template with field buttons, providers, voice, text rules — with a live "what
will be read" sample from the first selected note; what it holds is the rule saved, in the targets
shape, and the plan has one row per target."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from aqt.qt import QPushButton, Qt

from tests.support.harness import open_fill_dialog, set_addon_config, wait_for_plan

FIELDS = ["Word", "Sentence", "Audio", "SentenceAudio", "Picture", "Credit"]
SAMPLE = {"Word": "el gato", "Sentence": "El gato (the cat) duerme."}
# The example rule (its note type's name is set per test).
RULE: dict[str, Any] = {
    "language": "es",
    "mode": "skip",
    "targets": [
        {"field": "Audio", "kind": "audio", "source": "{Word}", "providers": ["openai_tts", "espeak"]},
        {"field": "SentenceAudio", "kind": "audio", "source": "{Sentence}", "providers": ["google_tts"],
         "language": "es", "mode": "overwrite"},
        {"field": "Picture", "kind": "image", "source": "{Word}",
         "prompt": "A clear picture of {Word}, no text", "providers": ["openverse", "openai"],
         "attribution_field": "Credit"},
    ],
}  # fmt: skip
DROP_BRACKETS = {"find": r"\s*\([^)]*\)", "replace": "", "regex": True}


@pytest.fixture
def vocab_type(mw: Any) -> Iterator[tuple[str, list[int]]]:
    """A note type with the issue's fields and two notes of it; removed after the test."""
    models = mw.col.models
    name = f"Vocab {uuid.uuid4().hex[:6]}"
    note_type = models.new(name)
    for field in FIELDS:
        models.add_field(note_type, models.new_field(field))
    template = models.new_template("Card 1")
    template["qfmt"], template["afmt"] = "{{Word}}", "{{Sentence}}"
    models.add_template(note_type, template)
    models.add_dict(note_type)
    note_ids = []
    for word, sentence in ((SAMPLE["Word"], SAMPLE["Sentence"]), ("el perro", "El perro ladra.")):
        note = mw.col.new_note(models.by_name(name))
        note["Word"], note["Sentence"] = word, sentence
        mw.col.add_note(note, mw.col.decks.id("Default"))
        note_ids.append(int(note.id))
    yield name, note_ids
    mw.col.remove_notes(note_ids)
    models.remove(models.by_name(name)["id"])


def plan_rows(dialog: Any) -> list[tuple[str, ...]]:
    table = dialog.plan_table
    return [tuple(table.item(r, c).text() for c in range(3)) for r in range(table.rowCount())]


def select_target(form: Any, field: str) -> Any:
    """Select the target filling ``field`` in the rule form; returns the target editor."""
    titles = [form.targets.item(r).text() for r in range(form.targets.count())]
    row = next(r for r, title in enumerate(titles) if title.startswith(f"{field} ←"))
    form.targets.setCurrentRow(row)
    assert form.editor.field.currentData() == field
    return form.editor


def tick_exactly(editor: Any, names: list[str]) -> None:
    picker = editor.providers
    for row in range(picker.list.count()):
        name = picker.list.item(row).data(Qt.ItemDataRole.UserRole)
        picker.set_checked(name, name in names)
    for position, name in enumerate(names):
        picker.move_provider(name, to_row=position)


def click_field_button(editor: Any, field: str) -> None:
    button = editor.field_buttons.findChild(QPushButton, f"insert_field:{field}")
    assert button is not None and button.text() == field, f"no button inserts {{{field}}}"
    button.click()


def test_the_rule_editor_round_trips_a_three_target_rule_and_the_plan_has_a_row_per_target(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    open_browser: Callable[[list[int]], Any],
    vocab_type: tuple[str, list[int]],
) -> None:
    name, note_ids = vocab_type
    rule = {"note_type": name, **copy.deepcopy(RULE)}
    set_addon_config(mw, {"rules": [rule]})
    dialog = open_fill_dialog(anki_app, open_browser(note_ids), addon)
    form = dialog.rule_form

    # Loaded as saved: the list names each target, and reading the form back changes nothing.
    titles = [form.targets.item(r).text() for r in range(form.targets.count())]
    assert titles == ["Audio ← {Word} (sound)", "SentenceAudio ← {Sentence} (sound)", "Picture ← {Word} (picture)"]
    assert form.rule() == rule
    assert plan_rows(dialog) == [
        (name, "Audio (sound)", "2"),
        (name, "SentenceAudio (sound)", "2"),
        (name, "Picture (picture)", "2"),
    ]
    editor = select_target(form, "Picture")
    assert editor.kind.currentText() == "picture" and editor.prompt.text() == RULE["targets"][2]["prompt"]
    assert editor.attribution.currentData() == "Credit" and editor.providers.chosen() == ["openverse", "openai"]

    # A text rule on the sentence's sound: the sample from the first selected note follows it.
    editor = select_target(form, "SentenceAudio")
    assert editor.mode.currentData() == "overwrite" and editor.language.text() == "es"
    assert editor.sample.text() == "“El gato (the cat) duerme.” (the first selected note)"
    editor.text_rules.add_rule()
    table = editor.text_rules.table
    table.item(0, 0).setText(DROP_BRACKETS["find"])
    table.item(0, 2).setCheckState(Qt.CheckState.Checked)
    assert editor.sample.text() == "“El gato duerme.” (the first selected note)"

    # Reorder: the picture first.
    select_target(form, "Picture")
    form.up_button.click()
    form.up_button.click()
    assert not form.up_button.isEnabled(), "the first target cannot move up"
    # The picture is searched from the sentence: its source changed with a field button.
    editor.source.selectAll()
    click_field_button(editor, "Sentence")
    assert editor.source.text() == "{Sentence}"

    # Remove the word's sound and add it again: a new sound target takes the free field named
    # like a sound, and reads the word once its source is set by a button.
    select_target(form, "Audio")
    form.remove_button.click()
    assert form.targets.count() == 2
    form.add_sound.click()
    editor = select_target(form, "Audio")
    editor.source.clear()
    click_field_button(editor, "Word")
    tick_exactly(editor, ["openai_tts"])
    voice = editor.voices.lines["openai_tts"]
    voice.setText("nova")
    assert editor.sample.text() == "“el gato” (the first selected note)"

    expected = {
        "note_type": name,
        "language": "es",
        "mode": "skip",
        "targets": [
            {**RULE["targets"][2], "source": "{Sentence}"},
            {**RULE["targets"][1], "text_rules": [DROP_BRACKETS]},
            {"field": "Audio", "kind": "audio", "source": "{Word}", "providers": ["openai_tts"],
             "voice": {"openai_tts": "nova"}},
        ],
    }  # fmt: skip
    assert form.rule() == expected
    assert dialog.config_to_run()["rules"] == [expected], "the dialog saves what the editor holds"
    wait_for_plan(anki_app, dialog)
    assert plan_rows(dialog) == [
        (name, "Picture (picture)", "2"),
        (name, "SentenceAudio (sound)", "2"),
        (name, "Audio (sound)", "2"),
    ]
    dialog.reject()
