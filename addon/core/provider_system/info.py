"""What the registry knows about a provider class: its `ProviderInfo`, the JSON Schema of its config
slice, and the interface check every class passes when it is loaded or registered.

Thread safety: pure functions and immutable data; call from any thread.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from ..base.errors import ProviderInterfaceError
from ..media.types import MediaKind
from .media_provider import GENERIC_DEFAULTS, AudioProvider, Capabilities, ImageProvider, KeyUse, MediaProvider
from .transcription import PRICE_PER_MINUTE, PRICE_PER_MINUTE_SCHEMA, TranscriptionProvider

PROVIDER_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

# Settings every provider has (limits, price, switch).
COMMON_PROPERTIES: Mapping[str, Any] = {
    "enabled": {"type": "boolean"},
    "timeout_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
    "retry_attempts": {"type": "integer", "minimum": 0, "maximum": 10},
    "requests_per_minute": {"type": "number", "exclusiveMinimum": 0, "maximum": 100000},
    "max_concurrency": {"type": "integer", "minimum": 1, "maximum": 32},
    "price_per_request": {"type": "number", "minimum": 0, "maximum": 100},
}
# Settings of providers that take a key.
KEY_PROPERTIES: Mapping[str, Any] = {
    "api_key": {"type": "string"},
    "api_key_env": {"type": "string", "pattern": r"^([A-Za-z_][A-Za-z0-9_]*)?$"},
}
# Settings of providers that talk HTTP. The pattern catches most mistakes; `url_problem` the rest.
HTTP_PROPERTIES: Mapping[str, Any] = {
    "base_url": {"type": "string", "pattern": r"^https?://[^\s/?#]+[^\s]*$"},
}
# Settings every transcription provider has (its price is per minute of sound).
TRANSCRIPTION_PROPERTIES: Mapping[str, Any] = {PRICE_PER_MINUTE: PRICE_PER_MINUTE_SCHEMA}
SHARED_KEYS = (
    frozenset(COMMON_PROPERTIES)
    | frozenset(KEY_PROPERTIES)
    | frozenset(HTTP_PROPERTIES)
    | frozenset(TRANSCRIPTION_PROPERTIES)
)

_KIND_BASES: Mapping[MediaKind, type] = {
    MediaKind.IMAGE: ImageProvider,
    MediaKind.AUDIO: AudioProvider,
    MediaKind.TEXT: TranscriptionProvider,
}


def slice_schema(cls: type[MediaProvider]) -> dict[str, Any]:
    """The JSON Schema of one provider's config slice: the shared keys it uses plus its own."""
    properties: dict[str, Any] = dict(COMMON_PROPERTIES)
    if cls.capabilities.key is not KeyUse.NONE:
        properties.update(KEY_PROPERTIES)
    if cls.capabilities.http:
        properties.update(HTTP_PROPERTIES)
    if cls.kind is MediaKind.TEXT:
        properties.update(TRANSCRIPTION_PROPERTIES)
    properties.update(cls.settings_schema)
    return {"type": "object", "additionalProperties": False, "properties": properties}


def loose_slice_schema() -> dict[str, Any]:
    """The schema used for a provider whose class could not be loaded: shared keys are checked,
    its own keys cannot be, so they are let through (the load error is reported on its own)."""
    return {
        "type": "object",
        "additionalProperties": True,
        "properties": {**COMMON_PROPERTIES, **KEY_PROPERTIES, **HTTP_PROPERTIES, **TRANSCRIPTION_PROPERTIES},
    }


def class_defaults(cls: type[MediaProvider]) -> dict[str, Any]:
    """A provider's settings before its config slice: the generic defaults, then its class's."""
    return {**GENERIC_DEFAULTS, "max_concurrency": cls.default_max_concurrency, **cls.default_settings}


@dataclass(frozen=True)
class ProviderLimits:
    requests_per_minute: float
    max_concurrency: int
    timeout_s: float
    retry_attempts: int
    price_per_request: float

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> ProviderLimits:
        merged = {**GENERIC_DEFAULTS, **settings}
        return cls(
            requests_per_minute=float(merged["requests_per_minute"]),
            max_concurrency=int(merged["max_concurrency"]),
            timeout_s=float(merged["timeout_s"]),
            retry_attempts=int(merged["retry_attempts"]),
            price_per_request=float(merged["price_per_request"]),
        )


