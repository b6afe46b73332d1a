"""Checked sounds in the real Anki (issue 22, item 3): the Fill Media dialog's sound target has a
"Check the sound with" row (the transcription providers, and what to do when a sound says something
else) that round-trips ``verify_with`` and ``on_mismatch``; a picture target has none; the report
window and Copy report list the doubtful sounds with what was heard."""

from __future__ import annotations

import copy
import importlib
import sys
import uuid
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from aqt.qt import QApplication, QLabel

from tests.support.harness import ADDON, open_fill_dialog, pump, set_addon_config
from tests.support.notes_helpers import add_note_type

RULE: dict[str, Any] = {
    "language": "es",
    "targets": [
        {"field": "Audio", "kind": "audio", "source": "{Word}", "providers": ["openai_tts", "espeak"],
         "verify_with": "openai_stt", "verify_min_similarity": 0.7},
        {"field": "Picture", "kind": "image", "source": "{Word}", "providers": ["openverse"]},
    ],
}  # fmt: skip


@pytest.fixture
def word_type(mw: Any) -> Iterator[tuple[str, list[int]]]:
    models = mw.col.models
    name = f"Words {uuid.uuid4().hex[:6]}"
    add_note_type(mw.col, name, ["Word", "Audio", "Picture"], back="Audio")
    note_ids = []
    for word in ("perro", "gato"):  # two selected: the Browser's editor shows neither
        note = mw.col.new_note(models.by_name(name))
        note["Word"] = word
        mw.col.add_note(note, mw.col.decks.id("Default"))
        note_ids.append(int(note.id))
    yield name, note_ids
    mw.col.remove_notes(note_ids)
    models.remove(models.by_name(name)["id"])


def _select(form: Any, field: str) -> Any:
    row = next(r for r in range(form.targets.count()) if form.targets.item(r).text().startswith(f"{field} ←"))
    form.targets.setCurrentRow(row)
    return form.editor


def test_a_sound_target_chooses_its_checker_and_what_a_mismatch_does(
    mw: Any, anki_app: Any, addon: ModuleType, open_browser: Callable[[list[int]], Any], word_type: Any
) -> None:
    name, note_ids = word_type
    rule = {"note_type": name, **copy.deepcopy(RULE)}
    set_addon_config(mw, {"rules": [rule]})
    dialog = open_fill_dialog(anki_app, open_browser(note_ids), addon)
    form = dialog.rule_form
    assert form.rule() == rule, "loaded and read back unchanged (verify_min_similarity kept)"

    editor = _select(form, "Audio")
    check = editor.check
    assert not check.isHidden() and editor.form.isRowVisible(check)
    assert check.checker.currentData() == "openai_stt"
    offered = [check.checker.itemData(i) for i in range(check.checker.count())]
    assert offered[:2] == ["", "-"], "as the note type, not checked, then the transcription providers"
    assert {"openai_stt", "google_stt", "yandex_stt"} <= set(offered[2:])
    assert "openai_tts" not in offered, "a speech provider cannot hear"
    assert check.on_mismatch.currentData() == "" and check.on_mismatch.isEnabled()

    check.on_mismatch.setCurrentIndex(check.on_mismatch.findData("keep"))
    expected_sound = {**RULE["targets"][0], "on_mismatch": "keep"}
    assert form.rule()["targets"][0] == expected_sound
    assert dialog.config_to_run()["rules"][0]["targets"][0] == expected_sound, "the dialog runs what it shows"

    check.checker.setCurrentIndex(check.checker.findData("-"))
    assert not check.on_mismatch.isEnabled(), "nothing to decide for a sound that is not checked"
    assert form.rule()["targets"][0]["verify_with"] == ""

    editor = _select(form, "Picture")
    assert not editor.form.isRowVisible(editor.check), "pictures are not heard"
    assert "verify_with" not in form.rule()["targets"][1]
    dialog.reject()


def test_the_report_window_and_copy_report_list_doubtful_sounds(mw: Any, anki_app: Any) -> None:
    report_module = sys.modules[f"{ADDON}.core.job.report"]
    dialog_module = importlib.import_module(f"{ADDON}.ui.fill.report_dialog")
    report = report_module.JobReport(filled=2, sounds_matched=1)
    report.add_doubtful(report_module.DoubtfulSound(7, "Audio", "openai_tts", "perro", "Gato.", 0.2, "openai_stt"))
    report.add_doubtful(
        report_module.DoubtfulSound(8, "Audio", "espeak", "casa", "", 0.0, "openai_stt", checked=False,
                                    reason="openai_stt server busy (503)")
    )  # fmt: skip
    dialog = dialog_module.show_report(
        mw, report, note_labels={7: "perro"}, on_show_notes=lambda ids: None, on_retry_failed=None
    )
    pump(anki_app, dialog.isVisible, what="the report window")
    label = dialog.findChild(QLabel, "doubtful_sounds")
    assert label is not None
    assert label.text().splitlines() == [
        "Doubtful sounds (2), kept: listen to them and fill them again if wrong",
        "perro (7) · Audio: 'perro' heard as 'Gato.' (openai_tts; openai_stt, similarity 0.20)",
        "note 8 (8) · Audio: 'casa' not checked (espeak; openai_stt: openai_stt server busy (503))",
    ]
    dialog.copy_report()
    clipboard = QApplication.clipboard()
    assert clipboard is not None
    copied = clipboard.text()
    assert "Checked sounds: 1 said their text, 2 doubtful" in copied
    assert "  perro (7) · Audio: 'perro' heard as 'Gato.'" in copied
    dialog.close()
