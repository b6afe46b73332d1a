"""A Fill Media job on the open collection, for the Browser action and the CLI: the engine's
`JobSession` with the collection's notes as its `DataProvider` (`CollectionNotes`) and the
collection as its `SyncProvider` (`CollectionSync`).

1. `FillSession.plan` reads the notes, decides what is skipped or reused, and opens the job's
   journal (needs the collection, no network).
2. `FillSession.generate` makes the media (network or subprocesses, never the collection); results
   flow into a `ResultStream` as they arrive.
3. `FillSession.store_chunk` writes what has arrived — media files, then the notes, read again —
   into the job's one undo entry; `FillSession.finish` ends the job and returns the report (needs
   the collection, no network).

Every picture is fitted to the user's size and format (``image_max_px``, ``image_format``,
``image_quality``) as it is made, before it is stored (`addon.pictures`).

The Browser runs each step on the right thread; `run_headless` runs them for the CLI, storing
while generating.

Thread safety: steps 1 and 3 need the collection on the calling thread, one at a time; step 2 must
not run on the UI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anki.collection import Collection, OpChanges

from ..core.config.rules import parse_rules
from ..core.engine.generation import ProgressCallback, generate_all
from ..core.engine.job_session import JobOptions, JobSession, sound_files
from ..core.engine.planner import plan_notes
from ..core.engine.result_stream import ResultStream
from ..core.job.outcome import Finished, GenerationOutcome
from ..core.job.plan import Plan
from ..core.job.report import JobReport
from ..core.provider_system.registry import ProviderRegistry
from ..pictures import picture_transform
from .notes_source import CollectionNotes
from .sync import CollectionSync

__all__ = ["CHUNK_ITEMS", "FillSession", "JobOptions", "StoreResult", "run_headless"]

# Results stored per chunk: each chunk is one `update_notes` merged into the job's undo entry.
CHUNK_ITEMS = 250


@dataclass
class StoreResult:
    """What the store step did; ``changes`` is what Anki needs to refresh its windows."""

    changes: OpChanges
    report: JobReport


class FillSession:
    """One job on the collection across its steps; see the module docstring for the threads."""

    def __init__(
        self,
        *,
        config: Mapping[str, Any],
        registry: ProviderRegistry,
        state_dir: Path | None,
        options: JobOptions | None = None,
    ) -> None:
        self.job = JobSession[OpChanges](
            config=config,
            registry=registry,
            state_dir=state_dir,
            options=options or JobOptions(),
            transform=picture_transform(),
        )

    @property
    def config(self) -> Mapping[str, Any]:
        return self.job.config

    @property
    def job_id(self) -> str:
        return self.job.job_id

    @property
    def planned(self) -> Plan | None:
        return self.job.planned

    def plan(self, col: Collection, note_ids: Iterable[int] | None) -> Plan:
        """Step 1: plan the job over ``note_ids`` (a resumed job plans over its own notes)."""
        earlier = self.job.earlier_note_ids()
        notes = CollectionNotes(col, earlier if earlier is not None else (note_ids or ()))
        return self.job.plan(notes, CollectionSync(col))

    def plan_parts(
        self, col: Collection, note_ids: Iterable[int] | None, *, part_notes: int | None = None
    ) -> Iterator[Plan]:
        """Step 1 a part of the notes at a time (`JobSession.plan_parts`): generate and store each
        part before taking the next, so a job of any size holds one part's plan."""
        earlier = self.job.earlier_note_ids()
        notes = CollectionNotes(col, earlier if earlier is not None else (note_ids or ()))
        return self.job.plan_parts(notes, CollectionSync(col), note_ids=notes.note_ids, part_notes=part_notes)

    def generate(
        self, *, cancel: threading.Event, on_progress: ProgressCallback | None = None, sink: ResultStream | None = None
    ) -> GenerationOutcome:
        """Step 2 (`JobSession.generate`); never touches the collection."""
        return self.job.generate(cancel=cancel, on_progress=on_progress, sink=sink)

    def store_chunk(self, chunk: Sequence[Finished]) -> OpChanges:
        """Step 3, as results arrive."""
        return self.job.store_chunk(chunk)

    def finish(self, outcome: GenerationOutcome, *, count_rest: bool = True) -> StoreResult:
        """Store what is left in ``outcome`` (results not streamed) and end the job (see
        `JobSession.finish` for ``count_rest``)."""
        changes, report = self.job.finish(outcome, count_rest=count_rest)
        return StoreResult(changes=changes, report=report)

    def close(self) -> None:
        """Close the journal and the index (safe to call twice)."""
        self.job.close()


