"""Throwaway Anki base folders: a profile that opens without the first-run dialogs, with the add-on
linked from the working tree.

Used by `make run` and by the GUI tests. Import this before Qt starts only for paths; the functions
that touch ``aqt.profiles`` import it lazily.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .paths import ADDON_PACKAGE, ADDON_SOURCE, REPO, TOP_LEVEL_ADDON_FILES

PROFILE = "MediaFill"


def create_base(base: Path, *, profile: str = PROFILE) -> Path:
    """Create ``base`` with ``profile`` (English, no update checks) and return the profile folder."""
    from aqt.profiles import ProfileManager

    base.mkdir(parents=True, exist_ok=True)
    manager = ProfileManager(base)
    manager.setupMeta()
    manager.meta["firstRun"] = False
    manager.meta["defaultLang"] = "en_US"
    manager.set_update_check(False)
    # Anki 25.07 has no add-on update setting (added in 25.09); there is nothing to turn off.
    if hasattr(manager, "set_check_for_addon_updates"):
        manager.set_check_for_addon_updates(False)
    manager.create(profile)  # does nothing when the profile exists
    manager.load(profile)
    manager.save()
    return base / profile


def link_addon(base: Path) -> Path:
    """Make ``base/addons21/media_fill`` a folder of symlinks to the working tree's add-on files, plus
    the top-level manifest.json, config.json and config.md (as `make package` would copy them)."""
    target = base / "addons21" / ADDON_PACKAGE
    if target.is_symlink() or target.is_file():
        target.unlink()
    target.mkdir(parents=True, exist_ok=True)
    for entry in ADDON_SOURCE.iterdir():
        if entry.name in ("__pycache__", "user_files"):
            continue
        _symlink(target / entry.name, entry)
    for name in TOP_LEVEL_ADDON_FILES:
        _symlink(target / name, REPO / name)
    return target


def _symlink(link: Path, source: Path) -> None:
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.is_dir():
        shutil.rmtree(link)
    os.symlink(source, link)


def headless_environment(*, single_instance_key: str, offscreen: bool = False) -> dict[str, str]:
    """Environment variables that let the real Anki start with no screen, as root, beside others.
    Qt draws offscreen when ``offscreen`` is set or there is no screen."""
    env = {
        "QTWEBENGINE_DISABLE_SANDBOX": "1",
        "ANKI_SINGLE_INSTANCE_KEY": single_instance_key,
        "ANKI_NOHIGHDPI": "1",
    }
    if offscreen or (not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def pump(app: Any, until: Callable[[], bool], *, timeout: float = 30.0, what: str = "condition") -> None:
    """Process Qt events until ``until()`` is true; a `TimeoutError` naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        app.processEvents()
        time.sleep(0.005)
