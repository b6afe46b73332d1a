"""The job's notes read from a real collection (`CollectionNotes`): a query per `READ_AT_ONCE` notes,
giving exactly what ``get_note`` gives (id, note type name, every field by name, in the order asked
for, deleted notes passed over), across query boundaries, note types, edited note types and
fields Anki stores unlike its note type."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.notes import NoteId

from addon.collection import notes_source
from addon.collection.fill import run_headless
from addon.collection.notes_source import CollectionNotes
from addon.core.job.plan import SourceNote
from tests.collection.test_job_streaming import KEY, assert_speaks, echo_config
from tests.support.fake_http import serve
from tests.support.notes_helpers import add_basic, add_note_type
from tests.support.streaming_fakes import SpeechServer

HOSTILE = [
    "apple",
    "<b>un</b>believable &amp; <img src='x.jpg'>",
    "{{c1::猫::cat}} 漢字[かんじ]",
    "",
    "  spaces \t and\nlines  ",
    "emoji 🐈‍⬛ and \u200b zero width",
    "[sound:perro.mp3]",
]


def as_get_note_reads_it(col: Collection, note_id: int) -> SourceNote:
    note = col.get_note(NoteId(note_id))
    note_type = note.note_type()
    return SourceNote(note_id=note_id, note_type=note_type["name"] if note_type else "", fields=dict(note.items()))


def three_field_type(col: Collection) -> Any:
    return add_note_type(col, "Vocab", ["Word", "Sentence", "Audio"], back="Sentence")


def add_vocab(col: Collection, model: Any, *words: str) -> list[int]:
    ids = []
    for word in words:
        note = col.new_note(model)
        note["Word"], note["Sentence"] = word, f"<div>{word}</div><div>second line</div>"
        deck = col.decks.id("Default")
        assert deck is not None
        col.add_note(note, deck)
        ids.append(int(note.id))
    return ids


def test_the_notes_are_what_get_note_gives_in_the_order_asked_deleted_ones_passed_over(
    col: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notes_source, "READ_AT_ONCE", 3)  # several queries, a boundary inside each type
    basic = add_basic(col, *HOSTILE, back="<i>back</i>")
    vocab = add_vocab(col, three_field_type(col), "perro", "gato", "casa", "árbol")
    deleted = basic[2]
    col.remove_notes([NoteId(deleted)])
    asked = [vocab[1], deleted, basic[0], *reversed(basic[3:]), vocab[0], basic[1], *vocab[2:]]

    read = list(CollectionNotes(col, asked).notes())

    assert read == [as_get_note_reads_it(col, note_id) for note_id in asked if note_id != deleted]
    assert [note.note_id for note in read] == [note_id for note_id in asked if note_id != deleted]
    assert read[0].note_type == "Vocab" and read[1].fields == {"Front": "apple", "Back": "<i>back</i>"}


def test_a_field_added_renamed_or_moved_after_the_notes_were_made_reads_by_its_new_name(col: Collection) -> None:
    model = three_field_type(col)
    ids = add_vocab(col, model, "perro")
    models = col.models
    models.rename_field(model, model["flds"][1], "Example")
    models.reposition_field(model, model["flds"][2], 0)
    models.add_field(model, models.new_field("Picture"))
    models.update_dict(model)

    (read,) = CollectionNotes(col, ids).notes()

    assert read == as_get_note_reads_it(col, ids[0])
    assert list(read.fields) == ["Audio", "Word", "Example", "Picture"]
    assert read.fields["Example"] == "<div>perro</div><div>second line</div>" and read.fields["Picture"] == ""


@pytest.mark.parametrize("stored", ["perro\x1fonly two", "perro\x1ftwo\x1fthree\x1fa fourth"])
def test_a_note_stored_unlike_its_type_is_handed_over_damaged_with_the_fix(
    col: Collection, stored: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Anki's ``get_note`` gives such a note, but reading its fields by name raises IndexError and
    saving it is refused: one damaged note stopped the whole job before."""
    ids = add_vocab(col, three_field_type(col), "perro", "gato")
    assert col.db is not None
    col.db.execute("update notes set flds = ? where id = ?", stored, ids[0])  # as a damaged collection holds it

    with caplog.at_level(logging.WARNING):
        first, second = CollectionNotes(col, ids).notes()

    fields = len(stored.split("\x1f"))
    assert first.fields == {} and first.note_type == "Vocab"
    assert first.damage == f"note {ids[0]} stores {fields} fields where its note type 'Vocab' has 3; " + (
        "Tools → Check Database repairs it"
    )
    assert second == as_get_note_reads_it(col, ids[1])
    assert first.damage in caplog.text


def test_a_job_skips_a_damaged_note_with_the_fix_and_fills_the_others(col: Collection, tmp_path: Path) -> None:
    speech = SpeechServer(key=KEY)
    ids = add_basic(col, "apple", "pear", "plum")
    assert col.db is not None
    col.db.execute("update notes set flds = ? where id = ?", "pear", ids[1])  # Back is gone

    with serve(speech) as server:
        report = run_headless(col, ids, echo_config(server.url), state_dir=tmp_path / "state")

    assert (report.filled, report.skipped, report.failed) == (2, 1, 0), report.to_json()
    assert list(report.skip_reasons) == [
        f"note {ids[1]} stores 1 field where its note type 'Basic' has 2; " + ("Tools → Check Database repairs it")
    ]
    assert_speaks(col, ids[0], "apple")
    assert_speaks(col, ids[2], "plum")
    assert speech.snapshot() == Counter({"apple": 1, "plum": 1})
