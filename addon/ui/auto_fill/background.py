"""The queue of background fills: notes waiting to be filled without the Fill Media dialog (a note
just added in the Add window, the notes of the saved search). Only one job may run at a time (the
controller's `start_job`), so notes that arrive while any job runs wait here and go together into
the next job, which starts as soon as the running one ends (the controller's ``idle_listeners``).

Each job is quiet: it runs in skip mode (only empty targets are filled, whatever the rules'
``mode`` says), keeps to ``budget_usd`` like any job, and says how it goes in a tooltip; its
window and report appear only on problems (a failed request, the budget reached, the job
stopped). The last one is kept for Tools → Media Fill → Last automatic fill….

Thread safety: main thread only.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from aqt.qt import QApplication
from aqt.utils import tooltip

from ...core.engine.generation import JobProgress
from ...core.job.report import JobReport
from ..fill import FillJob

if TYPE_CHECKING:
    from ..controller import FillMediaController

# How long a status tooltip stays, and how often progress may replace it.
STATUS_MS = 4000
_PROGRESS_EVERY_S = 1.0


def skip_only(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with every rule and target in skip mode: a background fill fills empty targets
    only, never replaces what a note already has."""
    changed = copy.deepcopy(dict(config))
    for rule in changed.get("rules", []):
        rule["mode"] = "skip"
        for target in rule.get("targets", []):
            if "mode" in target:
                target["mode"] = "skip"
    return changed


def has_problems(job: FillJob) -> bool:
    """Whether the user should see ``job``'s report: it failed, stopped, or a request failed."""
    report = job.report
    return job.error is not None or report is None or bool(report.failed or report.budget_reached or report.cancelled)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class BackgroundFills:
    """Notes waiting for a quiet job, and the job filling them."""

    def __init__(self, controller: FillMediaController) -> None:
        self.controller = controller
        self.mw = controller.mw
        self._pending: dict[int, None] = {}  # note ids in the order they came, each once
        self._config: Mapping[str, Any] = {}
        self.job: FillJob | None = None
        self.last_job: FillJob | None = None
        # The note ids of each job started, in order (what the status and the tests read).
        self.batches: list[list[int]] = []
        self.status = ""
        self._progress_at = 0.0
        controller.idle_listeners.append(self.start_next)

    @property
    def busy(self) -> bool:
        """Notes wait, or a background job runs."""
        return bool(self._pending) or self.job is not None

    @property
    def waiting(self) -> list[int]:
        """The notes waiting for the running job to end."""
        return list(self._pending)

    def add(self, note_ids: Iterable[int], *, config: Mapping[str, Any]) -> None:
        """Fill ``note_ids`` with ``config`` (the latest config wins for notes still waiting): now,
        or as soon as the running job ends."""
        for note_id in note_ids:
            self._pending[int(note_id)] = None
        self._config = config
        self.start_next()

    def clear(self) -> None:
        """Forget the waiting notes (the profile is closing)."""
        self._pending.clear()

    def start_next(self) -> None:
        """Start a job over every waiting note, unless a job runs (this is called again when it ends)."""
        running = self.controller.job
        if not self._pending or self.job is not None or (running is not None and running.running):
            return
        if self.mw.col is None:
            self._pending.clear()
            return
        note_ids = list(self._pending)
        self._pending.clear()
        job = self.controller.start_job(self.mw, note_ids, skip_only(self._config), quiet=True, on_done=self._done)
        if job is None:
            return  # the providers could not load; the controller said why
        self.job = job
        job.on_progress = self._show_progress
        self.batches.append(note_ids)
        self.say(f"Media Fill: filling {plural(len(note_ids), 'new note')} in the background…")

    def _show_progress(self, progress: JobProgress) -> None:
        now = time.monotonic()
        if now - self._progress_at < _PROGRESS_EVERY_S or progress.done >= progress.total:
            return
        self._progress_at = now
        failed = f", {progress.failed} failed" if progress.failed else ""
        self.say(f"Media Fill: {progress.done} of {progress.total} done for the new notes{failed}…")

    def _done(self, job: FillJob) -> bool:
        """The controller's ``on_done``: say how it went; True shows the report window."""
        if self.job is job:
            self.job = None
        self.last_job = job
        problems = has_problems(job)
        if job.report is not None:
            self.say(done_text(job.report, problems=problems))
        return problems

    def say(self, text: str) -> None:
        """A short status the user need not act on: a tooltip over the window in front."""
        self.status = text
        tooltip(text, period=STATUS_MS, parent=QApplication.activeWindow() or self.mw)


def done_text(report: JobReport, *, problems: bool) -> str:
    """The status at the end of a background job."""
    if report.budget_reached:
        return (
            f"Media Fill stopped filling the new notes at its budget (${report.spent_usd:.2f}); raise "
            "the budget in Tools → Media Fill → Settings… to fill the rest."
        )
    if problems:
        return (
            f"Media Fill filled {plural(report.filled, 'field')} of the new notes; "
            f"{plural(report.failed + report.not_started, 'field')} could not be filled: the report says why and how to fix it."
        )
    return f"Media Fill: filled {plural(report.filled, 'field')} of the new notes."
