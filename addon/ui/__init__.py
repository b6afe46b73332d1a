"""Everything Anki's GUI shows. `setup` is the add-on's one entry point inside Anki.

Thread safety: main thread only.
"""

from __future__ import annotations

from aqt import gui_hooks
from aqt.main import AnkiQt
from aqt.qt import QAction
from aqt.utils import showWarning

from ..core.errors import ConfigError
from .addon_config import addon_folder_name
from .controller import FillMediaController

SETTINGS_ACTION_TEXT = "Media Fill…"
SETTINGS_ACTION_OBJECT_NAME = "media_fill_settings_action"


def setup(mw: AnkiQt) -> FillMediaController:
    """Register the Browser menu entries, the settings window (Tools → Media Fill… and the add-on
    manager's Config button) and the profile hooks; returns the controller."""
    controller = FillMediaController(mw, addon_module=__name__)
    gui_hooks.browser_menus_did_init.append(controller.on_browser_menus_did_init)
    gui_hooks.browser_will_show_context_menu.append(controller.on_browser_context_menu)
    gui_hooks.profile_will_close.append(controller.on_profile_will_close)
    _add_settings_entries(mw, controller)
    return controller


def _add_settings_entries(mw: AnkiQt, controller: FillMediaController) -> None:
    def open_settings() -> None:
        try:
            controller.open_settings()
        except ConfigError as exc:  # only when the add-on's own files are damaged
            showWarning(f"Media Fill's settings cannot be opened: {exc.message}.", parent=mw, title="Media Fill")

    action = QAction(SETTINGS_ACTION_TEXT, mw)
    action.setObjectName(SETTINGS_ACTION_OBJECT_NAME)
    action.triggered.connect(lambda _checked=False: open_settings())
    mw.form.menuTools.addAction(action)
    mw.addonManager.setConfigAction(addon_folder_name(__name__), open_settings)
