"""What the settings window starts from and what it saves, without any Qt.

`load_settings_state` takes the overrides the user saved (Anki's ``meta.json``), brings them to the
current shape (`migrate_config`), lays them over the shipped defaults and sets aside keys this
version does not know (under ``legacy_settings``), noting each step for the window's notice. It
never refuses a config: values that do not validate are shown next to their fields.

`overrides_to_save` turns the window's config back into the overrides to write: only what differs
from the shipped defaults, ``rules`` and ``provider_modules`` as stored, and the current
``config_version``.

Thread safety: pure functions over plain data (they import provider classes to read their
schemas); call from any thread.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...core.base.errors import ConfigError
from ...core.config.files import config_overrides, load_default_config, merge_config
from ...core.config.migration import (
    CURRENT_CONFIG_VERSION,
    LEGACY_KEY,
    VERSION_KEY,
    migrate_config,
    set_aside_unknown_keys,
)
from ...core.config.schema import SliceSchemas
from ...core.media.types import MediaKind
from ...core.provider_system.catalog import ProviderCatalog
from ...core.provider_system.config_loading import catalog_for, slice_schemas
from ...core.provider_system.info import ProviderInfo
from ...core.provider_system.order import default_provider_order
from ...core.provider_system.registry import ProviderRegistry

# Saved exactly as they were stored: the settings window does not edit them.
KEPT_AS_STORED = ("rules", "provider_modules")


@dataclass
class SettingsState:
    """``stored``: the user's overrides, migrated; ``config``: what the window shows (defaults
    with ``stored`` over them, unknown keys set aside); ``notes``: sentences for the notice."""

    defaults: dict[str, Any]
    stored: dict[str, Any]
    config: dict[str, Any]
    infos: dict[MediaKind, list[ProviderInfo]]
    schemas: SliceSchemas
    migration_notes: list[str] = field(default_factory=list)
    set_aside: list[str] = field(default_factory=list)
    load_problems: list[str] = field(default_factory=list)
    # The providers that can run as the config stands (on and set up), as the Fill Media dialog
    # finds them: a new rule uses these, so the window lists them first.
    usable: set[tuple[MediaKind, str]] = field(default_factory=set)

    def shown_order(self, kind: MediaKind) -> list[str]:
        """``kind``'s providers as the window lists them: those that can run first, then the
        others, each part in the default order (the order the Fill Media dialog shows)."""
        order = default_provider_order(self.config, self.infos[kind], kind)
        return [n for n in order if (kind, n) in self.usable] + [n for n in order if (kind, n) not in self.usable]

    def notes(self) -> list[str]:
        """The notice at the top of the window, one paragraph per entry (empty: no notice)."""
        paragraphs = []
        if self.migration_notes:
            changes = "\n".join(f"• {note}" for note in self.migration_notes)
            paragraphs.append(
                "Your settings were saved by an older version of Media Fill. They are shown in the "
                f"current form, which Save writes:\n{changes}"
            )
        if self.set_aside:
            paragraphs.append(
                "This version does not use these settings: "
                + ", ".join(self.set_aside)
                + f". Save keeps them under {LEGACY_KEY}, so nothing is lost."
            )
        paragraphs += self.load_problems
        return paragraphs


def load_settings_state(stored: Mapping[str, Any], *, defaults: Mapping[str, Any] | None = None) -> SettingsState:
    """The window's starting point from the user's saved overrides (see the module docstring)."""
    shipped = load_default_config() if defaults is None else copy.deepcopy(dict(defaults))
    problems: list[str] = []
    catalog = _catalog(merge_config(shipped, stored), shipped, problems)
    known = {kind: catalog.names(kind) for kind in MediaKind}
    migration = migrate_config(stored, known=known)
    schemas = slice_schemas(catalog)
    config, set_aside = set_aside_unknown_keys(merge_config(shipped, migration.config), schemas)
    registry = ProviderRegistry(config, catalog=catalog)
    infos = {kind: registry.infos(kind) for kind in MediaKind}
    usable = {(kind, info.name) for kind in MediaKind for info in infos[kind] if _can_run(registry, kind, info.name)}
    registry.close()
    for (kind, name), error in sorted(registry.load_errors.items(), key=lambda item: (item[0][0].value, item[0][1])):
        problems.append(
            f"The {kind.word} provider {name} could not be loaded ({error.message}); "
            "its settings are kept as they are and it is not shown."
        )
    return SettingsState(
        defaults=shipped,
        stored=migration.config,
        config=config,
        infos=infos,
        schemas=schemas,
        migration_notes=migration.notes,
        set_aside=set_aside,
        load_problems=problems,
        usable=usable,
    )


def _can_run(registry: ProviderRegistry, kind: MediaKind, name: str) -> bool:
    """Whether the provider can run as configured; a config the window shows may not validate,
    so any failure to build it counts as "cannot"."""
    try:
        return registry.setup_problem(kind, name) is None
    except Exception:
        return False


def _catalog(config: Mapping[str, Any], shipped: Mapping[str, Any], problems: list[str]) -> ProviderCatalog:
    modules = config.get("provider_modules")
    if modules is None or (isinstance(modules, Mapping) and all(isinstance(v, Mapping) for v in modules.values())):
        try:
            return catalog_for(config, shipped_defaults=shipped)
        except ConfigError as exc:
            problems.append(f"Your own providers (provider_modules) could not be added: {exc.message}.")
    else:
        problems.append('provider_modules is not in the form {"audio": {"name": "module:Class"}}; it is ignored here.')
    return catalog_for({}, shipped_defaults=shipped)


def overrides_to_save(state: SettingsState, config: Mapping[str, Any]) -> dict[str, Any]:
    """The overrides to write for the window's ``config`` (see the module docstring)."""
    overrides = config_overrides(state.defaults, config)
    for key in KEPT_AS_STORED:
        overrides.pop(key, None)
        if key in state.stored and key in config:
            overrides[key] = copy.deepcopy(config[key])
    overrides[VERSION_KEY] = CURRENT_CONFIG_VERSION
    return overrides
