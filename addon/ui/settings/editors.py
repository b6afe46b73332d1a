"""The inputs of the settings window's generated forms: a check box, a drop-down, a spin box, and one
line of text (masked, with Show, for secrets) that `core.config.form_input` reads back. Which one a
setting gets is decided without Qt by `core.config.form_fields.choose_editor`; `editor_for` builds
it.

Thread safety: Qt widgets, main thread only.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aqt.qt import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QPushButton, QSpinBox, QWidget

from ...core.config.files import same_json
from ...core.config.form_fields import EditorChoice, EditorKind, choose_editor
from ...core.config.form_input import LINE_FORMATS, FieldInputError, LineFormat, choice_text


class FieldEditor(abc.ABC):
    """One kind of input. ``widget`` goes into the form; ``input`` is the widget a user types in or
    clicks (tests find it by the name ``field:<id>``)."""

    widget: QWidget
    input: QWidget

    @abc.abstractmethod
    def set_value(self, value: Any) -> None:
        """Show ``value``."""

    @abc.abstractmethod
    def read(self) -> Any:
        """The value shown, as JSON data; raises `FieldInputError` when it cannot be read."""

    def state(self) -> object:
        """What the user sees, to tell whether they changed it (by default the value shown, for
        inputs whose value can always be read)."""
        return self.read()

    @abc.abstractmethod
    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever the user changes the input."""


class CheckEditor(FieldEditor):
    def __init__(self, text: str = "") -> None:
        self.box = QCheckBox(text)
        self.widget = self.input = self.box

    def set_value(self, value: Any) -> None:
        self.box.setChecked(value is True)

    def read(self) -> Any:
        return self.box.isChecked()

    def on_change(self, callback: Callable[[], None]) -> None:
        self.box.toggled.connect(lambda _checked: callback())


class ChoiceEditor(FieldEditor):
    """A drop-down of the schema's ``enum``; a stored value not among them is added, marked."""

    def __init__(self, options: Sequence[Any]) -> None:
        self.combo = QComboBox()
        self.widget = self.input = self.combo
        self.options = list(options)
        for option in self.options:
            self.combo.addItem(choice_text(option))

    def set_value(self, value: Any) -> None:
        for index, option in enumerate(self.options):
            if same_json(option, value):
                self.combo.setCurrentIndex(index)
                return
        self.options.append(value)
        self.combo.addItem(f"{choice_text(value)} (not allowed)")
        self.combo.setCurrentIndex(len(self.options) - 1)

    def read(self) -> Any:
        index = self.combo.currentIndex()
        if index < 0:
            raise FieldInputError("Pick one of the choices.")
        return self.options[index]

    def state(self) -> object:
        return self.combo.currentIndex()

    def on_change(self, callback: Callable[[], None]) -> None:
        self.combo.currentIndexChanged.connect(lambda _index: callback())


class SpinEditor(FieldEditor):
    def __init__(self, minimum: int, maximum: int, *, step: int = 1) -> None:
        self.spin = QSpinBox()
        self.widget = self.input = self.spin
        self.spin.setRange(minimum, maximum)
        self.spin.setSingleStep(step)

    def set_value(self, value: Any) -> None:
        self.spin.setValue(int(value))

    def read(self) -> Any:
        return self.spin.value()

    def on_change(self, callback: Callable[[], None]) -> None:
        self.spin.valueChanged.connect(lambda _value: callback())


class LineEditor(FieldEditor):
    """A line edit; ``line_format`` says how text and values convert."""

    def __init__(self, line_format: LineFormat) -> None:
        self.format = line_format
        self.line = QLineEdit()
        self.line.setPlaceholderText(line_format.placeholder)
        self.widget = self.input = self.line

    def set_value(self, value: Any) -> None:
        self.line.setText(self.format.to_text(value))

    def read(self) -> Any:
        return self.format.read(self.line.text())

    def state(self) -> object:
        return self.line.text()

    def on_change(self, callback: Callable[[], None]) -> None:
        self.line.textChanged.connect(lambda _text: callback())


class SecretEditor(LineEditor):
    """A masked line edit with a Show/Hide button; the text is shown only while Show is pressed."""

    def __init__(self, line_format: LineFormat) -> None:
        super().__init__(line_format)
        self.line.setEchoMode(QLineEdit.EchoMode.Password)
        self.toggle = QPushButton("Show")
        self.toggle.setCheckable(True)
        self.toggle.setAutoDefault(False)
        self.toggle.setToolTip("Show or hide what is typed here")
        self.toggle.toggled.connect(self._reveal)
        self.widget = QWidget()
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.line, 1)
        row.addWidget(self.toggle)

    def _reveal(self, shown: bool) -> None:
        self.line.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.toggle.setText("Hide" if shown else "Show")


class NullableEditor(FieldEditor):
    """A value that may be null: a check box (``none_text``) beside the value's own editor."""

    def __init__(self, inner: FieldEditor, *, none_text: str) -> None:
        self.inner = inner
        self.none = QCheckBox(none_text)
        self.input = inner.input
        self.widget = QWidget()
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.none)
        row.addWidget(inner.widget, 1)
        self.none.toggled.connect(lambda checked: inner.widget.setEnabled(not checked))

    def set_value(self, value: Any) -> None:
        self.none.setChecked(value is None)
        if value is not None:
            self.inner.set_value(value)

    def read(self) -> Any:
        return None if self.none.isChecked() else self.inner.read()

    def state(self) -> object:
        return (self.none.isChecked(), self.inner.state())

    def on_change(self, callback: Callable[[], None]) -> None:
        self.none.toggled.connect(lambda _checked: callback())
        self.inner.on_change(callback)


def editor_for(
    schema: Mapping[str, Any], value: Any, *, secret: bool = False, none_text: str = "Not set"
) -> FieldEditor:
    """The editor for ``schema`` that can show ``value`` (`MISSING` for none) exactly."""
    choice = choose_editor(schema, value, secret=secret)
    editor = _build(choice)
    return NullableEditor(editor, none_text=none_text) if choice.nullable else editor


def _build(choice: EditorChoice) -> FieldEditor:
    if choice.kind is EditorKind.CHECK:
        return CheckEditor()
    if choice.kind is EditorKind.CHOICE:
        return ChoiceEditor(choice.options)
    if choice.kind is EditorKind.SPIN:
        return SpinEditor(*choice.bounds, step=choice.step)
    line_format = LINE_FORMATS[choice.kind]
    return SecretEditor(line_format) if choice.kind is EditorKind.SECRET else LineEditor(line_format)
