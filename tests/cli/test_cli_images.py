"""Images end to end through the command line: notes filled from the fake Wikimedia Commons with
their credit, then a rule whose first provider (OpenAI) is down, whose breaker opens, and whose
fallback (Openverse) fills every note."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from anki.collection import AddNoteRequest, Collection
from anki.decks import DeckId

from addon.core.media.checks import require_media
from addon.core.media.types import MediaKind
from tests.fakes.openai_fake import TEST_KEY as OPENAI_KEY
from tests.fakes.openai_fake import serve_openai, server_error
from tests.fakes.openverse_fake import serve_openverse
from tests.fakes.wikimedia_fake import CommonsFile, serve_wikimedia
from tests.support.cli_runner import run_cli

WORDS = [f"word{i:02d}" for i in range(20)]
IMG = re.compile(r'<img src="([^"]+)">')


def make_collection(path: Path, words: list[str]) -> None:
    col = Collection(str(path))
    try:
        models = col.models
        model = models.new("Picture words")
        for name in ("Word", "Picture"):
            models.add_field(model, models.new_field(name))
        template = models.new_template("Card 1")
        template["qfmt"] = "{{Word}}"
        template["afmt"] = "{{FrontSide}}<hr id=answer>{{Picture}}"
        models.add_template(model, template)
        models.add(model)
        added = models.by_name("Picture words")
        assert added is not None
        deck = DeckId(col.decks.id("Pictures") or 1)
        requests = []
        for word in words:
            note = col.new_note(added)
            note["Word"] = word
            requests.append(AddNoteRequest(note=note, deck_id=deck))
        col.add_notes(requests)
    finally:
        col.close()


def rule(*providers: str) -> dict[str, Any]:
    return {
        "note_type": "Picture words",
        "source_field": "Word",
        "image_field": "Picture",
        "audio_field": "",
        "image_providers": list(providers),
        "audio_providers": [],
        "image_prompt": "a picture of {text}",
        "mode": "skip",
    }


def fill(collection: Path, config: dict[str, Any], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    return run_cli(
        "fill",
        "--collection",
        collection,
        "--search",
        "deck:Pictures",
        "--config",
        config_file,
        "--json",
        "--state-dir",
        tmp_path / "state",
    )


def clear_pictures(collection: Path) -> None:
    col = Collection(str(collection))
    try:
        notes = [col.get_note(nid) for nid in col.find_notes("deck:Pictures")]
        for note in notes:
            note["Picture"] = ""
        col.update_notes(notes)
    finally:
        col.close()


def pictures(collection: Path) -> dict[str, str]:
    """word → the Picture field's HTML."""
    col = Collection(str(collection))
    try:
        return {col.get_note(nid)["Word"]: col.get_note(nid)["Picture"] for nid in col.find_notes("deck:Pictures")}
    finally:
        col.close()


def assert_images(collection: Path, fields: dict[str, str], *, provider: str) -> None:
    media = collection.parent / "collection.media"
    for word, value in fields.items():
        match = IMG.search(value)
        assert match, f"{word}: no picture in {value!r}"
        name = match.group(1)
        assert name.startswith(f"mf_{provider}_"), name
        data = (media / name).read_bytes()
        require_media(MediaKind.IMAGE, data, extension=name.rsplit(".", 1)[1], provider=provider)


def test_twenty_notes_get_pictures_and_credits_from_wikimedia(tmp_path: Path) -> None:
    collection = tmp_path / "collection.anki2"
    make_collection(collection, WORDS)
    with serve_wikimedia() as commons:
        for word in WORDS:
            commons.add(f"a picture of {word}", CommonsFile(name=f"{word.capitalize()} photo.jpg"))
        config = {
            "rules": [rule("wikimedia")],
            "providers": {
                "image": {"wikimedia": {"enabled": True, "base_url": commons.url, "requests_per_minute": 6000}}
            },
        }
        completed = fill(collection, config, tmp_path)
        first_requests = len(commons.requests)
        # Cleared and filled again: the pictures come from the reuse index, credit included.
        clear_pictures(collection)
        again = fill(collection, config, tmp_path)
        assert len(commons.requests) == first_requests, "reused pictures are not searched for again"
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(completed.stdout)
    assert (report["filled"], report["failed"], report["not_started"]) == (20, 0, 0)
    fields = pictures(collection)
    assert_images(collection, fields, provider="wikimedia")
    for word, value in fields.items():
        assert "<!-- " in value and "CC BY-SA 4.0" in value, f"{word}: the credit is missing from {value!r}"
        assert f"{word.capitalize()} photo" in value
    assert again.returncode == 0, again.stdout + again.stderr
    assert (json.loads(again.stdout)["reused"], json.loads(again.stdout)["filled"]) == (20, 0)


def test_openai_down_opens_its_breaker_and_openverse_fills_every_note(tmp_path: Path) -> None:
    collection = tmp_path / "collection.anki2"
    make_collection(collection, WORDS)
    with serve_openai() as openai, serve_openverse() as openverse:
        openai.fail_always(server_error(500))
        config = {
            "rules": [rule("openai", "openverse")],
            "circuit_breaker": {"failure_threshold": 3, "cooldown_s": 300},
            "providers": {
                "image": {
                    "openai": {
                        "enabled": True,
                        "api_key": OPENAI_KEY,
                        "base_url": openai.url,
                        "retry_attempts": 0,
                        "requests_per_minute": 6000,
                        "max_concurrency": 1,
                    },
                    "openverse": {
                        "enabled": True,
                        "base_url": openverse.url,
                        "requests_per_minute": 6000,
                        "max_concurrency": 2,
                    },
                }
            },
        }
        completed = fill(collection, config, tmp_path)
        openai_calls = len(openai.generation_requests())
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(completed.stdout)
    assert (report["filled"], report["failed"]) == (20, 0)
    assert openai_calls == 3, "after 3 failures in a row the breaker stops calls to openai"
    assert_images(collection, pictures(collection), provider="openverse")
    assert OPENAI_KEY not in completed.stdout + completed.stderr