@dataclass(frozen=True)
class ProviderInfo:
    """A provider's metadata, read from its class without building it."""

    name: str
    kind: MediaKind
    target: str  # "module:Class"
    description: str
    capabilities: Capabilities
    config_schema: Mapping[str, Any]
    default_limits: ProviderLimits
    priority: int
    builtin: bool
    default_settings: Mapping[str, Any] = field(default_factory=dict)
    # What the GUI calls the provider ("Wikimedia Commons"); empty means its name.
    shown_title: str = ""
    # Whether it can list its voices (`MediaProvider.lists_voices`): the voice picker offers it.
    lists_voices: bool = False

    @property
    def title(self) -> str:
        """The provider's title for users, or its name when its class gives none."""
        return self.shown_title or self.name

    @property
    def needs_key(self) -> bool:
        return self.capabilities.needs_key

    @classmethod
    def from_class(
        cls, provider: type[MediaProvider], *, target: str, shipped_defaults: Mapping[str, Any], builtin: bool
    ) -> ProviderInfo:
        defaults = {**class_defaults(provider), **shipped_defaults}
        return cls(
            name=provider.name,
            kind=provider.kind,
            target=target,
            description=provider.description,
            capabilities=provider.capabilities,
            config_schema=slice_schema(provider),
            default_limits=ProviderLimits.from_settings(defaults),
            priority=provider.priority,
            builtin=builtin,
            default_settings=defaults,
            shown_title=provider_title(provider),
            lists_voices=provider.lists_voices(),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "kind": self.kind.value,
            "target": self.target,
            "description": self.description,
            "capabilities": self.capabilities.to_json(),
            "default_limits": vars(self.default_limits),
            "priority": self.priority,
            "builtin": self.builtin,
        }


def provider_title(cls: type[MediaProvider]) -> str:
    """The class's ``title`` stripped, or its ``name`` when the title is missing, empty or not a
    string (a third-party provider need not have one)."""
    title = getattr(cls, "title", "")
    return title.strip() if isinstance(title, str) and title.strip() else str(cls.name)


def check_provider_class(obj: object, *, kind: MediaKind, name: str, target: str) -> type[MediaProvider]:
    """Return ``obj`` as a provider class of ``kind`` registered as ``name``, or raise
    `ProviderInterfaceError` saying everything it misses."""
    if not (isinstance(obj, type) and issubclass(obj, MediaProvider)):
        raise ProviderInterfaceError(f"{target} is not a MediaProvider class", provider=name)
    problems: list[str] = []
    base = _KIND_BASES[kind]
    if not issubclass(obj, base):
        problems.append(f"it must subclass {base.__name__}")
    if getattr(obj, "name", None) != name:
        problems.append(f"its name is {getattr(obj, 'name', None)!r}, registered as {name!r}")
    if getattr(obj, "kind", None) is not kind:
        problems.append(f"its kind is not {kind.value}")
    if inspect.isabstract(obj):
        missing = ", ".join(sorted(getattr(obj, "__abstractmethods__", ())))
        problems.append(f"it does not implement {missing}")
    if not isinstance(getattr(obj, "title", ""), str):
        problems.append("its title is not a string")
    if not isinstance(obj.description, str) or not obj.description.strip():
        problems.append("it has no description")
    if not isinstance(obj.capabilities, Capabilities):
        problems.append("its capabilities are not a Capabilities object")
    if not isinstance(obj.priority, int):
        problems.append("its priority is not an integer")
    problems += _schema_problems(obj)
    if problems:
        raise ProviderInterfaceError(f"{target} is not a valid {kind.value} provider: " + "; ".join(problems))
    return obj


def _schema_problems(obj: type[MediaProvider]) -> list[str]:
    if not isinstance(obj.settings_schema, Mapping):
        return ["its settings_schema is not a mapping of key to JSON Schema"]
    clashes = sorted(set(obj.settings_schema) & SHARED_KEYS)
    if clashes:
        return [f"its settings_schema redefines shared keys {clashes}"]
    if not isinstance(obj.capabilities, Capabilities):
        return []
    schema = slice_schema(obj)
    try:
        jsonschema.Draft7Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return [f"its settings_schema is not valid JSON Schema ({exc.message})"]
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(dict(obj.default_settings)))
    if errors:
        return [f"its default_settings do not match its schema ({errors[0].message})"]
    return []
