"""The settings window (Tools → Media Fill → Settings…, and the add-on manager's Config button): a
page per kind of media with a form per provider, generated from its config schema, and the General
page. The controller uses the names re-exported here.

Thread safety: main thread only; the connection tests run in the background (`checks`).
"""

from __future__ import annotations

from .dialog import SettingsDialog, find_open_settings, open_settings

__all__ = ["SettingsDialog", "find_open_settings", "open_settings"]
