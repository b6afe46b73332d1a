"""``python -m addon fill … --dry-run`` with a transcript target (issue 22): it counts the
transcripts to make, skip and fail, prices them per minute of sound (read from the files), writes
nothing and asks nothing; the real run then fills them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from anki.collection import Collection
from anki.notes import NoteId

from addon.core.media.audio_duration import audio_duration
from tests.cli.test_cli_dry_run import snapshot
from tests.fakes.openai_stt_fake import TEST_KEY, serve_openai_stt
from tests.support.cli_runner import run_cli
from tests.support.notes_helpers import add_basic

PRICE_PER_MINUTE = 0.006


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="needs espeak-ng to say the sounds")
def test_a_dry_run_counts_and_prices_transcripts_and_writes_nothing(tmp_path: Path) -> None:
    collection = tmp_path / "deck" / "collection.anki2"
    collection.parent.mkdir()
    col = Collection(str(collection))
    try:
        sounds = {}
        for word in ("uno", "dos"):
            wav = tmp_path / f"{word}.wav"
            subprocess.run(["espeak-ng", "-v", "es", "-w", str(wav), word], check=True, capture_output=True)
            sounds[word] = wav.read_bytes()
            col.media.write_data(f"{word}.wav", sounds[word])
        notes = add_basic(col, "[sound:uno.wav]", "[sound:dos.wav]", "[sound:gone.wav]", "no sound", back="")
    finally:
        col.close()
    seconds = sum(audio_duration(data) or 0 for data in sounds.values())
    state = tmp_path / "state"
    with serve_openai_stt() as stt:
        for word, data in sounds.items():
            stt.say(data, word)
        settings = {
            "enabled": True,
            "api_key": TEST_KEY,
            "base_url": stt.url,
            "price_per_minute": PRICE_PER_MINUTE,
            "retry_attempts": 0,
        }
        target = {"field": "Back", "kind": "text", "source": "{Front}", "providers": ["openai_stt"]}
        config = tmp_path / "config.json"
        config.write_text(
            json.dumps(
                {
                    "rules": [{"note_type": "Basic", "language": "es", "targets": [target]}],
                    "providers": {"text": {"openai_stt": settings}},
                }
            ),
            encoding="utf-8",
        )
        args: list[str | Path] = [
            "fill",
            "--collection",
            collection,
            "--search",
            "note:Basic",
            "--config",
            config,
            "--state-dir",
            state,
        ]
        before = snapshot(collection.parent, state)

        dry = run_cli(*args, "--dry-run", "--json")

        assert dry.returncode == 0, dry.stderr
        assert snapshot(collection.parent, state) == before, "a dry run writes nothing"
        assert stt.transcription_forms() == [], "a dry run asks nothing"
        plan = json.loads(dry.stdout)
        (row,) = plan["targets"]
        assert (row["kind"], row["make"], row["skipped"], row["failing"]) == ("text", 2, 1, 1)
        assert row["skip_reasons"] == {"Front has no sound to transcribe": 1}
        (why,) = row["failure_reasons"]
        assert "Front plays gone.wav, which is not in the media folder" in why
        assert plan["providers"]["openai_stt"]["requests"] == 2
        assert plan["estimated_usd"] == pytest.approx(PRICE_PER_MINUTE * seconds / 60, abs=1e-6)
        text = run_cli(*args, "--dry-run")
        assert "would fail: Front plays gone.wav" in text.stdout

        real = run_cli(*args, "--json")

    report = json.loads(real.stdout)
    assert (report["filled"], report["skipped"], report["failed"]) == (2, 1, 1), real.stderr
    col = Collection(str(collection))
    try:
        assert [col.get_note(NoteId(n))["Back"] for n in notes] == ["uno", "dos", "", ""]
    finally:
        col.close()
