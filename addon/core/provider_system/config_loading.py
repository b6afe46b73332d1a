"""Loading the add-on's config: the single way to get a validated config (CLI, Anki, tests).

`load_config` merges the user's overrides over the shipped defaults, brings them to the current
shape (`migrate_config`), and validates the result against every known provider's config-slice
schema. `catalog_for` builds the provider catalog a config names; `slice_schemas` reads the
schemas from it; `remember_config_secrets` makes sure no key the config holds reaches a log.

Thread safety: pure functions over their arguments, except that loading imports provider classes
(Python's import lock makes that safe) and secrets are remembered in the log's thread-safe set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..base.errors import ConfigError, DuplicateProviderError, RegistryError
from ..base.log import remember_secrets
from ..config.files import load_default_config, merge_config
from ..config.migration import migrate_config
from ..config.schema import validate_config
from ..media.types import MediaKind
from .catalog import ProviderCatalog
from .info import loose_slice_schema
from .media_provider import resolve_api_key


def catalog_for(config: Mapping[str, Any], *, shipped_defaults: Mapping[str, Any] | None = None) -> ProviderCatalog:
    """The catalog for ``config``: built-in, add-on-registered and ``provider_modules`` providers.

    A configured module name that is taken already becomes a `ConfigError` naming the key path.
    """
    modules = config.get("provider_modules") or {}
    try:
        return ProviderCatalog(configured_modules=modules, shipped_defaults=shipped_defaults)
    except DuplicateProviderError as exc:
        raise ConfigError(f"invalid config: provider_modules: {exc.message}") from None
    except RegistryError as exc:
        raise ConfigError(f"invalid config: provider_modules: {exc}") from None


def slice_schemas(catalog: ProviderCatalog) -> dict[MediaKind, dict[str, Mapping[str, Any]]]:
    """Each known provider's config-slice schema; a provider that cannot be loaded gets a loose one
    (its load error is reported when it is used)."""
    infos, failures = catalog.load_all()
    schemas: dict[MediaKind, dict[str, Mapping[str, Any]]] = {kind: {} for kind in MediaKind}
    for info in infos:
        schemas[info.kind][info.name] = info.config_schema
    for kind, name in failures:
        schemas[kind][name] = loose_slice_schema()
    return schemas


def load_config(overrides: Mapping[str, Any] | None, *, shipped: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The shipped defaults with ``overrides`` (brought to the current shape by `migrate_config`)
    deep-merged over them, validated against every known provider's schema; raises `ConfigError`
    naming each bad key. Loads provider classes (not instances) to read their schemas."""
    defaults = load_default_config() if shipped is None else shipped
    config = merge_config(defaults, overrides)
    modules = config.get("provider_modules")
    if modules is not None and not isinstance(modules, Mapping):
        raise ConfigError(f"invalid config: provider_modules: {modules!r} is not of type 'object'")
    catalog = catalog_for(config, shipped_defaults=defaults)
    known = {kind: catalog.names(kind) for kind in MediaKind}
    config = merge_config(defaults, migrate_config(overrides or {}, known=known).config)
    validate_config(config, slice_schemas(catalog))
    remember_config_secrets(config)
    return config


def remember_config_secrets(config: Mapping[str, Any], *, environ: Mapping[str, str] | None = None) -> None:
    """Every key the config holds or names (through ``api_key_env``) is redacted from logs and
    error texts from now on, whether or not its provider is ever built."""
    for providers in config.get("providers", {}).values():
        for settings in providers.values():
            if isinstance(settings, Mapping):
                remember_secrets(str(settings.get("api_key") or ""), resolve_api_key(settings, environ=environ))
