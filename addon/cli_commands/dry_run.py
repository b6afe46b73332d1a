"""``python -m addon fill … --dry-run [--json]``: what a job would do, with nothing written and no
provider asked. Per note type and target field, how many fields would be made, skipped and reused
(by an earlier job's media), and the requests and estimated cost per provider: the numbers the
Fill Media dialog shows (`collection.plan_summary`).

Nothing is written: no media, no note, no journal, and no reuse index (one is only read, and only
when an earlier job made it). No provider is called, not even for a health check: only the
settings are read and programs looked up on PATH, to tell which provider each request would go to.

Thread safety: runs on the main thread of the CLI's process, which owns the collection.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.provider_system.registry import ProviderRegistry
from .output import say

if TYPE_CHECKING:
    from anki.collection import Collection

    from ..collection.plan_summary import PlanSummary


def plan_without_running(
    col: Collection, note_ids: Iterable[int], config: Mapping[str, Any], *, state_dir: Path, fresh: bool
) -> PlanSummary:
    """The plan summary of a job over ``note_ids``; media made by earlier jobs counts as reused
    unless ``fresh`` (as in a real run with ``--fresh``)."""
    from ..collection.plan_summary import summarize_plan

    registry = ProviderRegistry(config, state_dir=state_dir)
    try:
        return summarize_plan(col, note_ids, config, registry=registry, state_dir=None if fresh else state_dir)
    finally:
        registry.close()


def summary_json(summary: PlanSummary) -> dict[str, Any]:
    """The ``--json`` object (its keys are documented in README's command line section)."""
    return {
        "dry_run": True,
        "notes": summary.notes,
        "targets": [
            {
                "note_type": row.note_type,
                "field": row.field_name,
                "kind": row.kind.value,
                "make": row.generate,
                "skipped": row.skipped,
                "reused": row.reused,
                "skip_reasons": dict(row.skip_reasons),
                "failing": sum(row.failures.values()),
                "failure_reasons": dict(row.failures),
            }
            for row in summary.targets
        ],
        "providers": {
            name: {"requests": count, "usd": round(summary.usd.get(name, 0.0), 6)}
            for name, count in summary.requests.items()
        },
        "requests": summary.to_make,
        "estimated_usd": round(summary.total_usd, 6),
        "budget_usd": summary.budget_usd,
        "over_budget": summary.over_budget,
        "left_alone": dict(summary.left_alone),
        "refused": list(summary.blocked),
    }


def summary_lines(summary: PlanSummary) -> list[str]:
    """The plain text of the dry run."""
    lines = [f"Dry run over {summary.notes} notes: nothing was written and no provider was asked."]
    for row in summary.targets:
        lines.append(
            f"  {row.note_type} › {row.field_name} ({row.kind.word}): {row.generate} to make, "
            f"{row.skipped} skipped, {row.reused} reused"
        )
        lines += [f"      skipped: {reason} ({count})" for reason, count in row.skip_reasons.items()]
        lines += [f"      would fail: {reason} ({count})" for reason, count in row.failures.items()]
    lines += [f"  {note_type}: left alone ({why})" for note_type, why in summary.left_alone.items()]
    for name, count in summary.requests.items():
        lines.append(f"  {name}: {count} request{'s' if count != 1 else ''}, ${summary.usd.get(name, 0.0):.2f}")
    budget = f" (budget ${summary.budget_usd:.2f})" if summary.budget_usd is not None else ""
    lines.append(f"{summary.to_make} requests, estimated ${summary.total_usd:.2f}{budget}")
    if summary.over_budget:
        lines.append("The estimate is over the budget: the job would stop there; raise budget_usd to let it finish.")
    lines += [f"A real run would refuse to start: {why}" for why in summary.blocked]
    return lines


def print_dry_run(
    col: Collection,
    note_ids: Iterable[int],
    config: Mapping[str, Any],
    *,
    state_dir: Path,
    fresh: bool,
    as_json: bool,
) -> None:
    summary = plan_without_running(col, note_ids, config, state_dir=state_dir, fresh=fresh)
    if as_json:
        say(json.dumps(summary_json(summary), ensure_ascii=False))
    else:
        say("\n".join(summary_lines(summary)))
