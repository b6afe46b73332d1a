"""The crash-safe record of one job, so an interrupted job can be resumed and its failures retried.

One append-only JSON-lines file per job, ``<state_dir>/jobs/<job_id>.jsonl``. The first line is the
job's header (`JobHeader`); every later line is one event: a run started (``run``), a file write
started (``writing``), a file stored (``stored``), a request failed (``failed``), a chunk of note
updates committed (``targets``), a run ended (``end``). `read_journal` folds them into a
`JournalState`.

Crash safety: each record is one line written with one ``os.write`` on an ``O_APPEND`` descriptor
(no Python buffering), so a process killed at any point loses at most the record it was writing,
which is left as a torn last line. Reading ignores a torn last line (no newline, or not JSON); any
other unreadable line is an error (`JournalError`). `JobJournal.reopen` cuts a torn last line off
before appending, so it never ends up in the middle. ``create`` and ``record_end`` (and the ``run``
record of ``reopen``) are fsynced; the records in between are not, so a power cut (not a crash) may
lose the last few of them, which the resumed job simply does again.

What is stored: note ids, field names, the rules, file names, provider names, sizes, SHA-1s and
error messages (passed through `redact_secrets` first). Never a key.

Threading: a `JobJournal` may be written from any thread (one lock around each write). One process
writes a job's journal at a time: an open `JobJournal` holds an exclusive lock on
``<job_id>.lock`` (`file_lock`), taken before the journal is read or changed, so a second process
(a ``--resume`` while Anki still runs the job, or two resumes) is refused with `JobBusyError`. The
system drops the lock when the process ends, so a killed job can always be resumed. `read_journal`
and `recent_jobs` only read and may run anywhere.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from ..base.errors import MediaFillError
from ..base.file_lock import FileLock, try_lock
from ..base.log import redact_secrets

JOB_ID_PATTERN = re.compile(r"[0-9]{8}-[0-9]{6}-[0-9a-f]{4,8}")
"""A job id: local date and time of its start and 4 to 8 lowercase hex digits, e.g. ``20260101-093000-a1b2``.
Match with ``fullmatch``."""

JOURNAL_VERSION = 1
JOBS_DIR_NAME = "jobs"
RESUME = "resume"
RETRY_FAILED = "retry-failed"
MODES = (RESUME, RETRY_FAILED)

_O_FLAGS = os.O_WRONLY | os.O_APPEND | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


class JournalError(MediaFillError):
    """A job journal cannot be used: a bad or unknown job id, or a file that cannot be read or written."""


class JobBusyError(JournalError):
    """Another process has the job open (it is running, or being resumed, there)."""


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
    return Path(state_dir) / JOBS_DIR_NAME / f"{check_job_id(job_id)}.jsonl"


@dataclass(frozen=True)
class JobHeader:
    """What a job was asked to do, written once when it is created.

    ``note_ids``, ``rules`` and ``kinds`` may be given as lists; they are kept as tuples. ``rules``
    are plain JSON-able dicts (the rule config slices); ``collection`` says which collection the
    job belongs to, so a resume can refuse another one. ``fresh`` is the job's "ignore earlier
    media" choice.
    """

    job_id: str
    created: float
    note_ids: Sequence[int]
    rules: Sequence[Mapping[str, Any]]
    kinds: Sequence[str]
    fresh: bool
    collection: str

    def __post_init__(self) -> None:
        check_job_id(self.job_id)
        object.__setattr__(self, "note_ids", tuple(int(note_id) for note_id in self.note_ids))
        object.__setattr__(self, "rules", tuple(dict(rule) for rule in self.rules))
        object.__setattr__(self, "kinds", tuple(str(kind) for kind in self.kinds))

    def to_record(self) -> dict[str, Any]:
        return {
            "t": "header",
            "v": JOURNAL_VERSION,
            "job_id": self.job_id,
            "created": self.created,
            "note_ids": list(self.note_ids),
            "rules": [dict(rule) for rule in self.rules],
            "kinds": list(self.kinds),
            "fresh": self.fresh,
            "collection": self.collection,
        }


@dataclass(frozen=True)
class StoredEntry:
    """A work item's file was written to the media folder as ``file_name``."""

    file_name: str
    provider: str


@dataclass(frozen=True)
class WritingEntry:
    """A write of a work item's file was started and not confirmed: after a crash, the file named
    ``desired_name`` may be missing, partial (check ``size`` and ``sha1``) or complete."""

    desired_name: str
    size: int
    sha1: str


@dataclass(frozen=True)
class FailedEntry:
    """The last failure of a work item: the provider, the error's class name and its (redacted) message."""

    provider: str
    error_class: str
    message: str


