"""The job window in the real Anki: what it shows while a job runs, and closing it asks whether to
stop the job (Cancel does not ask; a finished job never asks)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from aqt.qt import QKeyEvent, Qt

from tests.support.harness import ADDON, pump

Progress = Callable[..., Any]


@pytest.fixture
def window_module(mw: Any) -> ModuleType:
    return sys.modules[f"{ADDON}.ui.fill.progress_window"]


@pytest.fixture
def progress(mw: Any) -> Progress:
    """Builds the loaded add-on's `JobProgress` (so its class is the one the window knows)."""
    job_progress: Any = sys.modules[f"{ADDON}.core.engine.generation"].JobProgress
    return job_progress  # type: ignore[no-any-return]


class Questions:
    """Stands in for the "Stop the job?" question: records each time it is asked, answers ``answer``."""

    def __init__(self) -> None:
        self.answer = False
        self.asked: list[Any] = []

    def __call__(self, parent: Any) -> bool:
        self.asked.append(parent)
        return self.answer


@pytest.fixture
def questions(window_module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> Questions:
    fake = Questions()
    monkeypatch.setattr(window_module, "confirm_cancel", fake)
    return fake


@pytest.fixture
def job_window(mw: Any, anki_app: Any, window_module: ModuleType) -> Iterator[tuple[Any, list[str]]]:
    """A shown job window over the main window, and the list its on_cancel appends to."""
    cancels: list[str] = []
    window = window_module.JobProgressWindow(mw, total=10, on_cancel=lambda: cancels.append("cancel"))
    window.show()
    pump(anki_app, window.isVisible, what="the job window")
    yield window, cancels
    window.finish()
    window.deleteLater()


def test_progress_shows_counts_current_word_providers_and_time(
    job_window: tuple[Any, list[str]], progress: Progress
) -> None:
    window, _ = job_window
    assert window.label.text() == "Starting… 0/10"
    assert window.findChild(type(window.label), "timing").isHidden()

    window.show_progress(
        progress(
            done=3,
            total=10,
            failed=1,
            current_text="apple\npie",
            by_provider={"espeak": 1, "forvo": 2},
            eta_s=150.0,
            elapsed_s=65.0,
        )
    )

    assert window.bar.value() == 3 and window.bar.maximum() == 10
    assert window.label.text() == "3 of 10 done · 1 failed"
    current = window.findChild(type(window.label), "current_text")
    assert current.text() == "Latest: apple pie" and not current.isHidden()
    counts = window.findChild(type(window.label), "provider_counts")
    assert counts.text() == "forvo: 2 made\nespeak: 1 made"
    timing = window.findChild(type(window.label), "timing")
    assert timing.text() == "Elapsed 1:05 · about 2 min left"
    assert not timing.isHidden()

    window.show_progress(progress(done=10, total=10, failed=0, current_text="pear", eta_s=0.0, elapsed_s=3661.0))
    assert window.label.text() == "10 of 10 done"
    assert timing.text() == "Elapsed 1:01:01", "no estimate once everything is done"
    assert counts.isHidden(), "no provider made anything in this report"


def test_a_long_current_word_is_cut_and_kept_whole_in_the_tooltip(
    job_window: tuple[Any, list[str]], progress: Progress
) -> None:
    window, _ = job_window
    long_text = "antidisestablishmentarianism " * 8
    window.show_progress(progress(done=1, total=10, failed=0, current_text=long_text))

    current = window.findChild(type(window.label), "current_text")
    assert current.text().endswith("…")
    assert len(current.text()) < len(long_text)
    assert current.toolTip() == long_text.strip()


def test_elapsed_time_and_estimate_count_on_between_reports(
    anki_app: Any, job_window: tuple[Any, list[str]], progress: Progress
) -> None:
    window, _ = job_window
    window.show_progress(progress(done=1, total=10, failed=0, current_text="a", eta_s=30.0, elapsed_s=5.0))
    timing = window.findChild(type(window.label), "timing")
    assert timing.text() == "Elapsed 0:05 · about 30 s left"

    pump(anki_app, lambda: timing.text() != "Elapsed 0:05 · about 30 s left", timeout=3, what="the clock to tick")
    ticked = re.fullmatch(r"Elapsed 0:(\d\d) · about (\d+) s left", timing.text())
    assert ticked is not None, timing.text()
    elapsed, left = int(ticked[1]), int(ticked[2])
    assert elapsed >= 6 and left <= 29, "the clock counts on, the estimate counts down"
    assert abs(elapsed + left - 35) <= 1, timing.text()


def test_closing_while_running_asks_and_no_keeps_the_job(
    anki_app: Any, job_window: tuple[Any, list[str]], questions: Questions
) -> None:
    window, cancels = job_window
    questions.answer = False

    window.close()
    anki_app.processEvents()

    assert questions.asked == [window]
    assert window.isVisible(), "No must keep the window open"
    assert cancels == [], "No must not cancel the job"
    assert window.cancel_button.isEnabled()


def test_closing_while_running_and_yes_cancels_and_closes(
    anki_app: Any, job_window: tuple[Any, list[str]], questions: Questions
) -> None:
    window, cancels = job_window
    questions.answer = True

    window.close()
    pump(anki_app, lambda: not window.isVisible(), what="the window to close")

    assert len(questions.asked) == 1
    assert cancels == ["cancel"]


def test_escape_asks_like_closing(
    anki_app: Any, job_window: tuple[Any, list[str]], questions: Questions, qtbot: Any
) -> None:
    window, cancels = job_window
    questions.answer = False
    escape = QKeyEvent(QKeyEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
    window.keyPressEvent(escape)
    assert len(questions.asked) == 1 and window.isVisible() and cancels == []

    questions.answer = True
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    pump(anki_app, lambda: not window.isVisible(), what="the window to close")
    assert len(questions.asked) == 2 and cancels == ["cancel"]


def test_cancel_button_cancels_without_asking(
    anki_app: Any, job_window: tuple[Any, list[str]], questions: Questions, progress: Progress
) -> None:
    window, cancels = job_window
    window.cancel_button.click()

    assert questions.asked == []
    assert cancels == ["cancel"]
    assert not window.cancel_button.isEnabled()
    assert window.isVisible(), "the window stays until the job has stored what it made"
    window.show_progress(progress(done=4, total=10, failed=0, current_text="a"))
    assert window.label.text() == "Cancelling… keeping what is done (4 of 10 done)"

    window.close()  # the job is already stopping: no question, no second cancel
    pump(anki_app, lambda: not window.isVisible(), what="the window to close")
    assert questions.asked == [] and cancels == ["cancel"]


def test_after_finish_closing_never_asks(
    anki_app: Any, job_window: tuple[Any, list[str]], questions: Questions, qtbot: Any
) -> None:
    window, cancels = job_window
    window.finish()
    assert not window.isVisible(), "finish closes the window"

    window.show()
    pump(anki_app, window.isVisible, what="the window to show again")
    window.close()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible()
    assert questions.asked == [] and cancels == []


def test_the_question_names_what_happens(
    job_window: tuple[Any, list[str]], window_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, _ = job_window
    calls: list[tuple[str, dict[str, Any]]] = []

    def ask_user(text: str, **kwargs: Any) -> bool:
        calls.append((text, kwargs))
        return False

    monkeypatch.setattr(window_module, "askUser", ask_user)
    assert window_module.confirm_cancel(window) is False
    assert calls == [("Stop the job? What is already made is kept.", calls[0][1])]
    assert calls[0][1]["parent"] is window
