"""Transcript targets in the real Anki (issue 22, items 2 and 4): the Fill Media dialog's rule
editor adds one (kind transcript, hearing the field named like a sound; a field button sets the
one field heard; no voice, text rules or cloze), its plan has the row; the editor's Fill Media
button fills a transcript target from the note's sound, over real HTTP against the openai_stt fake."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from addon.core.job.report import TargetError
from addon.ui.fill.plan_view import WILL_FAIL
from devtools.sample_deck import ENGLISH_TYPE
from tests.fakes.openai_stt_fake import TEST_KEY, OpenAISTTFake, serve_openai_stt
from tests.gui.test_editor_fill import press_fill
from tests.gui.test_fill_dialog import run_preview
from tests.gui.test_rule_editor import click_field_button, plan_rows, select_target, tick_exactly
from tests.support.editor_page import put_in_editor
from tests.support.harness import open_fill_dialog, set_addon_config, wait_for_plan
from tests.support.media_samples import silent_mp3

FIELDS = ["Word", "Audio", "Transcript"]


@pytest.fixture
def clips_type(mw: Any) -> Iterator[tuple[str, list[int]]]:
    """A note type with a word, its sound and a transcript field; two notes playing one sound."""
    models = mw.col.models
    name = f"Clips {uuid.uuid4().hex[:6]}"
    note_type = models.new(name)
    for field in FIELDS:
        models.add_field(note_type, models.new_field(field))
    template = models.new_template("Card 1")
    template["qfmt"], template["afmt"] = "{{Word}}", "{{Audio}}{{Transcript}}"
    models.add_template(note_type, template)
    models.add_dict(note_type)
    sound = mw.col.media.write_data("clip.mp3", silent_mp3())
    note_ids = []
    for word in ("casa", "perro"):
        note = mw.col.new_note(models.by_name(name))
        note["Word"], note["Audio"] = word, f"[sound:{sound}]"
        mw.col.add_note(note, mw.col.decks.id("Default"))
        note_ids.append(int(note.id))
    yield name, note_ids
    mw.col.remove_notes(note_ids)
    models.remove(models.by_name(name)["id"])


def test_the_rule_editor_adds_a_transcript_that_hears_one_field_and_the_plan_has_its_row(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    open_browser: Callable[[list[int]], Any],
    clips_type: tuple[str, list[int]],
) -> None:
    name, note_ids = clips_type
    sound = {"field": "Audio", "kind": "audio", "source": "{Word}", "providers": ["espeak"]}
    set_addon_config(mw, {"rules": [{"note_type": name, "language": "es", "targets": [sound]}]})
    dialog = open_fill_dialog(anki_app, open_browser(note_ids), addon)
    form = dialog.rule_form

    form.add_transcript.click()

    editor = select_target(form, "Transcript")
    assert (editor.kind.currentData(), editor.kind.currentText()) == ("text", "transcript")
    assert editor.source.text() == "{Audio}", "it hears the field named like a sound"
    for row in (editor.voices, editor.text_rules, editor.cloze, editor.prompt):
        assert not editor.form.isRowVisible(row), "a transcript has no voice, text rules, cloze or prompt"
    click_field_button(editor, "Word")
    assert editor.source.text() == "{Word}", "a field button sets the one field heard"
    click_field_button(editor, "Audio")
    assert editor.source.text() == "{Audio}"
    tick_exactly(editor, ["openai_stt"])
    assert editor.sample.text() == "“the sound clip.mp3” (the first selected note)"
    expected = {"field": "Transcript", "kind": "text", "source": "{Audio}", "providers": ["openai_stt"]}
    assert form.rule()["targets"] == [sound, expected]
    assert [form.targets.item(r).text() for r in range(form.targets.count())][-1] == (
        "Transcript ← {Audio} (transcript)"
    )
    wait_for_plan(anki_app, dialog)
    assert plan_rows(dialog) == [(name, "Audio (sound)", "0"), (name, "Transcript (transcript)", "2")]
    assert dialog.plan_table.isColumnHidden(WILL_FAIL), "no field would fail: no Will fail column"
    dialog.reject()


def test_the_plan_counts_a_transcript_whose_sound_is_missing_as_will_fail_and_says_why(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    open_browser: Callable[[list[int]], Any],
    clips_type: tuple[str, list[int]],
) -> None:
    name, note_ids = clips_type
    gone = mw.col.get_note(note_ids[1])
    gone["Audio"] = "[sound:gone.mp3]"
    mw.col.update_note(gone)
    transcript = {"field": "Transcript", "kind": "text", "source": "{Audio}", "providers": ["openai_stt"]}
    set_addon_config(mw, {"rules": [{"note_type": name, "language": "es", "targets": [transcript]}]})
    dialog = open_fill_dialog(anki_app, open_browser(note_ids), addon)
    table = dialog.plan_table

    assert not table.isColumnHidden(WILL_FAIL)
    assert table.horizontalHeaderItem(WILL_FAIL).text() == "Will fail"
    row = [table.item(0, c).text() for c in range(table.columnCount())]
    assert row == [name, "Transcript (transcript)", "1", "0", "0", "1"]
    assert "gone.mp3" in table.item(0, WILL_FAIL).toolTip()
    dialog.reject()


@pytest.fixture
def stt() -> Iterator[OpenAISTTFake]:
    with serve_openai_stt() as fake:
        yield fake


def test_the_editor_button_fills_a_transcript_from_the_notes_sound_escaped(
    mw: Any, anki_app: Any, addon: ModuleType, sample_notes: Any, add_window: Any, stt: OpenAISTTFake
) -> None:
    target = {"field": "Back", "kind": "text", "source": "{Audio}", "providers": ["openai_stt"]}
    settings = {"enabled": True, "api_key": TEST_KEY, "base_url": stt.url, "retry_attempts": 0}
    rule = {"note_type": ENGLISH_TYPE, "language": "en", "targets": [target]}
    set_addon_config(mw, {"rules": [rule], "providers": {"text": {"openai_stt": settings}}})
    data = silent_mp3(frames=40)
    stt.say(data, "a <i>quiet</i> room")
    sound = mw.col.media.write_data("quiet.mp3", data)
    editor = add_window.editor
    put_in_editor(anki_app, editor, field="Audio", value=f"[sound:{sound}]")

    run = press_fill(anki_app, addon, editor)

    assert run.report is not None and run.report.filled == 1, run.message
    (form,) = stt.transcription_forms()
    assert form.file == data
    assert editor.note["Back"] == "a &lt;i&gt;quiet&lt;/i&gt; room"


def test_a_failed_transcript_has_no_choose_window(
    mw: Any, anki_app: Any, addon: ModuleType, clips_type: tuple[str, list[int]]
) -> None:
    name, note_ids = clips_type
    target = {"field": "Transcript", "kind": "text", "source": "{Audio}", "providers": ["openai_stt"]}
    set_addon_config(mw, {"rules": [{"note_type": name, "targets": [target]}]})
    addon.controller.chooser = addon.controller.report_window = None  # as from a report over the main window
    addon.controller.choose_for_failure(TargetError(note_ids[0], "Transcript", "openai_stt", "heard nothing"))
    assert addon.controller.chooser is None, "a transcript is heard, not chosen among candidates"


def test_the_preview_shows_what_the_notes_sound_says(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    open_browser: Callable[[list[int]], Any],
    clips_type: tuple[str, list[int]],
    stt: OpenAISTTFake,
) -> None:
    name, note_ids = clips_type
    target = {"field": "Transcript", "kind": "text", "source": "{Audio}", "providers": ["openai_stt"]}
    settings = {"enabled": True, "api_key": TEST_KEY, "base_url": stt.url, "retry_attempts": 0}
    set_addon_config(
        mw, {"rules": [{"note_type": name, "targets": [target]}], "providers": {"text": {"openai_stt": settings}}}
    )
    stt.say(silent_mp3(), "la <casa>")
    dialog = open_fill_dialog(anki_app, open_browser(note_ids), addon)

    run_preview(anki_app, dialog, name)

    assert "transcript from openai_stt: “la &lt;casa&gt;”" in dialog.preview_panel.status.text()
    assert all(mw.col.get_note(n)["Transcript"] == "" for n in note_ids), "a preview writes nothing"
    dialog.reject()
