"""Tools → Media Fill → Jobs…: the recent jobs with when they started, their note types and
counts (done, failed, total) and state; for the selected job, Open report, Retry failed and
Resume (a job that was interrupted).

Thread safety: main thread only; the listing it shows is read elsewhere (`JobsFeature`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from aqt.qt import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.state.job_list import JobSummary

WINDOW_OBJECT_NAME = "media_fill_jobs_window"
COLUMNS = ("Started", "Note types", "Done", "Failed", "Total", "State")


def job_state(job: JobSummary, *, collection: str) -> str:
    """The State column: what became of the job."""
    if job.problem:
        return "Cannot be read"
    if job.running:
        return "Running"
    if job.ended:
        return "Finished"
    where = "" if job.collection == collection else " (another collection)"
    return ("Interrupted, discarded" if job.discarded else "Interrupted") + where


def job_row(job: JobSummary, *, collection: str) -> list[str]:
    """The cells of ``job``'s row, in `COLUMNS` order."""
    started = time.strftime("%Y-%m-%d %H:%M", time.localtime(job.created)) if job.created else job.job_id
    total = "" if job.total is None else str(job.total)
    return [
        started,
        ", ".join(job.note_types),
        str(job.done),
        str(job.failed),
        total,
        job_state(job, collection=collection),
    ]


class JobsWindow(QDialog):
    """The jobs list (non-modal). The callbacks get the selected job's id."""

    def __init__(
        self,
        parent: QWidget,
        *,
        collection: str,
        on_open_report: Callable[[str], object],
        on_retry_failed: Callable[[str], None],
        on_resume: Callable[[str], None],
    ) -> None:
        super().__init__(parent)
        self.setObjectName(WINDOW_OBJECT_NAME)
        self.setWindowTitle("Media Fill jobs")
        self.collection = collection
        self.jobs: list[JobSummary] = []
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.verticalHeader()
        if header is not None:
            header.setVisible(False)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.status = QLabel("Reading the job journals…", self)
        self.status.setWordWrap(True)
        self.open_report_button = QPushButton("Open report", self)
        self.retry_button = QPushButton("Retry failed", self)
        self.resume_button = QPushButton("Resume", self)
        buttons = QHBoxLayout()
        actions: tuple[tuple[QPushButton, Callable[[str], object]], ...] = (
            (self.open_report_button, on_open_report),
            (self.retry_button, on_retry_failed),
            (self.resume_button, on_resume),
        )
        for button, callback in actions:
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, callback=callback: self._act(callback))
            buttons.addWidget(button)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.close)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(720, 360)
        self._selection_changed()

    def show_jobs(self, jobs: Sequence[JobSummary]) -> None:
        """Fill the list (newest first) and select the newest job."""
        self.jobs = list(jobs)
        self.table.setRowCount(len(self.jobs))
        for row, job in enumerate(self.jobs):
            for column, text in enumerate(job_row(job, collection=self.collection)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        if self.jobs:
            self.table.selectRow(0)
        else:
            self.status.setText(
                "No Fill Media job has run yet: Browse → select notes → Notes → Fill Media… starts one."
            )
        self._selection_changed()

    def selected(self) -> JobSummary | None:
        model = self.table.selectionModel()
        rows = {index.row() for index in model.selectedRows()} if model is not None else set()
        return self.jobs[min(rows)] if rows and min(rows) < len(self.jobs) else None

    def _selection_changed(self) -> None:
        job = self.selected()
        here = job is not None and not job.problem and job.collection == self.collection
        self.open_report_button.setEnabled(job is not None and not job.problem)
        self.retry_button.setEnabled(here and job is not None and job.failed > 0 and not job.running)
        self.resume_button.setEnabled(here and job is not None and job.interrupted)
        if job is None:
            return
        if job.problem:
            self.status.setText(job.problem)
        elif job.collection != self.collection:
            self.status.setText(f"Job {job.job_id} ran on another collection; open that profile to go on with it.")
        else:
            self.status.setText(f"Job {job.job_id}: {job.notes} notes, {job.progress}, {job.failed} failed.")

    def _act(self, callback: Callable[[str], object]) -> None:
        job = self.selected()
        if job is not None:
            callback(job.job_id)
