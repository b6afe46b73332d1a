"""``python -m addon remove --collection PATH --search QUERY [--field F …] [--kind image|audio]
[--config FILE] [--json]``: take the pictures and sounds Media Fill made (its own file names only)
out of the target fields of the notes a search finds, in one undo step
(`collection.media_removal`). The files stay in the media folder: Anki's Tools → Check Media
deletes the ones no note uses any more.

Exit codes: 0 when done (also when there was nothing to remove); 2 on bad usage or config, a
collection that cannot be opened, a bad search, or a ``--field`` none of the notes has.

Thread safety: runs on the main thread of the CLI's process, which owns the collection.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..core.base.errors import MediaFillError
from ..core.media.types import MediaKind
from . import EXIT_OK, EXIT_USAGE
from .output import say

FILES_STAY = "The files stay in the media folder: Anki's Tools → Check Media deletes the ones no note uses."


def add_remove_parser(commands: Any) -> argparse.ArgumentParser:
    """The ``remove`` command's parser, added to ``commands`` (the main parser's subparsers)."""
    remove: argparse.ArgumentParser = commands.add_parser(
        "remove", help="take the pictures and sounds Media Fill made out of the notes a search finds"
    )
    remove.add_argument("--collection", required=True, type=Path, help="path to collection.anki2")
    remove.add_argument(
        "--search", required=True, help="an Anki search, e.g. 'deck:Spanish' or 'tag:media_fill::espeak'"
    )
    remove.add_argument(
        "--field",
        action="append",
        default=None,
        metavar="FIELD",
        help="only this field (repeat it); default: each note type's picture and sound fields of its rule",
    )
    remove.add_argument(
        "--kind", choices=[kind.value for kind in MediaKind], default=None, help="only pictures or only sounds"
    )
    return remove


def run_remove(args: argparse.Namespace, config: dict[str, Any]) -> int:
    from ..collection.media_removal import apply_removal, find_filled_media, known_provider_names
    from ..collection.open_collection import open_existing_collection

    try:
        col = open_existing_collection(args.collection)
    except MediaFillError as exc:
        print(f"media-fill: {exc}", file=sys.stderr)
        return EXIT_USAGE
    kinds = [MediaKind(args.kind)] if args.kind else list(MediaKind)
    try:
        try:
            note_ids = col.find_notes(args.search)
        except Exception as exc:  # anki raises SearchError (and others) for a bad query
            print(f"media-fill: bad search {args.search!r}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        providers = known_provider_names(config)
        plan = find_filled_media(col, note_ids, config, fields=args.field, kinds=kinds, providers=providers)
        unknown = [name for name in args.field or () if name not in plan.field_names]
        if unknown and note_ids:
            print(
                f"media-fill: nothing was removed: no note the search found has a field "
                f"{', '.join(map(repr, unknown))}; give --field one of: {', '.join(sorted(plan.field_names))}",
                file=sys.stderr,
            )
            return EXIT_USAGE
        result = apply_removal(col, plan)
    finally:
        col.close()
    if args.json:
        say(json.dumps(result.to_json(), ensure_ascii=False))
        return EXIT_OK
    say(
        f"Removed {result.removed} Media Fill pictures and sounds from {result.notes_changed} of "
        f"{result.plan.notes_seen} notes"
        + (" in one undo step (Edit → Undo Remove Filled Media in Anki)." if result.removed else ".")
    )
    for row in result.plan.rows:
        say(f"  {row.note_type} › {row.field} ({row.kind.word}s): {row.references} from {row.notes} notes")
    if result.untagged:
        say(f"  {result.untagged} media_fill:: provider tags taken off")
    if result.removed:
        say(FILES_STAY)
    return EXIT_OK
