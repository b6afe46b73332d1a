"""Layout and colours shared by the settings window's pages.

Thread safety: main thread only.
"""

from __future__ import annotations

from aqt.qt import QScrollArea, QVBoxLayout, QWidget

ERROR_COLOR = "#c62828"
OK_COLOR = "#2e7d32"
ERROR_STYLE = f"color: {ERROR_COLOR};"
OK_STYLE = f"color: {OK_COLOR};"


def fill_with_scrolling(page: QWidget, body: QWidget) -> None:
    """Make ``body`` the whole of ``page``, scrolling when it is taller than the window."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(body)
    outer = QVBoxLayout(page)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
