"""Knows every provider by kind and name and builds them with their own config slice.

The mapping below is explicit (no scanning, no ``__subclasses__``); a provider module is imported
only when that provider is first needed. Adding a provider takes one module and one line here.

Thread safety: build and query the registry on one thread; the provider instances it hands out
follow the rules in `interfaces`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from .config import load_default_config, merge_config, provider_settings, validate_config
from .errors import ConfigError
from .interfaces import MediaProvider
from .media import MediaKind

# {kind: {name: "module:Class"}}, modules relative to the add-on package.
PROVIDER_MAP: Mapping[MediaKind, Mapping[str, str]] = {
    MediaKind.IMAGE: {},
    MediaKind.AUDIO: {
        "espeak": ".providers.audio.espeak:EspeakProvider",
    },
}

_ADDON_PACKAGE = __name__.rsplit(".", 2)[0]


def load_provider_class(kind: MediaKind, name: str) -> type[MediaProvider]:
    """Import one provider's class and check it implements the interface for its kind."""
    try:
        target = PROVIDER_MAP[kind][name]
    except KeyError:
        known = ", ".join(sorted(PROVIDER_MAP.get(kind, {}))) or "none"
        raise ConfigError(f"unknown {kind.value} provider {name!r} (known: {known})") from None
    module_name, _, class_name = target.partition(":")
    module = importlib.import_module(module_name, package=_ADDON_PACKAGE)
    cls = getattr(module, class_name)
    if not (isinstance(cls, type) and issubclass(cls, MediaProvider)) or cls.kind is not kind or cls.name != name:
        raise TypeError(f"{target} is not the {kind.value} provider {name!r}")
    return cls


def provider_schemas() -> dict[MediaKind, dict[str, Mapping[str, Any]]]:
    """Each known provider's settings schema, by kind and name (imports the provider modules)."""
    return {
        kind: {name: load_provider_class(kind, name).settings_schema for name in names}
        for kind, names in PROVIDER_MAP.items()
    }


def load_config(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """The shipped defaults with ``overrides`` deep-merged over them, validated against every known
    provider's schema; raises `ConfigError` naming the bad key."""
    config = merge_config(load_default_config(), overrides)
    validate_config(config, provider_schemas())
    return config


class ProviderRegistry:
    """Builds provider instances from a validated config and caches them until `close`."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._config = config
        self._instances: dict[tuple[MediaKind, str], MediaProvider] = {}

    def get(self, kind: MediaKind, name: str) -> MediaProvider:
        key = (kind, name)
        if key not in self._instances:
            cls = load_provider_class(kind, name)
            self._instances[key] = cls(provider_settings(self._config, kind, name))
        return self._instances[key]

    def close(self) -> None:
        for provider in self._instances.values():
            provider.close()
        self._instances.clear()
