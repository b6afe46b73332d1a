"""Media Fill, an Anki add-on that fills notes' image and audio fields.

Importing this package does nothing unless Anki's main window is running, in which case it hands
the window to `ui.setup`, which registers the add-on's hooks. The command line (``python -m addon``)
imports the same package with no Anki window and so gets no UI.
"""

from __future__ import annotations

import sys


def _anki_main_window() -> object | None:
    aqt = sys.modules.get("aqt")
    return getattr(aqt, "mw", None) if aqt is not None else None


if (_mw := _anki_main_window()) is not None:
    from .ui import setup

    # Kept so tests and other add-ons can reach the running add-on: ``media_fill.controller``.
    controller = setup(_mw)  # type: ignore[arg-type]
