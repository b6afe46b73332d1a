"""The add-on's config inside Anki: shipped defaults deep-merged with what the user saved.

Anki's own ``getConfig`` merges only top-level keys, so a user who once saved the config would lose
new provider defaults on update; this merges key by key instead.

Thread safety: main thread only (reads the add-on manager).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aqt.main import AnkiQt

from ..core.registry import load_config


def addon_folder_name(module: str) -> str:
    return module.split(".", maxsplit=1)[0]


def load_addon_config(mw: AnkiQt, *, addon_module: str) -> dict[str, Any]:
    """The validated config; raises `ConfigError` naming the bad key."""
    meta = mw.addonManager.addonMeta(addon_folder_name(addon_module))
    return load_config(meta.get("config") or {})


def user_files_dir(addon_module: str, *, mw: AnkiQt) -> Path:
    """The add-on's ``user_files`` folder, which Anki keeps when the add-on is updated."""
    return Path(mw.addonManager.addonsFolder(addon_folder_name(addon_module))) / "user_files"
