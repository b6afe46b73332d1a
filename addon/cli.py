"""Headless entry point: ``python -m addon fill --collection PATH --search QUERY [--config FILE] [--json]``.

Runs the same three job steps as the Browser action (`collection.fill`). Exit codes: 0 when every
target was filled, skipped or reused; 1 when some failed (or were not started because of Ctrl+C);
2 on bad usage, bad config, or a collection that cannot be opened (nothing is written then).

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
from typing import Any, NoReturn

from .core.config import read_config_file
from .core.errors import MediaFillError
from .core.job import JobProgress
from .core.registry import load_config
from .core.report import JobReport

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m addon", description="Media Fill: fill Anki notes with images and audio.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    fill = commands.add_parser("fill", help="fill the media fields of the notes a search finds")
    fill.add_argument(
        "--collection", required=True, type=Path, help="path to collection.anki2 (Anki must not have it open)"
    )
    fill.add_argument("--search", required=True, help="an Anki search, e.g. 'deck:Spanish' or 'note:Basic'")
    fill.add_argument("--config", type=Path, help="a JSON file of settings laid over the defaults")
    fill.add_argument("--json", action="store_true", help="print one JSON report object on stdout")
    fill.add_argument("--verbose", "-v", action="store_true", help="log each step on stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    return _fill(args)


def _fill(args: argparse.Namespace) -> int:
    # Imported here so `python -m addon --help` works without the anki package.
    from .collection.fill import run_headless
    from .collection.open_collection import open_existing_collection

    try:
        config = load_config(read_config_file(args.config) if args.config else None)
        col = open_existing_collection(args.collection)
    except MediaFillError as exc:
        print(f"media-fill: {exc}", file=sys.stderr)
        return EXIT_USAGE
    cancel = threading.Event()
    previous = signal.signal(signal.SIGINT, _cancel_on_interrupt(cancel))
    try:
        try:
            note_ids = col.find_notes(args.search)
        except Exception as exc:  # anki raises SearchError (and others) for a bad query
            print(f"media-fill: bad search {args.search!r}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        show_progress = not args.json and sys.stderr.isatty()
        report = run_headless(
            col, note_ids, config, cancel=cancel, on_progress=_print_progress if show_progress else None
        )
        media_dir = col.media.dir()
    finally:
        signal.signal(signal.SIGINT, previous)
        col.close()
    _print_report(report, media_dir=media_dir, as_json=args.json)
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
        print(json.dumps({**report.to_json(), "media_dir": media_dir}, ensure_ascii=False))
        return
    print(report.summary())
    for line in report.details():
        print(f"  {line}")
    if report.media_files:
        print(f"{len(report.media_files)} new media files in {media_dir}")
