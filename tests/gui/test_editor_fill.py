"""The editor's Fill Media button and "Fill this field" in the real Anki, against the OpenAI picture
and speech fakes: the Add window's unsaved note filled and then added with its media, a provider
failure that leaves the field empty and says why, a saved note filled in the Browser's editor in
one undo step, one field from the context menu, and a shortcut none of Anki's uses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aqt.qt import QAction, QKeySequence, QMenu, QShortcut

from addon.core.media.checks import sniff_audio, sniff_image
from devtools.sample_deck import ENGLISH_TYPE
from tests.fakes.openai_fake import invalid_api_key, serve_openai
from tests.fakes.openai_tts_fake import serve_openai_tts
from tests.support.editor_page import put_in_editor
from tests.support.harness import pump, set_addon_config
from tests.support.openai_fill import openai_fill_config

RULE = {
    "note_type": ENGLISH_TYPE,
    "language": "en",
    "mode": "skip",
    "targets": [
        {"field": "Audio", "kind": "audio", "source": "{Front}", "providers": ["openai_tts"]},
        {"field": "Picture", "kind": "image", "source": "{Front}", "providers": ["openai"]},
    ],
}


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[Any, Any]]:
    with serve_openai() as images, serve_openai_tts() as speech:
        yield images, speech


@pytest.fixture
def editor_config(mw: Any, sample_notes: dict[str, list[int]], fakes: tuple[Any, Any]) -> dict[str, Any]:
    images, speech = fakes
    config = openai_fill_config(images, speech, [RULE])
    set_addon_config(mw, config)
    return config


def media_file(mw: Any, value: str) -> bytes:
    name = value.split('src="')[1].split('"', maxsplit=1)[0] if 'src="' in value else value.removeprefix("[sound:")[:-1]
    return (Path(mw.col.media.dir()) / name).read_bytes()


def press_fill(app: Any, addon: ModuleType, editor: Any) -> Any:
    """Invoke the editor's ``media_fill`` command as its button does; wait until the run is over."""
    fills = addon.controller.editor_fills
    fills.last = None
    editor._links["media_fill"](editor)
    pump(app, lambda: fills.last is not None and not fills.last.running, timeout=30, what="the editor's fill")
    pump(app, lambda: editor.mw._background_op_count == 0, what="background operations")
    return fills.last


def type_word(app: Any, editor: Any, word: str) -> None:
    put_in_editor(app, editor, field="Front", value=word)


def test_add_window_fills_the_unsaved_note_then_adds_it_with_its_media(
    mw: Any, anki_app: Any, addon: ModuleType, editor_config: dict[str, Any], add_window: Any
) -> None:
    editor = add_window.editor
    assert "media_fill" in editor._links
    note = editor.note
    type_word(anki_app, editor, "quince")

    run = press_fill(anki_app, addon, editor)

    assert run.report is not None and run.report.filled == 2, run.message
    assert editor.note is note and not note.id, "the Add window's note was saved by the fill"
    assert sniff_audio(media_file(mw, note["Audio"])) == "mp3"
    assert sniff_image(media_file(mw, note["Picture"])) is not None
    count = len(mw.col.find_notes(""))
    add_window.add_current_note()
    pump(anki_app, lambda: len(mw.col.find_notes("")) == count + 1, what="the note to be added")
    added = mw.col.get_note(max(mw.col.find_notes(f'"note:{ENGLISH_TYPE}" Front:quince')))
    assert added["Audio"] == note["Audio"] and added["Picture"] == note["Picture"]
    assert sniff_audio(media_file(mw, added["Audio"])) == "mp3"


def test_a_provider_failure_leaves_the_field_empty_and_says_why(
    mw: Any, anki_app: Any, addon: ModuleType, editor_config: dict[str, Any], add_window: Any, fakes: tuple[Any, Any]
) -> None:
    images, _speech = fakes
    images.fail_always(invalid_api_key())
    editor = add_window.editor
    type_word(anki_app, editor, "pear")

    run = press_fill(anki_app, addon, editor)

    assert editor.note["Picture"] == "", "a failure wrote text into the field"
    assert editor.note["Audio"].startswith("[sound:")
    assert "Picture was not filled" in run.message and "API key" in run.message, run.message
    assert "Tools → Media Fill → Settings…" in run.message


