"""The Browser's Notes → Remove Filled Media… in the real Anki: after a fill, the dialog counts
what Media Fill made per field, a row left unticked stays, Remove takes Media Fill's sounds out
(the user's own recording stays) in one undo step, and the Browser's Undo brings them back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from aqt.qt import QAction, QCheckBox

from addon.collection.fill import run_headless
from addon.core.provider_system.config_loading import load_config
from devtools.sample_deck import DEMO_RULES, ENGLISH_TYPE, PREFILLED, SPANISH_TYPE
from tests.support.harness import pump

OpenBrowser = Callable[[list[int]], Any]


def audio(mw: Any, note_ids: list[int]) -> list[str]:
    return [mw.col.get_note(note_id)["Audio"] for note_id in note_ids]


def open_remove_dialog(app: Any, browser: Any, addon: ModuleType) -> Any:
    action = browser.findChild(QAction, "media_fill_remove_action")
    assert isinstance(action, QAction), "Notes → Remove Filled Media… is missing"
    assert action in browser.form.menu_Notes.actions() and action.text() == "Remove Filled Media…"
    addon.controller.remove_dialog = None
    action.trigger()
    pump(app, lambda: addon.controller.remove_dialog is not None, what="the Remove Filled Media dialog")
    dialog = addon.controller.remove_dialog
    pump(app, lambda: dialog.plan is not None, what="the count of what would be removed")
    return dialog


def test_remove_filled_media_from_the_browser_then_undo(
    mw: Any, anki_app: Any, addon: ModuleType, sample_notes: dict[str, list[int]], open_browser: OpenBrowser
) -> None:
    english, spanish = sample_notes[ENGLISH_TYPE][:3], sample_notes[SPANISH_TYPE][-2:]  # the last: prefilled
    chosen = english + spanish
    report = run_headless(mw.col, chosen, load_config({"rules": DEMO_RULES, "tag_notes": True}))
    assert (report.filled, report.skipped) == (4, 1), report.summary()
    filled = audio(mw, chosen)
    assert filled[-1] == PREFILLED[2], "skip mode kept the user's own recording"
    media = sorted(p.name for p in Path(mw.col.media.dir()).iterdir())
    browser = open_browser(chosen)

    dialog = open_remove_dialog(anki_app, browser, addon)

    boxes = {box.text(): box for box in dialog.findChildren(QCheckBox)}
    assert set(boxes) == {f"{ENGLISH_TYPE} › Audio: 3 sounds in 3 notes", f"{SPANISH_TYPE} › Audio: 1 sound in 1 note"}
    assert dialog.preview_label.text() == "Remove will take out 4 sounds from 4 notes, in one undo step."
    boxes[f"{SPANISH_TYPE} › Audio: 1 sound in 1 note"].setChecked(False)
    assert dialog.preview_label.text() == "Remove will take out 3 sounds from 3 notes, in one undo step."
    dialog.remove_button.click()
    pump(anki_app, lambda: audio(mw, english) == ["", "", ""], what="the sounds to be removed")
    pump(anki_app, lambda: mw._background_op_count == 0, what="background operations")

    assert audio(mw, spanish) == filled[-2:], "the unticked row stays"
    assert [mw.col.get_note(n).tags for n in english] == [[], [], []], "the provider tag comes off"
    assert sorted(p.name for p in Path(mw.col.media.dir()).iterdir()) == media, "the files stay"
    assert browser.form.actionUndo.text().replace("\u2068", "").replace("\u2069", "") == "Undo Remove Filled Media"
    browser.form.actionUndo.trigger()
    pump(anki_app, lambda: audio(mw, chosen) == filled, what="undo")
    assert [mw.col.get_note(n).tags for n in english] == [["media_fill::espeak"]] * 3


def test_the_dialog_says_when_there_is_nothing_to_remove(
    mw: Any, anki_app: Any, addon: ModuleType, sample_notes: dict[str, list[int]], open_browser: OpenBrowser
) -> None:
    browser = open_browser(sample_notes[SPANISH_TYPE][-1:])  # only the user's own recording
    dialog = open_remove_dialog(anki_app, browser, addon)
    assert dialog.findChildren(QCheckBox) == []
    assert dialog.preview_label.text().startswith("The selected notes hold no pictures or sounds that Media Fill made")
    assert not dialog.remove_button.isEnabled()
    files_note = dialog.findChild(type(dialog.preview_label), "files_note")
    assert "Tools → Check Media" in files_note.text()
    dialog.close()
