"""Word lists into notes: the word list as a data provider, the duplicate check against the deck,
and the import itself — every note of the file created in one undo entry "Import Word List", or
none at all.

Cells go into fields as HTML (as written: "<b>pear</b>" stays bold), each line break in a cell as
``<br>`` (Anki shows a raw line break as a space). A CSV row with fewer cells than the header is
imported with the missing cells empty and counted as a short row. Rows are named by their number
among the rows (`WordRow.number`: the first row after the header is row 1), as the preview shows them.

The file is read twice, streamed both times (`core.text.word_list`): the first pass checks every row
(so a bad row found at the end of a 100 MB file stops the import before anything is written) and
finds the duplicates; the second creates the notes, a chunk at a time, merged into one undo entry.
If the second pass fails anyway (the file changed in between, the disk is full), the notes it made
are removed again.

Thread safety: needs the collection on the calling thread (a `CollectionOp`'s worker, or a script
that owns it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from anki.collection import AddNoteRequest, Collection, OpChanges
from anki.decks import DeckId
from anki.models import NotetypeDict
from anki.notes import NoteId
from anki.utils import ids2str

from ..core.base.errors import ConfigError
from ..core.job.plan import SourceNote
from ..core.provider_system.data_provider import DataProvider
from ..core.text.cleaning import clean_source_text
from ..core.text.word_list import WordList, WordListError, WordRow

UNDO_NAME = "Import Word List"
# Notes created per `add_notes` call; each call is merged into the one undo entry.
CHUNK_NOTES = 500
# Row numbers of duplicates (and of short rows) kept for the report (all are counted).
DUPLICATE_ROWS_KEPT = 50
# A line break in a cell, or an HTML tag (whose line breaks are only spaces between attributes).
_LINE_BREAK_OR_TAG = re.compile(r"<[^<>]*>|\r\n?|\n")


@dataclass(frozen=True)
class ImportOptions:
    """Where the words go: the note type and deck (created when missing), which column fills which
    field (``mapping``; empty: columns named like fields), and whether duplicates are added."""

    note_type: str
    deck: str
    mapping: Mapping[str, str] = field(default_factory=dict)
    allow_duplicates: bool = False


@dataclass
class ImportCheck:
    """What an import would do, found by reading the whole file once (nothing written)."""

    rows: int = 0
    to_create: int = 0
    duplicates: int = 0
    duplicate_rows: list[int] = field(default_factory=list)
    empty_rows: int = 0
    # CSV rows with fewer cells than the header, imported with the missing cells empty.
    short_rows: int = 0
    short_row_numbers: list[int] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    unused_columns: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """What the import did; ``changes`` is what Anki needs to refresh its windows."""

    check: ImportCheck
    created: list[int]
    changes: OpChanges

    def to_json(self) -> dict[str, object]:
        return {
            "created": len(self.created),
            "duplicates": self.check.duplicates,
            "duplicate_rows": list(self.check.duplicate_rows),
            "empty_rows": self.check.empty_rows,
            "short_rows": self.check.short_rows,
            "short_row_numbers": list(self.check.short_row_numbers),
            "rows": self.check.rows,
            "note_ids": list(self.created),
        }


def note_type_named(col: Collection, name: str) -> NotetypeDict:
    """The note type called ``name``; a `ConfigError` listing the note types when there is none."""
    note_type = col.models.by_name(name)
    if note_type is None:
        known = ", ".join(sorted(n.name for n in col.models.all_names_and_ids()))
        raise ConfigError(f"the collection has no note type {name!r} (it has: {known})")
    return note_type


def field_names(note_type: NotetypeDict) -> list[str]:
    return [str(f["name"]) for f in note_type["flds"]]


def resolve_mapping(
    columns: Sequence[str], fields: Sequence[str], mapping: Mapping[str, str], *, path: str
) -> dict[str, str]:
    """Column → field: ``mapping`` as given (each column and field must exist), plus every other
    column named like a field (ignoring case and outer spaces). The note type's first field must
    get a column: it is what a note is known by."""
    by_lower = {name.strip().casefold(): name for name in fields}
    resolved: dict[str, str] = {}
    for column, target in mapping.items():
        if column not in columns:
            raise WordListError(
                f"the file has no column {column!r} (its columns: {', '.join(map(repr, columns)) or 'none'})",
                path=path,
            )
        if target not in fields:
            raise WordListError(
                f"the note type has no field {target!r} for column {column!r} (its fields: {', '.join(fields)})",
                path=path,
                column=column,
            )
        resolved[column] = target
    taken = set(resolved.values())
    for column in columns:
        named = by_lower.get(column.strip().casefold())
        if column not in resolved and named is not None and named not in taken:
            resolved[column] = named
            taken.add(named)
    if not resolved:
        shown = ", ".join(repr(c) for c in columns[:4])
        raise WordListError(
            f"the first row must name the columns with the note type's field names ({', '.join(fields)}), "
            f"or map them (--map column=Field); it holds {shown}",
            path=path,
        )
    if fields and fields[0] not in taken:
        raise WordListError(
            f"no column fills {fields[0]!r}, the note type's first field (map one to it: --map column={fields[0]})",
            path=path,
        )
    return resolved


def field_html(cell: str) -> str:
    """A cell as a field's HTML: each line break outside a tag becomes ``<br>``; the rest as written."""
    if "\n" not in cell and "\r" not in cell:
        return cell
    return _LINE_BREAK_OR_TAG.sub(lambda match: match.group() if match.group()[0] == "<" else "<br>", cell)


