"""Small pieces the add-on's windows share: the red a problem is shown in, and a label that shows
its text as typed.

Thread safety: `plain_label` makes a Qt widget (main thread only); the rest is pure.
"""

from __future__ import annotations

from aqt.qt import QLabel, Qt

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
