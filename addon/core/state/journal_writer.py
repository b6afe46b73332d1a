"""Writing a job's journal (`JobJournal`), crash-safe, so an interrupted job can be resumed and its
failures retried. The records and reading them back: `journal_records`; ids and paths: `job_ids`.

Crash safety: each record is one line written with one ``os.write`` on an ``O_APPEND`` descriptor
(no Python buffering), so a process killed at any point loses at most the record it was writing,
which is left as a torn last line (which reading ignores). `JobJournal.reopen` cuts a torn last line
off before appending, so it never ends up in the middle. ``create`` and ``record_end`` (and the
``run`` record of ``reopen``) are fsynced; the records in between are not, so a power cut (not a
crash) may lose the last few of them, which the resumed job simply does again.

Error messages are passed through `redact_secrets` before they are written. Never a key.

Thread safety: a `JobJournal` may be written from any thread (one lock around each write). One
process writes a job's journal at a time: an open `JobJournal` holds an exclusive lock on
``<job_id>.lock`` (`file_lock`), taken before the journal is read or changed, so a second process
(a ``--resume`` while Anki still runs the job, or two resumes) is refused with `JobBusyError`. The
system drops the lock when the process ends, so a killed job can always be resumed.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from ..base.closing import Closeable
from ..base.file_lock import FileLock, try_lock
from ..base.log import redact_secrets
from .job_ids import JournalError, journal_path
from .journal_records import MODES, JobHeader, JournalState, fold_record, parse_journal, read_journal_file

_O_FLAGS = os.O_WRONLY | os.O_APPEND | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


class JobBusyError(JournalError):
    """Another process has the job open (it is running, or being resumed, there)."""


class JobJournal(Closeable):
    """The open journal of one job: append-only, one line per record.

    Made by `create` (a new job) or `reopen` (resume / retry-failed), not by calling the class.
    Every ``record_*`` method may be called from any thread; each writes one line with one
    ``os.write`` under a lock. A write that fails raises JournalError; writing after ``close`` raises
    ValueError. Used as a context manager, it is closed on leaving the ``with`` block.
    """

    def __init__(self, *, path: Path, job_id: str, fd: int, job_lock: FileLock | None = None) -> None:
        self._path = path
        self._job_id = job_id
        self._fd: int | None = fd
        self._lock = threading.Lock()
        self._job_lock = job_lock

    @classmethod
    def create(cls, state_dir: Path, header: JobHeader) -> JobJournal:
        """Start the journal of a new job with its header (fsynced). Refuses an id that already has a journal."""
        path = journal_path(state_dir, header.job_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise _cannot_create(path, error) from error
        job_lock = _lock_job(path, header.job_id)
        try:
            fd = os.open(path, _O_FLAGS | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            job_lock.release()
            raise JournalError(
                f"A job with the id {header.job_id} already exists in {path.parent}; start the job again "
                "(it gets a new id), or resume that one."
            ) from None
        except OSError as error:
            job_lock.release()
            raise _cannot_create(path, error) from error
        journal = cls(path=path, job_id=header.job_id, fd=fd, job_lock=job_lock)
        try:
            journal._append(header.to_record(), sync=True)
        except BaseException:
            journal.close()
            with contextlib.suppress(OSError):
                path.unlink()
            raise
        _fsync_dir(path.parent)
        return journal

    @classmethod
    def reopen(cls, state_dir: Path, job_id: str, *, mode: str) -> tuple[JobJournal, JournalState]:
        """Open job ``job_id``'s journal to go on with it (``mode`` "resume" or "retry-failed").

        Reads the journal, cuts a torn last line off, and appends a ``run`` record (fsynced). The
        state returned includes that run: ``runs`` is one more than before and ``ended`` is False.
        JournalError as for `read_journal`, or when the file cannot be written.
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        return cls._open_to_append(state_dir, job_id, {"t": "run", "mode": mode, "at": time.time()})

    @classmethod
    def _open_to_append(
        cls, state_dir: Path, job_id: str, record: Mapping[str, Any]
    ) -> tuple[JobJournal, JournalState]:
        """Take the job's lock, read its journal, cut a torn last line off and append ``record``
        (fsynced); the state returned includes ``record``."""
        read_journal_file(state_dir, job_id)  # an unknown job is named as such, not as a lock problem
        path = journal_path(state_dir, job_id)
        job_lock = _lock_job(path, job_id)  # before reading: the holder may still be appending
        try:
            path, data = read_journal_file(state_dir, job_id)
            state, good_length = parse_journal(path, data)
            fd = os.open(path, _O_FLAGS)
        except OSError as error:
            job_lock.release()
            raise JournalError(
                f"The job journal {path} cannot be opened for writing ({error.strerror or error}). Check "
                "that the add-on's folder is writable."
            ) from error
        except BaseException:
            job_lock.release()
            raise
        journal = cls(path=path, job_id=job_id, fd=fd, job_lock=job_lock)
        try:
            if good_length < len(data):
                os.ftruncate(fd, good_length)  # a torn record must not end up in the middle
            journal._append(record, sync=True)
        except OSError as error:
            journal.close()
            raise _cannot_write(path, error) from error
        except BaseException:
            journal.close()
            raise
        fold_record(state, record)
        return journal, state

    @property
    def job_id(self) -> str:
        return self._job_id

    @property
    def path(self) -> Path:
        return self._path

    def record_planned(self, *, targets: int) -> None:
        """Say how many targets the job sets out to fill (written once, after the header)."""
        self._append({"t": "planned", "targets": int(targets)})

    def record_writing(self, *, key: str, desired_name: str, size: int, sha1: str) -> None:
        """Say that the file for ``key`` is about to be written (before touching the media folder)."""
        self._append({"t": "writing", "key": key, "name": desired_name, "size": int(size), "sha1": sha1})

    def record_stored(self, *, key: str, file_name: str, provider: str) -> None:
        """Say that the file for ``key`` is in the media folder as ``file_name`` (the name the media folder chose)."""
        self._append({"t": "stored", "key": key, "file": file_name, "provider": provider})

    def record_failed(self, *, key: str, provider: str, error_class: str, message: str) -> None:
        """Say that ``key`` failed. ``message`` is redacted again before it is written."""
        self._append(
            {
                "t": "failed",
                "key": key,
                "provider": provider,
                "error_class": error_class,
                "message": redact_secrets(message),
            }
        )

    def record_targets_done(self, targets: Iterable[tuple[int, str]]) -> None:
        """Say that the note updates of ``targets`` ((note id, field) pairs) were committed: one record per call."""
        done = [[int(note_id), str(field_name)] for note_id, field_name in targets]
        self._append({"t": "targets", "done": done})

    def record_end(self, *, cancelled: bool, counts: Mapping[str, int]) -> None:
        """Say that this run ended (finished or cancelled) with these counts. Fsynced."""
        self._append(
            {
                "t": "end",
                "cancelled": bool(cancelled),
                "counts": {str(name): int(value) for name, value in counts.items()},
                "at": time.time(),
            },
            sync=True,
        )

    def close(self) -> None:
        """Close the file and let other processes have the job. Safe to call twice."""
        with self._lock:
            if self._fd is not None:
                fd, self._fd = self._fd, None
                with contextlib.suppress(OSError):
                    os.close(fd)
            if self._job_lock is not None:
                self._job_lock.release()
                self._job_lock = None

    def _append(self, record: Mapping[str, Any], *, sync: bool = False) -> None:
        try:  # orjson (Anki bundles it): a big job appends two records per file
            line = orjson.dumps(record) + b"\n"
        except TypeError:  # e.g. a lone surrogate in a server's message: replaced, as json does
            line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8", "replace")
        with self._lock:
            if self._fd is None:
                raise ValueError(f"the journal of job {self._job_id} is closed")
            try:
                view = memoryview(line)
                while view:  # a regular file takes it all at once; a short write (disk full) is continued
                    written = os.write(self._fd, view)
                    view = view[written:]
                if sync:
                    os.fsync(self._fd)
            except OSError as error:
                raise _cannot_write(self._path, error) from error


