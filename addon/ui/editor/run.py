"""One Fill Media run on the note an editor shows, on the right threads:

1. plan — a `QueryOp` (short, no network): which targets of the note's rule are empty, and what
   each sends; a setup problem (no provider that can run) ends the run with a tooltip naming it;
2. generate — a plain background task (``taskman.run_in_background(uses_collection=False)``), so
   the editor stays usable while media is made;
3. store — a timer on the main thread hands each result that has arrived to a short
   `CollectionOp` (the file written, the field set on the editor's note, a saved note updated in
   the run's one undo entry "Fill Media"); the editor then shows the note again, keeping focus;
4. finish — the report's failures and skips appear as a tooltip that names the fix. Nothing but a
   media reference ever goes into a field.

Thread safety: create and drive an `EditorFill` on the main thread; only `NoteFillSession.generate`
runs on a worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future

from anki.collection import OpChanges
from aqt.editor import Editor
from aqt.main import AnkiQt
from aqt.operations import CollectionOp, QueryOp
from aqt.qt import QTimer, QWidget
from aqt.utils import tooltip
from PyQt6 import sip

from ...collection.note_fill import NoteFillSession
from ...core.base.log import get_logger
from ...core.job.outcome import GenerationOutcome
from ...core.job.plan import Plan
from ...core.job.report import JobReport
from ..settings.links import settings_plain
from ..user_messages import SETTINGS, explain

log = get_logger(__name__)

_STORE_EVERY_MS = 100
_TOOLTIP_MS = 8000


def report_message(report: JobReport) -> str:
    """What the tooltip says once a run is over: what was filled, what failed and why (with the
    setting to fix), what was skipped and why."""
    lines: list[str] = []
    if report.filled:
        lines.append(f"Filled {report.filled} field{'s' if report.filled != 1 else ''}.")
    for error in report.errors:
        who = f" ({error.provider})" if error.provider else ""
        lines.append(f"{error.field} was not filled{who}: {settings_plain(error.message)}.")
    for name, problem in report.provider_problems.items():
        lines.append(f"{name} was not used: {settings_plain(problem)}.")
    if report.errors or report.provider_problems:
        lines.append(f"Fix the provider's settings in {SETTINGS}, or choose other providers for the rule.")
    if not report.filled and not report.errors:
        reasons = "; ".join(report.skip_reasons) or "nothing to fill"
        lines.append(f"Nothing was filled: {reasons}. Empty the field to fill it again.")
    if report.not_started:
        lines.append("The rest was not asked for; press Fill Media again.")
    return "<br>".join(line.replace("<", "&lt;") for line in lines)


class EditorFill:
    """One run over ``session``'s note in ``editor``; see the module docstring for its steps."""

    def __init__(
        self, *, mw: AnkiQt, editor: Editor, session: NoteFillSession, on_done: Callable[[EditorFill], None]
    ) -> None:
        self.mw = mw
        self.editor = editor
        self.session = session
        self.cancel_event = threading.Event()
        self.report: JobReport | None = None
        self.message = ""
        self.running = True
        self._on_done = on_done
        self._outcome: GenerationOutcome | None = None
        self._storing = False
        self._timer: QTimer | None = None

    def start(self) -> None:
        QueryOp(parent=self.editor.widget, op=self.session.plan, success=self._generate).failure(
            self._fail
        ).run_in_background()

    def _generate(self, plan: Plan) -> None:
        work = plan.requests_to_make()
        if not work:  # everything skipped (filled already, no words…): the tooltip says why
            self.session.stream.close()
            self._outcome = GenerationOutcome()
            self._pump()
            return
        tooltip(f"Fill Media: making {len(work)} media file{'s' if len(work) != 1 else ''}…", parent=self._parent())
        self.mw.taskman.run_in_background(
            lambda: self.session.generate(cancel=self.cancel_event), self._on_generated, uses_collection=False
        )
        self._timer = QTimer(self.mw)
        self._timer.timeout.connect(self._pump)
        self._timer.start(_STORE_EVERY_MS)

    def _on_generated(self, future: Future[GenerationOutcome]) -> None:
        try:
            self._outcome = future.result()
        except Exception as exc:
            self.session.stream.close()
            self._fail(exc)
            return
        self._pump()

    def _pump(self) -> None:
        if not self.running or self._storing:
            return
        chunk = self.session.stream.take(max_items=50, timeout_s=0)
        if chunk:
            self._storing = True
            CollectionOp(self._parent(), lambda col: self.session.store_chunk(chunk)).success(self._stored).failure(
                self._fail
            ).run_in_background(initiator=self.editor)
            return
        if self._outcome is not None and self.session.stream.drained:
            self._stop_timer()
            outcome = self._outcome
            self._storing = True
            CollectionOp(self._parent(), lambda col: self._finish_changes(outcome)).success(self._finished).failure(
                self._fail
            ).run_in_background(initiator=self.editor)

    def _finish_changes(self, outcome: GenerationOutcome) -> OpChanges:
        self.report = self.session.finish(outcome)
        return OpChanges()

    def _stored(self, changes: OpChanges) -> None:
        self._storing = False
        self._show_note()
        self._pump()

    def _show_note(self) -> None:
        if not sip.isdeleted(self.editor.widget) and self.editor.note is self.session.note:
            self.editor.loadNoteKeepingFocus()

    def _finished(self, changes: OpChanges) -> None:
        self._storing = False
        self._show_note()
        assert self.report is not None
        self._end(report_message(self.report))

    def _fail(self, exc: Exception) -> None:
        log.info("Fill Media in the editor stopped: %s", exc)
        self.cancel_event.set()
        self.session.close()
        self._end(f"Fill Media stopped: {explain(exc)}".replace("<", "&lt;"))

    def _end(self, message: str) -> None:
        self._stop_timer()
        self.running = False
        self.message = message
        tooltip(message, period=_TOOLTIP_MS, parent=self._parent())
        self._on_done(self)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer.deleteLater()
            self._timer = None

    def _parent(self) -> QWidget:
        widget = self.editor.parentWindow
        return self.mw if widget is None or sip.isdeleted(widget) else widget
