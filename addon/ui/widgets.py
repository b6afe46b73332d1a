"""Small pieces the add-on's windows share: the red a problem is shown in, and a label that shows
its text as typed.

Thread safety: `plain_label` makes a Qt widget (main thread only); the rest is pure.
"""

from __future__ import annotations

from collections.abc import Sequence

from aqt.qt import QHBoxLayout, QLabel, QPushButton, Qt, QVBoxLayout, QWidget

PROBLEM_COLOR = "#b00020"
PROBLEM_STYLE = f"color: {PROBLEM_COLOR};"


def problem_html(rich_text: str) -> str:
    """``rich_text`` (escaped already) in the problem red, for a rich-text label."""
    return f'<span style="color:{PROBLEM_COLOR}">{rich_text}</span>'


def plain_label(object_name: str, text: str, *, wrap: bool = False, selectable: bool = False) -> QLabel:
    """A label that shows its text as typed, never as HTML: words come from the user's notes and
    reasons from servers."""
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def with_buttons(main: QWidget, buttons: Sequence[QPushButton], *, parent: QWidget | None = None) -> QHBoxLayout:
    """``main`` (a list or table) with ``buttons`` in a column on its right; set on ``parent``
    without margins when it is given."""
    column = QVBoxLayout()
    for button in buttons:
        column.addWidget(button)
    column.addStretch(1)
    row = QHBoxLayout(parent) if parent is not None else QHBoxLayout()
    if parent is not None:
        row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(main, 1, Qt.AlignmentFlag.AlignTop)
    row.addLayout(column)
    return row
