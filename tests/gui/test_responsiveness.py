"""Anki stays responsive during a big job: a 500-note job (a picture and a sound each) against slow
fakes, started from the dialog, while a repeating timer on the main thread measures the longest
stall between its ticks. Issue 7 sets the bar at 100 ms: the job may add at most that to the
longest stall the same meter sees with Anki idle just before, in the same run (on a loaded
machine the operating system's scheduling stalls an idle Anki too; that is not the job's)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from aqt.qt import QTimer

from devtools.sample_deck import ENGLISH_TYPE
from tests.fakes.openai_fake import TEST_KEY as IMAGE_KEY
from tests.fakes.openai_tts_fake import TEST_KEY as SPEECH_KEY
from tests.support.harness import open_fill_dialog, pump, set_addon_config, start_from_dialog
from tests.support.remote_fakes import RemoteFakes, remote_openai_fakes

NOTES = 500
LATENCY_S = 0.04
MAX_STALL_S = 0.100
IDLE_S = 3.0
OpenBrowser = Callable[[list[int]], Any]


class StallMeter:
    """Ticks every 5 ms on the main thread; the longest gap between two ticks is the longest time
    the main thread was busy with something else."""

    def __init__(self) -> None:
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(lambda: self.ticks.append(time.monotonic()))

    def start(self) -> None:
        self.ticks = [time.monotonic()]
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        self.ticks.append(time.monotonic())
        return max(b - a for a, b in zip(self.ticks, self.ticks[1:], strict=False))


@pytest.fixture
def many_notes(mw: Any, sample_notes: dict[str, list[int]]) -> list[int]:
    col = mw.col
    model = col.models.by_name(ENGLISH_TYPE)
    deck_id = col.decks.id("Media Fill Sample")
    ids = []
    for index in range(NOTES):
        note = col.new_note(model)
        note["Front"] = f"word number {index}"
        col.add_note(note, deck_id)
        ids.append(int(note.id))
    return ids


@pytest.fixture
def slow_fakes() -> Iterator[RemoteFakes]:
    """In a process of their own, like real servers: their threads must not count as Anki's."""
    with remote_openai_fakes(latency_s=LATENCY_S) as fakes:
        yield fakes


def test_a_500_note_job_never_stalls_the_main_thread(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    many_notes: list[int],
    open_browser: OpenBrowser,
    slow_fakes: RemoteFakes,
) -> None:
    fast = {"requests_per_minute": 60000, "max_concurrency": 4, "retry_attempts": 0}
    rule = {
        "note_type": ENGLISH_TYPE,
        "source_field": "Front",
        "image_field": "Picture",
        "audio_field": "Audio",
        "image_providers": ["openai"],
        "audio_providers": ["openai_tts"],
        "language": "en",
    }
    set_addon_config(
        mw,
        {
            "rules": [rule],
            "providers": {
                "image": {"openai": {"enabled": True, "api_key": IMAGE_KEY, "base_url": slow_fakes.image_url, **fast}},
                "audio": {
                    "openai_tts": {"enabled": True, "api_key": SPEECH_KEY, "base_url": slow_fakes.speech_url, **fast}
                },
            },
        },
    )
    browser = open_browser(many_notes)
    dialog = open_fill_dialog(anki_app, browser, addon)
    meter = StallMeter()
    meter.start()
    idle_until = time.monotonic() + IDLE_S
    pump(anki_app, lambda: time.monotonic() >= idle_until, what="the idle baseline")
    idle = meter.stop()

    meter.start()
    job = start_from_dialog(anki_app, dialog, addon)
    pump(anki_app, lambda: not job.running, timeout=120, what="the 500-note job")
    pump(anki_app, lambda: mw._background_op_count == 0, what="background operations")
    longest = meter.stop()

    assert job.report is not None and (job.report.filled, job.report.failed) == (2 * NOTES, 0), job.report.to_json()
    assert slow_fakes.counts() == {"images": NOTES, "speech": NOTES}
    print(
        f"longest main-thread stall during the job: {longest * 1000:.0f} ms over {len(meter.ticks)} ticks "
        f"(idle, just before: {idle * 1000:.0f} ms)"
    )
    assert longest < MAX_STALL_S + idle, (
        f"the main thread stalled for {longest * 1000:.0f} ms (idle Anki: {idle * 1000:.0f} ms)"
    )
