"""The sqlite3 file under the reuse index (`BestEffortDatabase`): how its errors are told apart
(by sqlite's result code, or by the message where Python gives no code), its transactions, and
that it names its owner (label, logger, consequence) in what it logs. Real files in tmp_path."""

from __future__ import annotations

import logging
import sqlite3
import sys
from pathlib import Path

import pytest

from addon.core.base.closing import Closeable
from addon.core.state.best_effort_db import BestEffortDatabase, error_code, is_busy, is_corrupt, transaction

SCHEMA = "CREATE TABLE IF NOT EXISTS items (name TEXT PRIMARY KEY)"


def _database(path: Path, logger: logging.Logger) -> BestEffortDatabase:
    return BestEffortDatabase(
        path, schema=SCHEMA, schema_version=1, label="test store", consequence="Nothing is kept", log=logger
    )


def _error_from(action: str, path: Path) -> sqlite3.Error:
    """The error sqlite itself raises for ``action`` on ``path``."""
    if action == "corrupt":
        path.write_bytes(b"garbage" * 1000)
        conn = sqlite3.connect(path)
        with pytest.raises(sqlite3.Error) as raised:
            conn.execute("SELECT * FROM sqlite_master").fetchall()
        conn.close()
        return raised.value
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.Error) as raised:
        other.execute("INSERT INTO t VALUES (1)")
    other.close()
    holder.execute("ROLLBACK")
    holder.close()
    return raised.value


def test_errors_sqlite_raises_are_told_apart_by_their_code(tmp_path: Path) -> None:
    corrupt = _error_from("corrupt", tmp_path / "bad.sqlite3")
    busy = _error_from("busy", tmp_path / "busy.sqlite3")
    # Python gives the codes from 3.11 on (the launcher's Anki runs 3.13); before, the message words
    # decide, and the same errors must still be told apart.
    assert (error_code(corrupt) is not None) == (sys.version_info >= (3, 11))
    assert (is_corrupt(corrupt), is_busy(corrupt)) == (True, False)
    assert (is_corrupt(busy), is_busy(busy)) == (False, True)


@pytest.mark.parametrize(
    ("error", "corrupt", "busy"),
    [
        (sqlite3.DatabaseError("file is not a database"), True, False),
        (sqlite3.DatabaseError("database disk image is malformed"), True, False),
        (sqlite3.OperationalError("database is locked"), False, True),
        (sqlite3.OperationalError("database table is busy"), False, True),
        (sqlite3.OperationalError("no such table: items"), False, False),
    ],
)
def test_errors_without_a_code_are_told_apart_by_their_message(error: sqlite3.Error, corrupt: bool, busy: bool) -> None:
    assert error_code(error) is None  # made by hand: no code, as before Python 3.11
    assert (is_corrupt(error), is_busy(error)) == (corrupt, busy)


def test_a_transaction_that_fails_is_rolled_back(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "t.sqlite3", isolation_level=None)
    conn.execute(SCHEMA)
    with transaction(conn):
        conn.execute("INSERT INTO items VALUES ('kept')")
    with pytest.raises(sqlite3.IntegrityError), transaction(conn):
        conn.execute("INSERT INTO items VALUES ('dropped')")
        conn.execute("INSERT INTO items VALUES ('kept')")  # already there
    assert conn.execute("SELECT name FROM items").fetchall() == [("kept",)]
    assert not conn.in_transaction
    conn.close()


def test_it_names_its_owner_in_the_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.owner")
    folder = tmp_path / "a file, not a folder"
    folder.write_text("x")
    caplog.set_level(logging.WARNING, logger="tests.owner")
    with _database(folder / "store.sqlite3", logger) as database:
        assert database.run("count", lambda conn: 1, default=0) == 0
    (record,) = caplog.records
    assert record.name == "tests.owner"
    assert record.getMessage().startswith(f"test store {folder / 'store.sqlite3'} is unusable: ")
    assert record.getMessage().endswith(". Nothing is kept")


def test_it_makes_its_schema_and_runs_operations(tmp_path: Path) -> None:
    with _database(tmp_path / "store.sqlite3", logging.getLogger("tests.owner")) as database:

        def add(conn: sqlite3.Connection) -> None:
            with transaction(conn):
                conn.execute("INSERT INTO items VALUES ('one')")

        database.run("add", add, default=None)
        assert database.run("read", lambda conn: conn.execute("SELECT name FROM items").fetchall(), default=[]) == [
            ("one",)
        ]
    with sqlite3.connect(tmp_path / "store.sqlite3") as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)


class _Resource(Closeable):
    def __init__(self) -> None:
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def test_a_closeable_is_closed_on_leaving_the_block_even_by_an_exception() -> None:
    with _Resource() as resource:
        assert resource.closed == 0
    assert resource.closed == 1
    failing = _Resource()
    with pytest.raises(KeyError), failing:
        raise KeyError("not swallowed")
    assert failing.closed == 1
