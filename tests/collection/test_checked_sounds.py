"""Checked sounds on a real collection over real HTTP: the OpenAI speech fake answers "perro" with
the sound of "gato", the OpenAI transcription fake hears each sound by its bytes' hash, and the
target's ``on_mismatch`` decides: the next provider's sound (Google's, which says "perro") is
stored, the doubtful sound is kept and listed with what was heard, or the target fails naming it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.fill import run_headless
from addon.collection.plan_summary import summarize_plan
from addon.core.job.report import JobReport
from addon.core.media.audio_duration import audio_duration
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.registry import ProviderRegistry
from devtools.sample_deck import ENGLISH_TYPE, add_sample_notes
from tests.fakes.google_tts_fake import TEST_KEY as GOOGLE_KEY
from tests.fakes.google_tts_fake import GoogleTTSFake, serve_google_tts
from tests.fakes.openai_stt_fake import TEST_KEY as STT_KEY
from tests.fakes.openai_stt_fake import OpenAISTTFake, serve_openai_stt, server_error
from tests.fakes.openai_tts_fake import TEST_KEY as SPEECH_KEY
from tests.fakes.openai_tts_fake import OpenAITTSFake, serve_openai_tts
from tests.support.media_samples import silent_mp3
from tests.support.notes_helpers import add_basic

FAST = {"requests_per_minute": 6000, "retry_attempts": 0}
# Three different sounds (different bytes, so different hashes for the transcription fake).
GATO_SOUND, PERRO_SOUND, CASA_SOUND = silent_mp3(11), silent_mp3(12), silent_mp3(13)
HEARD = {GATO_SOUND: "Gato.", PERRO_SOUND: "¡Perro!", CASA_SOUND: "la casa"}


@dataclass
class Fakes:
    speech: OpenAITTSFake
    google: GoogleTTSFake
    ears: OpenAISTTFake


@contextmanager
def fakes() -> Iterator[Fakes]:
    with serve_openai_tts() as speech, serve_google_tts() as google, serve_openai_stt() as ears:
        speech.text_payloads = {"perro": GATO_SOUND, "casa": CASA_SOUND}  # "perro" gets gato's sound
        google.audio["MP3"] = PERRO_SOUND
        ears.transcripts = {hashlib.sha1(sound).hexdigest(): text for sound, text in HEARD.items()}
        yield Fakes(speech, google, ears)


def _config(f: Fakes, **check: Any) -> dict[str, Any]:
    target = {
        "field": "Audio",
        "kind": "audio",
        "source": "{Front}",
        "providers": ["openai_tts", "google_tts"],
        "verify_with": "openai_stt",
        **check,
    }
    return load_config(
        {
            "rules": [{"note_type": ENGLISH_TYPE, "language": "es", "targets": [target]}],
            "providers": {
                "audio": {
                    "openai_tts": {"enabled": True, "api_key": SPEECH_KEY, "base_url": f.speech.url, **FAST},
                    "google_tts": {
                        "enabled": True,
                        "api_key": GOOGLE_KEY,
                        "base_url": f.google.url,
                        "voices": {"es": "es-ES-Standard-A"},
                        **FAST,
                    },
                },
                "text": {"openai_stt": {"enabled": True, "api_key": STT_KEY, "base_url": f.ears.url, **FAST}},
            },
        }
    )


@dataclass
class Sent:
    """What the fakes were asked: Google's texts, and each sound heard with its language."""

    google: list[str]
    heard: list[tuple[bytes, str]]


def _fill(col: Collection, **check: Any) -> tuple[JobReport, dict[str, int], Sent]:
    add_sample_notes(col)
    perro, casa = add_basic(col, "perro", "casa", note_type=ENGLISH_TYPE)
    with fakes() as f:
        report = run_headless(col, [perro, casa], _config(f, **check))
        sent = Sent(
            google=sorted(r.json()["input"]["text"] for r in f.google.synthesize_requests()),
            heard=sorted((form.file, form.fields.get("language", "")) for form in f.ears.transcription_forms()),
        )
    return report, {"perro": perro, "casa": casa}, sent


def _stored(col: Collection, note_id: int) -> bytes:
    field = col.get_note(NoteId(note_id))["Audio"]
    assert field.startswith("[sound:"), field
    name = field.removeprefix("[sound:").removesuffix("]")
    with open(f"{col.media.dir()}/{name}", "rb") as file:
        return file.read()


def test_a_sound_saying_another_word_is_caught_and_the_next_providers_sound_is_stored(col: Collection) -> None:
    report, notes, sent = _fill(col)
    assert _stored(col, notes["perro"]) == PERRO_SOUND, "Google's sound, which says perro"
    assert _stored(col, notes["casa"]) == CASA_SOUND, "OpenAI's casa said its word: kept"
    assert sent.google == ["perro"]
    assert sent.heard == sorted((sound, "es") for sound in HEARD), "each sound made was heard once, in Spanish"
    assert (report.filled, report.failed, report.sounds_matched, report.doubtful_count) == (2, 0, 2, 0)


