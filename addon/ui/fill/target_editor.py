"""The editor of one target of a rule in the Fill Media dialog: the field it fills, whether it
makes a sound, a picture or a transcript (of the sound another field plays), what is read (a source template, with a button per field of the note
type that inserts ``{Field}``), its providers in fallback order, a voice (or several) per ticked provider with
the voice picker and how several voices are used (sounds), the check of each sound made (sounds), the language and fill mode (empty: the note type's), the picture prompt and credit field
(pictures), text rules, and cloze reading.

`TargetEditor.target()` gives back the target dict as shown: a setting left to the note type is
not written, and the target's settings this editor does not show (``max_chars``, ``math``, picture
sizes) are kept as they were.

Thread safety: main thread only.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from aqt.qt import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
    pyqtSignal,
)

from ...core.config.rules import FillMode
from ...core.media.types import MediaKind
from .check_editor import SoundCheckEditor, drop_check
from .provider_choices import ProviderChoices
from .provider_picker import ProviderPicker
from .text_rules_table import TextRulesTable
from .voice_editor import VoiceEditor

MODE_TEXTS: Mapping[FillMode, str] = {
    FillMode.SKIP: "Skip fields that already have media",
    FillMode.OVERWRITE: "Replace what the field holds",
    FillMode.APPEND: "Add after what the field holds",
}
CLOZE_TEXTS: Mapping[str, str] = {
    "full": "The whole text, with the answers filled in",
    "answers": "Only the cloze answers",
}
AS_NOTE_TYPE = "As the note type"
NOTE_COMMENT = "(a comment after the picture)"
# Settings only a picture target has.
_PICTURE_KEYS = ("prompt", "attribution_field", "image_max_px", "image_format", "image_quality")
# Settings a transcript target has not (it hears a sound: no voice, no text to clean).
_TRANSCRIPT_UNUSED = ("voice", "voice_mode", "text_rules", "cloze", "math", "max_chars")
_SOURCE_TIP = "What is read: fields in braces, e.g. {Word} or {Word}, {Sentence}"
_TRANSCRIPT_SOURCE_TIP = "The field whose sound is heard, in braces, e.g. {Audio}"


NO_CHOICES = ProviderChoices()


class TargetEditor(QWidget):
    """Edits one target dict; emits ``changed`` on every edit."""

    changed = pyqtSignal()

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("target_editor")
        self._loading = False
        self._original: dict[str, Any] = {}
        self._choices = NO_CHOICES
        self._kind_shown: MediaKind | None = None
        self._rule_language = ""
        self.field = self._combo("target_field")
        self.kind = self._combo("target_kind")
        for kind in (MediaKind.AUDIO, MediaKind.IMAGE, MediaKind.TEXT):
            self.kind.addItem(kind.word, kind.value)
        self.kind.currentIndexChanged.connect(lambda _index: self._kind_changed())
        self.source = self._line("target_source", _SOURCE_TIP)
        self.field_buttons = QWidget(self)
        self.field_buttons.setObjectName("field_buttons")
        QHBoxLayout(self.field_buttons).setContentsMargins(0, 0, 0, 0)
        self.providers = ProviderPicker(self, object_name="target_providers")
        self.providers.changed.connect(self._providers_changed)
        self.voices = VoiceEditor(self)
        self.voices.changed.connect(self._edited)
        self.check = SoundCheckEditor(self)
        self.check.changed.connect(self._edited)
        self.language = self._line("target_language", "The language of the text (empty: the note type's)")
        self.mode = self._combo("target_mode")
        self.mode.addItem(AS_NOTE_TYPE, "")
        for mode, text in MODE_TEXTS.items():
            self.mode.addItem(text, mode.value)
        self.prompt = self._line(
            "target_prompt", "What a picture is made or searched from: {text} is the text read; {Field} a field"
        )
        self.prompt.setPlaceholderText("{text}")
        self.attribution = self._combo("target_attribution")
        self.text_rules = TextRulesTable(self)
        self.text_rules.changed.connect(self._edited)
        self.cloze = self._combo("target_cloze")
        self.cloze.addItem(AS_NOTE_TYPE, "")
        for value, text in CLOZE_TEXTS.items():
            self.cloze.addItem(text, value)
        self.sample = QLabel(self)
        self.sample.setObjectName("target_sample")
        self.sample.setWordWrap(True)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        for label, widget in (
            ("Fills", self.field),
            ("Makes a", self.kind),
            ("Reads", self.source),
            ("Insert a field", self.field_buttons),
            ("Providers", self.providers),
            ("Voices", self.voices),
            ("Check the sound with", self.check),
            ("Language", self.language),
            ("Fields already filled", self.mode),
            ("Picture prompt", self.prompt),
            ("Picture credits into", self.attribution),
            ("Text rules", self.text_rules),
            ("Cloze", self.cloze),
            ("What will be read", self.sample),
        ):
            self.form.addRow(label, widget)

    def _combo(self, name: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.currentIndexChanged.connect(lambda _index: self._edited())
        return combo

    def _line(self, name: str, tip: str) -> QLineEdit:
        line = QLineEdit(self)
        line.setObjectName(name)
        line.setToolTip(tip)
        line.textChanged.connect(lambda _text: self._edited())
        return line

    def _edited(self) -> None:
        if not self._loading:
            self.changed.emit()

    def load(
        self,
        target: Mapping[str, Any],
        *,
        fields: Sequence[str],
        rule: Mapping[str, Any],
        choices: ProviderChoices,
    ) -> None:
        """Show ``target`` of ``rule`` for a note type with ``fields``."""
        self._loading = True
        try:
            self._original = copy.deepcopy(dict(target))
            self._choices = choices
            _fill_combo(self.field, fields, str(target.get("field", "")))
            self.kind.setCurrentIndex(max(self.kind.findData(str(target.get("kind", ""))), 0))
            self.source.setText(str(target.get("source", "")))
            self._field_buttons(fields)
            self._show_providers(self.current_kind(), [str(p) for p in target.get("providers", ())])
            self.voices.show_providers(
                self.providers.chosen(),
                target.get("voice") or {},
                choices.titles.get(MediaKind.AUDIO, {}),
                mode=str(target.get("voice_mode", "single")),
            )
            self.check.load(
                target,
                rule=rule,
                providers=choices.order.get(MediaKind.TEXT, ()),
                titles=choices.titles.get(MediaKind.TEXT, {}),
                remarks=choices.remarks.get(MediaKind.TEXT, {}),
            )
            self._rule_language = str(rule.get("language", ""))
            self.language.setText(str(target.get("language", "")))
            self.language.setPlaceholderText(f"{AS_NOTE_TYPE}: {rule.get('language') or 'the provider’s default'}")
            _select(self.mode, str(target.get("mode", "")))
            self.prompt.setText(str(target.get("prompt", "")))
            note_type_credit = str(rule.get("attribution_field", ""))
            none = f"{AS_NOTE_TYPE}: {note_type_credit}" if note_type_credit else NOTE_COMMENT
            _fill_combo(self.attribution, fields, str(target.get("attribution_field", "")), none_text=none)
            self.text_rules.set_rules(target.get("text_rules") or [])
            _select(self.cloze, str(target.get("cloze", "")))
        finally:
            self._loading = False
        self._show_kind_rows()

    def _field_buttons(self, fields: Sequence[str]) -> None:
        layout = self.field_buttons.layout()
        assert isinstance(layout, QHBoxLayout)
        while layout.count():
            item = layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for name in fields:
            button = QPushButton(name, self.field_buttons)
            button.setObjectName(f"insert_field:{name}")
            button.setToolTip(f"Insert {{{name}}} into what is read")
            button.clicked.connect(lambda _checked=False, name=name: self.insert_field(name))
            layout.addWidget(button)
        layout.addStretch(1)

    def insert_field(self, name: str) -> None:
        """Put ``{name}`` into the source at the cursor (replacing the selection); a transcript
        hears one field, so its source becomes ``{name}``."""
        if self.current_kind() is MediaKind.TEXT:
            self.source.setText("{" + name + "}")
        else:
            self.source.insert("{" + name + "}")
        self.source.setFocus()

    def current_kind(self) -> MediaKind:
        return MediaKind(str(self.kind.currentData()))

    def _show_providers(self, kind: MediaKind, chosen: Sequence[str]) -> None:
        self._kind_shown = kind
        self.providers.set_providers(
            order=self._choices.order.get(kind, ()),
            chosen=chosen,
            notes=self._choices.remarks.get(kind, {}),
            titles=self._choices.titles.get(kind),
        )

    def _kind_changed(self) -> None:
        if self._loading or self.current_kind() is self._kind_shown:
            return
        kind = self.current_kind()
        self._show_providers(kind, self._choices.defaults.get(kind, ()))
        self._providers_changed()
        self._show_kind_rows()

    def _providers_changed(self) -> None:
        if self._loading:
            return
        voices = {**(self._original.get("voice") or {}), **self.voices.voices()}
        self.voices.show_providers(self.providers.chosen(), voices, self._choices.titles.get(MediaKind.AUDIO, {}))
        self._show_kind_rows()
        self.changed.emit()

    def _show_kind_rows(self) -> None:
        kind = self.current_kind()
        picture, transcript = kind is MediaKind.IMAGE, kind is MediaKind.TEXT
        for widget in (self.prompt, self.attribution):
            self.form.setRowVisible(widget, picture)
        self.form.setRowVisible(self.voices, kind is MediaKind.AUDIO and bool(self.providers.chosen()))
        self.form.setRowVisible(self.check, kind is MediaKind.AUDIO)
        self.form.setRowVisible(self.text_rules, not transcript)
        self.form.setRowVisible(self.cloze, not transcript)
        self.source.setToolTip(_TRANSCRIPT_SOURCE_TIP if transcript else _SOURCE_TIP)

    def show_sample(self, text: str) -> None:
        self.sample.setText(text)

    def target(self) -> dict[str, Any]:
        """The target as shown (see the module docstring)."""
        kind = self.current_kind()
        target = copy.deepcopy(self._original)
        target.update(
            field=_combo_value(self.field),
            kind=kind.value,
            source=self.source.text(),
            providers=self.providers.chosen(),
        )
        _set_or_drop(target, "language", self.language.text().strip())
        _set_or_drop(target, "mode", _combo_value(self.mode))
        _set_or_drop(target, "cloze", _combo_value(self.cloze))
        _set_or_drop(target, "text_rules", self.text_rules.rules())
        if kind is MediaKind.TEXT:
            for key in (*_PICTURE_KEYS, *_TRANSCRIPT_UNUSED):
                target.pop(key, None)
        elif kind is MediaKind.IMAGE:
            target.pop("voice", None)
            target.pop("voice_mode", None)
            _set_or_drop(target, "prompt", self.prompt.text())
            _set_or_drop(target, "attribution_field", _combo_value(self.attribution))
        else:
            for key in _PICTURE_KEYS:
                target.pop(key, None)
            _set_or_drop(target, "voice", self.voices.voices())
            mode = self.voices.voice_mode()
            _set_or_drop(target, "voice_mode", "" if mode == "single" else mode)
            self.check.apply(target)
        if kind is not MediaKind.AUDIO:
            drop_check(target)
        return target

    def language_now(self) -> str:
        """The language the target is read in, as shown (its own, else its note type's)."""
        return self.language.text().strip() or self._rule_language


def _set_or_drop(target: dict[str, Any], key: str, value: Any) -> None:
    if value:
        target[key] = value
    else:
        target.pop(key, None)


def _select(combo: QComboBox, value: str) -> None:
    combo.setCurrentIndex(max(combo.findData(value), 0))


def _fill_combo(combo: QComboBox, fields: Sequence[str], current: str, *, none_text: str | None = None) -> None:
    """``fields`` (a ``current`` field the note type lacks is shown as missing, so it is not lost)."""
    combo.clear()
    if none_text is not None:
        combo.addItem(none_text, "")
    for name in fields:
        combo.addItem(name, name)
    if current and current not in fields:
        combo.addItem(f"{current} (not in this note type)", current)
    _select(combo, current)


def _combo_value(combo: QComboBox) -> str:
    value = combo.currentData()
    return str(value) if value is not None else ""
