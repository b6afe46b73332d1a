"""The steps of one job, over any source of notes and any target: the engine's side of the
`DataProvider` and `SyncProvider` seams.

1. `JobSession.plan` reads the notes from a `DataProvider`, decides what is skipped or reused, opens
   the job's journal, and `begin`s the `SyncProvider`'s store (needs the target, no network). When
   some request has no provider that can run (each one off, without a key, or missing its program),
   it raises `ConfigError` naming the fixes before anything is written.
2. `JobSession.generate` makes the media (network or subprocesses, never the target); results flow
   into a `ResultStream` as they arrive.
3. `JobSession.store_chunk` hands what has arrived to the sync provider; `JobSession.finish` ends the
   job and returns the report (needs the target, no network).

A ``transform`` from the layer above (the collection's picture fitting, which needs an image codec
the core does not import) is applied to every result as it is made (`generation.ResultTransform`).

The journal and the reuse index live in ``state_dir`` (the add-on's ``user_files/``); without one,
the job keeps neither. A job resumed or retried plans over the notes its journal names
(`JobSession.earlier_note_ids`), and only on the target it ran on.

Thread safety: steps 1 and 3 run where the target may be used, one at a time; step 2 must not run
on a UI thread. `close` may be called from any thread once the steps are over.
"""

from __future__ import annotations

import functools
import itertools
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Generic

from ..base.errors import ConfigError
from ..config.files import media_cap_bytes
from ..config.rules import Rule, parse_rules
from ..job.outcome import Finished, GenerationOutcome, merge_outcomes
from ..job.plan import Plan, SourceNote
from ..job.report import JobReport
from ..media.audio_convert import AudioOutput
from ..media.image_output import ImageOutput
from ..media.types import MediaKind
from ..provider_system.data_provider import DataProvider
from ..provider_system.registry import ProviderRegistry
from ..provider_system.sync_provider import ChangesT, StoreOptions, SyncProvider
from ..state.job_ids import new_job_id
from ..state.journal_records import RESUME, RETRY_FAILED, JobHeader, JournalState
from ..state.journal_writer import JobJournal
from ..state.reuse_index import ReuseIndex
from . import job_parts
from .generation import ProgressCallback, ResultTransform, generate_all
from .job_parts import CountedNotes, JobParts
from .plan_reuse import apply_journal, apply_reuse
from .planner import plan_notes, work_no_provider_can_do
from .result_stream import ResultStream
from .sound_sources import SoundFiles
from .voice_turns import VoiceTurns

REUSE_INDEX_FILE_NAME = "media_index.sqlite3"


@dataclass(frozen=True)
class JobOptions:
    """How to run a job: ``fresh`` ignores media made by earlier jobs; ``resume`` or
    ``retry_failed`` name an earlier job to finish, or whose failures to redo."""

    fresh: bool = False
    resume: str | None = None
    retry_failed: str | None = None