def duplicate_key(text: str) -> str:
    """How two first fields are compared: their text without markup, spaces collapsed, NFC."""
    return unicodedata.normalize("NFC", " ".join(clean_source_text(text).split()))


def keys_in_deck(col: Collection, *, note_type_id: int, deck_id: DeckId | None) -> set[str]:
    """The duplicate keys of the first fields of the deck's notes (subdecks included) of that note type."""
    if deck_id is None:
        return set()
    decks = ids2str(col.decks.deck_and_child_ids(deck_id))
    assert col.db is not None, "the collection is closed"
    rows = col.db.list(
        f"select flds from notes where mid = ? and id in (select nid from cards where did in {decks})", note_type_id
    )
    return {duplicate_key(str(flds).split("\x1f", 1)[0]) for flds in rows}


class WordListNotes(DataProvider):
    """The rows of a word list as source notes of one note type (note ids are minus the row number:
    the notes do not exist yet). Rows whose mapped cells are all empty are passed over."""

    def __init__(
        self, word_list: WordList, *, note_type: str, fields: Sequence[str], mapping: Mapping[str, str]
    ) -> None:
        self.word_list = word_list
        self.note_type = note_type
        self.fields = list(fields)
        self.mapping = dict(mapping)
        self.empty_rows = 0

    def describe(self) -> str:
        return f"the rows of {self.word_list.path.name}"

    def rows(self) -> Iterator[tuple[WordRow, dict[str, str]]]:
        """Each row with the field values it gives (every field of the note type, "" when unmapped;
        line breaks as ``<br>``)."""
        self.empty_rows = 0
        for row in self.word_list.rows():
            values = dict.fromkeys(self.fields, "")
            for column, target in self.mapping.items():
                values[target] = field_html(row.values.get(column, ""))
            if not any(value.strip() for value in values.values()):
                self.empty_rows += 1
                continue
            yield row, values

    def notes(self) -> Iterator[SourceNote]:
        for row, values in self.rows():
            yield SourceNote(note_id=-row.number, note_type=self.note_type, fields=values)


@dataclass
class _Prepared:
    source: WordListNotes
    note_type: NotetypeDict
    existing: set[str]


