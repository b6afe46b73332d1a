"""The form for one note type's rule in the Fill Media dialog: the note type's defaults (language,
fill mode, fill when a note is added) and its targets — a list (add a sound or a picture, remove,
move up and down) and the editor of the selected one (`target_editor`), with a live "what will be
read" sample from the first selected note.

`RuleForm.rule()` gives back the rule as shown, in the targets shape; keys of the rule it does not
show (its text rules, cloze, credit field) are kept as they were.

Thread safety: main thread only.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

from aqt.qt import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
    pyqtSignal,
)

from ...core.config.rule_drafts import RawRule, guess_field, new_target, rule_problems, target_kind, targets_of
from ...core.config.rules import FillMode, parse_rule
from ...core.config.targets import source_fields
from ...core.engine.planner import what_will_be_read
from ...core.media.types import MediaKind
from .provider_choices import ProviderChoices
from .target_editor import MODE_TEXTS, NO_CHOICES, TargetEditor

NO_TARGETS = "This rule fills no field of the note type: add a sound or a picture."


class RuleForm(QWidget):
    """Edits one rule dict; emits ``changed`` on every edit. `rule()` reads it back."""

    changed = pyqtSignal()

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("rule_form")
        self._loading = False
        self._rule: RawRule = {}
        self._targets: list[dict[str, Any]] = []
        self._fields: list[str] = []
        self._sample: Mapping[str, str] | None = None
        self._choices = NO_CHOICES
        self.language = QLineEdit(self)
        self.language.setObjectName("language")
        self.language.setPlaceholderText("e.g. en, es, pt-BR")
        self.language.setToolTip("The language of the notes, for speech (empty: each provider's default)")
        self.language.textEdited.connect(lambda _text: self._edited())
        self.mode = QComboBox(self)
        self.mode.setObjectName("mode")
        for mode, text in MODE_TEXTS.items():
            self.mode.addItem(text, mode.value)
        self.mode.currentIndexChanged.connect(lambda _index: self._edited())
        self.fill_on_add = QCheckBox("Fill when a note is added", self)
        self.fill_on_add.setObjectName("fill_on_add")
        self.fill_on_add.setToolTip("Fill a new note's empty fields in the background as the Add window adds it")
        self.fill_on_add.toggled.connect(lambda _on: self._edited())
        defaults = QFormLayout()
        defaults.addRow("Language", self.language)
        defaults.addRow("Fields already filled", self.mode)
        defaults.addRow("", self.fill_on_add)

        self.targets = QListWidget(self)
        self.targets.setObjectName("targets")
        self.targets.setMaximumHeight(72)
        self.targets.currentRowChanged.connect(self._show_target)
        target_buttons = QHBoxLayout()
        for button in self._target_buttons():
            target_buttons.addWidget(button)
        target_buttons.addStretch(1)
        self.no_targets = QLabel(NO_TARGETS, self)
        self.no_targets.setObjectName("no_targets")
        self.editor = TargetEditor(self)
        self.editor.changed.connect(self._target_edited)
        box = QGroupBox("Fields to fill", self)
        inside = QVBoxLayout(box)
        inside.addWidget(self.targets)
        inside.addLayout(target_buttons)
        inside.addWidget(self.no_targets)
        inside.addWidget(self.editor)
        layout = QVBoxLayout(self)
        layout.addLayout(defaults)
        layout.addWidget(box, 1)

    def _target_buttons(self) -> list[QPushButton]:
        self.add_sound = self._button("Add sound", "add_sound", "Fill one more field with a sound")
        self.add_picture = self._button("Add picture", "add_picture", "Fill one more field with a picture")
        self.add_transcript = self._button(
            "Add transcript", "add_transcript", "Fill one more field with what the sound of another field says"
        )
        self.remove_button = self._button("Remove", "remove_target", "Stop filling the selected field")
        self.up_button = self._button("Up", "target_up", "Move the selected field up")
        self.down_button = self._button("Down", "target_down", "Move the selected field down")
        self.add_sound.clicked.connect(lambda: self.add_target(MediaKind.AUDIO))
        self.add_picture.clicked.connect(lambda: self.add_target(MediaKind.IMAGE))
        self.add_transcript.clicked.connect(lambda: self.add_target(MediaKind.TEXT))
        self.remove_button.clicked.connect(self.remove_target)
        self.up_button.clicked.connect(lambda: self.move_target(-1))
        self.down_button.clicked.connect(lambda: self.move_target(1))
        return [
            self.add_sound,
            self.add_picture,
            self.add_transcript,
            self.remove_button,
            self.up_button,
            self.down_button,
        ]

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setToolTip(tip)
        return button

    def _edited(self) -> None:
        if not self._loading:
            self._show_sample()
            self.changed.emit()

    def load(
        self,
        rule: Mapping[str, Any],
        *,
        fields: Sequence[str],
        choices: ProviderChoices,
        sample: Mapping[str, str] | None = None,
    ) -> None:
        """Show ``rule`` for a note type with ``fields``; ``choices`` are the providers each kind
        offers; ``sample`` is the first selected note's fields (for "what will be read")."""
        self._loading = True
        try:
            self._rule = copy.deepcopy(dict(rule))
            self._targets = copy.deepcopy(targets_of(rule))
            self._fields = list(fields)
            self._choices = choices
            self._sample = sample
            self.language.setText(str(rule.get("language", "")))
            self.mode.setCurrentIndex(max(self.mode.findData(str(rule.get("mode", FillMode.SKIP.value))), 0))
            self.fill_on_add.setChecked(bool(rule.get("fill_on_add", False)))
            self.targets.clear()
            for target in self._targets:
                self.targets.addItem(target_title(target))
        finally:
            self._loading = False
        self._select(0 if self._targets else -1)

    def rule(self) -> RawRule:
        """The rule as shown (see the module docstring)."""
        rule = copy.deepcopy(self._rule)
        language = self.language.text().strip()
        if language or "language" in rule:
            rule["language"] = language
        mode = str(self.mode.currentData())
        if mode != FillMode.SKIP.value or "mode" in rule:
            rule["mode"] = mode
        if self.fill_on_add.isChecked() or "fill_on_add" in rule:
            rule["fill_on_add"] = self.fill_on_add.isChecked()
        rule["targets"] = copy.deepcopy(self._targets)
        return rule

    # Targets

    def current_target(self) -> int:
        return self.targets.currentRow()

    def _select(self, row: int) -> None:
        self.targets.setCurrentRow(row)
        self._show_target(row)

    def _show_target(self, row: int) -> None:
        shown = 0 <= row < len(self._targets)
        self.editor.setVisible(shown)
        self.no_targets.setVisible(not self._targets)
        self.remove_button.setEnabled(shown)
        self.up_button.setEnabled(shown and row > 0)
        self.down_button.setEnabled(shown and row < len(self._targets) - 1)
        if shown:
            self.editor.load(self._targets[row], fields=self._fields, rule=self.rule(), choices=self._choices)
            self._show_sample()

    def _target_edited(self) -> None:
        row = self.current_target()
        if not 0 <= row < len(self._targets):
            return
        self._targets[row] = self.editor.target()
        item = self.targets.item(row)
        if item is not None:
            item.setText(target_title(self._targets[row]))
        self._show_target_buttons()
        self._edited()

    def _show_target_buttons(self) -> None:
        row = self.current_target()
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < len(self._targets) - 1)

    def add_target(self, kind: MediaKind) -> None:
        """A new target of ``kind`` at the end: a field named for ``kind`` that no target fills or
        reads yet (else the first such field), reading what the first target reads (a transcript:
        the field named like a sound's, heard)."""
        taken = {str(t.get("field", "")) for t in self._targets}
        first_source = str(self._targets[0].get("source", "")) if self._targets else ""
        read = source_fields(first_source)
        source_field = read[0] if read else (self._fields[0] if self._fields else "")
        if kind is MediaKind.TEXT:  # one field, heard
            source_field = guess_field(self._fields, MediaKind.AUDIO) or source_field
            first_source, read = "", (source_field,)
        free = [name for name in self._fields if name not in taken and name not in {*read, source_field}]
        field = guess_field(free, kind) or (free[0] if free else "")
        target = new_target(
            kind, field=field, source_field=source_field, providers=self._choices.defaults.get(kind, ())
        )
        if first_source:
            target["source"] = first_source
        self._targets.append(target)
        self.targets.addItem(target_title(target))
        self._select(len(self._targets) - 1)
        self._edited()

    def remove_target(self) -> None:
        row = self.current_target()
        if not 0 <= row < len(self._targets):
            return
        del self._targets[row]
        self._loading = True
        try:
            self.targets.takeItem(row)
        finally:
            self._loading = False
        self._select(min(row, len(self._targets) - 1))
        self._edited()

    def move_target(self, step: int) -> None:
        row = self.current_target()
        to = row + step
        if not (0 <= row < len(self._targets) and 0 <= to < len(self._targets)):
            return
        self._targets.insert(to, self._targets.pop(row))
        self._loading = True
        try:
            item = self.targets.takeItem(row)
            self.targets.insertItem(to, item)
        finally:
            self._loading = False
        self._select(to)
        self._edited()

    def _show_sample(self) -> None:
        row = self.current_target()
        if 0 <= row < len(self._targets):
            self.editor.show_sample(sample_text(self.rule(), row, self._fields, self._sample))


