"""Configuration: the shipped defaults (``config.json``), the user's overrides, validation, and
typed views of the parts the job needs.

``config.json`` is the one source of defaults. Inside Anki it sits in the add-on folder; in a source
checkout it sits at the top of the repository, one level above the package. User settings are deep
merged over the defaults: a user who changes one key of one provider keeps every other default.

Validation uses JSON Schema (``jsonschema``, bundled with Anki); every message names the key path,
e.g. ``rules[0].mode: 'sometimes' is not one of ['skip', 'overwrite', 'append']``.

Thread safety: pure functions over plain data; call from any thread.
"""

from __future__ import annotations

import copy
import enum
import json
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from .errors import ConfigError
from .media import MediaKind

CONFIG_FILE_NAME = "config.json"
# A rule's language: a code like en, es, pt-BR or zh_Hant, or empty for the provider's default.
LANGUAGE_PATTERN = r"^([A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*)?$"
WILDCARD_NOTE_TYPE = "*"


class FillMode(str, enum.Enum):
    """What to do with a target field.

    SKIP leaves a field that already holds media of its kind alone (other text in it is kept and the
    media appended); OVERWRITE replaces the field with the new media; APPEND adds the new media
    after whatever the field holds.
    """

    SKIP = "skip"
    OVERWRITE = "overwrite"
    APPEND = "append"


@dataclass(frozen=True)
class Rule:
    """How to fill notes of one note type (``*`` matches any note type)."""

    note_type: str
    source_field: str
    image_field: str
    audio_field: str
    image_providers: tuple[str, ...]
    audio_providers: tuple[str, ...]
    language: str
    image_prompt: str
    mode: FillMode
    # Where a found image's credit goes: a field's name, or "" for an HTML comment after the image.
    attribution_field: str = ""

    def target_field(self, kind: MediaKind) -> str:
        return self.image_field if kind is MediaKind.IMAGE else self.audio_field

    def providers_for(self, kind: MediaKind) -> tuple[str, ...]:
        return self.image_providers if kind is MediaKind.IMAGE else self.audio_providers


def package_dir() -> Path:
    """The add-on package folder (``addon/`` in a checkout, the add-on folder inside Anki)."""
    return Path(__file__).resolve().parent.parent


def default_config_path() -> Path:
    """Where the shipped ``config.json`` is: beside the package when installed, else the checkout's top."""
    for candidate in (package_dir() / CONFIG_FILE_NAME, package_dir().parent / CONFIG_FILE_NAME):
        if candidate.is_file():
            return candidate
    raise ConfigError(f"the default {CONFIG_FILE_NAME} is missing from {package_dir()}; reinstall the add-on")


def load_default_config() -> dict[str, Any]:
    return read_config_file(default_config_path())


def read_config_file(path: Path) -> dict[str, Any]:
    """Read a JSON config file; any problem becomes a `ConfigError` naming the file."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: Windows editors add a byte-order mark
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a JSON object, not {type(data).__name__}")
    return data


def _is_provider_setting(path: Sequence[str]) -> bool:
    """``providers.<kind>.<name>.<key>``: one setting of one provider, which is replaced as a whole
    (a ``voices`` map the user saved is the whole map, so an entry can also be taken out)."""
    return len(path) == 4 and path[0] == "providers"


def merge_config(defaults: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Deep-merge ``overrides`` onto ``defaults``: objects merge key by key, anything else replaces;
    a provider's setting (``providers.<kind>.<name>.<key>``) replaces its default as a whole, even
    when it is an object."""
    return _merge(defaults, overrides or {}, ())


