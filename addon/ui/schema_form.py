"""Form fields generated from JSON Schema, so any provider (built-in or third-party) gets a settings
form without UI code of its own.

A schema becomes the editor a user understands: boolean → check box; ``enum`` → drop-down;
integer with both bounds → spin box; other numbers → a line edit that reads numbers;
``["number", "null"]`` → a "not set" check box beside the number; string → line edit (masked, with
Show, for secrets); array of strings → one comma-separated line; object of strings → one line of
``name=value`` pairs; anything else → one line of JSON. A stored value the friendly editor cannot
show exactly (a number out of a spin box's range, a list of objects) gets the JSON or number line
instead, so nothing is changed by merely opening the form.

A `SchemaField` returns its stored value untouched until the user changes what it shows, and
`MISSING` for a key the config did not hold; it checks its value against its own schema and shows
each problem in a red line under the field.

Thread safety: Qt widgets, main thread only.
"""

from __future__ import annotations

import abc
import enum
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema
from aqt.qt import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..core.config.files import same_json

ERROR_STYLE = "color: #c62828;"
_INT32 = (-(2**31), 2**31 - 1)
_SECRET_SUFFIXES = ("api_key", "_token", "_secret", "password")


class Missing(enum.Enum):
    """The config holds no value for the key (the form then leaves it out)."""

    MISSING = "missing"


MISSING = Missing.MISSING


class FieldInputError(ValueError):
    """What the user typed cannot be read as the field's kind of value; ``message`` says what to type."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Editors


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

    @abc.abstractmethod
    def state(self) -> object:
        """What the user sees, to tell whether they changed it."""

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

    def state(self) -> object:
        return self.box.isChecked()

    def on_change(self, callback: Callable[[], None]) -> None:
        self.box.toggled.connect(lambda _checked: callback())


def choice_text(value: Any) -> str:
    if value is None or value == "":
        return "(none)"
    return value if isinstance(value, str) else json.dumps(value)


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

    def state(self) -> object:
        return self.spin.value()

    def on_change(self, callback: Callable[[], None]) -> None:
        self.spin.valueChanged.connect(lambda _value: callback())


class LineEditor(FieldEditor):
    """A line edit; subclasses say how text and values convert."""

    placeholder = ""

    def __init__(self) -> None:
        self.line = QLineEdit()
        self.line.setPlaceholderText(self.placeholder)
        self.widget = self.input = self.line

    def set_value(self, value: Any) -> None:
        self.line.setText(self.to_text(value))

    def read(self) -> Any:
        return self.from_text(self.line.text().strip())

    def state(self) -> object:
        return self.line.text()

    def on_change(self, callback: Callable[[], None]) -> None:
        self.line.textChanged.connect(lambda _text: callback())

    def to_text(self, value: Any) -> str:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def from_text(self, text: str) -> Any:
        return text


class TextEditor(LineEditor):
    pass


class SecretEditor(TextEditor):
    """A masked line edit with a Show/Hide button; the text is shown only while Show is pressed."""

    def __init__(self) -> None:
        super().__init__()
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


def format_number(value: Any) -> str:
    """A number as typed back: ``30``, ``0.5``, ``1.0`` (a float keeps its point)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return json.dumps(value, ensure_ascii=False)
    return str(value) if isinstance(value, int) else repr(value)


def parse_number(text: str, *, integer: bool) -> int | float:
    """The number in ``text`` (a decimal comma is read as a point); raises `FieldInputError`."""
    hint = "Type a whole number, like 3." if integer else "Type a number, like 30 or 0.5."
    cleaned = text.replace(",", ".") if "." not in text else text
    try:
        return int(cleaned)
    except ValueError:
        pass
    try:
        number = float(cleaned)
    except ValueError:
        raise FieldInputError(hint) from None
    if integer or not math.isfinite(number):
        raise FieldInputError(hint)
    return number


class NumberEditor(LineEditor):
    def __init__(self, *, integer: bool) -> None:
        self.integer = integer
        super().__init__()

    def to_text(self, value: Any) -> str:
        return format_number(value)

    def from_text(self, text: str) -> Any:
        return parse_number(text, integer=self.integer)


class ListEditor(LineEditor):
    """A list of strings as one comma-separated line."""

    placeholder = "comma-separated, e.g. first, second"

    def to_text(self, value: Any) -> str:
        return ", ".join(value) if isinstance(value, list) else super().to_text(value)

    def from_text(self, text: str) -> Any:
        return [part.strip() for part in text.split(",") if part.strip()]


class MapEditor(LineEditor):
    """An object of strings as one line of ``name=value`` pairs, separated by commas."""

    placeholder = "name=value, separated by commas, e.g. en=first, de=second"

    def to_text(self, value: Any) -> str:
        if isinstance(value, Mapping):
            return ", ".join(f"{key}={item}" for key, item in value.items())
        return super().to_text(value)

    def from_text(self, text: str) -> Any:
        result: dict[str, str] = {}
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            key, sep, item = part.partition("=")
            if not sep or not key.strip():
                raise FieldInputError(f"Write each entry as name=value, separated by commas ({part!r} is not).")
            if key.strip() in result:
                raise FieldInputError(f"{key.strip()!r} appears twice; write each name once.")
            result[key.strip()] = item.strip()
        return result


