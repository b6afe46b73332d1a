"""How long planning takes: ``python -m devtools.plan_timing [NOTES]``.

Runs the engine in this process over ``NOTES`` bench notes (8,000 by default; three targets each,
instant providers) and prints the time each later part took to plan (`JobSession._plan_next`:
rules, reuse lookup, estimate, journal), then how long reading 2,000 of the notes takes with
`CollectionNotes` and with one ``get_note`` each. README's planning figures come from here.

Dev tool only: it wraps `JobSession._plan_next` for the run; nothing in the add-on imports it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any


def plan_timing(notes: int) -> tuple[list[float], float, float]:
    """Seconds per later part planned; seconds to read 2,000 notes by query and one by one."""
    import anki.collection  # noqa: F401  (first: anki.notes imported alone is a circular import)
    from anki.notes import NoteId

    from addon.collection.fill import JobOptions, run_headless
    from addon.collection.notes_source import CollectionNotes
    from addon.core.engine.job_session import JobSession

    from .bench_engine import collection_with_notes, instant_config, small_jpeg

    parts: list[float] = []
    original = JobSession._plan_next

    def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            parts.append(time.perf_counter() - started)

    small_jpeg()
    JobSession._plan_next = timed  # type: ignore[method-assign]
    try:
        with collection_with_notes(notes) as col, tempfile.TemporaryDirectory(prefix="mf-state-") as state:
            ids = list(col.find_notes(""))
            run_headless(col, ids, instant_config(2048), state_dir=Path(state), options=JobOptions())
            sample = ids[:2000]
            started = time.perf_counter()
            list(CollectionNotes(col, sample).notes())
            by_query = time.perf_counter() - started
            started = time.perf_counter()
            for note_id in sample:  # as the reader did before: the note, its type's name, its fields
                note = col.get_note(NoteId(note_id))
                _ = (note.note_type() or {}).get("name"), dict(note.items())
            one_by_one = time.perf_counter() - started
    finally:
        JobSession._plan_next = original  # type: ignore[method-assign]
    return parts, by_query, one_by_one


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notes", nargs="?", type=int, default=8_000)
    parts, by_query, one_by_one = plan_timing(parser.parse_args().notes)
    print(f"later parts planned in {', '.join(f'{s:.3f}' for s in parts)} s")
    print(f"2,000 notes read in {by_query * 1000:.0f} ms by query, {one_by_one * 1000:.0f} ms with get_note each")


if __name__ == "__main__":
    main()
