"""Layout shared by the settings window's pages.

Thread safety: main thread only.
"""

from __future__ import annotations

from aqt.qt import QScrollArea, QVBoxLayout, QWidget


def fill_with_scrolling(page: QWidget, body: QWidget) -> None:
    """Make ``body`` the whole of ``page``, scrolling when it is taller than the window."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(body)
    outer = QVBoxLayout(page)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
