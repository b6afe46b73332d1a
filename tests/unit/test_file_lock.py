"""The journal's file lock: held against other holders, dropped on release, and, within one
process, a look (`is_locked`, as the Jobs window's scan does) never makes a real attempt on another
thread fail (the Jobs window once listed a killed job as running because two scans looked at once)."""

from __future__ import annotations

import threading
from pathlib import Path

from addon.core.base.file_lock import is_locked, try_lock


def test_a_held_lock_is_seen_and_refused_until_released(tmp_path: Path) -> None:
    path = tmp_path / "job.lock"
    lock = try_lock(path)
    assert lock is not None
    assert is_locked(path) and try_lock(path) is None
    lock.release()
    assert not is_locked(path)
    again = try_lock(path)
    assert again is not None
    again.release()


def test_looking_on_one_thread_never_fails_an_attempt_on_another(tmp_path: Path) -> None:
    path = tmp_path / "job.lock"
    stop = threading.Event()
    looked: list[bool] = []

    def look() -> None:
        while not stop.is_set():
            looked.append(is_locked(path))

    lookers = [threading.Thread(target=look) for _ in range(3)]
    for thread in lookers:
        thread.start()
    refused = 0
    try:
        for _ in range(3000):
            lock = try_lock(path)
            if lock is None:
                refused += 1
            else:
                lock.release()
    finally:
        stop.set()
        for thread in lookers:
            thread.join()
    assert looked, "the lookers did not run"
    assert refused == 0, f"{refused} attempts failed because a look held the lock"