def target_title(target: Mapping[str, Any]) -> str:
    """How the list shows a target, e.g. "SentenceAudio ← {Sentence} (sound)"."""
    kind = target_kind(target)
    return f"{target.get('field') or '(no field)'} ← {target.get('source') or '?'} ({kind.word if kind else '?'})"


def sample_text(rule: Mapping[str, Any], index: int, fields: Sequence[str], sample: Mapping[str, str] | None) -> str:
    """What target ``index`` of ``rule`` reads from the ``sample`` note's fields, or why nothing,
    as a line for the form."""
    if sample is None:
        return "No selected note to show it with."
    one = {**rule, "targets": [rule["targets"][index]]}
    problems = [p for p in rule_problems(one, fields, setup_problem=lambda kind, name: None) if not p.missing_kind]
    source_problem = next((p for p in problems if "source" in p.path or "text_rules" in p.path), None)
    if source_problem is not None:
        return f"Nothing yet: {source_problem.message}."
    try:
        (target,) = parse_rule(one).targets
        text, skip = what_will_be_read(dict(sample), target)
    except (KeyError, TypeError, ValueError, re.error) as exc:
        return f"Nothing yet: {exc}."
    if skip is not None:
        return f"Nothing, for the first selected note: {skip}."
    return f"“{text}” (the first selected note)"
