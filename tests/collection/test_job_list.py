"""The jobs a state folder remembers (`core.state.job_list`), over journals written by real jobs on
a real collection: a job that crashed mid-way (its run stopped without an end record) is listed as
interrupted with its counts and offered for its own collection only; one that finished, one that
is running (its lock held) and one the user discarded are not offered; the report rebuilt from the
journal (`core.job.journal_report`) counts what was done and what was not.

A crash is made by running the job's real steps and stopping after a first chunk is stored: the
journal is closed and no end record is written — what a killed process leaves behind.

Thread safety: each test runs its jobs on its own collection.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.fill import FillSession, JobOptions, run_headless
from addon.core.engine.generation import JobProgress
from addon.core.engine.result_stream import ResultStream
from addon.core.job.journal_report import report_from_journal
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.registry import ProviderRegistry
from addon.core.state.job_ids import journal_path
from addon.core.state.job_list import interrupted_jobs, list_jobs
from addon.core.state.journal_records import RESUME, read_journal
from addon.core.state.journal_writer import JobJournal, mark_discarded
from tests.support.fake_http import serve
from tests.support.notes_helpers import add_basic
from tests.support.streaming_fakes import STREAMING_MODULES, SpeechServer

KEY = "mf-job-list-key-31c9"
WORDS = [f"w{i:02d}" for i in range(12)]


def _config(url: str) -> dict[str, Any]:
    echo = {"base_url": url, "api_key": KEY, "requests_per_minute": 100000, "retry_attempts": 0}
    return load_config(
        {
            "provider_modules": STREAMING_MODULES,
            "rules": [
                {
                    "note_type": "Basic",
                    "language": "en",
                    "targets": [{"field": "Back", "kind": "audio", "source": "{Front}", "providers": ["echo_speech"]}],
                }
            ],
            "providers": {"audio": {"echo_speech": echo}},
        }
    )


def _crash_mid_job(col: Collection, state: Path, config: dict[str, Any]) -> str:
    """Run a job over 12 notes with the real steps, stop making media after 5 sounds, store what
    was made and stop there, without the end record (as a killed process would); its job id."""
    ids = add_basic(col, *WORDS)
    registry = ProviderRegistry(config, state_dir=state)
    session = FillSession(config=config, registry=registry, state_dir=state)
    try:
        session.plan(col, ids)
        cancel = threading.Event()

        def on_progress(progress: JobProgress) -> None:
            if progress.done >= 5:
                cancel.set()

        stream = ResultStream()
        session.generate(cancel=cancel, on_progress=on_progress, sink=stream)
        session.store_chunk(stream.take(max_items=5, timeout_s=0))
    finally:
        session.close()
        registry.close()
    return session.job_id


def _filled(col: Collection) -> int:
    return sum("[sound:" in col.get_note(NoteId(nid))["Back"] for nid in col.find_notes(""))


@pytest.fixture
def speech() -> Any:
    handler = SpeechServer(key=KEY, delay_s=0.02)
    with serve(handler) as server:
        yield handler, _config(server.url)


def test_a_crashed_job_is_listed_as_interrupted_with_its_counts_and_offered(
    col: Collection, tmp_path: Path, speech: Any
) -> None:
    _handler, config = speech
    state = tmp_path / "state"
    job_id = _crash_mid_job(col, state, config)

    (job,) = list_jobs(state)
    assert job.job_id == job_id and job.interrupted and not job.ended and not job.running
    assert job.total == len(WORDS), "the journal says how many targets the job set out to fill"
    assert job.done == _filled(col) and 0 < job.done < len(WORDS), (job, _filled(col))
    assert job.note_types == ("Basic",) and job.notes == len(WORDS) and job.failed == 0
    assert job.progress == f"{job.done} of {len(WORDS)} done"
    here = os.path.abspath(col.path)
    assert [j.job_id for j in interrupted_jobs(state, collection=here)] == [job_id]
    assert interrupted_jobs(state, collection=str(tmp_path / "other.anki2")) == [], "only its own collection's"

    report = report_from_journal(read_journal(state, job_id))
    assert report.cancelled and report.filled == job.done and report.not_started == len(WORDS) - job.done


def test_a_finished_job_is_not_offered_and_its_report_has_the_last_runs_counts(
    col: Collection, tmp_path: Path, speech: Any
) -> None:
    handler, config = speech
    state = tmp_path / "state"
    job_id = _crash_mid_job(col, state, config)
    asked_before = handler.snapshot()
    stored = {note["Front"] for note in map(col.get_note, col.find_notes("Back:_*"))}
    finished = run_headless(col, None, config, state_dir=state, options=JobOptions(resume=job_id))

    (job,) = list_jobs(state)
    assert job.ended and not job.interrupted and job.done == len(WORDS) == _filled(col) and job.runs == 2
    assert interrupted_jobs(state, collection=os.path.abspath(col.path)) == []
    assert report_from_journal(read_journal(state, job_id)).counts() == finished.counts()
    asked_again = {word for word, n in handler.snapshot().items() if n > asked_before.get(word, 0)}
    assert stored and not asked_again & stored, "the resume asked for nothing already stored"


def test_a_discarded_job_is_listed_but_not_offered_and_a_running_one_is_not_offered(
    col: Collection, tmp_path: Path, speech: Any
) -> None:
    _handler, config = speech
    state = tmp_path / "state"
    job_id = _crash_mid_job(col, state, config)
    here = os.path.abspath(col.path)

    journal, _ = JobJournal.reopen(state, job_id, mode=RESUME)  # as a job running in another window
    try:
        (job,) = list_jobs(state)
        assert job.running and not job.interrupted
        assert interrupted_jobs(state, collection=here) == []
    finally:
        journal.close()
    assert [j.job_id for j in interrupted_jobs(state, collection=here)] == [job_id], "offered once it stops"

    mark_discarded(state, job_id)
    (job,) = list_jobs(state)
    assert job.discarded and job.interrupted, "still listed, with its counts"
    assert interrupted_jobs(state, collection=here) == []
    journal, resumed = JobJournal.reopen(state, job_id, mode=RESUME)
    journal.close()
    assert not resumed.discarded, "running it again clears the mark"


def test_a_damaged_journal_is_listed_with_its_problem(tmp_path: Path) -> None:
    state = tmp_path / "state"
    path = journal_path(state, "20260101-093000-a1b2")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not json\n{}\n")
    (job,) = list_jobs(state)
    assert job.problem and "damaged" in job.problem and not job.interrupted
