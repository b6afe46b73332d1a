"""The bounded hand-over of results from the job's workers to the store step, so media is written
while the job runs and memory stays flat whatever the job size.

Workers `put` each finished request; the store step `take`s them in chunks. When the store step
falls behind, `put` blocks (back-pressure) until there is room, the stream is closed, or the job is
cancelled — so at most about ``max_bytes`` of media wait in memory at any time.

Thread safety: any number of producer threads and one consumer thread; one condition variable
guards the queue. `close` may be called from any thread; after it `put` drops what it is given and
`take` returns what is left, then an empty list.
"""

from __future__ import annotations

import collections
import threading
import time

from ..job.outcome import Finished

DEFAULT_MAX_ITEMS = 256
DEFAULT_MAX_BYTES = 8 * 1024 * 1024


class ResultStream:
    def __init__(self, *, max_items: int = DEFAULT_MAX_ITEMS, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._queue: collections.deque[Finished] = collections.deque()
        self._bytes = 0
        self._closed = False
        self._changed = threading.Condition()

    def put(self, finished: Finished, *, cancel: threading.Event | None = None) -> bool:
        """Queue ``finished``; blocks while the stream is full. False when it was dropped because
        the stream is closed (the job ended without it)."""
        with self._changed:
            while not self._closed and self._queue and self._full_with(finished.size):
                if cancel is not None and cancel.is_set():
                    break  # a cancelled job still stores what is done: take the item over the limit
                self._changed.wait(0.1)
            if self._closed:
                return False
            self._queue.append(finished)
            self._bytes += finished.size
            self._changed.notify_all()
            return True

    def _full_with(self, size: int) -> bool:
        return len(self._queue) >= self.max_items or self._bytes + size > self.max_bytes

    def take(self, *, max_items: int, timeout_s: float | None = None) -> list[Finished]:
        """Up to ``max_items`` results, waiting up to ``timeout_s`` for the first (None: until one
        comes or the stream closes). An empty list means none came in time, or closed and drained."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        with self._changed:
            while not self._queue and not self._closed:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return []
                self._changed.wait(remaining)
            chunk = [self._queue.popleft() for _ in range(min(max_items, len(self._queue)))]
            self._bytes -= sum(f.size for f in chunk)
            self._changed.notify_all()
            return chunk

    def close(self) -> None:
        """No more results will be accepted; `take` drains what is queued."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    @property
    def drained(self) -> bool:
        """Closed and empty: the consumer has everything."""
        with self._changed:
            return self._closed and not self._queue

    @property
    def half_full(self) -> bool:
        """At least half of either bound is used: the consumer should take now, before producers block."""
        with self._changed:
            return len(self._queue) * 2 >= self.max_items or self._bytes * 2 >= self.max_bytes

    def __len__(self) -> int:
        with self._changed:
            return len(self._queue)