class JobSession(Generic[ChangesT]):
    """One job across its steps; see the module docstring for the threads each step runs on."""

    def __init__(
        self,
        *,
        config: Mapping[str, Any],
        registry: ProviderRegistry,
        state_dir: Path | None,
        options: JobOptions = JobOptions(),
        transform: ResultTransform | None = None,
    ) -> None:
        if options.resume and options.retry_failed:
            raise ConfigError("give either a job to resume or a job whose failures to retry, not both")
        self.config = config
        self.registry = registry
        self.state_dir = state_dir
        self.options = options
        self.transform = transform
        self.planned: Plan | None = None
        self.journal: JobJournal | None = None
        self.reuse: ReuseIndex | None = None
        self.sync: SyncProvider[ChangesT] | None = None
        self.job_id = ""
        self.estimated_usd = 0.0
        self._earlier: JournalState | None = None
        self._voice_turns = VoiceTurns()  # one job's voices take turns over all its parts
        self._sounds: SoundFiles | None = None  # transcripts' sounds, each file hashed once per job
        self._rules_config: Mapping[str, Any] = config
        self._rules: Sequence[Rule] = ()
        self._fresh = options.fresh
        # A job planned in parts (`plan_parts`): where it is, and its outcome over the parts so far.
        self._parts: JobParts | None = None
        self._job_outcome = GenerationOutcome()

    @property
    def max_media_bytes(self) -> int:
        """The configured cap on one media file (``max_media_mb``)."""
        return media_cap_bytes(self.config)

    # Step 1

    def earlier_note_ids(self) -> list[int] | None:
        """For a resumed or retried job, the notes its journal names (the journal stays open for
        `plan`); None for a new job."""
        earlier = self.options.resume or self.options.retry_failed
        if not earlier:
            return None
        if self._earlier is None:
            if self.state_dir is None:
                raise ConfigError("resuming a job needs the add-on's user_files folder")
            mode = RESUME if self.options.resume else RETRY_FAILED
            self.journal, self._earlier = JobJournal.reopen(self.state_dir, earlier, mode=mode)
        return list(self._earlier.header.note_ids)

    def plan(self, source: DataProvider, sync: SyncProvider[ChangesT]) -> Plan:
        """Plan the whole job over ``source``'s notes at once and begin ``sync``'s store (a resumed
        job must be given the notes of `earlier_note_ids`). The Browser's job shows this plan."""
        plan = self._plan_first(source.notes(), sync)
        self._start(plan, sync, note_ids=list(dict.fromkeys(target.note_id for target in plan.targets)))
        return plan

    def plan_parts(
        self,
        source: DataProvider,
        sync: SyncProvider[ChangesT],
        *,
        note_ids: Sequence[int],
        part_notes: int | None = None,
    ) -> Iterator[Plan]:
        """Plan the job ``part_notes`` notes at a time, so what it holds stays bounded however many
        notes it has: each part is yielded to be generated and stored before the next is planned
        (`extend`ed into ``sync``'s store). The first part is planned and the job begun (journal,
        ``sync.begin``) before it is yielded; a refused job (`ConfigError`) writes nothing. A
        caller that stops early (cancel, budget) just stops iterating: `finish` counts the targets
        of the notes never planned as not started. ``note_ids`` are the job's notes, for its journal;
        ``part_notes`` defaults to `job_parts.PART_NOTES` (read at the call)."""
        part_notes = part_notes or job_parts.PART_NOTES
        counted = CountedNotes(source.notes())
        self._parts = JobParts(notes=counted, total_notes=len(note_ids))
        first = self._plan_first(itertools.islice(counted, part_notes), sync)
        self._start(first, sync, note_ids=list(note_ids), remember_made=self.reuse is None or self._fresh)
        self._parts.requests += len(first.requests_to_make())
        yield first
        while True:
            batch = list(itertools.islice(counted, part_notes))
            if not batch:
                self._parts.exhausted = True
                return
            plan = self._plan_next(batch, sync)
            self._parts.requests += len(plan.requests_to_make())
            yield plan

    def _plan_first(self, notes: Iterable[SourceNote], sync: SyncProvider[ChangesT]) -> Plan:
        """The first (or only) plan of the job: earlier runs folded in, reuse looked up, and the job
        refused when some request has no provider that can run (before anything is written)."""
        self.earlier_note_ids()
        state = self._earlier
        rules_config: Mapping[str, Any] = self.config
        fresh = self.options.fresh
        if state is not None:
            assert self.journal is not None
            if state.header.collection and state.header.collection != sync.target_id:
                self.journal.close()
                raise ConfigError(
                    f"job {state.header.job_id} belongs to another collection ({state.header.collection})"
                )
            # The journal's rules, with today's picture settings (the journal does not keep them).
            rules_config = {**_image_settings(self.config), "rules": [dict(rule) for rule in state.header.rules]}
            fresh = state.header.fresh
        self._rules_config, self._fresh = rules_config, fresh
        self._rules = parse_rules(rules_config)
        self._sounds = sound_files(sync.media_folder())
        plan = plan_notes(notes, self._rules, turns=self._voice_turns, sounds=self._sounds)
        if state is not None:
            sync.discard_partial_writes(state.writing.values())
            apply_journal(plan, state, mode=self._resume_mode, exists=sync.has_media)
        index_path = self.state_dir / REUSE_INDEX_FILE_NAME if self.state_dir is not None else None
        reuse_on = index_path is not None and bool(self.config.get("reuse_media", True))
        may_reuse = reuse_on and not fresh and index_path is not None and index_path.exists()
        if not may_reuse:  # checked before the index is made, so a refused job writes nothing
            self._refuse_work_no_provider_can_do(plan)
        if reuse_on and index_path is not None:
            self.reuse = ReuseIndex(index_path, collection_id=sync.target_id)
            if not fresh:
                reuse_earlier_media(plan, sync=sync, index=self.reuse, registry=self.registry)
        if may_reuse:  # what earlier jobs made needs no provider
            self._refuse_work_no_provider_can_do(plan)
        return plan

    def _start(
        self, plan: Plan, sync: SyncProvider[ChangesT], *, note_ids: list[int], remember_made: bool = False
    ) -> None:
        """Open the journal of a new job and begin ``sync``'s store of ``plan``."""
        if self.journal is None and self.state_dir is not None:
            header = JobHeader(
                job_id=new_job_id(),
                created=time.time(),
                note_ids=note_ids,
                rules=list(self._rules_config.get("rules", [])),
                kinds=[kind.value for kind in MediaKind],
                fresh=self._fresh,
                collection=sync.target_id,
            )
            self.journal = JobJournal.create(self.state_dir, header)
            self._record_planned(plan)
        self.job_id = self.journal.job_id if self.journal is not None else ""
        self.estimated_usd = plan.estimate(self._price, usable=self._usable, per_minute=self._per_minute).total_usd
        sync.begin(
            plan,
            options=StoreOptions(
                journal=self.journal,
                reuse=self.reuse,
                fingerprint=functools.cache(self.registry.output_fingerprint),  # settings hold for the job
                max_media_bytes=self.max_media_bytes,
                tag_notes=bool(self.config.get("tag_notes", False)),
                remember_made=remember_made,
            ),
        )
        self.sync = sync
        self.planned = plan

    def _plan_next(self, notes: Iterable[SourceNote], sync: SyncProvider[ChangesT]) -> Plan:
        """A later part of a job planned in parts: as the first, and what earlier parts made for
        the same requests is used as it is (from the reuse index, or remembered by ``sync`` when
        the index is not read), so no request is made twice in one job."""
        plan = self._plan_of(notes, sync)
        if self.reuse is not None and not self._fresh:
            reuse_earlier_media(plan, sync=sync, index=self.reuse, registry=self.registry)
        wanted = {item.key for item in plan.requests_to_make()}
        plan.ready.update(sync.made_in_job(wanted))
        if self._earlier is None:
            self._record_planned(plan)
        self.estimated_usd += plan.estimate(self._price, usable=self._usable, per_minute=self._per_minute).total_usd
        sync.extend(plan)
        self.planned = plan
        return plan

    def _plan_of(self, notes: Iterable[SourceNote], sync: SyncProvider[ChangesT]) -> Plan:
        """``notes`` planned under the job's rules, with its earlier runs folded in."""
        plan = plan_notes(notes, self._rules, turns=self._voice_turns, sounds=self._sounds)
        if self._earlier is not None:
            apply_journal(plan, self._earlier, mode=self._resume_mode, exists=sync.has_media)
        return plan

    def _record_planned(self, plan: Plan) -> None:
        if self.journal is not None:
            self.journal.record_planned(targets=sum(1 for target in plan.targets if target.work is not None))

    @property
    def _resume_mode(self) -> str:
        return RESUME if self.options.resume else RETRY_FAILED

    def _price(self, kind: MediaKind, name: str) -> float:
        return price_per_request(self.registry, kind, name)

    def _per_minute(self, kind: MediaKind, name: str) -> float:
        return price_per_minute(self.registry, kind, name)

    def _usable(self, kind: MediaKind, name: str) -> bool:
        return self.registry.setup_problem(kind, name) is None

    def _refuse_work_no_provider_can_do(self, plan: Plan) -> None:
        """Raise `ConfigError` (after closing what the job opened) when a request of ``plan`` has
        no provider that can run: the job would only fail, so nothing is written."""
        problems = work_no_provider_can_do(plan.requests_to_make(), self.registry.setup_problem)
        if problems:
            self.close()
            raise ConfigError("nothing was done: " + "; and ".join(problems))

    # Step 2

    def generate(
        self,
        *,
        cancel: threading.Event,
        on_progress: ProgressCallback | None = None,
        sink: ResultStream | None = None,
    ) -> GenerationOutcome:
        """Make the plan's media with the registry's providers (the caller owns and closes the
        registry, so breakers and health outlive the job). Never touches the target. A job planned
        in parts calls this once per part: the budget, the trace id and the progress run across
        the parts."""
        assert self.planned is not None, "plan first"
        budget = self.config.get("budget_usd")
        so_far = self._job_outcome
        parts = self._parts
        outcome = generate_all(
            self.planned.requests_to_make(),
            providers=self.registry,
            cancel=cancel,
            on_progress=parts.progress(on_progress) if parts is not None and on_progress is not None else on_progress,
            trace_id=so_far.trace_id or None,
            sink=sink,
            budget_usd=max(float(budget) - so_far.spent_usd, 0.0) if budget is not None else None,
            max_media_bytes=self.max_media_bytes,
            audio_output=AudioOutput.from_config(self.config),
            transform=self.transform,
        )
        if parts is not None:
            parts.part_generated(outcome.finished)
        self._job_outcome = merge_outcomes(so_far, outcome)
        return outcome

    # Step 3

    def store_chunk(self, chunk: Sequence[Finished]) -> ChangesT:
        assert self.sync is not None, "plan first"
        return self.sync.store_chunk(chunk)

    def finish(self, outcome: GenerationOutcome, *, count_rest: bool = True) -> tuple[ChangesT, JobReport]:
        """Store what is left in ``outcome`` (results not streamed) and end the job. A job planned
        in parts and stopped early counts the targets of the notes it never planned as not
        started, planning them now (no request); ``count_rest`` False skips that (Anki closing)."""
        assert self.sync is not None and self.planned is not None, "plan first"
        if self._parts is not None:  # every part's outcome, and the notes never planned
            rest, notes_left = self._targets_not_planned() if count_rest else (0, not self._parts.exhausted)
            job = self._job_outcome
            # Stopped before its last part without reaching the budget: the job was cancelled.
            cancelled = job.cancelled or outcome.cancelled or (notes_left and not job.budget_reached)
            outcome = replace(job, not_planned=rest, cancelled=cancelled)
        if outcome.results:
            changes, report = self.sync.store(self.planned, outcome)
        else:
            changes, report = self.sync.finish(outcome)
        report.job_id = self.job_id
        report.journal_path = str(self.journal.path) if self.journal is not None else ""
        report.estimated_usd = self.estimated_usd
        self.close()
        return changes, report

    def _targets_not_planned(self) -> tuple[int, bool]:
        """The targets with work among the notes a job planned in parts never reached (it was
        cancelled or stopped at its budget), planned now only to be counted as not started; and
        whether there were such notes."""
        parts = self._parts
        if parts is None or parts.exhausted or self.sync is None:
            return 0, False
        parts.exhausted = True
        taken = parts.notes.taken
        targets = len(self._plan_of(parts.notes, self.sync).to_generate)
        return targets, parts.notes.taken > taken

    def close(self) -> None:
        """Close the journal and the index (safe to call twice)."""
        if self.journal is not None:
            self.journal.close()
        if self.reuse is not None:
            self.reuse.close()


