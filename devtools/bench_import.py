"""``make bench`` (word lists): the import against a baseline measured in the same run, written to
``bench/import_results.md``.

* Speed: importing a CSV of N rows with `import_word_list` (two streamed passes, the duplicate
  check against the deck, notes added in chunks merged into one undo entry) against the raw cost:
  the whole file read with ``csv.reader`` into memory and added with one ``add_notes``.
* Memory: the peak Python memory (``tracemalloc``) of the same two runs; the import streams, the
  baseline holds every row.
* Streaming: the peak Python memory while reading every row of a ~100 MB CSV, against its size.

Run: ``python -m devtools.bench_import [--quick]``.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from anki.collection import AddNoteRequest, Collection
from anki.decks import DeckId

from addon.collection.word_import import ImportOptions, import_word_list
from addon.core.text.word_list import open_word_list

from .measure import peak_memory
from .paths import REPO

RESULTS = REPO / "bench" / "import_results.md"
MiB = 1 << 20
_T = TypeVar("_T")


def timed(call: Callable[[], _T]) -> tuple[_T, float]:
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def write_words(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("Front,Back\n")
        for i in range(rows):
            handle.write(f'word {i},"meaning {i}, in a few words"\n')


def fresh_collection(folder: Path, name: str) -> Collection:
    return Collection(str(folder / f"{name}.anki2"))


def raw_import(col: Collection, path: Path) -> int:
    """The baseline: every row in memory, one add_notes."""
    model = col.models.by_name("Basic")
    assert model is not None
    deck = DeckId(col.decks.id("Raw") or 1)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    requests = []
    for front, back in rows:
        note = col.new_note(model)
        note["Front"], note["Back"] = front, back
        requests.append(AddNoteRequest(note=note, deck_id=deck))
    col.add_notes(requests)
    return len(requests)


def compare(
    folder: Path, words: Path, rows: int, *, run: str, measure: Callable[[Callable[[], int]], tuple[int, float]]
) -> tuple[float, float]:
    """``measure`` of the raw baseline and of the import, each into a fresh collection."""
    options = ImportOptions(note_type="Basic", deck="Imported")
    raw_col = fresh_collection(folder, f"raw-{run}")
    ours_col = fresh_collection(folder, f"ours-{run}")
    try:
        raw_count, raw_figure = measure(lambda: raw_import(raw_col, words))
        created, ours_figure = measure(lambda: len(import_word_list(ours_col, open_word_list(words), options).created))
    finally:
        raw_col.close()
        ours_col.close()
    assert raw_count == rows and created == rows
    return raw_figure, ours_figure


def streamed_rows(path: Path) -> int:
    return sum(1 for _ in open_word_list(path).rows())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args(argv)
    rows = 5_000 if args.quick else 50_000
    big_rows = 200_000 if args.quick else 2_300_000
    with tempfile.TemporaryDirectory(prefix="media-fill-bench-import-") as tmp:
        folder = Path(tmp)
        words = folder / "words.csv"
        write_words(words, rows)
        figures: dict[str, float] = {}
        for run, measure in (("time", timed), ("memory", peak_memory)):
            figures[f"raw {run}"], figures[f"ours {run}"] = compare(folder, words, rows, run=run, measure=measure)
        raw_s, ours_s = figures["raw time"], figures["ours time"]
        raw_peak, ours_peak = figures["raw memory"], figures["ours memory"]
        big = folder / "big.csv"
        write_words(big, big_rows)
        big_mb = big.stat().st_size / MiB
        streamed, stream_peak = peak_memory(lambda: streamed_rows(big))
        assert streamed == big_rows
    table = [
        (
            f"import speed / raw csv.reader + one add_notes ({rows} rows)",
            f"{raw_s / ours_s:.2f} (import {ours_s:.2f} s, raw {raw_s:.2f} s)",
            "≥ 0.5",
            raw_s / ours_s >= 0.5,
        ),
        (
            "import peak memory / raw peak memory",
            f"{ours_peak / raw_peak:.3f} (import {ours_peak / MiB:.1f} MiB, raw {raw_peak / MiB:.1f} MiB)",
            "≤ 0.5",
            ours_peak <= 0.5 * raw_peak,
        ),
        (
            f"peak memory reading every row of a {big_mb:.0f} MiB CSV",
            f"{stream_peak / MiB:.2f} MiB ({stream_peak / (big_mb * MiB):.4f} of the file)",
            "≤ 8 MiB, whatever the size",
            stream_peak <= 8 * MiB,
        ),
    ]
    lines = [
        "# Word-list import benchmarks",
        "",
        f"`make bench`{' --quick' if args.quick else ''}, {time.strftime('%Y-%m-%d %H:%M')}; "
        "memory is Python's traced peak (tracemalloc), measured in runs of their own.",
        "",
        "| measure | result | target | ok |",
        "|---|---|---|---|",
        *(f"| {m} | {r} | {t} | {'yes' if ok else 'NO'} |" for m, r, t, ok in table),
    ]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0 if all(ok for *_, ok in table) else 1


if __name__ == "__main__":
    raise SystemExit(main())
