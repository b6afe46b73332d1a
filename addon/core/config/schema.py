"""The config's JSON Schema (built from the providers' own slice schemas) and its validation.

Validation uses JSON Schema (``jsonschema``, bundled with Anki); every message names the key path,
e.g. ``rules[0].mode: 'sometimes' is not one of ['skip', 'overwrite', 'append']``.

Thread safety: pure functions over plain data; call from any thread.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

import jsonschema

from ..base.errors import ConfigError
from ..media.image_output import IMAGE_FORMATS, MAX_MAX_PX, MIN_MAX_PX
from ..media.types import MediaKind
from .rule_schema import RULE_SCHEMA, rule_problems

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
    "tag_notes": {"type": "boolean"},
    "max_media_mb": {"type": "number", "exclusiveMinimum": 0, "maximum": 500},
    "audio_format": {"enum": ["mp3", "ogg", "wav", "flac"]},
    "keep_unconverted_audio": {"type": "boolean"},
    # How pictures are stored (`ImageOutput`): the longer side in pixels, the format, the quality.
    "image_max_px": {"type": "integer", "minimum": MIN_MAX_PX, "maximum": MAX_MAX_PX},
    "image_format": {"enum": list(IMAGE_FORMATS)},
    "image_quality": {"type": "integer", "minimum": 1, "maximum": 100},
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
    # The version of the config's shape (see `config.migration`); a config without it is version 1.
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
            "rules": {"type": "array", "items": RULE_SCHEMA},
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
    known = {kind: list(provider_schemas.get(kind, {})) for kind in MediaKind}
    return rule_problems(config.get("rules", []), known)
