"""One Fill Media job started from the Browser, run on the right threads:

1. plan — a `QueryOp` reads the notes in the background;
2. generate — a plain background task (``taskman.run_in_background(uses_collection=False)``), so the
   collection stays free and the Browser keeps redrawing while media is made; progress goes to a
   non-modal `JobProgressWindow` with Cancel;
3. store — a `CollectionOp` writes media and notes in one undo entry "Fill Media"; the Browser
   refreshes through ``operation_did_execute``;
4. a tooltip summarises the report.

The generate step deliberately does not use `QueryOp`: a running QueryOp counts as a blocking
backend operation, which stops the Browser's table from redrawing for the whole (possibly long)
job.

Thread safety: create and drive a `FillJob` on the main thread; only `generate_job` and the
progress relay run on workers.
"""

from __future__ import annotations

import enum
import html
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from aqt.main import AnkiQt
from aqt.operations import CollectionOp, QueryOp
from aqt.qt import QWidget
from aqt.utils import showWarning, tooltip
from PyQt6 import sip

from ..collection.fill import StoreResult, generate_job, plan_job, store_job
from ..core.job import GenerationOutcome, JobProgress
from ..core.log import get_logger
from ..core.planner import Plan
from ..core.registry import ProviderRegistry
from ..core.report import JobReport
from .progress_window import JobProgressWindow, ProgressRelay

log = get_logger(__name__)

# How long quitting Anki may wait for requests already running, so their media is not lost.
_SAVE_ON_QUIT_WAIT_S = 5.0


class _Step(enum.Enum):
    PLANNING = enum.auto()
    GENERATING = enum.auto()
    STORING = enum.auto()
    DONE = enum.auto()


class FillJob:
    """One job over the notes selected in a Browser; see the module docstring for its steps."""

    def __init__(
        self,
        *,
        mw: AnkiQt,
        parent: QWidget,
        note_ids: Sequence[int],
        registry: ProviderRegistry,
        on_finished: Callable[[FillJob], None],
    ) -> None:
        self.mw = mw
        self.parent = parent
        self.note_ids = list(note_ids)
        self.registry = registry
        self.config = registry.config
        self.cancel_event = threading.Event()
        self.report: JobReport | None = None
        self.error: Exception | None = None
        self.progress_window: JobProgressWindow | None = None
        self._on_finished = on_finished
        self._plan: Plan | None = None
        self._generation: Future[GenerationOutcome] | None = None
        self._step = _Step.PLANNING

    @property
    def running(self) -> bool:
        return self._step is not _Step.DONE

    def start(self) -> None:
        QueryOp(
            parent=self.parent, op=lambda col: plan_job(col, self.note_ids, self.config), success=self._generate
        ).failure(self._fail).run_in_background()

    def cancel(self) -> None:
        """Stop making new requests; what is done is stored."""
        self.cancel_event.set()

    def _generate(self, plan: Plan) -> None:
        if self._step is not _Step.PLANNING:
            return  # the profile closed while the notes were read
        self._plan = plan
        self._step = _Step.GENERATING
        work = plan.unique_work()
        if not work:
            self._store(GenerationOutcome())
            return
        # Shown over the Browser the job came from; if the user closes the Browser, the window goes
        # with it and the job carries on, ending with the usual tooltip.
        window = JobProgressWindow(self._live_parent(), total=len(work), on_cancel=self.cancel)
        self.progress_window = window
        window.show()
        relay = ProgressRelay(self.mw.taskman.run_on_main, self._show_progress)
        self._generation = self.mw.taskman.run_in_background(
            lambda: generate_job(plan, self.registry, cancel=self.cancel_event, on_progress=relay),
            self._on_generated,
            uses_collection=False,
        )

    def _live_parent(self) -> QWidget:
        return self.mw if sip.isdeleted(self.parent) else self.parent

    def _show_progress(self, progress: JobProgress) -> None:
        window = self.progress_window
        if window is not None and not sip.isdeleted(window):
            window.show_progress(progress)

    def _close_progress(self) -> None:
        window = self.progress_window
        if window is not None and not sip.isdeleted(window):
            window.finish()

    def _on_generated(self, future: Future[GenerationOutcome]) -> None:
        if self._step is not _Step.GENERATING:
            return  # already stored while the profile was closing
        self._close_progress()
        try:
            outcome = future.result()
        except Exception as exc:
            self._fail(exc)
            return
        self._store(outcome)

    def _store(self, outcome: GenerationOutcome) -> None:
        plan = self._plan
        assert plan is not None
        self._step = _Step.STORING
        CollectionOp(self.mw, lambda col: store_job(col, plan, outcome)).success(self._stored).failure(
            self._fail
        ).run_in_background()

    def _stored(self, result: StoreResult) -> None:
        self.report = result.report
        lines = [result.report.summary(), *result.report.details(limit=3)]
        tooltip("<br>".join(html.escape(line, quote=False) for line in lines), period=8000, parent=self._live_parent())
        self._finish()

    def _fail(self, exc: Exception) -> None:
        log.exception("Fill Media job failed", exc_info=exc)
        self.error = exc
        self._close_progress()
        showWarning(f"Fill Media stopped: {exc}", parent=self.mw, title="Fill Media")
        self._finish()

    def _finish(self) -> None:
        self._step = _Step.DONE
        self._on_finished(self)

    def save_before_profile_closes(self) -> None:
        """Called on the main thread as the profile closes: cancel, wait briefly for running requests,
        and store what was made while the collection is still open. A job still reading notes stops
        there; one already storing is left to its short `CollectionOp`, like Anki's own operations."""
        self.cancel()
        step, self._step = self._step, _Step.DONE
        if step is not _Step.GENERATING or self._generation is None or self._plan is None:
            return
        self._close_progress()
        try:
            outcome = self._generation.result(timeout=_SAVE_ON_QUIT_WAIT_S)
        except FutureTimeout:
            log.warning("Fill Media: requests still running at quit; their media is not saved")
            return
        except Exception:
            log.exception("Fill Media: the job failed while Anki was closing")
            return
        if self.mw.col is not None:
            self.report = store_job(self.mw.col, self._plan, outcome).report
