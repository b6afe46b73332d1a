"""The store step writes a chunk's files on one writer thread (issue 19's speed at 100,000 notes):
on a real collection, the files are written off the storing thread, in order, through
``write_data``; a second file of one name waits for the first, so its expected name is right; and
no write goes on after a chunk ends; when a write fails, the writes not started are dropped."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.fill import generate_job, plan_job
from addon.collection.media_writer import MediaWriter, sha1_of
from addon.collection.sync import CollectionSync
from addon.core.job.outcome import Finished
from addon.core.provider_system.registry import ProviderRegistry
from tests.support.notes_helpers import add_basic, make_config

WRITER_PREFIX = "media-fill-write"


def slowed(col: Collection, *, seconds: float, log: list[tuple[str, str]]) -> Callable[[str, bytes], str]:
    """``write_data``, taking ``seconds`` longer, recording (thread name, desired name)."""
    write_data = col.media.write_data

    def slow(desired: str, data: bytes) -> str:
        log.append((threading.current_thread().name, desired))
        time.sleep(seconds)
        return write_data(desired, data)

    return slow


def test_files_are_written_on_one_writer_thread_in_the_order_given(
    col: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    log: list[tuple[str, str]] = []
    monkeypatch.setattr(col.media, "write_data", slowed(col, seconds=0.0, log=log))
    with MediaWriter(col) as writer:
        futures = [writer.write(f"w{n}.mp3", b"ID3" + bytes([n]) * 300) for n in range(5)]
        names = [future.result() for future in futures]
    assert names == [f"w{n}.mp3" for n in range(5)]
    assert [desired for _, desired in log] == names, "written in the order given"
    threads = {thread for thread, _ in log}
    assert len(threads) == 1 and threads.pop().startswith(WRITER_PREFIX), "one writer thread, not the caller's"
    assert all((Path(col.media.dir()) / name).is_file() for name in names)


def test_a_second_file_of_one_name_is_expected_under_anki_s_other_name_while_the_first_is_in_flight(
    col: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    log: list[tuple[str, str]] = []
    monkeypatch.setattr(col.media, "write_data", slowed(col, seconds=0.3, log=log))
    first, second = b"ID3 first" + b"\x00" * 300, b"ID3 second" + b"\x01" * 300
    with MediaWriter(col) as writer:
        writer.write("same.mp3", first)
        expected = writer.expected_name("same.mp3", sha1=sha1_of(second))
        written = writer.write("same.mp3", second).result()
    assert expected == written == f"same-{sha1_of(second)}.mp3", "the journal must name the file it will get"
    with MediaWriter(col) as writer:
        assert writer.expected_name("same.mp3", sha1=sha1_of(first)) is None, "these bytes are there already"


def test_no_write_goes_on_after_a_chunk_whose_write_failed(col: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = add_basic(col, "uno", "dos", "tres", "cuatro")
    config = make_config()
    plan = plan_job(col, ids, config)
    outcome = generate_job(plan, ProviderRegistry(config), cancel=threading.Event())
    write_data = col.media.write_data
    written: list[str] = []

    def failing_second(desired: str, data: bytes) -> str:
        if len(written) == 1:
            written.append("failed")
            raise OSError(28, "No space left on device")
        time.sleep(0.1)
        written.append(write_data(desired, data))
        return written[-1]

    monkeypatch.setattr(col.media, "write_data", failing_second)
    sync = CollectionSync(col)
    sync.begin(plan)
    with pytest.raises(OSError, match="No space left"):
        sync.store_chunk([Finished(item, outcome.results[item.key]) for item in plan.unique_work()])
    assert written[:2] == [written[0], "failed"]
    assert len(written) < 4, "the writes not started when one failed are dropped"
    assert not [t for t in threading.enumerate() if t.name.startswith(WRITER_PREFIX)], "no writer left to write later"
    assert all(col.get_note(NoteId(nid))["Back"] == "" for nid in ids), "no note changed by the failed chunk"
