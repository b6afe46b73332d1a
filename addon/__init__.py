"""Media Fill, an Anki add-on that fills notes' image and audio fields.

Importing this package does nothing unless Anki's main window is running, in which case it hands
the window to `ui.setup`, which registers the add-on's hooks. The command line (``python -m addon``)
imports the same package with no Anki window and so gets no UI. On an Anki older than Media Fill
supports (`anki_version`) it registers nothing and says so once, in a sentence naming the fix.

Kept to Python 3.9 syntax, like `anki_version`: an older Anki must get the message, not a traceback.
"""

from __future__ import annotations

import sys


def _anki_main_window() -> object | None:
    aqt = sys.modules.get("aqt")
    return getattr(aqt, "mw", None) if aqt is not None else None


def _say_unsupported(message: str) -> None:
    """Show ``message`` once the main window is up (add-ons load before it shows)."""
    from aqt.qt import QTimer
    from aqt.utils import showWarning

    QTimer.singleShot(0, lambda: showWarning(message, title="Media Fill"))


if (_mw := _anki_main_window()) is not None:
    from .anki_version import refusal_here

    if (_refusal := refusal_here()) is not None:
        _say_unsupported(_refusal)
    else:
        from .ui import setup

        # Kept so tests and other add-ons can reach the running add-on: ``media_fill.controller``.
        controller = setup(_mw)  # type: ignore[arg-type]
