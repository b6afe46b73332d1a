"""The report's Review… in the real Anki, against the OpenAI picture and speech fakes: a job's filled
notes one by one (the picture shown, the sound asked to play, Enter to the next), R making a target
again (a fake that answers differently the second time: new bytes, the field naming the new file,
one undo back to the old), C opening Choose… (the third voice taken is stored and shown, one undo
back), and Delete taking a target's media out of its field, undoably."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aqt.qt import QPushButton, Qt
from PyQt6.QtTest import QTest

from devtools.sample_deck import ENGLISH_TYPE
from tests.fakes.openai_fake import serve_openai
from tests.fakes.openai_tts_fake import serve_openai_tts
from tests.support.harness import pump, set_addon_config
from tests.support.media_samples import silent_mp3
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
NOTES = 3
VOICES = ("coral", "alloy", "ash", "echo", "fable", "nova", "onyx", "sage", "shimmer")


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[Any, Any]]:
    with serve_openai() as images, serve_openai_tts() as speech:
        yield images, speech


@pytest.fixture
def review_config(mw: Any, sample_notes: dict[str, list[int]], fakes: tuple[Any, Any]) -> dict[str, Any]:
    images, speech = fakes
    config = openai_fill_config(images, speech, [RULE])
    set_addon_config(mw, config)
    return config


@pytest.fixture
def review(
    mw: Any, anki_app: Any, addon: ModuleType, review_config: dict[str, Any], sample_notes: dict[str, list[int]]
) -> Iterator[tuple[Any, list[str], list[int]]]:
    """Runs a job over the first English notes, presses the report's Review… and yields the Review
    window, the names it asked to play and the job's notes."""
    controller = addon.controller
    note_ids = sample_notes[ENGLISH_TYPE][:NOTES]
    played: list[str] = []
    controller.review.player = played.append
    controller.report_window = None
    job = controller.start_job(mw, note_ids, review_config)
    assert job is not None
    pump(anki_app, lambda: not job.running and controller.report_window is not None, timeout=60, what="the job")
    report_window = controller.report_window
    assert report_window.report.filled == 2 * NOTES, report_window.report.summary()
    assert report_window.review_button.isEnabled()
    report_window.review_button.click()
    pump(anki_app, lambda: controller.review.window is not None, what="the Review window")
    window = controller.review.window
    pump(anki_app, window.isVisible, what="the Review window to show")
    yield window, played, note_ids
    if controller.review.window is not None:
        controller.review.window.close()
    report_window.close()
    pump(anki_app, lambda: mw._background_op_count == 0, what="background operations")


def field_file(mw: Any, value: str) -> str:
    if 'src="' in value:
        return value.split('src="')[1].split('"', maxsplit=1)[0]
    return value.removeprefix("[sound:").split("]", maxsplit=1)[0]


def media_bytes(mw: Any, name: str) -> bytes:
    return (Path(mw.col.media.dir()) / name).read_bytes()


def select(window: Any, field: str) -> None:
    row = next(i for i, target in enumerate(window.note.targets) if target.field == field)
    window.targets.setCurrentRow(row)


def press(window: Any, key: Qt.Key) -> None:
    """A key pressed in the window, as the user does (the window handles its keys itself)."""
    clicker: Any = QTest.keyClick
    clicker(window, key)


def wait_idle(app: Any, mw: Any, window: Any) -> None:
    pump(app, lambda: not window.busy and mw._background_op_count == 0, timeout=30, what="the review step")


def test_review_walks_the_filled_notes_showing_the_picture_and_playing_the_sound(
    mw: Any, anki_app: Any, review: tuple[Any, list[str], list[int]]
) -> None:
    window, played, note_ids = review
    seen = []
    for step in range(NOTES):
        note = window.note
        seen.append(note.note_id)
        assert window.heading.text().endswith(f"note {step + 1} of {NOTES}")
        assert {(t.field, t.kind.word) for t in note.targets} == {("Audio", "sound"), ("Picture", "picture")}
        pixmap = window.picture.pixmap()
        assert pixmap is not None and not pixmap.isNull(), "the picture is not shown"
        sound = field_file(mw, mw.col.get_note(note.note_id)["Audio"])
        assert played[-1] == sound, "the note's sound was not played"
        press(window, Qt.Key.Key_Return)
    assert sorted(seen) == sorted(note_ids), "not every filled note was shown once"
    pump(anki_app, lambda: not window.isVisible(), what="the window to close after the last note")


