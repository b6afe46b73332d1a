"""What a settings form makes of a JSON Schema, without any widgets: which editor a setting gets,
where a setting sits in the config, and writing a form's values back into it. The settings window
(``ui/settings``) puts widgets on top of this (and `form_input` reads what is typed), so any
provider, built-in or third-party, gets a form without UI code of its own.

A schema becomes the editor a user understands: boolean → check box; ``enum`` → drop-down;
integer with both bounds → spin box; other numbers → a line that reads numbers;
``["number", "null"]`` → a "not set" check box beside the number; string → a line (masked, with
Show, for secrets); array of strings → one comma-separated line; object of strings → one line of
``name=value`` pairs; anything else → one line of JSON. A stored value the friendly editor cannot
show exactly (a number out of a spin box's range, a list of objects) gets the JSON or number line
instead, so nothing is changed by merely opening the form.

Thread safety: pure functions and immutable values over plain data; call from any thread.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

_INT32 = (-(2**31), 2**31 - 1)
_SECRET_SUFFIXES = ("api_key", "_token", "_secret", "password")


class Missing(enum.Enum):
    """The config holds no value for the key (the form then leaves it out)."""

    MISSING = "missing"


MISSING = Missing.MISSING


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

    @property
    def key(self) -> str:
        return self.path[-1]

    @property
    def tooltip(self) -> str:
        """The key, and what config.md says it means."""
        return f"{self.key}: {self.help}" if self.help else self.key


# Which editor


class EditorKind(enum.Enum):
    CHECK = "check"
    CHOICE = "choice"
    SPIN = "spin"
    NUMBER = "number"
    INTEGER = "integer"
    TEXT = "text"
    SECRET = "secret"
    LIST = "list"
    MAP = "map"
    JSON = "json"


@dataclass(frozen=True)
class EditorChoice:
    """The editor a setting gets: ``options`` for a drop-down, ``bounds`` and ``step`` for a spin
    box; ``nullable`` puts a "not set" check box beside it."""

    kind: EditorKind
    nullable: bool = False
    options: tuple[Any, ...] = ()
    bounds: tuple[int, int] = (0, 0)
    step: int = 1


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


def choose_editor(schema: Mapping[str, Any], value: Any, *, secret: bool = False) -> EditorChoice:
    """The editor for ``schema`` that can show ``value`` (`MISSING` for none) exactly."""
    types = schema_types(schema)
    if "enum" in schema:
        return EditorChoice(EditorKind.CHOICE, options=tuple(schema["enum"]))
    concrete = [t for t in types if t != "null"]
    if "null" in types and len(concrete) == 1:
        inner = choose_editor({**schema, "type": concrete[0]}, MISSING if value is None else value, secret=secret)
        return dataclasses.replace(inner, nullable=True)
    if types == ["boolean"]:
        return EditorChoice(EditorKind.CHECK)
    if types in (["integer"], ["number"]):
        bounds = integer_bounds(schema) if types == ["integer"] else None
        fits = value is MISSING or (type(value) is int and bounds is not None and bounds[0] <= value <= bounds[1])
        if bounds is not None and fits:
            step = schema.get("multipleOf")
            return EditorChoice(EditorKind.SPIN, bounds=bounds, step=step if isinstance(step, int) and step > 0 else 1)
        return EditorChoice(EditorKind.INTEGER if types == ["integer"] else EditorKind.NUMBER)
    if types == ["string"]:
        return EditorChoice(EditorKind.SECRET if secret else EditorKind.TEXT)
    if types == ["array"] and _is_string_schema(schema.get("items")) and _plain_list(value):
        return EditorChoice(EditorKind.LIST)
    if types == ["object"] and is_string_map_schema(schema) and _plain_map(value):
        return EditorChoice(EditorKind.MAP)
    return EditorChoice(EditorKind.JSON)


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


# Where settings sit


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


class FormField(Protocol):
    """A field of a form, as `fill_from_fields` uses it."""

    @property
    def spec(self) -> FieldSpec: ...

    def problem(self) -> str | None: ...

    def read(self) -> Any: ...


_Field = TypeVar("_Field", bound=FormField)


def fill_from_fields(target: dict[str, Any], fields: Sequence[_Field]) -> list[tuple[_Field, str]]:
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
