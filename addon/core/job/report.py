"""What a job did, for the tooltip, the CLI and its ``--json`` output.

The JSON keys ``filled``, ``skipped``, ``reused``, ``failed`` and ``errors`` (each error with
``note_id``, ``field``, ``provider``, ``message``) are a public contract: add keys, never rename.

Thread safety: plain data; build it on one thread.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TargetError:
    note_id: int
    field: str
    provider: str
    message: str


@dataclass
class JobReport:
    filled: int = 0
    skipped: int = 0
    reused: int = 0
    failed: int = 0
    not_started: int = 0
    cancelled: bool = False
    errors: list[TargetError] = field(default_factory=list)
    skip_reasons: Counter[str] = field(default_factory=Counter)
    media_files: list[str] = field(default_factory=list)
    notes_changed: int = 0
    provider_problems: dict[str, str] = field(default_factory=dict)
    trace_id: str = ""
    job_id: str = ""
    budget_reached: bool = False
    spent_usd: float = 0.0
    estimated_usd: float = 0.0
    rate_cuts: dict[str, int] = field(default_factory=dict)
    # The notes that got media (filled or reused), each once, in the order they got it.
    filled_note_ids: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """The target counts, for the journal's end record."""
        return {
            "filled": self.filled,
            "skipped": self.skipped,
            "reused": self.reused,
            "failed": self.failed,
            "not_started": self.not_started,
        }

    @property
    def exit_code(self) -> int:
        """0 when every target was filled, skipped or reused; 1 otherwise."""
        return 0 if not self.failed and not self.not_started else 1

    def to_json(self) -> dict[str, Any]:
        return {
            **self.counts(),
            "errors": [
                {"note_id": e.note_id, "field": e.field, "provider": e.provider, "message": e.message}
                for e in self.errors
            ],
            "cancelled": self.cancelled,
            "notes_changed": self.notes_changed,
            "skip_reasons": dict(self.skip_reasons),
            "media_files": list(self.media_files),
            "provider_problems": dict(self.provider_problems),
            "trace_id": self.trace_id,
            "job_id": self.job_id,
            "budget_reached": self.budget_reached,
            "spent_usd": round(self.spent_usd, 6),
            "estimated_usd": round(self.estimated_usd, 6),
            "rate_cuts": dict(self.rate_cuts),
        }

    def headline(self) -> str:
        """How the job ended, in a few words: stopped at its budget, cancelled, failed (nothing
        was filled or reused and something failed), partly failed, or done."""
        if self.budget_reached:
            return f"Fill Media stopped at its budget (${self.spent_usd:.2f} spent)"
        if self.cancelled:
            return "Fill Media cancelled"
        if self.failed:
            return "Fill Media partly failed" if self.filled or self.reused else "Fill Media failed"
        return "Fill Media done"

    def summary(self) -> str:
        """One line for a tooltip or a terminal."""
        parts = [f"{self.filled} filled", f"{self.reused} reused", f"{self.skipped} skipped", f"{self.failed} failed"]
        if self.not_started:
            parts.append(f"{self.not_started} not started")
        return f"{self.headline()}: " + ", ".join(parts)

    def details(self, *, limit: int = 5) -> list[str]:
        """The most common skip reasons and distinct error messages, most frequent first."""
        lines = [f"not used — {name}: {problem}" for name, problem in self.provider_problems.items()]
        lines += [f"skipped {n}× — {reason}" for reason, n in self.skip_reasons.most_common(limit)]
        messages = Counter(f"{e.provider}: {e.message}" if e.provider else e.message for e in self.errors)
        lines += [f"failed {n}× — {message}" for message, n in messages.most_common(limit)]
        return lines
