"""core.log: no secret reaches caplog or the log file, every line of a job carries its trace id
(also in worker threads), and configure_logging replaces its handler instead of stacking."""

from __future__ import annotations

import contextvars
import io
import logging
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest

from addon.core.base.log import (
    RedactingFilter,
    TraceFilter,
    add_redacting_handler,
    configure_logging,
    current_trace_id,
    forget_secrets,
    get_logger,
    job_trace,
    new_trace_id,
    remember_secrets,
)
from addon.core.base.redaction import REDACTED

CONFIG_SECRET = "cfg-Key-7f3a9b2c4d"  # a key value from the config, matched literally only
REPO = Path(__file__).resolve().parents[2]
FILE_LINE = re.compile(r"^\S+ \S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) \[([0-9a-f]{8}|-)\] (\S+): ")


@pytest.fixture
def logger_name(request: pytest.FixtureRequest) -> Iterator[str]:
    """A logger of this test alone; its handlers, filters and the remembered secrets are removed after."""
    name = f"media_fill_test.{request.node.name}"
    yield name
    configure_logging(logger_name=name, level="WARNING", log_file=None)
    logger = logging.getLogger(name)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    for filter_ in list(logger.filters):
        logger.removeFilter(filter_)
    logger.setLevel(logging.NOTSET)
    forget_secrets()


def _trace(record: logging.LogRecord) -> str:
    trace_id = getattr(record, "trace_id", None)
    assert isinstance(trace_id, str), record
    return trace_id


def _file_handlers(name: str) -> list[RotatingFileHandler]:
    return [handler for handler in logging.getLogger(name).handlers if isinstance(handler, RotatingFileHandler)]


def _log_secrets(logger: logging.Logger) -> None:
    """Log the config secret as a message argument, in an exception, and in a URL."""
    logger.info("calling provider with key %s", CONFIG_SECRET)
    logger.info("GET %s", f"https://apifree.forvo.com/key/{CONFIG_SECRET}/format/json/word/hello")
    logger.warning("request to https://texttospeech.googleapis.com/v1/voices?key=%s failed", CONFIG_SECRET)
    try:
        raise ConnectionError(f"refused: xi-api-key {CONFIG_SECRET}")
    except ConnectionError:
        logger.exception("provider %s failed", "elevenlabs")


def test_get_logger_attaches_each_filter_once(logger_name: str) -> None:
    logger = get_logger(logger_name)
    assert get_logger(logger_name) is logger is logging.getLogger(logger_name)
    get_logger(logger_name)
    kinds = [type(filter_) for filter_ in logger.filters]
    assert sorted(kind.__name__ for kind in kinds) == ["RedactingFilter", "TraceFilter"]


