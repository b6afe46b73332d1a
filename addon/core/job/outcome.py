"""What the generation step of a job made: each finished request (`Finished`), and the outcome:
results by work item, and what stopped or limited it.

Thread safety: filled by the generation step on the thread that runs it; read after it returns.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Finished:
    """One request's result, for the targets of ``item``."""

    item: WorkItem
    result: MediaResult

    @property
    def size(self) -> int:
        return len(self.result.data or b"")
