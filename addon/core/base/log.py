"""Logging for Media Fill: every line redacted, every line of a job tagged with its trace id.

``get_logger`` returns ``logging.getLogger(name)`` with a ``RedactingFilter`` and a ``TraceFilter``
attached to that logger. Filters on a logger act on the records created on it, before any handler
(the add-on's log file, Anki's console, pytest's caplog) sees them, so secrets are gone and the
trace id is set wherever the record goes. A record created on a logger obtained with plain
``logging.getLogger`` is not filtered by its logger; the file handler of ``configure_logging`` and
any handler added with ``add_redacting_handler`` carry both filters too, so what they write is
redacted and traced either way.

Secrets: ``remember_secrets`` adds the key values found in the config to the one ``KnownSecrets``
the filters use, on top of the pattern-based redaction of ``core.base.redaction``; ``forget_secrets``
drops them (e.g. before the config is read again).

Trace ids: ``job_trace`` sets a ``contextvars.ContextVar`` for the duration of a block, and
``current_trace_id`` reads it ("-" outside a job). Context variables do NOT flow into
``ThreadPoolExecutor`` workers by themselves: a worker thread runs in its own context. The job
runner therefore submits every piece of work with ``contextvars.copy_context().run`` (one fresh copy
per submission, since one context cannot be entered by two threads at once), so every line a job
logs, in whichever thread, carries the job's trace id.

No side effects at import: nothing is attached to any logger until ``get_logger`` or
``configure_logging`` is called.

Thread safety: every function here may be called from any thread. ``get_logger`` and
``configure_logging`` serialise their changes to loggers with a module lock; the secret set is
guarded by its own lock; the trace id is per context (so per thread, or per submitted task).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import threading
import traceback
import uuid
from collections.abc import Iterator
from logging.handlers import RotatingFileHandler
from pathlib import Path

from .redaction import KnownSecrets

LOG_FILE_NAME = "media_fill.log"  # in the add-on's user_files/ (the CLI: --log-file)
LOG_FORMAT = "%(asctime)s %(levelname)s [%(trace_id)s] %(name)s: %(message)s"
NO_TRACE = "-"

_trace_id: contextvars.ContextVar[str] = contextvars.ContextVar("media_fill_trace_id", default=NO_TRACE)
_known_secrets = KnownSecrets()
_lock = threading.Lock()
# The file handler configure_logging added, per logger name, so a second call replaces it.
_file_handlers: dict[str, RotatingFileHandler] = {}


class RedactingFilter(logging.Filter):
    """Replaces the record's message, traceback and stack text with their redacted forms.

    The message is formatted here (``record.msg`` becomes the redacted text, ``record.args`` empty),
    so no handler formats the raw arguments again. Never drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # bad format arguments must not make logging raise at the call site
            message = f"{record.msg!s} (unformattable log arguments: {record.args!r})"
        record.msg = _known_secrets.redact(message)
        record.args = ()
        if record.exc_text:
            record.exc_text = _known_secrets.redact(record.exc_text)
        elif record.exc_info and record.exc_info[0] is not None:
            record.exc_text = _known_secrets.redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        if record.stack_info:
            record.stack_info = _known_secrets.redact(record.stack_info)
        return True


class TraceFilter(logging.Filter):
    """Sets ``record.trace_id`` to the current job's trace id unless the record has one. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "trace_id", None) is None:
            record.trace_id = current_trace_id()
        return True


def _ensure_filters(filterer: logging.Filterer) -> None:
    present = {type(existing) for existing in filterer.filters}
    for filter_class in (RedactingFilter, TraceFilter):
        if filter_class not in present:
            filterer.addFilter(filter_class())


def get_logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)`` with a RedactingFilter and a TraceFilter attached (once)."""
    logger = logging.getLogger(name)
    with _lock:
        _ensure_filters(logger)
    return logger


def add_redacting_handler(logger_name: str, handler: logging.Handler) -> None:
    """Attach ``handler`` (e.g. a console handler) to ``logger_name`` with both filters on it, so it
    sees redacted, traced records even from loggers that were not made by get_logger. Adding the
    same handler again does nothing. Removing it is the caller's business (``removeHandler``)."""
    logger = get_logger(logger_name)
    with _lock:
        _ensure_filters(handler)
        logger.addHandler(handler)  # a no-op for a handler already attached


def new_trace_id() -> str:
    """A fresh trace id: 8 hex characters."""
    return uuid.uuid4().hex[:8]


def current_trace_id() -> str:
    """The trace id of the job running in this context, or "-" outside a job."""
    return _trace_id.get()


@contextlib.contextmanager
def job_trace(trace_id: str | None = None) -> Iterator[str]:
    """Run the block under ``trace_id`` (a new one when None) and yield it; the previous id is restored after."""
    value = trace_id or new_trace_id()
    token = _trace_id.set(value)
    try:
        yield value
    finally:
        _trace_id.reset(token)


def remember_secrets(*values: str | None) -> None:
    """Redact these values from every log line from now on (None, empty and very short values are ignored)."""
    _known_secrets.add(*values)


def redact_secrets(text: str) -> str:
    """``text`` with every remembered secret and every key-shaped pattern replaced: for text shown
    to users (error messages, reports) as much as for logs."""
    return _known_secrets.redact(text)


def forget_secrets() -> None:
    """Stop redacting the values given to remember_secrets (pattern-based redaction goes on)."""
    _known_secrets.clear()


def configure_logging(
    *,
    logger_name: str,
    level: str,
    log_file: Path | None,
    max_bytes: int = 1_000_000,
    backup_count: int = 3,
) -> None:
    """Set the level of ``logger_name`` and (re)place its rotating log file.

    A second call with the same file keeps the open handler (only the level changes); with another
    file it replaces (and closes) the handler the first one added instead of adding another;
    ``log_file=None`` removes it. The file is UTF-8, its parent directories are created,
    and each line reads ``<time> <LEVEL> [<trace id>] <logger>: <message>``. When the file cannot be
    created, a warning is logged and logging goes on without a file; this function never raises
    for that. An unknown ``level`` falls back to INFO with a warning.
    """
    logger = get_logger(logger_name)
    with _lock:
        try:
            logger.setLevel(level.upper())
            level_error = False
        except (ValueError, TypeError):
            logger.setLevel(logging.INFO)
            level_error = True
        previous = _file_handlers.get(logger_name)
        same_file = previous is not None and log_file is not None and previous.baseFilename == os.path.abspath(log_file)
        if previous is not None and not same_file:
            _file_handlers.pop(logger_name)
            logger.removeHandler(previous)
            previous.close()
        handler: RotatingFileHandler | None = None
        file_error: OSError | None = None
        if log_file is not None and not same_file:
            try:
                log_file.parent.mkdir(parents=True, exist_ok=True)
                handler = RotatingFileHandler(log_file, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8")
            except OSError as error:
                file_error = error
        if handler is not None:
            handler.setFormatter(logging.Formatter(LOG_FORMAT))
            _ensure_filters(handler)
            logger.addHandler(handler)
            _file_handlers[logger_name] = handler
    # Logged outside the lock: a handler may call back into this module.
    if level_error:
        logger.warning("unknown log level %r; using INFO", level)
    if file_error is not None:
        logger.warning("cannot write the log file %s (%s); logging without a file", log_file, file_error)
