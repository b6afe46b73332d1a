"""Opening the Choose… window: for the note an editor shows (`open_choose`, the editor's field
menu) or for a saved note of the collection by its id (`choose_for_note`: a row of the job
report, C in the Review window). Either way the window's `ChooseSession` plans, asks and stores as
any fill does; one undo step for a saved note.

Which kind of media a field's target makes is asked only when the caller does not know it
(`target_kind`): the kind of the target whose providers include the one named (a failure's
provider), else the first target filling the field.

Thread safety: main thread only (reads one note from the collection there, a short read).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from anki.errors import NotFoundError
from anki.notes import Note, NoteId
from aqt.editor import Editor
from aqt.main import AnkiQt
from aqt.qt import QWidget
from aqt.utils import tooltip

from ...collection.choose import ChooseSession
from ...collection.note_fill import note_type_name, targets_for_field
from ...core.base.errors import ConfigError
from ...core.media.types import MediaKind
from ...core.provider_system.registry import ProviderRegistry
from .window import ChooseWindow

__all__ = ["choose_for_note", "open_choose", "target_kind"]


def target_kind(config: Mapping[str, Any], note: Note, field: str, *, provider: str = "") -> MediaKind | None:
    """The kind of media the note type's rule puts into ``field`` (the target ``provider`` serves
    when several do); None when no target fills ``field``."""
    targets = targets_for_field(config, note_type_name(note), field)
    for target in targets:
        if provider and provider in target.providers:
            return target.kind
    return targets[0].kind if targets else None


def open_choose(
    mw: AnkiQt,
    *,
    note: Note,
    field: str,
    kind: MediaKind,
    config: Mapping[str, Any],
    registry: ProviderRegistry,
    parent: QWidget | None,
    editor: Editor | None = None,
    on_done: Callable[[ChooseWindow], None] = lambda window: None,
) -> ChooseWindow | None:
    """Show the Choose… window for ``note``'s target filling ``field`` with ``kind`` and start
    asking; None after a tooltip naming the fix when there is no such target. A transcript is
    heard, not chosen among candidates: it has no Choose… window."""
    if kind is MediaKind.TEXT:
        tooltip(
            f"{field} is filled with what a sound says, which is not chosen among candidates; fix its sound "
            "and fill the note again (Notes → Fill Media…, or the editor's Fill Media button).",
            parent=parent,
        )
        return None
    try:
        session = ChooseSession(note=note, config=config, registry=registry, field=field, kind=kind)
    except ConfigError as exc:
        tooltip(str(exc), parent=parent)
        return None
    window = ChooseWindow(mw=mw, session=session, editor=editor, parent=parent, on_done=on_done)
    window.start()
    return window


def choose_for_note(
    mw: AnkiQt,
    *,
    note_id: int,
    field: str,
    config: Mapping[str, Any],
    registry: ProviderRegistry,
    parent: QWidget | None,
    kind: MediaKind | None = None,
    provider: str = "",
    on_done: Callable[[ChooseWindow], None] = lambda window: None,
) -> ChooseWindow | None:
    """`open_choose` for the saved note ``note_id`` (its kind found by `target_kind` when not
    given); None after a tooltip saying why not."""
    col = mw.col
    if col is None:
        return None
    try:
        note = col.get_note(NoteId(note_id))
    except NotFoundError:
        tooltip("That note was deleted; there is nothing to choose for.", parent=parent)
        return None
    kind = kind or target_kind(config, note, field, provider=provider)
    if kind is None:
        tooltip(f"The rule no longer fills {field}: set its targets in Fill Media… first.", parent=parent)
        return None
    return open_choose(
        mw, note=note, field=field, kind=kind, config=config, registry=registry, parent=parent, on_done=on_done
    )
