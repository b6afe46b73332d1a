"""Fill Media on the one note an editor shows (the Add window's unsaved note, or a note of the
collection in Edit Current or the Browser): the same job steps as a Browser job (`JobSession`:
plan, generate through the registry, media checks, picture fitting, store), over that one note
object instead of notes read from the collection.

- `rules_for_note` picks the note type's rule from the config, cut down to one field for the
  editor's "Fill this field"; `targets_for_field` says which targets fill a field.
- `NoteFillSession` runs the steps. Its store step sets the fields on the note object itself (so
  the editor shows them), writes the files with ``col.media.write_data``, and, for a note already in
  the collection, saves it in one undo entry "Fill Media" (`CollectionSync`'s undo handling). An
  unsaved note is only changed in memory; the Add window adds it with its media.
- Skip mode as the rule says: a target already filled is skipped, and the reason is reported.

No journal and no reuse index are kept for one note (an unsaved note has no id to resume by).

Thread safety: `NoteFillSession.plan`, `store_chunk` and `finish` need the collection (the main
thread or an operation's worker), one at a time; `generate` makes network calls and must run on a
worker, never the UI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from anki.collection import Collection, OpChanges
from anki.notes import Note

from ..core.config.rules import FieldTarget, parse_rules, rule_for_note_type
from ..core.config.targets import raw_targets
from ..core.engine.job_session import JobSession
from ..core.engine.result_stream import ResultStream
from ..core.job.outcome import Finished, GenerationOutcome
from ..core.job.plan import Plan, SourceNote
from ..core.job.report import JobReport
from ..core.provider_system.data_provider import DataProvider
from ..core.provider_system.registry import ProviderRegistry
from ..pictures import picture_transform
from .sync import CollectionSync

__all__ = ["NoteFillSession", "note_type_name", "rules_for_note", "targets_for_field"]


def note_type_name(note: Note) -> str:
    note_type = note.note_type()
    return str(note_type["name"]) if note_type else ""


def targets_for_field(config: Mapping[str, Any], note_type: str, field: str) -> list[FieldTarget]:
    """The targets of ``note_type``'s rule that fill ``field`` (a picture and a sound may share one)."""
    rule = rule_for_note_type(parse_rules(config), note_type)
    return [target for target in rule.targets if target.field == field] if rule is not None else []


def rules_for_note(config: Mapping[str, Any], note_type: str, *, field: str | None = None) -> dict[str, Any] | None:
    """``config`` with only the rule ``note_type`` uses (and of it only the targets filling
    ``field`` when given), or None when no rule names the note type (nor a wildcard rule)."""
    rules = list(config.get("rules", []))
    parsed = parse_rules(config)
    rule = rule_for_note_type(parsed, note_type)
    if rule is None:
        return None
    raw = dict(rules[next(index for index, each in enumerate(parsed) if each is rule)])
    if field is not None:
        pairs = zip(raw_targets(raw), rule.targets, strict=True)
        raw["targets"] = [dict(target) for target, spec in pairs if spec.field == field]
    return {**config, "rules": [raw]}


class _OneNote(DataProvider):
    def __init__(self, note: Note) -> None:
        self._note = note

    def notes(self) -> Iterator[SourceNote]:
        yield SourceNote(
            note_id=int(self._note.id), note_type=note_type_name(self._note), fields=dict(self._note.items())
        )

    def describe(self) -> str:
        return "the note in the editor"


class _NoteSync(CollectionSync):
    """`CollectionSync` writing into one note object: an unsaved note is changed in memory only; a
    note of the collection is also saved, in the fill's one undo entry. A note added to the
    collection while its media was being made is left alone (the Add window has moved on)."""

    def __init__(self, col: Collection, note: Note) -> None:
        super().__init__(col)
        self._note = note
        self._note_id = int(note.id)

    def _load_note(self, note_id: int) -> Note | None:
        return self._note if int(self._note.id) == self._note_id == note_id else None

    def _update_in_undo_entry(self, changed: list[Note]) -> OpChanges:
        if not self._note_id:
            return OpChanges()
        return super()._update_in_undo_entry(changed)


class NoteFillSession:
    """One fill of one note's targets; see the module docstring for the threads of each step."""

    def __init__(self, *, note: Note, config: Mapping[str, Any], registry: ProviderRegistry) -> None:
        self.note = note
        self.job = JobSession[OpChanges](
            config=config, registry=registry, state_dir=None, transform=picture_transform()
        )
        self.stream = ResultStream()

    @property
    def saved(self) -> bool:
        """Whether the note is in the collection (else it is the Add window's unsaved note)."""
        return bool(self.note.id)

    def plan(self, col: Collection) -> Plan:
        """Plan the note's targets (raises `ConfigError` naming the fix when no provider can run)."""
        return self.job.plan(_OneNote(self.note), _NoteSync(col, self.note))

    def generate(self, *, cancel: threading.Event) -> GenerationOutcome:
        """Make the media; results flow into `stream` as they arrive. Never touches the collection."""
        return self.job.generate(cancel=cancel, sink=self.stream)

    def store_chunk(self, chunk: Sequence[Finished]) -> OpChanges:
        return self.job.store_chunk(chunk)

    def finish(self, outcome: GenerationOutcome) -> JobReport:
        return self.job.finish(outcome)[1]

    def close(self) -> None:
        self.job.close()
