"""``python -m addon fill --dry-run``: on the sample deck it says per note type and target field what a
job would make, skip and reuse, and the requests and cost per provider — the same numbers a real run
then has — while it writes nothing (collection, media folder and state folder stay byte for byte)
and the fake providers receive no request at all."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.notes import NoteId

from devtools.sample_deck import ENGLISH_TYPE, SPANISH_TYPE, build_sample_collection
from tests.fakes.openai_fake import TEST_KEY as IMAGE_KEY
from tests.fakes.openai_fake import serve_openai
from tests.fakes.openai_tts_fake import TEST_KEY as SPEECH_KEY
from tests.fakes.openai_tts_fake import serve_openai_tts
from tests.support.cli_runner import run_cli

FAST = {"requests_per_minute": 60000, "max_concurrency": 4, "retry_attempts": 0}
ALL = f'"note:{ENGLISH_TYPE}" OR "note:{SPANISH_TYPE}"'


@pytest.fixture
def fakes() -> Iterator[tuple[Any, Any]]:
    with serve_openai() as images, serve_openai_tts() as speech:
        yield images, speech


def spanish_rule(mode: str) -> dict[str, Any]:
    """The sample deck's Spanish notes: pictures from OpenAI, sounds from OpenAI's speech."""
    return {
        "note_type": SPANISH_TYPE,
        "source_field": "Palabra",
        "image_field": "Imagen",
        "image_providers": ["openai"],
        "audio_field": "Audio",
        "audio_providers": ["openai_tts"],
        "language": "es",
        "mode": mode,
    }


def write_config(tmp_path: Path, fakes: tuple[Any, Any]) -> Path:
    images, speech = fakes
    rules = [
        spanish_rule("skip"),
        {
            "note_type": ENGLISH_TYPE,
            "source_field": "Front",
            "audio_field": "Audio",
            "audio_providers": ["openai_tts"],
            "language": "en",
            "mode": "skip",
        },
    ]
    providers = {
        "image": {
            "openai": {"enabled": True, "api_key": IMAGE_KEY, "base_url": images.url, "price_per_request": 0.04, **FAST}
        },
        "audio": {
            "openai_tts": {
                "enabled": True,
                "api_key": SPEECH_KEY,
                "base_url": speech.url,
                "price_per_request": 0.015,
                **FAST,
            }
        },
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"rules": rules, "providers": providers, "budget_usd": 5}), encoding="utf-8")
    return path


def snapshot(*folders: Path) -> dict[str, str]:
    """Every file under ``folders`` (collection, media, state) → the SHA-1 of its bytes."""
    files = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.exists() else []:
            files[str(path)] = hashlib.sha1(path.read_bytes()).hexdigest() if path.is_file() else "folder"
    return files


def clear_audio(collection: Path, words: list[str]) -> None:
    col = Collection(str(collection))
    try:
        notes = [col.get_note(NoteId(nid)) for nid in col.find_notes(f'"note:{ENGLISH_TYPE}"')]
        chosen = [note for note in notes if note["Front"] in words]
        for note in chosen:
            note["Audio"] = ""
        col.update_notes(chosen)
    finally:
        col.close()


def fill(collection: Path, config: Path, state: Path, search: str, *extra: str) -> Any:
    return run_cli(
        "fill", "--collection", collection, "--search", search, "--config", config, "--state-dir", state, *extra
    )


def test_a_dry_run_counts_what_the_real_run_then_does_and_writes_and_asks_nothing(
    tmp_path: Path, fakes: tuple[Any, Any]
) -> None:
    images, speech = fakes
    collection = tmp_path / "deck" / "collection.anki2"
    build_sample_collection(collection)
    config, state = write_config(tmp_path, fakes), tmp_path / "state"
    # An earlier job filled the English sounds; four were cleared since, so their media can be reused.
    first = fill(collection, config, state, f'"note:{ENGLISH_TYPE}"', "--json")
    assert first.returncode == 0, first.stderr
    clear_audio(collection, ["apple", "mountain", "umbrella", "yesterday"])
    before = snapshot(collection.parent, state)
    requests_before = (len(images.requests), len(speech.requests))

    dry = fill(collection, config, state, ALL, "--dry-run", "--json")

    assert dry.returncode == 0, dry.stderr
    assert snapshot(collection.parent, state) == before, "a dry run writes nothing"
    assert (len(images.requests), len(speech.requests)) == requests_before, "a dry run asks no provider"
    plan = json.loads(dry.stdout)
    rows = {(t["note_type"], t["field"], t["kind"]): (t["make"], t["skipped"], t["reused"]) for t in plan["targets"]}
    assert rows == {
        (SPANISH_TYPE, "Imagen", "image"): (13, 0, 0),
        (SPANISH_TYPE, "Audio", "audio"): (12, 1, 0),
        (ENGLISH_TYPE, "Audio", "audio"): (0, 8, 4),
    }
    assert plan["providers"] == {"openai": {"requests": 13, "usd": 0.52}, "openai_tts": {"requests": 12, "usd": 0.18}}
    assert (plan["requests"], plan["estimated_usd"], plan["budget_usd"]) == (25, 0.7, 5)
    assert plan["dry_run"] is True and plan["refused"] == [] and plan["notes"] == 25

    real = fill(collection, config, state, ALL, "--json")

    assert real.returncode == 0, real.stderr
    report = json.loads(real.stdout)
    assert report["filled"] == sum(make for make, _skipped, _reused in rows.values())
    assert report["skipped"] == sum(skipped for _make, skipped, _reused in rows.values())
    assert report["reused"] == sum(reused for _make, _skipped, reused in rows.values())
    made = (len(images.generation_requests()), len(speech.speech_requests()))
    assert made[0] == plan["providers"]["openai"]["requests"]
    assert made[1] - 12 == plan["providers"]["openai_tts"]["requests"], "12 English sounds came from the first job"
    assert report["estimated_usd"] == plan["estimated_usd"]


def test_a_first_dry_run_creates_no_state_and_sends_no_request(tmp_path: Path, fakes: tuple[Any, Any]) -> None:
    images, speech = fakes
    collection = tmp_path / "deck" / "collection.anki2"
    build_sample_collection(collection)
    config, state = write_config(tmp_path, fakes), tmp_path / "state"
    before = snapshot(collection.parent)

    dry = fill(collection, config, state, ALL, "--dry-run")

    assert dry.returncode == 0, dry.stderr
    assert not state.exists(), "not even the state folder is made"
    assert snapshot(collection.parent) == before
    assert images.requests == [] and speech.requests == []
    lines = dry.stdout.splitlines()
    assert lines[0] == "Dry run over 25 notes: nothing was written and no provider was asked."
    assert f"  {SPANISH_TYPE} › Imagen (picture): 13 to make, 0 skipped, 0 reused" in lines
    assert f"  {ENGLISH_TYPE} › Audio (sound): 12 to make, 0 skipped, 0 reused" in lines
    assert "      skipped: Audio already has a sound (1)" in lines
    assert "  openai_tts: 24 requests, $0.36" in lines
    assert "37 requests, estimated $0.88 (budget $5.00)" in lines


def test_a_dry_run_says_when_the_real_run_would_refuse_and_still_exits_0(
    tmp_path: Path, fakes: tuple[Any, Any]
) -> None:
    collection = tmp_path / "deck" / "collection.anki2"
    build_sample_collection(collection)
    config = write_config(tmp_path, fakes)
    settings = json.loads(config.read_text(encoding="utf-8"))
    settings["providers"]["image"]["openai"]["enabled"] = False
    config.write_text(json.dumps(settings), encoding="utf-8")

    dry = fill(collection, config, tmp_path / "state", ALL, "--dry-run", "--json")
    real = fill(collection, config, tmp_path / "state", ALL, "--json")

    assert dry.returncode == 0, dry.stderr
    (refused,) = json.loads(dry.stdout)["refused"]
    assert "openai is disabled in the settings" in refused
    assert real.returncode == 2 and refused in real.stderr, "the dry run names the real run's reason"


def test_dry_run_needs_a_search_not_a_job_to_resume(tmp_path: Path) -> None:
    collection = tmp_path / "deck" / "collection.anki2"
    build_sample_collection(collection)
    completed = run_cli("fill", "--collection", collection, "--resume", "abc", "--dry-run")
    assert completed.returncode == 2
    assert "--dry-run plans a new job" in completed.stderr


def test_a_dry_run_of_a_rule_with_targets_says_per_target_what_it_would_make(
    tmp_path: Path, fakes: tuple[Any, Any]
) -> None:
    images, speech = fakes
    collection = tmp_path / "deck" / "collection.anki2"
    build_sample_collection(collection)
    config = json.loads(write_config(tmp_path, fakes).read_text(encoding="utf-8"))
    config["rules"] = [
        {
            "note_type": ENGLISH_TYPE,
            "language": "en",
            "targets": [
                {
                    "field": "Audio",
                    "kind": "audio",
                    "source": "{Front}",
                    "providers": ["openai_tts"],
                    "mode": "overwrite",
                },
                {"field": "Picture", "kind": "image", "source": "{Front}: {Back}", "providers": ["openai"]},
            ],
        }
    ]
    path = tmp_path / "targets" / "config.json"
    path.parent.mkdir()
    path.write_text(json.dumps(config), encoding="utf-8")

    dry = fill(collection, path, tmp_path / "state", f'"note:{ENGLISH_TYPE}"', "--dry-run", "--json")

    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout)
    rows = {(t["field"], t["kind"]): (t["make"], t["skipped"]) for t in plan["targets"]}
    assert rows == {("Audio", "audio"): (12, 0), ("Picture", "image"): (12, 0)}
    assert plan["providers"] == {"openai": {"requests": 12, "usd": 0.48}, "openai_tts": {"requests": 12, "usd": 0.18}}
    assert (len(images.requests), len(speech.requests)) == (0, 0)
