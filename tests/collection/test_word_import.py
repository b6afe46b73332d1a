"""Word lists into notes on a real collection: the right fields in the right deck, one undo entry,
duplicates against the deck left out, bad files and bad mappings refused with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.word_import import (
    UNDO_NAME,
    ImportOptions,
    WordListNotes,
    check_import,
    import_word_list,
)
from addon.core.base.errors import ConfigError
from addon.core.job.plan import SourceNote
from addon.core.provider_system.data_provider import MemoryNotes
from addon.core.text.word_list import WordListError, open_word_list
from devtools.sample_deck import ENGLISH_TYPE, add_sample_notes

DECK = "Imported words"


def write_csv(path: Path, rows: list[tuple[str, str]], header: str = "Front,Back") -> Path:
    lines = [header] + [f'"{front}","{back}"' for front, back in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def notes_in(col: Collection, deck: str) -> dict[str, str]:
    """Front → Back of the notes in ``deck``."""
    out = {}
    for note_id in col.find_notes(f'"deck:{deck}"'):
        note = col.get_note(NoteId(note_id))
        out[note["Front"]] = note["Back"]
    return out


@pytest.fixture
def sample(col: Collection) -> Collection:
    add_sample_notes(col)
    return col


def test_a_1000_row_csv_becomes_notes_in_the_deck_in_one_undo_entry(sample: Collection, tmp_path: Path) -> None:
    col = sample
    words = [(f"word {i}", f"meaning {i}, with a comma") for i in range(1000)]
    word_list = open_word_list(write_csv(tmp_path / "words.csv", words))
    before = col.note_count()

    result = import_word_list(col, word_list, ImportOptions(note_type=ENGLISH_TYPE, deck=DECK))

    assert len(result.created) == 1000 and result.check.duplicates == 0
    assert notes_in(col, DECK) == dict(words)
    note = col.get_note(NoteId(result.created[0]))
    note_type = note.note_type()
    assert note_type is not None and note_type["name"] == ENGLISH_TYPE and note["Audio"] == "" and note["Picture"] == ""
    assert col.undo_status().undo == UNDO_NAME
    col.undo()
    assert col.note_count() == before and col.decks.id_for_name(DECK) is None, "one undo takes it all back"


def test_a_json_list_with_a_mapping(sample: Collection, tmp_path: Path) -> None:
    col = sample
    items = [{"word": "el gato", "english": "cat", "n": 1}, {"word": "el perro", "english": "dog", "n": 2}]
    path = tmp_path / "words.json"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    options = ImportOptions(note_type=ENGLISH_TYPE, deck=DECK, mapping={"word": "Front", "english": "Back"})

    result = import_word_list(col, open_word_list(path), options)

    assert len(result.created) == 2 and notes_in(col, DECK) == {"el gato": "cat", "el perro": "dog"}
    assert result.check.unused_columns == ["n"]


def test_reimporting_reports_duplicates_and_adds_none(sample: Collection, tmp_path: Path) -> None:
    col = sample
    path = write_csv(tmp_path / "words.csv", [("apple", "a fruit"), ("<b>pear</b>", "another"), ("apple", "again")])
    first = import_word_list(col, open_word_list(path), ImportOptions(note_type=ENGLISH_TYPE, deck=DECK))
    # rows are counted from the first row after the header, as the import preview shows them
    assert len(first.created) == 2 and first.check.duplicates == 1 and first.check.duplicate_rows == [3]
    count = col.note_count()

    second = import_word_list(col, open_word_list(path), ImportOptions(note_type=ENGLISH_TYPE, deck=DECK))

    assert second.created == [] and second.check.duplicates == 3 and col.note_count() == count
    allowed = import_word_list(
        col, open_word_list(path), ImportOptions(note_type=ENGLISH_TYPE, deck=DECK, allow_duplicates=True)
    )
    assert len(allowed.created) == 3, "asked to, it adds them"


def test_the_same_words_in_another_deck_are_not_duplicates(sample: Collection, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "words.csv", [("apple", "a fruit")])  # the sample deck has "apple" too
    result = import_word_list(sample, open_word_list(path), ImportOptions(note_type=ENGLISH_TYPE, deck=DECK))
    assert len(result.created) == 1
    into_sample = import_word_list(
        sample, open_word_list(path), ImportOptions(note_type=ENGLISH_TYPE, deck="Media Fill Sample")
    )
    assert into_sample.created == [] and into_sample.check.duplicates == 1


@pytest.mark.parametrize(
    ("content", "options", "expected"),
    [
        ('Front,Back\n"a","b"\n"c","d","e"\n', {}, ("row 2 (line 3)", "3 cells", "header has 2")),
        ("apple,a fruit\npear,another\n", {}, ("field names", "'apple'")),
        ("Front,Back\napple,fruit\n", {"mapping": {"Front": "Word"}}, ("no field 'Word'", "Front, Back, Picture")),
        ("Front,Back\napple,fruit\n", {"mapping": {"Wort": "Front"}}, ("no column 'Wort'",)),
        ("Back\nfruit\n", {}, ("no column fills 'Front'",)),
        ("", {}, ("is empty",)),
    ],
    ids=["ragged", "missing-header", "unknown-field", "unknown-column", "no-first-field", "empty"],
)
def test_bad_files_and_mappings_change_nothing(
    sample: Collection, tmp_path: Path, content: str, options: dict[str, object], expected: tuple[str, ...]
) -> None:
    path = tmp_path / "words.csv"
    path.write_text(content, encoding="utf-8")
    count, modified = sample.note_count(), sample.mod

    with pytest.raises(WordListError) as raised:
        import_word_list(sample, open_word_list(path), ImportOptions(note_type=ENGLISH_TYPE, deck=DECK, **options))  # type: ignore[arg-type]

    for part in expected:
        assert part in str(raised.value), str(raised.value)
    assert sample.note_count() == count and sample.mod == modified
    assert sample.decks.id_for_name(DECK) is None


def test_a_bad_row_at_the_end_stops_the_import_before_anything_is_written(sample: Collection, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "words.csv", [(f"w{i}", "m") for i in range(1200)])
    with path.open("ab") as handle:
        handle.write(b'"last","row","too many"\n')
    count = sample.note_count()
    with pytest.raises(WordListError, match=r"row 1201 \(line 1202\)"):
        import_word_list(sample, open_word_list(path), ImportOptions(note_type=ENGLISH_TYPE, deck=DECK))
    assert sample.note_count() == count


def test_a_failure_while_adding_removes_what_was_added(sample: Collection, tmp_path: Path) -> None:
    """If the file changes between the check and the import (here: turns ragged after 600 rows),
    the notes already added are removed again."""
    path = write_csv(tmp_path / "words.csv", [(f"w{i}", "m") for i in range(1000)])
    word_list = open_word_list(path)
    real_rows = word_list.rows
    passes = []

    def rows_then_break():  # type: ignore[no-untyped-def]
        passes.append(1)
        for row in real_rows():
            if len(passes) == 2 and row.number == 600:
                raise WordListError("the file changed while it was imported", path="words.csv", row=600)
            yield row

    word_list.rows = rows_then_break  # type: ignore[method-assign]
    count = sample.note_count()
    with pytest.raises(WordListError, match="changed"):
        import_word_list(sample, word_list, ImportOptions(note_type=ENGLISH_TYPE, deck=DECK))
    assert sample.note_count() == count


def test_unknown_note_type_names_the_known_ones(sample: Collection, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "words.csv", [("apple", "fruit")])
    with pytest.raises(ConfigError, match=r"no note type 'Vocab'.*Media Fill Sample"):
        check_import(sample, open_word_list(path), ImportOptions(note_type="Vocab", deck=DECK))


def test_empty_rows_are_skipped_and_counted(sample: Collection, tmp_path: Path) -> None:
    path = tmp_path / "words.csv"
    path.write_text('Front,Back,Level\napple,fruit,1\n"","",2\n  ,,3\npear,fruit,1\n', encoding="utf-8")
    result = import_word_list(sample, open_word_list(path), ImportOptions(note_type=ENGLISH_TYPE, deck=DECK))
    assert len(result.created) == 2 and result.check.empty_rows == 2 and result.check.rows == 4


def test_short_rows_are_imported_with_empty_cells_and_counted(sample: Collection, tmp_path: Path) -> None:
    path = tmp_path / "words.csv"
    # A spreadsheet leaves out a row's trailing empty cells; row 4 repeats row 1, row 5 is too long.
    path.write_text("Front,Back,Level\napple,fruit\npear\nplum,prune,2\napple\nfig,x,1,\n", encoding="utf-8")

    result = import_word_list(sample, open_word_list(path), ImportOptions(note_type=ENGLISH_TYPE, deck=DECK))

    assert notes_in(sample, DECK) == {"apple": "fruit", "pear": "", "plum": "prune", "fig": "x"}
    check = result.check
    assert (check.rows, check.to_create, check.duplicates, check.duplicate_rows) == (5, 4, 1, [4])
    assert (check.short_rows, check.short_row_numbers) == (2, [1, 2]), "the duplicate short row is left out"
    assert result.to_json()["short_rows"] == 2


def test_line_breaks_in_a_cell_become_br_and_html_stays_as_written(sample: Collection, tmp_path: Path) -> None:
    path = tmp_path / "words.csv"
    text = 'Front,Back\n"two\nlines","<b>bold</b>\r\nand <span\nclass=""x"">more</span>\rend"\n'
    path.write_bytes(text.encode())

    result = import_word_list(sample, open_word_list(path), ImportOptions(note_type=ENGLISH_TYPE, deck=DECK))

    assert len(result.created) == 1
    assert notes_in(sample, DECK) == {
        "two<br>lines": '<b>bold</b><br>and <span\nclass="x">more</span><br>end',  # a tag's line break is a space
    }


def test_data_providers_give_note_jobs(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "words.csv", [("apple", "fruit"), ("pear", "also")])
    source = WordListNotes(
        open_word_list(path), note_type="T", fields=["Front", "Back", "Audio"], mapping={"Front": "Front"}
    )
    assert list(source.notes()) == [
        SourceNote(note_id=-1, note_type="T", fields={"Front": "apple", "Back": "", "Audio": ""}),
        SourceNote(note_id=-2, note_type="T", fields={"Front": "pear", "Back": "", "Audio": ""}),
    ]
    memory = MemoryNotes([SourceNote(1, "T", {"Front": "x"})])
    assert list(memory.notes()) == [SourceNote(1, "T", {"Front": "x"})] and "1 notes" in memory.describe()
