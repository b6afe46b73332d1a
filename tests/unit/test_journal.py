"""The job journal: real files in tmp_path, torn and damaged lines written by hand, threads, and a
real process killed with SIGKILL in the middle of its appends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from addon.core.base.errors import MediaFillError
from addon.core.base.log import forget_secrets, remember_secrets
from addon.core.state.job_ids import JOB_ID_PATTERN, JournalError, journal_path, new_job_id, recent_jobs
from addon.core.state.journal_records import FailedEntry, JobHeader, StoredEntry, WritingEntry, read_journal
from addon.core.state.journal_writer import JobBusyError, JobJournal

REPO = Path(__file__).resolve().parents[2]
RULE = {"note_type": "Basic", "source_field": "Front", "audio_field": "Audio", "providers": ["espeak"]}


def _header(job_id: str = "20260101-093000-a1b2", **changes: object) -> JobHeader:
    values: dict[str, object] = {
        "job_id": job_id,
        "created": 1767256200.5,
        "note_ids": [3, 1, 2],
        "rules": [RULE],
        "kinds": ["audio"],
        "fresh": False,
        "collection": "User 1",
    }
    values.update(changes)
    return JobHeader(**values)  # type: ignore[arg-type]


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")


# ---------------------------------------------------------------------------- ids


def test_new_job_id_is_local_time_and_random_hex() -> None:
    clock = time.mktime((2026, 1, 2, 3, 4, 5, 0, 0, -1))
    first = new_job_id(clock=lambda: clock)
    second = new_job_id(clock=lambda: clock)
    assert JOB_ID_PATTERN.fullmatch(first)
    assert first.startswith("20260102-030405-")
    assert len(first) == len("20260102-030405-") + 4
    assert {new_job_id(clock=lambda: clock) for _ in range(50)} != {first}  # not a constant suffix
    assert JOB_ID_PATTERN.fullmatch(second)


@pytest.mark.parametrize(
    "bad",
    [
        "../etc",
        "",
        "20260101-000000-XYZ",
        "20260101-000000-ABCD",  # upper case
        "20260101-000000-abc",  # 3 hex digits
        "20260101-000000-abcdef012",  # 9 hex digits
        "20260101-000000-ab12/../../x",
        "../20260101-000000-ab12",
        "20260101-000000-ab12\n",
        "2026011-000000-ab12",
    ],
)
def test_bad_job_ids_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(JournalError, match="is not a job id"):
        read_journal(tmp_path, bad)
    with pytest.raises(JournalError, match="is not a job id"):
        JobJournal.reopen(tmp_path, bad, mode="resume")
    with pytest.raises(JournalError, match="is not a job id"):
        JobJournal.create(tmp_path, _header(bad))
    with pytest.raises(JournalError):
        journal_path(tmp_path, bad)
    assert list(tmp_path.rglob("*")) == []


def test_journal_error_is_a_media_fill_error() -> None:
    assert issubclass(JournalError, MediaFillError)


# ---------------------------------------------------------------------------- round trips


def test_create_append_read(tmp_path: Path) -> None:
    with JobJournal.create(tmp_path, _header()) as journal:
        assert journal.job_id == "20260101-093000-a1b2"
        assert journal.path == tmp_path / "jobs" / "20260101-093000-a1b2.jsonl"
        journal.record_writing(key="k1", desired_name="hello.mp3", size=100, sha1="aa")
        journal.record_stored(key="k1", file_name="hello-1.mp3", provider="espeak")
        journal.record_writing(key="k2", desired_name="cat.png", size=200, sha1="bb")
        journal.record_failed(key="k3", provider="openai", error_class="QuotaError", message="Quota spent.")
        journal.record_targets_done([(1, "Audio"), (2, "Audio")])
        journal.record_targets_done([(3, "Image")])
        journal.record_end(cancelled=False, counts={"filled": 2, "failed": 1})

    state = read_journal(tmp_path, "20260101-093000-a1b2")
    assert state.header == _header()
    assert state.header.note_ids == (3, 1, 2)
    assert state.header.rules == (RULE,)
    assert state.stored == {"k1": StoredEntry(file_name="hello-1.mp3", provider="espeak")}
    assert state.writing == {"k2": WritingEntry(desired_name="cat.png", size=200, sha1="bb")}
    assert state.failed == {"k3": FailedEntry(provider="openai", error_class="QuotaError", message="Quota spent.")}
    assert state.targets_done == {(1, "Audio"), (2, "Audio"), (3, "Image")}
    assert state.runs == 1
    assert state.ended
    assert state.end_counts == {"filled": 2, "failed": 1}

    lines = _lines(journal.path)
    assert lines[-1] == b""  # every record ends its line
    assert len(lines) == 1 + 1 + 7
    assert all(json.loads(line) for line in lines[:-1])


def test_a_new_journal_has_not_ended(tmp_path: Path) -> None:
    JobJournal.create(tmp_path, _header()).close()
    state = read_journal(tmp_path, "20260101-093000-a1b2")
    assert (state.runs, state.ended, state.end_counts) == (1, False, {})
    assert state.stored == {}
    assert state.writing == {}
    assert state.failed == {}


def test_create_refuses_an_existing_id(tmp_path: Path) -> None:
    JobJournal.create(tmp_path, _header()).close()
    with pytest.raises(JournalError, match="already exists"):
        JobJournal.create(tmp_path, _header(fresh=True))
    assert read_journal(tmp_path, "20260101-093000-a1b2").header.fresh is False


def test_failed_then_stored_is_no_longer_failed(tmp_path: Path) -> None:
    with JobJournal.create(tmp_path, _header()) as journal:
        journal.record_failed(key="k", provider="openai", error_class="TransientError", message="Timed out.")
        journal.record_failed(key="k", provider="pexels", error_class="NotFoundError", message="Nothing found.")
        assert read_journal(tmp_path, journal.job_id).failed["k"].provider == "pexels"  # the last failure
        journal.record_stored(key="k", file_name="k.png", provider="pexels")
    state = read_journal(tmp_path, "20260101-093000-a1b2")
    assert state.failed == {}
    assert set(state.stored) == {"k"}


def test_writing_then_stored_is_no_longer_writing(tmp_path: Path) -> None:
    with JobJournal.create(tmp_path, _header()) as journal:
        journal.record_writing(key="a", desired_name="a.mp3", size=1, sha1="x")
        journal.record_writing(key="b", desired_name="b.mp3", size=2, sha1="y")
        journal.record_stored(key="a", file_name="a.mp3", provider="espeak")
    state = read_journal(tmp_path, "20260101-093000-a1b2")
    assert set(state.writing) == {"b"}
    assert set(state.stored) == {"a"}


def test_a_lone_surrogate_in_a_message_is_replaced_and_the_journal_stays_readable(tmp_path: Path) -> None:
    with JobJournal.create(tmp_path, _header()) as journal:
        journal.record_failed(key="k", provider="x", error_class="InvalidResponseError", message="bad \udc80 byte é")
        journal.record_stored(key="s", file_name="café.mp3", provider="espeak")
    state = read_journal(tmp_path, journal.job_id)
    assert state.failed["k"].message == "bad ? byte é"
    assert state.stored["s"].file_name == "café.mp3"


def test_failure_messages_are_redacted(tmp_path: Path) -> None:
    secret = "sk-live-abcdefghijklmnopqrstuvwxyz0123456789"
    remember_secrets(secret)
    try:
        with JobJournal.create(tmp_path, _header()) as journal:
            journal.record_failed(key="k", provider="openai", error_class="AuthError", message=f"Key {secret} refused.")
    finally:
        forget_secrets()
    assert secret not in journal.path.read_text(encoding="utf-8")
    assert secret not in read_journal(tmp_path, journal.job_id).failed["k"].message


def test_writing_after_close_is_refused(tmp_path: Path) -> None:
    journal = JobJournal.create(tmp_path, _header())
    journal.close()
    journal.close()
    with pytest.raises(ValueError, match="closed"):
        journal.record_stored(key="k", file_name="f", provider="p")


# ---------------------------------------------------------------------------- reopen


def test_reopen_appends_a_run_and_counts_it(tmp_path: Path) -> None:
    job_id = "20260101-093000-a1b2"
    with JobJournal.create(tmp_path, _header()) as journal:
        journal.record_stored(key="k1", file_name="f1", provider="p")
        journal.record_end(cancelled=True, counts={"filled": 1})
    size_before = journal.path.stat().st_size

    resumed, state = JobJournal.reopen(tmp_path, job_id, mode="resume")
    with resumed:
        assert state.runs == 2
        assert not state.ended
        assert state.end_counts == {}
        assert set(state.stored) == {"k1"}
        assert resumed.path.stat().st_size > size_before  # the run record
        resumed.record_stored(key="k2", file_name="f2", provider="p")

    retried, state = JobJournal.reopen(tmp_path, job_id, mode="retry-failed")
    retried.close()
    assert state.runs == 3
    assert set(state.stored) == {"k1", "k2"}

    state = read_journal(tmp_path, job_id)
    assert state.runs == 3
    assert not state.ended
    runs = [json.loads(line) for line in _lines(journal.path)[:-1] if b'"t":"run"' in line]
    assert [run["mode"] for run in runs] == ["resume", "retry-failed"]


def test_a_job_open_in_one_place_cannot_be_reopened_in_another_until_closed(tmp_path: Path) -> None:
    running = JobJournal.create(tmp_path, _header())
    running.record_writing(key="k", desired_name="a.mp3", size=3, sha1="0" * 40)
    before = journal_path(tmp_path, running.job_id).read_bytes()
    with pytest.raises(JobBusyError) as caught:
        JobJournal.reopen(tmp_path, running.job_id, mode="resume")
    assert isinstance(caught.value, JournalError) and running.job_id in str(caught.value)
    assert journal_path(tmp_path, running.job_id).read_bytes() == before, "the refused reopen changed nothing"
    running.record_stored(key="k", file_name="a.mp3", provider="p")  # the holder goes on undisturbed
    running.close()
    resumed, state = JobJournal.reopen(tmp_path, running.job_id, mode="retry-failed")
    with pytest.raises(JobBusyError):
        JobJournal.reopen(tmp_path, running.job_id, mode="resume")  # the resumed run holds it now
    resumed.close()
    assert state.runs == 2 and set(state.stored) == {"k"}


def test_reopen_refuses_an_unknown_mode(tmp_path: Path) -> None:
    JobJournal.create(tmp_path, _header()).close()
    with pytest.raises(ValueError, match="mode"):
        JobJournal.reopen(tmp_path, "20260101-093000-a1b2", mode="again")


def test_an_unknown_id_lists_the_recent_ids(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="No job has been recorded yet"):
        read_journal(tmp_path, "20260101-093000-a1b2")
    for job_id in ("20260101-090000-aaaa", "20260103-090000-cccc", "20260102-090000-bbbb"):
        JobJournal.create(tmp_path, _header(job_id)).close()
    with pytest.raises(JournalError) as caught:
        JobJournal.reopen(tmp_path, "20260104-090000-dddd", mode="resume")
    message = str(caught.value)
    assert "There is no job 20260104-090000-dddd" in message
    assert "20260103-090000-cccc, 20260102-090000-bbbb, 20260101-090000-aaaa" in message


def test_recent_jobs_newest_first(tmp_path: Path) -> None:
    assert recent_jobs(tmp_path) == []
    ids = [f"202601{day:02d}-120000-{day:04x}" for day in range(1, 15)]
    for job_id in ids:
        JobJournal.create(tmp_path, _header(job_id)).close()
    (tmp_path / "jobs" / "notes.txt").write_text("not a journal")
    (tmp_path / "jobs" / "bad-id.jsonl").write_text("{}\n")
    assert recent_jobs(tmp_path) == ids[::-1][:10]
    assert recent_jobs(tmp_path, limit=3) == ids[::-1][:3]
    assert recent_jobs(tmp_path, limit=0) == []


# ---------------------------------------------------------------------------- torn and damaged files


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    with JobJournal.create(tmp_path, _header()) as journal:
        journal.record_stored(key="k1", file_name="f1", provider="p")
    complete = journal.path.read_bytes()
    torn = b'{"t":"stored","key":"k2","file":"f2","prov'
    journal.path.write_bytes(complete + torn)

    state = read_journal(tmp_path, journal.job_id)
    assert set(state.stored) == {"k1"}

    # Resuming cuts the torn line off, so it never ends up in the middle.
    resumed, state = JobJournal.reopen(tmp_path, journal.job_id, mode="resume")
    with resumed:
        assert set(state.stored) == {"k1"}
        resumed.record_stored(key="k3", file_name="f3", provider="p")
    assert torn not in journal.path.read_bytes()
    assert journal.path.read_bytes().startswith(complete)
    state = read_journal(tmp_path, journal.job_id)
    assert set(state.stored) == {"k1", "k3"}
    assert state.runs == 2


def test_an_invalid_last_line_with_its_newline_is_ignored(tmp_path: Path) -> None:
    with JobJournal.create(tmp_path, _header()) as journal:
        journal.record_stored(key="k1", file_name="f1", provider="p")
    with journal.path.open("ab") as file:
        file.write(b"\x00\x00\x00\x00\n")  # what a crashed filesystem may leave behind
    assert set(read_journal(tmp_path, journal.job_id).stored) == {"k1"}
    resumed, _ = JobJournal.reopen(tmp_path, journal.job_id, mode="resume")
    resumed.close()
    assert b"\x00" not in journal.path.read_bytes()


@pytest.mark.parametrize(
    "garbage",
    [
        b"this is not json",
        b'{"t":"stored","key":"k2"}',  # JSON, but not a whole record
        b'{"t":"targets","done":[[1]]}',
        b"[1, 2, 3]",
        b"",
        b'{"t":"header","v":1}',
    ],
)
def test_garbage_in_the_middle_is_an_error(tmp_path: Path, garbage: bytes) -> None:
    with JobJournal.create(tmp_path, _header()) as journal:
        journal.record_stored(key="k1", file_name="f1", provider="p")
    with journal.path.open("ab") as file:
        file.write(garbage + b"\n" + b'{"t":"stored","key":"k3","file":"f3","provider":"p"}\n')
    with pytest.raises(JournalError, match="damaged at line 3"):
        read_journal(tmp_path, journal.job_id)
    size = journal.path.stat().st_size
    with pytest.raises(JournalError, match="damaged at line 3"):
        JobJournal.reopen(tmp_path, journal.job_id, mode="resume")
    assert journal.path.stat().st_size == size  # nothing appended to a damaged journal


def test_a_complete_but_wrong_last_record_is_an_error(tmp_path: Path) -> None:
    with JobJournal.create(tmp_path, _header()) as journal:
        journal.record_stored(key="k1", file_name="f1", provider="p")
    with journal.path.open("ab") as file:
        file.write(b'{"t":"stored","key":"k2"}\n')  # valid JSON with its newline: not a torn write
    with pytest.raises(JournalError, match="damaged at line 3"):
        read_journal(tmp_path, journal.job_id)


def test_a_journal_without_a_header_is_an_error(tmp_path: Path) -> None:
    path = journal_path(tmp_path, "20260101-093000-a1b2")
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"t":"header","v":1,"job_id":"2026')  # killed while creating
    with pytest.raises(JournalError, match="no complete header"):
        read_journal(tmp_path, "20260101-093000-a1b2")
    path.write_bytes(b'{"t":"stored","key":"k","file":"f","provider":"p"}\n{"t":"run","mode":"resume"}\n')
    with pytest.raises(JournalError, match="not the job header"):
        read_journal(tmp_path, "20260101-093000-a1b2")


def test_a_journal_of_another_version_is_an_error(tmp_path: Path) -> None:
    with JobJournal.create(tmp_path, _header()) as journal:
        journal.record_stored(key="k", file_name="f", provider="p")
    lines = _lines(journal.path)
    header = json.loads(lines[0])
    header["v"] = 99
    journal.path.write_bytes(b"\n".join([json.dumps(header).encode(), *lines[1:]]))
    with pytest.raises(JournalError, match="version 99"):
        read_journal(tmp_path, journal.job_id)


def test_an_unreadable_journal_is_an_error(tmp_path: Path) -> None:
    path = journal_path(tmp_path, "20260101-093000-a1b2")
    path.mkdir(parents=True)  # a folder where the file should be
    with pytest.raises(JournalError, match="cannot be read"):
        read_journal(tmp_path, "20260101-093000-a1b2")


# ---------------------------------------------------------------------------- concurrency and crashes


def test_many_threads_write_whole_lines(tmp_path: Path) -> None:
    threads_count, per_thread = 8, 500
    with JobJournal.create(tmp_path, _header()) as journal:
        barrier = threading.Barrier(threads_count)

        def work(number: int) -> None:
            barrier.wait()
            for i in range(per_thread):
                journal.record_stored(key=f"t{number}-{i}", file_name="x" * (i % 300), provider="p")

        threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    state = read_journal(tmp_path, journal.job_id)
    assert len(state.stored) == threads_count * per_thread


CHILD = """
import sys
from pathlib import Path
from addon.core.state.journal_records import JobHeader
from addon.core.state.journal_writer import JobJournal