def test_importing_attaches_nothing() -> None:
    code = (
        "import logging\n"
        "import addon.core.base.log\n"
        "loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]\n"
        "attached = [l for l in loggers if isinstance(l, logging.Logger) and (l.handlers or l.filters)]\n"
        "assert attached == [], attached\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr


def test_caplog_sees_no_secret(logger_name: str, caplog: pytest.LogCaptureFixture) -> None:
    remember_secrets(CONFIG_SECRET, None, "")
    logger = get_logger(logger_name)
    caplog.set_level(logging.DEBUG, logger=logger_name)
    _log_secrets(logger)
    assert len(caplog.records) == 4
    assert CONFIG_SECRET not in caplog.text
    assert "ConnectionError" in caplog.text  # the traceback is still there, redacted
    assert "provider elevenlabs failed" in caplog.text
    assert f"/key/{REDACTED}/format" in caplog.text
    assert all(_trace(record) == "-" for record in caplog.records)


def test_pattern_redaction_works_without_remembered_secrets(logger_name: str, caplog: pytest.LogCaptureFixture) -> None:
    logger = get_logger(logger_name)
    caplog.set_level(logging.DEBUG, logger=logger_name)
    logger.info("headers %s", {"xi-api-key": "unknown-key-123", "Authorization": "Bearer tok-456abc"})
    logger.info("url %s", "https://x.example/v1?api_key=unknown-key-123&q=1")
    assert "unknown-key-123" not in caplog.text
    assert "tok-456abc" not in caplog.text


def test_forget_secrets_stops_literal_redaction(logger_name: str, caplog: pytest.LogCaptureFixture) -> None:
    logger = get_logger(logger_name)
    caplog.set_level(logging.DEBUG, logger=logger_name)
    remember_secrets(CONFIG_SECRET)
    logger.info("value %s", CONFIG_SECRET)
    forget_secrets()
    logger.info("value %s", CONFIG_SECRET)
    assert [record.getMessage() for record in caplog.records] == [f"value {REDACTED}", f"value {CONFIG_SECRET}"]


def test_log_file_has_no_secret_and_a_trace_id_on_every_line(logger_name: str, tmp_path: Path) -> None:
    remember_secrets(CONFIG_SECRET)
    log_file = tmp_path / "deep" / "dir" / "media_fill.log"
    configure_logging(logger_name=logger_name, level="debug", log_file=log_file)
    logger = get_logger(logger_name)
    child = logging.getLogger(f"{logger_name}.child")  # not from get_logger: the handler's filters still apply
    with job_trace() as trace_id:
        logger.debug("job starts")
        child.info("child says key=%s", CONFIG_SECRET)
    logger.info("outside any job: %s", CONFIG_SECRET)
    with job_trace("cafe0123"):
        _log_secrets(logger)
    for handler in _file_handlers(logger_name):
        handler.flush()

    text = log_file.read_text(encoding="utf-8")
    assert CONFIG_SECRET not in text
    starts = [match for match in map(FILE_LINE.match, text.splitlines()) if match is not None]
    assert len(starts) == 7
    traces = [match.group(2) for match in starts]
    assert traces == [trace_id, trace_id, "-", "cafe0123", "cafe0123", "cafe0123", "cafe0123"]
    assert f"{logger_name}.child: child says key={REDACTED}" in text
    # Lines that do not start a record belong to the one traceback, which comes last.
    first_traceback_line = text.splitlines().index("Traceback (most recent call last):")
    assert all(FILE_LINE.match(line) for line in text.splitlines()[:first_traceback_line])
    assert "ConnectionError: refused: xi-api-key" in text


def test_trace_id_in_worker_threads(logger_name: str, caplog: pytest.LogCaptureFixture) -> None:
    logger = get_logger(logger_name)
    caplog.set_level(logging.DEBUG, logger=logger_name)

    def work(index: int) -> str:
        logger.info("item %d in %s", index, threading.current_thread().name)
        return current_trace_id()

    assert current_trace_id() == "-"
    with ThreadPoolExecutor(max_workers=3) as pool:
        with job_trace() as trace_id:
            futures = [pool.submit(contextvars.copy_context().run, work, index) for index in range(6)]
            seen = [future.result() for future in futures]
        outside = pool.submit(contextvars.copy_context().run, work, 99).result()
    assert seen == [trace_id] * 6
    assert outside == "-"
    assert current_trace_id() == "-"
    traced = [_trace(record) for record in caplog.records if not record.getMessage().startswith("item 99 ")]
    assert traced == [trace_id] * 6
    assert any(record.threadName != threading.current_thread().name for record in caplog.records)


def test_worker_without_copied_context_has_no_trace_id() -> None:
    with ThreadPoolExecutor(max_workers=1) as pool, job_trace("abad1dea"):
        assert current_trace_id() == "abad1dea"
        assert pool.submit(current_trace_id).result() == "-"


def test_job_trace_nests_and_restores() -> None:
    with job_trace("aaaa0000") as outer:
        with job_trace() as inner:
            assert current_trace_id() == inner != outer
        assert current_trace_id() == "aaaa0000"
    assert current_trace_id() == "-"


def test_new_trace_ids_are_8_hex_and_distinct() -> None:
    ids = {new_trace_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"[0-9a-f]{8}", trace_id) for trace_id in ids)


def test_trace_filter_keeps_an_existing_trace_id(logger_name: str, caplog: pytest.LogCaptureFixture) -> None:
    logger = get_logger(logger_name)
    caplog.set_level(logging.DEBUG, logger=logger_name)
    with job_trace("11112222"):
        logger.info("given", extra={"trace_id": "33334444"})
        logger.info("current")
    assert [_trace(record) for record in caplog.records] == ["33334444", "11112222"]


def test_configure_logging_twice_leaves_one_handler(logger_name: str, tmp_path: Path) -> None:
    configure_logging(logger_name=logger_name, level="INFO", log_file=tmp_path / "one.log")
    first = _file_handlers(logger_name)
    configure_logging(logger_name=logger_name, level="WARNING", log_file=tmp_path / "two.log")
    second = _file_handlers(logger_name)
    assert len(first) == 1 and len(second) == 1
    assert second[0] is not first[0]
    assert first[0].stream is None or first[0].stream.closed  # the replaced handler was closed
    assert logging.getLogger(logger_name).level == logging.WARNING
    assert len(logging.getLogger(logger_name).handlers) == 1

    get_logger(logger_name).warning("to the second file")
    second[0].flush()
    assert "to the second file" in (tmp_path / "two.log").read_text(encoding="utf-8")
    assert "to the second file" not in (tmp_path / "one.log").read_text(encoding="utf-8")

    configure_logging(logger_name=logger_name, level="INFO", log_file=None)
    assert _file_handlers(logger_name) == []
    assert logging.getLogger(logger_name).level == logging.INFO


