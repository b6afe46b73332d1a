"""A persistent index of the media earlier jobs made, so the same request is not paid for twice.

The planner asks `ReuseIndex.lookup` for the `reuse_key` of every request it is about to make; a hit
names a file already in the media folder (the caller checks it is still there). After storing a file
the job calls `ReuseIndex.record`. The index lives in one sqlite3 file (in the add-on's
``user_files/``) shared by every profile: each row belongs to one ``collection_id`` and an index only
ever sees its own collection's rows.

Stored per entry: the key, the media file name, the provider, the media kind, the size, the SHA-1
of the bytes and the time it was recorded. Never a prompt, a source text or a key; a transcript (kind
``text``), which no file holds, is kept as its text where a file's name would be.

Failure policy: the index is an optimisation, so it never stops a job: the file is a
`BestEffortDatabase` (a corrupt file is moved aside and a new one started; a busy file or an I/O
error makes that one call a miss or a no-op; a file that cannot be used at all makes an index that
is empty and records nothing), and each case is logged.

Thread safety: every method may be called from any thread; calls are serialised by the database's
lock. Another process (Anki and the CLI) may use the same file at the same time. A call may block
for up to the busy timeout (`best_effort_db.BUSY_TIMEOUT_S`), so the Qt main thread should not be
the one to call it while another process is writing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ..base.closing import Closeable
from ..base.log import get_logger
from ..media.types import Attribution
from .best_effort_db import BestEffortDatabase, transaction

SCHEMA_VERSION = 2
LOOKUP_CHUNK = 500  # keys per SELECT: under sqlite's old limit of 999 bound parameters

_log = get_logger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    collection TEXT NOT NULL,
    key TEXT NOT NULL,
    file_name TEXT NOT NULL,
    provider TEXT NOT NULL,
    kind TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha1 TEXT NOT NULL,
    created REAL NOT NULL,
    attribution TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (collection, key)
) WITHOUT ROWID
"""
_COLUMNS = "key, file_name, provider, kind, size, sha1, created, attribution"
_UNUSABLE = "Media from earlier jobs will not be reused and nothing will be recorded until Anki is restarted"


def reuse_key(*, provider: str, cache_key: str, fingerprint: str) -> str:
    """The index key of one request: the SHA-256 (hex) of the JSON array of the three strings.

    JSON quotes and escapes each part, so no two different triples give the same text (as
    ``"a" + "bc"`` and ``"ab" + "c"`` would). Pure; safe anywhere.
    """
    # What ``json.dumps([provider, cache_key, fingerprint], ensure_ascii=True, separators=(",", ":"))``
    # writes, put together with the function it calls for each string (a big job makes hundreds of
    # thousands of keys; a test holds the two to the same text).
    text = "[" + _ascii_json(provider) + "," + _ascii_json(cache_key) + "," + _ascii_json(fingerprint) + "]"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


# A string as `json.dumps` (``ensure_ascii=True``) writes it: the same function it calls.
_ascii_json: Callable[[str], str] = json.encoder.encode_basestring_ascii


class ReuseRow(NamedTuple):
    """What `ReuseIndex.record_many` remembers of one file."""

    key: str
    file_name: str
    provider: str
    kind: str
    size: int
    sha1: str
    attribution: Attribution | None = None


def _credit(attribution: Attribution | None) -> str:
    """An entry's credit column: JSON of the `Attribution`, or "" without one."""
    return json.dumps(dataclasses.asdict(attribution), ensure_ascii=False) if attribution is not None else ""


@dataclass(frozen=True)
class ReuseEntry:
    """One file an earlier job made. ``created`` is the clock's time (seconds) when it was recorded."""

    key: str
    file_name: str
    provider: str
    kind: str
    size: int
    sha1: str
    created: float
    attribution: Attribution | None = None


