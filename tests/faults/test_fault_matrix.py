"""Every HTTP provider against its fake under every fault, in real jobs (see fault_run.py).

``make test`` runs the CI-sized part: every fault on three providers (one for pictures, one for
speech, one for transcripts, rotating with the day so every provider takes its turn) and the
lasting faults on every provider. Transcription providers run through the engine alone
(fault_run_text.py). ``make faults`` (``MEDIA_FILL_FAULTS=full``) runs the whole matrix and writes it to
docs/reliability.md.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from addon.core.media.types import MediaKind
from tests.faults.fault_catalogue import FAULTS, FaultCase
from tests.faults.fault_run import RunningFakes, run_cell
from tests.faults.fault_run_text import run_text_cell
from tests.faults.fault_targets import TARGETS, Target
from tests.support.reliability_record import record_cell

FULL = os.environ.get("MEDIA_FILL_FAULTS") == "full"
ALWAYS_ON_EVERY_PROVIDER = {"none", "html-200", "json", "over-cap", "401", "quota"}


def _ci_targets() -> set[str]:
    """One picture, one speech and one transcription provider get every fault; they change each day."""
    day = datetime.date.today().toordinal()
    chosen = set()
    for kind in MediaKind:
        names = [t.name for t in TARGETS if t.kind is kind]
        if names:
            chosen.add(names[day % len(names)])
    return chosen


def _cells() -> Iterator[object]:
    chosen = _ci_targets()
    for target in TARGETS:
        for fault in FAULTS:
            if FULL or target.name in chosen or fault.key in ALWAYS_ON_EVERY_PROVIDER:
                yield pytest.param(target, fault, id=f"{target.name}-{fault.key}")


@pytest.fixture(scope="session")
def running_fakes(mp3_bytes: bytes) -> Iterator[RunningFakes]:
    with closing(RunningFakes(mp3_bytes)) as fakes:
        yield fakes


@pytest.mark.parametrize(("target", "fault"), list(_cells()))
def test_provider_under_fault(target: Target, fault: FaultCase, running_fakes: RunningFakes, tmp_path: Path) -> None:
    run = run_text_cell if target.kind is MediaKind.TEXT else run_cell
    result = run(target, fault, fakes=running_fakes, workdir=tmp_path / "cell")
    record_cell(result)
    assert result.problems == [], f"{target.name} under {fault.key}: " + "; ".join(result.problems)
