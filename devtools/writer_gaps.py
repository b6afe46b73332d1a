"""Where the engine's media writer waits: ``python -m devtools.writer_gaps [NOTES]``.

On disk the engine is bound by Anki's ``write_data`` (a couple of milliseconds a file), so what it
loses against the raw baseline (`bench_engine.raw_store_notes`) is the time no file is being
written. This runs the engine over ``NOTES`` bench notes (10,000 by default; three targets each,
instant providers) in this process, times every ``write_data`` call, and prints the writer's busy
time and its idle gaps, split into long ones (the next part being planned) and short ones (between
chunks: the notes' update, the journal and the reuse index). Gaps measure the engine's own work,
so they vary far less from run to run than the disk's speed does.

Dev tool only: it wraps Anki's ``MediaManager.write_data`` for the run; nothing in the add-on
imports it.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path
from typing import Any

# A gap this long is a part boundary (planning the next part takes about 0.2 ms a note).
LONG_GAP_S = 0.1
SHORT_GAP_S = 0.005


def writer_gaps(notes: int) -> dict[str, float]:
    """Run the engine over ``notes`` bench notes; the writer's busy time and idle gaps, in seconds."""
    import anki.collection  # first: anki.media imported alone is a circular import
    import anki.media

    from addon.collection.fill import JobOptions, run_headless

    from .bench_engine import collection_with_notes, instant_config, small_jpeg

    writes: list[tuple[float, float]] = []
    original = anki.media.MediaManager.write_data

    def timed(self: Any, desired_fname: str, data: bytes) -> str:
        started = time.perf_counter()
        try:
            return original(self, desired_fname, data)
        finally:
            writes.append((started, time.perf_counter()))

    small_jpeg()
    anki.media.MediaManager.write_data = timed  # type: ignore[method-assign]
    try:
        with collection_with_notes(notes) as col, tempfile.TemporaryDirectory(prefix="mf-state-") as state:
            ids = list(col.find_notes(""))
            started = time.perf_counter()
            run_headless(col, ids, instant_config(2048, refused=False), state_dir=Path(state), options=JobOptions())
            total = time.perf_counter() - started
    finally:
        anki.media.MediaManager.write_data = original  # type: ignore[method-assign]
    gaps = [later[0] - earlier[1] for earlier, later in itertools.pairwise(writes)]
    long_gaps = [gap for gap in gaps if gap >= LONG_GAP_S]
    short_gaps = [gap for gap in gaps if SHORT_GAP_S <= gap < LONG_GAP_S]
    return {
        "total_s": total,
        "files": float(len(writes)),
        "busy_s": sum(end - start for start, end in writes),
        "before_first_write_s": writes[0][0] - started if writes else total,
        "long_gaps": float(len(long_gaps)),
        "long_gaps_s": sum(long_gaps),
        "short_gaps": float(len(short_gaps)),
        "short_gaps_s": sum(short_gaps),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notes", nargs="?", type=int, default=10_000)
    measured = writer_gaps(parser.parse_args().notes)
    idle = measured["total_s"] - measured["busy_s"]
    print(
        f"{measured['total_s']:.1f} s for {measured['files']:.0f} files: writer busy {measured['busy_s']:.1f} s, "
        f"idle {idle:.1f} s ({idle / measured['total_s']:.1%}); before the first write "
        f"{measured['before_first_write_s']:.2f} s; {measured['long_gaps']:.0f} gaps of ≥ {LONG_GAP_S * 1000:.0f} ms "
        f"(parts planned) {measured['long_gaps_s']:.2f} s; {measured['short_gaps']:.0f} gaps of "
        f"{SHORT_GAP_S * 1000:.0f}–{LONG_GAP_S * 1000:.0f} ms (between chunks) {measured['short_gaps_s']:.2f} s"
    )


if __name__ == "__main__":
    main()
