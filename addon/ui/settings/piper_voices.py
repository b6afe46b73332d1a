"""Piper's settings page, below its settings: whether the ``piper`` program was found (its path) or
exactly how to install it on this system, and "Voices to download": Piper's voice catalogue
(`piper_catalog`, from the ``voices_url`` setting as typed) filtered by a language box, each voice
with its language, quality, size and whether it is installed, and a Download button that installs
the chosen one into the add-on's ``user_files/piper-voices/`` (`piper_install`), with progress and
Stop, and makes it the voice of its language in the Voices setting (as typed, saved with Save) when
that has none. Nothing is fetched until the user asks (Show voices).

Thread safety: the widgets live on the main thread. The list and the download run on Anki's
background task pool (`mw.taskman.run_in_background`); progress comes back through
`mw.taskman.run_on_main`, and every callback checks that the page still exists. Stop (or closing
the window) sets an event the download checks between chunks.
"""

from __future__ import annotations

import platform
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import aqt
import requests
from aqt.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from PyQt6 import sip

from ...core.base.errors import ProviderError
from ...core.base.log import get_logger
from ...providers.audio.piper import PiperSpeech
from ...providers.audio.piper_catalog import DEFAULT_VOICES_URL, CatalogVoice, fetch_catalog, filter_catalog
from ...providers.audio.piper_install import DownloadCancelled, install_steps, install_voice, installed_model
from ...providers.http.download import display_url
from ..addon_config import user_files_dir
from .layout import ERROR_STYLE, OK_STYLE

log = get_logger(__name__)

PIPER_NAME = "piper"
COLUMNS = ("Voice", "Language", "Quality", "Size", "Installed")
CRASHED = "It could not be done because of an error in the add-on; the log has the details."
DEFAULT_TIMEOUT_S = 60.0

# Reads one of the page's settings as typed: (key, default) → value; and shows a new value in one.
Setting = Callable[[str, Any], Any]
SetSetting = Callable[[str, Any], None]


