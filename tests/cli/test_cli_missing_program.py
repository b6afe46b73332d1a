"""``python -m addon fill`` when a rule's offline program is missing (issue 18, item 3): espeak-ng
not installed is a setup problem found when the plan is made. With no other provider the command
exits 2 naming the fix and writes nothing (no media, no note change, no journal, no reuse index);
with another provider in the rule, that one makes the sound. A job where everything failed is
summed up as failed, not "done"."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from devtools.sample_deck import DECK, DEMO_RULES, ENGLISH_TYPE, build_sample_collection
from tests.cli.test_cli import fill, snapshot, write_json
from tests.support.cli_runner import run_cli
from tests.support.streaming_fakes import STREAMING_MODULES


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    path = tmp_path / "profile" / "collection.anki2"
    build_sample_collection(path)
    return path


def path_without_espeak(tmp_path: Path) -> str:
    """A PATH that holds no espeak-ng (only an empty folder): the installed one is not found."""
    empty = tmp_path / "bin-without-espeak"
    empty.mkdir(exist_ok=True)
    assert shutil.which("espeak-ng", path=str(empty)) is None
    return str(empty)


@pytest.mark.parametrize("how", ["binary setting", "PATH"])
def test_no_provider_can_run_exits_2_naming_the_fix_and_writes_nothing(
    collection: Path, tmp_path: Path, how: str
) -> None:
    espeak: dict[str, str] = {}
    env: dict[str, str] = {}
    if how == "binary setting":
        espeak["binary"] = str(tmp_path / "nowhere" / "espeak-ng")
    else:
        env["PATH"] = path_without_espeak(tmp_path)
    config = write_json(tmp_path / "config.json", {"rules": DEMO_RULES, "providers": {"audio": {"espeak": espeak}}})
    state = tmp_path / "state"
    before = snapshot(collection)

    completed = run_cli(
        "fill", "--collection", collection, "--search", "deck:*", "--config", config, "--state-dir", state, env=env
    )

    assert completed.returncode == 2, completed.stdout + completed.stderr
    message = completed.stderr
    assert message.startswith("media-fill: nothing was done: no sound provider of the rule can make its")
    assert "espeak cannot run" in message
    if how == "binary setting":
        assert f"the program {espeak['binary']!r} named by providers.audio.espeak.binary does not exist" in message
    else:
        assert "espeak-ng is not installed (no program 'espeak-ng' on PATH)" in message
    assert "sudo apt install espeak-ng" in message and "set providers.audio.espeak.binary" in message
    assert completed.stdout == ""
    assert snapshot(collection) == before, "no media and no note changed"
    assert not state.exists() or not any(state.iterdir()), "no journal, no reuse index"


def test_the_rules_next_provider_makes_the_sound_when_espeak_is_missing(collection: Path, tmp_path: Path) -> None:
    rules = [
        {**rule, "targets": [{**rule["targets"][0], "providers": ["espeak", "instant_speech"]}]} for rule in DEMO_RULES
    ]
    config = write_json(
        tmp_path / "config.json",
        {
            "rules": rules,
            "provider_modules": STREAMING_MODULES,
            "providers": {"audio": {"espeak": {"binary": str(tmp_path / "nowhere" / "espeak-ng")}}},
        },
    )

    completed = fill(collection, "--config", config, "--json")

    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert (report["filled"], report["failed"]) == (24, 0)
    assert "espeak-ng" in report["provider_problems"]["espeak"]
    assert report["estimated_usd"] == 0


def test_a_job_where_everything_failed_is_summed_up_as_failed(collection: Path, tmp_path: Path) -> None:
    broken = tmp_path / "espeak-ng"  # found, so the job runs; every call fails
    broken.write_text("#!/bin/sh\nexit 3\n", encoding="utf-8")
    broken.chmod(0o755)
    config = write_json(
        tmp_path / "config.json", {"rules": DEMO_RULES, "providers": {"audio": {"espeak": {"binary": str(broken)}}}}
    )

    completed = fill(collection, "--config", config)

    assert completed.returncode == 1
    assert completed.stdout.startswith("Fill Media failed: 0 filled, 0 reused, 1 skipped, 24 failed")
    assert "done" not in completed.stdout.splitlines()[0]


def test_import_with_fill_imports_nothing_when_no_provider_of_the_rule_can_run(
    collection: Path, tmp_path: Path
) -> None:
    """``import --fill`` checks the note type's rule first: notes it could not fill are not made."""
    nowhere = str(tmp_path / "nowhere" / "espeak-ng")
    config = write_json(
        tmp_path / "config.json", {"rules": DEMO_RULES, "providers": {"audio": {"espeak": {"binary": nowhere}}}}
    )
    words = tmp_path / "words.csv"
    words.write_text("Front,Back\nzebra,a striped animal\n", encoding="utf-8")
    before = snapshot(collection)

    completed = run_cli(
        "import", "--collection", collection, "--file", words, "--note-type", ENGLISH_TYPE, "--deck", DECK,
        "--config", config, "--fill", "--state-dir", tmp_path / "state",
    )  # fmt: skip

    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert completed.stderr.startswith("media-fill: nothing was imported, as the new notes could not be filled:")
    assert "espeak cannot run" in completed.stderr and "providers.audio.espeak.binary" in completed.stderr
    assert snapshot(collection) == before, "no note was imported"
