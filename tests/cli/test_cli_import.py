"""``python -m addon import``: a 1,000-row CSV and a JSON list become notes in the right deck and are
filled in one command against the OpenAI fakes; a second import reports duplicates and adds none;
each bad file exits 2 with its row and column and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.notes import NoteId

from addon.core.media.checks import sniff_audio, sniff_image
from devtools.sample_deck import ENGLISH_TYPE, build_sample_collection
from tests.fakes.openai_fake import TEST_KEY as IMAGE_KEY
from tests.fakes.openai_fake import serve_openai
from tests.fakes.openai_tts_fake import TEST_KEY as SPEECH_KEY
from tests.fakes.openai_tts_fake import serve_openai_tts
from tests.support.cli_runner import run_cli

DECK = "Imported"
FAST = {"requests_per_minute": 60000, "max_concurrency": 4, "retry_attempts": 0}


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[Any, Any]]:
    with serve_openai() as images, serve_openai_tts() as speech:
        yield images, speech


def config_file(tmp_path: Path, fakes: tuple[Any, Any], *, images: bool) -> Path:
    image_fake, speech_fake = fakes
    rule = {
        "note_type": ENGLISH_TYPE,
        "source_field": "Front",
        "audio_field": "Audio",
        "audio_providers": ["openai_tts"],
        "image_field": "Picture" if images else "",
        "image_providers": ["openai"] if images else [],
        "language": "en",
    }
    config = {
        "rules": [rule],
        "providers": {
            "image": {"openai": {"enabled": True, "api_key": IMAGE_KEY, "base_url": image_fake.url, **FAST}},
            "audio": {"openai_tts": {"enabled": True, "api_key": SPEECH_KEY, "base_url": speech_fake.url, **FAST}},
        },
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def deck_notes(collection: Path) -> dict[str, list[str]]:
    """Front → all fields of the notes in the imported deck."""
    col = Collection(str(collection))
    try:
        notes = [col.get_note(NoteId(nid)) for nid in col.find_notes(f'"deck:{DECK}"')]
        return {note["Front"]: list(note.fields) for note in notes}
    finally:
        col.close()


def import_cli(collection: Path, words: Path, *extra: str | Path) -> tuple[int, dict[str, Any], str]:
    completed = run_cli(
        "import", "--collection", collection, "--file", words, "--note-type", ENGLISH_TYPE, "--deck", DECK,
        "--json", *extra,
    )  # fmt: skip
    report = json.loads(completed.stdout) if completed.stdout.strip() else {}
    return completed.returncode, report, completed.stderr


def test_a_1000_row_csv_is_imported_and_filled_in_one_command_then_reimport_adds_none(
    tmp_path: Path, fakes: tuple[Any, Any]
) -> None:
    images, speech = fakes
    images.reset()
    speech.reset()
    collection = tmp_path / "collection.anki2"
    build_sample_collection(collection)
    words = tmp_path / "words.csv"
    rows = [(f"word{i}", f"meaning {i}") for i in range(1000)]
    words.write_text("Front,Back\n" + "".join(f"{f},{b}\n" for f, b in rows), encoding="utf-8")
    config = config_file(tmp_path, fakes, images=False)

    code, report, stderr = import_cli(collection, words, "--fill", "--config", config)

    assert code == 0, stderr
    assert report["created"] == 1000 and report["duplicates"] == 0
    assert {"filled", "skipped", "reused", "failed", "errors", "job_id"} <= set(report)
    assert (report["filled"], report["failed"]) == (1000, 0)
    notes = deck_notes(collection)
    assert {front: fields[1] for front, fields in notes.items()} == dict(rows)
    media = Path(report["media_dir"])
    for fields in notes.values():
        assert fields[3].startswith("[sound:"), fields
    sample = next(iter(notes.values()))[3].removeprefix("[sound:").removesuffix("]")
    assert sniff_audio((media / sample).read_bytes()) == "mp3"
    assert len(speech.speech_requests()) == 1000

    code, again, stderr = import_cli(collection, words, "--fill", "--config", config)
    assert code == 0, stderr
    assert (again["created"], again["duplicates"], again["filled"]) == (0, 1000, 0)
    assert len(deck_notes(collection)) == 1000
    assert len(speech.speech_requests()) == 1000, "nothing was asked for again"


def test_a_json_list_with_mapped_keys_gets_pictures_and_sound(tmp_path: Path, fakes: tuple[Any, Any]) -> None:
    images, speech = fakes
    images.reset()
    speech.reset()
    collection = tmp_path / "collection.anki2"
    build_sample_collection(collection)
    words = tmp_path / "words.json"
    items = [{"palabra": f"la cosa {i}", "meaning": f"thing {i}", "level": i % 3} for i in range(30)]
    words.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    config = config_file(tmp_path, fakes, images=True)

    code, report, stderr = import_cli(
        collection, words, "--map", "palabra=Front", "--map", "meaning=Back", "--fill", "--config", config
    )

    assert code == 0, stderr
    assert (report["created"], report["filled"], report["failed"]) == (30, 60, 0)
    notes = deck_notes(collection)
    assert notes["la cosa 7"][1] == "thing 7"
    name = notes["la cosa 7"][2].split('src="')[1].split('"')[0]
    assert sniff_image((Path(report["media_dir"]) / name).read_bytes()) is not None


def test_short_rows_are_imported_with_empty_cells_and_counted(tmp_path: Path) -> None:
    collection = tmp_path / "collection.anki2"
    build_sample_collection(collection)
    words = tmp_path / "words.csv"
    # What a spreadsheet exports when the last cells of a row are empty; row 3 repeats row 1.
    words.write_text('Front,Back\napple\npear,"a fruit\nthat is sweet"\napple,again\nplum\n', encoding="utf-8")

    code, report, stderr = import_cli(collection, words)

    assert code == 0, stderr
    assert (report["created"], report["duplicates"], report["duplicate_rows"]) == (3, 1, [3])
    assert (report["short_rows"], report["short_row_numbers"]) == (2, [1, 4])
    notes = deck_notes(collection)
    assert {front: fields[1] for front, fields in notes.items()} == {
        "apple": "",
        "pear": "a fruit<br>that is sweet",
        "plum": "",
    }
    words.write_text("Front,Back\nfig\n", encoding="utf-8")
    completed = run_cli(
        "import", "--collection", collection, "--file", words, "--note-type", ENGLISH_TYPE, "--deck", DECK
    )
    assert completed.returncode == 0, completed.stderr
    assert "Imported 1 notes into 'Imported' (0 duplicates left out, 1 short rows with their missing cells empty)" in (
        completed.stdout
    )
    assert "short rows at rows 1 (row 1: the first after the header)" in completed.stdout


@pytest.mark.parametrize(
    ("name", "content", "extra", "expected"),
    [
        ("ragged.csv", b"Front,Back\na,b\nc,d,e\n", (), ("row 2 (line 3)", "has 3 cells; the header has 2")),
        ("no-header.csv", b"apple,a fruit\npear,another\n", (), ("first row", "field names")),
        ("unknown-field.csv", b"Front,Back\na,b\n", ("--map", "Front=Wort"), ("no field 'Wort'",)),
        ("empty.csv", b"", (), ("is empty",)),
        (
            "latin1.csv",
            "Front,Back\ncafé,coffee\n".encode("cp1252"),
            ("--encoding", "utf-8"),
            ("row 1 (line 2)", "UTF-8"),
        ),
        ("broken.json", b'[{"Front": "a"}, {"Front": "b",]', (), ("row 2", "JSON")),
        ("bad-map", b"Front,Back\na,b\n", ("--map", "FrontOnly"), ("COLUMN=FIELD",)),
    ],
)
def test_each_bad_file_exits_2_naming_where_and_changes_nothing(
    tmp_path: Path, name: str, content: bytes, extra: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    collection = tmp_path / "collection.anki2"
    build_sample_collection(collection)
    words = tmp_path / (name if "." in name else f"{name}.csv")
    words.write_bytes(content)

    code, report, stderr = import_cli(collection, words, *extra)

    assert code == 2 and report == {}
    for part in expected:
        assert part.lower() in stderr.lower(), stderr
    assert "Traceback" not in stderr
    col = Collection(str(collection))
    try:
        assert col.note_count() == 25 and col.decks.id_for_name(DECK) is None, "something was imported"
    finally:
        col.close()
