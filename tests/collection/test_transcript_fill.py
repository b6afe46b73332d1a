"""Transcript targets (issue 22, item 2) on a real collection over real HTTP: a sound spoken by
espeak-ng and encoded to MP3 by the add-on's own converter travels to the ``openai_stt`` fake,
which answers from the bytes it received (the test registers the answer under their hash); the
transcript is written escaped, reused by the sound's hash, resumed, priced per minute, and a
missing file fails its note."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.fill import FillSession, JobOptions, run_headless
from addon.collection.plan_summary import summarize_plan
from addon.core.engine.generation import JobProgress
from addon.core.media.audio_convert import AudioOutput, convert_audio
from addon.core.media.audio_duration import audio_duration
from addon.core.media.types import MediaKind, MediaRequest, MediaResult
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.registry import ProviderRegistry
from tests.fakes.openai_stt_fake import TEST_KEY, OpenAISTTFake, serve_openai_stt
from tests.support.notes_helpers import add_basic

pytestmark = pytest.mark.skipif(
    not shutil.which("espeak-ng") or not (shutil.which("lame") or shutil.which("ffmpeg")),
    reason="needs espeak-ng and lame or ffmpeg to make a real MP3",
)

PRICE_PER_MINUTE = 0.006
TARGET = {"field": "Back", "kind": "text", "source": "{Front}", "providers": ["openai_stt"]}


def spoken_mp3(text: str, tmp_path: Path, *, voice: str = "es") -> bytes:
    """``text`` said by espeak-ng (a WAV), made an MP3 by the add-on's converter."""
    wav = tmp_path / f"said-{abs(hash(text))}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), text], check=True, capture_output=True)
    said = MediaResult(MediaRequest(kind=MediaKind.AUDIO, text=text), "espeak", data=wav.read_bytes(), extension="wav")
    mp3 = convert_audio(said, AudioOutput(audio_format="mp3", keep_unconverted=False))
    assert mp3.extension == "mp3" and mp3.data is not None
    return mp3.data


@pytest.fixture
def stt() -> Iterator[OpenAISTTFake]:
    with serve_openai_stt() as fake:
        yield fake


def config_for(fake: OpenAISTTFake, **target: Any) -> dict[str, Any]:
    settings = {
        "enabled": True,
        "api_key": TEST_KEY,
        "base_url": fake.url,
        "requests_per_minute": 60000,
        "retry_attempts": 0,
        "max_concurrency": 1,
        "price_per_minute": PRICE_PER_MINUTE,
    }
    rule = {"note_type": "Basic", "language": "es", "targets": [{**TARGET, **target}]}
    return load_config({"rules": [rule], "providers": {"text": {"openai_stt": settings}}})


def note_with_sound(col: Collection, data: bytes, name: str) -> int:
    stored = col.media.write_data(name, data)
    (note_id,) = add_basic(col, f"[sound:{stored}]", back="")
    return note_id


def back(col: Collection, note_id: int) -> str:
    return col.get_note(NoteId(note_id))["Back"]


def test_a_transcript_fills_from_a_real_mp3_whose_bytes_reached_the_service_escaped(
    col: Collection, tmp_path: Path, stt: OpenAISTTFake
) -> None:
    mp3 = spoken_mp3("la casa es grande", tmp_path)
    stt.say(mp3, "  la casa es <b>grande</b>\n y  azul & <script>x</script> ")
    note = note_with_sound(col, mp3, "casa.mp3")
    media_before = sorted(os.listdir(col.media.dir()))

    report = run_headless(col, [note], config_for(stt), state_dir=tmp_path / "state")

    (form,) = stt.transcription_forms()
    assert form.file == mp3, "the sound's own bytes were sent"
    assert form.fields["language"] == "es"
    assert (report.filled, report.failed, report.skipped) == (1, 0, 0), report.errors
    assert back(col, note) == "la casa es &lt;b&gt;grande&lt;/b&gt; y azul &amp; &lt;script&gt;x&lt;/script&gt;"
    assert sorted(os.listdir(col.media.dir())) == media_before, "no file is written for a transcript"
    assert report.media_files == []
    assert col.undo_status().undo == "Fill Media", "one undo step"
    col.undo()
    assert back(col, note) == ""


