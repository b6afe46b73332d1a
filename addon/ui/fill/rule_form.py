"""The form for one note type's rule in the Fill Media dialog: which field the words come from,
which fields get a picture and a sound, the providers of each in priority order, the language,
the picture prompt, the fill mode and where picture credits go.

Thread safety: main thread only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aqt.qt import QComboBox, QFormLayout, QLineEdit, QWidget, pyqtSignal

from ...core.config.rule_drafts import RawRule, field_key, providers_key
from ...core.config.rules import FillMode
from ...core.media.types import MediaKind
from .provider_picker import ProviderPicker

NONE_FIELD = "(none)"
NOTE_COMMENT = "(a comment after the picture)"

MODE_TEXTS: Mapping[FillMode, str] = {
    FillMode.SKIP: "Skip fields that already have media",
    FillMode.OVERWRITE: "Replace what the field holds",
    FillMode.APPEND: "Add after what the field holds",
}


class RuleForm(QWidget):
    """Edits one rule dict; emits ``changed`` on every edit. `rule()` reads it back."""

    changed = pyqtSignal()

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("rule_form")
        self._note_type = ""
        self._loading = False
        self.source_field = self._combo("source_field")
        self.image_field = self._combo("image_field")
        self.audio_field = self._combo("audio_field")
        self.attribution_field = self._combo("attribution_field")
        self.pickers = {
            kind: ProviderPicker(self, object_name=f"{kind.value}_providers")
            for kind in (MediaKind.IMAGE, MediaKind.AUDIO)
        }
        for picker in self.pickers.values():
            picker.changed.connect(self._edited)
        self.language = QLineEdit(self)
        self.language.setObjectName("language")
        self.language.setPlaceholderText("e.g. en, es, pt-BR")
        self.language.setToolTip("The language of the words, for speech (leave empty for the provider's default)")
        self.image_prompt = QLineEdit(self)
        self.image_prompt.setObjectName("image_prompt")
        self.image_prompt.setToolTip(
            "What a picture is made or searched from: {text} is the word; {FieldName} is another field"
        )
        self.mode = QComboBox(self)
        self.mode.setObjectName("mode")
        for mode, text in MODE_TEXTS.items():
            self.mode.addItem(text, mode.value)
        for line in (self.language, self.image_prompt):
            line.textEdited.connect(lambda _text: self._edited())
        self.mode.currentIndexChanged.connect(lambda _index: self._edited())
        form = QFormLayout(self)
        form.addRow("Words from", self.source_field)
        form.addRow("Picture into", self.image_field)
        form.addRow("Picture providers", self.pickers[MediaKind.IMAGE])
        form.addRow("Picture prompt", self.image_prompt)
        form.addRow("Picture credits into", self.attribution_field)
        form.addRow("Sound into", self.audio_field)
        form.addRow("Sound providers", self.pickers[MediaKind.AUDIO])
        form.addRow("Language", self.language)
        form.addRow("Fields already filled", self.mode)

    def _combo(self, name: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.currentIndexChanged.connect(lambda _index: self._edited())
        return combo

    def _edited(self) -> None:
        if not self._loading:
            self.changed.emit()

    def load(
        self,
        rule: Mapping[str, Any],
        *,
        fields: Sequence[str],
        order: Mapping[MediaKind, Sequence[str]],
        remarks: Mapping[MediaKind, Mapping[str, str]],
        titles: Mapping[MediaKind, Mapping[str, str]] | None = None,
    ) -> None:
        """Show ``rule`` for a note type with ``fields``; ``order`` lists each kind's providers,
        ``remarks`` says which cannot run as set up and ``titles`` what each is shown as."""
        self._loading = True
        try:
            self._note_type = str(rule.get("note_type", ""))
            _fill_combo(self.source_field, fields, str(rule.get("source_field", "")), none_text=None)
            _fill_combo(self.image_field, fields, str(rule.get("image_field", "")), none_text=NONE_FIELD)
            _fill_combo(self.audio_field, fields, str(rule.get("audio_field", "")), none_text=NONE_FIELD)
            _fill_combo(self.attribution_field, fields, str(rule.get("attribution_field", "")), none_text=NOTE_COMMENT)
            for kind, picker in self.pickers.items():
                chosen = [str(name) for name in rule.get(providers_key(kind), ())]
                picker.set_providers(
                    order=order.get(kind, ()),
                    chosen=chosen,
                    notes=remarks.get(kind, {}),
                    titles=(titles or {}).get(kind),
                )
            self.language.setText(str(rule.get("language", "")))
            self.image_prompt.setText(str(rule.get("image_prompt", "{text}")))
            index = self.mode.findData(str(rule.get("mode", FillMode.SKIP.value)))
            self.mode.setCurrentIndex(max(index, 0))
        finally:
            self._loading = False
        self._update_enabled()

    def rule(self) -> RawRule:
        """The rule as shown."""
        self._update_enabled()
        rule: RawRule = {
            "note_type": self._note_type,
            "source_field": _combo_value(self.source_field),
            "image_field": _combo_value(self.image_field),
            "audio_field": _combo_value(self.audio_field),
            "language": self.language.text().strip(),
            "image_prompt": self.image_prompt.text() or "{text}",
            "mode": str(self.mode.currentData()),
            "attribution_field": _combo_value(self.attribution_field),
        }
        for kind, picker in self.pickers.items():
            rule[providers_key(kind)] = picker.chosen() if rule[field_key(kind)] else []
        return rule

    def _update_enabled(self) -> None:
        has_image = bool(_combo_value(self.image_field))
        for widget in (self.pickers[MediaKind.IMAGE], self.image_prompt, self.attribution_field):
            widget.setEnabled(has_image)
        self.pickers[MediaKind.AUDIO].setEnabled(bool(_combo_value(self.audio_field)))


def _fill_combo(combo: QComboBox, fields: Sequence[str], current: str, *, none_text: str | None) -> None:
    combo.clear()
    if none_text is not None:
        combo.addItem(none_text, "")
    for name in fields:
        combo.addItem(name, name)
    index = combo.findData(current)
    combo.setCurrentIndex(max(index, 0))


def _combo_value(combo: QComboBox) -> str:
    value = combo.currentData()
    return str(value) if value is not None else ""
