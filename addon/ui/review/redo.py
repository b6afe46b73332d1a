"""One redo of one target from the Review window, on the right threads (the editor's fill steps,
`ui.editor.run`, for a note of the collection):

1. plan — a `QueryOp` (short, no network): the note read, its target's Media Fill media taken out
   in memory, the one target planned with the provider a redo asks, or, for a target with one
   provider that has voices, with the voice after the last redo's (`collection.review`);
2. generate — a plain background task (``taskman.run_in_background(uses_collection=False)``);
3. store — one `CollectionOp`: the file written, the note saved in one undo step "Fill Media"
   (the old media out, the new in). A failed redo stores nothing: the note keeps its media.

Thread safety: create and drive a `RedoRun` on the main thread; only the generate step runs on a
worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any

from anki.collection import Collection, OpChanges
from anki.notes import NoteId
from aqt.main import AnkiQt
from aqt.operations import CollectionOp, QueryOp
from aqt.qt import QWidget

from ...collection.note_fill import NoteFillSession
from ...collection.review import ReviewTarget, redo_session, redo_voice
from ...core.base.log import get_logger
from ...core.job.outcome import GenerationOutcome
from ...core.job.plan import Plan
from ...core.job.report import JobReport
from ...core.provider_system.registry import ProviderRegistry
from ..settings.links import settings_plain
from ..user_messages import explain

log = get_logger(__name__)


def redo_message(report: JobReport, target: ReviewTarget, *, voice: str | None = None) -> str:
    """What the window says once a redo is over: done (in which voice), or why not and what to do."""
    what = target.kind.word
    if report.filled:
        spoken = f" in the voice {voice}" if voice else ""
        return f"Made a new {what} for {target.field}{spoken}; Edit → Undo Fill Media takes it back."
    reasons = [settings_plain(f"{e.provider}: {e.message}" if e.provider else e.message) for e in report.errors]
    reasons += [f"{name}: {settings_plain(problem)}" for name, problem in report.provider_problems.items()]
    reasons += list(report.skip_reasons)
    why = "; ".join(reasons) or "nothing was made"
    return (
        f"No new {what} for {target.field} ({why}); the old one is kept. Fix the provider's settings and press R again."
    )


class RedoRun:
    """Redo ``target`` of note ``note_id``; ``on_done(message, changed)`` is called on the main
    thread once it is over (``changed``: the note got new media)."""

    def __init__(
        self,
        *,
        mw: AnkiQt,
        parent: QWidget,
        note_id: int,
        target: ReviewTarget,
        config: Mapping[str, Any],
        registry: ProviderRegistry,
        on_done: Callable[[str, bool], None],
        last_voice: str | None = None,
    ) -> None:
        self.mw = mw
        self.parent = parent
        self.note_id = note_id
        self.target = target
        self.config = config
        self.registry = registry
        self.cancel_event = threading.Event()
        self.session: NoteFillSession | None = None
        self.report: JobReport | None = None
        self.last_voice = last_voice
        self.voice: str | None = None  # the voice this redo asks for (None: the provider's choice)
        self._on_done = on_done

    def start(self) -> None:
        QueryOp(parent=self.parent, op=self._plan, success=self._generate).failure(self._fail).run_in_background()

    def _plan(self, col: Collection) -> Plan:
        note = col.get_note(NoteId(self.note_id))
        self.voice = redo_voice(note, self.target, config=self.config, registry=self.registry, last=self.last_voice)
        self.session = redo_session(note, self.target, config=self.config, registry=self.registry, voice=self.voice)
        return self.session.plan(col)

    def _generate(self, plan: Plan) -> None:
        session = self.session
        assert session is not None
        if not plan.requests_to_make():
            session.stream.close()
            self._store(GenerationOutcome())
            return
        self.mw.taskman.run_in_background(
            lambda: session.generate(cancel=self.cancel_event), self._on_generated, uses_collection=False
        )

    def _on_generated(self, future: Future[GenerationOutcome]) -> None:
        try:
            outcome = future.result()
        except Exception as exc:
            self._fail(exc)
            return
        self._store(outcome)

    def _store(self, outcome: GenerationOutcome) -> None:
        CollectionOp(self.parent, lambda col: self._store_all(outcome)).success(self._stored).failure(
            self._fail
        ).run_in_background()

    def _store_all(self, outcome: GenerationOutcome) -> OpChanges:
        session = self.session
        assert session is not None
        changes = session.store_chunk(session.stream.take(max_items=50, timeout_s=0))
        self.report = session.finish(outcome)
        return changes

    def _stored(self, changes: OpChanges) -> None:
        assert self.report is not None
        self._on_done(redo_message(self.report, self.target, voice=self.voice), bool(self.report.filled))

    def _fail(self, exc: Exception) -> None:
        log.info("Redo in the review stopped: %s", exc)
        self.cancel_event.set()
        if self.session is not None:
            self.session.close()
        self._on_done(f"The redo stopped: {explain(exc)}", False)
