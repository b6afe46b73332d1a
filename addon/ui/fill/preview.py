"""Preview in the Fill Media dialog: make one note's media with the rule as it stands, show the
picture and play the sound, and write nothing — not to the note, not to the media folder.

`PreviewRunner` reads the note in a `QueryOp` and makes the media on a background thread with the
job's own engine (limits, retries, fallbacks, media checks); the sound plays from a temporary file
that is deleted when the preview is cleared. `PreviewPanel` is the dialog's area that shows it.

Thread safety: create and call on the main thread; only the generation runs on a worker.
"""

from __future__ import annotations

import html
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aqt.sound
from anki.collection import Collection
from aqt.main import AnkiQt
from aqt.operations import QueryOp
from aqt.qt import QHBoxLayout, QLabel, QPixmap, QPushButton, Qt, QVBoxLayout, QWidget

from ...collection.notes_source import CollectionNotes
from ...core.config.rules import FillMode, parse_rules
from ...core.engine.generation import generate_all
from ...core.engine.planner import plan_notes
from ...core.job.plan import WorkItem
from ...core.media.types import MediaKind, MediaResult
from ...core.provider_system.registry import ProviderRegistry
from ..settings.links import settings_plain
from ..user_messages import explain
from ..widgets import problem_html


@dataclass
class PreviewResult:
    """What the preview made for one note: per kind the media, or why there is none."""

    note_id: int
    text: str
    media: dict[MediaKind, MediaResult] = field(default_factory=dict)
    problems: dict[MediaKind, str] = field(default_factory=dict)


# How many of the selected notes Preview looks through for one with words to use.
PREVIEW_CANDIDATES = 50


@dataclass(frozen=True)
class PreviewWork:
    """The note Preview uses, its words, the requests to make, and why a kind has none."""

    note_id: int
    text: str
    work: list[WorkItem]
    problems: dict[MediaKind, str]


def preview_work(col: Collection, note_ids: Sequence[int], rule: Mapping[str, Any]) -> PreviewWork:
    """The requests ``rule`` would make for the first of ``note_ids`` that has words in its source
    field, as if its target fields were empty (a preview shows what a job would make even for a
    note already filled). Needs the collection."""
    draft = {**rule, "mode": FillMode.OVERWRITE.value}
    rules = parse_rules({"rules": [draft]})
    first: PreviewWork | None = None
    for note in CollectionNotes(col, note_ids[:PREVIEW_CANDIDATES]).notes():
        plan = plan_notes([note], rules)
        work = [t.work for t in plan.targets if t.work is not None]
        problems = {t.kind: t.skip_reason or "nothing to make" for t in plan.targets if t.work is None and t.field}
        text = next((t.source_text for t in plan.targets if t.work is not None), "")
        found = PreviewWork(note.note_id, text, work, problems)
        if work:
            return found
        first = first or found
    return first or PreviewWork(0, "", [], {MediaKind.IMAGE: "none of the selected notes could be read"})


