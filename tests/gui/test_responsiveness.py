"""Anki stays responsive during a big job: a 500-note job (a picture and a sound each) against slow
fakes, started from the dialog, while a repeating timer on the main thread measures the longest
stall between its ticks. Issue 7 sets the bar at 100 ms: the job may add at most that to the
longest stall the same meter sees with Anki idle just before, in the same run (on a loaded
machine the operating system's scheduling stalls an idle Anki too; that is not the job's)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Store:
    start: float
    end: float
    items: int
    generation_over: bool


class StoreLog:
    """Wraps the job's store step (it runs on a background thread) to note when each store ran."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, addon: ModuleType) -> None:
        runner = sys.modules[f"{addon.__name__}.ui.fill.job_runner"]
        self.rest_s = runner._STORE_EVERY_MS / 1000
        self.stores: list[Store] = []
        self.generation_ended = float("inf")
        store_chunk = runner.FillSession.store_chunk
        on_generated = runner.FillJob._on_generated

        def logged_store(session: Any, chunk: Sequence[Any]) -> Any:
            start = time.monotonic()
            changes = store_chunk(session, chunk)
            self.stores.append(Store(start, time.monotonic(), len(chunk), start >= self.generation_ended))
            return changes

        def logged_end(job: Any, future: Any) -> None:
            self.generation_ended = min(self.generation_ended, time.monotonic())
            on_generated(job, future)

        monkeypatch.setattr(runner.FillSession, "store_chunk", logged_store)
        monkeypatch.setattr(runner.FillJob, "_on_generated", logged_end)

    def hurried(self, *, max_items: int) -> list[str]:
        """Stores that began within the rest after the previous one although fewer than half the
        stream's bound had arrived and generation was still running."""
        return [
            f"{cur.items} results stored {(cur.start - prev.end) * 1000:.0f} ms after the last store"
            for prev, cur in zip(self.stores, self.stores[1:], strict=False)
            if not cur.generation_over and cur.items * 2 < max_items and cur.start - prev.end < 0.9 * self.rest_s
        ]


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
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stores = StoreLog(monkeypatch, addon)
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
    # The cause of the stalls this test once saw: a store started as soon as the last ended, so the
    # Browser's redraw of what it changed waited on the collection behind the next store.
    max_items = sys.modules[f"{addon.__name__}.core.engine.result_stream"].DEFAULT_MAX_ITEMS
    assert len(stores.stores) > 2, "the job stored in too few steps to show how stores are spaced"
    assert stores.hurried(max_items=max_items) == []
