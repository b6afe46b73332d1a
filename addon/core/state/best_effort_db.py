"""`BestEffortDatabase`: one sqlite3 file that holds an optimisation, so a problem with it never
stops its caller. The reuse index keeps its entries in one.

Failure policy: a corrupt file ("file is not a database", "malformed") is moved aside as
``<name>.corrupt-<timestamp>`` (with its ``-wal`` and ``-shm`` companions) and a new one is started,
with a warning in the log. If even that fails, the database behaves as one that is empty and
records nothing, and says so in the log once. A file busy in another process past the busy timeout,
or another I/O error, turns that one call into its default (a miss, or a no-op), with a warning the
first time such an error is seen. A file whose schema version is not the expected one is started
afresh.

Thread safety: `BestEffortDatabase.run` and ``close`` may be called from any thread. The database
holds one sqlite3 connection (opened lazily, on the first call that needs it, with
``check_same_thread=False``) and a lock held for the whole of each call, so calls are serialised.
Another process may use the same file at the same time: the file is in WAL mode when the filesystem
allows it, and a writer waits up to `BUSY_TIMEOUT_S` for the other. A call may block for up to
that timeout, so the Qt main thread should not be the one to call it while another process writes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from ..base.closing import Closeable

BUSY_TIMEOUT_S = 5.0

_T = TypeVar("_T")

# sqlite result codes (``sqlite3.Error.sqlite_errorcode`` from Python 3.11; the message before).
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


class _Unusable(Exception):
    """Internal: the file cannot be used for the rest of this session."""


def error_code(error: sqlite3.Error) -> int | None:
    """The primary sqlite result code of ``error``, or None where Python does not give it (before 3.11)."""
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None  # extended codes carry the primary code in the low byte


def is_corrupt(error: sqlite3.Error) -> bool:
    """Whether ``error`` says the file is damaged or not a database at all."""
    return _is_one_of(error, codes=(_SQLITE_CORRUPT, _SQLITE_NOTADB), words=("not a database", "malformed"))


def is_busy(error: sqlite3.Error) -> bool:
    """Whether ``error`` says another connection holds the file (past the busy timeout)."""
    return _is_one_of(error, codes=(_SQLITE_BUSY, _SQLITE_LOCKED), words=("locked", "busy"))


def _is_one_of(error: sqlite3.Error, *, codes: tuple[int, ...], words: tuple[str, ...]) -> bool:
    code = error_code(error)
    if code is not None:
        return code in codes
    message = str(error).lower()
    return any(word in message for word in words)


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on an exception) on an autocommit connection."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class BestEffortDatabase(Closeable):
    """The sqlite3 file ``path`` with one table set, made by ``schema`` (one statement), at
    ``schema_version`` (kept in ``PRAGMA user_version``).

    ``label`` names the file in log lines ("reuse index"), written to ``log``; ``consequence`` is
    what the log says it means when the file cannot be used at all (one sentence, no full stop).
    ``clock`` gives the timestamp of a corrupt file moved aside. Nothing is read or written until the first `run`;
    the parent folders are created then. ``close`` closes the connection; a later call opens it again.
    """

    def __init__(
        self,
        path: Path,
        *,
        schema: str,
        schema_version: int,
        label: str,
        consequence: str,
        log: logging.Logger,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self._schema = schema
        self._schema_version = schema_version
        self._label = label
        self._consequence = consequence
        self._log = log
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._opened_file: tuple[int, int] | None = None  # (st_dev, st_ino) of the file the connection opened
        self._disabled = False
        self._warned: set[str] = set()

    def run(self, action: str, operation: Callable[[sqlite3.Connection], _T], *, default: _T) -> _T:
        """``operation(connection)`` under the lock, or ``default`` when the file cannot serve this
        call (see the failure policy). ``action`` says what the call does, for the log ("look up
        media to reuse"). Wrap writes in `transaction`."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    conn = self._connect()
                    return operation(conn)
                except _Unusable:
                    return default
                except OSError as error:  # the filesystem itself (moving a bad file aside, say)
                    self._warn_once(f"OSError:{error.errno}", action, error)
                    return default
                except sqlite3.Error as error:
                    if is_corrupt(error) and attempt == 1:
                        # Found corrupt after opening (a damaged page): move it aside and try once more.
                        if not self._quarantine(error):
                            self._disable(f"it is damaged ({error}) and cannot be moved aside")
                            return default
                        continue
                    self._warn_once(f"{type(error).__name__}:{error_code(error)}", action, error)
                    return default
            return default

    def close(self) -> None:
        """Close the connection (if open). Safe to call twice; a later call reconnects."""
        with self._lock:
            self._close_locked()

    # ----------------------------------------------------------------- internals (called with the lock held)

    def _connect(self) -> sqlite3.Connection:
        if self._disabled:
            raise _Unusable
        if self._conn is not None:
            return self._conn
        try:
            self._conn = self._open()
        except sqlite3.Error as error:
            if is_busy(error):
                raise  # another process holds the file: a miss for this call, not a bad file
            if not self._quarantine(error):
                self._disable(f"it cannot be read ({error}) and cannot be moved aside")
                raise _Unusable from error
            try:
                self._conn = self._open()
            except (sqlite3.Error, OSError) as second:
                if isinstance(second, sqlite3.Error) and is_busy(second):
                    raise  # another process is making the new file right now: a miss for this call
                self._disable(f"a new {self._label} file cannot be made either ({second})")
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
                self._log.info("%s %s: WAL is not available here; using journal mode %s", self._label, self.path, mode)
            conn.execute("PRAGMA synchronous=NORMAL")
            self._ensure_schema(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _ensure_schema(self, conn: sqlite3.Connection) -> None:
        wanted = self._schema_version
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version == wanted:
            return
        with transaction(conn):  # BEGIN IMMEDIATE: another process may be doing the same
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            if version == wanted:
                return
            if version != 0:
                self._log.warning(
                    "%s %s has schema version %s, not %s; starting it afresh", self._label, self.path, version, wanted
                )
            tables = [
                name
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                ).fetchall()
            ]
            for name in tables:
                conn.execute(f'DROP TABLE IF EXISTS "{name.replace(chr(34), chr(34) * 2)}"')
            conn.execute(self._schema)
            conn.execute(f"PRAGMA user_version = {wanted:d}")

    def _quarantine(self, error: BaseException) -> bool:
        """Move the bad file (and its -wal/-shm companions) aside so a new one can be made.

        True when a new file can be started: the file was moved, is gone, or another process has
        already replaced it. False when it is still in the way.
        """
        self._close_locked()
        opened = self._opened_file
        self._opened_file = None
        label, path, log = self._label, self.path, self._log
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return True
        except OSError as stat_error:
            log.warning("%s %s could not be read (%s) nor examined (%s)", label, path, error, stat_error)
            return False
        if opened is not None and (stat.st_dev, stat.st_ino) != opened:
            log.warning("%s %s was unusable (%s) and has been replaced meanwhile", label, path, error)
            return True
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(self._clock()))
        target = path.with_name(f"{path.name}.corrupt-{stamp}")
        counter = 1
        while target.exists():
            counter += 1
            target = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
        try:
            os.replace(path, target)
        except OSError as move_error:
            log.warning("%s %s could not be read (%s) nor moved aside (%s)", label, path, error, move_error)
            return False
        for suffix in ("-wal", "-shm"):  # a stale WAL must not be replayed into the new file
            try:
                os.replace(f"{path}{suffix}", f"{target}{suffix}")
            except FileNotFoundError:
                pass
            except OSError as move_error:
                log.warning("%s %s: cannot move %s aside (%s)", label, path, f"{path.name}{suffix}", move_error)
                return False
        log.warning(
            "%s %s could not be read (%s); moved it to %s and started a new one", label, path, error, target.name
        )
        return True

    def _disable(self, reason: str) -> None:
        if not self._disabled:
            self._disabled = True
            self._log.warning("%s %s is unusable: %s. %s", self._label, self.path, reason, self._consequence)

    def _warn_once(self, kind: str, action: str, error: BaseException) -> None:
        """Warn about a failed call, the first time an error of this ``kind`` is seen (debug after)."""
        message = "could not %s in the %s %s (%s); going on without it for this call"
        level = logging.DEBUG if kind in self._warned else logging.WARNING
        self._warned.add(kind)
        self._log.log(level, message, action, self._label, self.path, error)

    def _close_locked(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None
