"""A persistent index of the media earlier jobs made, so the same request is not paid for twice.

The planner asks `ReuseIndex.lookup` for the `reuse_key` of every request it is about to make; a hit
names a file already in the media folder (the caller checks it is still there). After storing a file
the job calls `ReuseIndex.record`. The index lives in one sqlite3 file (in the add-on's
``user_files/``) shared by every profile: each row belongs to one ``collection_id`` and an index only
ever sees its own collection's rows.

Stored per entry: the key, the media file name, the provider, the media kind, the size, the SHA-1
of the bytes and the time it was recorded. Never a prompt, a text or a key.

Failure policy: the index is an optimisation, so it never stops a job. A corrupt file ("file is not
a database", "malformed") is moved aside as ``<name>.corrupt-<timestamp>`` (with its ``-wal`` and
``-shm`` companions) and a new one is started, with a warning in the log. If even that fails, the
index behaves as an empty index that records nothing, and says so in the log once. A file busy in
another process past the busy timeout, or another I/O error, turns that one call into a miss (or a
no-op), with a warning the first time such an error is seen.

Threading: every method may be called from any thread. The index holds one sqlite3 connection
(opened lazily, on the first call that needs it, with ``check_same_thread=False``) and a lock held
for the whole of each call, so calls are serialised. Another process (Anki and the CLI) may use the
same file at the same time: the file is in WAL mode when the filesystem allows it, and a writer
waits up to a busy timeout for the other. A call may block for up to that timeout, so the Qt main
thread should not be the one to call it while another process is writing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from ..base.log import get_logger
from ..media.types import Attribution

SCHEMA_VERSION = 2
LOOKUP_CHUNK = 500  # keys per SELECT: under sqlite's old limit of 999 bound parameters
BUSY_TIMEOUT_S = 5.0

_T = TypeVar("_T")

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

# sqlite result codes (``sqlite3.Error.sqlite_errorcode`` from Python 3.11; the message before).
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


def _attribution_from(text: str) -> Attribution | None:
    """The credit stored with an entry ("" or JSON of `Attribution`'s fields), None when absent or unreadable."""
    if not text:
        return None
    try:
        fields = json.loads(text)
        return Attribution(**{name: str(fields.get(name, "")) for name in Attribution.__dataclass_fields__})
    except (ValueError, TypeError, AttributeError):
        return None


def reuse_key(*, provider: str, cache_key: str, fingerprint: str) -> str:
    """The index key of one request: the SHA-256 (hex) of the JSON array of the three strings.

    JSON quotes and escapes each part, so no two different triples give the same text (as
    ``"a" + "bc"`` and ``"ab" + "c"`` would). Pure; safe anywhere.
    """
    text = json.dumps([provider, cache_key, fingerprint], ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


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


class _Unusable(Exception):
    """Internal: the index file cannot be used for the rest of this session."""


def _error_code(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None  # extended codes carry the primary code in the low byte


def _is_corrupt(error: sqlite3.Error) -> bool:
    code = _error_code(error)
    if code is not None:
        return code in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    message = str(error).lower()
    return "not a database" in message or "malformed" in message


def _is_busy(error: sqlite3.Error) -> bool:
    code = _error_code(error)
    if code is not None:
        return code in (_SQLITE_BUSY, _SQLITE_LOCKED)
    message = str(error).lower()
    return "locked" in message or "busy" in message


class ReuseIndex:
    """The reuse index of one collection, stored in the sqlite3 file ``path``.

    ``collection_id`` separates the collections (profiles) sharing the file; ``clock`` gives the
    ``created`` time of recorded entries and the timestamp of a corrupt file moved aside.
    Nothing is read or written until the first call that needs the file; the parent folders are
    created then. ``close`` closes the connection; a later call opens it again.

    Thread-safe: see the module docstring.
    """

    def __init__(self, path: Path, *, collection_id: str, clock: Callable[[], float] = time.time) -> None:
        if not collection_id:
            raise ValueError("collection_id must not be empty")
        self.path = Path(path)
        self.collection_id = collection_id
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._opened_file: tuple[int, int] | None = None  # (st_dev, st_ino) of the file the connection opened
        self._disabled = False
        self._warned: set[str] = set()

    # ----------------------------------------------------------------- public API

    def lookup(self, keys: Iterable[str]) -> dict[str, ReuseEntry]:
        """The entries of this collection among ``keys`` (missing keys are absent from the result).

        One query per ``LOOKUP_CHUNK`` distinct keys. On an unusable file the result is empty.
        """
        unique = list(dict.fromkeys(keys))
        if not unique:
            return {}

        def run(conn: sqlite3.Connection) -> dict[str, ReuseEntry]:
            found: dict[str, ReuseEntry] = {}
            for start in range(0, len(unique), LOOKUP_CHUNK):
                chunk = unique[start : start + LOOKUP_CHUNK]
                marks = ",".join("?" * len(chunk))
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

        return self._run("look up media to reuse", run, default={})

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
        credit = json.dumps(dataclasses.asdict(attribution), ensure_ascii=False) if attribution is not None else ""
        row = (self.collection_id, key, file_name, provider, kind, int(size), sha1, float(self._clock()), credit)

        def run(conn: sqlite3.Connection) -> None:
            with self._transaction(conn):
                conn.execute(f"INSERT OR REPLACE INTO entries (collection, {_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)", row)

        self._run("record reusable media", run, default=None)

    def forget(self, keys: Iterable[str]) -> None:
        """Drop this collection's entries for ``keys`` (e.g. their files are gone). Unknown keys are ignored."""
        unique = list(dict.fromkeys(keys))
        if not unique:
            return

        def run(conn: sqlite3.Connection) -> None:
            with self._transaction(conn):
                for start in range(0, len(unique), LOOKUP_CHUNK):
                    chunk = unique[start : start + LOOKUP_CHUNK]
                    marks = ",".join("?" * len(chunk))
                    conn.execute(
                        f"DELETE FROM entries WHERE collection = ? AND key IN ({marks})",
                        [self.collection_id, *chunk],
                    )

        self._run("forget reusable media", run, default=None)

    def __len__(self) -> int:
        """The number of entries of this collection (0 when the file is unusable)."""

        def run(conn: sqlite3.Connection) -> int:
            (count,) = conn.execute(
                "SELECT COUNT(*) FROM entries WHERE collection = ?", (self.collection_id,)
            ).fetchone()
            return int(count)

        return self._run("count reusable media", run, default=0)

    def close(self) -> None:
        """Close the connection (if open). Safe to call twice; a later call reconnects."""
        with self._lock:
            self._close_locked()

    def __enter__(self) -> ReuseIndex:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ----------------------------------------------------------------- internals (called with the lock held)

    def _run(self, action: str, operation: Callable[[sqlite3.Connection], _T], *, default: _T) -> _T:
        """Run ``operation`` on the connection under the lock, applying the failure policy."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    conn = self._connect()
                    return operation(conn)
                except _Unusable:
                    return default
                except OSError as error:  # the filesystem itself (moving a bad file aside, say)
                    self._warn_once(
                        f"OSError:{error.errno}",
                        "could not %s in the reuse index %s (%s); going on without it for this call",
                        action,
                        self.path,
                        error,
                    )
                    return default
                except sqlite3.Error as error:
                    if _is_corrupt(error) and attempt == 1:
                        # Found corrupt after opening (a damaged page): move it aside and try once more.
                        if not self._quarantine(error):
                            self._disable(f"it is damaged ({error}) and cannot be moved aside")
                            return default
                        continue
                    self._warn_once(
                        f"{type(error).__name__}:{_error_code(error)}",
                        "could not %s in the reuse index %s (%s); going on without it for this call",
                        action,
                        self.path,
                        error,
                    )
                    return default
            return default

    def _connect(self) -> sqlite3.Connection:
        if self._disabled:
            raise _Unusable
        if self._conn is not None:
            return self._conn
        try:
            self._conn = self._open()
        except sqlite3.Error as error:
            if _is_busy(error):
                raise  # another process holds the file: a miss for this call, not a bad file
            if not self._quarantine(error):
                self._disable(f"it cannot be read ({error}) and cannot be moved aside")
                raise _Unusable from error
            try:
                self._conn = self._open()
            except sqlite3.Error as second:
                if _is_busy(second):
                    raise  # another process is making the new file right now: a miss for this call
                self._disable(f"a new index file cannot be made either ({second})")
                raise _Unusable from second
            except OSError as second:
                self._disable(f"a new index file cannot be made either ({second})")
                raise _Unusable from second
        except OSError as error:  # the parent folder cannot be made
            self._disable(f"its folder cannot be created ({error})")
            raise _Unusable from error
        return self._conn

    def _open(self) -> sqlite3.Connection:
        self._opened_file = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        try:
            with contextlib.suppress(OSError):
                stat = os.stat(self.path)
                self._opened_file = (stat.st_dev, stat.st_ino)
            (mode,) = conn.execute("PRAGMA journal_mode=WAL").fetchone()
            if str(mode).lower() != "wal":
                _log.info("reuse index %s: WAL is not available here; using journal mode %s", self.path, mode)
            conn.execute("PRAGMA synchronous=NORMAL")
            self._ensure_schema(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _ensure_schema(self, conn: sqlite3.Connection) -> None:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version == SCHEMA_VERSION:
            return
        with self._transaction(conn):  # BEGIN IMMEDIATE: another process may be doing the same
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            if version == SCHEMA_VERSION:
                return
            if version != 0:
                _log.warning(
                    "reuse index %s has schema version %s, not %s; starting it afresh",
                    self.path,
                    version,
                    SCHEMA_VERSION,
                )
            tables = [
                name
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                ).fetchall()
            ]
            for name in tables:
                conn.execute(f'DROP TABLE IF EXISTS "{name.replace(chr(34), chr(34) * 2)}"')
            conn.execute(_SCHEMA)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")

    @staticmethod
    @contextlib.contextmanager
    def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _quarantine(self, error: BaseException) -> bool:
        """Move the bad file (and its -wal/-shm companions) aside so a new one can be made.

        True when a new file can be started: the file was moved, is gone, or another process has
        already replaced it. False when it is still in the way.
        """
        self._close_locked()
        opened = self._opened_file
        self._opened_file = None
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return True
        except OSError as stat_error:
            _log.warning("reuse index %s could not be read (%s) nor examined (%s)", self.path, error, stat_error)
            return False
        if opened is not None and (stat.st_dev, stat.st_ino) != opened:
            _log.warning("reuse index %s was unusable (%s) and has been replaced meanwhile", self.path, error)
            return True
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(self._clock()))
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        counter = 1
        while target.exists():
            counter += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{counter}")
        try:
            os.replace(self.path, target)
        except OSError as move_error:
            _log.warning("reuse index %s could not be read (%s) nor moved aside (%s)", self.path, error, move_error)
            return False
        for suffix in ("-wal", "-shm"):  # a stale WAL must not be replayed into the new file
            try:
                os.replace(f"{self.path}{suffix}", f"{target}{suffix}")
            except FileNotFoundError:
                pass
            except OSError as move_error:
                _log.warning(
                    "reuse index %s: cannot move %s aside (%s)", self.path, f"{self.path.name}{suffix}", move_error
                )
                return False
        _log.warning(
            "reuse index %s could not be read (%s); moved it to %s and started a new one",
            self.path,
            error,
            target.name,
        )
        return True

    def _disable(self, reason: str) -> None:
        if not self._disabled:
            self._disabled = True
            _log.warning(
                "reuse index %s is unusable: %s. Media from earlier jobs will not be reused and nothing "
                "will be recorded until Anki is restarted",
                self.path,
                reason,
            )

    def _warn_once(self, kind: str, message: str, *args: object) -> None:
        if kind in self._warned:
            _log.debug(message, *args)
        else:
            self._warned.add(kind)
            _log.warning(message, *args)

    def _close_locked(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None
