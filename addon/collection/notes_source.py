"""Data provider: the notes of the open collection, by id or by search.

Thread safety: call with the collection available to this thread (the main thread, or the worker
of a `QueryOp`/`CollectionOp`, or a headless script that owns the collection).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from anki.collection import Collection
from anki.errors import NotFoundError as AnkiNotFoundError
from anki.notes import NoteId

from ..core.planner import NoteJob


class CollectionNotes:
    """Yields `NoteJob`s for notes of ``col``; ids of deleted notes are passed over."""

    def __init__(self, col: Collection) -> None:
        self._col = col

    def ids_for_search(self, query: str) -> Sequence[NoteId]:
        return self._col.find_notes(query)

    def jobs(self, note_ids: Iterable[int]) -> Iterator[NoteJob]:
        for note_id in note_ids:
            try:
                note = self._col.get_note(NoteId(note_id))
            except AnkiNotFoundError:
                continue
            note_type = note.note_type()
            yield NoteJob(
                note_id=int(note.id),
                note_type=note_type["name"] if note_type else "",
                fields=dict(note.items()),
            )
