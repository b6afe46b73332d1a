"""Journal and resume with targets, on a real collection: a job of a three-target rule cancelled
mid-way resumes without asking for anything twice, and a picture and a sound that fill one field
are each done (or retried) on their own.

Speech comes from EchoSpeech over loopback (`SpeechServer` counts the texts asked for); pictures
from `InstantPictures`, in process.

Thread safety: each test runs its job on its own collection.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.fill import JobOptions, run_headless
from addon.core.engine.generation import JobProgress
from addon.core.provider_system.config_loading import load_config
from tests.support.fake_http import serve
from tests.support.notes_helpers import add_basic
from tests.support.streaming_fakes import STREAMING_MODULES, InstantPictures, SpeechServer

KEY = "mf-targets-resume-key-7a2c"
MODULES = {**STREAMING_MODULES, "image": {"instant_pictures": "tests.support.streaming_fakes:InstantPictures"}}


def _config(url: str, targets: list[dict[str, Any]]) -> dict[str, Any]:
    echo = {"base_url": url, "api_key": KEY, "requests_per_minute": 100000, "retry_attempts": 0}
    return load_config(
        {
            "provider_modules": MODULES,
            "rules": [{"note_type": "Basic", "language": "en", "targets": targets}],
            "providers": {"audio": {"echo_speech": echo}, "image": {"instant_pictures": {}}},
        }
    )


def test_a_three_target_job_cancelled_mid_way_resumes_without_asking_twice(col: Collection, tmp_path: Path) -> None:
    words = [f"w{i:02d}" for i in range(12)]
    targets = [
        {"field": "Back", "kind": "audio", "source": "{Front}", "providers": ["echo_speech"]},
        {"field": "Back", "kind": "image", "source": "{Front}", "providers": ["instant_pictures"]},
        {"field": "Front", "kind": "audio", "source": "say {Back}", "providers": ["echo_speech"]},
    ]
    InstantPictures.asked.clear()
    handler = SpeechServer(key=KEY, delay_s=0.02)
    state = tmp_path / "state"
    with serve(handler) as server:
        config = _config(server.url, targets)
        ids = add_basic(col, *words, back="meaning")
        cancel = threading.Event()

        def on_progress(progress: JobProgress) -> None:
            if progress.done >= 8:
                cancel.set()

        first = run_headless(col, ids, config, cancel=cancel, on_progress=on_progress, state_dir=state)
        assert first.cancelled and first.not_started > 0, first
        second = run_headless(col, None, config, state_dir=state, options=JobOptions(resume=first.job_id))

    assert second.job_id == first.job_id and not second.cancelled
    spoken, pictured = handler.snapshot(), InstantPictures.asked
    assert set(spoken) == {*words, "say meaning"}, spoken
    assert all(spoken[word] == 1 for word in words), "no word's sound is asked for twice"
    assert spoken["say meaning"] == 1, "one request for the text every note shares"
    assert set(pictured) == set(words) and all(n == 1 for n in pictured.values()), "no picture is asked twice"
    for nid in ids:
        note = col.get_note(NoteId(nid))
        assert note["Back"].count("[sound:") == 1 and note["Back"].count("<img") == 1, note["Back"]
        assert note["Front"].count("[sound:") == 1, note["Front"]


def test_a_sound_that_failed_beside_a_stored_picture_in_the_same_field_is_retried(
    col: Collection, tmp_path: Path
) -> None:
    targets = [
        {"field": "Back", "kind": "image", "source": "{Front}", "providers": ["instant_pictures"]},
        {"field": "Back", "kind": "audio", "source": "{Front}", "providers": ["echo_speech"]},
    ]
    InstantPictures.asked.clear()
    handler = SpeechServer(key=KEY, failing={"perro"})
    state = tmp_path / "state"
    with serve(handler) as server:
        config = _config(server.url, targets)
        (perro, gato) = add_basic(col, "perro", "gato")
        first = run_headless(col, [perro, gato], config, state_dir=state)
        assert (first.filled, first.failed) == (3, 1), first
        handler.failing.clear()
        resumed = run_headless(col, None, config, state_dir=state, options=JobOptions(resume=first.job_id))
        assert (resumed.filled, resumed.failed) == (0, 1), "resume keeps a recorded failure"
        retried = run_headless(col, None, config, state_dir=state, options=JobOptions(retry_failed=first.job_id))

    assert (retried.filled, retried.failed) == (1, 0), "the failed sound is retried though its field has a picture"
    assert handler.snapshot()["perro"] == 2
    assert InstantPictures.asked == {"perro": 1, "gato": 1}, "the stored pictures are not asked for again"
    back = col.get_note(NoteId(perro))["Back"]
    assert back.count("<img") == 1 and back.count("[sound:") == 1, back
