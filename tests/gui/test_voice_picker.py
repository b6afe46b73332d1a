"""Issue 21 item 2 (the voice picker), in the real Anki GUI (headless), over real HTTP against the
Google and OpenAI speech fakes: from a target's voices in the Fill Media dialog, Choose… lists the
provider's voices, filters them by language and gender, plays a sample (a sentence in that language
made by that voice, kept so that playing it again asks nothing), shows what a sample of a paid
provider costs, and puts the voice chosen (or several, taking turns) into the target."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from types import ModuleType
from typing import Any

from aqt.qt import QPushButton

from devtools.anki_base import pump
from tests.fakes.google_tts_fake import TEST_KEY as GOOGLE_KEY
from tests.fakes.google_tts_fake import serve_google_tts
from tests.fakes.openai_tts_fake import TEST_KEY as SPEECH_KEY
from tests.fakes.openai_tts_fake import serve_openai_tts
from tests.gui.test_rule_editor import select_target, vocab_type  # noqa: F401  (a fixture)
from tests.support.harness import open_fill_dialog, set_addon_config

FAST = {"enabled": True, "requests_per_minute": 6000, "retry_attempts": 0}


def _rule(name: str, provider: str, language: str) -> dict[str, Any]:
    target = {"field": "Audio", "kind": "audio", "source": "{Word}", "providers": [provider], "language": language}
    return {"note_type": name, "language": "es", "targets": [target]}


def _open_picker(anki_app: Any, dialog: Any, provider: str) -> Any:
    shutil.rmtree(dialog.state_dir / "voice-samples", ignore_errors=True)
    editor = select_target(dialog.rule_form, "Audio")
    button = editor.voices.findChild(QPushButton, f"choose_voice:{provider}")
    assert button is not None and button.isVisibleTo(dialog), "no Choose… beside the provider's voice"
    button.click()
    chooser = editor.voices.chooser
    pump(anki_app, lambda: chooser.picker is not None and not chooser.picker.busy, what="the voice list")
    picker = chooser.picker
    picker.heard = []
    picker.play_file = picker.heard.append  # what Anki's player is given to play
    return editor, picker


def _shown(picker: Any) -> list[str]:
    return [picker.table.item(row, 1).text() for row in range(picker.table.rowCount())]


def test_choose_filters_by_language_and_gender_plays_a_sample_and_sets_the_targets_voice(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    open_browser: Callable[[list[int]], Any],
    vocab_type: tuple[str, list[int]],  # noqa: F811
) -> None:
    name, note_ids = vocab_type
    with serve_google_tts() as google:
        google_settings = {**FAST, "api_key": GOOGLE_KEY, "base_url": google.url, "price_per_request": 0.000016}
        set_addon_config(
            mw, {"rules": [_rule(name, "google_tts", "de")], "providers": {"audio": {"google_tts": google_settings}}}
        )
        dialog = open_fill_dialog(anki_app, open_browser(note_ids), addon)
        editor, picker = _open_picker(anki_app, dialog, "google_tts")

        assert picker.language.text() == "de", "the target's language is the first filter"
        assert _shown(picker) == ["de-DE-Standard-A", "de-DE-Wavenet-B"]
        picker.gender.setCurrentIndex(picker.gender.findData("male"))
        assert _shown(picker) == ["de-DE-Wavenet-B"]
        assert "costs about $0.000016 (one request)" in picker.cost.text(), picker.cost.text()

        picker.select_voice("de-DE-Wavenet-B")
        picker.play_button.click()
        pump(anki_app, lambda: len(picker.played) == 1, what="the sample")
        (asked,) = google.synthesize_requests()
        assert asked.json()["voice"]["name"] == "de-DE-Wavenet-B"
        assert asked.json()["input"]["text"] == "Hallo! So klingt meine Stimme.", "a German sentence"
        picker.play_button.click()
        pump(anki_app, lambda: len(picker.played) == 2, what="the sample again")
        assert len(google.synthesize_requests()) == 1, "a sample heard before is played from the computer"
        assert picker.heard == picker.played and picker.played[0] == picker.played[1]
        assert "heard before" in picker.status.text()

        picker.use_button.click()
    assert editor.voices.lines["google_tts"].text() == "de-DE-Wavenet-B"
    (target,) = dialog.rule_form.rule()["targets"]
    assert target["voice"] == {"google_tts": "de-DE-Wavenet-B"}
    assert "voice_mode" not in target
    dialog.reject()


def test_several_voices_chosen_take_turns_and_a_paid_sample_shows_its_cost(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    open_browser: Callable[[list[int]], Any],
    vocab_type: tuple[str, list[int]],  # noqa: F811
) -> None:
    name, note_ids = vocab_type
    with serve_openai_tts() as speech:
        settings = {**FAST, "api_key": SPEECH_KEY, "base_url": speech.url, "price_per_request": 0.015}
        set_addon_config(
            mw, {"rules": [_rule(name, "openai_tts", "es")], "providers": {"audio": {"openai_tts": settings}}}
        )
        dialog = open_fill_dialog(anki_app, open_browser(note_ids), addon)
        editor, picker = _open_picker(anki_app, dialog, "openai_tts")
        assert "$0.015" in picker.cost.text() and "free" in picker.cost.text()
        assert speech.speech_requests() == [], "nothing is paid for before Play"

        picker.select_voice("nova")
        picker.play_button.click()
        pump(anki_app, lambda: len(picker.played) == 1, what="the sample")
        (asked,) = speech.speech_requests()
        assert (asked.json()["voice"], asked.json()["input"]) == ("nova", "¡Hola! Así suena mi voz.")

        for voice in ("alloy", "echo"):
            picker.select_voice(voice, add=True)
        picker.use_button.click()
    assert editor.voices.voice_mode() == "rotate", "several voices switch One voice to taking turns"
    (target,) = dialog.rule_form.rule()["targets"]
    assert sorted(target["voice"]["openai_tts"]) == ["alloy", "echo", "nova"]
    assert target["voice_mode"] == "rotate"
    dialog.reject()
