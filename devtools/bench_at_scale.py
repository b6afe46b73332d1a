"""The benchmark runs at scale (issue 19): each run in a child process of its own (its time and peak
RSS growth), and the engine and the raw baseline run side by side on one disk.

Why side by side: both are bound by Anki's ``add_media_file`` (it opens the media database and
commits with several fsyncs for every file), and this machine's disk changes speed over minutes: the
same raw run over 100,000 notes took 664 s, 741 s and 830 s in one evening, and 10,000 notes took
85 s and then 127 s in the next run. Timed one after the other, engine and raw are compared across
that drift. Started at the same moment on two collections of their own, both meet the same disk at
every moment, and the figure is how many files each had written when the first of them finished.
A run that leaves the disk idle (the engine planning, say) loses its share of the disk to the
other, so the engine's own pauses still count against it.

Run: ``python -m devtools.bench_at_scale [--notes N]`` prints the side-by-side figure; ``make
bench`` (`devtools.bench_engine`) puts it in ``bench/results.md``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# A progress mark every this many files written.
MARK_EVERY = 500


@dataclass
class ChildRun:
    seconds: float
    growth_mb: float
    filled: int
    failed: int
    failures_kept: int
    # (seconds since the start, files written by then), every `MARK_EVERY` files and at the end
    marks: list[tuple[float, int]] = field(default_factory=list)

    def files_by(self, seconds: float) -> float:
        """Files written ``seconds`` after the start, between the two marks around it."""
        points = [(0.0, 0), *self.marks]
        for (t0, n0), (t1, n1) in itertools.pairwise(points):
            if t1 >= seconds:
                return n0 + (n1 - n0) * ((seconds - t0) / (t1 - t0) if t1 > t0 else 1.0)
        return float(points[-1][1])


@dataclass
class SideBySide:
    """The engine and raw started together: each one's run, and the files each had written when
    the first finished (``window_s`` after the start)."""

    raw: ChildRun
    engine: ChildRun
    window_s: float
    raw_files: float
    engine_files: float

    @property
    def ratio(self) -> float:
        """The engine's speed over raw's in the same seconds: files written, engine / raw."""
        return self.engine_files / self.raw_files if self.raw_files else 0.0


def _rss_kb(name: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    """Reset the RSS high-water mark, so the next peak is the job's own (Linux)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


