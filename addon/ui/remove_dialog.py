"""The Browser's **Notes → Remove Filled Media…**: which target fields of the selected notes to clear
of the pictures and sounds Media Fill made (one tick box per note type, field and kind, each with
its count), and how much that removes in all; Remove takes them out in one undo step (Edit → Undo
Remove Filled Media). Only Media Fill's own files go: the user's own media and text stay. The files
stay in the media folder, and the dialog says that Tools → Check Media deletes unused ones.

Thread safety: main thread only; the notes are read in a `QueryOp` and changed in a `CollectionOp`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aqt.main import AnkiQt
from aqt.operations import CollectionOp, QueryOp
from aqt.qt import QCheckBox, QDialog, QDialogButtonBox, QPushButton, QVBoxLayout, QWidget
from aqt.utils import tooltip
from PyQt6 import sip

from ..collection.media_removal import RemovalPlan, RemovalResult, find_filled_media, known_provider_names
from ..collection.media_removal import remove_filled_media as remove_media
from ..core.media.types import MediaKind
from .widgets import plain_label

TITLE = "Remove Filled Media"
FILES_NOTE = (
    "The files stay in the media folder, so Edit → Undo can bring the media back; "
    "Tools → Check Media deletes the ones no note uses any more."
)
NOTHING_TO_REMOVE = (
    "The selected notes hold no pictures or sounds that Media Fill made in the fields their rules fill; "
    "select other notes to remove media from them."
)

Row = tuple[str, str, MediaKind]


def _counted(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class RemoveMediaDialog(QDialog):
    """See the module docstring. ``on_removed`` gets the result once the notes are changed."""

    def __init__(
        self,
        mw: AnkiQt,
        *,
        parent: QWidget,
        note_ids: list[int],
        config: Mapping[str, Any],
        on_removed: Callable[[RemovalResult], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.mw = mw
        self.owner = parent
        self.note_ids = note_ids
        self.config = config
        self.on_removed = on_removed
        self.plan: RemovalPlan | None = None
        self.boxes: dict[Row, QCheckBox] = {}
        self.setObjectName("media_fill_remove_dialog")
        self.setWindowTitle(TITLE)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "intro",
                f"Take the pictures and sounds Media Fill made out of {_counted(len(note_ids), 'selected note')}. "
                "Your own pictures, sounds and text stay.",
                wrap=True,
            )
        )
        self.rows_layout = QVBoxLayout()
        layout.addLayout(self.rows_layout)
        self.preview_label = plain_label("preview", "Counting…", wrap=True)
        layout.addWidget(self.preview_label)
        layout.addWidget(plain_label("files_note", FILES_NOTE, wrap=True))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("remove_button")
        self.remove_button.setEnabled(False)
        buttons.addButton(self.remove_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.remove)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        providers = known_provider_names(config)
        QueryOp(
            parent=self,
            op=lambda col: find_filled_media(col, note_ids, config, providers=providers),
            success=self._show_plan,
        ).run_in_background()

    def _show_plan(self, plan: RemovalPlan) -> None:
        if sip.isdeleted(self):
            return
        self.plan = plan
        for row in plan.rows:
            box = QCheckBox(
                f"{row.note_type} › {row.field}: {_counted(row.references, row.kind.word)} "
                f"in {_counted(row.notes, 'note')}"
            )
            box.setChecked(True)
            box.toggled.connect(self._update_preview)
            self.rows_layout.addWidget(box)
            self.boxes[row.note_type, row.field, row.kind] = box
        self._update_preview()

    def chosen(self) -> set[Row]:
        return {key for key, box in self.boxes.items() if box.isChecked()}

    def _update_preview(self) -> None:
        if self.plan is None:
            return
        if not self.plan.rows:
            self.preview_label.setText(NOTHING_TO_REMOVE)
            self.remove_button.setEnabled(False)
            return
        chosen = [row for row in self.plan.rows if (row.note_type, row.field, row.kind) in self.chosen()]
        counts = {kind: sum(row.references for row in chosen if row.kind is kind) for kind in MediaKind}
        notes = len(set().union(*(row.note_ids for row in chosen)))
        parts = [_counted(count, kind.word) for kind, count in counts.items() if count]
        self.preview_label.setText(
            f"Remove will take out {' and '.join(parts)} from {_counted(notes, 'note')}, in one undo step."
            if parts
            else "Tick the fields to clear."
        )
        self.remove_button.setEnabled(bool(parts))

    def remove(self) -> None:
        """Remove the ticked rows' media (the notes are read again now), then close."""
        chosen, note_ids, config = self.chosen(), self.note_ids, self.config
        if not chosen:
            return
        op = CollectionOp(parent=self.owner, op=lambda col: remove_media(col, note_ids, config, only=chosen))
        op.success(self._removed).run_in_background()
        self.accept()

    def _removed(self, result: RemovalResult) -> None:
        if not sip.isdeleted(self.owner):
            tooltip(
                f"Removed {result.removed} of Media Fill's pictures and sounds from "
                f"{_counted(result.notes_changed, 'note')}. "
                "Edit → Undo Remove Filled Media puts them back.",
                parent=self.owner,
            )
        if self.on_removed is not None:
            self.on_removed(result)
