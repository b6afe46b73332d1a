"""A job's report rebuilt from its journal, for the Jobs window's Open report when the job's own
report (kept only in memory) is gone: the last run's counts when it ended, what was stored so far
when it was interrupted, and each failure's provider and reason (the journal does not name the
note of a failure, so the report counts reasons rather than listing notes).

Thread safety: a pure function over a `JournalState` the caller owns.
"""

from __future__ import annotations

from ..state.journal_records import JournalState
from .report import JobReport

__all__ = ["report_from_journal"]


def report_from_journal(state: JournalState, *, journal_path: str = "") -> JobReport:
    """The report of the job ``state`` describes (see the module docstring)."""
    report = JobReport(job_id=state.header.job_id, journal_path=journal_path)
    for failure in state.failed.values():
        reason = f"{failure.provider}: {failure.message}" if failure.provider else failure.message
        report.failure_reasons[reason] += 1
    if state.ended:
        counts = state.end_counts
        report.filled = counts.get("filled", 0)
        report.skipped = counts.get("skipped", 0)
        report.reused = counts.get("reused", 0)
        report.failed = counts.get("failed", 0)
        report.not_started = counts.get("not_started", 0)
        return report
    # Interrupted: what its runs stored, and the rest not (yet) made.
    report.cancelled = True
    report.filled = len(state.targets_done)
    report.failed = len(state.failed)
    if state.planned is not None:
        report.not_started = max(state.planned - report.filled - report.failed, 0)
    return report
