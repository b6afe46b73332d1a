"""The window shown when a Fill Media job ends: what was filled, skipped, reused and failed, what it
cost, which providers were not used and why, and a table of every failure, with buttons to show
failed notes in the Browser (the filled notes when nothing failed), retry them, or copy the whole
report as text. The headline says whether the job failed, partly failed or is done. A report keeps
the first `REPORT_FAILURE_LIMIT` failures only: the window and Copy report say how many more there
are and where the journal lists them all (Retry failed retries them all, from the journal). Providers not
used are named by their titles (the failures table's Provider column and Copy report keep names); a
setting a reason names is named by its label on the settings form, and linked, in the lines about
providers and in a line under the failures, to the settings window at that field (Copy report
keeps key paths).

Every text that comes from a server or a note (reasons, provider problems, note labels) is shown as
plain text, never as HTML (escaped, where a label holds links). Messages arrive already redacted;
nothing here adds secrets back.

Thread safety: main thread only (Qt widgets). `report_text` is pure and may run anywhere.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping

from aqt.qt import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFont,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPoint,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from aqt.utils import tooltip

from ...core.job.report import JobReport, TargetError
from ...core.text.cleaning import fold_whitespace
from ..settings.links import SettingsPlace, parse_settings_link, settings_plain
from ..widgets import plain_label
from .report_links import advice_lines, named_settings_html, not_used_lines, settings_link_label
from .report_text import (
    doubtful_lines,
    failure_count,
    headline,
    money_line,
    note_label,
    report_text,
)

WINDOW_TITLE = "Fill Media — report"
# The failures table shows at most this many rows; Copy report has every failure the report kept.
MAX_TABLE_ROWS = 2000
# Skip reasons listed in the window (most common first); Copy report has them all.
MAX_SKIP_REASONS = 5
COLUMNS = ("Note", "Field", "Provider", "Reason")
_NOTE_ID_ROLE = Qt.ItemDataRole.UserRole
_ERROR_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's index in `JobReport.errors`
CHOOSE_TEXT = "Choose…"


# The window


class JobReportDialog(QDialog):
    """The report window; non-modal, deletes itself when closed (keep a reference only while it is
        open, and one at all when ``parent`` is None).

        ``on_show_notes`` gets note ids to show in the Browser: the failed notes (deduplicated, in table
        order), or the filled notes (in the order they were filled) when nothing failed;
        ``on_retry_failed`` (None: the Retry failed button stays disabled) is called once, after which
        the window closes. ``on_open_settings`` (None: settings are named, not linked) opens the
        settings window at a setting a reason names; ``on_review`` (None: Review… stays disabled) gets
        the filled notes' ids for the Review window; ``on_choose`` (None: Choose… stays disabled) gets the
    failure of the selected row (its **Choose…** button, or the row's context menu) to choose media
    for that note's field among candidates. All are called on the main thread.
    """

    silentlyClose = True  # Anki may close it on profile unload without complaint

    def __init__(
        self,
        parent: QWidget | None,
        report: JobReport,
        *,
        note_labels: Mapping[int, str],
        on_show_notes: Callable[[list[int]], None],
        on_retry_failed: Callable[[], None] | None,
        on_open_settings: Callable[[SettingsPlace], object] | None = None,
        on_review: Callable[[list[int]], object] | None = None,
        on_choose: Callable[[TargetError], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("media_fill_report")
        self.setWindowTitle(WINDOW_TITLE)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.report = report
        self._note_labels = note_labels
        self._on_show_notes = on_show_notes
        self._on_retry_failed = on_retry_failed
        self._on_open_settings = on_open_settings
        self._on_review = on_review
        self._on_choose = on_choose
        self.row_menu: QMenu | None = None

        layout = QVBoxLayout(self)
        layout.addWidget(_heading_label(headline(report)))
        for line in advice_lines(report):
            layout.addWidget(_label("advice", line, wrap=True))
        layout.addLayout(self._count_boxes())
        if money := money_line(report):
            layout.addWidget(_label("money", money))
        if report.provider_problems:
            layout.addWidget(self._providers_not_used())
        for name, text in self._detail_texts():
            layout.addWidget(_label(name, text, wrap=True))

        self.table = self._failures_table()
        has_failures = bool(failure_count(report))
        if has_failures:
            count = failure_count(report)
            layout.addWidget(_label("failures_heading", f"Failures ({count}) — double-click one to see its note"))
        layout.addWidget(self.table, stretch=1)
        hidden = len(report.errors) - self.table.rowCount()
        if hidden > 0:
            more = _label("more_failures", f"… and {hidden} more (Copy report has them all)")
            layout.addWidget(more)
        if left_out := report.left_out_sentence():
            layout.addWidget(_label("failures_left_out", f"{left_out} Retry failed retries them all.", wrap=True))
        if report.errors and (fixes := self._failure_settings()) is not None:
            layout.addWidget(fixes)
        if not has_failures:
            self.table.setHidden(True)
            layout.addWidget(_label("no_failures", "Nothing failed."))
            layout.addStretch(1)

        buttons = self._buttons()
        layout.addWidget(buttons)
        if has_failures:
            self.resize(780, 560)
        # Never so narrow that a button's label is cut ("Show in Brov"): the buttons' width and margins.
        margins = layout.contentsMargins()
        self.setMinimumWidth(max(460, buttons.sizeHint().width() + margins.left() + margins.right()))

    # Building

    def _count_boxes(self) -> QHBoxLayout:
        counts = [
            ("filled", "Filled", self.report.filled),
            ("skipped", "Skipped", self.report.skipped),
            ("reused", "Reused", self.report.reused),
            ("failed", "Failed", self.report.failed),
        ]
        if self.report.not_started:
            counts.append(("not_started", "Not started", self.report.not_started))
        row = QHBoxLayout()
        for key, caption, value in counts:
            box = QVBoxLayout()
            number = QLabel(str(value))
            number.setObjectName(f"count_{key}")
            number.setAlignment(Qt.AlignmentFlag.AlignCenter)
            font = QFont(number.font())
            font.setPointSizeF(font.pointSizeF() * 2.2)
            font.setBold(True)
            number.setFont(font)
            label = QLabel(caption)
            label.setObjectName(f"caption_{key}")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box.addWidget(number)
            box.addWidget(label)
            row.addLayout(box)
        return row

    def _providers_not_used(self) -> QLabel:
        """One line per provider not used and why; the settings named are links when they can open."""
        if self._on_open_settings is None:
            text = "\n".join(not_used_lines(self.report.provider_problems, links=False))
            return _label("providers_not_used", text, wrap=True)
        rich = "<br>".join(not_used_lines(self.report.provider_problems, links=True))
        return settings_link_label("providers_not_used", rich, on_link=self.open_settings_link)

    def _failure_settings(self) -> QLabel | None:
        """Links to the settings the failures' reasons name (None when none does or none can open)."""
        rich = named_settings_html(error.message for error in self.report.errors)
        if not rich or self._on_open_settings is None:
            return None
        return settings_link_label("failure_settings", rich, on_link=self.open_settings_link)

    def open_settings_link(self, link: str) -> None:
        """Open the settings window at the place a ``settings:`` link names."""
        place = parse_settings_link(link)
        if place is not None and self._on_open_settings is not None:
            self._on_open_settings(place)

    def _detail_texts(self) -> list[tuple[str, str]]:
        """(objectName, text) of the lines about skips and rate limits, if any."""
        report = self.report
        texts = []
        if report.skip_reasons:
            ranked = report.skip_reasons.most_common()
            lines = [f"Skipped {n}× — {fold_whitespace(reason)}" for reason, n in ranked[:MAX_SKIP_REASONS]]
            if len(ranked) > MAX_SKIP_REASONS:
                lines.append(f"… and {len(ranked) - MAX_SKIP_REASONS} other reasons (Copy report has them all)")
            texts.append(("skip_reasons", "\n".join(lines)))
        if report.voices:
            texts.append(("voices_used", f"Voices (sounds made): {report.voices_line()}"))
        if report.doubtful_count:
            heading = f"Doubtful sounds ({report.doubtful_count}), kept: listen to them and fill them again if wrong"
            listed = doubtful_lines(report, note_labels=self._note_labels, limit=MAX_SKIP_REASONS)
            texts.append(("doubtful_sounds", "\n".join([heading, *listed])))
        if report.rate_cuts:
            names = ", ".join(f"{name} ({n}×)" for name, n in sorted(report.rate_cuts.items()))
            texts.append(("rate_cuts", f"Slowed down after rate limits: {names}"))
        return texts

    def _failures_table(self) -> QTableWidget:
        shown = self.report.errors[:MAX_TABLE_ROWS]
        table = QTableWidget(len(shown), len(COLUMNS), self)
        table.setObjectName("failures_table")
        table.setHorizontalHeaderLabels(list(COLUMNS))
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setWordWrap(False)
        vertical = table.verticalHeader()
        assert vertical is not None
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = table.horizontalHeader()
        assert header is not None
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((160, 90, 120)):
            table.setColumnWidth(column, width)
        for row, error in enumerate(shown):
            for column, item in enumerate(self._row_items(error, index=row)):
                table.setItem(row, column, item)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # keep the report's order until a click
        table.setSortingEnabled(True)
        table.cellDoubleClicked.connect(self._on_double_click)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._row_menu)
        return table

    def _row_items(self, error: TargetError, *, index: int) -> list[QTableWidgetItem]:
        note = QTableWidgetItem(note_label(error.note_id, self._note_labels))
        note.setData(_NOTE_ID_ROLE, error.note_id)
        note.setData(_ERROR_ROLE, index)
        note.setToolTip(f"Note id {error.note_id}")
        reason = QTableWidgetItem(settings_plain(fold_whitespace(error.message)))
        reason.setToolTip(_rich_tooltip(settings_plain(error.message)))
        return [note, QTableWidgetItem(error.field), QTableWidgetItem(error.provider or "—"), reason]

    def _buttons(self) -> QDialogButtonBox:
        box = QDialogButtonBox()
        box.setObjectName("report_buttons")
        has_failures = bool(failure_count(self.report))
        self.show_in_browser_button = _button(box, "show_in_browser", "Show in Browser", self.show_in_browser)
        self.show_in_browser_button.setEnabled(has_failures or bool(self.report.filled_note_ids))
        self.show_in_browser_button.setToolTip(
            "Show the selected failed notes (or all failed notes) in the Browser"
            if has_failures
            else "Show the notes this job filled in the Browser"
        )
        self.retry_button = _button(box, "retry_failed", "Retry failed", self.retry_failed)
        self.retry_button.setEnabled(has_failures and self._on_retry_failed is not None)
        self.copy_button = _button(box, "copy_report", "Copy report", self.copy_report)
        self.review_button = _button(box, "review", "Review…", self.review)
        self.review_button.setEnabled(bool(self.report.filled_note_ids) and self._on_review is not None)
        self.review_button.setToolTip("Go through the notes this job filled: keep, redo or remove each")
        self.choose_button = _button(box, "choose", CHOOSE_TEXT, self.choose)
        self.choose_button.setEnabled(False)
        self.choose_button.setToolTip("Choose the media of the selected failure's field among candidates")
        model = self.table.selectionModel()
        if model is not None:
            model.selectionChanged.connect(lambda *_args: self._update_choose())
        close = box.addButton(QDialogButtonBox.StandardButton.Close)
        assert close is not None
        close.setObjectName("close_report")
        close.setDefault(True)
        box.rejected.connect(self.reject)
        return box

    # Actions

    def failed_note_ids(self, *, selected_only: bool) -> list[int]:
        """Note ids of the table's rows in table order, deduplicated: the selected rows, or every
        failure (those beyond the table's last row too, and those the report only counts)."""
        if selected_only:
            model = self.table.selectionModel()
            rows = sorted({index.row() for index in model.selectedRows()}) if model is not None else []
            return _unique(self._row_note_id(row) for row in rows)
        in_table = (self._row_note_id(row) for row in range(self.table.rowCount()))
        rest = (error.note_id for error in self.report.errors[MAX_TABLE_ROWS:])
        return _unique([*in_table, *rest, *self.report.failed_note_ids])

    def show_in_browser(self) -> None:
        """The selected rows' notes, or all failed notes when no row is selected; when nothing
        failed, the notes the job filled."""
        if failure_count(self.report):
            ids = self.failed_note_ids(selected_only=True) or self.failed_note_ids(selected_only=False)
        else:
            ids = list(self.report.filled_note_ids)
        if ids:
            self._on_show_notes(ids)

    def retry_failed(self) -> None:
        if self._on_retry_failed is None or not failure_count(self.report):
            return
        self._on_retry_failed()
        self.accept()

    def review(self) -> None:
        if self._on_review is not None and self.report.filled_note_ids:
            self._on_review(list(self.report.filled_note_ids))

    def chosen_error(self) -> TargetError | None:
        """The failure of the one selected row (None: no row, or several)."""
        model = self.table.selectionModel()
        rows = {index.row() for index in model.selectedRows()} if model is not None else set()
        if len(rows) != 1:
            return None
        item = self.table.item(rows.pop(), 0)
        return self.report.errors[int(item.data(_ERROR_ROLE))] if item is not None else None

    def _update_choose(self) -> None:
        self.choose_button.setEnabled(self._on_choose is not None and self.chosen_error() is not None)

    def choose(self) -> None:
        """Choose… for the selected row's note and field."""
        error = self.chosen_error()
        if error is not None and self._on_choose is not None:
            self._on_choose(error)

    def _row_menu(self, pos: QPoint) -> None:
        row = self.table.rowAt(pos.y())
        if row < 0 or self._on_choose is None:
            return
        self.table.selectRow(row)
        menu = QMenu(self)
        menu.setObjectName("failure_menu")
        action = menu.addAction(CHOOSE_TEXT)
        assert action is not None
        action.triggered.connect(lambda _checked=False: self.choose())
        self.row_menu = menu
        menu.popup(self.table.viewport().mapToGlobal(pos))  # type: ignore[union-attr]

    def copy_report(self) -> None:
        clipboard = QApplication.clipboard()
        assert clipboard is not None
        clipboard.setText(report_text(self.report, note_labels=self._note_labels))
        tooltip("Copied", parent=self)

    def _on_double_click(self, row: int, column: int) -> None:
        self._on_show_notes([self._row_note_id(row)])

    def _row_note_id(self, row: int) -> int:
        item = self.table.item(row, 0)
        assert item is not None
        return int(item.data(_NOTE_ID_ROLE))


