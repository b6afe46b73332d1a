"""Piper's settings page in the real Anki: the piper program's line, and "Voices to download" from a
loopback fake of Piper's voice catalogue (nothing is downloaded from anywhere else): the list
filtered by language, a voice downloaded in the background and then installed and listed."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aqt.qt import QLabel, QLineEdit, QPushButton, QWidget
from PyQt6.QtTest import QTest

from addon.core.media.types import MediaKind
from addon.providers.audio.piper import PiperSpeech
from tests.fakes.piper_voices_fake import PiperVoicesFake, serve_piper_voices
from tests.support.harness import ADDON, pump
from tests.support.shipped import shipped_slice

CHOSEN = "es_MX-claude-high"


@pytest.fixture
def voices_fake() -> Iterator[PiperVoicesFake]:
    with serve_piper_voices() as fake:
        yield fake


@pytest.fixture
def stand_in_piper(tmp_path: Path) -> Path:
    """An executable named piper: the page only looks the program up (it never runs it here), so
    the test needs no piper-tts, which only the newest Anki's venv has (a dev requirement)."""
    program = tmp_path / "bin" / "piper"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    program.chmod(0o755)
    return program


@pytest.fixture
def piper_settings(mw: Any, addon: Any, voices_fake: PiperVoicesFake, stand_in_piper: Path) -> Iterator[Path]:
    """Piper's voice list pointed at the fake and its Binary at a stand-in; yields the add-on's
    user_files, whose installed voices (and partial downloads) are removed afterwards with the
    window closed."""
    user_files = Path(mw.addonManager.addonsFolder(ADDON)) / "user_files"
    piper = {"voices_url": voices_fake.base_url, "binary": str(stand_in_piper)}
    mw.addonManager.writeConfig(ADDON, {"providers": {"audio": {"piper": piper}}})
    yield user_files
    window_module: Any = sys.modules[f"{ADDON}.ui.settings.dialog"]
    dialog = window_module.find_open_settings(mw)
    if dialog is not None:  # closed without asking whether to keep typed changes
        original = window_module.confirm_discard
        window_module.confirm_discard = lambda parent: True
        try:
            dialog.close()
        finally:
            window_module.confirm_discard = original
    mw.addonManager.writeConfig(ADDON, {})
    for folder in ("piper-voices", "piper-downloads"):
        shutil.rmtree(user_files / folder, ignore_errors=True)


def child(parent: QWidget, kind: type[Any], name: str) -> Any:
    found = parent.findChild(kind, name)
    assert isinstance(found, kind), f"no {kind.__name__} {name}"
    return found


def test_piper_page_lists_filters_and_downloads_a_voice_that_is_then_installed(
    anki_app: Any, mw: Any, addon: Any, piper_settings: Path, voices_fake: PiperVoicesFake, stand_in_piper: Path
) -> None:
    dialog = addon.controller.open_settings(focus=(MediaKind.AUDIO, "piper"))
    page = dialog.kind_pages[MediaKind.AUDIO].current_page()
    assert page.info.name == "piper"
    section = child(page, QWidget, "piper_voices")
    program = child(section, QLabel, "piper_program").text()
    assert program == f"Found the piper program: {stand_in_piper}"
    assert voices_fake.requests == []  # nothing is fetched before the user asks

    child(section, QPushButton, "piper_load").click()
    pump(anki_app, lambda: section.table.rowCount() == len(voices_fake.voices), what="the voice list")
    language = child(section, QLineEdit, "piper_language")
    qtest: Any = QTest
    qtest.keyClicks(language, "es")
    rows = section.rows()
    assert [row[0] for row in rows] == ["es_ES-davefx-medium", CHOSEN]
    assert rows[1][1:] == ("Spanish (Mexico, es_MX)", "high", "293 KB", "")

    download = child(section, QPushButton, "piper_download")
    assert not download.isEnabled()  # nothing chosen yet
    section.table.selectRow(1)
    assert download.isEnabled()
    download.click()
    pump(anki_app, lambda: not section.downloading, what="the download")
    status = child(section, QLabel, "piper_status").text()
    assert status.startswith(f"Installed {CHOSEN} at "), status
    assert section.rows()[1][4] == "yes"

    source = voices_fake.voice(CHOSEN)
    model = piper_settings / "piper-voices" / source.model_path
    assert model.read_bytes() == source.files[source.model_path]
    assert model.with_name(model.name + ".json").read_bytes() == source.files[source.model_path + ".json"]
    provider = PiperSpeech({})
    provider.state_dir = piper_settings
    assert [voice.id for voice in provider.fetch_voices()] == [str(model)]

    # Voices had none for Spanish: the new voice is put there, and saved with Save.
    assert "It is now Piper's voice for es in Voices: press Save to keep it." in status
    assert dialog.fields["audio.piper.voices"].read() == {"es": str(model)}
    child(dialog, QPushButton, "settings_save").click()
    saved = mw.addonManager.addonMeta(ADDON)["config"]["providers"]["audio"]["piper"]
    assert saved["voices"] == {"es": str(model)}
    assert PiperSpeech({**shipped_slice("audio", "piper"), **saved}).setup_problem() is None


def test_a_missing_program_says_how_to_install_it(
    anki_app: Any, addon: Any, piper_settings: Path, tmp_path: Path
) -> None:
    dialog = addon.controller.open_settings(focus=(MediaKind.AUDIO, "piper"))
    page = dialog.kind_pages[MediaKind.AUDIO].current_page()
    binary = child(page, QLineEdit, "field:audio.piper.binary")
    binary.selectAll()
    qtest: Any = QTest
    qtest.keyClicks(binary, str(tmp_path / "no-such-piper"))
    section = child(page, QWidget, "piper_voices")
    child(section, QPushButton, "piper_find_program").click()
    text = child(section, QLabel, "piper_program").text()
    assert text.startswith(f"The piper program ({tmp_path / 'no-such-piper'}) was not found. To install it, ")
    assert "pip install piper-tts" in text and "then set Binary to " in text
