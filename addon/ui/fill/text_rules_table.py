"""A target's text rules in the Fill Media dialog: a small table of find / replace / regex rows,
applied in order to the cleaned text before it is sent, with buttons to add and remove rows.

Thread safety: main thread only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aqt.qt import (
    QHeaderView,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
    pyqtSignal,
)

from ..widgets import with_buttons

COLUMNS = ("Find", "Replace with", "Regex")
_FIND, _REPLACE, _REGEX = range(3)


class TextRulesTable(QWidget):
    """Edits a list of ``{"find", "replace", "regex"}`` dicts; emits ``changed`` on every edit."""

    changed = pyqtSignal()

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("text_rules")
        self._loading = False
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("text_rules_table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setMaximumHeight(110)
        self.table.setToolTip(
            "Changes to the text before it is read, in order: e.g. find (to) and replace it with nothing. "
            "Tick Regex to find a Python regular expression."
        )
        header = self.table.horizontalHeader()
        assert header is not None
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(_REGEX, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemChanged.connect(lambda _item: self._edited())
        self.add_button = QPushButton("Add rule", self)
        self.add_button.setObjectName("add_text_rule")
        self.add_button.clicked.connect(lambda _checked=False: self.add_rule())
        self.remove_button = QPushButton("Remove rule", self)
        self.remove_button.setObjectName("remove_text_rule")
        self.remove_button.clicked.connect(self.remove_current)
        with_buttons(self.table, [self.add_button, self.remove_button], parent=self)

    def _edited(self) -> None:
        if not self._loading:
            self.changed.emit()

    def set_rules(self, rules: Sequence[Mapping[str, Any]]) -> None:
        self._loading = True
        try:
            self.table.setRowCount(0)
            for rule in rules:
                self._append(str(rule.get("find", "")), str(rule.get("replace", "")), bool(rule.get("regex")))
        finally:
            self._loading = False

    def add_rule(self, find: str = "", replace: str = "", *, regex: bool = False) -> None:
        """A new row at the end (selected, its Find cell ready to type into)."""
        self._loading = True
        try:
            row = self._append(find, replace, regex)
        finally:
            self._loading = False
        self.table.setCurrentCell(row, _FIND)
        self.changed.emit()

    def remove_current(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            row = self.table.rowCount() - 1
        if row >= 0:
            self.table.removeRow(row)
            self.changed.emit()

    def _append(self, find: str, replace: str, regex: bool) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, _FIND, QTableWidgetItem(find))
        self.table.setItem(row, _REPLACE, QTableWidgetItem(replace))
        check = QTableWidgetItem()
        check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        check.setCheckState(Qt.CheckState.Checked if regex else Qt.CheckState.Unchecked)
        self.table.setItem(row, _REGEX, check)
        return row

    def rules(self) -> list[dict[str, Any]]:
        """The rows as text rule dicts, in order; a row with nothing to find is left out."""
        out = []
        for row in range(self.table.rowCount()):
            find, replace, regex = (self.table.item(row, column) for column in range(len(COLUMNS)))
            if find is None or not find.text():
                continue
            out.append(
                {
                    "find": find.text(),
                    "replace": replace.text() if replace is not None else "",
                    "regex": regex is not None and regex.checkState() is Qt.CheckState.Checked,
                }
            )
        return out
