"""Everything Anki's GUI shows, one package per feature (`fill`, `settings`) beside the word-list
import. `setup` is the add-on's one entry point inside Anki.

Thread safety: main thread only.
"""

from __future__ import annotations

from aqt import gui_hooks
from aqt.main import AnkiQt
from aqt.qt import QMenu

from .auto_fill import AutoFill
from .controller import MENU_OBJECT_NAME, FillMediaController
from .editor import setup_editor


def setup(mw: AnkiQt) -> FillMediaController:
    """Register the Browser menu entries, the Tools → Media Fill menu (Settings…, Import Word
    List…, Jobs…, Last automatic fill…), the add-on manager's Config button, the profile hooks (the
    interrupted-job offer at profile open) and the background fills (on add, the saved search);
    returns the controller."""
    controller = FillMediaController(mw, addon_module=__name__)
    gui_hooks.browser_menus_did_init.append(controller.on_browser_menus_did_init)
    gui_hooks.browser_will_show_context_menu.append(controller.on_browser_context_menu)
    gui_hooks.profile_will_close.append(controller.on_profile_will_close)
    gui_hooks.profile_did_open.append(controller.jobs.on_profile_did_open)
    controller.add_tools_menu()
    controller.editor_fills = setup_editor(controller)
    auto_fill = controller.auto_fill = AutoFill(controller)
    gui_hooks.add_cards_did_add_note.append(auto_fill.on_note_added)
    gui_hooks.profile_did_open.append(auto_fill.on_profile_did_open)
    gui_hooks.sync_did_finish.append(auto_fill.on_sync_did_finish)
    gui_hooks.profile_will_close.append(auto_fill.on_profile_will_close)
    menu = mw.form.menuTools.findChild(QMenu, MENU_OBJECT_NAME)
    if isinstance(menu, QMenu):
        auto_fill.add_menu_entry(menu)
    return controller
