"""Background fills of saved notes, without the Fill Media dialog: a note added in the Add window
(when its rule has ``fill_on_add``) and the notes of the saved search ``auto_fill_search`` (at
profile open and after each sync). `AutoFill` holds the hooks; `BackgroundFills` the queue that
feeds the controller's one job at a time.

Thread safety: main thread only.
"""

from __future__ import annotations

from .background import BackgroundFills
from .triggers import LAST_RUN_ACTION_OBJECT_NAME, LAST_RUN_ACTION_TEXT, AutoFill

__all__ = ["LAST_RUN_ACTION_OBJECT_NAME", "LAST_RUN_ACTION_TEXT", "AutoFill", "BackgroundFills"]
