"""Everything Anki's GUI shows, one package per feature (`fill`, `settings`) beside the word-list
import. `setup` is the add-on's one entry point inside Anki.

Thread safety: main thread only.
"""

from __future__ import annotations

from aqt import gui_hooks
from aqt.main import AnkiQt

from .controller import FillMediaController
from .editor import setup_editor


def setup(mw: AnkiQt) -> FillMediaController:
    """Register the Browser menu entries, the Tools → Media Fill menu (Settings…, Import Word
    List…, Jobs…), the add-on manager's Config button and the profile hooks (the interrupted-job
    offer at profile open); returns the controller."""
    controller = FillMediaController(mw, addon_module=__name__)
    gui_hooks.browser_menus_did_init.append(controller.on_browser_menus_did_init)
    gui_hooks.browser_will_show_context_menu.append(controller.on_browser_context_menu)
    gui_hooks.profile_will_close.append(controller.on_profile_will_close)
    gui_hooks.profile_did_open.append(controller.jobs.on_profile_did_open)
    controller.add_tools_menu()
    controller.editor_fills = setup_editor(controller)
    return controller
