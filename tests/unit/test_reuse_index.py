"""The reuse index: a real sqlite3 file in tmp_path, two indexes (and a second process) on one file,
threads, and damaged files that must never stop a job."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from addon.core.state import best_effort_db
from addon.core.state.reuse_index import LOOKUP_CHUNK, SCHEMA_VERSION, ReuseEntry, ReuseIndex, ReuseRow, reuse_key

REPO = Path(__file__).resolve().parents[2]
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"


def _record(index: ReuseIndex, key: str, *, file_name: str | None = None, size: int = 10) -> None:
    index.record(key=key, file_name=file_name or f"{key}.mp3", provider="espeak", kind="audio", size=size, sha1=SHA1)


def _corrupt_copies(path: Path) -> list[Path]:
    return sorted(p for p in path.parent.iterdir() if p.name.startswith(f"{path.name}.corrupt-"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "user_files" / "nested" / "reuse.sqlite3"


# ---------------------------------------------------------------------------- keys


def test_reuse_key_is_sha256_hex_and_stable() -> None:
    key = reuse_key(provider="openai", cache_key="cat|en", fingerprint="v1")
    assert len(key) == 64
    assert int(key, 16) >= 0
    assert key == reuse_key(provider="openai", cache_key="cat|en", fingerprint="v1")
    assert key != reuse_key(provider="openai", cache_key="cat|en", fingerprint="v2")


@settings(max_examples=300, deadline=None)
@given(provider=st.text(), cache_key=st.text(), fingerprint=st.text())
@example(provider='say "hi"', cache_key="\\ \u2028 é 猫 \x00 \ud800", fingerprint="\x7f")
def test_the_reuse_key_is_the_key_every_earlier_version_made(provider: str, cache_key: str, fingerprint: str) -> None:
    """Put together from its parts, the key is still the SHA-256 of what `json.dumps` writes, so
    media recorded by earlier versions is found."""
    text = json.dumps([provider, cache_key, fingerprint], ensure_ascii=True, separators=(",", ":"))
    assert (
        reuse_key(provider=provider, cache_key=cache_key, fingerprint=fingerprint)
        == hashlib.sha256(text.encode("ascii")).hexdigest()
    )


def test_a_pinned_reuse_key_never_changes() -> None:
    key = reuse_key(provider="openai", cache_key="cat|en", fingerprint="v1")
    assert key == "95a8bebfc5d00934dee1e80e2a30881cb9fb436526f902f924c389ec79b7bff8"  # as made by json.dumps


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("ab", "c", "d"), ("a", "bc", "d")),
        (("a", "b|c", "d"), ("a|b", "c", "d")),
        (("a", 'b","c', "d"), ("a", "b", 'c","d')),
        (("", "", "x"), ("", "x", "")),
    ],
)
def test_reuse_key_has_no_concatenation_collisions(first: tuple[str, str, str], second: tuple[str, str, str]) -> None:
    one = reuse_key(provider=first[0], cache_key=first[1], fingerprint=first[2])
    two = reuse_key(provider=second[0], cache_key=second[1], fingerprint=second[2])
    assert one != two


# ---------------------------------------------------------------------------- round trips


def test_nothing_is_touched_until_the_first_call(db_path: Path) -> None:
    index = ReuseIndex(db_path, collection_id="c1")
    assert not db_path.parent.exists()
    assert len(index) == 0  # creates the parent folders and the file
    assert db_path.is_file()
    index.close()


def test_round_trip(db_path: Path) -> None:
    with ReuseIndex(db_path, collection_id="c1", clock=lambda: 1234.5) as index:
        key = reuse_key(provider="espeak", cache_key="hello|en", fingerprint="f")
        index.record(key=key, file_name="hello.mp3", provider="espeak", kind="audio", size=321, sha1=SHA1)
        found = index.lookup([key, "missing"])
        assert found == {
            key: ReuseEntry(
                key=key, file_name="hello.mp3", provider="espeak", kind="audio", size=321, sha1=SHA1, created=1234.5
            )
        }
        assert len(index) == 1
        assert index.lookup([]) == {}

    # A new object on the same file (a later session) sees it.
    with ReuseIndex(db_path, collection_id="c1") as again:
        assert again.lookup([key])[key].file_name == "hello.mp3"


def test_lookup_runs_one_query_per_chunk_of_keys(db_path: Path) -> None:
    keys = [f"k{i}" for i in range(LOOKUP_CHUNK * 2 + 7)]
    with ReuseIndex(db_path, collection_id="c1") as index:
        for key in keys[::3]:
            _record(index, key)
        statements: list[str] = []
        connection = index._db._conn
        assert connection is not None
        connection.set_trace_callback(statements.append)
        found = index.lookup([*keys, *keys])  # duplicates are asked once
        assert set(found) == set(keys[::3])
        assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 3


def test_collections_sharing_the_file_are_kept_apart(db_path: Path) -> None:
    with ReuseIndex(db_path, collection_id="alice") as alice, ReuseIndex(db_path, collection_id="bob") as bob:
        _record(alice, "shared", file_name="alice.mp3")
        _record(alice, "only-alice")
        _record(bob, "shared", file_name="bob.mp3")
        assert len(alice) == 2
        assert len(bob) == 1
        assert alice.lookup(["shared"])["shared"].file_name == "alice.mp3"
        assert bob.lookup(["shared", "only-alice"]) == {"shared": bob.lookup(["shared"])["shared"]}
        assert bob.lookup(["shared"])["shared"].file_name == "bob.mp3"
        bob.forget(["shared", "only-alice"])
        assert len(bob) == 0
        assert set(alice.lookup(["shared", "only-alice"])) == {"shared", "only-alice"}


def test_record_is_an_upsert(db_path: Path) -> None:
    times = iter([1.0, 2.0])
    with ReuseIndex(db_path, collection_id="c1", clock=lambda: next(times)) as index:
        _record(index, "k", file_name="old.mp3", size=1)
        _record(index, "k", file_name="new.mp3", size=2)
        assert len(index) == 1
        entry = index.lookup(["k"])["k"]
        assert (entry.file_name, entry.size, entry.created) == ("new.mp3", 2, 2.0)


def test_forget(db_path: Path) -> None:
    with ReuseIndex(db_path, collection_id="c1") as index:
        keys = [f"k{i}" for i in range(LOOKUP_CHUNK + 20)]
        for key in keys:
            _record(index, key)
        index.forget([*keys[:-1], "never-recorded"])
        index.forget([])
        assert len(index) == 1
        assert set(index.lookup(keys)) == {keys[-1]}


def test_close_twice_and_use_after_close_reconnects(db_path: Path) -> None:
    index = ReuseIndex(db_path, collection_id="c1")
    _record(index, "k")
    index.close()
    index.close()
    assert set(index.lookup(["k"])) == {"k"}
    index.close()


def test_empty_collection_id_is_refused(db_path: Path) -> None:
    with pytest.raises(ValueError, match="collection_id"):
        ReuseIndex(db_path, collection_id="")


# ---------------------------------------------------------------------------- damaged files


def test_a_garbage_file_is_moved_aside_and_the_job_goes_on(db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db_path.parent.mkdir(parents=True)
    garbage = os.urandom(64) + b"this is not an sqlite database" * 100
    db_path.write_bytes(garbage)
    caplog.set_level(logging.WARNING, logger="addon.core.state.reuse_index")
    with ReuseIndex(db_path, collection_id="c1") as index:
        assert index.lookup(["k"]) == {}
        _record(index, "k")
        assert set(index.lookup(["k"])) == {"k"}
    (moved,) = _corrupt_copies(db_path)
    assert moved.read_bytes() == garbage
    assert moved.name.startswith("reuse.sqlite3.corrupt-")
    assert "moved it to reuse.sqlite3.corrupt-" in caplog.text


def test_a_file_damaged_inside_is_moved_aside_when_a_query_finds_it(db_path: Path) -> None:
    with ReuseIndex(db_path, collection_id="c1") as index:
        for i in range(2000):
            _record(index, f"k{i}")
    data = bytearray(db_path.read_bytes())
    data[4096:] = bytes((i * 7 + 3) % 256 for i in range(len(data) - 4096))  # page 1 (the header) stays valid
    db_path.write_bytes(bytes(data))

    with ReuseIndex(db_path, collection_id="c1") as index:
        assert index.lookup(["k1", "k2"]) == {}
        _record(index, "fresh")
        assert len(index) == 1
    assert len(_corrupt_copies(db_path)) == 1


def test_an_unknown_schema_version_is_recreated(db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE entries (whatever TEXT)")
    conn.execute("CREATE TABLE other (x INTEGER)")
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()

    caplog.set_level(logging.WARNING, logger="addon.core.state.reuse_index")
    with ReuseIndex(db_path, collection_id="c1") as index:
        assert len(index) == 0
        _record(index, "k")
        assert set(index.lookup(["k"])) == {"k"}
    assert "schema version 99" in caplog.text

    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert tables == {"entries"}


def test_an_unusable_place_behaves_as_an_empty_index(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "user_files"
    blocker.write_text("a file where the folder should be")
    caplog.set_level(logging.WARNING, logger="addon.core.state.reuse_index")
    with ReuseIndex(blocker / "reuse.sqlite3", collection_id="c1") as index:
        for i in range(5):
            _record(index, f"k{i}")
            assert index.lookup([f"k{i}"]) == {}
        index.forget(["k1"])
        assert len(index) == 0
    assert sum("is unusable" in r.getMessage() for r in caplog.records) == 1


def test_a_bad_file_that_cannot_be_moved_aside_disables_the_index(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"garbage" * 1000)

    def refuse(*args: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    caplog.set_level(logging.WARNING, logger="addon.core.state.reuse_index")
    with ReuseIndex(db_path, collection_id="c1") as index:
        for _ in range(3):
            _record(index, "k")
            assert index.lookup(["k"]) == {}
            assert len(index) == 0
    assert db_path.read_bytes() == b"garbage" * 1000
    assert sum("is unusable" in r.getMessage() for r in caplog.records) == 1


def test_a_busy_file_is_a_miss_not_a_corrupt_one(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(best_effort_db, "BUSY_TIMEOUT_S", 0.05)
    with ReuseIndex(db_path, collection_id="c1") as index:
        _record(index, "before")
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another process writing for a long time
        caplog.set_level(logging.WARNING, logger="addon.core.state.reuse_index")
        _record(index, "while-busy")  # gives up after the busy timeout, without raising
        other.execute("ROLLBACK")
        other.close()
        _record(index, "after")
        assert set(index.lookup(["before", "while-busy", "after"])) == {"before", "after"}
    assert _corrupt_copies(db_path) == []
    assert "locked" in caplog.text


# ---------------------------------------------------------------------------- sharing


def test_two_indexes_on_one_file_see_each_others_records(db_path: Path) -> None:
    with ReuseIndex(db_path, collection_id="c1") as anki, ReuseIndex(db_path, collection_id="c1") as cli:
        assert len(anki) == 0
        assert len(cli) == 0  # both connections are open now
        _record(anki, "from-anki")
        _record(cli, "from-cli")
        assert set(anki.lookup(["from-anki", "from-cli"])) == {"from-anki", "from-cli"}
        assert set(cli.lookup(["from-anki", "from-cli"])) == {"from-anki", "from-cli"}
        cli.forget(["from-anki"])
        assert set(anki.lookup(["from-anki", "from-cli"])) == {"from-cli"}


def test_another_process_writes_at_the_same_time(db_path: Path) -> None:
    child = textwrap.dedent(
        f"""
        from pathlib import Path
        from addon.core.state.reuse_index import ReuseIndex
        with ReuseIndex(Path({str(db_path)!r}), collection_id="c1") as index:
            for i in range(300):
                index.record(key=f"child-{{i}}", file_name="f", provider="p", kind="image", size=i, sha1="s")
        """
    )
    with ReuseIndex(db_path, collection_id="c1") as index:
        assert len(index) == 0
        process = subprocess.Popen([sys.executable, "-c", child], cwd=REPO)
        for i in range(300):
            _record(index, f"parent-{i}")
        assert process.wait(timeout=60) == 0
        assert len(index) == 600


def test_many_threads_record_at_once(db_path: Path) -> None:
    threads_count, per_thread = 8, 200
    errors: list[BaseException] = []
    with ReuseIndex(db_path, collection_id="c1") as index:
        barrier = threading.Barrier(threads_count)

        def work(number: int) -> None:
            try:
                barrier.wait()
                for i in range(per_thread):
                    _record(index, f"t{number}-{i}")
                    if i % 50 == 0:
                        index.lookup([f"t{number}-{i}"])
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(index) == threads_count * per_thread
        keys = [f"t{n}-{i}" for n in range(threads_count) for i in range(per_thread)]
        assert len(index.lookup(keys)) == len(keys)


def test_recording_5000_entries_is_fast(db_path: Path) -> None:
    with ReuseIndex(db_path, collection_id="c1") as index:
        keys = [reuse_key(provider="p", cache_key=str(i), fingerprint="f") for i in range(5000)]
        start = time.perf_counter()
        for key in keys:
            _record(index, key)
        elapsed = time.perf_counter() - start
        assert len(index.lookup(keys)) == 5000
    print(f"5000 reuse-index records: {elapsed:.3f}s")
    assert elapsed < 2.0


def test_record_many_writes_its_entries_in_one_transaction(db_path: Path) -> None:
    rows = [ReuseRow(f"k{i}", f"k{i}.mp3", "espeak", "audio", 10 + i, SHA1) for i in range(5)]
    with ReuseIndex(db_path, collection_id="c1") as index:
        _record(index, "first")  # opens the file
        statements: list[str] = []
        connection = index._db._conn
        assert connection is not None
        connection.set_trace_callback(statements.append)
        index.record_many(rows)
        index.record_many([])
        assert [s for s in statements if s.split()[0].upper() in ("BEGIN", "COMMIT")] == ["BEGIN IMMEDIATE", "COMMIT"]
        found = index.lookup(row.key for row in rows)
        assert {key: entry.size for key, entry in found.items()} == {row.key: row.size for row in rows}
