"""What a job would do, before it starts: per note type and target field, how many fields will be
generated, skipped (already filled, or no words) and reused (made by an earlier job), and what
the requests would cost per provider. The Fill Media dialog shows it; nothing is written.

Thread safety: needs the collection on the calling thread (a `QueryOp`'s worker, or a script that
owns it); reads the reuse index, never writes it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anki.collection import Collection

from ..core.config.rules import parse_rules
from ..core.engine.job_session import REUSE_INDEX_FILE_NAME, price_per_request, reuse_earlier_media
from ..core.engine.planner import plan_notes, work_no_provider_can_do
from ..core.job.plan import Plan
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
) -> PlanSummary:
    """Plan ``note_ids`` under the config's rules and count what would happen (see the module
    docstring). Reuse is counted only when the config allows it and ``state_dir`` is given."""
    jobs = list(CollectionNotes(col, note_ids).notes())
    note_types = {job.note_id: job.note_type for job in jobs}
    plan = plan_notes(jobs, parse_rules(config))
    if state_dir is not None and config.get("reuse_media", True):
        _mark_reusable(col, plan, registry=registry, index_path=state_dir / REUSE_INDEX_FILE_NAME)
    rows: dict[tuple[str, MediaKind, str], TargetCounts] = {}
    left_alone: dict[str, str] = {}
    for target in plan.targets:
        note_type = note_types.get(target.note_id, "")
        if not target.field:
            left_alone[note_type] = target.skip_reason or "no field to fill"
            continue
        row = rows.setdefault(
            (note_type, target.kind, target.field), TargetCounts(note_type, target.kind, target.field)
        )
        if target.work is None:
            row.skipped += 1
            row.skip_reasons[target.skip_reason or ""] += 1
        elif target.work.key in plan.ready:
            row.reused += 1
        else:
            row.generate += 1
    with_targets = {note_types.get(t.note_id, "") for t in plan.targets if t.field}
    for note_type in dict.fromkeys(note_types.values()):
        if note_type not in with_targets:
            left_alone.setdefault(note_type, "its rule fills no field")
    estimate = plan.estimate(
        lambda kind, name: price_per_request(registry, kind, name),
        usable=lambda kind, name: registry.setup_problem(kind, name) is None,
    )
    budget = config.get("budget_usd")
    return PlanSummary(
        notes=len(jobs),
        targets=list(rows.values()),
        requests=dict(estimate.requests),
        usd=dict(estimate.usd),
        budget_usd=float(budget) if budget is not None else None,
        left_alone=left_alone,
        blocked=tuple(work_no_provider_can_do(plan.requests_to_make(), registry.setup_problem)),
    )


def _mark_reusable(col: Collection, plan: Plan, *, registry: ProviderRegistry, index_path: Path) -> None:
    if not index_path.exists():
        return  # no job has stored anything yet; do not create the index just to look
    sync = CollectionSync(col)
    with ReuseIndex(index_path, collection_id=sync.target_id) as index:
        reuse_earlier_media(plan, sync=sync, index=index, registry=registry)