class JsonEditor(LineEditor):
    """Any JSON value on one line."""

    placeholder = 'JSON, e.g. {"en": "first"}'

    def from_text(self, text: str) -> Any:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise FieldInputError(
                f'This is not valid JSON ({exc.msg} at character {exc.pos + 1}); write it like {{"en": "first"}}.'
            ) from None


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


# Choosing an editor


def schema_types(schema: Mapping[str, Any]) -> list[str]:
    raw = schema.get("type", [])
    return [raw] if isinstance(raw, str) else [t for t in raw if isinstance(t, str)]


def _is_string_schema(schema: Any) -> bool:
    if not isinstance(schema, Mapping):
        return False
    if "enum" in schema:
        return all(isinstance(option, str) for option in schema["enum"])
    return schema_types(schema) == ["string"]


def is_string_map_schema(schema: Mapping[str, Any]) -> bool:
    """An object of name → string with no fixed keys (e.g. language → voice)."""
    return "properties" not in schema and _is_string_schema(schema.get("additionalProperties"))


def integer_bounds(schema: Mapping[str, Any]) -> tuple[int, int] | None:
    """The inclusive bounds of an integer schema, when it has both and they fit a spin box."""
    low = schema.get("minimum", schema["exclusiveMinimum"] + 1 if "exclusiveMinimum" in schema else None)
    high = schema.get("maximum", schema["exclusiveMaximum"] - 1 if "exclusiveMaximum" in schema else None)
    if not isinstance(low, int) or not isinstance(high, int) or low > high:
        return None
    return (low, high) if _INT32[0] <= low and high <= _INT32[1] else None


def is_secret_key(key: str, schema: Mapping[str, Any]) -> bool:
    """Keys and tokens are masked: ``api_key``, ``*_token``, ``*_secret``, ``password`` or a schema
    marked ``writeOnly`` / ``format: password``."""
    return key.endswith(_SECRET_SUFFIXES) or schema.get("writeOnly") is True or schema.get("format") == "password"


def editor_for(
    schema: Mapping[str, Any], value: Any, *, secret: bool = False, none_text: str = "Not set"
) -> FieldEditor:
    """The editor for ``schema`` that can show ``value`` (`MISSING` for none) exactly."""
    types = schema_types(schema)
    if "enum" in schema:
        return ChoiceEditor(schema["enum"])
    concrete = [t for t in types if t != "null"]
    if "null" in types and len(concrete) == 1:
        inner = editor_for({**schema, "type": concrete[0]}, MISSING if value is None else value, secret=secret)
        return NullableEditor(inner, none_text=none_text)
    if types == ["boolean"]:
        return CheckEditor()
    if types in (["integer"], ["number"]):
        bounds = integer_bounds(schema) if types == ["integer"] else None
        fits = value is MISSING or (type(value) is int and bounds is not None and bounds[0] <= value <= bounds[1])
        if bounds is not None and fits:
            step = schema.get("multipleOf")
            return SpinEditor(*bounds, step=step if isinstance(step, int) and step > 0 else 1)
        return NumberEditor(integer=types == ["integer"])
    if types == ["string"]:
        return SecretEditor() if secret else TextEditor()
    if types == ["array"] and _is_string_schema(schema.get("items")) and _plain_list(value):
        return ListEditor()
    if types == ["object"] and is_string_map_schema(schema) and _plain_map(value):
        return MapEditor()
    return JsonEditor()


def _plain_list(value: Any) -> bool:
    """A list one comma-separated line shows exactly (or no value yet)."""
    return value is MISSING or (isinstance(value, list) and all(isinstance(v, str) and "," not in v for v in value))


def _plain_map(value: Any) -> bool:
    """An object one line of name=value pairs shows exactly (or no value yet)."""
    return value is MISSING or (isinstance(value, Mapping) and all(_plain_pair(k, v) for k, v in value.items()))


def _plain_pair(key: Any, value: Any) -> bool:
    return (
        isinstance(key, str)
        and isinstance(value, str)
        and not any(c in key + value for c in ",=")
        and key.strip() == key
    )


# Messages


def _number_text(value: Any) -> str:
    return format_number(value) if isinstance(value, (int, float)) else str(value)


def friendly_message(error: jsonschema.ValidationError, *, key: str) -> str:
    """A schema error as a sentence saying what to type (the entry it concerns first, if any)."""
    where = ".".join(str(part) for part in error.path)
    prefix = f"{where}: " if where else ""
    kind, value = error.validator, error.instance
    limit: Any = error.validator_value
    if "propertyNames" in error.schema_path:
        return f"{value!r} cannot be used as a name here; see this setting's tooltip for the names it takes."
    if kind == "pattern" and key == "api_key_env" and not where:
        return (
            "Type the name of an environment variable (letters, digits and _, not starting with a digit), "
            "e.g. OPENAI_API_KEY, or leave it empty."
        )
    if kind == "pattern" and key == "base_url" and not where:
        return "Type the service's address, starting with https:// (or http:// for a server on this machine)."
    return prefix + _limit_message(str(kind), limit, value, fallback=str(error.message))


