"""``python -m addon remove``: after a real fill of the sample deck, it takes exactly Media Fill's
pictures and sounds back out of the target fields (the user's own recording and text stay, the
files stay in the media folder), keeps to ``--kind`` and ``--field``, takes a ``tag_notes`` tag off,
and refuses a field none of the notes has before changing anything."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from anki.collection import Collection
from anki.notes import NoteId

from devtools.sample_deck import PREFILLED, SPANISH_TYPE, build_sample_collection
from tests.cli.test_cli_dry_run import FAST, spanish_rule
from tests.fakes.openai_fake import TEST_KEY as IMAGE_KEY
from tests.fakes.openai_fake import serve_openai
from tests.fakes.openai_tts_fake import TEST_KEY as SPEECH_KEY
from tests.fakes.openai_tts_fake import serve_openai_tts
from tests.support.cli_runner import run_cli

SEARCH = f'"note:{SPANISH_TYPE}"'


def spanish_notes(collection: Path) -> dict[str, dict[str, Any]]:
    """Palabra → the note's fields and tags."""
    col = Collection(str(collection))
    try:
        notes = [col.get_note(NoteId(nid)) for nid in col.find_notes(SEARCH)]
        return {note["Palabra"]: {**dict(note.items()), "tags": sorted(note.tags)} for note in notes}
    finally:
        col.close()


def filled_sample(tmp_path: Path) -> tuple[Path, Path]:
    """The sample deck with its Spanish notes filled (pictures and sounds, tagged), and the config."""
    collection = tmp_path / "deck" / "collection.anki2"
    build_sample_collection(collection)
    rule = spanish_rule("append")
    config = tmp_path / "config.json"
    with serve_openai() as images, serve_openai_tts() as speech:
        providers = {
            "image": {"openai": {"enabled": True, "api_key": IMAGE_KEY, "base_url": images.url, **FAST}},
            "audio": {"openai_tts": {"enabled": True, "api_key": SPEECH_KEY, "base_url": speech.url, **FAST}},
        }
        config.write_text(json.dumps({"rules": [rule], "providers": providers, "tag_notes": True}), encoding="utf-8")
        completed = run_cli("fill", "--collection", collection, "--search", SEARCH, "--config", config, "--json")
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["filled"] == 26
    return collection, config


def remove(collection: Path, config: Path, *extra: str) -> Any:
    return run_cli("remove", "--collection", collection, "--search", SEARCH, "--config", config, *extra)


def test_remove_takes_back_only_media_fills_pictures_and_sounds(tmp_path: Path) -> None:
    collection, config = filled_sample(tmp_path)
    filled = spanish_notes(collection)
    casa = filled[PREFILLED[0]]
    assert casa["Audio"].startswith(PREFILLED[2] + " [sound:mf_openai_tts_"), "append mode kept the user's sound"
    assert all(note["tags"] == ["media_fill::openai", "media_fill::openai_tts"] for note in filled.values())
    media = sorted(p.name for p in (collection.parent / "collection.media").iterdir())

    completed = remove(collection, config, "--kind", "audio", "--json")

    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert (result["notes"], result["notes_changed"], result["removed"], result["untagged"]) == (13, 13, 13, 13)
    assert result["targets"] == [
        {"note_type": SPANISH_TYPE, "field": "Audio", "kind": "audio", "notes": 13, "removed": 13}
    ]
    after = spanish_notes(collection)
    assert after[PREFILLED[0]]["Audio"] == PREFILLED[2], "the user's own recording stays"
    assert all(note["Audio"] in ("", PREFILLED[2]) for note in after.values())
    assert all(note["Imagen"] == filled[word]["Imagen"] for word, note in after.items()), "--kind audio only"
    assert all(note["tags"] == ["media_fill::openai"] for note in after.values())
    assert sorted(p.name for p in (collection.parent / "collection.media").iterdir()) == media, "files stay"

    text = remove(collection, config)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines()[0] == (
        "Removed 13 Media Fill pictures and sounds from 13 of 13 notes in one undo step "
        "(Edit → Undo Remove Filled Media in Anki)."
    )
    assert "Tools → Check Media" in text.stdout
    assert all(note["Imagen"] == "" and note["tags"] == [] for note in spanish_notes(collection).values())


def test_remove_refuses_a_field_no_note_has_before_changing_anything(tmp_path: Path) -> None:
    collection, config = filled_sample(tmp_path)
    filled = spanish_notes(collection)

    completed = remove(collection, config, "--field", "Audio", "--field", "Sound")

    assert completed.returncode == 2
    assert "nothing was removed" in completed.stderr and "'Sound'" in completed.stderr
    assert "Audio, Imagen, Palabra, Significado" in completed.stderr
    assert spanish_notes(collection) == filled
    only_audio = remove(collection, config, "--field", "Audio", "--json")
    assert json.loads(only_audio.stdout)["removed"] == 13
    assert all(note["Imagen"] for note in spanish_notes(collection).values())


def test_remove_with_a_bad_search_or_collection_exits_2(tmp_path: Path) -> None:
    collection = tmp_path / "deck" / "collection.anki2"
    build_sample_collection(collection)
    bad_search = run_cli("remove", "--collection", collection, "--search", "deck:(")
    missing = run_cli("remove", "--collection", tmp_path / "none.anki2", "--search", "x")
    assert (bad_search.returncode, missing.returncode) == (2, 2)
    assert "bad search" in bad_search.stderr and "no collection at" in missing.stderr
