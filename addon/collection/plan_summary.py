"""What a job would do, before it starts: per note type and target field, how many fields will be
generated, skipped (already filled, or no words) and reused (made by an earlier job), and what
the requests would cost per provider. The Fill Media dialog shows it; nothing is written.

Thread safety: needs the collection on the calling thread (a `QueryOp`'s worker, or a script that
owns it); reads the reuse index, never writes it.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anki.collection import Collection

from ..core.config.rules import parse_rules
from ..core.engine import job_parts
from ..core.engine.job_session import (
    REUSE_INDEX_FILE_NAME,
    price_per_minute,
    price_per_request,
    reuse_earlier_media,
    sound_files,
)
from ..core.engine.planner import Blocked, Problems, blocked_messages, blocked_work, plan_notes
from ..core.engine.voice_turns import VoiceTurns
from ..core.job.plan import Plan, SourceNote, estimate_work
from ..core.media.types import MediaKind
from ..core.provider_system.registry import ProviderRegistry
from ..core.state.reuse_index import ReuseIndex
from .notes_source import CollectionNotes
from .sync import CollectionSync


@dataclass
class TargetCounts:
    """One note type's target field: how its notes would be handled."""

    note_type: str
    kind: MediaKind
    field_name: str
    generate: int = 0
    skipped: int = 0
    reused: int = 0
    skip_reasons: Counter[str] = field(default_factory=Counter)
    # Fields that would fail before any request (a transcript's sound file is missing), by reason.
    failures: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class PlanSummary:
    notes: int
    targets: list[TargetCounts]
    # Each request counted once at its first provider that is set up (identical requests are made
    # once); a request no provider can make is not counted (the dialog says why Start is off).
    requests: Mapping[str, int]
    usd: Mapping[str, float]
    budget_usd: float | None
    left_alone: Mapping[str, str]  # note type → why none of its fields is filled
    # Why a real job would refuse to start: requests no provider of their rule can make (`planner`).
    blocked: tuple[str, ...] = ()

    @property
    def total_usd(self) -> float:
        return sum(self.usd.values())

    @property
    def to_make(self) -> int:
        return sum(self.requests.values())

    @property
    def over_budget(self) -> bool:
        return self.budget_usd is not None and self.total_usd > self.budget_usd + 1e-9


def summarize_plan(
    col: Collection,
    note_ids: Iterable[int],
    config: Mapping[str, Any],
    *,
    registry: ProviderRegistry,
    state_dir: Path | None,
    part_notes: int | None = None,
) -> PlanSummary:
    """Plan ``note_ids`` under the config's rules and count what would happen (see the module
    docstring). Reuse is counted only when the config allows it and ``state_dir`` is given. The
    notes are planned a part at a time (`job_parts.PART_NOTES` by default), as the job runs, so a
    big selection holds one part; each request is counted once however many parts ask for it."""
    rules = parse_rules(config)
    notes = iter(CollectionNotes(col, note_ids).notes())
    part = part_notes or job_parts.PART_NOTES
    counts = _Counts()
    turns = VoiceTurns()  # the voices take turns over the parts as in the job
    sounds = sound_files(CollectionSync(col).media_folder())  # each sound hashed once, as in the job
    with _reuse_index(col, config, state_dir=state_dir) as index:
        while batch := list(itertools.islice(notes, part)):
            plan = plan_notes(batch, rules, turns=turns, sounds=sounds)
            if index is not None:
                reuse_earlier_media(plan, sync=CollectionSync(col), index=index, registry=registry)
            counts.add(batch, plan, registry=registry)
    budget = config.get("budget_usd")
    with_targets = set(counts.with_targets)
    left_alone = dict(counts.left_alone)
    for note_type in counts.note_types:
        if note_type not in with_targets:
            left_alone.setdefault(note_type, "its rule fills no field")
    return PlanSummary(
        notes=counts.notes,
        targets=list(counts.rows.values()),
        requests=dict(counts.requests),
        usd=dict(counts.usd),
        budget_usd=float(budget) if budget is not None else None,
        left_alone=left_alone,
        blocked=tuple(blocked_messages(counts.blocked, counts.problems)),
    )


@dataclass
class _Counts:
    """What the parts of a summary add up to."""

    notes: int = 0
    rows: dict[tuple[str, MediaKind, str], TargetCounts] = field(default_factory=dict)
    left_alone: dict[str, str] = field(default_factory=dict)
    note_types: dict[str, None] = field(default_factory=dict)  # in the order met
    with_targets: dict[str, None] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    usd: Counter[str] = field(default_factory=Counter)
    blocked: Blocked = field(default_factory=Counter)
    problems: Problems = field(default_factory=dict)
    # The requests counted so far, by the hash of their key (8 bytes each, not the key).
    counted: set[int] = field(default_factory=set)

    def add(self, batch: Sequence[SourceNote], plan: Plan, *, registry: ProviderRegistry) -> None:
        self.notes += len(batch)
        note_types = {note.note_id: note.note_type for note in batch}
        self.note_types.update(dict.fromkeys(note_types.values()))
        for target in plan.targets:
            note_type = note_types.get(target.note_id, "")
            if not target.field:
                self.left_alone[note_type] = target.skip_reason or "no field to fill"
                continue
            self.with_targets[note_type] = None
            row = self.rows.setdefault(
                (note_type, target.kind, target.field), TargetCounts(note_type, target.kind, target.field)
            )
            if target.failure is not None:
                row.failures[target.failure] += 1
            elif target.work is None:
                row.skipped += 1
                row.skip_reasons[target.skip_reason or ""] += 1
            elif target.work.key in plan.ready:
                row.reused += 1
            else:
                row.generate += 1
        new = [item for item in plan.requests_to_make() if hash(item.key) not in self.counted]
        self.counted.update(hash(item.key) for item in new)
        estimate = estimate_work(
            new,
            lambda kind, name: price_per_request(registry, kind, name),
            usable=lambda kind, name: registry.setup_problem(kind, name) is None,
            per_minute=lambda kind, name: price_per_minute(registry, kind, name),
        )
        self.requests.update(estimate.requests)
        self.usd.update(estimate.usd)
        self.blocked.update(blocked_work(new, registry.setup_problem, problems=self.problems))


@contextlib.contextmanager
def _reuse_index(col: Collection, config: Mapping[str, Any], *, state_dir: Path | None) -> Iterator[ReuseIndex | None]:
    """The reuse index to count reuse from, when the config allows it and a job has made one (it is
    not created just to look)."""
    index_path = state_dir / REUSE_INDEX_FILE_NAME if state_dir is not None else None
    if index_path is None or not config.get("reuse_media", True) or not index_path.exists():
        yield None
        return
    with ReuseIndex(index_path, collection_id=CollectionSync(col).target_id) as index:
        yield index