def _size_text(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


class PiperVoices(QWidget):
    """The section; ``setting`` reads Piper's settings as typed on its page."""

    def __init__(self, *, setting: Setting, set_setting: SetSetting) -> None:
        super().__init__()
        self.setObjectName("piper_voices")
        self._setting, self._set_setting = setting, set_setting
        self._voices: list[CatalogVoice] = []
        self._shown: list[CatalogVoice] = []
        self._stop = threading.Event()  # set by Stop, and when the window closes
        self.destroyed.connect(lambda *_: self._stop.set())
        self.loading = self.downloading = False

        self.program = QLabel()
        self.program.setObjectName("piper_program")
        self.program.setWordWrap(True)
        self.program.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.check_program = self._button("Look again", "piper_find_program", self.show_program)
        self.language = QLineEdit()
        self.language.setObjectName("piper_language")
        self.language.setPlaceholderText("Language, e.g. es, en-US or Spanish")
        self.language.textChanged.connect(lambda _text: self._fill_table())
        self.load_button = self._button("Show voices", "piper_load", self.load)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("piper_catalog")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setMinimumHeight(180)
        self.table.itemSelectionChanged.connect(self._enable)
        self.download_button = self._button("Download", "piper_download", self.download)
        self.stop_button = self._button("Stop", "piper_stop", self.stop)
        self.progress = QProgressBar()
        self.progress.setObjectName("piper_progress")
        self.progress.hide()
        self.status = QLabel("Press Show voices to list the Piper voices you can download.")
        self.status.setObjectName("piper_status")
        self.status.setWordWrap(True)
        self._lay_out()
        self.show_program()
        self._enable()

    def _button(self, text: str, name: str, action: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _checked=False: action())
        return button

    def _lay_out(self) -> None:
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 8, 0, 0)
        column.addWidget(QLabel("<b>The Piper program</b>"))
        program_row = QHBoxLayout()
        program_row.addWidget(self.program, 1)
        program_row.addWidget(self.check_program)
        column.addLayout(program_row)
        column.addWidget(QLabel("<b>Voices to download</b>"))
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.language, 1)
        filter_row.addWidget(self.load_button)
        column.addLayout(filter_row)
        column.addWidget(self.table)
        action_row = QHBoxLayout()
        action_row.addWidget(self.progress, 1)
        action_row.addWidget(self.download_button)
        action_row.addWidget(self.stop_button)
        column.addLayout(action_row)
        column.addWidget(self.status)

    # Settings as typed

    def _text_setting(self, key: str, default: str) -> str:
        value = self._setting(key, default)
        return value.strip() if isinstance(value, str) and value.strip() else default

    def _timeout_s(self) -> float:
        value = self._setting("timeout_s", DEFAULT_TIMEOUT_S)
        return float(value) if isinstance(value, (int, float)) and value > 0 else DEFAULT_TIMEOUT_S

    def state_dir(self) -> Path:
        mw = aqt.mw
        assert mw is not None
        return user_files_dir(__name__, mw=mw)

    # The program

    def show_program(self) -> None:
        """Say where the ``piper`` program is (the Binary setting as typed), or how to install it."""
        binary = self._text_setting("binary", "piper")
        found = PiperSpeech({"binary": binary}).find_binary()
        if found is not None:
            self.program.setText(f"Found the piper program: {found}")
            self.program.setStyleSheet(OK_STYLE)
            return
        steps = install_steps(system=platform.system(), home=Path.home())
        self.program.setText(
            f"The piper program ({binary}) was not found. To install it, {steps}. Anki's own Python cannot take it."
        )
        self.program.setStyleSheet(ERROR_STYLE)

    # The catalogue

    def load(self) -> None:
        """Fetch the catalogue from ``voices_url`` as typed, in the background."""
        base_url = self._text_setting("voices_url", DEFAULT_VOICES_URL)
        timeout_s = self._timeout_s()
        self.loading = True
        self._enable()
        self._say(f"Getting the voice list from {display_url(base_url)}…", ok=None)

        def work() -> list[CatalogVoice]:
            with requests.Session() as session:
                return fetch_catalog(session, base_url, timeout_s=timeout_s)

        self._in_background(work, self._loaded)

    def _loaded(self, future: Future[list[CatalogVoice]]) -> None:
        self.loading = False
        self.load_button.setText("Show voices again")
        voices = self._outcome(future)
        if voices is None:
            return
        self._voices = voices
        self._fill_table()
        self._say(f"{len(voices)} Piper voices. Choose one and press Download.", ok=None)

    def _fill_table(self) -> None:
        self._shown = filter_catalog(self._voices, self.language.text())
        state_dir = self.state_dir()
        self.table.setRowCount(len(self._shown))
        for row, voice in enumerate(self._shown):
            installed = installed_model(voice, state_dir=state_dir) is not None
            cells = (
                voice.key,
                voice.language_text(),
                voice.quality,
                _size_text(voice.size),
                "yes" if installed else "",
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self._enable()

    def selected(self) -> CatalogVoice | None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        return self._shown[rows.pop()] if len(rows) == 1 and max(rows) < len(self._shown) else None

    def rows(self) -> list[tuple[str, ...]]:
        """What the table shows, row by row (for tests and logs)."""
        cells = [
            [self.table.item(row, column) for column in range(len(COLUMNS))] for row in range(self.table.rowCount())
        ]
        return [tuple(item.text() if item is not None else "" for item in row) for row in cells]

    # Downloading

    def download(self) -> None:
        """Install the chosen voice in the background, with progress; Stop ends it."""
        voice = self.selected()
        if voice is None or self.downloading:
            return
        base_url = self._text_setting("voices_url", DEFAULT_VOICES_URL)
        state_dir, timeout_s, stop = self.state_dir(), self._timeout_s(), threading.Event()
        self._stop = stop
        self.downloading = True
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.show()
        self._enable()
        self._say(f"Downloading {voice.key} ({_size_text(voice.size)})…", ok=None)
        shown = [-1]

        def progress(done: int, total: int) -> None:  # on the worker thread
            permille = done * 1000 // total if total else 0
            if permille != shown[0]:
                shown[0] = permille
                aqt.mw.taskman.run_on_main(lambda: self._show_progress(permille))

        def work() -> Path:
            with requests.Session() as session:
                return install_voice(
                    session,
                    voice,
                    base_url=base_url,
                    state_dir=state_dir,
                    timeout_s=timeout_s,
                    progress=progress,
                    cancelled=stop.is_set,
                )

        self._in_background(work, lambda future: self._downloaded(voice, future))

    def stop(self) -> None:
        """Stop the download under way (what came is kept to resume)."""
        self._stop.set()

    def _show_progress(self, permille: int) -> None:
        if not sip.isdeleted(self):
            self.progress.setValue(permille)

    def _downloaded(self, voice: CatalogVoice, future: Future[Path]) -> None:
        self.downloading = False
        self.progress.hide()
        model = self._outcome(future)
        self._fill_table()
        if model is not None:
            self._say(f"Installed {voice.key} at {model}. {self._use(voice, model)}", ok=True)

    def _use(self, voice: CatalogVoice, model: Path) -> str:
        """Put ``model`` in the Voices setting (as typed) for its language when none speaks it yet;
        say what was done."""
        typed = self._setting("voices", {})
        voices = dict(typed) if isinstance(typed, Mapping) else {}
        language = voice.language.split("_")[0].lower()
        if any(str(key).replace("_", "-").split("-")[0].lower() == language for key in voices):
            return (
                f"Voices already has a voice for {language}: to use this one instead, put its path there, or choose "
                "it as a target's voice."
            )
        self._set_setting("voices", {**voices, language: str(model)})
        return f"It is now Piper's voice for {language} in Voices: press Save to keep it."

    # Shared

    def _in_background(self, work: Callable[[], Any], done: Callable[[Future[Any]], None]) -> None:
        def finished(future: Future[Any]) -> None:
            if not sip.isdeleted(self):
                done(future)

        mw = aqt.mw
        assert mw is not None
        mw.taskman.run_in_background(work, finished, uses_collection=False)

    def _outcome(self, future: Future[Any]) -> Any:
        """The work's result, or None after showing why it failed."""
        try:
            return future.result()
        except DownloadCancelled as exc:
            self._say(_sentence(f"Stopped: {exc.message}"), ok=None)
        except ProviderError as exc:
            self._say(_sentence(exc.message), ok=False)
        except OSError as exc:  # the voices folder: full disk, no permission
            self._say(
                f"The voice could not be saved in {self.state_dir()} ({exc.strerror or exc}); free some disk "
                "space or fix that folder's permissions, then press Download again.",
                ok=False,
            )
        except Exception:  # a crash must not reach the user as a traceback
            log.exception("Piper's voice list or download crashed")
            self._say(CRASHED, ok=False)
        finally:
            self._enable()
        return None

    def _say(self, text: str, *, ok: bool | None) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(OK_STYLE if ok else ERROR_STYLE if ok is False else "")

    def _enable(self) -> None:
        self.download_button.setEnabled(not self.downloading and self.selected() is not None)
        self.stop_button.setEnabled(self.downloading)
        self.load_button.setEnabled(not self.loading and not self.downloading)


def _sentence(text: str) -> str:
    """``text`` starting with a capital and ending as a sentence does."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def piper_section(kind: str, name: str, *, setting: Setting, set_setting: SetSetting) -> Sequence[QWidget]:
    """What Piper's page adds below its settings (nothing for other providers)."""
    return [PiperVoices(setting=setting, set_setting=set_setting)] if (kind, name) == ("audio", PIPER_NAME) else []
