"""``make bench`` (pictures sized for sync): a 1024×1024 PNG and JPEG fitted per picture to the
shipped settings (800 px, JPEG at 85) and to WebP and ``keep``, with the time per picture and the
bytes before and after, against decoding the same picture alone (the least any resizing must do),
measured in the same run. Written as its own section of ``bench/results.md`` (after the engine's
part, which rewrites the file: run this after ``devtools.bench_engine``).

The pictures are photo-like (smooth colour under a fine grain, built with Qt), so they compress as
AI pictures and photos do: the PNG is about 1.6 MB, as a 1024×1024 PNG from an image model is.

Run: ``python -m devtools.bench_pictures [--quick]`` (``--quick``: fewer rounds, nothing written).
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable

from PyQt6.QtGui import QImage

from addon.core.media.image_output import ImageOutput
from addon.pictures.fit import Fitted, fit_picture
from tests.support.picture_samples import encode, photo

from .paths import REPO

RESULTS = REPO / "bench" / "results.md"
HEADING = "## Pictures sized for sync"
MAX_SECONDS = 1.0  # per 1024×1024 picture, on a slow shared machine (PNG output is the slow one)
DECK = 5_000  # pictures in the deck the issue speaks of


def median_s(call: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _kb(count: float) -> str:
    return f"{count / 1024:,.0f} KB"


def measure(rounds: int) -> list[tuple[str, str, str, bool]]:
    source = photo(1024, 1024)
    inputs = {"PNG": encode(source, "png"), "JPEG (quality 90)": encode(source, "jpeg", quality=90)}
    outputs = {
        "the defaults: jpeg, quality 85": ImageOutput(),
        "webp, quality 85": ImageOutput(format="webp"),
        "keep": ImageOutput(format="keep"),
    }
    rows = []
    for name, data in inputs.items():
        decode_s = median_s(functools.partial(QImage.fromData, data), rounds)
        for label, output in outputs.items():
            fitted = fit_picture(data, output)
            assert isinstance(fitted, Fitted), fitted
            assert max(fitted.width, fitted.height) == output.max_px
            fit_s = median_s(functools.partial(fit_picture, data, output), rounds)
            before, after = len(data), len(fitted.data)
            rows.append(
                (
                    f"1024×1024 {name} → 800 px {fitted.extension} ({label})",
                    f"{fit_s * 1000:.0f} ms ({fit_s / decode_s:.1f}× decoding alone, {decode_s * 1000:.0f} ms); "
                    f"{_kb(before)} → {_kb(after)} = {after / before:.2f}; "
                    f"{DECK:,} pictures: {before * DECK / 1e9:.2f} GB → {after * DECK / 1e9:.2f} GB",
                    f"≤ {MAX_SECONDS:g} s, smaller",
                    fit_s <= MAX_SECONDS and after < before,
                )
            )
    return rows


def write_section(lines: list[str]) -> None:
    """Replace this benchmark's section of the results file (or add it at the end)."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    start = text.find(HEADING)
    if start >= 0:
        end = text.find("\n## ", start + len(HEADING))
        text = text[:start] + (text[end + 1 :] if end >= 0 else "")
    text = text.rstrip("\n") + ("\n\n" if text.strip() else "") + "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, nothing written")
    args = parser.parse_args(argv)
    rows = measure(rounds=3 if args.quick else 15)
    lines = [
        HEADING,
        "",
        f"`make bench` ({'quick' if args.quick else 'full'} run), {time.strftime('%Y-%m-%d %H:%M')}, "
        f"Python {sys.version.split()[0]}, Qt's image classes without a QApplication (as the CLI runs). "
        "Median time per picture; the baseline is decoding the same bytes alone, in the same run.",
        "",
        "| measure | result | target | ok |",
        "|---|---|---|---|",
        *[f"| {name} | {value} | {target} | {'yes' if ok else 'NO'} |" for name, value, target, ok in rows],
    ]
    print("\n".join(lines))
    if not args.quick:
        write_section(lines)
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
