"""The side-by-side figure of `devtools.bench_at_scale`: files written by each run when the first
of the two ended, read between progress marks."""

from __future__ import annotations

import pytest

from devtools.bench_at_scale import ChildRun, SideBySide


def run(seconds: float, marks: list[tuple[float, int]]) -> ChildRun:
    return ChildRun(seconds=seconds, growth_mb=0.0, filled=0, failed=0, failures_kept=0, marks=marks)


def test_files_by_reads_between_the_marks_around_the_moment() -> None:
    engine = run(30.0, [(10.0, 500), (20.0, 1500), (30.0, 1800)])
    assert engine.files_by(5.0) == pytest.approx(250)  # before the first mark: from the start
    assert engine.files_by(15.0) == pytest.approx(1000)
    assert engine.files_by(20.0) == pytest.approx(1500)
    assert engine.files_by(40.0) == 1800  # after its end: all it wrote


def test_the_ratio_compares_the_files_each_wrote_in_the_same_seconds() -> None:
    raw = run(20.0, [(10.0, 1000), (20.0, 2000)])
    engine = run(25.0, [(10.0, 800), (20.0, 1700), (25.0, 2000)])
    window = min(raw.seconds, engine.seconds)
    together = SideBySide(raw, engine, window, raw.files_by(window), engine.files_by(window))
    assert together.ratio == pytest.approx(1700 / 2000)
