"""A small non-modal window showing a running job's progress, with a Cancel button.

The user keeps working in Anki while it is open. Closing the window cancels the job (what is done
is kept).

Thread safety: main thread only; workers reach it through `ProgressRelay`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from aqt.qt import QCloseEvent, QDialog, QLabel, QProgressBar, QPushButton, Qt, QVBoxLayout, QWidget

from ..core.job import JobProgress


class JobProgressWindow(QDialog):
    silentlyClose = True  # Anki may close it on profile unload without complaint

    def __init__(self, parent: QWidget | None, *, total: int, on_cancel: Callable[[], None]) -> None:
        super().__init__(parent)
        self.setObjectName("media_fill_progress")
        self.setWindowTitle("Fill Media")
        self.setWindowModality(Qt.WindowModality.NonModal)
        self._on_cancel = on_cancel
        self._finished = False
        self.label = QLabel(f"Starting… 0/{total}")
        self.bar = QProgressBar()
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(0)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.request_cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.setMinimumWidth(380)

    def show_progress(self, progress: JobProgress) -> None:
        self.bar.setValue(progress.done)
        failed = f", {progress.failed} failed" if progress.failed else ""
        lines = [f"{progress.done}/{progress.total}{failed} — {progress.current_text[:50]}"]
        if progress.by_provider:
            lines.append(", ".join(f"{name}: {count}" for name, count in sorted(progress.by_provider.items())))
        if progress.eta_s is not None and progress.done < progress.total:
            lines.append(f"about {_duration(progress.eta_s)} left")
        self.label.setText("\n".join(lines))

    def request_cancel(self) -> None:
        if self._finished:
            return
        self.cancel_button.setEnabled(False)
        self.label.setText("Cancelling… keeping what is done")
        self._on_cancel()

    def finish(self) -> None:
        self._finished = True
        self.close()

    def closeEvent(self, event: QCloseEvent | None) -> None:
        if not self._finished:
            self.request_cancel()
        super().closeEvent(event)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


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