@dataclass
class JournalState:
    """A journal folded into one picture. Keys of ``stored``, ``writing`` and ``failed`` are work keys.

    ``stored`` removes its key from ``writing`` and ``failed``; a failure recorded after a key was
    stored leaves it in both (the stored file is still there). ``runs`` counts the starts of the job
    (1 + resumes and retries); ``ended`` and ``end_counts`` describe the last run only.
    """

    header: JobHeader
    stored: dict[str, StoredEntry] = field(default_factory=dict)
    writing: dict[str, WritingEntry] = field(default_factory=dict)
    failed: dict[str, FailedEntry] = field(default_factory=dict)
    targets_done: set[tuple[int, str]] = field(default_factory=set)
    runs: int = 1
    ended: bool = False
    end_counts: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------------------- reading


class _BadRecord(Exception):
    """Internal: a line is JSON but not a record this version understands."""


def _text(record: Mapping[str, Any], name: str) -> str:
    value = record.get(name)
    if not isinstance(value, str):
        raise _BadRecord(f"{name!r} is not a string")
    return value


def _integer(record: Mapping[str, Any], name: str) -> int:
    value = record.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _BadRecord(f"{name!r} is not an integer")
    return value


def _number(record: Mapping[str, Any], name: str) -> float:
    value = record.get(name)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise _BadRecord(f"{name!r} is not a number")
    return float(value)


def _header_from(record: Mapping[str, Any]) -> JobHeader:
    if record.get("t") != "header":
        raise _BadRecord("the first line is not the job header")
    version = record.get("v")
    if version != JOURNAL_VERSION:
        raise _BadRecord(f"journal version {version!r} is not {JOURNAL_VERSION} (written by another add-on version)")
    note_ids, rules, kinds, fresh = (
        record.get("note_ids"),
        record.get("rules"),
        record.get("kinds"),
        record.get("fresh"),
    )
    if not isinstance(note_ids, list) or not all(isinstance(n, int) and not isinstance(n, bool) for n in note_ids):
        raise _BadRecord("'note_ids' is not a list of integers")
    if not isinstance(rules, list) or not all(isinstance(rule, dict) for rule in rules):
        raise _BadRecord("'rules' is not a list of objects")
    if not isinstance(kinds, list) or not all(isinstance(kind, str) for kind in kinds):
        raise _BadRecord("'kinds' is not a list of strings")
    if not isinstance(fresh, bool):
        raise _BadRecord("'fresh' is not true or false")
    job_id = _text(record, "job_id")
    if JOB_ID_PATTERN.fullmatch(job_id) is None:
        raise _BadRecord(f"{job_id!r} is not a job id")
    return JobHeader(
        job_id=job_id,
        created=_number(record, "created"),
        note_ids=note_ids,
        rules=rules,
        kinds=kinds,
        fresh=fresh,
        collection=_text(record, "collection"),
    )


def _apply(state: JournalState, record: Mapping[str, Any]) -> None:
    """Fold one event record into ``state`` (records of an unknown type are skipped)."""
    kind = record.get("t")
    if kind == "writing":
        state.writing[_text(record, "key")] = WritingEntry(
            desired_name=_text(record, "name"), size=_integer(record, "size"), sha1=_text(record, "sha1")
        )
    elif kind == "stored":
        key = _text(record, "key")
        state.stored[key] = StoredEntry(file_name=_text(record, "file"), provider=_text(record, "provider"))
        state.writing.pop(key, None)
        state.failed.pop(key, None)
    elif kind == "failed":
        state.failed[_text(record, "key")] = FailedEntry(
            provider=_text(record, "provider"),
            error_class=_text(record, "error_class"),
            message=_text(record, "message"),
        )
    elif kind == "targets":
        done = record.get("done")
        if not isinstance(done, list):
            raise _BadRecord("'done' is not a list")
        for pair in done:
            if (
                not isinstance(pair, list)
                or len(pair) != 2
                or not isinstance(pair[0], int)
                or isinstance(pair[0], bool)
                or not isinstance(pair[1], str)
            ):
                raise _BadRecord("'done' holds something other than [note id, field] pairs")
            state.targets_done.add((pair[0], pair[1]))
    elif kind == "run":
        state.runs += 1
        state.ended = False
        state.end_counts = {}
    elif kind == "end":
        counts = record.get("counts")
        if not isinstance(counts, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in counts.values()
        ):
            raise _BadRecord("'counts' is not an object of integers")
        if not isinstance(record.get("cancelled"), bool):
            raise _BadRecord("'cancelled' is not true or false")
        state.ended = True
        state.end_counts = {str(name): value for name, value in counts.items()}
    elif kind == "header":
        raise _BadRecord("a second header")
    # Another type: written by a later version; skipping it keeps the rest usable.


