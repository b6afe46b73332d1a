"""The settings form's logic without Qt: which editor a schema property gets (one that shows the
stored value exactly), how typed text is read back, the sentences a wrong value gets, and where a
setting sits in the config."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from addon.core.config.files import load_default_config, provider_settings
from addon.core.config.form_fields import (
    MISSING,
    EditorChoice,
    EditorKind,
    FieldSpec,
    choose_editor,
    fill_from_fields,
    flatten_properties,
    get_at,
    integer_bounds,
    is_secret_key,
    set_at,
)
from addon.core.config.form_input import (
    LINE_FORMATS,
    FieldInputError,
    choice_text,
    format_number,
    parse_json,
    parse_map,
    parse_number,
    value_problem,
)
from addon.core.config.schema import GENERAL_PROPERTIES
from addon.core.media.types import MediaKind

# Which editor


@pytest.mark.parametrize(
    ("schema", "value", "expected"),
    [
        ({"type": "boolean"}, True, EditorChoice(EditorKind.CHECK)),
        ({"enum": ["mp3", "ogg"]}, "mp3", EditorChoice(EditorKind.CHOICE, options=("mp3", "ogg"))),
        ({"type": "integer", "minimum": 1, "maximum": 10}, 3, EditorChoice(EditorKind.SPIN, bounds=(1, 10))),
        (
            {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 100, "multipleOf": 5},
            MISSING,
            EditorChoice(EditorKind.SPIN, bounds=(1, 99), step=5),
        ),
        # A stored value the spin box cannot hold gets the number line, so opening changes nothing.
        ({"type": "integer", "minimum": 1, "maximum": 10}, 50, EditorChoice(EditorKind.INTEGER)),
        ({"type": "integer", "minimum": 1, "maximum": 10}, 2.5, EditorChoice(EditorKind.INTEGER)),
        ({"type": "integer", "minimum": 0, "maximum": 2**40}, 1, EditorChoice(EditorKind.INTEGER)),
        ({"type": "integer", "minimum": 1}, 1, EditorChoice(EditorKind.INTEGER)),
        ({"type": "number", "minimum": 0, "maximum": 10}, 1, EditorChoice(EditorKind.NUMBER)),
        ({"type": ["number", "null"], "minimum": 0}, None, EditorChoice(EditorKind.NUMBER, nullable=True)),
        (
            {"type": ["integer", "null"], "minimum": 0, "maximum": 9},
            None,
            EditorChoice(EditorKind.SPIN, nullable=True, bounds=(0, 9)),
        ),
        ({"type": "string"}, "x", EditorChoice(EditorKind.TEXT)),
        ({"type": "array", "items": {"type": "string"}}, ["a", "b"], EditorChoice(EditorKind.LIST)),
        ({"type": "array", "items": {"enum": ["a", "b"]}}, MISSING, EditorChoice(EditorKind.LIST)),
        ({"type": "array", "items": {"type": "string"}}, ["a,b"], EditorChoice(EditorKind.JSON)),
        ({"type": "array", "items": {"type": "object"}}, [], EditorChoice(EditorKind.JSON)),
        ({"type": "object", "additionalProperties": {"type": "string"}}, {"en": "v"}, EditorChoice(EditorKind.MAP)),
        ({"type": "object", "additionalProperties": {"type": "string"}}, {"en": "a=b"}, EditorChoice(EditorKind.JSON)),
        ({"type": "object", "additionalProperties": {"type": "string"}}, {" en": "v"}, EditorChoice(EditorKind.JSON)),
        ({"type": "object", "properties": {"a": {"type": "string"}}}, {}, EditorChoice(EditorKind.JSON)),
        ({}, 1, EditorChoice(EditorKind.JSON)),
    ],
)
def test_each_schema_gets_the_editor_that_shows_its_value_exactly(
    schema: dict[str, Any], value: Any, expected: EditorChoice
) -> None:
    assert choose_editor(schema, value) == expected


def test_a_secret_string_is_masked_and_a_nullable_secret_too() -> None:
    assert choose_editor({"type": "string"}, "k", secret=True).kind is EditorKind.SECRET
    assert choose_editor({"type": ["string", "null"]}, None, secret=True) == EditorChoice(
        EditorKind.SECRET, nullable=True
    )


@pytest.mark.parametrize(
    ("key", "schema", "secret"),
    [
        ("api_key", {}, True),
        ("access_token", {}, True),
        ("client_secret", {}, True),
        ("password", {}, True),
        ("token", {"writeOnly": True}, True),
        ("pin", {"format": "password"}, True),
        ("api_key_env", {}, False),
        ("base_url", {}, False),
        ("tokens_per_minute", {}, False),
    ],
)
def test_keys_and_tokens_are_secret_and_other_settings_are_not(key: str, schema: dict[str, Any], secret: bool) -> None:
    assert is_secret_key(key, schema) is secret


def test_integer_bounds_need_both_ends_in_order() -> None:
    assert integer_bounds({"minimum": 2, "maximum": 2}) == (2, 2)
    assert integer_bounds({"minimum": 3, "maximum": 2}) is None
    assert integer_bounds({"maximum": 2}) is None
    assert integer_bounds({"minimum": 0.5, "maximum": 2}) is None


def test_every_shipped_setting_gets_an_editor_a_user_understands(
    schemas: Mapping[MediaKind, Mapping[str, Mapping[str, Any]]],
) -> None:
    """Only google_tts's voices (whose values may be objects) fall back to a line of JSON; every
    key (api_key) is masked."""
    config = load_default_config()
    as_json, masked_keys = [], []
    for kind, by_name in schemas.items():
        for name, schema in by_name.items():
            settings = provider_settings(config, kind, name)
            for path, prop in flatten_properties(schema.get("properties", {})):
                choice = choose_editor(prop, get_at(settings, path), secret=is_secret_key(path[-1], prop))
                if choice.kind is EditorKind.JSON:
                    as_json.append(f"{kind.value}.{name}.{'.'.join(path)}")
                if path == ("api_key",):
                    masked_keys.append(choice.kind is EditorKind.SECRET)
    assert as_json == ["audio.google_tts.voices"]
    assert masked_keys and all(masked_keys)
    general = {
        ".".join(path): choose_editor(prop, get_at(config, path))
        for path, prop in flatten_properties(GENERAL_PROPERTIES)
    }
    assert general["budget_usd"] == EditorChoice(EditorKind.NUMBER, nullable=True)
    assert general["circuit_breaker.failure_threshold"] == EditorChoice(EditorKind.SPIN, bounds=(1, 1000))
    assert general["log_level"].kind is EditorKind.CHOICE


# Typed text, read back


@pytest.mark.parametrize(
    ("text", "integer", "expected"),
    [("3", True, 3), ("0,5", False, 0.5), (" 30 ", False, 30), ("1e3", False, 1000.0), ("-2", True, -2)],
)
def test_numbers_are_read_with_a_decimal_comma_too(text: str, integer: bool, expected: float) -> None:
    kind = EditorKind.INTEGER if integer else EditorKind.NUMBER
    value = LINE_FORMATS[kind].read(text)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("text", "integer", "hint"),
    [
        ("3.5", True, "whole number"),
        ("three", False, "like 30 or 0.5"),
        ("nan", False, "like 30 or 0.5"),
        ("inf", False, "like 30 or 0.5"),
        ("1,000.5", False, "like 30 or 0.5"),
        ("", True, "whole number"),
    ],
)
def test_text_that_is_no_number_says_what_to_type(text: str, integer: bool, hint: str) -> None:
    with pytest.raises(FieldInputError) as caught:
        parse_number(text, integer=integer)
    assert hint in caught.value.message


def test_numbers_are_shown_as_typed_back() -> None:
    assert [format_number(v) for v in (30, 0.5, 1.0, True, None)] == ["30", "0.5", "1.0", "true", "null"]


def test_lists_and_maps_round_trip_through_one_line() -> None:
    lists, maps = LINE_FORMATS[EditorKind.LIST], LINE_FORMATS[EditorKind.MAP]
    assert lists.to_text(["first", "second"]) == "first, second"
    assert lists.read(" first ,, second , ") == ["first", "second"]
    assert maps.to_text({"en": "first", "de": "second"}) == "en=first, de=second"
    assert maps.read("en=first, de = second,") == {"en": "first", "de": "second"}
    assert maps.read("") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [("en=first, de", "'de' is not"), ("=x", "'=x' is not"), ("en=a, en=b", "'en' appears twice")],
)
def test_a_map_line_that_cannot_be_read_says_which_entry(text: str, message: str) -> None:
    with pytest.raises(FieldInputError) as caught:
        parse_map(text)
    assert message in caught.value.message


def test_json_that_cannot_be_read_says_where() -> None:
    assert parse_json('{"en": [1, 2]}') == {"en": [1, 2]}
    with pytest.raises(FieldInputError) as caught:
        parse_json('{"en": }')
    assert "at character 8" in caught.value.message


def test_a_json_line_shows_text_as_it_is_and_other_values_as_json() -> None:
    shown = LINE_FORMATS[EditorKind.JSON]
    assert shown.to_text("plain") == "plain"
    assert shown.to_text({"ä": 1}) == '{"ä": 1}'
    assert [choice_text(v) for v in (None, "", "mp3", 2)] == ["(none)", "(none)", "mp3", "2"]


# Problems as sentences


def spec(schema: dict[str, Any], *, key: str = "setting", check: Any = None) -> FieldSpec:
    return FieldSpec(field_id=f"x.{key}", path=("x", key), schema=schema, label=key, check=check)


@pytest.mark.parametrize(
    ("schema", "value", "key", "message"),
    [
        ({"type": "integer", "minimum": 1}, 0, "setting", "Use a value of at least 1."),
        ({"type": "number", "exclusiveMaximum": 0.5}, 0.5, "setting", "Use a value below 0.5."),
        ({"type": "number", "multipleOf": 5}, 7, "setting", "Use a multiple of 5."),
        ({"type": "string", "minLength": 1}, "", "setting", "Fill this in."),
        ({"type": "string", "maxLength": 3}, "abcd", "setting", "Use at most 3 characters."),
        ({"enum": ["", "mp3"]}, "wav", "setting", "Pick one of: (none), mp3."),
        ({"type": ["integer", "null"]}, "x", "setting", "Use a whole number or nothing."),
        ({"type": "array", "uniqueItems": True}, ["a", "a"], "setting", "Name each entry only once."),
        ({"type": "string", "pattern": "^[A-Z]+$"}, "x", "api_key_env", "Type the name of an environment variable"),
        (
            {"type": "string", "pattern": "^https?://"},
            "x",
            "base_url",
            "Type the service's address, starting with https://",
        ),
        ({"type": "string", "pattern": "^a"}, "b", "voice", "'b' is not in the form this setting takes"),
        (
            {"type": "object", "additionalProperties": {"type": "string", "pattern": "^v"}},
            {"en": "x"},
            "voices",
            "en: 'x' is not in the form",
        ),
        ({"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}}, {"EN": "x"}, "voices", "'EN' cannot be used"),
    ],
)
def test_each_problem_is_a_sentence_saying_what_to_type(
    schema: dict[str, Any], value: Any, key: str, message: str
) -> None:
    problem = value_problem(spec(schema, key=key), value)
    assert problem is not None and problem.startswith(message), problem


def test_a_missing_value_is_fine_and_the_extra_check_runs_after_the_schema() -> None:
    checked: list[Any] = []

    def check(value: Any) -> str | None:
        checked.append(value)
        return "Not this one." if value == "bad" else None

    field = spec({"type": "string", "minLength": 1}, check=check)
    assert value_problem(field, MISSING) is None
    assert value_problem(field, "") == "Fill this in."
    assert value_problem(field, "good") is None
    assert value_problem(field, "bad") == "Not this one."
    assert checked == ["good", "bad"]


# Where settings sit


def test_an_object_with_fixed_properties_becomes_one_setting_each() -> None:
    found = flatten_properties(
        {"log_level": {"enum": ["INFO"]}, "breaker": {"type": "object", "properties": {"a": {}, "b": {}}}, "odd": 3}
    )
    assert [path for path, _schema in found] == [("log_level",), ("breaker", "a"), ("breaker", "b"), ("odd",)]
    assert found[-1][1] == {}


def test_values_are_read_and_written_by_path() -> None:
    config: dict[str, Any] = {"breaker": "not an object"}
    assert get_at(config, ("breaker", "a")) is MISSING
    set_at(config, ("breaker", "a"), 1)
    set_at(config, ("x", "y", "z"), None)
    assert config == {"breaker": {"a": 1}, "x": {"y": {"z": None}}}
    assert get_at(config, ("x", "y", "z")) is None
    assert get_at(config, ("x", "nope")) is MISSING


@dataclass
class FakeField:
    spec: FieldSpec
    value: Any
    problem_text: str | None = None

    def problem(self) -> str | None:
        return self.problem_text

    def read(self) -> Any:
        return self.value


def test_a_form_writes_its_values_leaves_out_missing_ones_and_returns_the_problems() -> None:
    good = FakeField(spec({}, key="good"), 2)
    missing = FakeField(spec({}, key="missing"), MISSING)
    bad = FakeField(spec({}, key="bad"), 9, problem_text="Use a value of at most 3.")
    target: dict[str, Any] = {"x": {"keep": True}}
    assert fill_from_fields(target, [good, missing, bad]) == [(bad, "Use a value of at most 3.")]
    assert target == {"x": {"keep": True, "good": 2}}
