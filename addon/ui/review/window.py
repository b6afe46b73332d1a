"""The Review window: a job's filled notes one at a time, each with its filled targets (the picture
shown, the sound played), and keys to act on the selected target:

- Enter keeps the note as it is and goes to the next one (Left goes back);
- R redoes the selected target with the next provider of its list (for a target with one provider
  that has voices, such as OpenAI speech, the same provider in its next voice; else the same one
  again), one undo step;
- Delete removes the selected target's Media Fill media from the field (the user's own media
  stays), one undo step;
- Space plays the note's sound again; Up and Down select another target of the note;
- C opens Choose… for the selected target (the candidates side by side; the one taken replaces the
  media, one undo step); the window shows the note again once Choose… closes.

The window holds no collection: reading a note again, redoing and removing go through the
callbacks its opener gives (`ReviewActions`).

Thread safety: main thread only (Qt widgets).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Protocol

from aqt.qt import (
    QDialog,
    QHBoxLayout,
    QKeyEvent,
    QLabel,
    QListWidget,
    QPixmap,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)
from PyQt6 import sip

from ...collection.review import ReviewNote, ReviewTarget
from ...core.media.types import MediaKind
from ..widgets import plain_label

WINDOW_TITLE = "Fill Media — review"
PICTURE_SIZE = 320
HELP_TEXT = (
    "Enter keeps this note and goes to the next · R makes the selected field again with the next provider or voice · "
    "C chooses among candidates · Delete takes its media out · Space plays the sound · ↑↓ select a field · ← goes back"
)


class ReviewActions(Protocol):
    """What the window asks of its opener (all on the main thread)."""

    def reload(self, note_id: int) -> ReviewNote | None:
        """The note as it is now (None: deleted, or no Media Fill media left)."""
        ...

    def redo(self, note_id: int, target: ReviewTarget, on_done: Callable[[str, bool], None]) -> None:
        """Start a redo; ``on_done(message, changed)`` once it is over."""
        ...

    def remove(self, note_id: int, target: ReviewTarget, on_done: Callable[[str, bool], None]) -> None:
        """Start removing the target's media; ``on_done(message, changed)`` once it is over."""
        ...

    def choose(self, note_id: int, target: ReviewTarget, on_done: Callable[[str, bool], None]) -> None:
        """Open Choose… for the target; ``on_done(message, changed)`` once it has closed."""
        ...

    def file_path(self, name: str) -> str:
        """The media file's path in the collection's media folder."""
        ...