def mark_discarded(state_dir: Path, job_id: str) -> JournalState:
    """Record that the user declined to finish job ``job_id`` (it is not offered again; the journal
    is kept, and resuming it later clears the mark). JobBusyError while the job runs somewhere;
    JournalError as for `JobJournal.reopen`."""
    journal, state = JobJournal._open_to_append(state_dir, job_id, {"t": "discarded", "at": time.time()})
    journal.close()
    return state


def _lock_job(path: Path, job_id: str) -> FileLock:
    """The job's lock (next to its journal at ``path``), or `JobBusyError`/`JournalError`."""
    try:
        lock = try_lock(path.with_suffix(".lock"))
    except OSError as error:
        raise JournalError(
            f"The job journal's lock in {path.parent} cannot be made ({error.strerror or error}). Check that "
            "the add-on's folder is writable."
        ) from error
    if lock is None:
        raise JobBusyError(
            f"Job {job_id} is running in another window or process (Anki or the command line). Let it "
            "finish or cancel it there, then resume it."
        )
    return lock


def _fsync_dir(folder: Path) -> None:
    """Make a new directory entry durable (POSIX; a no-op where directories cannot be opened)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _cannot_create(path: Path, error: OSError) -> JournalError:
    return JournalError(
        f"The job journal {path} cannot be created ({error.strerror or error}). Check that the "
        "add-on's folder is writable and the disk is not full."
    )


def _cannot_write(path: Path, error: OSError) -> JournalError:
    return JournalError(
        f"The job journal {path} cannot be written ({error.strerror or error}). Check that the disk is not full."
    )
