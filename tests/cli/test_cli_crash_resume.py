"""``python -m addon fill`` killed with SIGKILL in the middle of a job, then ``--resume``d.

A real subprocess fills 60 notes from a loopback speech server (EchoSpeech's wire format, 50 ms per
answer, deterministic MP3 bytes per word) and is killed at a seeded random moment after its journal
shows some stored media. Odd seeds kill a short random while after a ``stored`` record; even seeds
serve 1 MiB files and kill as soon as the journal shows a file being written, to cut writes in the
middle. The collection must then be sound (SQLite and Anki's own check), every note must hold
either nothing or one sound tag naming a whole, correct file, no partial file may outlive the
resume, and the resumed job must fill every note without asking again for media whose ``stored``
record was in the journal.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.decks import DeckId
from anki.notes import NoteId

from addon.core.state.job_ids import journal_path
from addon.core.state.journal_records import JobHeader
from addon.core.state.journal_writer import JobJournal
from tests.support.cli_runner import REPO, run_cli
from tests.support.fake_http import serve
from tests.support.reliability_record import count
from tests.support.streaming_fakes import MP3_MIN_BYTES, SpeechServer, mp3_for

# ``make faults`` kills 20 jobs; ``make test`` three.
SEEDS = range(1, 21) if os.environ.get("MEDIA_FILL_FAULTS") == "full" else range(1, 4)
KEY = "mf-crash-key-0b7d44"
VOICE = "anna"  # EchoSpeech's default voice, sent with every request
WORDS = [f"word{i:02d}" for i in range(60)]
BIG_FILE_BYTES = 1024 * 1024
RULE = {
    "note_type": "Basic",
    "source_field": "Front",
    "audio_field": "Back",
    "audio_providers": ["echo_speech"],
    "language": "en",
    "mode": "skip",
}


@dataclass
class Setup:
    collection: Path
    config: Path
    state: Path
    log: Path
    words_by_note: dict[int, str]
    speech: SpeechServer
    served: dict[str, bytes]  # the bytes served for each word

    @property
    def word_of_bytes(self) -> dict[bytes, str]:
        return {data: word for word, data in self.served.items()}

    @property
    def media(self) -> Path:
        return self.collection.with_suffix(".media")

    def fill(self, *args: str | Path) -> list[str]:
        return [
            "fill",
            "--collection",
            str(self.collection),
            *map(str, args),
            "--config",
            str(self.config),
            "--state-dir",
            str(self.state),
            "--log-file",
            str(self.log),
            "--json",
        ]


@contextmanager
def make_setup(tmp_path: Path, *, file_bytes: int = MP3_MIN_BYTES) -> Iterator[Setup]:
    """A collection of 60 Basic notes, and a speech server serving ``file_bytes`` per word."""
    path = tmp_path / "profile" / "collection.anki2"
    path.parent.mkdir()
    col = Collection(str(path))
    try:
        model = col.models.by_name("Basic")
        assert model is not None
        words_by_note = {}
        for word in WORDS:
            note = col.new_note(model)
            note["Front"] = word
            col.add_note(note, DeckId(col.decks.id("Default") or 1))
            words_by_note[int(note.id)] = word
    finally:
        col.close()
    speech = SpeechServer(key=KEY, delay_s=0.05, min_bytes=file_bytes)
    with serve(speech) as server:
        echo = {"base_url": server.url, "api_key": KEY, "requests_per_minute": 100000, "retry_attempts": 0}
        config: dict[str, Any] = {
            "provider_modules": {"audio": {"echo_speech": "tests.support.fake_providers:EchoSpeech"}},
            "rules": [RULE],
            "providers": {"audio": {"echo_speech": echo}},
        }
        config_path = tmp_path / "config.json"
        config_path.write_text(json.dumps(config), encoding="utf-8")
        served = {word: mp3_for(word, VOICE, min_bytes=file_bytes) for word in WORDS}
        yield Setup(path, config_path, tmp_path / "state", tmp_path / "media_fill.log", words_by_note, speech, served)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    with make_setup(tmp_path) as made:
        yield made


def cli_env() -> dict[str, str]:
    """The environment `cli_runner.run_cli` gives the CLI."""
    return {**os.environ, "PYTHONPATH": str(REPO)}


def journal_lines(path: Path) -> list[dict[str, Any]]:
    """The complete records of a journal (a torn last line is left out)."""
    records = []
    for line in path.read_bytes().split(b"\n")[:-1]:
        try:
            records.append(json.loads(line))
        except ValueError:
            break  # only the last line can be torn
    return records


def the_journal(state: Path) -> Path:
    journals = list((state / "jobs").glob("*.jsonl")) if (state / "jobs").is_dir() else []
    assert len(journals) <= 1, journals
    return journals[0] if journals else state / "jobs" / "none-yet.jsonl"


@dataclass(frozen=True)
class Killed:
    job_id: str
    stored: set[str]  # the words whose ``stored`` record was in the journal at the kill
    writing: frozenset[str]  # the files whose write was journalled as started and never as stored
    partial: frozenset[str]  # of those, the ones in the media folder without their whole bytes


def cuts_writes(seed: int) -> bool:
    """Even seeds kill the job as a file is being written (with big files, so writes take a while)."""
    return seed % 2 == 0


def _write_open(journal: bytes) -> bool:
    """Whether the journal shows a write started and not (yet) stored."""
    records = [line for line in journal.split(b"\n") if b'"t":"writing"' in line or b'"t":"stored"' in line]
    started = {json.loads(line)["key"] for line in records if b'"t":"writing"' in line}
    stored = {json.loads(line)["key"] for line in records if b'"t":"stored"' in line}
    return bool(started - stored)


def kill_mid_job(setup: Setup, seed: int) -> Killed:
    """Start the job and SIGKILL it at a seeded point after some ``stored`` records: a seeded while
    later, or (`cuts_writes`) as soon as a write has started and not ended."""
    rng = random.Random(seed)
    wanted_stored = rng.randint(1, 48)  # of 60: the job still has a dozen words or more to go
    extra_wait_s = rng.uniform(0.0, 0.06)
    mid_write = cuts_writes(seed)
    process = subprocess.Popen(
        [sys.executable, "-m", "addon", *setup.fill("--search", "note:Basic")],
        cwd=REPO,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            journal = the_journal(setup.state)
            data = journal.read_bytes() if journal.is_file() else b""
            if data.count(b'"t":"stored"') >= wanted_stored and (not mid_write or _write_open(data)):
                break
            assert process.poll() is None, f"the job ended before the kill: {process.communicate()}"
            assert time.monotonic() < deadline, "no stored records within 30 s"
            time.sleep(0 if mid_write and data.count(b'"t":"stored"') >= wanted_stored else 0.002)
        if not mid_write:
            time.sleep(extra_wait_s)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    records = journal_lines(journal)
    assert not any(record["t"] == "end" for record in records), "killed before its end"
    word_of_bytes = setup.word_of_bytes
    stored = {
        word_of_bytes[(setup.media / record["file"]).read_bytes()] for record in records if record["t"] == "stored"
    }
    assert len(stored) >= wanted_stored
    stored_keys = {record["key"] for record in records if record["t"] == "stored"}
    writing = {record["name"] for record in records if record["t"] == "writing" and record["key"] not in stored_keys}
    partial = {name for name in writing if (setup.media / name).is_file()}
    partial = {name for name in partial if (setup.media / name).read_bytes() not in word_of_bytes}
    return Killed(journal.stem, stored, frozenset(writing), frozenset(partial))


def check_collection(
    setup: Setup, *, every_note_filled: bool, interrupted_writes: frozenset[str] = frozenset()
) -> None:
    """The collection is sound; each note's Back is empty (unless ``every_note_filled``) or one
    sound tag naming a file with exactly the bytes served for the note's word; and every file in the
    media folder is a whole file served for some word. A kill between Anki creating a file and
    writing it could leave a partial file (Anki does not write media atomically); that is allowed
    only for ``interrupted_writes``, files the journal shows as being written (the resume removes
    them)."""
    col = Collection(str(setup.collection))
    try:
        assert col.db is not None
        assert col.db.scalar("pragma integrity_check") == "ok"
        problems, ok = col.fix_integrity()
        assert ok, problems
        for note_id, word in setup.words_by_note.items():
            note = col.get_note(NoteId(note_id))
            assert note["Front"] == word
            back = note["Back"]
            if not back and not every_note_filled:
                continue
            assert back.startswith("[sound:") and back.endswith("]") and back.count("[") == 1, (word, back)
            name = back[len("[sound:") : -1]
            assert (setup.media / name).read_bytes() == setup.served[word], f"{name} does not hold {word}"
    finally:
        col.close()
    word_of_bytes = setup.word_of_bytes
    for path in setup.media.iterdir():
        if path.name not in interrupted_writes:
            assert path.read_bytes() in word_of_bytes, f"{path.name} is not a whole served file"


@pytest.mark.parametrize("seed", SEEDS)
def test_a_killed_job_leaves_a_sound_collection_and_resumes(tmp_path: Path, seed: int) -> None:
    with make_setup(tmp_path, file_bytes=BIG_FILE_BYTES if cuts_writes(seed) else MP3_MIN_BYTES) as setup:
        check_kill_and_resume(setup, seed)


def check_kill_and_resume(setup: Setup, seed: int) -> None:
    killed = kill_mid_job(setup, seed)
    job_id, stored_at_kill = killed.job_id, killed.stored
    time.sleep(0.2)  # a request the process sent just before it died reaches the server's count
    asked_before_resume = setup.speech.snapshot()
    assert set(stored_at_kill) <= set(asked_before_resume)

    check_collection(setup, every_note_filled=False, interrupted_writes=killed.writing)

    completed = run_cli(*setup.fill("--resume", job_id))

    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["job_id"] == job_id
    assert (report["failed"], report["not_started"], report["errors"]) == (0, 0, [])
    assert report["filled"] + report["reused"] + report["skipped"] == len(WORDS)
    asked = setup.speech.snapshot()
    assert set(asked) == set(WORDS)
    asked_twice = {word for word, count in asked.items() if count > 1}
    assert not asked_twice & stored_at_kill, "media stored before the kill was asked for again"
    # Every word without a complete ``stored`` record (in flight or not yet started) is asked for once more.
    assert asked - asked_before_resume == Counter(set(WORDS) - stored_at_kill)
    partial = [path.name for path in setup.media.iterdir() if path.read_bytes() not in setup.word_of_bytes]
    check_collection(setup, every_note_filled=True)
    in_flight = set(asked_before_resume) - stored_at_kill
    count("crash runs", "jobs killed and resumed")
    count("crash runs", "notes", len(WORDS))
    count("crash runs", "media stored before the kill", len(stored_at_kill))
    count("crash runs", "requests in flight at the kill (asked again)", len(in_flight))
    count("crash runs", "stored media asked for again", len(asked_twice & stored_at_kill))
    count("crash runs", "files being written at the kill", len(killed.writing))
    count("crash runs", "partial files at the kill (removed by the resume)", len(killed.partial))
    count("crash runs", "partial files left after the resume", len(partial))


def test_resume_of_an_unknown_job_exits_2_listing_recent_jobs(setup: Setup) -> None:
    known = "20260101-093000-a1b2"
    header = JobHeader(
        job_id=known,
        created=time.time(),
        note_ids=list(setup.words_by_note),
        rules=[RULE],
        kinds=["image", "audio"],
        fresh=False,
        collection=str(setup.collection),
    )
    JobJournal.create(setup.state, header).close()

    completed = run_cli(*setup.fill("--resume", "20260102-093000-ffff"))

    assert completed.returncode == 2
    assert "There is no job 20260102-093000-ffff" in completed.stderr
    assert known in completed.stderr, "the message lists the recent jobs"
    assert setup.speech.total() == 0


def test_a_resume_while_another_process_runs_the_job_exits_2_and_touches_nothing(setup: Setup) -> None:
    killed = kill_mid_job(setup, 1)
    asked = setup.speech.total()
    journal = journal_path(setup.state, killed.job_id)
    holder, _ = JobJournal.reopen(setup.state, killed.job_id, mode="resume")  # this process runs it now
    try:
        before = journal.read_bytes()
        completed = run_cli(*setup.fill("--resume", killed.job_id))
        assert completed.returncode == 2, completed.stdout + completed.stderr
        assert f"Job {killed.job_id} is running in another window or process" in completed.stderr
        assert journal.read_bytes() == before and setup.speech.total() == asked, "the refused resume did nothing"
    finally:
        holder.close()
    resumed = run_cli(*setup.fill("--resume", killed.job_id))
    assert resumed.returncode == 0, resumed.stderr
    check_collection(setup, every_note_filled=True)


def test_resume_with_a_malformed_id_exits_2(setup: Setup) -> None:
    completed = run_cli(*setup.fill("--resume", "../../etc/passwd"))
    assert completed.returncode == 2
    assert "is not a job id" in completed.stderr
    assert setup.speech.total() == 0


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param(("--search", "note:Basic"), id="search"),
        pytest.param(("--retry-failed", "20260101-093000-a1b2"), id="retry-failed"),
    ],
)
def test_resume_with_another_selection_exits_2(setup: Setup, extra: tuple[str, str]) -> None:
    completed = run_cli(*setup.fill("--resume", "20260101-093000-a1b2", *extra))
    assert completed.returncode == 2
    assert "not allowed with argument" in completed.stderr
    assert setup.speech.total() == 0
    assert not setup.state.exists()
