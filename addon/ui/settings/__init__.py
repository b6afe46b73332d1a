"""The settings window (Tools → Media Fill → Settings…, and the add-on manager's Config button): a
page per kind of media with a form per provider, generated from its config schema, and the General
page. The controller uses the names defined and re-exported here; a message's ``settings:`` link
names a `SettingsPlace` (see `links`).

Thread safety: main thread only; the connection tests run in the background (`checks`).
"""

from __future__ import annotations

from aqt.main import AnkiQt

from ...core.media.types import MediaKind
from .dialog import OnSaved, SettingsDialog, find_open_settings
from .links import SettingsPlace

__all__ = ["SettingsDialog", "SettingsPlace", "find_open_settings", "open_settings"]


def open_settings(
    mw: AnkiQt,
    *,
    addon_module: str,
    focus: SettingsPlace | tuple[MediaKind, str] | None = None,
    on_saved: OnSaved | None = None,
) -> SettingsDialog:
    """Open the settings window (or raise the open one), on ``focus``'s page with its field
    focused when given. Returns at once: the window is not modal."""
    dialog = find_open_settings(mw)
    if dialog is None:
        dialog = SettingsDialog(mw, addon_module=addon_module, on_saved=on_saved)
        dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    if focus is not None:
        dialog.focus_place(SettingsPlace(*focus))
    return dialog
