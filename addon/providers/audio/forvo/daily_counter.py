"""Forvo's daily request limit, counted in a JSON file that every process shares (provider_apis.md §3.4).

A plan allows a number of requests a day, reset at 22:00 UTC, and every audio download counts as a
request just like a lookup. `DailyCounter` keeps ``{"period_start": "…Z", "count": n, "resets_at":
"…Z"}`` in its file, so Anki and the CLI (or two jobs) stop at the same limit.

Thread safety: every method of `DailyCounter` may be called from any thread; read-modify-write runs
under one lock per counter file for the whole process (`_PATH_LOCKS`: a job's providers, a settings
dialog's connection test and the CLI may each build their own instance), and writes go to a
temporary file that replaces the old one (``os.replace``). Two processes counting into one file at
the same moment may lose a count.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ....core.base.log import get_logger

log = get_logger(__name__)

RESET_HOUR_UTC = 22  # Forvo's limits reset daily at 22:00 UTC (§3.4, official)
COUNTER_FILE_NAME = "forvo_counter.json"
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

_PATH_LOCKS: dict[str, threading.Lock] = {}
_PATH_LOCKS_GUARD = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    with _PATH_LOCKS_GUARD:
        return _PATH_LOCKS.setdefault(str(path), threading.Lock())


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def period_start(now: datetime) -> datetime:
    """The start of the Forvo day ``now`` falls in: the last 22:00 UTC at or before it."""
    now = now.astimezone(timezone.utc)
    start = now.replace(hour=RESET_HOUR_UTC, minute=0, second=0, microsecond=0)
    return start if start <= now else start - timedelta(days=1)


def next_reset(now: datetime) -> datetime:
    return period_start(now) + timedelta(days=1)


def until_text(now: datetime) -> str:
    """ "at 22:00 UTC, in about 3 h 20 min" for the next reset after ``now``."""
    minutes = max(1, round((next_reset(now) - now).total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    span = f"{hours} h {minutes} min" if hours else f"{minutes} min"
    return f"at {RESET_HOUR_UTC}:00 UTC, in about {span}"


class DailyCounter:
    """Requests made to Forvo since the last reset (22:00 UTC), kept in a JSON file.

    A file of an earlier period counts as 0 (the limit was reset); a file that cannot be parsed
    counts as 0 too, with a warning in the log. When the file cannot be written, the count is kept
    in memory (with a warning) so this instance still stops at the limit.
    """

    def __init__(self, path: Path, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.path = path
        self.clock = clock
        self._lock = _lock_for(path)
        self._unsaved: tuple[str, int] | None = None

    def used(self) -> int:
        with self._lock:
            return self._read(self._period(self.clock()))

    def take(self, *, limit: int) -> bool:
        """Count one request and return True, or return False (counting nothing) when ``limit``
        requests were already made in the current period."""
        with self._lock:
            period = self._period(self.clock())
            count = self._read(period)
            if count >= limit:
                return False
            self._write(period, count + 1)
            return True

    def mark_spent(self, *, limit: int) -> None:
        """Forvo said the limit is reached: count at least ``limit`` until the next reset."""
        with self._lock:
            period = self._period(self.clock())
            count = self._read(period)
            if count < limit:
                self._write(period, limit)

    @staticmethod
    def _period(now: datetime) -> str:
        return period_start(now).strftime(_TIME_FORMAT)

    def _read(self, period: str) -> int:
        count = 0
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        except OSError as exc:
            log.warning("forvo: cannot read the request counter %s (%s); using the count in memory", self.path, exc)
            text = ""
        if text.strip():
            try:
                data = json.loads(text)
                stored_period, stored_count = data["period_start"], data["count"]
                if not isinstance(stored_period, str) or not isinstance(stored_count, int) or stored_count < 0:
                    raise TypeError("unexpected values")
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("forvo: the request counter %s is unreadable (%s); counting from 0", self.path, exc)
            else:
                count = stored_count if stored_period == period else 0
        if self._unsaved is not None and self._unsaved[0] == period:
            count = max(count, self._unsaved[1])
        return count

    def _write(self, period: str, count: int) -> None:
        data = {"period_start": period, "count": count, "resets_at": self._reset_text(period)}
        temp_name = ""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(data, stream)
            os.replace(temp_name, self.path)
            temp_name = ""
        except OSError as exc:
            log.warning("forvo: cannot save the request counter %s (%s); counting in memory", self.path, exc)
            self._unsaved = (period, count)
        else:
            self._unsaved = None
        finally:
            if temp_name:
                with contextlib.suppress(OSError):
                    os.unlink(temp_name)

    @staticmethod
    def _reset_text(period: str) -> str:
        start = datetime.strptime(period, _TIME_FORMAT).replace(tzinfo=timezone.utc)
        return (start + timedelta(days=1)).strftime(_TIME_FORMAT)
