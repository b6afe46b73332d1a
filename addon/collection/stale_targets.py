"""Whether a planned target may still be written into its note as the note is now.

The store step reads each note again when it fills it: a note deleted, a source field edited, or
(in skip mode) a target field filled while the job ran is left alone, with the reason counted.

Thread safety: pure functions over a `Note` the caller holds; call from the thread that stores the job.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from anki.notes import Note

from ..core.config.rules import FillMode
from ..core.config.targets import source_fields
from ..core.engine.planner import field_already_filled
from ..core.job.plan import Target
from ..core.text.source_template import render_source


class _FieldsOf(Mapping[str, str]):
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
    if names and render_source(target.source, _FieldsOf(note), cloze=target.cloze) != target.source_text:
        return f"{' or '.join(names)} was edited while the job ran"
    if reference in note[target.field]:
        return f"{target.field} already holds this {target.kind.word}"
    if target.mode is FillMode.SKIP and field_already_filled(target.kind, note[target.field]):
        return f"{target.field} already has a {target.kind.word}"
    return None