def test_r_makes_the_sound_again_and_one_undo_restores_the_old(
    mw: Any, anki_app: Any, review: tuple[Any, list[str], list[int]], fakes: tuple[Any, Any]
) -> None:
    window, played, _note_ids = review
    _images, speech = fakes
    note_id = window.note.note_id
    before = mw.col.get_note(note_id)
    old_name = field_file(mw, before["Audio"])
    old_bytes = media_bytes(mw, old_name)
    asked = len(speech.speech_requests())
    speech.payload = silent_mp3(frames=17)  # the provider answers differently the second time
    select(window, "Audio")

    press(window, Qt.Key.Key_R)
    wait_idle(anki_app, mw, window)

    after = mw.col.get_note(note_id)
    new_name = field_file(mw, after["Audio"])
    assert len(speech.speech_requests()) == asked + 1, "the provider was not asked again"
    assert new_name != old_name, window.status.text()
    assert after["Audio"] == f"[sound:{new_name}]", "the old sound is still in the field"
    assert media_bytes(mw, new_name) == silent_mp3(frames=17) != old_bytes
    assert after["Picture"] == before["Picture"], "another field changed"
    assert played[-1] == new_name, "the new sound was not played"
    assert new_name in window.note.targets[0].files + window.note.targets[1].files

    assert mw.col.undo_status().undo == "Fill Media"
    mw.col.undo()
    assert mw.col.get_note(note_id)["Audio"] == before["Audio"]


def test_r_on_a_single_provider_with_voices_goes_to_the_next_voice_each_time(
    mw: Any, anki_app: Any, review: tuple[Any, list[str], list[int]], fakes: tuple[Any, Any]
) -> None:
    window, _played, _note_ids = review
    _images, speech = fakes
    speech.voice_payloads = {voice: silent_mp3(frames=40 + n) for n, voice in enumerate(VOICES)}
    note_id = window.note.note_id
    select(window, "Audio")
    asked = len(speech.speech_requests())
    for voice in ("alloy", "ash"):  # the job spoke in coral, the provider's first voice
        press(window, Qt.Key.Key_R)
        wait_idle(anki_app, mw, window)
        sent = json.loads(speech.speech_requests()[-1].body)
        assert sent["voice"] == voice, window.status.text()
        stored = field_file(mw, mw.col.get_note(note_id)["Audio"])
        assert media_bytes(mw, stored) == speech.voice_payloads[voice], "not the next voice's sound"
        assert f"in the voice {voice}" in window.status.text()
    assert len(speech.speech_requests()) == asked + 2


def test_delete_takes_the_picture_out_of_its_field_undoably(
    mw: Any, anki_app: Any, review: tuple[Any, list[str], list[int]]
) -> None:
    window, _played, _note_ids = review
    press(window, Qt.Key.Key_Return)  # the second note
    note_id = window.note.note_id
    before = mw.col.get_note(note_id)
    assert before["Picture"].startswith("<img")
    select(window, "Picture")

    press(window, Qt.Key.Key_Delete)
    wait_idle(anki_app, mw, window)

    after = mw.col.get_note(note_id)
    assert after["Picture"] == "", window.status.text()
    assert after["Audio"] == before["Audio"]
    assert [t.field for t in window.note.targets] == ["Audio"], "the window still lists the picture"
    assert mw.col.undo_status().undo == "Remove Filled Media"
    mw.col.undo()
    assert mw.col.get_note(note_id)["Picture"] == before["Picture"]


def test_c_opens_choose_and_the_third_voice_taken_is_stored_shown_and_undone_in_one_step(
    mw: Any, anki_app: Any, addon: ModuleType, review: tuple[Any, list[str], list[int]], fakes: tuple[Any, Any]
) -> None:
    window, played, _note_ids = review
    _images, speech = fakes
    speech.voice_payloads = {voice: silent_mp3(frames=30 + n) for n, voice in enumerate(VOICES)}
    note_id = window.note.note_id
    before = list(mw.col.get_note(note_id).fields)
    features = addon.controller.review
    features.chooser = None
    select(window, "Audio")

    press(window, Qt.Key.Key_C)
    pump(anki_app, lambda: features.chooser is not None and not features.chooser.asking, what="the candidates")
    chooser = features.chooser
    chooser.findChild(QPushButton, "media_fill_ask_openai_tts").click()  # a paid provider: asked on request
    pump(anki_app, lambda: not chooser.asking, what="the voices")
    assert len(chooser.results) >= 3 and chooser.editor is None, chooser.problems
    assert window.busy, "the Review window does not wait for Choose…"
    voice = chooser.results[2].caption.removeprefix("voice ")
    chooser.play_file = lambda path: None
    press(chooser, Qt.Key.Key_3)
    press(chooser, Qt.Key.Key_Return)
    wait_idle(anki_app, mw, window)

    after = mw.col.get_note(note_id)
    new_name = field_file(mw, after["Audio"])
    assert media_bytes(mw, new_name) == speech.voice_payloads[voice], "not the third candidate's sound"
    assert after["Audio"] == f"[sound:{new_name}]" and after["Picture"] == before[list(after.keys()).index("Picture")]
    audio = next(t for t in window.note.targets if t.field == "Audio")
    assert audio.files == (new_name,), "the Review window does not show the new sound"
    assert played[-1] == new_name, "the new sound was not played"
    assert "the chosen sound is in" in window.status.text()
    assert mw.col.undo_status().undo == "Fill Media"
    mw.col.undo()
    assert list(mw.col.get_note(note_id).fields) == before, "one undo did not revert the choice"
