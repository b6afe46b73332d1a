"""The collection's note types as the sync provider's template side (`NoteTypeTemplates`): read a
note type's fields and card templates, and apply a plan (`NoteTypeChange`) as one undo entry —
"Create Note Type for Media" for a new note type, "Add Media Fields" for an existing one.

A new note type is added with ``col.models.add_dict``, an existing one changed with
``col.models.update_dict`` (both undoable operations since Anki 2.1.45), wrapped in a custom undo
entry so the Undo menu names what happened. Adding fields to an existing note type changes the
collection's structure: its next sync is a one-way upload (`needs_full_sync` says when).

Thread safety: call where the collection may be used (a `CollectionOp`'s worker, or a script that
owns it), one call at a time.
"""

from __future__ import annotations

import copy

from anki.collection import Collection, OpChanges
from anki.models import NotetypeDict

from ..core.base.errors import ConfigError
from ..core.provider_system.note_type_setup import (
    NoteTypeChange,
    NoteTypeShape,
    NoteTypeTemplates,
    Side,
    TemplateShape,
)

CREATE_UNDO_NAME = "Create Note Type for Media"
UPDATE_UNDO_NAME = "Add Media Fields"


def shape_of(note_type: NotetypeDict) -> NoteTypeShape:
    """A note type dict as planning sees it."""
    return NoteTypeShape(
        name=str(note_type["name"]),
        fields=tuple(str(f["name"]) for f in note_type["flds"]),
        templates=tuple(TemplateShape(str(t["name"]), str(t["qfmt"]), str(t["afmt"])) for t in note_type["tmpls"]),
        css=str(note_type.get("css", "")),
    )


class CollectionNoteTypes(NoteTypeTemplates[OpChanges]):
    """The note types of ``col``."""

    def __init__(self, col: Collection) -> None:
        self._col = col

    def shape(self, name: str) -> NoteTypeShape | None:
        note_type = self._col.models.by_name(name)
        return shape_of(note_type) if note_type is not None else None

    def needs_full_sync(self, change: NoteTypeChange) -> bool:
        """Whether applying ``change`` makes the next sync a one-way upload: fields are added to an
        existing note type of a collection whose structure has not changed since its last sync."""
        return not change.create and bool(change.fields_to_add) and not self._col.schema_changed()

    def apply(self, change: NoteTypeChange) -> OpChanges:
        if change.is_empty:
            return OpChanges()
        if change.create:
            return self._create(change)
        return self._update(change)

    def _create(self, change: NoteTypeChange) -> OpChanges:
        if self._col.models.by_name(change.note_type) is not None:
            raise ConfigError(
                f"A note type called {change.note_type!r} exists already; open the offer again to see the new plan."
            )
        models = self._col.models
        note_type = models.new(change.note_type)
        for name in change.fields_to_add:
            models.add_field(note_type, models.new_field(name))
        for shape in change.templates:
            template = models.new_template(shape.name)
            template["qfmt"], template["afmt"] = shape.front, shape.back
            models.add_template(note_type, template)
        note_type["css"] = change.css
        position = self._col.add_custom_undo_entry(CREATE_UNDO_NAME)
        models.add_dict(note_type)
        return self._col.merge_undo_entries(position)

    def _update(self, change: NoteTypeChange) -> OpChanges:
        models = self._col.models
        cached = models.by_name(change.note_type)
        if cached is None:
            raise ConfigError(f"The note type {change.note_type!r} is gone; open the offer again to see the new plan.")
        note_type = copy.deepcopy(cached)  # Anki's cached dict stays as it is until the update is made
        have = {str(f["name"]).casefold() for f in note_type["flds"]}
        if any(name.casefold() in have for name in change.fields_to_add):
            raise ConfigError(
                f"{change.note_type} changed since the plan was made; open the offer again to see the new plan."
            )
        for name in change.fields_to_add:
            models.add_field(note_type, models.new_field(name))
        templates = {str(t["name"]): t for t in note_type["tmpls"]}
        for edit in change.template_edits:
            template = templates.get(edit.template)
            key = "qfmt" if edit.side is Side.FRONT else "afmt"
            if template is None or template[key] != edit.before or not edit.after.startswith(edit.before):
                raise ConfigError(
                    f"{change.note_type}'s cards changed since the plan was made; open the offer again to see the new plan."
                )
            template[key] = edit.after
        position = self._col.add_custom_undo_entry(UPDATE_UNDO_NAME)
        models.update_dict(note_type)
        return self._col.merge_undo_entries(position)