# The same steps without journal, reuse or streaming, for scripts and tests that want them one by one.


def plan_job(col: Collection, note_ids: Iterable[int], config: Mapping[str, Any]) -> Plan:
    """Step 1 alone: the plan for ``note_ids`` under the config's rules."""
    sounds = sound_files(CollectionSync(col).media_folder())
    return plan_notes(CollectionNotes(col, note_ids).notes(), parse_rules(config), sounds=sounds)


def generate_job(
    plan: Plan, registry: ProviderRegistry, *, cancel: threading.Event, on_progress: ProgressCallback | None = None
) -> GenerationOutcome:
    """Step 2 alone: every result collected in the outcome."""
    return generate_all(
        plan.requests_to_make(),
        providers=registry,
        cancel=cancel,
        on_progress=on_progress,
        transform=picture_transform(),
    )


def store_job(col: Collection, plan: Plan, outcome: GenerationOutcome) -> StoreResult:
    """Step 3 alone: write what was made; one undo entry named "Fill Media"."""
    sync = CollectionSync(col)
    sync.begin(plan)
    changes, report = sync.store(plan, outcome)
    return StoreResult(changes=changes, report=report)


def run_headless(
    col: Collection,
    note_ids: Iterable[int] | None,
    config: Mapping[str, Any],
    *,
    cancel: threading.Event | None = None,
    on_progress: ProgressCallback | None = None,
    registry: ProviderRegistry | None = None,
    state_dir: Path | None = None,
    options: JobOptions | None = None,
    part_notes: int | None = None,
) -> JobReport:
    """Every step for scripts and the CLI (which own the collection), ``part_notes`` notes at a
    time (`FillSession.plan_parts`; `job_parts.PART_NOTES` by default): results are stored while the rest are still being made. Uses
    ``registry`` when given (and leaves it open), else one of its own for this job."""
    own = registry is None
    active = ProviderRegistry(config, state_dir=state_dir) if registry is None else registry
    session = FillSession(config=config, registry=active, state_dir=state_dir, options=options or JobOptions())
    try:
        stop = cancel or threading.Event()
        outcome = GenerationOutcome()
        for _part in session.plan_parts(col, note_ids, part_notes=part_notes):
            outcome = _generate_and_store(session, cancel=stop, on_progress=on_progress)
            if stop.is_set() or outcome.budget_reached:
                break
        return session.finish(outcome).report
    finally:
        session.close()
        if own:
            active.close()


def _generate_and_store(
    session: FillSession, *, cancel: threading.Event, on_progress: ProgressCallback | None
) -> GenerationOutcome:
    """Generate the session's current plan (or part) on a worker thread while this thread stores
    the results as they come, a chunk at a time."""
    stream = ResultStream()
    box: list[GenerationOutcome] = []
    errors: list[BaseException] = []

    def generate() -> None:
        try:
            box.append(session.generate(cancel=cancel, on_progress=on_progress, sink=stream))
        except BaseException as exc:  # handed to the calling thread
            errors.append(exc)
            stream.close()

    worker = threading.Thread(target=generate, name="media-fill-job", daemon=True)
    worker.start()
    while True:
        chunk = stream.take(max_items=CHUNK_ITEMS, timeout_s=0.5)
        if chunk:
            session.store_chunk(chunk)
        elif stream.drained:
            break
    worker.join()
    if errors:
        raise errors[0]
    return box[0]
