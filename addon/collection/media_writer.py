"""A chunk's media files written on one writer thread, in order, while the store step does the rest.

Anki's ``col.media.write_data`` takes a couple of milliseconds a file (it opens the media database
and commits, with fsyncs, for each one) and releases the GIL meanwhile. The store step's own work
per file (checks, names, journal lines, the reuse index's rows, the note's field) is Python; done
in turn with the writes it made a 100,000-note job a fifth slower than the writes alone. So the
store step hands each file to `MediaWriter` as soon as it is checked and named, goes on with the
next result, and takes the written name (`PendingWrite.file_name`) only when it fills the note.

What stays as it was: every write goes through ``write_data`` (Anki names the file, and a file of
the same name with other bytes is never overwritten), one at a time and in the order given; the
journal records a write before it is handed over and its name after it is done, so a crash in
between is told from a finished write as before. Two writes of one name are never in flight at
once: the second waits for the first, so the name it is expected to get is right.

Thread safety: one `MediaWriter` per chunk, used as a context manager by the thread that stores the
job; leaving it waits for every write in progress, so no write goes on after the chunk. When the
chunk fails, the writes not started yet are dropped: their journal lines name files that were never
made, which a resumed job passes over, and it asks for that media again. Only ``write_data`` runs
on the writer thread (Anki's backend serialises it with any other use of the collection).
"""

from __future__ import annotations

import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType

from anki.collection import Collection

from ..core.media.types import MediaRequest, MediaResult
from ..core.state.reuse_index import ReuseRow, reuse_key
from .media_files import expected_file_name


def reuse_row(
    request: MediaRequest, result: MediaResult, *, file_name: str, size: int, sha1: str, fingerprint: str
) -> ReuseRow:
    """What the reuse index remembers of ``file_name``, made by ``result`` for ``request`` (its
    provider's output ``fingerprint``)."""
    return ReuseRow(
        key=reuse_key(provider=result.provider, cache_key=request.cache_key, fingerprint=fingerprint),
        file_name=file_name,
        provider=result.provider,
        kind=request.kind.value,
        size=size,
        sha1=sha1,
        attribution=result.attribution,
    )


@dataclass
class PendingWrite:
    """One file handed to the writer: its bytes' ``sha1`` and ``size``, and the name Anki gives it
    once written (`file_name` waits for that)."""

    key: str
    request: MediaRequest
    result: MediaResult
    sha1: str
    size: int
    written: Future[str]

    def file_name(self) -> str:
        """The name ``write_data`` gave the file, waiting for the write; its error if it failed."""
        return self.written.result()


class MediaWriter:
    """Writes files into ``col``'s media folder on one thread, in the order given (see the module)."""

    def __init__(self, col: Collection) -> None:
        self._col = col
        self._pool: ThreadPoolExecutor | None = None
        self._by_name: dict[str, Future[str]] = {}

    def __enter__(self) -> MediaWriter:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="media-fill-write")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:  # after a failure, writes not yet started are dropped (journalled, not made)
            pool.shutdown(wait=True, cancel_futures=kind is not None)
        self._by_name.clear()

    def expected_name(self, desired: str, *, sha1: str) -> str | None:
        """The name ``write_data`` will give these bytes under ``desired`` (None: the file is there
        already), once any write of that name still in flight is done."""
        earlier = self._by_name.get(desired)
        if earlier is not None:
            earlier.exception()  # waits; its own failure is reported where its name is asked for
        return expected_file_name(self._col.media.dir(), desired, sha1=sha1)

    def write(self, desired: str, data: bytes) -> Future[str]:
        """Hand ``data`` to the writer under ``desired``; the future gives the name it got."""
        assert self._pool is not None, "MediaWriter is used as a context manager"
        written = self._pool.submit(self._col.media.write_data, desired, data)
        self._by_name[desired] = written
        return written


def already_written(file_name: str) -> Future[str]:
    """A write that needs no writer: the work item's file was written earlier in the job."""
    done: Future[str] = Future()
    done.set_result(file_name)
    return done


def sha1_of(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()