def test_with_keep_the_doubtful_sound_is_kept_and_listed_with_what_was_heard(col: Collection) -> None:
    report, notes, sent = _fill(col, on_mismatch="keep")
    assert _stored(col, notes["perro"]) == GATO_SOUND
    assert sent.google == []
    assert (report.filled, report.failed, report.sounds_matched, report.doubtful_count) == (2, 0, 1, 1)
    [doubtful] = report.to_json()["doubtful_sounds"]
    assert doubtful["note_id"] == notes["perro"] and doubtful["field"] == "Audio"
    assert (doubtful["expected"], doubtful["heard"], doubtful["provider"]) == ("perro", "Gato.", "openai_tts")
    assert doubtful["checked_by"] == "openai_stt" and doubtful["checked"] is True
    json.dumps(report.to_json())  # the CLI prints it
    assert any("'perro' heard as 'Gato.'" in line for line in report.details())


def test_with_fail_the_target_fails_naming_what_was_heard(col: Collection) -> None:
    report, notes, sent = _fill(col, on_mismatch="fail")
    assert col.get_note(NoteId(notes["perro"]))["Audio"] == ""
    assert sent.google == []
    assert (report.filled, report.failed) == (1, 1)
    [error] = report.errors
    assert error.note_id == notes["perro"] and error.field == "Audio"
    assert "'Gato.'" in error.message and "'perro'" in error.message


def test_a_transcription_that_fails_keeps_the_sound_marked_not_checked(col: Collection) -> None:
    add_sample_notes(col)
    (perro,) = add_basic(col, "perro", note_type=ENGLISH_TYPE)
    with fakes() as f:
        f.ears.fail_always(server_error(500))  # every transcription fails
        report = run_headless(col, [perro], _config(f))
    assert _stored(col, perro) == GATO_SOUND, "not heard, so not known to be wrong: kept"
    assert (report.filled, report.failed, report.doubtful_count) == (1, 0, 1)
    [sound] = report.doubtful
    assert not sound.checked and "openai_stt" in sound.reason
    assert "not checked" in sound.line()


def test_the_dry_run_and_the_estimate_count_one_check_per_sound_priced_per_minute(col: Collection) -> None:
    add_sample_notes(col)
    notes = add_basic(col, "perro", "casa", note_type=ENGLISH_TYPE)
    with fakes() as f:
        config = _config(f)
        config["providers"]["audio"]["openai_tts"]["price_per_request"] = 0.01
        config["providers"]["audio"]["google_tts"]["price_per_request"] = 0.0
        config["providers"]["text"]["openai_stt"]["price_per_minute"] = 0.6  # a cent a second
        summary = summarize_plan(col, notes, config, registry=ProviderRegistry(config), state_dir=None)
        report = run_headless(col, notes, config)
        asked = len(f.ears.transcription_forms())
    assert summary.requests == {"openai_tts": 2, "openai_stt": 2}
    # Each word said takes about a second (`spoken_seconds`): 2 × $0.01.
    assert summary.usd["openai_stt"] == pytest.approx(0.02)
    assert asked == 3, "perro's wrong sound made one more check than the estimate counts"
    assert report.estimated_usd == pytest.approx(summary.total_usd)
    heard_seconds = sum(audio_duration(sound, extension="mp3") or 0 for sound in HEARD)
    assert heard_seconds == pytest.approx(0.94, abs=0.01)
    # The checks are paid from the job's budget per second of the sounds heard.
    assert report.spent_usd == pytest.approx(0.02 + heard_seconds * 0.01)


def test_a_doubtful_sound_is_not_reused_a_later_part_or_job_asks_again_and_lists_it(
    col: Collection, tmp_path: Path
) -> None:
    """A sound kept as doubtful is not remembered for reuse (a matched one is): the next part of the
    job and a later job ask for it again, check it again and list it in their report."""
    add_sample_notes(col)
    perro, casa, perro2, casa2, perro3 = add_basic(
        col, "perro", "casa", "perro", "casa", "perro", note_type=ENGLISH_TYPE
    )
    with fakes() as f:
        config = _config(f, on_mismatch="keep")
        first = run_headless(col, [perro, casa, perro2, casa2], config, state_dir=tmp_path, part_notes=2)
        later = run_headless(col, [perro3], config, state_dir=tmp_path)
        asked = sorted(r.json()["input"] for r in f.speech.speech_requests())
    assert asked == ["casa", "perro", "perro", "perro"], "casa reused in the second part; perro asked each time"
    assert [(d.note_id, d.heard) for d in first.doubtful] == [(perro, "Gato."), (perro2, "Gato.")]
    assert (first.sounds_matched, first.filled, first.reused) == (1, 3, 1)
    assert [(d.note_id, d.heard) for d in later.doubtful] == [(perro3, "Gato.")]
    assert _stored(col, perro3) == GATO_SOUND
