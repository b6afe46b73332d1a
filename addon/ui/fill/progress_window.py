"""A small non-modal window showing a running job's progress, with a Cancel button.

The user keeps working in Anki while it is open. It shows how many requests are done (and failed),
the text just finished, how much media each provider has made, the time elapsed and an estimate of
the time left. Cancel stops the job at once; closing the window (its close button, Esc, ``close()``)
first asks whether to stop the job, since what is already made is kept either way. Once the job has
finished (`JobProgressWindow.finish`) or a cancel was asked for, closing never asks.

Thread safety: main thread only; workers reach it through `ProgressRelay`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from aqt.qt import (
    QDialog,
    QFontMetrics,
    QProgressBar,
    QPushButton,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from aqt.utils import askUser

from ...core.engine.generation import JobProgress
from ...core.text.cleaning import fold_whitespace
from ..widgets import plain_label

STOP_QUESTION = "Stop the job? What is already made is kept."
WINDOW_TITLE = "Fill Media"
# How wide (in pixels) the text just finished may be before it is cut with an ellipsis.
_CURRENT_TEXT_WIDTH = 340
# How often the elapsed time and the estimate count on between two progress reports.
_TICK_MS = 1000


def confirm_cancel(parent: QWidget) -> bool:
    """Ask whether to stop the running job; True means stop. Opens a modal question (main thread
    only). Tests replace this function on the module."""
    return askUser(STOP_QUESTION, parent=parent, defaultno=True, title=WINDOW_TITLE)


class JobProgressWindow(QDialog):
    """The job window. ``on_cancel`` is called at most once, on the main thread, when the user
    cancels (Cancel button, or Yes to the question when closing)."""

    silentlyClose = True  # Anki may close it on profile unload without complaint

    def __init__(self, parent: QWidget | None, *, total: int, on_cancel: Callable[[], None]) -> None:
        super().__init__(parent)
        self.setObjectName("media_fill_progress")
        self.setWindowTitle(WINDOW_TITLE)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self._on_cancel = on_cancel
        self._finished = False
        self._cancel_requested = False
        self._total = total
        self._done_line = f"Starting… 0/{total}"
        self._elapsed_s = 0.0
        self._eta_s: float | None = None
        self._reported_at: float | None = None  # monotonic time of the last progress shown

        self.label = plain_label("job_status", self._done_line)
        self.current_label = plain_label("current_text", "")
        self.current_label.setHidden(True)
        self.bar = QProgressBar()
        self.bar.setObjectName("job_bar")
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(0)
        self.provider_counts = plain_label("provider_counts", "")
        self.provider_counts.setHidden(True)
        self.timing_label = plain_label("timing", "")
        self.timing_label.setHidden(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancel_job")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.request_cancel)

        layout = QVBoxLayout(self)
        for widget in (self.label, self.current_label, self.bar, self.provider_counts, self.timing_label):
            layout.addWidget(widget)
        layout.addWidget(self.cancel_button, alignment=Qt.AlignmentFlag.AlignRight)
        self.setMinimumWidth(380)

        self._ticker = QTimer(self)
        self._ticker.setInterval(_TICK_MS)
        self._ticker.timeout.connect(self._show_timing)
        self._ticker.start()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel_requested

    def show_progress(self, progress: JobProgress) -> None:
        """Show where the job is (main thread)."""
        self._total = progress.total
        self.bar.setMaximum(max(progress.total, 1))
        self.bar.setValue(progress.done)
        failed = f" · {progress.failed} failed" if progress.failed else ""
        self._done_line = f"{progress.done} of {progress.total} done{failed}"
        self._show_status()
        self._show_current_text(progress.current_text)
        lines = provider_count_lines(progress.by_provider)
        self.provider_counts.setText("\n".join(lines))
        self.provider_counts.setHidden(not lines)
        self._elapsed_s = progress.elapsed_s
        self._eta_s = progress.eta_s if progress.done < progress.total else None
        self._reported_at = time.monotonic()
        self._show_timing()
        if not self._finished:
            self._ticker.start()  # restart: the next tick counts one whole second from this report

    def request_cancel(self) -> None:
        """Cancel the job at once (no question); what is done is kept."""
        if self._finished or self._cancel_requested:
            return
        self._cancel_requested = True
        self.cancel_button.setEnabled(False)
        self._show_status()
        self._on_cancel()

    def finish(self) -> None:
        """The job is over: stop the clock and close; closing no longer asks."""
        self._finished = True
        self._ticker.stop()
        self.close()

    def reject(self) -> None:
        """Esc, the window's close button and ``close()`` all end here (`QDialog.closeEvent` calls
        ``reject``): while the job runs, ask first. Yes cancels and closes; No keeps the window
        and the job."""
        if not self._finished and not self._cancel_requested:
            if not confirm_cancel(self):
                return
            self.request_cancel()
        super().reject()

    def _show_status(self) -> None:
        if self._cancel_requested and not self._finished:
            self.label.setText(f"Cancelling… keeping what is done ({self._done_line})")
        else:
            self.label.setText(self._done_line)

    def _show_current_text(self, text: str) -> None:
        one_line = fold_whitespace(text)
        if not one_line:
            self.current_label.setHidden(True)
            return
        metrics = QFontMetrics(self.current_label.font())
        shown = metrics.elidedText(f"Latest: {one_line}", Qt.TextElideMode.ElideRight, _CURRENT_TEXT_WIDTH)
        self.current_label.setText(shown)
        self.current_label.setToolTip(one_line if shown != f"Latest: {one_line}" else "")
        self.current_label.setHidden(False)

    def _show_timing(self) -> None:
        if self._reported_at is None:
            return  # nothing reported yet: no numbers to show
        since = time.monotonic() - self._reported_at
        self.timing_label.setText(timing_text(elapsed_s=self._elapsed_s + since, eta_s=_minus(self._eta_s, since)))
        self.timing_label.setHidden(False)


def provider_count_lines(by_provider: Mapping[str, int]) -> list[str]:
    """One line per provider that made media, most first: ``"espeak: 12 made"``."""
    ranked = sorted(by_provider.items(), key=lambda item: (-item[1], item[0]))
    return [f"{name}: {count} made" for name, count in ranked if count]


def timing_text(*, elapsed_s: float, eta_s: float | None) -> str:
    """``"Elapsed 1:05 · about 2 min left"``; without an estimate only the elapsed time."""
    text = f"Elapsed {clock(elapsed_s)}"
    if eta_s is None:
        return text
    if eta_s < 1:
        return f"{text} · almost done"
    return f"{text} · about {duration(eta_s)} left"


def clock(seconds: float) -> str:
    """``m:ss``, or ``h:mm:ss`` from an hour on (to the nearest second: timer ticks may come a little early)."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def duration(seconds: float) -> str:
    """A rough length of time: ``"40 s"``, ``"3 min"``, ``"1.5 h"``."""
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def _minus(eta_s: float | None, seconds: float) -> float | None:
    return None if eta_s is None else max(0.0, eta_s - seconds)


class ProgressRelay:
    """Passes progress from worker threads to the main thread, coalescing bursts so the UI gets at
    most one pending update at a time."""

    def __init__(self, run_on_main: Callable[[Callable[[], None]], None], apply: Callable[[JobProgress], None]) -> None:
        self._run_on_main = run_on_main
        self._apply = apply
        self._lock = threading.Lock()
        self._latest: JobProgress | None = None
        self._pending = False

    def __call__(self, progress: JobProgress) -> None:
        """Called from worker threads."""
        with self._lock:
            self._latest = progress
            if self._pending:
                return
            self._pending = True
        self._run_on_main(self._deliver)

    def _deliver(self) -> None:
        with self._lock:
            progress, self._latest, self._pending = self._latest, None, False
        if progress is not None:
            self._apply(progress)
