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
from ...collection.sync import CollectionSync
from ...core.config.rule_drafts import target_kind, targets_of
from ...core.config.rules import FillMode, parse_rules
from ...core.engine.generation import generate_all
from ...core.engine.job_session import sound_files
from ...core.engine.planner import plan_notes
from ...core.job.plan import WorkItem
from ...core.media.types import MediaKind, MediaResult
from ...core.provider_system.registry import ProviderRegistry
from ..settings.links import settings_plain
from ..user_messages import explain
from ..widgets import problem_html


@dataclass
class PreviewResult:
    """What the preview made for one note: per kind the media, or why there is none. ``kinds`` are
    the kinds the rule fills (nothing is said of the others); ``filled`` names the note's target
    fields that already hold media (the preview shows what replacing them would make); ``note``
    says why there is no preview at all."""

    note_id: int
    text: str
    kinds: tuple[MediaKind, ...] = ()
    media: dict[MediaKind, MediaResult] = field(default_factory=dict)
    problems: dict[MediaKind, str] = field(default_factory=dict)
    filled: list[str] = field(default_factory=list)
    note: str = ""


# How many of the selected notes Preview looks through for one with words to use.
PREVIEW_CANDIDATES = 50


@dataclass(frozen=True)
class PreviewWork:
    """The note Preview uses, its words, the requests to make, why a kind has none, and which of
    its target fields already hold media."""

    note_id: int
    text: str
    work: list[WorkItem]
    problems: dict[MediaKind, str]
    filled: list[str] = field(default_factory=list)
    note: str = ""


def rule_kinds(rule: Mapping[str, Any]) -> tuple[MediaKind, ...]:
    """The kinds ``rule`` fills (those it has a target of)."""
    kinds = {target_kind(t) for t in targets_of(rule) if t.get("field")}
    return tuple(kind for kind in MediaKind if kind in kinds)


def previewed_rule(rule: Mapping[str, Any], mode: FillMode) -> dict[str, Any]:
    """``rule`` with its first target of each kind (a preview shows one picture and one sound),
    each set to fill in ``mode``."""
    firsts: dict[MediaKind | None, Mapping[str, Any]] = {}
    for target in targets_of(rule):
        if target.get("field"):
            firsts.setdefault(target_kind(target), target)
    return {**rule, "mode": mode.value, "targets": [{**t, "mode": mode.value} for t in firsts.values()]}


def preview_work(col: Collection, note_ids: Sequence[int], rule: Mapping[str, Any]) -> PreviewWork:
    """The requests ``rule`` would make for the first of ``note_ids`` whose target fields are all
    empty (else the first with some empty, else the first with words), made as if its target
    fields were empty: a preview shows what a job would make, and says which fields are filled
    already. Needs the collection."""
    kinds = rule_kinds(rule)
    as_empty = parse_rules({"rules": [previewed_rule(rule, FillMode.OVERWRITE)]})
    as_is = parse_rules({"rules": [previewed_rule(rule, FillMode.SKIP)]})
    best: tuple[int, PreviewWork] | None = None
    sounds = sound_files(CollectionSync(col).media_folder())  # what a transcript hears
    for note in CollectionNotes(col, note_ids[:PREVIEW_CANDIDATES]).notes():
        plan = plan_notes([note], as_empty, kinds=kinds or tuple(MediaKind), sounds=sounds)
        work = [t.work for t in plan.targets if t.work is not None]
        problems = {
            t.kind: t.skip_reason or t.failure or "nothing to make" for t in plan.targets if t.work is None and t.field
        }
        text = next((t.source_text for t in plan.targets if t.work is not None), "")
        made = {t.field for t in plan.targets if t.work is not None}
        # Filled: made as if empty, but left alone as the note is (not: skipped for want of words).
        filled = [
            t.field
            for t in plan_notes([note], as_is, kinds=kinds or tuple(MediaKind), sounds=sounds).targets
            if t.work is None and t.field in made
        ]
        found = PreviewWork(note.note_id, text, work, problems, filled=filled if work else [])
        if work and not filled:
            return found
        # A note with words beats one without; fewer filled fields beat more.
        rank = (0 if work else 1_000) + len(filled)
        if best is None or rank < best[0]:
            best = (rank, found)
    if best is None:
        return PreviewWork(0, "", [], {}, note="None of the selected notes of this type could be read.")
    return best[1]


def error_text(made: MediaResult) -> str:
    """A failed result's error naming its provider once: a `ProviderError` names the provider that
    raised it already ("espeak: …"); only one that names none gets the result's provider."""
    error = made.error
    if error is None or error.provider or not made.provider:
        return str(error)
    return f"{made.provider}: {error}"


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

        kinds = rule_kinds(rule)

        def generate(planned: PreviewWork) -> None:
            result = PreviewResult(
                note_id=planned.note_id,
                text=planned.text,
                kinds=kinds,
                problems={kind: why for kind, why in planned.problems.items() if kind in kinds},
                filled=list(planned.filled),
                note=planned.note,
            )
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
            lambda exc: self._done(PreviewResult(note_id=0, text="", kinds=kinds, note=explain(exc)), on_done)
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
            for kind in result.kinds:
                result.problems.setdefault(kind, explain(exc))
            self._done(result, on_done)
            return
        for made in outcome.results.values():
            kind = made.request.kind
            if made.ok:
                result.media[kind] = made
            else:
                result.problems[kind] = error_text(made)
        for name, problem in outcome.provider_problems.items():
            for kind in result.kinds:
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

    def show_idle(self, reason: str | None) -> None:
        """Before any preview: what Preview does, or why it is off (``reason``)."""
        self.status.setText(html.escape(reason) if reason else IDLE_TEXT)
        self.image.clear()
        self.play_button.setEnabled(False)

    def show_starting(self, note_type: str) -> None:
        self.status.setText(f"Making a preview for “{html.escape(note_type)}”…")
        self.image.clear()
        self.play_button.setEnabled(False)

    def show_result(self, result: PreviewResult) -> None:
        """Show the picture and what was made; play the sound, if there is one."""
        lines = [f"Preview of “{html.escape(result.text)}”:" if result.text else "Preview:"]
        if result.note:
            lines.append(problem_html(html.escape(result.note)))
        if result.filled:
            fields = ", ".join(result.filled)
            lines.append(
                f"This note's {html.escape(fields)} is filled already (no selected note of this type has all its "
                "fields empty): this shows what replacing it would make; a job set to skip filled fields leaves it."
            )
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
        heard = result.media.get(MediaKind.TEXT)
        if heard is not None and heard.data is not None:
            words = heard.data.decode("utf-8", errors="replace")
            lines.append(f"transcript from {html.escape(heard.provider)}: “{html.escape(words)}”")
        for kind, problem in result.problems.items():
            lines.append(problem_html(f"no {kind.word}: {html.escape(settings_plain(problem))}"))
        self.status.setText("<br>".join(lines))
        self.play_button.setEnabled(sound is not None)
        if sound is not None:
            self.play_sound()

    def play_sound(self) -> None:
        path = self.runner.sound_file()
        if path is not None:
            aqt.sound.av_player.play_file(str(path))
