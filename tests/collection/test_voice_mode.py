"""Several voices for a target (issue 21 item 3) on a real collection, over real HTTP against the
OpenAI speech fake: ``rotate`` gives three notes three voices, the report says which voice made how
many sounds, a job planned in parts keeps the turns going, and a repeated job finds each note's
sound under the voice it had (reused, nothing asked again)."""

from __future__ import annotations

from typing import Any

import pytest
from anki.collection import Collection

from addon.collection.fill import run_headless
from addon.core.engine import job_parts
from tests.collection.test_targets_fill import _config, _vocab
from tests.fakes.openai_tts_fake import serve_openai_tts
from tests.unit.test_voice_turns import VOICES, in_turn

NOWHERE = "http://127.0.0.1:9"


def _rule(voices: list[str], *, mode: str = "rotate", fill_mode: str = "skip") -> dict[str, Any]:
    target = {
        "field": "Audio",
        "kind": "audio",
        "source": "{Word}",
        "providers": ["openai_tts"],
        "voice": {"openai_tts": voices},
        "voice_mode": mode,
        "mode": fill_mode,
    }
    return {"note_type": "Vocab", "language": "es", "targets": [target]}


def _fill(col: Collection, note_ids: list[int], rule: dict[str, Any], **kwargs: Any) -> tuple[Any, dict[str, str]]:
    with serve_openai_tts() as speech:
        config = _config(rule, speech=speech.url, google=NOWHERE, images=NOWHERE, search=NOWHERE)
        report = run_headless(col, note_ids, config, **kwargs)
        asked = {r.json()["input"]: r.json()["voice"] for r in speech.speech_requests()}
    return report, asked


def test_rotate_gives_three_notes_three_voices_and_the_report_says_which(col: Collection) -> None:
    ids = _vocab(col, {"Word": "uno"}, {"Word": "dos"}, {"Word": "tres"})
    report, asked = _fill(col, ids, _rule(VOICES))
    assert [asked[w] for w in ("uno", "dos", "tres")] == in_turn([asked["uno"]] * 3)
    assert report.filled == 3
    assert report.to_json()["voices"] == {"openai_tts": {"nova": 1, "alloy": 1, "echo": 1}}
    assert any(line.startswith("voices — openai_tts: ") and "alloy 1" in line for line in report.details())


def test_the_turns_run_on_over_a_job_in_parts(col: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(job_parts, "PART_NOTES", 1)
    words = ["uno", "dos", "tres", "cuatro", "cinco", "seis", "siete"]
    ids = _vocab(col, *({"Word": w} for w in words))
    report, asked = _fill(col, ids, _rule(VOICES))
    made = [asked[w] for w in words]
    assert made == in_turn(made), "each part goes on where the one before stopped"
    assert sorted(report.to_json()["voices"]["openai_tts"].values()) == [2, 2, 3]


def test_a_repeated_job_finds_each_notes_sound_under_its_voice(col: Collection, tmp_path: Any) -> None:
    ids = _vocab(col, {"Word": "uno"}, {"Word": "dos"}, {"Word": "tres"})
    state = tmp_path / "state"
    first, _ = _fill(col, ids, _rule(["nova", "alloy"], mode="random"), state_dir=state)
    assert first.filled == 3
    again, asked = _fill(col, ids, _rule(["nova", "alloy"], mode="random", fill_mode="overwrite"), state_dir=state)
    assert asked == {}, "each note asked for the voice it had, whose sound the reuse index holds"
    assert (again.filled, again.failed) == (0, 0)
    assert again.reused + again.skipped == 3, again.skip_reasons
