"""What a user types into a settings form, read back: how a one-line editor shows a value and reads
it (numbers with a decimal comma, comma-separated lists, ``name=value`` pairs, JSON), and each
problem with a value as a sentence saying what to type instead — never a raw schema error.

Thread safety: pure functions and immutable values over plain data; call from any thread.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema

from .form_fields import MISSING, EditorKind, FieldSpec


class FieldInputError(ValueError):
    """What the user typed cannot be read as the field's kind of value; ``message`` says what to type."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Values as text


def choice_text(value: Any) -> str:
    """How a drop-down shows one of its options."""
    if value is None or value == "":
        return "(none)"
    return value if isinstance(value, str) else json.dumps(value)


def value_text(value: Any) -> str:
    """Text as it is; any other value as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


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


def list_text(value: Any) -> str:
    return ", ".join(value) if isinstance(value, list) else value_text(value)


def parse_list(text: str) -> list[str]:
    """``first, second`` → ``["first", "second"]`` (empty entries dropped)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def map_text(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{key}={item}" for key, item in value.items())
    return value_text(value)


def parse_map(text: str) -> dict[str, str]:
    """``en=first, de=second`` → ``{"en": "first", "de": "second"}``; raises `FieldInputError`."""
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


def parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FieldInputError(
            f'This is not valid JSON ({exc.msg} at character {exc.pos + 1}); write it like {{"en": "first"}}.'
        ) from None


@dataclass(frozen=True)
class LineFormat:
    """How a one-line editor shows a value (``to_text``) and reads it back (``read``)."""

    to_text: Callable[[Any], str]
    from_text: Callable[[str], Any]
    placeholder: str = ""

    def read(self, text: str) -> Any:
        """The value of ``text`` (surrounding spaces ignored); raises `FieldInputError`."""
        return self.from_text(text.strip())


_TEXT = LineFormat(value_text, str)
LINE_FORMATS: Mapping[EditorKind, LineFormat] = {
    EditorKind.TEXT: _TEXT,
    EditorKind.SECRET: _TEXT,
    EditorKind.NUMBER: LineFormat(format_number, functools.partial(parse_number, integer=False)),
    EditorKind.INTEGER: LineFormat(format_number, functools.partial(parse_number, integer=True)),
    EditorKind.LIST: LineFormat(list_text, parse_list, "comma-separated, e.g. first, second"),
    EditorKind.MAP: LineFormat(map_text, parse_map, "name=value, separated by commas, e.g. en=first, de=second"),
    EditorKind.JSON: LineFormat(value_text, parse_json, 'JSON, e.g. {"en": "first"}'),
}


# Problems


def value_problem(spec: FieldSpec, value: Any) -> str | None:
    """The first thing wrong with ``value`` for ``spec``, as a sentence saying what to do; None
    when it is fine (`MISSING`, a value the config does not hold, is fine)."""
    if value is MISSING:
        return None
    validator = jsonschema.Draft7Validator(spec.schema)
    errors = sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.path])
    if errors:
        return friendly_message(errors[0], key=spec.key)
    return spec.check(value) if spec.check is not None else None


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


def _number_text(value: Any) -> str:
    return format_number(value) if isinstance(value, (int, float)) else str(value)


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
_TYPE_WORDS = {
    "integer": "a whole number",
    "number": "a number",
    "string": "text",
    "boolean": "true or false",
    "array": "a list",
    "object": "name=value entries",
    "null": "nothing",
}


def _type_message(expected: Any) -> str:
    names = [expected] if isinstance(expected, str) else list(expected or [])
    return "Use " + " or ".join(_TYPE_WORDS.get(name, name) for name in names) + "."
