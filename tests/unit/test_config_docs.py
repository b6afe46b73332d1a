"""config.json holds every default and config.md documents every key of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from addon.core.config.files import default_config_path, load_default_config
from addon.core.provider_system.catalog import BUILTIN_PROVIDERS
from addon.core.provider_system.info import COMMON_PROPERTIES, HTTP_PROPERTIES, KEY_PROPERTIES

DOC = (Path(default_config_path()).parent / "config.md").read_text(encoding="utf-8")


def _documented_keys() -> list[str]:
    config: dict[str, Any] = load_default_config()
    keys = []
    for name, value in config.items():
        if name in ("providers", "rules"):
            continue
        if name == "circuit_breaker":
            keys += [f"{name}.{sub}" for sub in value]
        else:
            keys.append(name)
    keys += sorted({key for rule in config["rules"] for key in rule})
    keys += sorted({*COMMON_PROPERTIES, *KEY_PROPERTIES, *HTTP_PROPERTIES})
    for providers in config["providers"].values():
        for settings in providers.values():
            keys += sorted(settings)
    return keys


@pytest.mark.parametrize("key", sorted(set(_documented_keys())))
def test_every_config_key_is_documented(key: str) -> None:
    assert f"`{key}`" in DOC, f"config.md does not explain `{key}`"


@pytest.mark.parametrize("name", [n for names in BUILTIN_PROVIDERS.values() for n in names])
def test_every_builtin_provider_has_its_section_and_shipped_defaults(name: str) -> None:
    assert f"### `{name}`" in DOC
    config = load_default_config()
    kind = next(k for k, names in BUILTIN_PROVIDERS.items() if name in names)
    shipped = config["providers"][kind.value][name]
    assert set(COMMON_PROPERTIES) <= set(shipped), "config.json holds every default, shared keys included"
