"""Headless entry point (``python -m addon COMMAND``):

* ``fill --collection PATH --search QUERY [--config FILE] [--json] [--fresh]`` runs the same job
  steps as the Browser action (`collection.fill`); ``fill --collection PATH --resume JOB_ID``
  finishes an interrupted job and ``--retry-failed JOB_ID`` redoes only its failures (the JSON
  report's ``job_id`` names the job). ``--dry-run`` only plans: it prints what the job would
  make, skip, reuse and cost, writes nothing and asks no provider (`cli_commands.dry_run`); exit 0. Exit codes: 0 when every target was filled, skipped or
  reused; 1 when some failed (or were not started because of Ctrl+C or the budget); 2 on bad usage,
  bad config, an unknown job, a collection that cannot be opened, or a rule none of whose providers
  of a kind can run (off, no key, a program such as espeak-ng missing): nothing is written then, and
  the message names the settings to fix.
* ``import --collection PATH --file WORDS.csv --note-type T --deck D [--map column=Field …]
  [--encoding E] [--allow-duplicates] [--fill] [--config FILE] [--json]`` creates a note for each
  row of a CSV (with a header row) or JSON (an array of objects) word list, in one undo entry, all
  or none; rows whose first field the deck already has are counted as duplicates and left out; a
  CSV row with fewer cells than the header is imported with the missing cells empty and counted as
  a short row. Rows are numbered from the first row after the header (CSV problems also name the
  file's line). ``--fill`` then fills the new notes as ``fill`` would. Same exit codes and report
  keys as ``fill``, plus ``created``, ``duplicates``, ``duplicate_rows``, ``empty_rows``,
  ``short_rows`` and ``short_row_numbers``; a bad file is exit 2, with its row and column.
* ``providers [--config FILE] [--json]`` lists every known provider with its kind, whether it is
  enabled and configured, and its status. Exit 0 (2 on bad config).
* ``remove --collection PATH --search QUERY [--field F …] [--kind image|audio] [--config FILE]
  [--json]`` takes the pictures and sounds Media Fill made out of the notes' target fields in one
  undo step, leaving the files for Anki's Check Media (`cli_commands.remove`).
* ``voices PROVIDER [--language LANG] [--config FILE] [--json]`` lists the voices of a sound provider
  (their ids are what a target's ``voice`` takes), those of one language with ``--language``
  (`cli_commands.voices`). Exit 0; 1 when the provider failed to answer; 2 when it has none to list.
* ``check [--config FILE] [--json]`` runs every enabled provider's health check at once; exit 1
  when one is unhealthy, else 0 (2 on bad config).

Every command logs to ``--log-file`` (default: the add-on's ``user_files/media_fill.log``) with
keys redacted; ``--verbose`` also logs to stderr. Job journals and the reuse index live in
``--state-dir`` (default: the add-on's ``user_files/``).

Thread safety: runs on the main thread of its own process and owns the collection it opens.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from .cli_commands import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from .cli_commands.output import results_only_on_stdout, say
from .cli_commands.remove import add_remove_parser, run_remove
from .cli_commands.voices import add_voices_parser, run_voices
from .core.base.errors import MediaFillError
from .core.base.log import LOG_FILE_NAME, add_redacting_handler, configure_logging, get_logger
from .core.config.files import package_dir, read_config_file
from .core.engine.generation import JobProgress
from .core.engine.job_session import JobOptions
from .core.job.report import JobReport
from .core.provider_system.config_loading import load_config
from .core.provider_system.listing import provider_rows
from .core.provider_system.registry import ProviderRegistry

if TYPE_CHECKING:
    from anki.collection import Collection

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]
_PACKAGE = __name__.rpartition(".")[0] or "addon"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m addon", description="Media Fill: fill Anki notes with pictures and sounds.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    fill = commands.add_parser("fill", help="fill the media fields of the notes a search finds")
    fill.add_argument(
        "--collection", required=True, type=Path, help="path to collection.anki2 (Anki must not have it open)"
    )
    which = fill.add_mutually_exclusive_group(required=True)
    which.add_argument("--search", help="an Anki search, e.g. 'deck:Spanish' or 'note:Basic'")
    which.add_argument("--resume", metavar="JOB_ID", help="finish an interrupted job")
    which.add_argument("--retry-failed", metavar="JOB_ID", help="redo only the failures of a job")
    fill.add_argument("--fresh", action="store_true", help="make new media even where earlier jobs made it")
    fill.add_argument("--dry-run", action="store_true", help="only say what the job would make, skip, reuse and cost")
    _add_job_options(fill)
    word_import = commands.add_parser("import", help="create notes from a CSV or JSON word list (and fill them)")
    word_import.add_argument("--collection", required=True, type=Path, help="path to collection.anki2")
    word_import.add_argument("--file", required=True, type=Path, help="the word list: CSV with a header row, or JSON")
    word_import.add_argument("--note-type", required=True, help="the note type of the new notes")
    word_import.add_argument("--deck", required=True, help="the deck of the new notes (created when missing)")
    word_import.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="fill FIELD from COLUMN (repeat it; columns named like fields are mapped anyway)",
    )
    word_import.add_argument("--encoding", default=None, help="the file's encoding (default: detected)")
    word_import.add_argument("--allow-duplicates", action="store_true", help="add rows the deck already has")
    word_import.add_argument("--fill", action="store_true", help="fill the new notes' media right away")
    _add_job_options(word_import)
    providers = commands.add_parser("providers", help="list every known provider and whether it is ready")
    check = commands.add_parser("check", help="test every enabled provider's connection")
    remove = add_remove_parser(commands)
    voices = add_voices_parser(commands)
    for command in (fill, word_import, providers, check, remove, voices):
        if command not in (fill, word_import):
            command.add_argument("--config", type=Path, help="a JSON file of settings laid over the defaults")
            command.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        command.add_argument("--verbose", "-v", action="store_true", help="log each step on stderr")
        command.add_argument("--log-file", type=Path, default=None, help="where to write the log (rotated)")
    check.add_argument("--timeout", type=float, default=None, help="seconds each check may take")
    return parser


def _add_job_options(command: argparse.ArgumentParser) -> None:
    """The options of the commands that run a job (``fill``, ``import``): state, config, JSON report."""
    command.add_argument("--state-dir", type=Path, default=None, help="where job journals and the reuse index live")
    command.add_argument("--config", type=Path, help="a JSON file of settings laid over the defaults")
    command.add_argument("--json", action="store_true", help="print one JSON report object on stdout")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _set_up_logging(args, level="DEBUG" if args.verbose else "INFO")  # before the config: loading it may log
    try:
        config = load_config(read_config_file(args.config) if args.config else None)
    except MediaFillError as exc:
        print(f"media-fill: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not args.verbose:
        get_logger(_PACKAGE).setLevel(str(config.get("log_level", "INFO")))
    commands = {
        "fill": _fill,
        "import": _import,
        "providers": _providers,
        "check": _check,
        "remove": run_remove,
        "voices": run_voices,
    }
    with results_only_on_stdout():  # Anki 25.07/25.09 print diagnostics on stdout: they go to stderr
        return commands[str(args.command)](args, config)


def _set_up_logging(args: argparse.Namespace, *, level: str) -> None:
    """The rotating log file and, with --verbose, stderr."""
    log_file = args.log_file if args.log_file is not None else package_dir() / "user_files" / LOG_FILE_NAME
    configure_logging(logger_name=_PACKAGE, level=level, log_file=log_file)
    if args.verbose:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s [%(trace_id)s] %(name)s: %(message)s"))
        add_redacting_handler(_PACKAGE, handler)


def _providers(args: argparse.Namespace, config: dict[str, Any]) -> int:
    rows = provider_rows(ProviderRegistry(config))
    if args.json:
        say(json.dumps({"providers": rows}, ensure_ascii=False))
        return EXIT_OK
    say(f"{'kind':<6} {'provider':<14} {'enabled':<8} {'configured':<11} {'status':<10} description")
    for row in rows:
        configured = "yes" if row["configured"] else "no"
        say(
            f"{row['kind']:<6} {row['name']:<14} {'yes' if row['enabled'] else 'no':<8} {configured:<11} "
            f"{row['status']:<10} {row['description'] or row['problem']}"
        )
    return EXIT_OK


def _check(args: argparse.Namespace, config: dict[str, Any]) -> int:
    registry = ProviderRegistry(config)
    try:
        results = registry.health_check_all(timeout_s=args.timeout)
    finally:
        registry.close()
    unhealthy = [r for r in results if not r.ok]
    if args.json:
        say(json.dumps({"checks": [r.to_json() for r in results], "unhealthy": len(unhealthy)}, ensure_ascii=False))
    else:
        for r in results:
            latency = "-" if r.latency_s is None else f"{r.latency_s * 1000:.0f} ms"
            say(f"{'ok ' if r.ok else 'BAD'} {r.kind.value:<6} {r.provider:<14} {latency:>9}  {r.message}")
        say(f"{len(results) - len(unhealthy)} of {len(results)} enabled providers are healthy")
    return EXIT_FAILED if unhealthy else EXIT_OK


def _fill(args: argparse.Namespace, config: dict[str, Any]) -> int:
    # Imported here so `python -m addon --help` works without the anki package.
    from .collection.open_collection import open_existing_collection

    if args.dry_run and args.search is None:
        print("media-fill: --dry-run plans a new job: give --search instead of a job to resume", file=sys.stderr)
        return EXIT_USAGE
    try:
        col = open_existing_collection(args.collection)
    except MediaFillError as exc:
        print(f"media-fill: {exc}", file=sys.stderr)
        return EXIT_USAGE
    cancel = threading.Event()
    previous = signal.signal(signal.SIGINT, _cancel_on_interrupt(cancel))
    options = JobOptions(fresh=args.fresh, resume=args.resume, retry_failed=args.retry_failed)
    try:
        note_ids = None
        if args.search is not None:
            try:
                note_ids = col.find_notes(args.search)
            except Exception as exc:  # anki raises SearchError (and others) for a bad query
                print(f"media-fill: bad search {args.search!r}: {exc}", file=sys.stderr)
                return EXIT_USAGE
        if args.dry_run:
            from .cli_commands.dry_run import print_dry_run

            print_dry_run(col, note_ids or [], config, state_dir=_state_dir(args), fresh=args.fresh, as_json=args.json)
            return EXIT_OK
        report = _run_job(args, col, note_ids, config, cancel=cancel, options=options)
        if report is None:
            return EXIT_USAGE
        media_dir = col.media.dir()
    finally:
        signal.signal(signal.SIGINT, previous)
        col.close()
    _print_report(report, media_dir=media_dir, as_json=args.json)
    return report.exit_code


def _run_job(
    args: argparse.Namespace,
    col: Collection,
    note_ids: Sequence[int] | None,
    config: dict[str, Any],
    *,
    cancel: threading.Event,
    options: JobOptions | None = None,
    failure_prefix: str = "",
) -> JobReport | None:
    """Fill ``note_ids`` (a resumed job: its own notes) with the command's state folder and progress
    line. None, after saying why on stderr, when the job cannot start (an unknown job id, a journal
    of another collection, a rule no provider of which can run): nothing is written then."""
    from .collection.fill import run_headless

    state_dir = _state_dir(args)
    show_progress = not args.json and sys.stderr.isatty()
    try:
        return run_headless(
            col,
            note_ids,
            config,
            cancel=cancel,
            on_progress=_print_progress if show_progress else None,
            state_dir=state_dir,
            options=options,
        )
    except MediaFillError as exc:
        print(f"media-fill: {failure_prefix}{exc}", file=sys.stderr)
        return None


def _state_dir(args: argparse.Namespace) -> Path:
    return Path(args.state_dir) if args.state_dir is not None else package_dir() / "user_files"


def _refused_as_unfillable(config: dict[str, Any], note_type: str) -> bool:
    """Whether ``import --fill`` must import nothing, as it could not fill notes of ``note_type`` (a
    kind whose every provider in the note type's rule has a setup problem); says why on stderr."""
    from .core.config.rules import parse_rules, rule_for_note_type

    rule = rule_for_note_type(parse_rules(config), note_type)
    if rule is None:
        return False
    registry = ProviderRegistry(config)
    try:
        for target in rule.targets:
            kind, names = target.kind, target.providers
            problems = [(name, registry.setup_problem(kind, name)) for name in names]
            if names and all(why is not None for _name, why in problems):
                why = f"no {kind.word} provider of {target.field} can run: " + "; ".join(
                    f"{n} {w}" for n, w in problems
                )
                print(f"media-fill: nothing was imported, as the new notes could not be filled: {why}", file=sys.stderr)
                return True
    finally:
        registry.close()
    return False


def _import(args: argparse.Namespace, config: dict[str, Any]) -> int:
    from .collection.open_collection import open_existing_collection
    from .collection.word_import import ImportOptions, import_word_list
    from .core.text.word_list import open_word_list

    mapping: dict[str, str] = {}
    for item in args.map:
        column, sep, target = str(item).partition("=")
        if not sep or not column or not target:
            print(f"media-fill: --map {item!r} must be COLUMN=FIELD", file=sys.stderr)
            return EXIT_USAGE
        mapping[column] = target
    if args.fill and _refused_as_unfillable(config, args.note_type):
        return EXIT_USAGE
    try:
        word_list = open_word_list(args.file, encoding=args.encoding)
        col = open_existing_collection(args.collection)
    except MediaFillError as exc:
        print(f"media-fill: {exc}", file=sys.stderr)
        return EXIT_USAGE
    options = ImportOptions(
        note_type=args.note_type, deck=args.deck, mapping=mapping, allow_duplicates=args.allow_duplicates
    )
    cancel = threading.Event()
    previous = signal.signal(signal.SIGINT, _cancel_on_interrupt(cancel))
    try:
        try:
            result = import_word_list(col, word_list, options)
        except MediaFillError as exc:
            print(f"media-fill: nothing was imported: {exc}", file=sys.stderr)
            return EXIT_USAGE
        report = JobReport()
        if args.fill and result.created:
            not_filled = f"{len(result.created)} notes were imported but not filled: "
            filled = _run_job(args, col, result.created, config, cancel=cancel, failure_prefix=not_filled)
            if filled is None:
                return EXIT_USAGE
            report = filled
        media_dir = col.media.dir()
    finally:
        signal.signal(signal.SIGINT, previous)
        col.close()
    check = result.check
    if args.json:
        say(json.dumps({**report.to_json(), **result.to_json(), "media_dir": media_dir}, ensure_ascii=False))
    else:
        counts = [f"{check.duplicates} duplicates left out"]
        counts += [f"{check.empty_rows} empty rows"] if check.empty_rows else []
        counts += [f"{check.short_rows} short rows with their missing cells empty"] if check.short_rows else []
        say(f"Imported {len(result.created)} notes into {args.deck!r} ({', '.join(counts)})")
        if check.duplicate_rows:
            shown = ", ".join(map(str, check.duplicate_rows[:10]))
            say(
                f"  duplicates at rows {shown}{' …' if check.duplicates > 10 else ''} (add them with --allow-duplicates)"
            )
        if check.short_row_numbers:
            shown = ", ".join(map(str, check.short_row_numbers[:10]))
            say(
                f"  short rows at rows {shown}{' …' if check.short_rows > 10 else ''} (row 1: the first after the header)"
            )
        if args.fill:
            _print_report(report, media_dir=media_dir, as_json=False)
    return report.exit_code


def _cancel_on_interrupt(cancel: threading.Event) -> Any:
    def handler(signum: int, frame: FrameType | None) -> None:
        print("\nmedia-fill: cancelling; keeping what is done…", file=sys.stderr)
        cancel.set()

    return handler


def _print_progress(progress: JobProgress) -> None:
    print(f"\r{progress.done}/{progress.total} {progress.current_text[:40]:<40}", end="", file=sys.stderr, flush=True)
    if progress.done == progress.total:
        print(file=sys.stderr)


def _print_report(report: JobReport, *, media_dir: str, as_json: bool) -> None:
    if as_json:
        say(json.dumps({**report.to_json(), "media_dir": media_dir}, ensure_ascii=False))
        return
    say(report.summary())
    for line in report.details():
        say(f"  {line}")
    if report.media_written:
        say(f"{report.media_written} new media files in {media_dir}")
    if report.job_id and (report.cancelled or report.not_started or report.budget_reached):
        say(f"job {report.job_id}: finish it with --resume {report.job_id}")
    elif report.job_id and report.failed:
        say(f"job {report.job_id}: redo its failures with --retry-failed {report.job_id}")
