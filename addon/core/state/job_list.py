"""The jobs a state folder remembers, summed up from their journals: for the Jobs window (recent
jobs with their counts) and for the offer, at profile open, to finish a job that was interrupted.

A job is *interrupted* when its journal's last run has no ``end`` record: the process that ran it
quit or was killed mid-way. A job whose journal is locked is *running* (in this or another
process) and is never called interrupted. A job the user discarded (`journal_writer.mark_discarded`)
is listed but not offered again. `prune_finished_jobs` keeps the folder from growing without end
(a job per added note with fill on add): it deletes the journals of finished jobs beyond the newest
`KEEP_FINISHED_JOBS`, never one interrupted or running.

Counts are targets (a note's field): ``total`` is how many the job set out to fill (unknown in
journals written before that was recorded). For a job that ended, ``failed`` is its last run's
failed targets and ``done`` the rest of ``total`` that was not left undone; for one interrupted,
``done`` is the targets its journal says were stored (a process killed between storing a chunk and
journalling it leaves that chunk uncounted: the resume skips those fields as filled) and ``failed``
the requests whose last attempt failed.

Thread safety: reads of the folder (plus a lock probe that is let go at once), and the deletes of
`prune_finished_jobs`; any thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..base.file_lock import is_locked
from .job_ids import JournalError, journal_path, recent_jobs
from .journal_records import JournalState, read_journal

__all__ = ["KEEP_FINISHED_JOBS", "JobSummary", "interrupted_jobs", "list_jobs", "prune_finished_jobs", "summarize"]

# How many finished jobs keep their journal (for Jobs…, Open report and Retry failed).
KEEP_FINISHED_JOBS = 100


@dataclass(frozen=True)
class JobSummary:
    """One job as the Jobs window lists it. ``problem`` is set (and the counts are zero) when its
    journal cannot be read."""

    job_id: str
    created: float = 0.0
    collection: str = ""
    note_types: tuple[str, ...] = ()
    notes: int = 0
    done: int = 0
    failed: int = 0
    total: int | None = None
    runs: int = 1
    ended: bool = False
    discarded: bool = False
    running: bool = False
    problem: str = ""

    @property
    def interrupted(self) -> bool:
        """Its last run stopped without an end record, and nothing is running it now."""
        return not self.problem and not self.ended and not self.running

    @property
    def progress(self) -> str:
        """``"312 of 500 done"`` (or ``"312 done"`` when the total is not known)."""
        return f"{self.done} of {self.total} done" if self.total is not None else f"{self.done} done"


def summarize(state: JournalState, *, running: bool = False) -> JobSummary:
    """The summary of a journal already read."""
    header = state.header
    note_types = tuple(dict.fromkeys(str(rule.get("note_type", "")) for rule in header.rules if rule.get("note_type")))
    done = len(state.targets_done)
    if state.ended:
        failed = state.end_counts.get("failed", 0)
        if state.planned is not None:  # what the last run did not leave failed or undone is done
            done = max(done, state.planned - failed - state.end_counts.get("not_started", 0))
    else:
        failed = len(state.failed)
    return JobSummary(
        job_id=header.job_id,
        created=header.created,
        collection=header.collection,
        note_types=note_types,
        notes=len(header.note_ids),
        done=done,
        failed=failed,
        total=state.planned,
        runs=state.runs,
        ended=state.ended,
        discarded=state.discarded,
        running=running,
    )


def list_jobs(state_dir: Path, *, limit: int = 30) -> list[JobSummary]:
    """The ``limit`` newest jobs of ``state_dir``, newest first; a journal that cannot be read is
    listed with its ``problem``."""
    summaries = []
    for job_id in recent_jobs(state_dir, limit=limit):
        try:
            state = read_journal(state_dir, job_id)
        except JournalError as error:
            summaries.append(JobSummary(job_id=job_id, problem=str(error)))
            continue
        summaries.append(summarize(state, running=not state.ended and is_running(state_dir, job_id)))
    return summaries


def interrupted_jobs(state_dir: Path, *, collection: str, limit: int = 30) -> list[JobSummary]:
    """The interrupted, not discarded jobs of ``collection`` (a collection file's absolute path),
    newest first, among the ``limit`` newest jobs."""
    return [
        job
        for job in list_jobs(state_dir, limit=limit)
        if job.interrupted and not job.discarded and job.collection == collection
    ]


def is_running(state_dir: Path, job_id: str) -> bool:
    """Whether some process (this one included) holds the job's lock: it is running there."""
    try:
        return is_locked(journal_path(state_dir, job_id).with_suffix(".lock"))
    except OSError:
        return False


def prune_finished_jobs(state_dir: Path, *, keep: int = KEEP_FINISHED_JOBS) -> list[str]:
    """Delete the journal (and lock file) of every job that ended, beyond the ``keep`` newest
    jobs; an interrupted, running or unreadable job is kept. Returns the ids deleted."""
    deleted = []
    for job_id in recent_jobs(state_dir, limit=10**9)[keep:]:
        try:
            ended = read_journal(state_dir, job_id).ended
        except (JournalError, OSError, ValueError):
            continue
        if not ended or is_running(state_dir, job_id):
            continue
        path = journal_path(state_dir, job_id)
        try:
            path.unlink()
            path.with_suffix(".lock").unlink(missing_ok=True)
        except OSError:
            continue
        deleted.append(job_id)
    return deleted
