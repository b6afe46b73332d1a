"""What the generation step of a job made: each finished request (`Finished`), and the outcome:
results by work item, and what stopped or limited it.

Thread safety: filled by the generation step on the thread that runs it; read after it returns.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..media.types import MediaResult
from .plan import WorkItem


@dataclass
class GenerationOutcome:
    """Results by `WorkItem.key`; items that never started (cancelled) have no entry. With a
    result stream the results went there instead and ``results`` stays empty.

    ``provider_problems`` names, per provider, why it was not used at all (disabled, no key, failed
    to load), found before any request was made, or why it was stopped during the job (a refused
    key, a spent quota): its requests then went to the rule's next provider, and the user must
    still learn of it.
    """

    results: dict[str, MediaResult] = field(default_factory=dict)
    cancelled: bool = False
    provider_problems: dict[str, str] = field(default_factory=dict)
    trace_id: str = ""
    budget_reached: bool = False
    spent_usd: float = 0.0
    rate_cuts: dict[str, int] = field(default_factory=dict)
    finished: int = 0
    # Targets of notes a job planned in parts never planned (it stopped early): not started.
    not_planned: int = 0


def merge_outcomes(first: GenerationOutcome, then: GenerationOutcome) -> GenerationOutcome:
    """Two runs of one job's generation (two parts of it) as one outcome; results are not kept
    (parts stream theirs to the store step)."""
    cuts = Counter(first.rate_cuts)
    cuts.update(then.rate_cuts)
    return GenerationOutcome(
        cancelled=first.cancelled or then.cancelled,
        provider_problems={**first.provider_problems, **then.provider_problems},
        trace_id=first.trace_id or then.trace_id,
        budget_reached=first.budget_reached or then.budget_reached,
        spent_usd=first.spent_usd + then.spent_usd,
        rate_cuts=dict(cuts),
        finished=first.finished + then.finished,
        not_planned=first.not_planned + then.not_planned,
    )


@dataclass(frozen=True)
class Finished:
    """One request's result, for the targets of ``item``."""

    item: WorkItem
    result: MediaResult

    @property
    def size(self) -> int:
        return len(self.result.data or b"")
