"""Job ids, where a job's journal lives, and the error every part of the journal raises.

A job id is the local date and time of the job's start and a few random hex digits
(``20260101-093000-a1b2``). The journal of a job is ``<state_dir>/jobs/<job_id>.jsonl`` (its
records: `journal_records`; writing it: `journal_writer`). An id is checked before it becomes part
of a path, so a bad one never names a file outside that folder.

Thread safety: pure functions, and `recent_jobs` only reads the folder; safe from any thread.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from ..base.errors import MediaFillError

JOB_ID_PATTERN = re.compile(r"[0-9]{8}-[0-9]{6}-[0-9a-f]{4,8}")
"""A job id: local date and time of its start and 4 to 8 lowercase hex digits, e.g. ``20260101-093000-a1b2``.
Match with ``fullmatch``."""

JOBS_DIR_NAME = "jobs"
JOURNAL_SUFFIX = ".jsonl"


class JournalError(MediaFillError):
    """A job journal cannot be used: a bad or unknown job id, or a file that cannot be read or written."""


def new_job_id(*, clock: Callable[[], float] = time.time) -> str:
    """A fresh job id: the clock's local time and 4 random hex digits (``secrets``). Safe anywhere."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(clock()))
    return f"{stamp}-{secrets.token_hex(2)}"


def check_job_id(job_id: str) -> str:
    """``job_id`` itself if it is a well-formed job id; JournalError otherwise (it never names a path)."""
    if not isinstance(job_id, str) or JOB_ID_PATTERN.fullmatch(job_id) is None:
        raise JournalError(
            f"{job_id!r} is not a job id. A job id looks like 20260101-093000-a1b2 "
            "(date, time and 4 to 8 lowercase hex digits); copy it from the job report."
        )
    return job_id


def journal_path(state_dir: Path, job_id: str) -> Path:
    """Where the journal of ``job_id`` lives (the id is checked first)."""
    return Path(state_dir) / JOBS_DIR_NAME / f"{check_job_id(job_id)}{JOURNAL_SUFFIX}"


def recent_jobs(state_dir: Path, *, limit: int = 10) -> list[str]:
    """The ids of the ``limit`` newest jobs with a journal in ``state_dir``, newest first (by the id's
    time, then the file's modification time). An absent folder has none. Only reads."""
    folder = Path(state_dir) / JOBS_DIR_NAME
    found: list[tuple[str, int, str]] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        if not entry.name.endswith(JOURNAL_SUFFIX):
            continue
        job_id = entry.name[: -len(JOURNAL_SUFFIX)]
        if JOB_ID_PATTERN.fullmatch(job_id) is None:
            continue
        try:
            if not entry.is_file():
                continue
            mtime = entry.stat().st_mtime_ns
        except OSError:
            continue
        found.append((job_id[:15], mtime, job_id))
    found.sort(reverse=True)
    return [job_id for _, _, job_id in found[: max(limit, 0)]]
