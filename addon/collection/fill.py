"""The steps of a Fill Media job, shared by the Browser action and the CLI.

1. `FillSession.plan` reads the notes, decides what is skipped or reused, and opens the job's
   journal (needs the collection, no network).
2. `FillSession.generate` makes the media (network or subprocesses, never the collection); results
   flow into a `ResultStream` as they arrive.
3. `FillSession.store_chunk` writes what has arrived — media files, then the notes, read again —
   into the job's one undo entry; `FillSession.finish` ends the job and returns the report (needs
   the collection, no network).

The Browser runs each step on the right thread; `run_headless` runs them for the CLI, storing
while generating. The journal and the reuse index live in ``state_dir`` (the add-on's
``user_files/``); without one, the job keeps neither.

Thread safety: steps 1 and 3 need the collection on the calling thread, one at a time; step 2 must
not run on the UI thread.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anki.collection import Collection, OpChanges

from ..core.base.errors import ConfigError
from ..core.base.log import get_logger
from ..core.config.files import media_cap_bytes
from ..core.config.rules import parse_rules
from ..core.engine.generation import ProgressCallback, generate_all
from ..core.engine.plan_reuse import apply_journal, apply_reuse
from ..core.engine.planner import plan_notes
from ..core.engine.result_stream import Finished, ResultStream
from ..core.job.outcome import GenerationOutcome
from ..core.job.plan import Plan
from ..core.job.report import JobReport
from ..core.media.audio_convert import AudioOutput
from ..core.media.types import MediaKind
from ..core.provider_system.registry import ProviderRegistry
from ..core.state.job_ids import new_job_id
from ..core.state.journal_records import RESUME, RETRY_FAILED, JobHeader
from ..core.state.journal_writer import JobJournal
from ..core.state.reuse_index import ReuseIndex
from .notes_source import CollectionNotes
from .sync import CollectionSync, remove_partial_writes

log = get_logger(__name__)

REUSE_INDEX_FILE_NAME = "media_index.sqlite3"
# Results stored per chunk: each chunk is one `update_notes` merged into the job's undo entry.
CHUNK_ITEMS = 250


@dataclass
class StoreResult:
    """What the store step did; ``changes`` is what Anki needs to refresh its windows."""

    changes: OpChanges
    report: JobReport


@dataclass(frozen=True)
class JobOptions:
    """How to run a job: ``fresh`` ignores media made by earlier jobs; ``resume`` or
    ``retry_failed`` name an earlier job to finish, or whose failures to redo."""

    fresh: bool = False
    resume: str | None = None
    retry_failed: str | None = None


class FillSession:
    """One job across its steps; see the module docstring for the threads each step runs on."""

    def __init__(
        self,
        *,
        config: Mapping[str, Any],
        registry: ProviderRegistry,
        state_dir: Path | None,
        options: JobOptions = JobOptions(),
    ) -> None:
        if options.resume and options.retry_failed:
            raise ConfigError("give either a job to resume or a job whose failures to retry, not both")
        self.config = config
        self.registry = registry
        self.state_dir = state_dir
        self.options = options
        self.planned: Plan | None = None
        self.journal: JobJournal | None = None
        self.reuse: ReuseIndex | None = None
        self.sync: CollectionSync | None = None
        self.job_id = ""
        self.estimated_usd = 0.0

    @property
    def max_media_bytes(self) -> int:
        """The configured cap on one media file (``max_media_mb``)."""
        return media_cap_bytes(self.config)

    # Step 1

    def plan(self, col: Collection, note_ids: Iterable[int] | None) -> Plan:
        """Plan the job over ``note_ids`` (a resumed job plans over its own notes)."""
        earlier = self.options.resume or self.options.retry_failed
        mode = RESUME if self.options.resume else RETRY_FAILED
        rules_config: Mapping[str, Any] = self.config
        fresh = self.options.fresh
        state = None
        if earlier:
            if self.state_dir is None:
                raise ConfigError("resuming a job needs the add-on's user_files folder")
            self.journal, state = JobJournal.reopen(self.state_dir, earlier, mode=mode)
            if state.header.collection and state.header.collection != collection_id(col):
                self.journal.close()
                raise ConfigError(f"job {earlier} belongs to another collection ({state.header.collection})")
            note_ids = state.header.note_ids
            rules_config = {"rules": [dict(rule) for rule in state.header.rules]}
            fresh = state.header.fresh
        plan = plan_notes(CollectionNotes(col, note_ids or ()).notes(), parse_rules(rules_config))
        media_dir = col.media.dir()
        if state is not None:
            remove_partial_writes(media_dir, state.writing.values())
            apply_journal(plan, state, mode=mode, exists=lambda name: os.path.isfile(os.path.join(media_dir, name)))
        if self.state_dir is not None and self.config.get("reuse_media", True):
            self.reuse = ReuseIndex(self.state_dir / REUSE_INDEX_FILE_NAME, collection_id=collection_id(col))
            if not fresh:
                reuse_earlier_media(col, plan, index=self.reuse, registry=self.registry)
        if self.journal is None and self.state_dir is not None:
            header = JobHeader(
                job_id=new_job_id(),
                created=time.time(),
                note_ids=list(dict.fromkeys(target.note_id for target in plan.targets)),
                rules=list(rules_config.get("rules", [])),
                kinds=[kind.value for kind in MediaKind],
                fresh=fresh,
                collection=collection_id(col),
            )
            self.journal = JobJournal.create(self.state_dir, header)
        self.job_id = self.journal.job_id if self.journal is not None else ""
        self.estimated_usd = plan.estimate(self._price).total_usd
        self.sync = CollectionSync(
            col,
            plan,
            journal=self.journal,
            reuse=self.reuse,
            fingerprint=self.registry.output_fingerprint,
            max_media_bytes=self.max_media_bytes,
        )
        self.planned = plan
        return plan

    def _price(self, kind: MediaKind, name: str) -> float:
        return price_per_request(self.registry, kind, name)

    # Step 2

    def generate(
        self,
        *,
        cancel: threading.Event,
        on_progress: ProgressCallback | None = None,
        sink: ResultStream | None = None,
    ) -> GenerationOutcome:
        """Make the plan's media with the registry's providers (the caller owns and closes the
        registry, so breakers and health outlive the job). Never touches the collection."""
        assert self.planned is not None, "plan first"
        budget = self.config.get("budget_usd")
        return generate_all(
            self.planned.requests_to_make(),
            providers=self.registry,
            cancel=cancel,
            on_progress=on_progress,
            sink=sink,
            budget_usd=float(budget) if budget is not None else None,
            max_media_bytes=self.max_media_bytes,
            audio_output=AudioOutput(
                audio_format=str(self.config.get("audio_format", "mp3")),
                keep_unconverted=bool(self.config.get("keep_unconverted_audio", True)),
            ),
        )

    # Step 3

    def store_chunk(self, chunk: Sequence[Finished]) -> OpChanges:
        assert self.sync is not None, "plan first"
        return self.sync.store_chunk(chunk)

    def finish(self, outcome: GenerationOutcome) -> StoreResult:
        """Store what is left in ``outcome`` (results not streamed) and end the job."""
        assert self.sync is not None and self.planned is not None, "plan first"
        if outcome.results:
            changes, report = self.sync.store(self.planned, outcome)
        else:
            changes, report = self.sync.finish(outcome)
        report.job_id = self.job_id
        report.estimated_usd = self.estimated_usd
        self.close()
        return StoreResult(changes=changes, report=report)

    def close(self) -> None:
        """Close the journal and the index (safe to call twice)."""
        if self.journal is not None:
            self.journal.close()
        if self.reuse is not None:
            self.reuse.close()


# The same steps without journal, reuse or streaming, for scripts and tests that want them one by one.


def plan_job(col: Collection, note_ids: Iterable[int], config: Mapping[str, Any]) -> Plan:
    """Step 1 alone: the plan for ``note_ids`` under the config's rules."""
    return plan_notes(CollectionNotes(col, note_ids).notes(), parse_rules(config))


