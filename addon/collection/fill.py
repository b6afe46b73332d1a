"""The three steps of a Fill Media job, shared by the Browser action and the CLI.

1. `plan_job` reads the notes (needs the collection, no network).
2. `core.job.generate_all` makes the media (network or subprocesses, never the collection).
3. `store_job` writes media files and notes in one undo entry (needs the collection, no network).

The Browser runs each step on the right thread; `run_headless` runs them in a row for the CLI.

Thread safety: steps 1 and 3 need the collection on the calling thread; step 2 must not run on the
UI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from anki.collection import Collection, OpChanges

from ..core.config import parse_rules
from ..core.job import GenerationOutcome, ProgressCallback, generate_all
from ..core.planner import Plan, plan_notes
from ..core.registry import ProviderRegistry
from ..core.report import JobReport
from .notes_source import CollectionNotes
from .sync import CollectionSync


@dataclass
class StoreResult:
    """What the store step did; ``changes`` is what Anki needs to refresh its windows."""

    changes: OpChanges
    report: JobReport


def plan_job(col: Collection, note_ids: Iterable[int], config: Mapping[str, Any]) -> Plan:
    """Step 1: the plan for ``note_ids`` under the config's rules."""
    return plan_notes(CollectionNotes(col, note_ids).jobs(), parse_rules(config))


def generate_job(
    plan: Plan,
    registry: ProviderRegistry,
    *,
    cancel: threading.Event,
    on_progress: ProgressCallback | None = None,
) -> GenerationOutcome:
    """Step 2: make the plan's media with ``registry``'s providers (the caller owns and closes
    it, so breakers and health outlive the job). Never touches the collection."""
    return generate_all(plan.unique_work(), providers=registry, cancel=cancel, on_progress=on_progress)


def store_job(col: Collection, plan: Plan, outcome: GenerationOutcome) -> StoreResult:
    """Step 3: write what was made; one undo entry named "Fill Media"."""
    changes, report = CollectionSync(col).store(plan, outcome)
    return StoreResult(changes=changes, report=report)


def run_headless(
    col: Collection,
    note_ids: Iterable[int],
    config: Mapping[str, Any],
    *,
    cancel: threading.Event | None = None,
    on_progress: ProgressCallback | None = None,
    registry: ProviderRegistry | None = None,
) -> JobReport:
    """All three steps in a row, for scripts and the CLI (which own the collection). Uses
    ``registry`` when given (and leaves it open), else one of its own for this job."""
    plan = plan_job(col, note_ids, config)
    own = registry is None
    active = ProviderRegistry(config) if registry is None else registry
    try:
        outcome = generate_job(plan, active, cancel=cancel or threading.Event(), on_progress=on_progress)
    finally:
        if own:
            active.close()
    return store_job(col, plan, outcome).report
