"""The media folder as the store step sees it: the name ``write_data`` will give a file, and the
files a killed job left half-written.

Thread safety: file system calls only; call from the thread that stores the job.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable

from ..core.base.log import get_logger
from ..core.state.journal_records import WritingEntry

log = get_logger(__name__)


def expected_file_name(media_dir: str, desired: str, *, sha1: str) -> str | None:
    """The name ``write_data`` will write the bytes under: ``desired`` when it is free, None when
    it already holds these very bytes (nothing is written), else Anki's ``<stem>-<sha1>.<ext>``."""
    path = os.path.join(media_dir, desired)
    if not os.path.exists(path):
        return desired
    with open(path, "rb") as existing:
        if hashlib.sha1(existing.read()).hexdigest() == sha1:
            return None
    stem, dot, extension = desired.rpartition(".")
    return f"{stem}-{sha1}{dot}{extension}" if dot else f"{desired}-{sha1}"


def remove_partial_writes(media_dir: str, writing: Iterable[WritingEntry]) -> list[str]:
    """Delete the files a killed job left half-written: a journalled write whose file exists but
    does not hold the bytes that were being written. Returns the names removed."""
    removed = []
    for entry in writing:
        path = os.path.join(media_dir, entry.desired_name)
        try:
            with open(path, "rb") as existing:
                content = existing.read()
        except FileNotFoundError:
            continue
        if len(content) != entry.size or hashlib.sha1(content).hexdigest() != entry.sha1:
            os.remove(path)
            removed.append(entry.desired_name)
            log.warning("removed %s, left half-written by an interrupted job", entry.desired_name)
    return removed
