"""A list of one kind's providers: tick the ones a rule uses, order them by priority (the first
ticked is tried first, the next ones are its fallbacks).

Thread safety: main thread only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aqt.qt import (
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QWidget,
    pyqtSignal,
)

from ..widgets import with_buttons

_NAME_ROLE = Qt.ItemDataRole.UserRole


class ProviderPicker(QWidget):
    """Emits ``changed`` whenever the ticks or the order change."""

    changed = pyqtSignal()

    def __init__(self, parent: QWidget | None, *, object_name: str) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.list = QListWidget(self)
        self.list.setObjectName(f"{object_name}_list")
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setMaximumHeight(110)
        self.list.itemChanged.connect(lambda _item: self.changed.emit())
        model = self.list.model()
        assert model is not None
        model.rowsMoved.connect(lambda *_args: self.changed.emit())
        self.up_button = QPushButton("Up", self)
        self.down_button = QPushButton("Down", self)
        for button, step, tip in (
            (self.up_button, -1, "Try the selected provider earlier"),
            (self.down_button, 1, "Try the selected provider later"),
        ):
            button.setObjectName(f"{object_name}_{'up' if step < 0 else 'down'}")
            button.setToolTip(tip)
            button.setMinimumWidth(64)
            button.clicked.connect(lambda _checked=False, step=step: self.move_current(step))
        with_buttons(self.list, [self.up_button, self.down_button], parent=self)

    def set_providers(
        self,
        *,
        order: Sequence[str],
        chosen: Sequence[str],
        notes: Mapping[str, str],
        titles: Mapping[str, str] | None = None,
    ) -> None:
        """Show ``chosen`` first (ticked, in their order), then the rest of ``order``; ``notes``
        gives a short remark per provider (e.g. "off", "needs a key"). A provider is shown by its
        title in ``titles`` (its name when it has none there) and known by its name."""
        self.list.blockSignals(True)
        self.list.clear()
        rest = [name for name in order if name not in chosen]
        for name in [*chosen, *rest]:
            remark = notes.get(name)
            title = (titles or {}).get(name) or name
            item = QListWidgetItem(f"{title} — {remark}" if remark else title)
            item.setData(_NAME_ROLE, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsDragEnabled)
            item.setCheckState(Qt.CheckState.Checked if name in chosen else Qt.CheckState.Unchecked)
            if remark:
                item.setToolTip(f"{title}: {remark}")
            self.list.addItem(item)
        self.list.blockSignals(False)

    def chosen(self) -> list[str]:
        """The ticked providers, first to try first."""
        return [
            str(item.data(_NAME_ROLE))
            for item in (self.list.item(row) for row in range(self.list.count()))
            if item is not None and item.checkState() is Qt.CheckState.Checked
        ]

    def set_checked(self, name: str, checked: bool) -> None:
        item = self._item(name)
        if item is not None:
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def move_provider(self, name: str, *, to_row: int) -> None:
        item = self._item(name)
        if item is None:
            return
        row = self.list.row(item)
        taken = self.list.takeItem(row)
        self.list.insertItem(max(0, min(to_row, self.list.count())), taken)
        self.list.setCurrentItem(taken)
        self.changed.emit()

    def move_current(self, step: int) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.move_provider(str(item.data(_NAME_ROLE)), to_row=self.list.row(item) + step)

    def _item(self, name: str) -> QListWidgetItem | None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item is not None and item.data(_NAME_ROLE) == name:
                return item
        return None