def _limit_message(kind: str, limit: Any, value: Any, *, fallback: str) -> str:
    """The sentence for one failed schema keyword (``limit`` is the keyword's value)."""
    if kind in _BOUND_WORDS:
        return f"Use a value {_BOUND_WORDS[kind]} {_number_text(limit)}."
    if kind == "multipleOf":
        return f"Use a multiple of {_number_text(limit)}."
    if kind == "minLength":
        return "Fill this in." if limit == 1 else f"Use at least {limit} characters."
    if kind == "maxLength":
        return f"Use at most {limit} characters."
    if kind == "pattern":
        return f"{value!r} is not in the form this setting takes; see its tooltip for examples."
    if kind == "enum" and isinstance(limit, list):
        return "Pick one of: " + ", ".join(choice_text(option) for option in limit) + "."
    if kind == "type":
        return _type_message(limit)
    if kind == "uniqueItems":
        return "Name each entry only once."
    if kind == "additionalProperties":
        return "Remove the entries this setting does not know."
    if kind == "oneOf":
        return f"{value!r} is not one of the forms this setting takes; see its tooltip."
    return fallback


_BOUND_WORDS = {
    "maximum": "of at most",
    "minimum": "of at least",
    "exclusiveMaximum": "below",
    "exclusiveMinimum": "above",
}


def _type_message(expected: Any) -> str:
    names = [expected] if isinstance(expected, str) else list(expected or [])
    words = {
        "integer": "a whole number",
        "number": "a number",
        "string": "text",
        "boolean": "true or false",
        "array": "a list",
        "object": "name=value entries",
        "null": "nothing",
    }
    return "Use " + " or ".join(words.get(name, name) for name in names) + "."


# Fields


@dataclass(frozen=True)
class FieldSpec:
    """One setting: ``field_id`` names its widgets (``field:<id>``, ``error:<id>``); ``path`` is
    its place inside the mapping the form fills (``("circuit_breaker", "cooldown_s")``)."""

    field_id: str
    path: tuple[str, ...]
    schema: Mapping[str, Any]
    label: str
    help: str = ""
    none_text: str = "Not set"
    check: Callable[[Any], str | None] | None = None  # a check beyond the schema, e.g. `url_problem`


class SchemaField:
    """One row of a generated form: label, editor, and a red problem line under the editor.

    ``value`` is what to show (`MISSING` for nothing); ``present`` says whether the config holds it.
    """

    def __init__(self, spec: FieldSpec, *, value: Any, present: bool) -> None:
        self.spec = spec
        key = spec.path[-1]
        self.editor = editor_for(spec.schema, value, secret=is_secret_key(key, spec.schema), none_text=spec.none_text)
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
        tooltip = f"{key}: {spec.help}" if spec.help else key
        self.label.setToolTip(tooltip)
        self.editor.widget.setToolTip(tooltip)
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

    def problem(self) -> str | None:
        """The first thing wrong with the value shown, as a sentence saying what to do; None when
        it is fine (a value the config does not hold is fine)."""
        try:
            value = self.read()
        except FieldInputError as exc:
            return exc.message
        if value is MISSING:
            return None
        validator = jsonschema.Draft7Validator(self.spec.schema)
        errors = sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.path])
        if errors:
            return friendly_message(errors[0], key=self.spec.path[-1])
        return self.spec.check(value) if self.spec.check is not None else None

    def show_problem(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))


def set_at(target: dict[str, Any], path: Sequence[str], value: Any) -> None:
    """``target[path[0]][path[1]]… = value``, making the objects on the way."""
    for part in path[:-1]:
        inner = target.get(part)
        if not isinstance(inner, dict):
            inner = target[part] = {}
        target = inner
    target[path[-1]] = value


def get_at(source: Mapping[str, Any], path: Sequence[str]) -> Any:
    """``source[path[0]][path[1]]…``, or `MISSING`."""
    value: Any = source
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            return MISSING
        value = value[part]
    return value


def fill_from_fields(target: dict[str, Any], fields: Sequence[SchemaField]) -> list[tuple[SchemaField, str]]:
    """Write each field's value into ``target`` (a value the config did not hold is left out);
    returns the fields whose value has a problem, with it."""
    problems = []
    for field in fields:
        problem = field.problem()
        if problem is not None:
            problems.append((field, problem))
            continue
        value = field.read()
        if value is not MISSING:
            set_at(target, field.spec.path, value)
    return problems


def flatten_properties(
    properties: Mapping[str, Any], path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Mapping[str, Any]]]:
    """(path, schema) for each setting; an object with fixed ``properties`` (``circuit_breaker``)
    becomes one setting per property."""
    found: list[tuple[tuple[str, ...], Mapping[str, Any]]] = []
    for key, schema in properties.items():
        if isinstance(schema, Mapping) and isinstance(schema.get("properties"), Mapping) and schema["properties"]:
            found += flatten_properties(schema["properties"], (*path, key))
        else:
            found.append(((*path, key), schema if isinstance(schema, Mapping) else {}))
    return found