class ReuseIndex(Closeable):
    """The reuse index of one collection, stored in the sqlite3 file ``path``.

    ``collection_id`` separates the collections (profiles) sharing the file; ``clock`` gives the
    ``created`` time of recorded entries and the timestamp of a corrupt file moved aside.
    Nothing is read or written until the first call that needs the file; the parent folders are
    created then. ``close`` closes the connection; a later call opens it again.

    Thread safety: see the module docstring.
    """

    def __init__(self, path: Path, *, collection_id: str, clock: Callable[[], float] = time.time) -> None:
        if not collection_id:
            raise ValueError("collection_id must not be empty")
        self.path = Path(path)
        self.collection_id = collection_id
        self._clock = clock
        self._db = BestEffortDatabase(
            self.path,
            schema=_SCHEMA,
            schema_version=SCHEMA_VERSION,
            label="reuse index",
            consequence=_UNUSABLE,
            log=_log,
            clock=clock,
        )

    def lookup(self, keys: Iterable[str]) -> dict[str, ReuseEntry]:
        """The entries of this collection among ``keys`` (missing keys are absent from the result).

        One query per ``LOOKUP_CHUNK`` distinct keys. On an unusable file the result is empty.
        """
        unique = list(dict.fromkeys(keys))
        if not unique:
            return {}

        def run(conn: sqlite3.Connection) -> dict[str, ReuseEntry]:
            found: dict[str, ReuseEntry] = {}
            for marks, chunk in _chunks(unique):
                rows = conn.execute(
                    f"SELECT {_COLUMNS} FROM entries WHERE collection = ? AND key IN ({marks})",
                    [self.collection_id, *chunk],
                ).fetchall()
                for key, file_name, provider, kind, size, sha1, created, attribution in rows:
                    found[key] = ReuseEntry(
                        key=key,
                        file_name=file_name,
                        provider=provider,
                        kind=kind,
                        size=int(size),
                        sha1=sha1,
                        created=float(created),
                        attribution=_attribution_from(attribution),
                    )
            return found

        return self._db.run("look up media to reuse", run, default={})

    def record(
        self,
        *,
        key: str,
        file_name: str,
        provider: str,
        kind: str,
        size: int,
        sha1: str,
        attribution: Attribution | None = None,
    ) -> None:
        """Remember that ``file_name`` holds the media for ``key`` (replacing an entry with that key),
        with the credit a found image needs when it is reused.

        Committed before returning. Does nothing (but log) when the file is unusable.
        """
        self.record_many([ReuseRow(key, file_name, provider, kind, size, sha1, attribution)])

    def record_many(self, entries: Iterable[ReuseRow]) -> None:
        """`record` each of ``entries``, in one transaction (a job records a chunk of files at once)."""
        now = float(self._clock())
        rows = [
            (
                self.collection_id,
                e.key,
                e.file_name,
                e.provider,
                e.kind,
                int(e.size),
                e.sha1,
                now,
                _credit(e.attribution),
            )
            for e in entries
        ]
        if not rows:
            return

        def run(conn: sqlite3.Connection) -> None:
            with transaction(conn):
                conn.executemany(
                    f"INSERT OR REPLACE INTO entries (collection, {_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)", rows
                )

        self._db.run("record reusable media", run, default=None)

    def forget(self, keys: Iterable[str]) -> None:
        """Drop this collection's entries for ``keys`` (e.g. their files are gone). Unknown keys are ignored."""
        unique = list(dict.fromkeys(keys))
        if not unique:
            return

        def run(conn: sqlite3.Connection) -> None:
            with transaction(conn):
                for marks, chunk in _chunks(unique):
                    conn.execute(
                        f"DELETE FROM entries WHERE collection = ? AND key IN ({marks})",
                        [self.collection_id, *chunk],
                    )

        self._db.run("forget reusable media", run, default=None)

    def __len__(self) -> int:
        """The number of entries of this collection (0 when the file is unusable)."""

        def run(conn: sqlite3.Connection) -> int:
            (count,) = conn.execute(
                "SELECT COUNT(*) FROM entries WHERE collection = ?", (self.collection_id,)
            ).fetchone()
            return int(count)

        return self._db.run("count reusable media", run, default=0)

    def close(self) -> None:
        """Close the connection (if open). Safe to call twice; a later call reconnects."""
        self._db.close()


def _chunks(keys: list[str]) -> Iterable[tuple[str, list[str]]]:
    """``keys`` in pieces of at most `LOOKUP_CHUNK`, each with its ``?,?,…`` placeholders."""
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        yield ",".join("?" * len(chunk)), chunk


def _attribution_from(text: str) -> Attribution | None:
    """The credit stored with an entry ("" or JSON of `Attribution`'s fields), None when absent or unreadable."""
    if not text:
        return None
    try:
        fields = json.loads(text)
        return Attribution(**{name: str(fields.get(name, "")) for name in Attribution.__dataclass_fields__})
    except (ValueError, TypeError, AttributeError):
        return None
