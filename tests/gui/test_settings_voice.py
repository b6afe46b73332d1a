"""Issue 21 item 2, in each provider's settings: a sound provider that lists its voices has Choose
voice… on its page; the picker asks with the settings as typed (a key typed, not yet saved), and the
voice chosen goes into the form: a one-voice setting (OpenAI's ``voice``) or the entry for the
language typed in the picker (Google's ``voices``). Real Anki GUI (headless), real HTTP to fakes."""

from __future__ import annotations

from typing import Any

from aqt.qt import QPushButton

from addon.core.media.types import MediaKind
from devtools.anki_base import pump
from tests.fakes.google_tts_fake import TEST_KEY as GOOGLE_KEY
from tests.fakes.google_tts_fake import serve_google_tts
from tests.gui.test_settings_dialog import clean_config, open_window, shown_value, type_into  # noqa: F401


def _choose(anki_app: Any, dialog: Any, name: str) -> Any:
    button = dialog.findChild(QPushButton, f"choose_voice:{name}")
    assert button is not None, f"no Choose voice… on {name}'s page"
    button.click()
    section = button.parent()
    pump(anki_app, lambda: section.picker is not None and not section.picker.busy, what="the voice list")
    return section.picker


def test_choose_voice_puts_openais_voice_into_its_setting(anki_app: Any, addon: Any, clean_config: None) -> None:  # noqa: F811
    dialog = open_window(addon, focus=(MediaKind.AUDIO, "openai_tts"))
    type_into(dialog, "audio.openai_tts.api_key", "sk-typed-not-saved-000")
    picker = _choose(anki_app, dialog, "openai_tts")
    assert "nova" in [picker.table.item(row, 1).text() for row in range(picker.table.rowCount())]
    picker.select_voice("nova")
    picker.use_button.click()
    assert shown_value(dialog.fields["audio.openai_tts.voice"]) == "nova"


def test_choose_voice_sets_googles_voice_for_the_language_typed(anki_app: Any, addon: Any, clean_config: None) -> None:  # noqa: F811
    with serve_google_tts() as google:
        dialog = open_window(addon, focus=(MediaKind.AUDIO, "google_tts"))
        type_into(dialog, "audio.google_tts.api_key", GOOGLE_KEY)
        type_into(dialog, "audio.google_tts.base_url", google.url)
        picker = _choose(anki_app, dialog, "google_tts")
        picker.language.setText("de")
        picker.select_voice("de-DE-Wavenet-B")
        picker.use_button.click()
        assert google.voices_requests(), "the list came from the server typed on the page"
    assert shown_value(dialog.fields["audio.google_tts.voices"]) == {"de": "de-DE-Wavenet-B"}
