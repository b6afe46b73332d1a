"""Opening a collection file for a headless run, refusing one that Anki has open.

Thread safety: call from the thread that will use the collection.
"""

from __future__ import annotations

from pathlib import Path

from anki.collection import Collection
from anki.errors import DBError

from ..core.base.errors import MediaFillError


class CollectionUnavailableError(MediaFillError):
    """The collection file is missing, not a collection, or in use by Anki."""


_SQLITE_HEADER = b"SQLite format 3\x00"


def _looks_like_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER
    except OSError:
        return False


def open_existing_collection(path: Path) -> Collection:
    """Open ``path``; never creates a new collection."""
    if not path.is_file():
        raise CollectionUnavailableError(f"no collection at {path} (expected an existing collection.anki2 file)")
    if not _looks_like_sqlite(path):
        # Anki would silently turn an empty or foreign file into a new, empty collection.
        raise CollectionUnavailableError(f"{path} is not an Anki collection (not an SQLite database)")
    try:
        return Collection(str(path))
    except DBError as exc:
        text = str(exc).lower()
        if "already open" in text or "locked" in text:
            raise CollectionUnavailableError(
                f"{path} is open in Anki (or its media is syncing); close Anki or switch to another profile, "
                "then try again"
            ) from None
        raise CollectionUnavailableError(f"cannot open {path}: {exc}") from None
    except Exception as exc:  # the backend raises several types for files that are not collections
        raise CollectionUnavailableError(f"cannot open {path} as an Anki collection: {exc}") from None