state_dir = Path(sys.argv[1])
header = JobHeader(job_id=sys.argv[2], created=0.0, note_ids=[1], rules=[], kinds=["audio"], fresh=False,
                   collection="c")
journal = JobJournal.create(state_dir, header)
print("ready", flush=True)
i = 0
while True:
    journal.record_stored(key=f"k{i}", file_name="f" * (i % 5000), provider="p")
    i += 1
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_process_killed_while_appending_leaves_a_readable_journal(tmp_path: Path) -> None:
    job_id = "20260101-093000-dead"
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(CHILD), str(tmp_path), job_id],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    busy: JobBusyError | None = None
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        path = journal_path(tmp_path, job_id)
        deadline = time.monotonic() + 30
        while path.stat().st_size < 2_000_000 and time.monotonic() < deadline:
            time.sleep(0.01)
        try:
            JobJournal.reopen(tmp_path, job_id, mode="resume")  # the child still has the job
        except JobBusyError as exc:
            busy = exc
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:  # whatever failed above: a child left appending would fill the disk
            process.kill()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    assert busy is not None and "running in another window or process" in str(busy)

    data = path.read_bytes()
    complete = data.split(b"\n")[:-1]  # the part after the last newline is the torn record, if any
    assert len(complete) > 100
    records = [json.loads(line) for line in complete]  # every complete line is whole
    state = read_journal(tmp_path, job_id)
    assert len(state.stored) == len(records) - 1
    assert set(state.stored) == {f"k{i}" for i in range(len(records) - 1)}  # none lost in between

    resumed, state = JobJournal.reopen(tmp_path, job_id, mode="resume")
    with resumed:
        resumed.record_stored(key="after", file_name="f", provider="p")
    state = read_journal(tmp_path, job_id)
    assert "after" in state.stored
    assert state.runs == 2


def test_10000_records_are_fast(tmp_path: Path) -> None:
    with JobJournal.create(tmp_path, _header()) as journal:
        start = time.perf_counter()
        for i in range(2500):
            key = f"key-{i:05d}-{'0' * 40}"
            journal.record_writing(key=key, desired_name=f"word-{i}.mp3", size=12345, sha1="a" * 40)
            journal.record_stored(key=key, file_name=f"word-{i}.mp3", provider="espeak")
            journal.record_failed(key=f"f{i}", provider="openai", error_class="TransientError", message="Timed out.")
            journal.record_targets_done([(i, "Audio")])
        written = time.perf_counter() - start
    start = time.perf_counter()
    state = read_journal(tmp_path, journal.job_id)
    read = time.perf_counter() - start
    assert len(state.stored) == 2500
    assert len(state.targets_done) == 2500
    print(f"10000 journal records: write {written:.3f}s, read {read:.3f}s")
    assert written < 1.0
    assert read < 1.0
