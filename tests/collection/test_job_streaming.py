"""Jobs that store while they generate, on a real temporary collection: media reused across jobs
(the reuse index, checked against the media folder), identical words made once, 5,000 notes in one
undo entry, notes edited while the job runs, and a cancelled job resumed from its journal.

HTTP providers talk to a `fake_http` server on loopback (EchoSpeech's wire format); big jobs use
an in-process provider. Every provider is loaded through the config's ``provider_modules``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from anki.collection import AddNoteRequest, Collection
from anki.decks import DeckId
from anki.notes import NoteId

from addon.collection.fill import CHUNK_ITEMS, FillSession, JobOptions, run_headless
from addon.collection.sync import UNDO_NAME
from addon.core.engine.generation import JobProgress
from addon.core.engine.result_stream import ResultStream
from addon.core.job.outcome import GenerationOutcome
from addon.core.job.plan import WorkItem
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.registry import ProviderRegistry
from addon.core.state.journal_records import read_journal
from tests.support.fake_http import FakeServer, serve
from tests.support.notes_helpers import add_basic
from tests.support.streaming_fakes import STREAMING_MODULES, GatedSpeech, SpeechServer, mp3_for

KEY = "mf-streaming-key-5d1e"
AUDIO = MediaKind.AUDIO
BIDI_MARKS = str.maketrans("", "", "\u2068\u2069")


@dataclass
class Speech:
    server: FakeServer
    handler: SpeechServer

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture
def speech() -> Iterator[Speech]:
    handler = SpeechServer(key=KEY)
    with serve(handler) as server:
        yield Speech(server, handler)


def rule(provider: str, *, note_type: str = "Basic", source: str = "Front", target: str = "Back") -> dict[str, Any]:
    return {
        "note_type": note_type,
        "source_field": source,
        "audio_field": target,
        "audio_providers": [provider],
        "language": "en",
        "mode": "skip",
    }


def echo_config(url: str, **settings: Any) -> dict[str, Any]:
    """Basic notes: Front spoken into Back by EchoSpeech at ``url``."""
    echo = {"base_url": url, "api_key": KEY, "requests_per_minute": 100000, "retry_attempts": 0, **settings}
    return load_config(
        {
            "provider_modules": STREAMING_MODULES,
            "rules": [rule("echo_speech")],
            "providers": {"audio": {"echo_speech": echo}},
        }
    )


def sound_file(col: Collection, note_id: int, field: str = "Back") -> str:
    """The one media file the field plays (it must be nothing but one sound tag)."""
    value = col.get_note(NoteId(note_id))[field]
    assert value.startswith("[sound:") and value.endswith("]") and value.count("[sound:") == 1, value
    return value[len("[sound:") : -1]


def file_bytes(col: Collection, name: str) -> bytes:
    return (Path(col.media.dir()) / name).read_bytes()


def assert_speaks(col: Collection, note_id: int, word: str, *, voice: str = "anna", field: str = "Back") -> str:
    """The field plays a file holding exactly what the server said for ``word``; returns its name."""
    name = sound_file(col, note_id, field)
    assert file_bytes(col, name) == mp3_for(word, voice), f"{name} does not hold {word!r} in {voice}"
    return name


def work_key(word: str, provider: str) -> str:
    return WorkItem(MediaRequest(kind=AUDIO, text=word, language="en"), (provider,)).key


WORDS = ["apple", "pear", "plum"]


def first_job(col: Collection, speech: Speech, state: Path) -> dict[str, str]:
    """Fill three notes; returns word -> the file its note plays."""
    ids = add_basic(col, *WORDS)
    report = run_headless(col, ids, echo_config(speech.url), state_dir=state)
    assert (report.filled, report.reused, report.failed) == (3, 0, 0)
    assert speech.handler.snapshot() == Counter(WORDS)
    return {word: assert_speaks(col, nid, word) for word, nid in zip(WORDS, ids, strict=True)}


# 1. Reuse across jobs


def test_media_an_earlier_job_made_is_reused_without_a_request(col: Collection, speech: Speech, tmp_path: Path) -> None:
    state = tmp_path / "state"
    names = first_job(col, speech, state)

    ids = add_basic(col, *WORDS)  # new notes with the same words
    report = run_headless(col, ids, echo_config(speech.url), state_dir=state)

    assert (report.filled, report.reused, report.failed, report.skipped) == (0, 3, 0, 0)
    assert speech.handler.total() == 3, "no new request"
    assert report.media_files == []
    assert {word: sound_file(col, nid) for word, nid in zip(WORDS, ids, strict=True)} == names


def test_cleared_fields_are_refilled_from_the_index(col: Collection, speech: Speech, tmp_path: Path) -> None:
    state = tmp_path / "state"
    ids = add_basic(col, *WORDS)
    run_headless(col, ids, echo_config(speech.url), state_dir=state)
    names = {word: sound_file(col, nid) for word, nid in zip(WORDS, ids, strict=True)}
    for nid in ids:
        note = col.get_note(NoteId(nid))
        note["Back"] = ""
        col.update_note(note)

    report = run_headless(col, ids, echo_config(speech.url), state_dir=state)

    assert (report.filled, report.reused) == (0, 3)
    assert speech.handler.total() == 3
    assert {word: sound_file(col, nid) for word, nid in zip(WORDS, ids, strict=True)} == names


def test_fresh_asks_the_server_again(col: Collection, speech: Speech, tmp_path: Path) -> None:
    state = tmp_path / "state"
    names = first_job(col, speech, state)

    ids = add_basic(col, *WORDS)
    report = run_headless(col, ids, echo_config(speech.url), state_dir=state, options=JobOptions(fresh=True))

    assert (report.filled, report.reused) == (3, 0)
    assert speech.handler.snapshot() == Counter(WORDS * 2)
    # The same bytes again: the media folder keeps the same names.
    assert {word: assert_speaks(col, nid, word) for word, nid in zip(WORDS, ids, strict=True)} == names


def test_a_file_deleted_from_the_media_folder_is_made_again(col: Collection, speech: Speech, tmp_path: Path) -> None:
    state = tmp_path / "state"
    names = first_job(col, speech, state)
    (Path(col.media.dir()) / names["pear"]).unlink()

    ids = add_basic(col, *WORDS)
    report = run_headless(col, ids, echo_config(speech.url), state_dir=state)

    assert (report.filled, report.reused) == (1, 2)
    assert speech.handler.snapshot() == Counter([*WORDS, "pear"]), "only the missing file is asked for"
    assert {word: assert_speaks(col, nid, word) for word, nid in zip(WORDS, ids, strict=True)} == names


def test_a_file_of_another_size_is_made_again(col: Collection, speech: Speech, tmp_path: Path) -> None:
    state = tmp_path / "state"
    names = first_job(col, speech, state)
    (Path(col.media.dir()) / names["plum"]).write_bytes(b"cut short")

    ids = add_basic(col, "plum")
    report = run_headless(col, ids, echo_config(speech.url), state_dir=state)

    assert (report.filled, report.reused) == (1, 0)
    assert speech.handler.counts["plum"] == 2
    assert_speaks(col, ids[0], "plum")


def test_a_changed_voice_is_not_reused(col: Collection, speech: Speech, tmp_path: Path) -> None:
    state = tmp_path / "state"
    names = first_job(col, speech, state)

    ids = add_basic(col, *WORDS)
    report = run_headless(col, ids, echo_config(speech.url, voice="bruno"), state_dir=state)

    assert (report.filled, report.reused) == (3, 0)
    assert speech.handler.snapshot() == Counter(WORDS * 2)
    for word, nid in zip(WORDS, ids, strict=True):
        assert assert_speaks(col, nid, word, voice="bruno") != names[word]


def test_a_changed_limit_is_still_reused(col: Collection, speech: Speech, tmp_path: Path) -> None:
    """Limits, keys and addresses do not change what a provider makes."""
    state = tmp_path / "state"
    names = first_job(col, speech, state)

    ids = add_basic(col, *WORDS)
    report = run_headless(col, ids, echo_config(speech.url, timeout_s=9, max_concurrency=1), state_dir=state)

    assert (report.filled, report.reused) == (0, 3)
    assert speech.handler.total() == 3
    assert {word: sound_file(col, nid) for word, nid in zip(WORDS, ids, strict=True)} == names


# 2. Identical words in one job


def test_the_same_word_twice_in_one_job_is_asked_for_once(col: Collection, speech: Speech, tmp_path: Path) -> None:
    ids = add_basic(col, "apple", "apple")
    report = run_headless(col, ids, echo_config(speech.url), state_dir=tmp_path / "state")

    assert (report.filled, report.reused, report.failed) == (1, 1, 0)
    assert speech.handler.snapshot() == Counter(["apple"])
    assert assert_speaks(col, ids[0], "apple") == assert_speaks(col, ids[1], "apple")


# 3. A big job in one undo entry


def add_many_basic(col: Collection, fronts: list[str]) -> list[int]:
    model = col.models.by_name("Basic")
    assert model is not None
    deck = DeckId(col.decks.id("Default") or 1)
    requests = []
    for front in fronts:
        note = col.new_note(model)
        note["Front"] = front
        requests.append(AddNoteRequest(note, deck))
    col.add_notes(requests)
    return [int(request.note.id) for request in requests]


def test_five_thousand_notes_in_chunks_are_one_undo_entry(col: Collection, tmp_path: Path) -> None:
    # 1,000 distinct words, each on 5 notes: 1,000 files (Anki takes ~3 ms to add each one) and
    # 5,000 note updates, stored in several chunks of at most CHUNK_ITEMS results.
    distinct = 1000
    words = [f"word{i % distinct:04d}" for i in range(5000)]
    ids = add_many_basic(col, words)
    config = load_config({"provider_modules": STREAMING_MODULES, "rules": [rule("instant_speech")]})
    state = tmp_path / "state"
    undo_before = col.undo_status().undo

    started = time.monotonic()
    report = run_headless(col, ids, config, state_dir=state)
    elapsed = time.monotonic() - started

    assert (report.filled, report.reused, report.failed, report.not_started) == (distinct, 4000, 0, 0)
    assert report.notes_changed == 5000
    journal = read_journal(state, report.job_id)
    chunks = (state / "jobs" / f"{report.job_id}.jsonl").read_text().count('"t":"targets"')
    assert chunks >= distinct // CHUNK_ITEMS, f"stored in {chunks} chunks"
    assert len(journal.targets_done) == 5000
    backs = [col.get_note(NoteId(nid))["Back"] for nid in ids]
    assert all(value.startswith("[sound:") for value in backs)
    assert len(set(backs)) == distinct
    assert (col.undo_status().undo or "").translate(BIDI_MARKS) == UNDO_NAME

    col.undo()

    assert all(col.get_note(NoteId(nid))["Back"] == "" for nid in ids), "one undo reverts every note"
    status = col.undo_status()
    assert (status.undo or "") == (undo_before or "")
    assert (status.redo or "").translate(BIDI_MARKS) == UNDO_NAME
    assert elapsed < 25, f"the job took {elapsed:.1f} s"


# 4. Notes edited while the job runs


def add_vocab_type(col: Collection) -> None:
    """A note type with three fields: Word (source), Audio (target) and Notes (the user's)."""
    models = col.models
    model = models.new("Vocab")
    for name in ("Word", "Audio", "Notes"):
        models.add_field(model, models.new_field(name))
    template = models.new_template("Card 1")
    template["qfmt"] = "{{Word}}"
    template["afmt"] = "{{FrontSide}}<hr id=answer>{{Audio}} {{Notes}}"
    models.add_template(model, template)
    models.add(model)


def add_vocab(col: Collection, *words: str) -> list[int]:
    model = col.models.by_name("Vocab")
    assert model is not None
    ids = []
    for word in words:
        note = col.new_note(model)
        note["Word"] = word
        col.add_note(note, DeckId(col.decks.id("Default") or 1))
        ids.append(int(note.id))
    return ids


def edit(col: Collection, note_id: int, field: str, value: str) -> None:
    note = col.get_note(NoteId(note_id))
    note[field] = value
    col.update_note(note)


def store_until_drained(session: FillSession, stream: ResultStream) -> None:
    """The store step's loop, on the test thread, in small chunks."""
    while True:
        chunk = stream.take(max_items=2, timeout_s=0.5)
        if chunk:
            session.store_chunk(chunk)
        elif stream.drained:
            return


def test_notes_edited_while_the_job_runs_keep_the_users_edits(col: Collection, tmp_path: Path) -> None:
    add_vocab_type(col)
    words = ["alpha", "bravo", "charlie", "delta", "echo"]
    alpha, bravo, charlie, delta, echo = ids = add_vocab(col, *words)
    config = load_config(
        {
            "provider_modules": STREAMING_MODULES,
            "rules": [rule("gated_speech", note_type="Vocab", source="Word", target="Audio")],
        }
    )
    registry = ProviderRegistry(config)
    gated = registry.get(AUDIO, "gated_speech")
    assert isinstance(gated, GatedSpeech)
    gated.held = set(words[1:])  # only alpha comes before the edits
    session = FillSession(config=config, registry=registry, state_dir=tmp_path / "state")
    try:
        session.plan(col, ids)
        stream = ResultStream()
        box: list[GenerationOutcome] = []
        worker = threading.Thread(
            target=lambda: box.append(session.generate(cancel=threading.Event(), sink=stream)), daemon=True
        )
        worker.start()

        first = stream.take(max_items=10, timeout_s=10)
        assert [finished.item.request.text for finished in first] == ["alpha"]
        session.store_chunk(first)  # the collection is used on this thread only
        assert_speaks(col, alpha, "alpha", voice="", field="Audio")

        edit(col, bravo, "Word", "bravissimo")  # (a) the source changed: its audio would be wrong
        edit(col, charlie, "Audio", "[sound:mine.mp3]")  # (b) skip mode: filled by hand meanwhile
        edit(col, delta, "Notes", "my own words")  # (c) another field: kept, and the audio added
        gated.gate.set()

        store_until_drained(session, stream)
        worker.join(10)
        report = session.finish(box[0]).report
    finally:
        session.close()
        registry.close()

    assert sorted(gated.calls) == sorted(words), "the job used the instance the test held"
    assert (report.filled, report.skipped, report.failed) == (3, 2, 0)
    assert report.skip_reasons == {"Word was edited while the job ran": 1, "Audio already has a sound": 1}
    bravo_note = col.get_note(NoteId(bravo))
    assert (bravo_note["Word"], bravo_note["Audio"]) == ("bravissimo", "")
    assert col.get_note(NoteId(charlie))["Audio"] == "[sound:mine.mp3]"
    delta_note = col.get_note(NoteId(delta))
    assert delta_note["Notes"] == "my own words"
    assert delta_note["Word"] == "delta"
    assert_speaks(col, delta, "delta", voice="", field="Audio")
    assert_speaks(col, echo, "echo", voice="", field="Audio")

    # Undoing the job never takes the user's edits with it: after the edits the job went on in a
    # new "Fill Media" entry, and the user's own steps stay theirs.
    assert col.undo_status().undo.translate(BIDI_MARKS) == UNDO_NAME
    col.undo()
    delta_note = col.get_note(NoteId(delta))
    assert (delta_note["Audio"], delta_note["Notes"]) == ("", "my own words")
    assert col.get_note(NoteId(bravo))["Word"] == "bravissimo"
    assert col.get_note(NoteId(charlie))["Audio"] == "[sound:mine.mp3]"
    assert col.undo_status().undo.translate(BIDI_MARKS) == "Update Note"


# 5. A cancelled job resumed in process


def test_a_cancelled_job_resumes_without_asking_again(col: Collection, tmp_path: Path) -> None:
    words = [f"w{i:02d}" for i in range(20)]
    handler = SpeechServer(key=KEY, delay_s=0.02, failing={"w01"})
    state = tmp_path / "state"
    with serve(handler) as server:
        config = echo_config(server.url)
        ids = add_basic(col, *words)
        cancel = threading.Event()

        def on_progress(progress: JobProgress) -> None:
            if progress.done >= 6:
                cancel.set()

        first = run_headless(col, ids, config, cancel=cancel, on_progress=on_progress, state_dir=state)

        assert first.job_id
        assert first.cancelled
        assert first.not_started > 0
        assert first.failed == 1
        assert first.filled + first.failed + first.not_started == len(words)
        stored = {word for word in words if work_key(word, "echo_speech") in read_journal(state, first.job_id).stored}
        assert len(stored) == first.filled
        asked_first = handler.snapshot()
        assert asked_first["w01"] == 1

        second = run_headless(col, None, config, state_dir=state, options=JobOptions(resume=first.job_id))

        asked = handler.snapshot()
        assert second.job_id == first.job_id
        assert all(asked[word] == 1 for word in stored), "nothing stored is asked for again"
        assert asked["w01"] == 1, "a recorded failure stays failed without a new request"
        assert set(asked) == set(words)
        assert (second.failed, second.not_started, second.cancelled) == (1, 0, False)
        assert second.filled == len(words) - 1 - len(stored)
        assert [error.note_id for error in second.errors] == [ids[1]]
        for word, nid in zip(words, ids, strict=True):
            if word != "w01":
                assert_speaks(col, nid, word)
        assert col.get_note(NoteId(ids[1]))["Back"] == ""

        handler.failing.clear()
        third = run_headless(col, None, config, state_dir=state, options=JobOptions(retry_failed=first.job_id))

    new_requests = handler.snapshot() - asked
    assert new_requests == Counter(["w01"]), "retry-failed asks for the failures only"
    assert (third.filled, third.failed, third.not_started) == (1, 0, 0)
    assert_speaks(col, ids[1], "w01")