def reuse_earlier_media(plan: Plan, *, sync: SyncProvider[Any], index: ReuseIndex, registry: ProviderRegistry) -> int:
    """Mark what earlier jobs made for ``plan``'s requests, whose files the target still holds, as
    ready (see `apply_reuse`); returns how many."""
    return apply_reuse(
        plan,
        index=index,
        fingerprint=functools.cache(registry.output_fingerprint),  # once per provider, not per request
        exists=lambda name, size: sync.has_media(name, size=size),
    )


def sound_files(media_folder: str | None) -> SoundFiles:
    """The sounds of ``media_folder`` for one job's transcript targets."""
    return SoundFiles(media_folder)


def _image_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config's picture settings, as top-level keys (`ImageOutput.options`)."""
    return ImageOutput.from_config(config).options()


def price_per_request(registry: ProviderRegistry, kind: MediaKind, name: str) -> float:
    """The configured price of one request to the provider (0 when it cannot be read)."""
    try:
        return float(registry.settings(kind, name).get("price_per_request", 0) or 0)
    except ConfigError:
        return 0.0


def price_per_minute(registry: ProviderRegistry, kind: MediaKind, name: str) -> float:
    """The configured price of one minute of sound heard by the provider (a transcription
    provider's ``price_per_minute``; 0 when it has none or it cannot be read)."""
    try:
        return float(registry.settings(kind, name).get("price_per_minute", 0) or 0)
    except ConfigError:
        return 0.0
