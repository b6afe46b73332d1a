"""The "Check the sound with" row of a sound target in the Fill Media dialog: which transcription
provider hears each sound made (``verify_with``; as the note type, not checked, or a provider), and
what happens to a sound heard saying something else (``on_mismatch``). ``verify_min_similarity`` is
not shown; the target keeps its value.

Thread safety: main thread only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aqt.qt import QComboBox, QHBoxLayout, QLabel, QWidget, pyqtSignal

from ...core.config.sound_check import CHECK_KEYS

AS_NOTE_TYPE = "As the note type"
NOT_CHECKED = "Not checked"
# What ``on_mismatch`` does, as the dialog says it.
MISMATCH_TEXTS: Mapping[str, str] = {
    "next": "try the next provider",
    "keep": "keep it, listed as doubtful",
    "fail": "fail the field",
}
_OFF = "-"  # the checker combo's value for "not checked" (saved as verify_with "")


class SoundCheckEditor(QWidget):
    """Edits a sound target's check; emits ``changed`` on every edit."""

    changed = pyqtSignal()

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("sound_check")
        self._loading = False
        self._rule_checks = False  # the note type's rule names a checker
        self.checker = QComboBox(self)
        self.checker.setObjectName("verify_with")
        self.checker.setToolTip(
            "A speech-to-text provider hears each sound made and compares it with the text it should say"
        )
        self.on_mismatch = QComboBox(self)
        self.on_mismatch.setObjectName("on_mismatch")
        self.on_mismatch_label = QLabel("if it says something else:", self)
        for combo in (self.checker, self.on_mismatch):
            combo.currentIndexChanged.connect(lambda _index: self._edited())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.checker)
        layout.addWidget(self.on_mismatch_label)
        layout.addWidget(self.on_mismatch, stretch=1)

    def _edited(self) -> None:
        self._show_mismatch()
        if not self._loading:
            self.changed.emit()

    def load(
        self,
        target: Mapping[str, Any],
        *,
        rule: Mapping[str, Any],
        providers: Sequence[str],
        titles: Mapping[str, str],
        remarks: Mapping[str, str],
    ) -> None:
        """Show ``target``'s check; ``providers`` are the transcription providers (``titles`` and
        ``remarks``, like "off", as the provider pickers show them)."""
        self._loading = True
        try:
            ruled = str(rule.get("verify_with") or "")
            self._rule_checks = bool(ruled)
            self.checker.clear()
            self.checker.addItem(f"{AS_NOTE_TYPE}: {ruled or NOT_CHECKED.lower()}", "")
            self.checker.addItem(NOT_CHECKED, _OFF)
            for name in providers:
                remark = f" ({remarks[name]})" if name in remarks else ""
                self.checker.addItem(f"{titles.get(name, name)}{remark}", name)
            current = target.get("verify_with")
            value = _OFF if current == "" else str(current or "")
            if value and self.checker.findData(value) < 0:
                self.checker.addItem(f"{value} (not a transcription provider)", value)
            self.checker.setCurrentIndex(max(self.checker.findData(value), 0))
            ruled_mismatch = MISMATCH_TEXTS.get(str(rule.get("on_mismatch", "next")), MISMATCH_TEXTS["next"])
            self.on_mismatch.clear()
            self.on_mismatch.addItem(f"{AS_NOTE_TYPE}: {ruled_mismatch}", "")
            for value, text in MISMATCH_TEXTS.items():
                self.on_mismatch.addItem(text[0].upper() + text[1:], value)
            self.on_mismatch.setCurrentIndex(max(self.on_mismatch.findData(str(target.get("on_mismatch", ""))), 0))
        finally:
            self._loading = False
        self._show_mismatch()

    def _show_mismatch(self) -> None:
        value = self.checker.currentData()
        checked = value not in (_OFF, None) and (value != "" or self._rule_checks)
        self.on_mismatch.setEnabled(checked)
        self.on_mismatch_label.setEnabled(checked)

    def apply(self, target: dict[str, Any]) -> None:
        """Write the check as shown into ``target`` (a setting left to the note type is dropped)."""
        value = str(self.checker.currentData() or "")
        if value == _OFF:
            target["verify_with"] = ""
        elif value:
            target["verify_with"] = value
        else:
            target.pop("verify_with", None)
        mismatch = str(self.on_mismatch.currentData() or "")
        if mismatch:
            target["on_mismatch"] = mismatch
        else:
            target.pop("on_mismatch", None)


def drop_check(target: dict[str, Any]) -> None:
    """Remove the check keys from a target that is not a sound."""
    for key in CHECK_KEYS:
        target.pop(key, None)
