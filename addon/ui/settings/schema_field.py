"""One row of a generated settings form: label, editor, and a red problem line under the editor.

A `SchemaField` returns its stored value untouched until the user changes what it shows, and
`MISSING` for a key the config did not hold; it checks its value against its own schema and shows
each problem in a red line under the field.

Thread safety: Qt widgets, main thread only.
"""

from __future__ import annotations

from typing import Any

from aqt.qt import QLabel, Qt, QVBoxLayout, QWidget

from ...core.config.form_fields import MISSING, FieldSpec, is_secret_key
from ...core.config.form_input import FieldInputError, value_problem
from .editors import NullableEditor, SecretEditor, editor_for
from .layout import ERROR_STYLE


class SchemaField:
    """``value`` is what to show (`MISSING` for nothing); ``present`` says whether the config holds it."""

    def __init__(self, spec: FieldSpec, *, value: Any, present: bool) -> None:
        self.spec = spec
        self.editor = editor_for(
            spec.schema, value, secret=is_secret_key(spec.key, spec.schema), none_text=spec.none_text
        )
        if value is not MISSING:
            self.editor.set_value(value)
        self.initial: Any = value if present else MISSING
        self._initial_state = self.editor.state()
        self.editor.input.setObjectName(f"field:{spec.field_id}")
        if isinstance(self.editor, SecretEditor):
            self.editor.toggle.setObjectName(f"show:{spec.field_id}")
        if isinstance(self.editor, NullableEditor):
            self.editor.none.setObjectName(f"none:{spec.field_id}")
        self.label = QLabel(spec.label)
        self.label.setObjectName(f"label:{spec.field_id}")
        self.label.setToolTip(spec.tooltip)
        self.editor.widget.setToolTip(spec.tooltip)
        self.error = QLabel()
        self.error.setObjectName(f"error:{spec.field_id}")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        self.widget = QWidget()
        column = QVBoxLayout(self.widget)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.editor.widget)
        column.addWidget(self.error)

    @property
    def field_id(self) -> str:
        return self.spec.field_id

    def changed(self) -> bool:
        return self.editor.state() != self._initial_state

    def read(self) -> Any:
        """The value to save: the stored one (or `MISSING`) until the user changed what is shown;
        raises `FieldInputError` when the input cannot be read."""
        return self.editor.read() if self.changed() else self.initial

    def set_value(self, value: Any) -> None:
        """Show ``value`` as if the user had entered it."""
        self.editor.set_value(value)

    def focus(self) -> None:
        """Put the keyboard focus in the field (on its "not set" box while that is ticked)."""
        editor = self.editor
        target = editor.none if isinstance(editor, NullableEditor) and editor.none.isChecked() else editor.input
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def problem(self) -> str | None:
        """The first thing wrong with the value shown, as a sentence saying what to do; None when
        it is fine (a value the config does not hold is fine)."""
        try:
            value = self.read()
        except FieldInputError as exc:
            return exc.message
        return value_problem(self.spec, value)

    def show_problem(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
