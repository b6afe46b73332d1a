"""What a job journal holds, and reading it back.

The journal is one JSON-lines file per job (`job_ids.journal_path`). The first line is the job's
header (`JobHeader`); every later line is one event: a run started (``run``), a file write started
(``writing``), a file stored (``stored``), a request failed (``failed``), a chunk of note updates
committed (``targets``), a run ended (``end``); ``planned`` (how many targets the job set out to
fill) follows the header, and ``discarded`` says the user chose not to be offered the job again. `read_journal` folds them into a `JournalState`.

A process killed while appending leaves at most its last record torn (see `journal_writer`), so
reading ignores a torn last line (no newline, or not JSON); any other unreadable line is an error
(`JournalError`).

What is stored: note ids, field names, the rules, file names (for a transcript, which no file
holds, its text), provider names, sizes, SHA-1s and error messages (redacted by the writer). Never
a key.

Thread safety: the records are immutable values, except `JournalState`, which belongs to whoever
read it; `read_journal` only reads and may run on any thread.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .job_ids import JOB_ID_PATTERN, JournalError, check_job_id, journal_path, recent_jobs

JOURNAL_VERSION = 1
RESUME = "resume"
RETRY_FAILED = "retry-failed"
MODES = (RESUME, RETRY_FAILED)
"""The ways to go on with a job: finish it (``resume``), or redo its failures only (``retry-failed``)."""


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
    ``planned`` is how many targets the job set out to fill (summed over its parts; None in a journal written before
    that was recorded); ``discarded`` is True once the user declined to finish it (a later run
    clears it).
    """

    header: JobHeader
    stored: dict[str, StoredEntry] = field(default_factory=dict)
    writing: dict[str, WritingEntry] = field(default_factory=dict)
    failed: dict[str, FailedEntry] = field(default_factory=dict)
    targets_done: set[tuple[int, str]] = field(default_factory=set)
    runs: int = 1
    ended: bool = False
    end_counts: dict[str, int] = field(default_factory=dict)
    planned: int | None = None
    discarded: bool = False


def read_journal(state_dir: Path, job_id: str) -> JournalState:
    """The state of job ``job_id`` read from its journal. Only reads; safe from any thread.

    JournalError for a bad or unknown id (the message lists the most recent ids), an unreadable
    file, or a damaged line other than a torn last one.
    """
    path, data = read_journal_file(state_dir, job_id)
    state, _ = parse_journal(path, data)
    return state


def read_journal_file(state_dir: Path, job_id: str) -> tuple[Path, bytes]:
    """The path and bytes of job ``job_id``'s journal; JournalError as for `read_journal`."""
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


def parse_journal(path: Path, data: bytes) -> tuple[JournalState, int]:
    """The state the journal bytes describe, and the length of their readable part (after the
    last complete record: a torn last line is left out). ``path`` is for messages only."""
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
            raise _damaged(path, number, error) from error
        try:
            if state is None:
                state = JournalState(header=_header_from(record))
            else:
                fold_record(state, record)
        except (_BadRecord, ValueError, TypeError) as error:
            raise _damaged(path, number, error) from error
    if state is None:
        raise JournalError(
            f"The job journal {path} has no complete header (the job was interrupted as it started). "
            "Start the job again."
        )
    return state, good_length


def fold_record(state: JournalState, record: Mapping[str, Any]) -> None:
    """Fold one event record into ``state`` (records of an unknown type are skipped); a record that
    is not what its type says raises ValueError."""
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
        state.targets_done.update(_targets(record))
    elif kind == "run":
        state.runs += 1
        state.ended = False
        state.end_counts = {}
        state.discarded = False
    elif kind == "planned":
        # Summed over the first run (a job planned a part at a time records each part); a
        # resume plans only what is left.
        if state.runs == 1:
            state.planned = (state.planned or 0) + _integer(record, "targets")
    elif kind == "discarded":
        state.discarded = True
    elif kind == "end":
        counts = record.get("counts")
        if not isinstance(counts, dict) or not all(_is_integer(v) for v in counts.values()):
            raise _BadRecord("'counts' is not an object of integers")
        if not isinstance(record.get("cancelled"), bool):
            raise _BadRecord("'cancelled' is not true or false")
        state.ended = True
        state.end_counts = {str(name): value for name, value in counts.items()}
    elif kind == "header":
        raise _BadRecord("a second header")
    # Another type: written by a later version; skipping it keeps the rest usable.


# ---------------------------------------------------------------------------- checking one record


class _BadRecord(ValueError):
    """Internal: a line is JSON but not a record this version understands."""


def _damaged(path: Path, number: int, error: Exception) -> JournalError:
    return JournalError(
        f"The job journal {path} is damaged at line {number} ({error}). It cannot be resumed; "
        "start the job again instead (the media it already stored can be reused)."
    )


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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


def _targets(record: Mapping[str, Any]) -> list[tuple[int, str]]:
    done = record.get("done")
    if not isinstance(done, list):
        raise _BadRecord("'done' is not a list")
    pairs: list[tuple[int, str]] = []
    for pair in done:
        if not isinstance(pair, list) or len(pair) != 2 or not _is_integer(pair[0]) or not isinstance(pair[1], str):
            raise _BadRecord("'done' holds something other than [note id, field] pairs")
        pairs.append((pair[0], pair[1]))
    return pairs


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
    if not isinstance(note_ids, list) or not all(_is_integer(n) for n in note_ids):
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
