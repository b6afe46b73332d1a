"""A page of the settings window for one kind of media (Images, Audio): its providers listed on the
left in the order new rules try them (Up and Down change it), each with its status, and the form of
the provider selected on the right.

Thread safety: Qt widgets, main thread only.
"""

from __future__ import annotations

from collections.abc import Sequence

from aqt.qt import (
    QBrush,
    QColor,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    Qt,
    QVBoxLayout,
    QWidget,
)

from ...core.media.types import MediaKind
from .layout import ERROR_COLOR, OK_COLOR
from .provider_page import ProviderPage

_RED, _GREEN, _GREY = QColor(ERROR_COLOR), QColor(OK_COLOR), QColor("#757575")
_NAME_ROLE = Qt.ItemDataRole.UserRole


class KindPage(QWidget):
    """``pages`` are the kind's provider pages in their default order."""

    def __init__(self, kind: MediaKind, pages: Sequence[ProviderPage]) -> None:
        super().__init__()
        self.kind = kind
        self.setObjectName(f"kind_page:{kind.value}")
        self.pages = {page.info.name: page for page in pages}
        self._problems: set[str] = set()

        self.list = QListWidget()
        self.list.setObjectName(f"providers:{kind.value}")
        # A line never scrolls sideways: it says the status in short, its tooltip says it all.
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.stack = QStackedWidget()
        for page in pages:
            item = QListWidgetItem(page.info.title)
            item.setData(_NAME_ROLE, page.info.name)
            self.list.addItem(item)
            self.stack.addWidget(page)
            self.refresh(page)
        self.list.currentItemChanged.connect(self._show_selected)

        self.up = QPushButton("Up")
        self.up.setObjectName(f"move_up:{kind.value}")
        self.down = QPushButton("Down")
        self.down.setObjectName(f"move_down:{kind.value}")
        for button, step in ((self.up, -1), (self.down, 1)):
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, step=step: self.move_selected(step))

        hint = QLabel("New rules try these providers in this order.")
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.up)
        buttons.addWidget(self.down)
        left = QVBoxLayout()
        left.addWidget(hint)
        left.addWidget(self.list, 1)
        left.addLayout(buttons)
        row = QHBoxLayout(self)
        row.addLayout(left, 1)
        row.addWidget(self.stack, 3)
        if pages:
            self.list.setCurrentRow(0)

    # Order

    def _items(self) -> list[QListWidgetItem]:
        return [item for row in range(self.list.count()) if (item := self.list.item(row)) is not None]

    def _item(self, name: str) -> QListWidgetItem | None:
        return next((item for item in self._items() if item.data(_NAME_ROLE) == name), None)

    def order(self) -> list[str]:
        return [str(item.data(_NAME_ROLE)) for item in self._items()]

    def move_selected(self, step: int) -> None:
        """Move the selected provider ``step`` places (−1 up, +1 down), if there is room."""
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)

    # Selection

    def select(self, name: str) -> bool:
        """Show ``name``'s page; False when the kind has no such provider."""
        item = self._item(name)
        if item is None:
            return False
        self.list.setCurrentItem(item)
        return True

    def current_page(self) -> ProviderPage | None:
        item = self.list.currentItem()
        return self.pages.get(str(item.data(_NAME_ROLE))) if item is not None else None

    def _show_selected(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is not None:
            self.stack.setCurrentWidget(self.pages[str(current.data(_NAME_ROLE))])

    # Status

    def item_text(self, name: str) -> str:
        """The provider's line in the list, as shown."""
        item = self._item(name)
        return item.text() if item is not None else ""

    def refresh(self, page: ProviderPage) -> None:
        """Update the provider's line in the list: its status, its last test, its problems."""
        name = page.info.name
        item = self._item(name)
        if item is None:
            return
        setup = page.setup_status()
        text = tooltip = f"{page.info.title} · {setup}"
        color = _GREY if setup == "off" else None
        if page.check_text:
            text += f" — {short_status(page.check_text)}"
            tooltip += f" — {page.check_text}"
            color = _GREEN if page.check_ok else _RED
        if name in self._problems:
            text, tooltip = f"⚠ {text}", f"{tooltip} — fix the settings marked in red"
            color = _RED
        item.setText(text)
        item.setToolTip(tooltip)
        item.setData(Qt.ItemDataRole.ForegroundRole, QBrush(color) if color is not None else None)

    def problem_names(self) -> set[str]:
        """The providers marked as having problems."""
        return set(self._problems)

    def mark_problems(self, names: set[str]) -> None:
        """Highlight the providers whose pages have problems (an empty set clears the marks)."""
        self._problems = set(names)
        for page in self.pages.values():
            self.refresh(page)


def short_status(check_text: str) -> str:
    """A test's outcome as the list shows it: ``unhealthy`` for ``unhealthy: <reason>``."""
    return check_text.partition(":")[0].strip()
