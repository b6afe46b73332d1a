"""Choose… (issue 20 item 3) in the real Anki, against the Openverse and Forvo fakes: the editor's
field menu offers it on a target only; the window shows the candidates side by side; keys 1–9 pick,
Space plays, Enter takes; the third taken is the third stored (bytes compared with what the fake
served), with its credit, in one undo step for a saved note. The job report's failed rows offer
Choose… for their note and field too (no editor: the note is stored in the collection). AI pictures
(the OpenAI fake) come only by their own button, which shows the cost of all the variations first."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aqt.qt import QApplication, QEvent, QKeyEvent, QMenu, QPushButton, Qt

from devtools.sample_deck import ENGLISH_TYPE
from tests.fakes.forvo_fake import TEST_KEY as FORVO_KEY
from tests.fakes.forvo_fake import FakePronunciation, serve_forvo
from tests.fakes.openai_fake import TEST_KEY as OPENAI_KEY
from tests.fakes.openai_fake import serve_openai, variant
from tests.fakes.openverse_fake import FakeImage, serve_openverse
from tests.support.harness import pump, set_addon_config
from tests.support.media_samples import jpeg_bytes, silent_mp3

FAST = {"requests_per_minute": 6000, "retry_attempts": 0}


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[Any, Any]]:
    with serve_openverse(others="empty") as pictures, serve_forvo(others="empty") as sounds:
        yield pictures, sounds


@pytest.fixture
def choose_config(mw: Any, sample_notes: Any, fakes: tuple[Any, Any], tmp_path: Path) -> dict[str, Any]:
    pictures, sounds = fakes
    config = {
        "rules": [
            {
                "note_type": ENGLISH_TYPE,
                "language": "en",
                "mode": "skip",
                "attribution_field": "Back",
                "targets": [
                    {"field": "Audio", "kind": "audio", "source": "{Front}", "providers": ["forvo"]},
                    {"field": "Picture", "kind": "image", "source": "{Front}", "providers": ["openverse"]},
                ],
            }
        ],
        "providers": {
            "image": {"openverse": {"enabled": True, "base_url": pictures.url, **FAST}},
            "audio": {
                "forvo": {
                    "enabled": True,
                    "api_key": FORVO_KEY,
                    "base_url": sounds.url,
                    "counter_file": str(tmp_path / "forvo.json"),
                    **FAST,
                }
            },
        },
    }
    set_addon_config(mw, config)
    return config


def media_file(mw: Any, value: str) -> bytes:
    found = re.search(r'src="([^"]+)"|\[sound:([^\]]+)\]', value)
    assert found is not None, value
    name = found.group(1) or found.group(2)
    return (Path(mw.col.media.dir()) / name).read_bytes()


def menu_texts(addon: ModuleType, editor: Any, field: str, menus: list[QMenu]) -> dict[str, Any]:
    editor.currentField = list(editor.note.keys()).index(field)
    menu = QMenu()
    menus.append(menu)  # kept, or Qt deletes its actions
    addon.controller.editor_fills.on_context_menu(editor.web, menu)
    return {action.text(): action for action in menu.actions()}


def open_choose(app: Any, addon: ModuleType, editor: Any, field: str, *, count: int) -> Any:
    """Right-click ``field`` → Choose…; wait until the window shows ``count`` candidates."""
    fills = addon.controller.editor_fills
    fills.chooser = None
    menus: list[QMenu] = []
    menu_texts(addon, editor, field, menus)["Choose…"].trigger()
    pump(app, lambda: fills.chooser is not None and not fills.chooser.asking, timeout=30, what="the candidates")
    window = fills.chooser
    assert len(window.results) == count, (window.status.text(), window.problems)
    assert len(window._tiles) == count and window.isVisible()
    return window


def press(window: Any, key: Qt.Key) -> None:
    """A key pressed in the window, as Qt delivers it."""
    QApplication.sendEvent(window, QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier))


def take_with_keys(app: Any, window: Any, number: int) -> None:
    press(window, getattr(Qt.Key, f"Key_{number}"))
    assert window.picked == number - 1
    press(window, Qt.Key.Key_Return)
    pump(app, lambda: window.session.report is not None, timeout=30, what="the chosen one to be stored")
    pump(app, lambda: window.mw._background_op_count == 0, what="background operations")


def test_forvo_pronunciations_side_by_side_keys_pick_play_and_take_the_third(
    mw: Any, anki_app: Any, addon: ModuleType, choose_config: dict[str, Any], add_window: Any, fakes: tuple[Any, Any]
) -> None:
    _pictures, sounds = fakes
    made = sounds.add(
        "plum",
        "en",
        FakePronunciation(username="ann", country="United Kingdom", rate=3, num_votes=3, mp3=silent_mp3(21)),
        FakePronunciation(username="bob", country="Ireland", rate=2, num_votes=2, mp3=silent_mp3(22)),
        FakePronunciation(username="cy", country="Canada", rate=1, num_votes=1, mp3=silent_mp3(23)),
        FakePronunciation(username="di", country="Australia", rate=0, num_votes=0, mp3=silent_mp3(24)),
    )
    editor = add_window.editor
    editor.note["Front"] = "plum"
    editor.loadNote()
    menus: list[QMenu] = []
    assert "Choose…" in menu_texts(addon, editor, "Picture", menus)
    assert "Choose…" not in menu_texts(addon, editor, "Back", menus), "offered on a field no target fills"

    window = open_choose(anki_app, addon, editor, "Audio", count=4)
    played: list[str] = []
    window.play_file = played.append
    assert [result.caption.split(",")[0] for result in window.results] == [
        "ann (United Kingdom)",
        "bob (Ireland)",
        "cy (Canada)",
        "di (Australia)",
    ]
    press(window, Qt.Key.Key_2)
    press(window, Qt.Key.Key_Space)
    assert window.played == [1, 1] and Path(played[-1]).read_bytes() == made[1].mp3
    take_with_keys(anki_app, window, 3)

    assert window.session.report.filled == 1, window.message
    assert media_file(mw, editor.note["Audio"]) == made[2].mp3, "not the third pronunciation"
    assert editor.note["Picture"] == "" and not editor.note.id
    assert "cy (Canada)" in editor.note["Audio"], "the credit is not with the sound"
    assert not window.isVisible()


def test_openverse_pictures_take_the_third_in_a_saved_note_in_one_undo_step(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    choose_config: dict[str, Any],
    sample_notes: Any,
    open_browser: Any,
    fakes: tuple[Any, Any],
) -> None:
    pictures, _sounds = fakes
    note_id = sample_notes[ENGLISH_TYPE][0]
    word = mw.col.get_note(note_id)["Front"]
    images = pictures.add(
        word,
        *(FakeImage(title=f"Picture {n}", creator=f"Author {n}", thumb=jpeg_bytes(10 + n, 10)) for n in range(5)),
    )
    before = list(mw.col.get_note(note_id).fields)
    browser = open_browser([note_id])
    pump(anki_app, lambda: browser.editor.note is not None, what="the Browser's editor")

    window = open_choose(anki_app, addon, browser.editor, "Picture", count=5)
    assert [result.attribution.author for result in window.results] == [f"Author {n}" for n in range(5)]
    assert all("CC BY" in tile.findChildren(type(window.status))[-1].text() for tile in window._tiles)
    take_with_keys(anki_app, window, 3)

    assert window.session.report.filled == 1, window.message
    saved = mw.col.get_note(note_id)
    assert media_file(mw, saved["Picture"]) == images[2].thumb, "not the third picture"
    assert "Author 2" in saved["Back"]
    assert browser.editor.note["Picture"] == saved["Picture"]
    assert mw.col.undo_status().undo == "Fill Media"
    browser.form.actionUndo.trigger()
    pump(anki_app, lambda: list(mw.col.get_note(note_id).fields) == before, what="one undo to revert the choice")


def test_choose_on_a_failed_row_of_the_job_report_stores_the_third_picture_in_one_undo_step(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    choose_config: dict[str, Any],
    sample_notes: Any,
    fakes: tuple[Any, Any],
) -> None:
    pictures, _sounds = fakes
    controller = addon.controller
    note_id = sample_notes[ENGLISH_TYPE][2]
    word = re.sub("<[^>]*>", "", mw.col.get_note(note_id)["Front"])  # the sample's words are in bold
    before = list(mw.col.get_note(note_id).fields)
    controller.report_window = controller.chooser = None
    job = controller.start_job(mw, [note_id], choose_config)
    assert job is not None
    pump(anki_app, lambda: not job.running and controller.report_window is not None, timeout=60, what="the job")
    report = controller.report_window
    table = report.table
    row = next(r for r in range(table.rowCount()) if table.item(r, 1).text() == "Picture")
    assert report.report.filled == 0 and not report.choose_button.isEnabled()
    images = pictures.add(
        word,
        *(FakeImage(title=f"Shot {n}", creator=f"Maker {n}", thumb=jpeg_bytes(30 + n, 12)) for n in range(5)),
    )

    report._row_menu(table.visualRect(table.model().index(row, 0)).center())  # right-click the row
    assert report.choose_button.isEnabled() and report.chosen_error().field == "Picture"
    (action,) = report.row_menu.actions()
    assert action.text() == "Choose…"
    action.trigger()
    pump(
        anki_app,
        lambda: controller.chooser is not None and not controller.chooser.asking,
        timeout=30,
        what="candidates",
    )
    window = controller.chooser
    assert len(window.results) == 5, (window.status.text(), window.problems)
    assert window.editor is None and window.isVisible()
    take_with_keys(anki_app, window, 3)

    assert window.session.report.filled == 1, window.message
    saved = mw.col.get_note(note_id)
    assert media_file(mw, saved["Picture"]) == images[2].thumb, "not the third picture"
    assert "Maker 2" in saved["Back"], "the credit is not in the attribution field"
    assert saved.fields[0] == before[0] and not window.isVisible()
    assert mw.col.undo_status().undo == "Fill Media"
    mw.col.undo()
    assert list(mw.col.get_note(note_id).fields) == before, "one undo did not revert the choice"
    report.close()


def test_ai_pictures_are_asked_only_by_their_button_which_shows_the_cost_of_all_variations(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    choose_config: dict[str, Any],
    sample_notes: Any,
    open_browser: Any,
    fakes: tuple[Any, Any],
) -> None:
    pictures, _sounds = fakes
    with serve_openai() as ai:
        config = copy.deepcopy(choose_config)
        config["rules"][0]["targets"][1]["providers"] = ["openverse", "openai"]
        config["providers"]["image"]["openai"] = {
            "enabled": True, "api_key": OPENAI_KEY, "base_url": ai.url, "price_per_request": 0.04, "variations": 3,
            **FAST,
        }  # fmt: skip
        set_addon_config(mw, config)
        note_id = sample_notes[ENGLISH_TYPE][1]
        word = mw.col.get_note(note_id)["Front"]
        pictures.add(word, *(FakeImage(thumb=jpeg_bytes(12 + n, 12)) for n in range(2)))
        browser = open_browser([note_id])
        pump(anki_app, lambda: browser.editor.note is not None, what="the Browser's editor")

        window = open_choose(anki_app, addon, browser.editor, "Picture", count=2)
        button = window.findChild(QPushButton, "media_fill_ask_openai")
        assert button is not None and "about $0.12 for 3 pictures" in button.text(), button and button.text()
        assert ai.generation_requests() == [], "an AI picture is paid: asked only when its button is pressed"
        button.click()
        pump(anki_app, lambda: not window.asking and len(window.results) == 5, timeout=30, what="the AI pictures")
        assert [json.loads(request.body)["n"] for request in ai.generation_requests()] == [3]
        take_with_keys(anki_app, window, 4)  # the second AI picture

        assert window.session.report.filled == 1, window.message
        assert media_file(mw, mw.col.get_note(note_id)["Picture"]) == variant("jpeg", 1), "not the picture taken"