def test_browser_editor_fills_a_saved_note_in_one_undo_step(
    mw: Any, anki_app: Any, addon: ModuleType, editor_config: dict[str, Any], sample_notes: Any, open_browser: Any
) -> None:
    note_id = sample_notes[ENGLISH_TYPE][0]
    before = list(mw.col.get_note(note_id).fields)
    browser = open_browser([note_id])
    pump(anki_app, lambda: browser.editor.note is not None, what="the Browser's editor")

    run = press_fill(anki_app, addon, browser.editor)

    assert run.report.filled == 2, run.message
    saved = mw.col.get_note(note_id)
    assert saved["Audio"].startswith("[sound:") and 'src="' in saved["Picture"]
    assert browser.editor.note["Picture"] == saved["Picture"], "the editor does not show the filled field"
    assert mw.col.undo_status().undo == "Fill Media"
    browser.form.actionUndo.trigger()
    pump(anki_app, lambda: list(mw.col.get_note(note_id).fields) == before, what="one undo to revert the fill")


def test_fill_this_field_fills_only_that_field(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    editor_config: dict[str, Any],
    add_window: Any,
    fakes: tuple[Any, Any],
) -> None:
    images, speech = fakes
    editor = add_window.editor
    type_word(anki_app, editor, "cherry")
    fills = addon.controller.editor_fills
    names = list(editor.note.keys())
    menus: list[QMenu] = []  # kept, or Qt deletes their actions

    def menu_for(field: str) -> QMenu:
        editor.currentField = names.index(field)
        menu = QMenu()
        menus.append(menu)
        fills.on_context_menu(editor.web, menu)
        return menu

    assert not [a for a in menu_for("Back").actions() if a.text() == "Fill this field"], "offered on a non-target"
    action = next(a for a in menu_for("Picture").actions() if a.text() == "Fill this field")
    fills.last = None
    action.trigger()
    pump(anki_app, lambda: fills.last is not None and not fills.last.running, timeout=30, what="the field's fill")

    assert 'src="' in editor.note["Picture"] and editor.note["Audio"] == ""
    assert len(images.generation_requests()) == 1 and not speech.speech_requests()
    # Filled already: skip mode leaves it, and says so.
    again = next(a for a in menu_for("Picture").actions() if a.text() == "Fill this field")
    fills.last = None
    again.trigger()
    pump(anki_app, lambda: fills.last is not None and not fills.last.running, timeout=30, what="the second fill")
    assert "already has a picture" in fills.last.message and len(images.generation_requests()) == 1


def test_the_button_has_a_tooltip_and_a_shortcut_none_of_anki_uses(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    editor_config: dict[str, Any],
    add_window: Any,
    open_browser: Any,
    sample_notes: Any,
) -> None:
    from addon.ui.editor import DEFAULT_EDITOR_SHORTCUT

    ours = QKeySequence(DEFAULT_EDITOR_SHORTCUT).toString()
    browser = open_browser(sample_notes[ENGLISH_TYPE][:1])
    for window in (add_window, browser):
        shortcuts = [s.key().toString() for s in window.findChildren(QShortcut)]
        shortcuts += [a.shortcut().toString() for a in window.findChildren(QAction) if not a.shortcut().isEmpty()]
        assert shortcuts.count(ours) == 1, f"{ours} is missing or taken in {type(window).__name__}"
    # Anki's editor web page binds its own keys (bold, cloze, MathJax…): none of them is ours.
    import _aqt

    editor_js = Path(_aqt.__path__[0]) / "data" / "web" / "js" / "editor.js"
    assert "Control+Alt+Shift+F" not in editor_js.read_text(encoding="utf-8")
