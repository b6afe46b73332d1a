"""One Fill Media job started from the Browser, run on the right threads:

1. plan — a `QueryOp` reads the notes in the background and opens the job's journal; the job is
   planned a part of the notes at a time (`FillSession.plan_parts`), so a big selection holds one
   part's plan: each part is generated and stored (steps 2 and 3) before the next is read;
2. generate — a plain background task (``taskman.run_in_background(uses_collection=False)``), so the
   collection stays free and the Browser keeps redrawing while media is made; progress goes to a
   non-modal `JobProgressWindow` with Cancel;
3. store — while media is made, a timer on the main thread hands each batch of results that has
   arrived to a short `CollectionOp` (media files, then the notes, merged into one undo entry
   "Fill Media"); the Browser refreshes through ``operation_did_execute``, and the next store
   waits a timer period after the last ends (unless results pile up), so that redraw never waits
   on the collection behind it;
4. a last `CollectionOp` ends the job; the controller then shows the report window.

A quiet job (a background fill, `ui.auto_fill`) opens no window unless a request fails; its
progress goes to ``on_progress``.

The generate step deliberately does not use `QueryOp`: a running QueryOp counts as a blocking
backend operation, which stops the Browser's table from redrawing for the whole (possibly long)
job.

Thread safety: create and drive a `FillJob` on the main thread; only `FillSession.generate` and
the progress relay run on workers.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from anki.collection import Collection, OpChanges
from aqt.main import AnkiQt
from aqt.operations import CollectionOp, QueryOp
from aqt.qt import QTimer, QWidget
from aqt.utils import showWarning
from PyQt6 import sip

from ...collection.fill import CHUNK_ITEMS, FillSession, JobOptions, StoreResult
from ...core.base.log import get_logger
from ...core.engine.generation import JobProgress
from ...core.engine.result_stream import ResultStream
from ...core.job.outcome import GenerationOutcome
from ...core.job.plan import Plan
from ...core.job.report import JobReport
from ...core.provider_system.registry import ProviderRegistry
from ..user_messages import explain
from .progress_window import JobProgressWindow, ProgressRelay

log = get_logger(__name__)

# How long quitting Anki may wait for requests already running, so their media is not lost.
_SAVE_ON_QUIT_WAIT_S = 5.0
# How often arrived results are handed to the store step. The wait starts when a store ends, so the
# main thread gets that long without a store holding the collection: the Browser redraws what the
# last store changed without waiting for the next (back-to-back stores stalled it ~100 ms each).
_STORE_EVERY_MS = 400


class _Step(enum.Enum):
    PLANNING = enum.auto()
    GENERATING = enum.auto()
    FINISHING = enum.auto()
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
        state_dir: Path | None,
        on_finished: Callable[[FillJob], None],
        options: JobOptions | None = None,
        quiet: bool = False,
        on_progress: Callable[[JobProgress], None] | None = None,
    ) -> None:
        self.mw = mw
        # A quiet job (a background fill) opens its window only once a request has failed.
        self.quiet = quiet
        self.on_progress = on_progress
        self.parent = parent
        self.note_ids = list(note_ids)
        self.registry = registry
        self.config = registry.config
        self.session = FillSession(
            config=self.config, registry=registry, state_dir=state_dir, options=options or JobOptions()
        )
        self.cancel_event = threading.Event()
        self.report: JobReport | None = None
        self.error: Exception | None = None
        self.progress_window: JobProgressWindow | None = None
        self._on_finished = on_finished
        self._stream = ResultStream()
        self._outcome: GenerationOutcome | None = None
        self._generation: Future[GenerationOutcome] | None = None
        self._parts: Iterator[Plan] | None = None
        self._labels: dict[int, str] = {}
        self._storing = False
        self._timer: QTimer | None = None
        self._step = _Step.PLANNING
        # True when the job ended because the profile closed (no report window then).
        self.saved_on_quit = False

    @property
    def running(self) -> bool:
        return self._step is not _Step.DONE

    def start(self) -> None:
        QueryOp(parent=self.parent, op=self._plan_first, success=self._generate).failure(self._fail).run_in_background()

    def _plan_first(self, col: Collection) -> Plan:
        self._parts = self.session.plan_parts(col, self.note_ids)
        return next(self._parts)

    def _plan_next(self, outcome: GenerationOutcome) -> None:
        """A part is generated and stored: read the next part, or end the job when there is none
        (or it was cancelled, or reached its budget)."""
        parts = self._parts
        if parts is None or self.cancel_event.is_set() or outcome.budget_reached:
            self._finish_job(outcome)
            return
        self._step = _Step.PLANNING
        QueryOp(
            parent=self.live_parent(),
            op=lambda col: next(parts, None),
            success=lambda plan: self._finish_job(outcome) if plan is None else self._generate(plan),
        ).failure(self._fail).run_in_background()

    def cancel(self) -> None:
        """Stop making new requests; what is done is stored."""
        self.cancel_event.set()

    def _generate(self, plan: Plan) -> None:
        if self._step is not _Step.PLANNING:
            return  # the profile closed while the notes were read
        self._step = _Step.GENERATING
        self._stream = ResultStream()
        self._outcome = None
        for target in plan.targets:
            if target.source_text:
                self._labels.setdefault(target.note_id, target.source_text)
        work = plan.requests_to_make()
        if not work:
            # Nothing to request (all skipped, reused or carried over): store what is ready.
            self._stream.close()
            self._outcome = GenerationOutcome()
            self._pump()
            return
        if not self.quiet and self.progress_window is None:
            self._open_window(len(work))
        relay = ProgressRelay(self.mw.taskman.run_on_main, self._show_progress)
        stream = self._stream
        self._generation = self.mw.taskman.run_in_background(
            lambda: self.session.generate(cancel=self.cancel_event, on_progress=relay, sink=stream),
            self._on_generated,
            uses_collection=False,
        )
        if self._timer is None:
            self._timer = QTimer(self.mw)
            self._timer.timeout.connect(self._pump)
            self._timer.start(_STORE_EVERY_MS)

    def _open_window(self, total: int) -> None:
        # Shown over the Browser the job came from; if the user closes the Browser, the window goes
        # with it and the job carries on, ending with its report window.
        window = JobProgressWindow(self.live_parent(), total=total, on_cancel=self.cancel)
        self.progress_window = window
        window.show()

    def live_parent(self) -> QWidget:
        return self.mw if sip.isdeleted(self.parent) else self.parent

    def _show_progress(self, progress: JobProgress) -> None:
        if self.on_progress is not None and self.running:
            self.on_progress(progress)
        if self.quiet and progress.failed and self.progress_window is None and self._step is _Step.GENERATING:
            self._open_window(progress.total)
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
        try:
            self._outcome = future.result()
        except Exception as exc:
            self._stream.close()
            self._fail(exc)
            return
        self._pump()

    def _pump(self) -> None:
        """On the main thread: store what has arrived, one `CollectionOp` at a time; once
        generation is over and everything is stored, finish the job."""
        if self._step is not _Step.GENERATING or self._storing:
            return
        chunk = self._stream.take(max_items=CHUNK_ITEMS, timeout_s=0)
        if chunk:
            self._storing = True
            CollectionOp(self.mw, lambda col: self.session.store_chunk(chunk)).success(self._chunk_stored).failure(
                self._fail
            ).run_in_background()
            return
        if self._outcome is not None and self._stream.drained:
            self._end_part(self._outcome)

    def _end_part(self, outcome: GenerationOutcome) -> None:
        """Store what was ready before the part (when no chunk came to store it), then go on."""
        self._step = _Step.FINISHING
        self._storing = True

        def stored(_changes: OpChanges) -> None:
            self._storing = False
            self._plan_next(outcome)

        CollectionOp(self.mw, lambda col: self.session.store_chunk([])).success(stored).failure(
            self._fail
        ).run_in_background()

    def _chunk_stored(self, changes: OpChanges) -> None:
        """The next store waits a full timer period (the rest above) unless results are piling up
        (the workers would soon block) or generation is over (the job should end promptly)."""
        self._storing = False
        if self._stream.half_full or self._outcome is not None:
            self._pump()
        elif self._timer is not None:
            self._timer.start(_STORE_EVERY_MS)

    def _finish_job(self, outcome: GenerationOutcome) -> None:
        self._step = _Step.FINISHING
        self._stop_timer()
        self._close_progress()
        CollectionOp(self.mw, lambda col: self._finish_changes(outcome)).success(self._stored).failure(
            self._fail
        ).run_in_background()

    def _finish_changes(self, outcome: GenerationOutcome) -> OpChanges:
        result = self.session.finish(outcome)
        self.report = result.report
        return result.changes

    def _stored(self, changes: OpChanges) -> None:
        self._finish()

    def note_labels(self) -> dict[int, str]:
        """Each planned note's words (its cleaned source text), for the report."""
        return dict(self._labels)

    def _fail(self, exc: Exception) -> None:
        log.exception("Fill Media job failed", exc_info=exc)
        self.error = exc
        self.cancel()
        self._stop_timer()
        self._close_progress()
        self.session.close()
        showWarning(f"Fill Media stopped. {explain(exc)}", parent=self.mw, title="Fill Media")
        self._finish()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer.deleteLater()
            self._timer = None

    def _finish(self) -> None:
        self._step = _Step.DONE
        self._on_finished(self)

    def save_before_profile_closes(self) -> None:
        """Called on the main thread as the profile closes: cancel, wait briefly for running requests,
        and store what was made while the collection is still open. A job still reading notes stops
        there; one already finishing is left to its short `CollectionOp`, like Anki's own operations."""
        self.cancel()
        self.saved_on_quit = True
        step, self._step = self._step, _Step.DONE
        self._stop_timer()
        if step is not _Step.GENERATING:
            self.session.close()
            return
        self._close_progress()
        outcome = self._outcome
        if outcome is None and self._generation is not None:
            try:
                outcome = self._generation.result(timeout=_SAVE_ON_QUIT_WAIT_S)
            except FutureTimeout:
                log.warning("Fill Media: requests still running at quit; their media is not saved")
                self._stream.close()
            except Exception:
                log.exception("Fill Media: the job failed while Anki was closing")
                self._stream.close()
        if self.mw.col is None:
            self.session.close()
            return
        while chunk := self._stream.take(max_items=CHUNK_ITEMS, timeout_s=0):
            self.session.store_chunk(chunk)
        # No counting of the notes never planned while Anki closes: resuming the job reads them.
        result: StoreResult = self.session.finish(outcome or GenerationOutcome(cancelled=True), count_rest=False)
        self.report = result.report