def show_report(
    parent: QWidget | None,
    report: JobReport,
    *,
    note_labels: Mapping[int, str],
    on_show_notes: Callable[[list[int]], None],
    on_retry_failed: Callable[[], None] | None,
    on_open_settings: Callable[[SettingsPlace], object] | None = None,
    on_review: Callable[[list[int]], object] | None = None,
    on_choose: Callable[[TargetError], object] | None = None,
) -> JobReportDialog:
    """Create the report window, show it (non-modal) and return it. Main thread only."""
    dialog = JobReportDialog(
        parent,
        report,
        note_labels=note_labels,
        on_show_notes=on_show_notes,
        on_retry_failed=on_retry_failed,
        on_open_settings=on_open_settings,
        on_review=on_review,
        on_choose=on_choose,
    )
    dialog.show()
    return dialog


def _heading_label(text: str) -> QLabel:
    label = _label("headline", text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 1.3)
    font.setBold(True)
    label.setFont(font)
    return label


def _label(object_name: str, text: str, *, wrap: bool = False) -> QLabel:
    """A label that shows its text as typed (reasons come from servers and may contain HTML), selectable."""
    return plain_label(object_name, text, wrap=wrap, selectable=True)


def _rich_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally and wraps long lines: Qt renders tooltips that look
    like HTML as HTML, so the text is escaped inside a paragraph of our own."""
    return f"<p style='white-space: pre-wrap'>{html.escape(text)}</p>"


def _button(box: QDialogButtonBox, object_name: str, text: str, slot: Callable[[], None]) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(object_name)
    button.setAutoDefault(False)
    button.clicked.connect(slot)
    box.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
    return button


def _unique(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(ids))
