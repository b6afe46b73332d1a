"""Data provider: the notes of the open collection, by id or by search.

A job's notes are read `READ_AT_ONCE` at a time with one query of the notes table (their fields as
Anki stores them, split on its field separator), not one ``get_note`` each: a part of 2,000 notes
is read in 10–20 ms instead of 35–85 ms (`python -m devtools.plan_timing`), and planning needs no
`Note` objects.
A note that stores more or fewer fields than its note type has (a damaged collection: Anki's
``get_note`` gives such a note, but its fields cannot be read by name and Anki refuses to save it)
is handed over with no fields and its damage (`SourceNote.damage`), so its targets are skipped
with the fix, Tools → Check Database, and the job goes on with the other notes.

Thread safety: call with the collection available to this thread (the main thread, or the worker
of a `QueryOp`/`CollectionOp`, or a headless script that owns the collection).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from anki.collection import Collection
from anki.models import NotetypeId
from anki.utils import ids2str

from ..core.base.log import get_logger
from ..core.job.plan import SourceNote
from ..core.provider_system.data_provider import DataProvider

log = get_logger(__name__)


def _fields(count: int) -> str:
    return f"{count} field" if count == 1 else f"{count} fields"


# Notes read with one query.
READ_AT_ONCE = 500
# How Anki separates a note's fields in the notes table.
_FIELD_SEPARATOR = "\x1f"


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
        """The notes in the order their ids were given (see the module docstring)."""
        assert self._col.db is not None, "the collection is closed"
        for start in range(0, len(self._note_ids), READ_AT_ONCE):
            ids = [int(note_id) for note_id in self._note_ids[start : start + READ_AT_ONCE]]
            rows = {
                int(nid): (int(mid), str(flds))
                for nid, mid, flds in self._col.db.all(f"select id, mid, flds from notes where id in {ids2str(ids)}")
            }
            # The note types of these notes, looked up at once after the query (before any note is
            # handed over, so an edit of a note type meanwhile cannot pair old fields with new names).
            note_types = {mid: self._note_type(mid) for mid, _ in rows.values()}
            for note_id in ids:
                row = rows.get(note_id)
                if row is not None:  # else deleted
                    yield self._source_note(note_id, stored=row[1], note_type=note_types[row[0]])

    def _note_type(self, mid: int) -> tuple[str, list[tuple[int, str]]]:
        """A note type's name, and each field's position in a note (its ``ord``) and name, in order."""
        note_type = self._col.models.get(NotetypeId(mid))
        if note_type is None:
            return "", []
        fields = sorted((int(field["ord"]), str(field["name"])) for field in note_type["flds"])
        return str(note_type["name"]), fields

    @staticmethod
    def _source_note(note_id: int, *, stored: str, note_type: tuple[str, list[tuple[int, str]]]) -> SourceNote:
        """One note from its stored fields, each named as Anki's ``Note.items`` names it (by ``ord``)."""
        name, fields = note_type
        values = stored.split(_FIELD_SEPARATOR)
        if len(values) != len(fields) or any(ord_ >= len(values) for ord_, _ in fields):
            damage = (
                f"note {note_id} stores {_fields(len(values))} where its note type {name!r} has {len(fields)}; "
                "Tools → Check Database repairs it"
            )
            log.warning("%s", damage)
            return SourceNote(note_id=note_id, note_type=name, fields={}, damage=damage)
        return SourceNote(note_id=note_id, note_type=name, fields={field: values[ord_] for ord_, field in fields})