class WriteMarks:
    """Counts every ``write_data`` of this process once `watch` is called, with a mark every
    `MARK_EVERY` files (seconds since ``started``, files written). Dev tool only: it wraps Anki's
    method for the child's run. Threads: any (the engine writes on its writer thread)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.written = 0
        self.marks: list[tuple[float, int]] = []

    def watch(self) -> None:
        import anki.collection  # first: anki.media imported alone is a circular import
        import anki.media

        original = anki.media.MediaManager.write_data

        def counted(manager: Any, desired_fname: str, data: bytes) -> str:
            name = original(manager, desired_fname, data)
            self.written += 1  # one writer at a time: the engine's writer thread, or raw's loop
            if self.written % MARK_EVERY == 0:
                self.marks.append((time.perf_counter() - self.started, self.written))
            return name

        anki.media.MediaManager.write_data = counted  # type: ignore[method-assign,assignment]


def child_run(what: str, count: int, size: int, *, together: bool) -> None:
    """In a child process: ``what`` ("engine", "raw" or "refused") over ``count`` new notes, with its
    time and RSS growth (peak during the run minus before it), as JSON on the last line. With
    ``together``, it prints ``ready`` once its collection is made and starts when a line comes
    on stdin, so two children start at the same moment."""
    from addon.collection.fill import JobOptions, run_headless

    from .bench_engine import BENCH_TARGETS, collection_with_notes, instant_config, raw_store_notes, small_jpeg

    small_jpeg()  # Qt loaded before the measure, as it is in Anki
    writes = WriteMarks()
    with collection_with_notes(count) as col, tempfile.TemporaryDirectory(prefix="mf-state-") as state:
        ids = list(col.find_notes(""))
        config = instant_config(size, refused=what == "refused")
        if together:
            writes.watch()
            print("ready", flush=True)
            if sys.stdin.readline() != "go\n":  # the parent gave up (its stdin closed): no lone run
                return
        before = _rss_kb("VmRSS")
        _reset_peak()
        started = writes.started = time.perf_counter()
        result: dict[str, Any] = {}
        if what == "raw":
            raw_store_notes(col, ids, size=size)
            result = {"filled": count * len(BENCH_TARGETS), "failed": 0, "failures_kept": 0}
        else:
            report = run_headless(col, ids, config, state_dir=Path(state), options=JobOptions())
            result = {"filled": report.filled, "failed": report.failed, "failures_kept": len(report.errors)}
        seconds = time.perf_counter() - started
        peak = _rss_kb("VmHWM")
    marks = [*writes.marks, (seconds, writes.written)] if together else []
    print(json.dumps({**result, "seconds": seconds, "before_kb": before, "peak_kb": peak, "marks": marks}))


def _child_command(what: str, count: int, size: int, *, together: bool) -> list[str]:
    command = [sys.executable, "-m", "devtools.bench_at_scale", "--child", what, str(count), str(size)]
    return [*command, "--together"] if together else command


def _child_result(stdout: str) -> ChildRun:
    data = json.loads(stdout.strip().splitlines()[-1])
    return ChildRun(
        seconds=float(data["seconds"]),
        growth_mb=(data["peak_kb"] - data["before_kb"]) / 1024,
        filled=int(data["filled"]),
        failed=int(data["failed"]),
        failures_kept=int(data["failures_kept"]),
        marks=[(float(t), int(n)) for t, n in data["marks"]],
    )


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def run_child(what: str, count: int, size: int) -> ChildRun:
    """``what`` over ``count`` notes in a child process of its own, alone."""
    completed = subprocess.run(
        _child_command(what, count, size, together=False),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env=_environment(),
    )
    return _child_result(completed.stdout)


def side_by_side(count: int, size: int) -> SideBySide:
    """Raw and the engine over ``count`` notes each, in two child processes started together."""
    kinds = ("raw", "engine")
    with tempfile.TemporaryDirectory(prefix="mf-side-") as logs:
        errors = {what: open(os.path.join(logs, what), "w+") for what in kinds}  # noqa: SIM115
        children: dict[str, subprocess.Popen[str]] = {}
        try:
            children = {
                what: subprocess.Popen(
                    _child_command(what, count, size, together=True),
                    cwd=REPO,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=errors[what],
                    text=True,
                    env=_environment(),
                )
                for what in kinds
            }
            for what, child in children.items():  # both collections made before either starts
                assert child.stdout is not None
                if child.stdout.readline().strip() != "ready":
                    raise RuntimeError(f"the {what} run did not start: {_tail(errors[what])}")
            for child in children.values():
                assert child.stdin is not None
                child.stdin.write("go\n")
                child.stdin.flush()

            def output_of(what: str) -> str:
                """The child's stdout once it ends; a failed child stops the other (its figure is lost)."""
                out = children[what].communicate()[0]
                if children[what].returncode != 0:
                    _stop(children.values())
                return out

            with ThreadPoolExecutor(max_workers=len(kinds)) as readers:  # both pipes read at once
                outputs = dict(zip(kinds, readers.map(output_of, kinds), strict=True))
            for what, child in children.items():
                if child.returncode != 0:
                    raise RuntimeError(f"the {what} run failed: {_tail(errors[what])}")
        finally:  # no child outlives the comparison: a lone one would load the disk of the next run
            _stop(children.values())
            for handle in errors.values():
                handle.close()
    raw, engine = _child_result(outputs["raw"]), _child_result(outputs["engine"])
    window = min(raw.seconds, engine.seconds)
    return SideBySide(raw, engine, window, raw.files_by(window), engine.files_by(window))


def _stop(children: Iterable[subprocess.Popen[str]]) -> None:
    for child in children:
        if child.poll() is None:
            child.kill()
            child.wait()


def _tail(handle: Any, lines: int = 20) -> str:
    handle.seek(0)
    return "".join(handle.readlines()[-lines:])


def main(argv: list[str] | None = None, *, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--together", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_run(args.child[0], int(args.child[1]), int(args.child[2]), together=args.together)
        return 0
    run = side_by_side(args.notes, 2048)
    out(
        f"{args.notes:,} notes side by side: engine / raw {run.ratio:.3f} "
        f"({run.engine_files:,.0f} files against {run.raw_files:,.0f} in the first {run.window_s:.1f} s; "
        f"raw took {run.raw.seconds:.1f} s, the engine {run.engine.seconds:.1f} s, "
        f"{run.engine.filled:,} filled)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