def _parse(path: Path, data: bytes) -> tuple[JournalState, int]:
    """The state the journal bytes describe, and the length of their readable part (after the
    last complete record: a torn last line is left out)."""
    lines = data.split(b"\n")
    # The piece after the last newline is empty for a complete file, or a torn record otherwise.
    complete = lines[:-1]
    good_length = len(data) - len(lines[-1])
    state: JournalState | None = None
    torn_tail = lines[-1] != b""
    for number, raw in enumerate(complete, start=1):
        last = number == len(complete) and not torn_tail
        try:
            record = json.loads(raw)
            if not isinstance(record, dict):
                raise _BadRecord("the line is not a JSON object")
        except (ValueError, _BadRecord) as error:
            if last:  # a torn last line that happens to end in a newline: ignored like any torn line
                good_length -= len(raw) + 1
                break
            raise JournalError(
                f"The job journal {path} is damaged at line {number} ({error}). It cannot be resumed; "
                "start the job again instead (the media it already stored can be reused)."
            ) from error
        try:
            if state is None:
                state = JournalState(header=_header_from(record))
            else:
                _apply(state, record)
        except (_BadRecord, ValueError, TypeError) as error:
            raise JournalError(
                f"The job journal {path} is damaged at line {number} ({error}). It cannot be resumed; "
                "start the job again instead (the media it already stored can be reused)."
            ) from error
    if state is None:
        raise JournalError(
            f"The job journal {path} has no complete header (the job was interrupted as it started). "
            "Start the job again."
        )
    return state, good_length


def _read_bytes(state_dir: Path, job_id: str) -> tuple[Path, bytes]:
    path = journal_path(state_dir, job_id)
    try:
        return path, path.read_bytes()
    except FileNotFoundError:
        recent = recent_jobs(state_dir)
        listing = f"The most recent jobs are: {', '.join(recent)}." if recent else "No job has been recorded yet."
        raise JournalError(f"There is no job {job_id} in {path.parent}. Check the id. {listing}") from None
    except OSError as error:
        raise JournalError(
            f"The job journal {path} cannot be read ({error.strerror or error}). Check that the file is "
            "readable, or start the job again."
        ) from error


def read_journal(state_dir: Path, job_id: str) -> JournalState:
    """The state of job ``job_id`` read from its journal. Only reads; safe from any thread.

    JournalError for a bad or unknown id (the message lists the most recent ids), an unreadable
    file, or a damaged line other than a torn last one.
    """
    path, data = _read_bytes(state_dir, job_id)
    state, _ = _parse(path, data)
    return state


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
        if not entry.name.endswith(".jsonl"):
            continue
        job_id = entry.name[: -len(".jsonl")]
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


# ---------------------------------------------------------------------------- writing


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


class JobJournal:
    """The open journal of one job: append-only, one line per record.

    Made by `create` (a new job) or `reopen` (resume / retry-failed), not by calling the class.
    Every ``record_*`` method may be called from any thread; each writes one line with one
    ``os.write`` under a lock. A write that fails raises JournalError; writing after ``close`` raises
    ValueError.
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
            raise JournalError(
                f"The job journal {path} cannot be created ({error.strerror or error}). Check that the "
                "add-on's folder is writable and the disk is not full."
            ) from error
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
            raise JournalError(
                f"The job journal {path} cannot be created ({error.strerror or error}). Check that the "
                "add-on's folder is writable and the disk is not full."
            ) from error
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
        _read_bytes(state_dir, job_id)  # an unknown job is named as such, not as a lock problem
        path = journal_path(state_dir, job_id)
        job_lock = _lock_job(path, job_id)  # before reading: the holder may still be appending
        try:
            path, data = _read_bytes(state_dir, job_id)
            state, good_length = _parse(path, data)
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
            record = {"t": "run", "mode": mode, "at": time.time()}
            journal._append(record, sync=True)
        except OSError as error:
            journal.close()
            raise JournalError(
                f"The job journal {path} cannot be written ({error.strerror or error}). Check that the "
                "disk is not full."
            ) from error
        except BaseException:
            journal.close()
            raise
        _apply(state, record)
        return journal, state

    @property
    def job_id(self) -> str:
        return self._job_id

    @property
    def path(self) -> Path:
        return self._path

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

    def __enter__(self) -> JobJournal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _append(self, record: Mapping[str, Any], *, sync: bool = False) -> None:
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
                raise JournalError(
                    f"The job journal {self._path} cannot be written ({error.strerror or error}). Check that "
                    "the disk is not full."
                ) from error
