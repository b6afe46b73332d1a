"""Audio end to end through the command line: 20 notes filled from the fake Forvo, whose 5 missing
words fall back to the real espeak-ng; every file is audio a real decoder reads, and each Forvo
recording carries its credit."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from anki.collection import AddNoteRequest, Collection
from anki.decks import DeckId

from tests.fakes.forvo_fake import TEST_KEY, serve_forvo
from tests.support.cli_runner import run_cli

WORDS = [f"word{chr(ord('a') + i)}" for i in range(20)]
MISSING = WORDS[3::4]  # 5 words Forvo has no recording of
SOUND = re.compile(r"\[sound:([^\]]+)\]")


def make_collection(path: Path) -> None:
    col = Collection(str(path))
    try:
        model = col.models.by_name("Basic")
        assert model is not None
        deck = DeckId(col.decks.id("Words") or 1)
        requests = []
        for word in WORDS:
            note = col.new_note(model)
            note["Front"] = word
            requests.append(AddNoteRequest(note=note, deck_id=deck))
        col.add_notes(requests)
    finally:
        col.close()


def backs(collection: Path) -> dict[str, str]:
    col = Collection(str(collection))
    try:
        return {col.get_note(nid)["Front"]: col.get_note(nid)["Back"] for nid in col.find_notes("deck:Words")}
    finally:
        col.close()


def decodes(path: Path, tmp_path: Path) -> bool:
    """lame's decoder reads the MP3 back into a WAV."""
    out = tmp_path / f"{path.stem}.wav"
    completed = subprocess.run(["lame", "--quiet", "--decode", str(path), str(out)], check=False)
    return completed.returncode == 0 and out.is_file() and out.stat().st_size > 44


def test_forvo_fills_what_it_has_and_espeak_the_words_it_lacks(tmp_path: Path, mp3_bytes: bytes) -> None:
    collection = tmp_path / "collection.anki2"
    make_collection(collection)
    with serve_forvo(missing=MISSING, mp3=mp3_bytes) as forvo:
        config = {
            "rules": [
                {
                    "note_type": "Basic",
                    "source_field": "Front",
                    "audio_field": "Back",
                    "audio_providers": ["forvo", "espeak"],
                    "language": "en",
                    "mode": "skip",
                }
            ],
            "providers": {
                "audio": {
                    "forvo": {
                        "enabled": True,
                        "api_key": TEST_KEY,
                        "base_url": forvo.url,
                        "requests_per_minute": 6000,
                        "max_concurrency": 4,
                        "counter_file": str(tmp_path / "forvo_counter.json"),
                    }
                }
            },
        }
        config_file = tmp_path / "config.json"
        config_file.write_text(json.dumps(config), encoding="utf-8")
        completed = run_cli(
            "fill", "--collection", collection, "--search", "deck:Words", "--config", config_file, "--json"
        )
        lookups = len(forvo.lookups())
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(completed.stdout)
    assert (report["filled"], report["failed"], report["not_started"]) == (20, 0, 0)
    assert lookups == 20, "each word is looked up once; a missing one is an answer, not retried"
    media = tmp_path / "collection.media"
    for word, back in backs(collection).items():
        match = SOUND.search(back)
        assert match, f"{word}: no sound in {back!r}"
        name = match.group(1)
        provider = "espeak" if word in MISSING else "forvo"
        assert name.startswith(f"mf_{provider}_"), (word, name)
        assert name.endswith(".mp3") and decodes(media / name, tmp_path), name
        if provider == "forvo":
            assert "<!--" in back and "Forvo" in back, f"{word}: the recording's credit is missing"
    assert TEST_KEY not in completed.stdout + completed.stderr
