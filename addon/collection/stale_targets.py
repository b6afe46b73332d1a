"""Whether a target may still be written to its note as the note is now: the store step reads
each note again at write time, and leaves it alone when it was deleted, its source was edited (a
transcript's: the sound its source field plays changed), or its field was filled meanwhile.

Thread safety: pure functions over a note the caller holds; call where the collection is used.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from anki.notes import Note

from ..core.config.rules import FillMode
from ..core.config.targets import source_fields
from ..core.engine.planner import field_already_filled
from ..core.engine.sound_sources import first_sound
from ..core.job.plan import Target
from ..core.media.types import MediaKind
from ..core.text.source_template import render_source


class FieldsOf(Mapping[str, str]):
    """A note's fields as a read-only mapping, read where asked (no copy of every field per target)."""

    def __init__(self, note: Note) -> None:
        self._note = note

    def __getitem__(self, name: str) -> str:
        return self._note[name]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._note

    def __iter__(self) -> Iterator[str]:
        return iter(self._note.keys())

    def __len__(self) -> int:
        return len(self._note.keys())


def why_not_now(note: Note | None, target: Target, reference: str) -> str | None:
    """Why ``target`` must not be written to the note as it is now (deleted, edited, or filled
    while the job ran, or already holding this very media), or None when it may."""
    if note is None or target.field not in note:
        return "note was deleted or changed while the job ran"
    names = source_fields(target.source)
    if not all(name in note for name in names):
        return "note was deleted or changed while the job ran"
    if names and target.kind is MediaKind.TEXT:
        if first_sound(note[names[0]]) != target.source_text:
            return f"the sound of {names[0]} was changed while the job ran"
    elif names and render_source(target.source, FieldsOf(note), cloze=target.cloze) != target.source_text:
        return f"{' or '.join(names)} was edited while the job ran"
    if already_holds(note[target.field], reference, target.kind):
        return f"{target.field} already holds this {target.kind.word}"
    if target.mode is FillMode.SKIP and field_already_filled(target.kind, note[target.field]):
        return f"{target.field} already has a {target.kind.word}"
    return None


def already_holds(value: str, reference: str, kind: MediaKind) -> bool:
    """Whether a field's ``value`` holds ``reference`` as the store step puts it there (an earlier
    run of the job stored it): a file's tag anywhere; a transcript, plain words that may be part
    of other words ("hola" of "hola amigo"), only as the whole field or added at its end."""
    if kind is not MediaKind.TEXT:
        return reference in value
    return value == reference or value.endswith(" " + reference)
