"""The voices of a sound target in the rule editor: per ticked provider the voice (or several,
comma-separated, for voices that take turns), a Choose… button that opens the voice picker, and how
several voices are used (``voice_mode``: one voice, taking turns, at random).

`VoiceEditor.voices()` gives ``{provider: voice}`` with a list where several are typed; choosing
several voices in the picker while the mode is "One voice" switches it to taking turns.

Thread safety: main thread only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aqt.qt import QComboBox, QFormLayout, QHBoxLayout, QLineEdit, QPushButton, QWidget, pyqtSignal

from ...core.config.targets import voice_list

VOICE_MODE_TEXTS: Mapping[str, str] = {
    "single": "One voice",
    "rotate": "Several voices, taking turns note by note",
    "random": "Several voices, one picked for each note",
}
# Opens the voice picker: (provider, the voices typed, several wanted, apply the voices chosen).
ChooseVoices = Callable[[str, list[str], bool, Callable[[list[str]], None]], None]


class VoiceEditor(QWidget):
    """A voice line per ticked provider (empty: the provider's own setting for the language) and
    the voice mode; ``chooser`` (set by the dialog) opens the voice picker, and without it the
    Choose… buttons are hidden."""

    changed = pyqtSignal()

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("voices")
        self.chooser: ChooseVoices | None = None
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.lines: dict[str, QLineEdit] = {}
        self.mode = QComboBox(self)
        self.mode.setObjectName("target_voice_mode")
        for value, text in VOICE_MODE_TEXTS.items():
            self.mode.addItem(text, value)
        self.mode.currentIndexChanged.connect(lambda _index: self.changed.emit())

    def show_providers(
        self, providers: Sequence[str], voices: Mapping[str, Any], titles: Mapping[str, str], *, mode: str = ""
    ) -> None:
        while self.form.rowCount():
            taken = self.form.takeRow(0)
            for item in (taken.labelItem, taken.fieldItem):
                widget = item.widget() if item is not None else None
                if widget is not None and widget is not self.mode:
                    widget.deleteLater()
        self.lines = {}
        for name in providers:
            line = QLineEdit(", ".join(voice_list(voices.get(name))), self)
            line.setObjectName(f"voice:{name}")
            line.setPlaceholderText("the provider's voice for the language")
            line.setToolTip("A voice id; several, separated by commas, take turns or are picked at random")
            line.textChanged.connect(lambda _text: self.changed.emit())
            row = QWidget(self)
            layout = QHBoxLayout(row)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(line, 1)
            button = QPushButton("Choose…", row)
            button.setObjectName(f"choose_voice:{name}")
            button.setToolTip("Browse this provider's voices by language and gender, and hear them")
            button.setAutoDefault(False)
            button.setVisible(self.chooser is not None)
            button.clicked.connect(lambda _checked=False, name=name: self.choose(name))
            layout.addWidget(button)
            self.form.addRow(titles.get(name) or name, row)
            self.lines[name] = line
        self.form.addRow("With several voices", self.mode)
        self.mode.setVisible(True)
        if mode:
            self.mode.blockSignals(True)
            self.mode.setCurrentIndex(max(self.mode.findData(mode), 0))
            self.mode.blockSignals(False)

    def voices(self) -> dict[str, str | list[str]]:
        """``{provider: voice}``, a list for a provider given several voices."""
        voices: dict[str, str | list[str]] = {}
        for name, line in self.lines.items():
            listed = [part.strip() for part in line.text().split(",") if part.strip()]
            if listed:
                voices[name] = listed[0] if len(listed) == 1 else listed
        return voices

    def voice_mode(self) -> str:
        return str(self.mode.currentData() or "single")

    def choose(self, provider: str) -> None:
        """Open the voice picker for ``provider``; the voices chosen replace the line's."""
        if self.chooser is None or provider not in self.lines:
            return
        current = voice_list(self.voices().get(provider))
        self.chooser(provider, list(current), self.voice_mode() != "single", lambda ids: self.set_voices(provider, ids))

    def set_voices(self, provider: str, ids: Sequence[str]) -> None:
        """Put ``ids`` into ``provider``'s line; several switch "One voice" to taking turns."""
        if provider not in self.lines or not ids:
            return
        if len(ids) > 1 and self.voice_mode() == "single":
            self.mode.setCurrentIndex(self.mode.findData("rotate"))
        self.lines[provider].setText(", ".join(ids))