def _prepare(col: Collection, word_list: WordList, options: ImportOptions) -> _Prepared:
    note_type = note_type_named(col, options.note_type)
    fields = field_names(note_type)
    mapping = resolve_mapping(word_list.columns, fields, options.mapping, path=word_list.path.name)
    source = WordListNotes(word_list, note_type=options.note_type, fields=fields, mapping=mapping)
    existing = keys_in_deck(col, note_type_id=int(note_type["id"]), deck_id=col.decks.id_for_name(options.deck))
    return _Prepared(source, note_type, existing)


def check_import(col: Collection, word_list: WordList, options: ImportOptions) -> ImportCheck:
    """Read the whole file (streamed) and say what the import would do; raises `WordListError` at
    the first bad row, `ConfigError` for an unknown note type. Writes nothing."""
    prepared = _prepare(col, word_list, options)
    return _check(prepared, options, word_list)


def _rows_judged(prepared: _Prepared, options: ImportOptions) -> Iterator[tuple[WordRow, dict[str, str], bool]]:
    """Each non-empty row with its field values and whether it is a duplicate: its first field is
    in the deck already, or in an earlier row (never, when duplicates are allowed)."""
    seen = set(prepared.existing)
    first = prepared.source.fields[0]
    for row, values in prepared.source.rows():
        key = duplicate_key(values[first])
        duplicate = key in seen and not options.allow_duplicates
        seen.add(key)
        yield row, values, duplicate


def _check(prepared: _Prepared, options: ImportOptions, word_list: WordList) -> ImportCheck:
    source = prepared.source
    check = ImportCheck(mapping=dict(source.mapping))
    check.unused_columns = [c for c in word_list.columns if c not in source.mapping]
    for row, _values, duplicate in _rows_judged(prepared, options):
        check.rows += 1
        if duplicate:
            check.duplicates += 1
            if len(check.duplicate_rows) < DUPLICATE_ROWS_KEPT:
                check.duplicate_rows.append(row.number)
            continue
        check.to_create += 1
        if row.short:
            check.short_rows += 1
            if len(check.short_row_numbers) < DUPLICATE_ROWS_KEPT:
                check.short_row_numbers.append(row.number)
    check.empty_rows = source.empty_rows
    check.rows += source.empty_rows
    return check


def import_word_list(
    col: Collection,
    word_list: WordList,
    options: ImportOptions,
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Create a note for every row that is neither empty nor a duplicate, in one undo entry named
    "Import Word List"; all or nothing (see the module docstring). ``on_progress(done, total)``
    is called after each chunk."""
    prepared = _prepare(col, word_list, options)
    check = _check(prepared, options, word_list)
    created: list[int] = []
    if not check.to_create:
        return ImportResult(check=check, created=created, changes=OpChanges())
    position = col.add_custom_undo_entry(UNDO_NAME)
    try:
        deck_id = col.decks.id(options.deck, create=True)
        assert deck_id is not None
        chunk: list[AddNoteRequest] = []
        for _row, values, duplicate in _rows_judged(prepared, options):
            if duplicate:
                continue
            note = col.new_note(prepared.note_type)
            for name, value in values.items():
                note[name] = value
            chunk.append(AddNoteRequest(note=note, deck_id=deck_id))
            if len(chunk) >= CHUNK_NOTES:
                created += _add(col, chunk, position)
                chunk = []
                if on_progress is not None:
                    on_progress(len(created), check.to_create)
        if chunk:
            created += _add(col, chunk, position)
        changes = col.merge_undo_entries(position)
    except BaseException:
        if created:
            col.remove_notes([NoteId(note_id) for note_id in created])
        raise
    if on_progress is not None:
        on_progress(len(created), check.to_create)
    return ImportResult(check=check, created=created, changes=changes)


def _add(col: Collection, requests: list[AddNoteRequest], position: int) -> list[int]:
    col.add_notes(requests)
    col.merge_undo_entries(position)
    return [int(request.note.id) for request in requests]
