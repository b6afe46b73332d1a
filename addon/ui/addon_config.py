"""The add-on's config inside Anki: shipped defaults deep-merged with what the user saved.

Anki's own ``getConfig`` merges only top-level keys, so a user who once saved the config would lose
new provider defaults on update; this merges key by key instead.

Thread safety: main thread only (reads the add-on manager).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aqt.main import AnkiQt

from ..core.provider_system.config_loading import load_config


def addon_folder_name(module: str) -> str:
    return module.split(".", maxsplit=1)[0]


def load_addon_config(mw: AnkiQt, *, addon_module: str) -> dict[str, Any]:
    """The validated config (saved settings brought to the current shape first); raises
    `ConfigError` naming the bad key."""
    return load_config(stored_overrides(mw, addon_module=addon_module))


def stored_overrides(mw: AnkiQt, *, addon_module: str) -> dict[str, Any]:
    """What the user saved over the defaults, as stored (Anki keeps it in the add-on's
    ``meta.json``, which survives updates); empty when nothing was saved."""
    stored = mw.addonManager.addonMeta(addon_folder_name(addon_module)).get("config")
    return dict(stored) if isinstance(stored, dict) else {}


def save_overrides(mw: AnkiQt, overrides: dict[str, Any], *, addon_module: str) -> None:
    """Store ``overrides`` (only what differs from the defaults) where `stored_overrides` reads them."""
    mw.addonManager.writeConfig(addon_folder_name(addon_module), overrides)


def user_files_dir(addon_module: str, *, mw: AnkiQt) -> Path:
    """The add-on's ``user_files`` folder, which Anki keeps when the add-on is updated."""
    return Path(mw.addonManager.addonsFolder(addon_folder_name(addon_module))) / "user_files"
