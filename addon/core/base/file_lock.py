"""An exclusive, non-blocking lock on a file, that the operating system drops when its process ends.

Used so that one job's journal is written by one process at a time: a job running in Anki and a
``--resume`` of it from the command line, or two resumes, never write it at once. Because the
system drops the lock with the process, a job killed mid-run (SIGKILL, a crash, a power cut) leaves
no stale lock behind: the next resume takes it at once.

POSIX: ``fcntl.flock`` on the lock file (held per open file, so a second open in the same process
is refused too). Windows: ``msvcrt.locking`` on the file's first byte.

Thread safety: a `FileLock` is released once, by its owner; `try_lock` and `is_locked` may run on
any thread. `is_locked` takes the lock for a moment to look; within one process it and `try_lock`
take turns (a process-wide mutex), so a look never makes a real attempt on another thread fail.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from pathlib import Path

_FLAGS = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
# Held while this process tries a lock, or looks at one (see the module docstring).
_ATTEMPTS = threading.Lock()


class FileLock:
    """A held lock; `release` it (or let the process end)."""

    def __init__(self, *, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    def release(self) -> None:
        """Drop the lock. Safe to call twice. The lock file stays (deleting it would race with a
        process about to lock it)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            _unlock(fd)
        with contextlib.suppress(OSError):
            os.close(fd)


def try_lock(path: Path) -> FileLock | None:
    """Lock ``path`` (created if missing) at once, or None when another holder has it.
    OSError when the file cannot be made or opened."""
    with _ATTEMPTS:
        return _try_lock(path)


def is_locked(path: Path) -> bool:
    """Whether some holder (this process included) has ``path`` locked. OSError when the file
    cannot be made or opened."""
    with _ATTEMPTS:
        lock = _try_lock(path)
        if lock is None:
            return True
        lock.release()
        return False


def _try_lock(path: Path) -> FileLock | None:
    fd = os.open(path, _FLAGS, 0o644)
    try:
        if not _lock(fd):
            os.close(fd)
            return None
    except BaseException:
        os.close(fd)
        raise
    return FileLock(path=path, fd=fd)


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