def test_a_later_job_reuses_the_transcript_by_the_sounds_hash_and_asks_nothing(
    col: Collection, tmp_path: Path, stt: OpenAISTTFake
) -> None:
    mp3 = spoken_mp3("el perro", tmp_path)
    stt.say(mp3, "el perro")
    first = note_with_sound(col, mp3, "perro.mp3")
    state = tmp_path / "state"
    run_headless(col, [first], config_for(stt), state_dir=state)
    assert len(stt.transcription_forms()) == 1

    # The same sound under another file name: a transcript follows the bytes, not the name.
    Path(col.media.dir(), "otro.mp3").write_bytes(mp3)
    (second,) = add_basic(col, "[sound:otro.mp3]", back="")
    report = run_headless(col, [second], config_for(stt), state_dir=state)

    assert len(stt.transcription_forms()) == 1, "the second job asked nothing"
    assert (report.reused, report.filled, report.failed) == (1, 0, 0)
    assert back(col, second) == "el perro"


def test_notes_sharing_one_sound_ask_once(col: Collection, tmp_path: Path, stt: OpenAISTTFake) -> None:
    mp3 = spoken_mp3("uno", tmp_path)
    stt.say(mp3, "uno")
    name = col.media.write_data("uno.mp3", mp3)
    notes = add_basic(col, f"[sound:{name}]", f"x [sound:{name}]", back="")
    report = run_headless(col, notes, config_for(stt), state_dir=None)
    assert len(stt.transcription_forms()) == 1
    assert [back(col, n) for n in notes] == ["uno", "uno"]
    assert report.filled + report.reused == 2


def test_a_cancelled_job_resumes_asking_only_for_what_it_had_not_heard(
    col: Collection, tmp_path: Path, stt: OpenAISTTFake
) -> None:
    words = ["uno", "dos", "tres", "cuatro"]
    notes = []
    for word in words:
        mp3 = spoken_mp3(word, tmp_path)
        stt.say(mp3, word)
        notes.append(note_with_sound(col, mp3, f"{word}.mp3"))
    config = {**config_for(stt), "reuse_media": False}  # only the journal carries the job over
    state = tmp_path / "state"
    cancel = threading.Event()

    def on_progress(progress: JobProgress) -> None:
        if progress.done >= 2:
            cancel.set()

    first = run_headless(col, notes, config, state_dir=state, cancel=cancel, on_progress=on_progress, part_notes=1)
    assert first.cancelled and first.job_id
    heard_first = len(stt.transcription_forms())
    assert 2 <= heard_first < len(words)

    second = run_headless(col, notes, config, state_dir=state, options=JobOptions(resume=first.job_id))

    assert len(stt.transcription_forms()) == len(words), "each sound was heard once over both runs"
    assert [back(col, n) for n in notes] == words
    assert second.failed == 0


def test_a_missing_sound_file_fails_its_note_naming_the_field_the_file_and_the_fix(
    col: Collection, tmp_path: Path, stt: OpenAISTTFake
) -> None:
    (gone,) = add_basic(col, "[sound:gone.mp3]", back="")
    (silent,) = add_basic(col, "no sound here", back="")
    report = run_headless(col, [gone, silent], config_for(stt), state_dir=tmp_path / "state")
    assert stt.transcription_forms() == []
    assert (report.failed, report.skipped, report.filled) == (1, 1, 0)
    (failure,) = report.errors
    assert failure.note_id == gone and failure.field == "Back"
    assert "Front plays gone.mp3, which is not in the media folder; put the file back" in failure.message
    assert report.skip_reasons == {"Front has no sound to transcribe": 1}
    assert back(col, gone) == ""


def test_skip_mode_keeps_a_transcript_and_append_adds_after_it(
    col: Collection, tmp_path: Path, stt: OpenAISTTFake
) -> None:
    mp3 = spoken_mp3("hola", tmp_path)
    stt.say(mp3, "hola")
    name = col.media.write_data("hola.mp3", mp3)
    (note,) = add_basic(col, f"[sound:{name}]", back="mine")
    skipped = run_headless(col, [note], config_for(stt), state_dir=None)
    assert skipped.skip_reasons == {"Back already has a transcript": 1} and back(col, note) == "mine"
    run_headless(col, [note], config_for(stt, mode="append"), state_dir=None)
    assert back(col, note) == "mine hola"


