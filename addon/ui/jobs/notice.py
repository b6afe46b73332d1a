"""The small bar at the bottom of Anki's main window that offers, once, to finish a job that was
interrupted: "A Fill Media job was interrupted (312 of 500 done)" with Resume, Later and Discard.
It never blocks: Anki is usable while it shows, and it goes when one of its buttons is pressed or
the profile closes.

Thread safety: main thread only.
"""

from __future__ import annotations

from collections.abc import Callable

from aqt.qt import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from ...core.state.job_list import JobSummary

NOTICE_OBJECT_NAME = "media_fill_interrupted_notice"


def notice_text(job: JobSummary, *, more: int = 0) -> str:
    """What the notice says about ``job`` (and how many other interrupted jobs there are)."""
    text = (
        f"A Fill Media job was interrupted ({job.progress}). Resume finishes it without asking again "
        "for what it already made."
    )
    if more:
        jobs = "job" if more == 1 else "jobs"
        text += f" {more} more interrupted {jobs} are in Tools → Media Fill → Jobs…."
    return text


class InterruptedJobNotice(QFrame):
    """The notice bar for one job; each button calls its callback with the job's id."""

    def __init__(
        self,
        parent: QWidget,
        job: JobSummary,
        *,
        more: int,
        on_resume: Callable[[str], None],
        on_later: Callable[[str], None],
        on_discard: Callable[[str], None],
    ) -> None:
        super().__init__(parent)
        self.job = job
        self.setObjectName(NOTICE_OBJECT_NAME)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel(notice_text(job, more=more), self)
        self.label.setWordWrap(True)
        layout.addWidget(self.label, 1)
        self.resume_button = self._button("Resume", "Finish the job: only what it has not made yet is asked for.")
        self.later_button = self._button("Later", "Hide this until Anki starts again.")
        self.discard_button = self._button(
            "Discard", "Never offer this job again; Tools → Media Fill → Jobs… still lists it."
        )
        for button, callback in (
            (self.resume_button, on_resume),
            (self.later_button, on_later),
            (self.discard_button, on_discard),
        ):
            button.clicked.connect(lambda _checked=False, callback=callback: callback(job.job_id))
            layout.addWidget(button)

    def _button(self, text: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setToolTip(tip)
        button.setAutoDefault(False)
        return button
