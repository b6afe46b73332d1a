"""Everything Anki's GUI shows. `setup` is the add-on's one entry point inside Anki.

Thread safety: main thread only.
"""

from __future__ import annotations

from aqt import gui_hooks
from aqt.main import AnkiQt
from aqt.qt import QAction, QMenu
from aqt.utils import showWarning

from ..core.base.errors import ConfigError
from .addon_config import addon_folder_name
from .controller import FillMediaController

MENU_TITLE = "Media Fill"
MENU_OBJECT_NAME = "media_fill_menu"
SETTINGS_ACTION_TEXT = "Settings…"
SETTINGS_ACTION_OBJECT_NAME = "media_fill_settings_action"
IMPORT_ACTION_TEXT = "Import Word List…"
IMPORT_ACTION_OBJECT_NAME = "media_fill_import_action"


def setup(mw: AnkiQt) -> FillMediaController:
    """Register the Browser menu entries, the Tools → Media Fill menu (Settings…, Import Word
    List…), the add-on manager's Config button and the profile hooks; returns the controller."""
    controller = FillMediaController(mw, addon_module=__name__)
    gui_hooks.browser_menus_did_init.append(controller.on_browser_menus_did_init)
    gui_hooks.browser_will_show_context_menu.append(controller.on_browser_context_menu)
    gui_hooks.profile_will_close.append(controller.on_profile_will_close)
    _add_tools_menu(mw, controller)
    return controller


def _add_tools_menu(mw: AnkiQt, controller: FillMediaController) -> None:
    def open_settings() -> None:
        try:
            controller.open_settings()
        except ConfigError as exc:  # only when the add-on's own files are damaged
            showWarning(f"Media Fill's settings cannot be opened: {exc.message}.", parent=mw, title="Media Fill")

    menu = QMenu(MENU_TITLE, mw.form.menuTools)
    menu.setObjectName(MENU_OBJECT_NAME)
    for text, name, slot in (
        (SETTINGS_ACTION_TEXT, SETTINGS_ACTION_OBJECT_NAME, open_settings),
        (IMPORT_ACTION_TEXT, IMPORT_ACTION_OBJECT_NAME, controller.open_import),
    ):
        action = QAction(text, menu)
        action.setObjectName(name)
        action.triggered.connect(lambda _checked=False, slot=slot: slot())
        menu.addAction(action)
    mw.form.menuTools.addMenu(menu)
    mw.addonManager.setConfigAction(addon_folder_name(__name__), open_settings)
