"""The Fill Media dialog's plan: a table of what each note type's fields will get (to make, skipped,
reused, would fail before any request — a transcript whose sound file is missing — or why a note
type is left alone), and the cost estimate per provider against the budget.

Thread safety: `PlanTable` is a Qt widget, main thread only; `cost_text` and `money` are pure.
"""

from __future__ import annotations

import html

from aqt.qt import QHeaderView, Qt, QTableWidget, QTableWidgetItem, QWidget

from ...collection.plan_summary import PlanSummary
from ..widgets import problem_html

COLUMNS = ("Note type", "Field", "To make", "Skipped", "Reused", "Will fail")
# "Will fail" is shown only when some field would fail; its cells' tooltips give the reasons.
WILL_FAIL = COLUMNS.index("Will fail")
# The table grows with its rows up to this many, then scrolls.
MAX_ROWS_SHOWN = 6


class PlanTable(QTableWidget):
    """A row per target of the plan (numbers right-aligned), as high as its rows."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("plan_table")
        self.setHorizontalHeaderLabels(list(COLUMNS))
        rows_header = _header(self.verticalHeader())
        rows_header.setVisible(False)
        rows_header.setDefaultSectionSize(parent.fontMetrics().height() + 8)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = _header(self.horizontalHeader())
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def show_summary(self, summary: PlanSummary) -> None:
        # Each row's values, and the tooltip of its Will fail cell (the reasons, most frequent first).
        rows = [
            (
                (t.note_type, f"{t.field_name} ({t.kind.word})", t.generate, t.skipped, t.reused, t.failures.total()),
                "\n".join(f"{why} ({count})" for why, count in t.failures.most_common()),
            )
            for t in summary.targets
        ]
        rows += [((name, f"left alone: {why}", 0, 0, 0, 0), "") for name, why in summary.left_alone.items()]
        self.setRowCount(len(rows))
        for row, (values, reasons) in enumerate(rows):
            for column, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                if column >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == WILL_FAIL and reasons:
                    item.setToolTip(reasons)
                self.setItem(row, column, item)
        self.setColumnHidden(WILL_FAIL, not any(t.failures for t in summary.targets))
        shown = min(max(len(rows), 1), MAX_ROWS_SHOWN)
        header_height = _header(self.horizontalHeader()).height()
        row_height = _header(self.verticalHeader()).defaultSectionSize()
        self.setFixedHeight(header_height + shown * row_height + 4)


def _header(header: QHeaderView | None) -> QHeaderView:
    assert header is not None
    return header


def cost_text(summary: PlanSummary) -> str:
    """The plan's requests and cost per provider, the total, and the budget, as rich text."""
    parts = []
    for name, count in sorted(summary.requests.items()):
        usd = summary.usd.get(name, 0.0)
        price = f" ≈ {money(usd)}" if usd else " (free)"
        parts.append(f"{html.escape(name)}: {count} request{'s' if count != 1 else ''}{price}")
    lines = ["Requests: " + "; ".join(parts) if parts else "No requests: nothing new to make."]
    budget = "no budget cap" if summary.budget_usd is None else f"budget cap {money(summary.budget_usd)}"
    lines.append(f"Estimated cost: <b>{money(summary.total_usd)}</b> ({budget}).")
    if summary.over_budget:
        lines.append(
            problem_html(
                "The estimate is over the budget: the job stops when the budget is reached, and the rest is "
                "reported as not started."
            )
        )
    return "<br>".join(lines)


def money(usd: float) -> str:
    """Dollars with cents, or with the digits that matter for fractions of a cent ($0.0006)."""
    return f"${usd:.4f}".rstrip("0") if 0 < usd < 0.01 else f"${usd:.2f}"
