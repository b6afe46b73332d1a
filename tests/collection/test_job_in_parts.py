"""A job planned a part of the notes at a time (`JobSession.plan_parts`, as the CLI and the API run
every job), on a real temporary collection against the EchoSpeech fake over loopback: the parts make
one job — one undo entry, the counts and the journal of one plan, a word repeated in another part
asked for once (whether the reuse index is read or not), progress across the parts, and a job
cancelled in its second part counting the notes it never planned and resuming without a request
repeated.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.fill import JobOptions, run_headless
from addon.collection.sync import UNDO_NAME
from addon.core.engine.generation import JobProgress
from addon.core.state.journal_records import read_journal
from tests.collection.test_job_streaming import KEY, assert_speaks, echo_config
from tests.support.fake_http import serve
from tests.support.notes_helpers import add_basic
from tests.support.streaming_fakes import SpeechServer

# Three parts of two notes and a last of one; "apple" and "pear" come again in later parts.
WORDS = ["apple", "pear", "plum", "apple", "fig", "pear", "kiwi"]


@pytest.fixture
def handler() -> Iterator[tuple[SpeechServer, str]]:
    speech = SpeechServer(key=KEY, delay_s=0.005)
    with serve(speech) as server:
        yield speech, server.url


@pytest.mark.parametrize(
    ("options", "settings"),
    [
        pytest.param(JobOptions(), {}, id="reuse-index-read"),
        pytest.param(JobOptions(fresh=True), {}, id="fresh"),
        pytest.param(JobOptions(), {"reuse_media": False}, id="reuse-off"),
    ],
)
def test_the_parts_of_a_job_are_one_job(
    col: Collection, tmp_path: Path, handler: tuple[SpeechServer, str], options: JobOptions, settings: dict[str, Any]
) -> None:
    speech, url = handler
    ids = add_basic(col, *WORDS)
    state = tmp_path / "state"
    progress: list[JobProgress] = []

    report = run_headless(
        col,
        ids,
        {**echo_config(url), **settings},
        state_dir=state,
        options=options,
        on_progress=progress.append,
        part_notes=2,
    )

    assert speech.snapshot() == Counter(set(WORDS)), "a word of an earlier part is not asked for again"
    assert (report.filled, report.reused, report.failed, report.not_started) == (5, 2, 0, 0)
    for word, note_id in zip(WORDS, ids, strict=True):
        assert_speaks(col, note_id, word)
    assert read_journal(state, report.job_id).planned == len(WORDS), "the journal counts every part's targets"
    done = [p.done for p in progress]
    assert done == sorted(done) and done[-1] == progress[-1].total == 5, "progress runs over the whole job"
    assert col.undo_status().undo == UNDO_NAME
    col.undo()
    assert all(col.get_note(NoteId(note_id))["Back"] == "" for note_id in ids), "one undo takes back every part"


def test_a_job_cancelled_in_a_later_part_counts_the_rest_and_resumes(
    col: Collection, tmp_path: Path, handler: tuple[SpeechServer, str]
) -> None:
    speech, url = handler
    words = [f"w{i:02d}" for i in range(10)]
    ids = add_basic(col, *words)
    state = tmp_path / "state"
    config = echo_config(url)
    cancel = threading.Event()

    def on_progress(progress: JobProgress) -> None:
        if progress.done >= 4:  # in the second part of three notes
            cancel.set()

    first = run_headless(col, ids, config, cancel=cancel, on_progress=on_progress, state_dir=state, part_notes=3)

    assert first.cancelled
    assert first.filled + first.not_started == len(words), "the notes never planned are counted as not started"
    assert first.not_started >= len(words) - 6
    asked = speech.snapshot()

    second = run_headless(col, None, config, state_dir=state, options=JobOptions(resume=first.job_id), part_notes=3)

    assert (second.filled, second.failed, second.not_started) == (len(words) - first.filled, 0, 0)
    assert all(n == 1 for n in speech.snapshot().values()) and set(speech.snapshot()) == set(words)
    assert sum(asked.values()) >= first.filled
    for word, note_id in zip(words, ids, strict=True):
        assert_speaks(col, note_id, word)