def test_overwrite_replaces_an_older_transcript_that_holds_the_new_one_within_its_words(
    col: Collection, tmp_path: Path, stt: OpenAISTTFake
) -> None:
    mp3 = spoken_mp3("hola", tmp_path)
    stt.say(mp3, "hola")
    name = col.media.write_data("hola.mp3", mp3)
    (note,) = add_basic(col, f"[sound:{name}]", back="hola amigo")  # an older, wrong transcript
    report = run_headless(col, [note], config_for(stt, mode="overwrite"), state_dir=None)
    assert back(col, note) == "hola", "'hola' is within 'hola amigo', but is not what the field holds"
    assert (report.filled, report.skipped) == (1, 0)


def test_the_estimate_prices_each_sound_per_minute_of_its_length(
    col: Collection, tmp_path: Path, stt: OpenAISTTFake
) -> None:
    short, long = spoken_mp3("sí", tmp_path), spoken_mp3("una frase bastante larga para medir", tmp_path)
    notes = [note_with_sound(col, short, "short.mp3"), note_with_sound(col, long, "long.mp3")]
    seconds = [audio_duration(short), audio_duration(long)]
    assert all(s is not None and s > 0.2 for s in seconds)
    expected = PRICE_PER_MINUTE * sum(s or 0 for s in seconds) / 60
    config = config_for(stt)
    registry = ProviderRegistry(config, state_dir=None)
    try:
        summary = summarize_plan(col, notes, config, registry=registry, state_dir=None)
    finally:
        registry.close()
    assert summary.requests == {"openai_stt": 2}
    assert summary.usd["openai_stt"] == pytest.approx(expected)
    assert [(row.kind, row.generate) for row in summary.targets] == [(MediaKind.TEXT, 2)]
    assert stt.transcription_forms() == [], "an estimate asks nothing"
    report = run_headless(col, notes, config, state_dir=None)
    assert report.estimated_usd == pytest.approx(expected)


def test_a_sound_changed_while_the_job_ran_keeps_its_note_as_the_user_left_it(
    col: Collection, tmp_path: Path, stt: OpenAISTTFake
) -> None:
    mp3 = spoken_mp3("gato", tmp_path)
    stt.say(mp3, "gato")
    changed, kept = note_with_sound(col, mp3, "gato.mp3"), note_with_sound(col, mp3, "gato.mp3")
    config = config_for(stt)
    registry = ProviderRegistry(config, state_dir=None)
    try:
        session = FillSession(config=config, registry=registry, state_dir=None)
        session.plan(col, [changed, kept])
        outcome = session.generate(cancel=threading.Event())
        note = col.get_note(NoteId(changed))
        note["Front"] = "[sound:other.mp3]"  # the user put another sound there meanwhile
        col.update_note(note)
        report = session.finish(outcome).report
    finally:
        registry.close()
    assert report.skip_reasons == {"the sound of Front was changed while the job ran": 1}
    assert (back(col, changed), back(col, kept)) == ("", "gato")


def test_the_budget_counts_each_minute_of_sound_heard(col: Collection, tmp_path: Path, stt: OpenAISTTFake) -> None:
    sounds = [spoken_mp3("uno dos tres", tmp_path), spoken_mp3("cuatro cinco seis", tmp_path)]
    notes = []
    for index, mp3 in enumerate(sounds):
        stt.say(mp3, f"sound {index}")
        notes.append(note_with_sound(col, mp3, f"s{index}.mp3"))
    costs = [PRICE_PER_MINUTE * (audio_duration(mp3) or 0) / 60 for mp3 in sounds]
    budget = max(costs) * 1.2
    assert budget < sum(costs), "room for one sound's minutes, not both"
    config = {**config_for(stt), "budget_usd": budget}

    report = run_headless(col, notes, config, state_dir=None)

    assert report.budget_reached
    assert len(stt.transcription_forms()) == 1 and report.filled == 1
    heard = next(i for i, n in enumerate(notes) if back(col, n))
    assert report.spent_usd == pytest.approx(costs[heard])