def _merge(defaults: Mapping[str, Any], overrides: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    merged = copy.deepcopy(dict(defaults))
    for key, value in overrides.items():
        base = merged.get(key)
        where = (*path, str(key))
        if isinstance(base, Mapping) and isinstance(value, Mapping) and not _is_provider_setting(where):
            merged[key] = _merge(base, value, where)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def config_overrides(defaults: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """What ``config`` changes from ``defaults``: the smallest overrides for which
    ``merge_config(defaults, overrides) == config`` (a key that ``config`` lacks cannot be taken
    out of the defaults by an overlay, so it is not looked at). Saving only these lets a later
    update's new defaults reach the user."""
    return _overrides(defaults, config, ())


def _overrides(defaults: Mapping[str, Any], config: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for key, value in config.items():
        where = (*path, str(key))
        if key not in defaults:
            changed[key] = copy.deepcopy(value)
            continue
        base = defaults[key]
        if isinstance(base, Mapping) and isinstance(value, Mapping) and not _is_provider_setting(where):
            inner = _overrides(base, value, where)
            if inner:
                changed[key] = inner
        elif not same_json(base, value):
            changed[key] = copy.deepcopy(value)
    return changed


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values, types included: ``True`` is not ``1`` and ``1`` is not ``1.0``."""
    if type(a) is not type(b):
        return False
    if isinstance(a, Mapping):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


_RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["note_type", "source_field"],
    "properties": {
        "note_type": {"type": "string", "minLength": 1},
        "source_field": {"type": "string", "minLength": 1},
        "image_field": {"type": "string"},
        "audio_field": {"type": "string"},
        "image_providers": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "audio_providers": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "language": {"type": "string", "pattern": LANGUAGE_PATTERN},
        "image_prompt": {"type": "string"},
        "mode": {"enum": [m.value for m in FillMode]},
        "attribution_field": {"type": "string"},
    },
}

_MODULE_TARGET = {
    "type": "string",
    "pattern": r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$",
}

GENERAL_PROPERTIES: dict[str, Any] = {
    "shortcut": {"type": "string"},
    "log_level": {"enum": ["DEBUG", "INFO", "WARNING", "ERROR"]},
    "circuit_breaker": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "failure_threshold": {"type": "integer", "minimum": 1, "maximum": 1000},
            "cooldown_s": {"type": "number", "minimum": 0, "maximum": 86400},
        },
    },
    "health_check_timeout_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 300},
    "budget_usd": {"type": ["number", "null"], "minimum": 0},
    "reuse_media": {"type": "boolean"},
    "max_media_mb": {"type": "number", "exclusiveMinimum": 0, "maximum": 500},
    "audio_format": {"enum": ["mp3", "ogg", "wav", "flac"]},
    "keep_unconverted_audio": {"type": "boolean"},
    # The order in which new rules list each kind's providers (see `provider_order`); names not
    # known are passed over, providers not named follow by their priority.
    "provider_order": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            kind.value: {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True}
            for kind in MediaKind
        },
    },
    # The version of the config's shape (see `config_migration`); a config without it is version 1.
    "config_version": {"type": "integer", "minimum": 1},
    # Settings this version does not use, kept by their old key path so nothing a user wrote is lost.
    "legacy_settings": {"type": "object"},
    "provider_modules": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            kind.value: {
                "type": "object",
                "propertyNames": {"pattern": r"^[a-z][a-z0-9_]{0,39}$"},
                "additionalProperties": _MODULE_TARGET,
            }
            for kind in MediaKind
        },
    },
}

# {kind: {provider name: JSON Schema of that provider's whole config slice}}
SliceSchemas = Mapping[MediaKind, Mapping[str, Mapping[str, Any]]]


def config_schema(slice_schemas: SliceSchemas) -> dict[str, Any]:
    """The whole config's schema, assembled from each known provider's slice schema."""
    kinds: dict[str, Any] = {}
    for kind in MediaKind:
        known = slice_schemas.get(kind, {})
        kinds[kind.value] = {
            "type": "object",
            "additionalProperties": False,
            "properties": {name: dict(schema) for name, schema in known.items()},
        }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["providers", "rules"],
        "properties": {
            "providers": {"type": "object", "additionalProperties": False, "properties": kinds},
            "rules": {"type": "array", "items": _RULE_SCHEMA},
            **GENERAL_PROPERTIES,
        },
    }


TOP_LEVEL = "(top level)"


def key_path(path: Sequence[Any]) -> str:
    """A key path as messages write it: ``providers.audio.espeak.voices``, ``rules[0].mode``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or TOP_LEVEL


def config_problems(config: Mapping[str, Any], slice_schemas: SliceSchemas) -> list[tuple[str, str]]:
    """Every problem of ``config`` as (key path, message), schema problems sorted by key path. The
    checks beyond the schema (base URLs, rules naming known providers) run only when it holds."""
    validator = jsonschema.Draft7Validator(config_schema(slice_schemas))
    problems = [
        (key_path(err.absolute_path), _describe(err))
        for err in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if not problems:
        problems = _url_problems(config) + _rule_problems(config, slice_schemas)
    return problems


def validate_config(config: Mapping[str, Any], slice_schemas: SliceSchemas) -> None:
    """Raise `ConfigError` listing every problem, each with its key path."""
    problems = config_problems(config, slice_schemas)
    if problems:
        raise ConfigError("invalid config: " + "; ".join(f"{path}: {message}" for path, message in problems))


def _describe(err: jsonschema.ValidationError) -> str:
    if err.validator == "additionalProperties":
        return f"unknown key ({err.message})"
    return str(err.message)


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a provider's base_url, or None."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"{url!r} is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"{url!r} must start with https:// (or http:// for a server on this machine)"
    if not parts.hostname:
        return f"{url!r} has no host name"
    if port == 0:
        return f"{url!r} has port 0"
    if parts.query or parts.fragment:
        return f"{url!r} must not have a ?query or #fragment (keys go in api_key)"
    if parts.username or parts.password:
        return f"{url!r} must not hold a user name or password (keys go in api_key)"
    return None


def _url_problems(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    problems = []
    for kind, providers in config.get("providers", {}).items():
        for name, settings in providers.items():
            url = settings.get("base_url") if isinstance(settings, Mapping) else None
            problem = url_problem(url) if isinstance(url, str) and url else None
            if problem:
                problems.append((f"providers.{kind}.{name}.base_url", problem))
    return problems


def _rule_problems(config: Mapping[str, Any], provider_schemas: SliceSchemas) -> list[tuple[str, str]]:
    problems = []
    for index, rule in enumerate(config.get("rules", [])):
        # A rule naming neither field is allowed: it leaves its note type alone (the Fill Media
        # dialog saves one when the user sets both fields to "(none)"; it beats the "*" rule).
        for kind in MediaKind:
            for name in rule.get(f"{kind.value}_providers", []):
                if name not in provider_schemas.get(kind, {}):
                    known = ", ".join(sorted(provider_schemas.get(kind, {}))) or "none yet"
                    problems.append(
                        (
                            f"rules[{index}].{kind.value}_providers",
                            f"unknown {kind.value} provider {name!r} (known: {known})",
                        )
                    )
            if rule.get(f"{kind.value}_field") and not rule.get(f"{kind.value}_providers"):
                problems.append(
                    (f"rules[{index}].{kind.value}_providers", f"{kind.value}_field is set but no provider is listed")
                )
    return problems


def parse_rules(config: Mapping[str, Any]) -> list[Rule]:
    """Typed rules from a validated config."""
    return [
        Rule(
            note_type=raw["note_type"],
            source_field=raw["source_field"],
            image_field=raw.get("image_field", ""),
            audio_field=raw.get("audio_field", ""),
            image_providers=tuple(raw.get("image_providers", ())),
            audio_providers=tuple(raw.get("audio_providers", ())),
            language=raw.get("language", ""),
            image_prompt=raw.get("image_prompt", "{text}"),
            mode=FillMode(raw.get("mode", FillMode.SKIP.value)),
            attribution_field=raw.get("attribution_field", ""),
        )
        for raw in config.get("rules", [])
    ]


def rule_for_note_type(rules: Sequence[Rule], note_type: str) -> Rule | None:
    """The rule for a note type: the first naming it exactly, else the first wildcard rule."""
    exact = next((r for r in rules if r.note_type == note_type), None)
    return exact or next((r for r in rules if r.note_type == WILDCARD_NOTE_TYPE), None)


def media_cap_bytes(config: Mapping[str, Any]) -> int:
    """The largest media file a job takes, in bytes (the config's ``max_media_mb``, 20 by default)."""
    return int(float(config.get("max_media_mb", 20)) * 1024 * 1024)


def provider_settings(config: Mapping[str, Any], kind: MediaKind, name: str) -> dict[str, Any]:
    """One provider's own slice of the config (empty when the config does not mention it)."""
    return copy.deepcopy(dict(config.get("providers", {}).get(kind.value, {}).get(name, {})))
