"""A job planned a part at a time (`JobSession.plan_parts`): the notes still to plan, and the job's
progress and outcome across its parts, so a job of 100,000 notes holds one part's plan at a time
while its progress bar, budget and report run over the whole job.

Thread safety: `JobParts` belongs to the job's session; the callback of `JobParts.progress` is
called from generation workers and only reads the counters, which change between parts (when no
worker runs).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from ..job.plan import SourceNote
from .generation import JobProgress, ProgressCallback

# Notes planned at a time: a part's plan (about 2 KB per note of three targets) is what a job holds.
PART_NOTES = 2_000


class CountedNotes(Iterator[SourceNote]):
    """The job's source notes, counting how many were taken (planned)."""

    def __init__(self, notes: Iterable[SourceNote]) -> None:
        self._notes = iter(notes)
        self.taken = 0

    def __iter__(self) -> CountedNotes:
        return self

    def __next__(self) -> SourceNote:
        note = next(self._notes)
        self.taken += 1
        return note


@dataclass
class JobParts:
    """Where a job planned in parts is: ``requests`` planned so far, and ``done`` / ``failed`` /
    ``by_provider`` of the parts already generated."""

    notes: CountedNotes
    total_notes: int
    requests: int = 0
    exhausted: bool = False
    done: int = 0
    failed: int = 0
    by_provider: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)
    _last: JobProgress | None = None

    def expected_requests(self) -> int:
        """The job's requests: those planned so far, and as many per note for the notes not planned
        yet (exact once every part is planned)."""
        taken = self.notes.taken
        if self.exhausted or not taken:
            return self.requests
        return self.requests + round(self.requests / taken * max(self.total_notes - taken, 0))

    def progress(self, callback: ProgressCallback) -> ProgressCallback:
        """``callback`` given the job's progress where a part's generation gives its own."""

        def report(part: JobProgress) -> None:
            self._last = part
            done = self.done + part.done
            total = max(self.expected_requests(), done)
            elapsed = time.monotonic() - self.started
            callback(
                replace(
                    part,
                    done=done,
                    total=total,
                    failed=self.failed + part.failed,
                    by_provider=dict(self.by_provider + Counter(part.by_provider)),
                    eta_s=elapsed / done * (total - done) if done else None,
                    elapsed_s=elapsed,
                )
            )

        return report

    def part_generated(self, finished: int) -> None:
        """Count a part whose generation ended with ``finished`` requests done."""
        last, self._last = self._last, None
        self.done += finished
        if last is not None:
            self.failed += last.failed
            self.by_provider.update(last.by_provider)