class PreviewRunner:
    """Runs one preview at a time for a dialog; a new preview cancels the one before."""

    def __init__(self, mw: AnkiQt, *, parent: QWidget, registry: Callable[[], ProviderRegistry]) -> None:
        self.mw = mw
        self.parent = parent
        self._registry = registry
        self._cancel = threading.Event()
        self._temp_dir: Path | None = None
        self.result: PreviewResult | None = None
        self.running = False

    def start(
        self, note_ids: Sequence[int], rule: Mapping[str, Any], *, on_done: Callable[[PreviewResult], None]
    ) -> None:
        """Preview ``rule`` on the first of ``note_ids`` with words to use; ``on_done`` gets the
        result on the main thread (not when a newer preview or `cancel` came first)."""
        self.cancel()
        self._cancel = cancel = threading.Event()
        self.running = True
        candidates = list(note_ids)

        def read(col: Collection) -> PreviewWork:
            return preview_work(col, candidates, rule)

        def generate(planned: PreviewWork) -> None:
            result = PreviewResult(note_id=planned.note_id, text=planned.text, problems=dict(planned.problems))
            if cancel.is_set():
                return
            if not planned.work:
                self._done(result, on_done)
                return
            registry = self._registry()
            self.mw.taskman.run_in_background(
                lambda: generate_all(planned.work, providers=registry, cancel=cancel),
                lambda future: self._generated(future, result, cancel, on_done),
                uses_collection=False,
            )

        QueryOp(parent=self.parent, op=read, success=generate).failure(
            lambda exc: self._done(PreviewResult(note_id=0, text="", problems={MediaKind.IMAGE: explain(exc)}), on_done)
        ).run_in_background()

    def _generated(
        self,
        future: Future[Any],
        result: PreviewResult,
        cancel: threading.Event,
        on_done: Callable[[PreviewResult], None],
    ) -> None:
        if cancel.is_set():
            return
        try:
            outcome = future.result()
        except Exception as exc:
            for kind in MediaKind:
                result.problems.setdefault(kind, explain(exc))
            self._done(result, on_done)
            return
        for made in outcome.results.values():
            kind = made.request.kind
            if made.ok:
                result.media[kind] = made
            else:
                result.problems[kind] = f"{made.provider}: {made.error}" if made.provider else str(made.error)
        for name, problem in outcome.provider_problems.items():
            for kind in MediaKind:
                if kind not in result.media:
                    result.problems.setdefault(kind, f"{name} {problem}")
        self._done(result, on_done)

    def _done(self, result: PreviewResult, on_done: Callable[[PreviewResult], None]) -> None:
        self.running = False
        self.result = result
        on_done(result)

    def sound_file(self) -> Path | None:
        """The previewed sound as a temporary file (made on first call), for the player."""
        made = self.result.media.get(MediaKind.AUDIO) if self.result is not None else None
        if made is None or made.data is None:
            return None
        if self._temp_dir is None:
            self._temp_dir = Path(tempfile.mkdtemp(prefix="media-fill-preview-"))
        path = self._temp_dir / f"preview-{self.result.note_id if self.result else 0}.{made.extension}"
        if not path.exists():
            path.write_bytes(made.data)
        return path

    def cancel(self) -> None:
        self._cancel.set()
        self.running = False

    def clear(self) -> None:
        """Cancel and delete the temporary sound files."""
        self.cancel()
        self.result = None
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None


IDLE_TEXT = "Preview makes one note's media with this rule and writes nothing."


class PreviewPanel(QWidget):
    """The picture, a line saying what was made (or why not), and Play sound, which plays
    ``runner``'s sound."""

    def __init__(self, parent: QWidget, *, runner: PreviewRunner) -> None:
        super().__init__(parent)
        self.runner = runner
        self.image = QLabel(self)
        self.image.setObjectName("preview_image")
        self.image.setFixedSize(160, 160)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setStyleSheet("border: 1px solid palette(mid);")
        self.status = QLabel(IDLE_TEXT, self)
        self.status.setObjectName("preview_status")
        self.status.setWordWrap(True)
        self.play_button = QPushButton("▶ Play sound", self)
        self.play_button.setObjectName("preview_play")
        self.play_button.setEnabled(False)
        self.play_button.clicked.connect(self.play_sound)
        text = QVBoxLayout()
        text.addWidget(self.status)
        play_row = QHBoxLayout()
        play_row.addWidget(self.play_button)
        play_row.addStretch(1)
        text.addLayout(play_row)
        text.addStretch(1)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.image)
        row.addLayout(text, 1)

    def show_starting(self, note_type: str) -> None:
        self.status.setText(f"Making a preview for “{html.escape(note_type)}”…")
        self.image.clear()
        self.play_button.setEnabled(False)

    def show_result(self, result: PreviewResult) -> None:
        """Show the picture and what was made; play the sound, if there is one."""
        lines = [f"Preview of “{html.escape(result.text)}”:" if result.text else "Preview:"]
        image = result.media.get(MediaKind.IMAGE)
        if image is not None and image.data is not None:
            pixmap = QPixmap()
            pixmap.loadFromData(image.data)
            self.image.setPixmap(
                pixmap.scaled(
                    self.image.size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
            lines.append(f"picture from {html.escape(image.provider)}")
        sound = result.media.get(MediaKind.AUDIO)
        if sound is not None:
            lines.append(f"sound from {html.escape(sound.provider)}")
        for kind, problem in result.problems.items():
            lines.append(problem_html(f"no {kind.value}: {html.escape(settings_plain(problem))}"))
        self.status.setText("<br>".join(lines))
        self.play_button.setEnabled(sound is not None)
        if sound is not None:
            self.play_sound()

    def play_sound(self) -> None:
        path = self.runner.sound_file()
        if path is not None:
            aqt.sound.av_player.play_file(str(path))