class ReviewWindow(QDialog):
    """Steps through ``notes``; non-modal, deletes itself when closed. ``play`` is asked to play a
    media file (its name in the media folder); ``played`` lists every name it was asked for."""

    silentlyClose = True

    def __init__(
        self,
        parent: QWidget | None,
        notes: Sequence[ReviewNote],
        *,
        actions: ReviewActions,
        play: Callable[[str], None],
    ) -> None:
        super().__init__(parent)
        self.setObjectName("media_fill_review")
        self.setWindowTitle(WINDOW_TITLE)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.notes = list(notes)
        self.index = 0
        self.busy = False
        self.played: list[str] = []
        self._actions = actions
        self._play = play

        layout = QVBoxLayout(self)
        self.heading = plain_label("review_heading", "")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        layout.addWidget(self.heading)
        row = QHBoxLayout()
        self.picture = QLabel()
        self.picture.setObjectName("review_picture")
        self.picture.setFixedSize(PICTURE_SIZE, PICTURE_SIZE)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        row.addWidget(self.picture)
        self.targets = QListWidget()
        self.targets.setObjectName("review_targets")
        self.targets.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.targets.currentRowChanged.connect(self._target_selected)
        row.addWidget(self.targets, stretch=1)
        layout.addLayout(row)
        self.status = plain_label("review_status", "", wrap=True, selectable=True)
        layout.addWidget(self.status)
        layout.addWidget(plain_label("review_help", HELP_TEXT, wrap=True))
        buttons = QHBoxLayout()
        self.keep_button = self._button(buttons, "review_keep", "Keep (Enter)", self.keep)
        self.redo_button = self._button(buttons, "review_redo", "Redo (R)", self.redo)
        self.choose_button = self._button(buttons, "review_choose", "Choose… (C)", self.choose)
        self.remove_button = self._button(buttons, "review_remove", "Remove (Delete)", self.remove)
        self.play_button = self._button(buttons, "review_play", "Play (Space)", self.play_sound)
        buttons.addStretch(1)
        self._button(buttons, "review_close", "Close", self.close)
        layout.addLayout(buttons)
        self.resize(720, 480)
        self._show_note(play=True)

    def _button(self, row: QHBoxLayout, name: str, text: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the window, never to a button
        button.clicked.connect(lambda _checked=False: slot())
        row.addWidget(button)
        return button

    # What is shown

    @property
    def note(self) -> ReviewNote | None:
        return self.notes[self.index] if 0 <= self.index < len(self.notes) else None

    @property
    def target(self) -> ReviewTarget | None:
        note = self.note
        row = self.targets.currentRow()
        return note.targets[row] if note is not None and 0 <= row < len(note.targets) else None

    def _show_note(self, *, play: bool, row: int = 0) -> None:
        note = self.note
        self.targets.blockSignals(True)
        self.targets.clear()
        if note is None:
            self.heading.setText("Nothing to review: the notes of this job hold no Media Fill media now.")
        else:
            self.heading.setText(f"{note.label} — note {self.index + 1} of {len(self.notes)}")
            for target in note.targets:
                provider = f" · {target.provider}" if target.provider else ""
                self.targets.addItem(f"{target.field} · {target.kind.word}{provider} · {', '.join(target.files)}")
            if not note.targets:
                self.targets.addItem("No Media Fill media left on this note: Enter goes to the next.")
            self.targets.setCurrentRow(min(row, max(len(note.targets) - 1, 0)))
        self.targets.blockSignals(False)
        self._show_picture()
        self._update_buttons()
        if play:
            self.play_sound()

    def _show_picture(self) -> None:
        note, target = self.note, self.target
        pictures = [t for t in (note.targets if note is not None else ()) if t.kind is MediaKind.IMAGE]
        shown = target if target is not None and target.kind is MediaKind.IMAGE else next(iter(pictures), None)
        pixmap = QPixmap(self._actions.file_path(shown.files[0])) if shown is not None else QPixmap()
        if pixmap.isNull():
            self.picture.setPixmap(QPixmap())
            self.picture.setText("No picture" if shown is None else f"{shown.files[0]} cannot be shown")
            return
        self.picture.setPixmap(
            pixmap.scaled(
                PICTURE_SIZE,
                PICTURE_SIZE,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def _update_buttons(self) -> None:
        has_target = self.target is not None and not self.busy
        self.redo_button.setEnabled(has_target)
        self.choose_button.setEnabled(has_target)
        self.remove_button.setEnabled(has_target)
        self.keep_button.setEnabled(not self.busy and self.note is not None)
        note = self.note
        self.play_button.setEnabled(note is not None and any(t.kind is MediaKind.AUDIO for t in note.targets))

    def _target_selected(self, row: int) -> None:
        self._show_picture()
        self._update_buttons()
        target = self.target
        if target is not None and target.kind is MediaKind.AUDIO:
            self._play_target(target)

    # Actions

    def play_sound(self) -> None:
        """Play the selected target's sound, or the note's first sound."""
        note, target = self.note, self.target
        if target is None or target.kind is not MediaKind.AUDIO:
            target = next((t for t in (note.targets if note is not None else ()) if t.kind is MediaKind.AUDIO), None)
        if target is not None:
            self._play_target(target)

    def _play_target(self, target: ReviewTarget) -> None:
        name = os.path.basename(target.files[0])
        self.played.append(name)
        self._play(name)

    def keep(self) -> None:
        """Keep this note as it is; go to the next (the window closes after the last)."""
        if self.busy:
            return
        if self.index + 1 >= len(self.notes):
            self.status.setText("That was the last note: every note of the job is reviewed.")
            self.index = len(self.notes)
            self.close()
            return
        self.index += 1
        self.status.setText("")
        self._show_note(play=True)

    def back(self) -> None:
        if not self.busy and self.index > 0:
            self.index -= 1
            self.status.setText("")
            self._show_note(play=True)

    def redo(self) -> None:
        self._act("Making it again…", self._actions.redo)

    def remove(self) -> None:
        self._act("Taking it out…", self._actions.remove)

    def choose(self) -> None:
        self._act("Choosing among candidates…", self._actions.choose)

    def _act(self, doing: str, start: Callable[[int, ReviewTarget, Callable[[str, bool], None]], None]) -> None:
        note, target = self.note, self.target
        if self.busy or note is None or target is None:
            return
        self.busy = True
        self._update_buttons()
        self.status.setText(f"{target.field}: {doing}")
        start(note.note_id, target, self._done)

    def _done(self, message: str, changed: bool) -> None:
        if sip.isdeleted(self):  # closed while the step ran
            return
        self.busy = False
        self.status.setText(message)
        note = self.note
        if note is None:
            return
        row = max(self.targets.currentRow(), 0)
        fresh = self._actions.reload(note.note_id)
        self.notes[self.index] = fresh if fresh is not None else ReviewNote(note.note_id, note.label, ())
        self._show_note(play=False, row=row)
        target = self.target
        if changed and target is not None and target.kind is MediaKind.AUDIO:
            self._play_target(target)

    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        if event is None:
            return
        key = event.key()
        actions: dict[int, Callable[[], None]] = {
            Qt.Key.Key_Return: self.keep,
            Qt.Key.Key_Enter: self.keep,
            Qt.Key.Key_R: self.redo,
            Qt.Key.Key_Delete: self.remove,
            Qt.Key.Key_Backspace: self.remove,
            Qt.Key.Key_Space: self.play_sound,
            Qt.Key.Key_C: self.choose,
            Qt.Key.Key_Left: self.back,
            Qt.Key.Key_Up: lambda: self._move(-1),
            Qt.Key.Key_Down: lambda: self._move(1),
        }
        action = actions.get(key)
        if action is None or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            super().keyPressEvent(event)
            return
        action()

    def _move(self, step: int) -> None:
        if not self.busy and self.targets.count():
            self.targets.setCurrentRow(max(0, min(self.targets.count() - 1, self.targets.currentRow() + step)))
