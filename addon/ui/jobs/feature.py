"""The glue of the jobs feature: the Jobs window and the interrupted-job notice, driven by the
journals in the add-on's state folder and by the controller (`JobActions`), which runs a job on.

The notice is shown at profile open for the newest interrupted job of the open collection that the
user has not put off this session (Later) or discarded (Discard marks the journal for good).

Thread safety: main thread only; journals are read on a background thread
(``taskman.run_in_background(uses_collection=False)``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Protocol

from aqt.main import AnkiQt
from aqt.qt import QWidget
from aqt.utils import showWarning, tooltip
from PyQt6 import sip

from ...core.base.log import get_logger
from ...core.job.journal_report import report_from_journal
from ...core.state.job_ids import JournalError, journal_path
from ...core.state.job_list import JobSummary, interrupted_jobs, list_jobs, prune_finished_jobs
from ...core.state.journal_records import read_journal
from ...core.state.journal_writer import mark_discarded
from ..fill import JobReportDialog, show_report
from .notice import InterruptedJobNotice
from .window import JobsWindow

log = get_logger(__name__)


class JobActions(Protocol):
    """What the jobs feature needs of the controller."""

    def continue_job(self, job_id: str, *, resume: bool, parent: QWidget) -> object:
        """Resume job ``job_id`` (``resume``) or retry its failures, with the job runner."""

    def show_notes(self, note_ids: list[int]) -> None:
        """Show notes in the Browser."""

    def open_settings(self, *, focus: Any = None) -> object:
        """Open the settings window."""


class JobsFeature:
    """Owns the Jobs window and the notice; see the module docstring."""

    def __init__(self, mw: AnkiQt, *, state_dir: Callable[[], Path], actions: JobActions) -> None:
        self.mw = mw
        self._state_dir = state_dir
        self._actions = actions
        self.put_off: set[str] = set()  # "Later" this session
        self.notice: InterruptedJobNotice | None = None
        self.window: JobsWindow | None = None
        self.report_window: JobReportDialog | None = None

    def collection_path(self) -> str:
        """The open collection's file, as journals name it."""
        return os.path.abspath(self.mw.col.path) if self.mw.col is not None else ""

    # The offer at profile open

    def on_profile_did_open(self) -> None:
        """Look for interrupted jobs of this collection in the background; offer the newest."""
        collection, state_dir = self.collection_path(), self._state_dir()

        def look() -> list[JobSummary]:
            prune_finished_jobs(state_dir)
            return interrupted_jobs(state_dir, collection=collection)

        self.mw.taskman.run_in_background(look, self._offer, uses_collection=False)

    def _offer(self, future: Future[list[JobSummary]]) -> None:
        try:
            jobs = [job for job in future.result() if job.job_id not in self.put_off]
        except Exception:
            log.exception("Media Fill could not read its job journals")
            return
        if not jobs or self.mw.col is None:
            return
        self.close_notice()
        notice = InterruptedJobNotice(
            self.mw,
            jobs[0],
            more=len(jobs) - 1,
            on_resume=self._resume_from_notice,
            on_later=self._later,
            on_discard=self._discard,
        )
        self.notice = notice
        self.mw.mainLayout.addWidget(notice)
        notice.show()

    def close_notice(self) -> None:
        notice, self.notice = self.notice, None
        if notice is not None and not sip.isdeleted(notice):
            notice.hide()
            self.mw.mainLayout.removeWidget(notice)
            notice.deleteLater()

    def _resume_from_notice(self, job_id: str) -> None:
        self.close_notice()
        self._actions.continue_job(job_id, resume=True, parent=self.mw)

    def _later(self, job_id: str) -> None:
        self.put_off.add(job_id)
        self.close_notice()

    def _discard(self, job_id: str) -> None:
        self.close_notice()
        try:
            mark_discarded(self._state_dir(), job_id)
        except JournalError as exc:
            showWarning(f"The job could not be discarded. {exc}", parent=self.mw, title="Media Fill")
            return
        tooltip("The job will not be offered again; Tools → Media Fill → Jobs… still lists it.", parent=self.mw)

    def on_profile_will_close(self) -> None:
        self.close_notice()
        window = self.window
        if window is not None and not sip.isdeleted(window):
            window.close()

    # The Jobs window

    def open_window(self) -> JobsWindow:
        """Tools → Media Fill → Jobs…: the window (one at a time), filled in the background."""
        window = self.window
        if window is None or sip.isdeleted(window) or not window.isVisible():
            window = self.window = JobsWindow(
                self.mw,
                collection=self.collection_path(),
                on_open_report=self.open_report,
                on_retry_failed=lambda job_id: self._continue(job_id, resume=False),
                on_resume=lambda job_id: self._continue(job_id, resume=True),
            )
            window.show()
            state_dir = self._state_dir()
            self.mw.taskman.run_in_background(
                lambda: list_jobs(state_dir), lambda future: self._listed(window, future), uses_collection=False
            )
        window.raise_()
        window.activateWindow()
        return window

    def _listed(self, window: JobsWindow, future: Future[list[JobSummary]]) -> None:
        if sip.isdeleted(window):
            return
        try:
            window.show_jobs(future.result())
        except Exception as exc:
            log.exception("Media Fill could not list its jobs")
            window.status.setText(
                f"The job journals cannot be read ({exc}). Check that the add-on's folder is readable."
            )

    def _continue(self, job_id: str, *, resume: bool) -> None:
        window = self.window
        if window is not None and not sip.isdeleted(window):
            window.close()
        if self.notice is not None and self.notice.job.job_id == job_id:
            self.close_notice()
        self._actions.continue_job(job_id, resume=resume, parent=self.mw)

    def open_report(self, job_id: str) -> JobReportDialog | None:
        """The report of ``job_id`` rebuilt from its journal, with Retry failed when it has failures."""
        state_dir = self._state_dir()
        try:
            state = read_journal(state_dir, job_id)
        except JournalError as exc:
            showWarning(f"The job's report cannot be shown. {exc}", parent=self.mw, title="Media Fill")
            return None
        report = report_from_journal(state, journal_path=str(journal_path(state_dir, job_id)))
        parent = self.window if self.window is not None and not sip.isdeleted(self.window) else self.mw
        self.report_window = show_report(
            parent,
            report,
            note_labels={},
            on_show_notes=self._actions.show_notes,
            on_retry_failed=(lambda: self._continue(job_id, resume=False)) if report.failed else None,
            on_open_settings=lambda place: self._actions.open_settings(focus=place),
        )
        return self.report_window
