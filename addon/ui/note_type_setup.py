"""A note type ready for media, offered where a new user meets the lack of one: a link
(`NoteTypeOffer`) in Import Word List ("Create a note type ready for pictures and sounds…") and in
the Fill Media dialog ("Add a Picture and an Audio field to Basic…"), a preview of the change
(`NoteTypeSetupDialog`: the fields to be added and every card template as it will be), and the
change itself in the background (a `CollectionOp`), one undo step, through the collection's template
side (`collection.note_type_setup`). After it is made, the offer's ``on_ready`` gets the note type's
name, so the window showing it reloads it.

Thread safety: main thread only (the plan reads the note type on the main thread: one dict).
"""

from __future__ import annotations

import copy
import html
from collections.abc import Callable

from aqt.main import AnkiQt
from aqt.operations import CollectionOp
from aqt.qt import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    Qt,
    QVBoxLayout,
    QWidget,
)
from aqt.utils import showWarning, tooltip

from ..collection.note_type_setup import CollectionNoteTypes
from ..core.base.errors import MediaFillError
from ..core.config.rule_drafts import RawRule, target_kind, targets_of
from ..core.provider_system.note_type_setup import (
    READY_NOTE_TYPE,
    NoteTypeChange,
    NoteTypeShape,
    needs_media_setup,
)
from .user_messages import explain
from .widgets import plain_label

OnReady = Callable[[str], object]

READY_LINK = "note-type:ready"
FIELDS_LINK = "note-type:fields"


def fields_link_text(note_type: str, change: NoteTypeChange) -> str:
    """The link that offers ``change`` to an existing note type, e.g. "Add a Picture and an Audio
    field to Basic…"."""
    if not change.fields_to_add:
        return f"Show the picture and sound fields on the cards of {note_type}…"
    added = [("an " if name[0].lower() in "aeiou" else "a ") + name for name in change.fields_to_add]
    names = added[0] if len(added) == 1 else ", ".join(added[:-1]) + " and " + added[-1]
    return f"Add {names} field to {note_type}…"


def with_new_media_fields(draft: RawRule, fresh: RawRule) -> RawRule:
    """``draft`` with the picture or sound targets of ``fresh`` — a draft made for the note type
    as it is now — of each kind ``draft`` has no target of."""
    kinds = {target_kind(t) for t in targets_of(draft)}
    added = [copy.deepcopy(t) for t in targets_of(fresh) if target_kind(t) not in kinds]
    return {**draft, "targets": [*targets_of(draft), *added]}


class NoteTypeSetupDialog(QDialog):
    """The preview: what ``change`` adds, and the card templates after it; Create/Apply (Use, when
    nothing needs to change) or Cancel."""

    def __init__(
        self, parent: QWidget, *, change: NoteTypeChange, before: NoteTypeShape | None, summary: str, full_sync: bool
    ) -> None:
        super().__init__(parent)
        self.change = change
        self.setObjectName("media_fill_note_type_setup")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"Create {change.note_type}" if change.create else f"Ready {change.note_type} for media")
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("setup_summary", summary, wrap=True))
        fields = ", ".join(change.fields_to_add) if change.fields_to_add else "none"
        layout.addWidget(plain_label("setup_fields", f"Fields to add: {fields}", wrap=True))
        if full_sync:
            layout.addWidget(
                plain_label(
                    "setup_full_sync",
                    "Adding fields changes the collection's structure: the next sync uploads the whole "
                    "collection to AnkiWeb (sync your other devices first).",
                    wrap=True,
                )
            )
        self.template_views: dict[str, QPlainTextEdit] = {}
        for template in change.templates_after(before):
            for side, text in (("front", template.front), ("back", template.back)):
                layout.addWidget(plain_label(f"setup_label:{template.name}:{side}", f"{template.name} — {side}"))
                view = QPlainTextEdit(text, self)
                view.setObjectName(f"setup_{side}:{template.name}")
                view.setReadOnly(True)
                view.setMaximumHeight(110)
                layout.addWidget(view)
                self.template_views[f"{template.name}:{side}"] = view
        buttons = QDialogButtonBox(self)
        text = "Use" if change.is_empty else "Create" if change.create else "Apply"
        apply_button = buttons.addButton(text, QDialogButtonBox.ButtonRole.AcceptRole)
        assert apply_button is not None
        self.apply_button = apply_button
        apply_button.setObjectName("setup_apply")
        apply_button.setDefault(True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 520)


class NoteTypeOffer(QLabel):
    """The links that offer a note type ready for media; hidden when there is nothing to offer."""

    def __init__(self, parent: QWidget, mw: AnkiQt, *, on_ready: OnReady) -> None:
        super().__init__(parent)
        self.mw = mw
        self._on_ready = on_ready
        self._note_type: str | None = None
        self.preview: NoteTypeSetupDialog | None = None
        self.setObjectName("note_type_setup_offer")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.linkActivated.connect(self.open_preview)
        self.hide()

    def _window(self) -> QWidget:
        window = self.window()
        assert window is not None
        return window

    def _side(self) -> CollectionNoteTypes:
        col = self.mw.col
        assert col is not None, "the collection is closed"
        return CollectionNoteTypes(col)

    def show_for(self, note_type: str | None, *, offer_ready: bool) -> None:
        """Offer the ready note type (when ``offer_ready``) and, when ``note_type`` lacks picture
        or sound fields on its cards, to add them."""
        self._note_type = note_type
        links = []
        side = self._side()
        if offer_ready and note_type != READY_NOTE_TYPE:
            ready = side.shape(READY_NOTE_TYPE)
            text = (
                f"Use the note type {READY_NOTE_TYPE}, ready for pictures and sounds…"
                if ready is not None
                else "Create a note type ready for pictures and sounds…"
            )
            links.append(f'<a href="{READY_LINK}">{html.escape(text)}</a>')
        shape = side.shape(note_type) if note_type else None
        if shape is not None and needs_media_setup(shape):
            text = fields_link_text(shape.name, side.plan_media_fields(shape.name))
            links.append(f'<a href="{FIELDS_LINK}">{html.escape(text)}</a>')
        self.setText(" · ".join(links))
        self.setVisible(bool(links))

    def open_preview(self, link: str) -> NoteTypeSetupDialog | None:
        """Plan the change the link offers and preview it (not modal: the window behind stays)."""
        side = self._side()
        if link == READY_LINK:
            change = side.plan_ready()
        elif link == FIELDS_LINK and self._note_type:
            change = side.plan_media_fields(self._note_type)
        else:
            return None
        before = side.shape(change.note_type)
        dialog = NoteTypeSetupDialog(
            self._window(),
            change=change,
            before=before,
            summary=side.describe(change),
            full_sync=side.needs_full_sync(change),
        )
        dialog.accepted.connect(lambda: self._apply(change))
        self.preview = dialog
        dialog.show()
        return dialog

    def _apply(self, change: NoteTypeChange) -> None:
        if change.is_empty:
            self._on_ready(change.note_type)
            return

        def done(_changes: object) -> None:
            verb = "Created" if change.create else "Updated"
            tooltip(f"{verb} the note type {html.escape(change.note_type)}.", parent=self._window())
            self._on_ready(change.note_type)

        def failed(exc: Exception) -> None:
            why = str(exc) if isinstance(exc, MediaFillError) else explain(exc)  # a stale plan says so
            showWarning(f"The note type was not changed. {why}", parent=self._window(), title="Media Fill")

        CollectionOp(self._window(), lambda col: CollectionNoteTypes(col).apply(change)).success(done).failure(
            failed
        ).run_in_background()
