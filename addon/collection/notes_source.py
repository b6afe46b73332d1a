"""Data provider: the notes of the open collection, by id or by search.

Thread safety: call with the collection available to this thread (the main thread, or the worker
of a `QueryOp`/`CollectionOp`, or a headless script that owns the collection).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from anki.collection import Collection
from anki.errors import NotFoundError as AnkiNotFoundError
from anki.notes import NoteId

from ..core.job.plan import SourceNote
from ..core.provider_system.data_provider import DataProvider


class CollectionNotes(DataProvider):
    """Yields `SourceNote`s for the chosen notes of ``col``; ids of deleted notes are passed over."""

    def __init__(self, col: Collection, note_ids: Iterable[int]) -> None:
        self._col = col
        self._note_ids = list(note_ids)

    @classmethod
    def from_search(cls, col: Collection, query: str) -> CollectionNotes:
        """The notes an Anki search finds (raises Anki's search error for a bad query)."""
        return cls(col, col.find_notes(query))

    @property
    def note_ids(self) -> list[int]:
        return list(self._note_ids)

    def describe(self) -> str:
        return f"{len(self._note_ids)} notes of the collection"

    def notes(self) -> Iterator[SourceNote]:
        for note_id in self._note_ids:
            try:
                note = self._col.get_note(NoteId(note_id))
            except AnkiNotFoundError:
                continue
            note_type = note.note_type()
            yield SourceNote(
                note_id=int(note.id),
                note_type=note_type["name"] if note_type else "",
                fields=dict(note.items()),
            )
