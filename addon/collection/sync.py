"""The sync provider: writes a job's results into the open collection.

Media files go into the media folder with ``col.media.write_data`` (the returned name is the one put
in the field); changed notes are saved together in one undo entry named "Fill Media". Each target is
checked again against the note as it is now, so an edit made while the job ran is respected.
Nothing is written for a failed result, and no text but the media reference ever goes into a field.

Thread safety: call `CollectionSync.store` where the collection may be used (a `CollectionOp`'s
worker, or a headless script). It makes no network calls and never sleeps.
"""

from __future__ import annotations

import html

from anki.collection import Collection, OpChanges
from anki.errors import NotFoundError as AnkiNotFoundError
from anki.notes import Note, NoteId

from ..core.config import FillMode
from ..core.errors import InvalidResponseError, ProviderError
from ..core.interfaces import SyncProvider
from ..core.job import GenerationOutcome
from ..core.media import MediaKind, MediaResult
from ..core.media_checks import require_media
from ..core.naming import media_file_name
from ..core.planner import Plan, Target, field_already_filled
from ..core.report import JobReport, TargetError
from ..core.text import clean_source_text

UNDO_NAME = "Fill Media"


def media_reference(kind: MediaKind, file_name: str) -> str:
    """The field markup that shows or plays a media file."""
    if kind is MediaKind.IMAGE:
        return f'<img src="{html.escape(file_name, quote=True)}">'
    return f"[sound:{file_name}]"


def apply_mode(current: str, reference: str, mode: FillMode) -> str:
    if mode is FillMode.OVERWRITE or not current.strip():
        return reference
    return f"{current} {reference}"


def _why_not_now(note: Note | None, target: Target) -> str | None:
    """Why ``target`` must not be written to the note as it is now (deleted, edited, or filled
    while the job ran), or None when it may."""
    if note is None or target.field not in note:
        return "note was deleted or changed while the job ran"
    if target.source_field in note and clean_source_text(note[target.source_field]) != target.source_text:
        return f"{target.source_field} was edited while the job ran"
    if target.mode is FillMode.SKIP and field_already_filled(target.kind, note[target.field]):
        return f"{target.field} already has {target.kind.value}"
    return None


class CollectionSync(SyncProvider[OpChanges]):
    """Stores results in ``col``; see the module docstring."""

    def __init__(self, col: Collection) -> None:
        self._col = col

    def store(self, plan: Plan, outcome: GenerationOutcome) -> tuple[OpChanges, JobReport]:
        report = JobReport(
            cancelled=outcome.cancelled, provider_problems=dict(outcome.provider_problems), trace_id=outcome.trace_id
        )
        report.skipped = len(plan.skipped)
        report.skip_reasons.update(plan.skip_reasons())
        notes: dict[int, Note | None] = {}
        originals: dict[int, list[str]] = {}
        file_names: dict[str, str] = {}
        used_keys: set[str] = set()

        for target in plan.to_generate:
            assert target.work is not None
            result = outcome.results.get(target.work.key)
            if result is None:
                report.not_started += 1
                continue
            if not result.ok:
                self._record_failure(report, target, result.error, result.provider)
                continue
            if target.note_id not in notes:
                notes[target.note_id] = self._load_note(target.note_id)
                originals[target.note_id] = list(getattr(notes[target.note_id], "fields", []))
            note = notes[target.note_id]
            stale = _why_not_now(note, target)
            if stale is not None:
                report.skipped += 1
                report.skip_reasons[stale] += 1
                continue
            assert note is not None  # _why_not_now gives a reason for a missing note
            file_name = file_names.get(target.work.key)
            if file_name is None:
                try:  # checked here too: nothing unverified ever reaches the media folder
                    require_media(target.kind, result.data or b"", extension=result.extension, provider=result.provider)
                except InvalidResponseError as exc:
                    self._record_failure(report, target, exc, result.provider)
                    continue
                file_name = self._write_media(result)
                file_names[target.work.key] = file_name
                report.media_files.append(file_name)
            note[target.field] = apply_mode(note[target.field], media_reference(target.kind, file_name), target.mode)
            if target.work.key in used_keys:
                report.reused += 1
            else:
                report.filled += 1
                used_keys.add(target.work.key)

        changed = [note for note in notes.values() if note is not None and note.fields != originals[note.id]]
        report.notes_changed = len(changed)
        if not changed:
            return OpChanges(), report
        position = self._col.add_custom_undo_entry(UNDO_NAME)
        self._col.update_notes(changed)
        return self._col.merge_undo_entries(position), report

    def _load_note(self, note_id: int) -> Note | None:
        try:
            return self._col.get_note(NoteId(note_id))
        except AnkiNotFoundError:
            return None

    def _write_media(self, result: MediaResult) -> str:
        assert result.data is not None
        desired = media_file_name(
            text=result.request.text,
            provider=result.provider,
            cache_key=result.request.cache_key,
            extension=result.extension,
        )
        return self._col.media.write_data(desired, result.data)

    @staticmethod
    def _record_failure(report: JobReport, target: Target, error: ProviderError | None, provider: str) -> None:
        report.failed += 1
        report.errors.append(
            TargetError(
                note_id=target.note_id,
                field=target.field,
                provider=(error.provider if error else "") or provider,
                message=error.message if error else "no media returned",
            )
        )