def test_configure_logging_leaves_other_handlers_alone(logger_name: str, tmp_path: Path) -> None:
    other = logging.NullHandler()
    logging.getLogger(logger_name).addHandler(other)
    configure_logging(logger_name=logger_name, level="INFO", log_file=tmp_path / "a.log")
    configure_logging(logger_name=logger_name, level="INFO", log_file=None)
    assert logging.getLogger(logger_name).handlers == [other]


def test_log_file_rotates(logger_name: str, tmp_path: Path) -> None:
    log_file = tmp_path / "rotating.log"
    configure_logging(logger_name=logger_name, level="INFO", log_file=log_file, max_bytes=300, backup_count=2)
    logger = get_logger(logger_name)
    for index in range(60):
        logger.info("line %d with some padding to fill the file quickly", index)
    files = sorted(path.name for path in tmp_path.iterdir())
    assert files == ["rotating.log", "rotating.log.1", "rotating.log.2"]
    assert all(path.stat().st_size <= 300 for path in tmp_path.iterdir())
    assert "line 59 " in log_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("where", ["under_a_file", "is_a_directory"])
def test_unwritable_log_file_does_not_raise(
    where: str, logger_name: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "plain_file"
    blocker.write_text("not a directory", encoding="utf-8")
    log_file = blocker / "sub" / "media_fill.log" if where == "under_a_file" else tmp_path
    caplog.set_level(logging.DEBUG, logger=logger_name)
    configure_logging(logger_name=logger_name, level="INFO", log_file=log_file)
    assert _file_handlers(logger_name) == []
    assert [record.levelno for record in caplog.records] == [logging.WARNING]
    assert "cannot write the log file" in caplog.text
    get_logger(logger_name).info("logging goes on")
    assert "logging goes on" in caplog.text


def test_unknown_level_falls_back_to_info(logger_name: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=logger_name)
    configure_logging(logger_name=logger_name, level="LOUD", log_file=None)
    assert logging.getLogger(logger_name).level == logging.INFO
    assert "unknown log level 'LOUD'" in caplog.text


def test_add_redacting_handler_filters_records_of_plain_loggers(logger_name: str) -> None:
    remember_secrets(CONFIG_SECRET)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("[%(trace_id)s] %(message)s"))
    add_redacting_handler(logger_name, handler)
    add_redacting_handler(logger_name, handler)
    assert logging.getLogger(logger_name).handlers == [handler]
    assert len(handler.filters) == 2
    logging.getLogger(logger_name).setLevel(logging.INFO)
    with job_trace("0badf00d"):
        logging.getLogger(f"{logger_name}.plain").info("key %s", CONFIG_SECRET)
    assert stream.getvalue() == f"[0badf00d] key {REDACTED}\n"


def test_redacting_filter_on_a_bare_record() -> None:
    remember_secrets(CONFIG_SECRET)
    try:
        try:
            raise ValueError(f"bad key {CONFIG_SECRET}")
        except ValueError as error:
            exc_info = (type(error), error, error.__traceback__)
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "key=%s %d%%", (CONFIG_SECRET, 5), exc_info)
        record.stack_info = f"Stack (most recent call last):\n  value {CONFIG_SECRET}"
        assert RedactingFilter().filter(record) is True
        assert TraceFilter().filter(record) is True
        assert record.msg == f"key={REDACTED} 5%"
        assert record.args == ()
        assert record.getMessage() == f"key={REDACTED} 5%"
        assert record.exc_text is not None and "ValueError: bad key" in record.exc_text
        formatted = logging.Formatter("%(message)s").format(record)
        assert CONFIG_SECRET not in formatted
        assert _trace(record) == "-"
        # Running the filter again (logger, then handler) changes nothing.
        before = (record.msg, record.exc_text, record.stack_info)
        RedactingFilter().filter(record)
        assert (record.msg, record.exc_text, record.stack_info) == before
    finally:
        forget_secrets()


def test_bad_log_arguments_do_not_raise(logger_name: str, caplog: pytest.LogCaptureFixture) -> None:
    logger = get_logger(logger_name)
    caplog.set_level(logging.DEBUG, logger=logger_name)
    logger.info("two %s %s but one argument", "sk-0123456789abcdefghij")  # noqa: PLE1206
    assert "sk-0123456789abcdefghij" not in caplog.text
    assert "unformattable log arguments" in caplog.text