def generate_job(
    plan: Plan, registry: ProviderRegistry, *, cancel: threading.Event, on_progress: ProgressCallback | None = None
) -> GenerationOutcome:
    """Step 2 alone: every result collected in the outcome."""
    return generate_all(plan.requests_to_make(), providers=registry, cancel=cancel, on_progress=on_progress)


def store_job(col: Collection, plan: Plan, outcome: GenerationOutcome) -> StoreResult:
    """Step 3 alone: write what was made; one undo entry named "Fill Media"."""
    changes, report = CollectionSync(col, plan).store(plan, outcome)
    return StoreResult(changes=changes, report=report)


def reuse_earlier_media(col: Collection, plan: Plan, *, index: ReuseIndex, registry: ProviderRegistry) -> int:
    """Mark what earlier jobs made for ``plan``'s requests, whose files are still in the media
    folder, as ready (see `apply_reuse`); returns how many."""
    media_dir = col.media.dir()
    return apply_reuse(
        plan,
        index=index,
        fingerprint=registry.output_fingerprint,
        exists=lambda name, size: has_media_file(media_dir, name, size),
    )


def price_per_request(registry: ProviderRegistry, kind: MediaKind, name: str) -> float:
    """The configured price of one request to the provider (0 when it cannot be read)."""
    try:
        return float(registry.settings(kind, name).get("price_per_request", 0) or 0)
    except ConfigError:
        return 0.0


def collection_id(col: Collection) -> str:
    """How the journal and the reuse index tell collections apart: the collection file's path."""
    return os.path.abspath(col.path)


def has_media_file(media_dir: str, name: str, size: int) -> bool:
    """Whether the media folder holds ``name`` with exactly ``size`` bytes."""
    try:
        return os.path.getsize(os.path.join(media_dir, name)) == size
    except OSError:
        return False


def run_headless(
    col: Collection,
    note_ids: Iterable[int] | None,
    config: Mapping[str, Any],
    *,
    cancel: threading.Event | None = None,
    on_progress: ProgressCallback | None = None,
    registry: ProviderRegistry | None = None,
    state_dir: Path | None = None,
    options: JobOptions = JobOptions(),
) -> JobReport:
    """Every step for scripts and the CLI (which own the collection): results are stored while
    the rest are still being made. Uses ``registry`` when given (and leaves it open), else one of
    its own for this job."""
    own = registry is None
    active = ProviderRegistry(config, state_dir=state_dir) if registry is None else registry
    session = FillSession(config=config, registry=active, state_dir=state_dir, options=options)
    try:
        session.plan(col, note_ids)
        stream = ResultStream()
        box: list[GenerationOutcome] = []
        errors: list[BaseException] = []

        def generate() -> None:
            try:
                box.append(session.generate(cancel=cancel or threading.Event(), on_progress=on_progress, sink=stream))
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
        return session.finish(box[0]).report
    finally:
        session.close()
        if own:
            active.close()
