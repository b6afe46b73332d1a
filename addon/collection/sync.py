"""The sync provider: writes a job's results into the open collection as they arrive.

Media files go into the media folder with ``col.media.write_data`` (the returned name is the one put
in the field); notes are updated chunk by chunk, and every chunk is merged into one undo entry named
"Fill Media", so one undo reverts the whole job. Each note is read again at write time and only its
target field is set, so an edit made while the job ran is kept: a source field edited meanwhile,
or (in skip mode) a target filled meanwhile, is left alone. Nothing is written for a failed result,
and no text but the media reference ever goes into a field.

With a journal, every file written and every chunk of notes updated is recorded (so an interrupted
job resumes without asking for that media again); with a reuse index, every file written is
remembered for later jobs (one index transaction per chunk).

Thread safety: call `CollectionSync` where the collection may be used (a `CollectionOp`'s worker,
or a headless script), one call at a time. It makes no network calls and never sleeps. Within a
chunk, the files are written by a `MediaWriter` on its own thread while the notes are filled; the
chunk returns only when every write it handed over is done.
"""

from __future__ import annotations

import dataclasses
import html
import os
from collections.abc import Iterable, Sequence

from anki.collection import Collection, OpChanges
from anki.errors import NotFoundError as AnkiNotFoundError
from anki.notes import Note, NoteId

from ..core.base.errors import InvalidResponseError, ProviderError
from ..core.base.log import get_logger
from ..core.job.outcome import Finished, GenerationOutcome
from ..core.job.plan import Plan, ReadyMedia, Target
from ..core.job.report import JobReport, TargetError
from ..core.media.checks import require_media
from ..core.media.naming import media_file_name
from ..core.media.types import Attribution, MediaKind, MediaRequest, MediaResult
from ..core.media.voice_choice import requested_voice
from ..core.provider_system.sync_provider import StoreOptions, SyncProvider
from ..core.state.journal_records import WritingEntry
from ..core.state.reuse_index import ReuseRow
from ..core.text.cleaning import printable_text
from .field_markup import apply_mode, attribution_comment, media_reference, printable_attribution, provider_tag
from .media_files import remove_partial_writes
from .media_writer import MediaWriter, PendingWrite, already_written, reuse_row, sha1_of
from .pending_targets import PendingTargets, shared_fields
from .stale_targets import already_holds, why_not_now
from .transcripts import transcript_row, transcript_text

log = get_logger(__name__)

UNDO_NAME = "Fill Media"


class CollectionSync(SyncProvider[OpChanges]):
    """Stores one job's results in ``col``: `begin`, then `store_chunk` as results arrive, then
    `finish`."""

    def __init__(self, col: Collection) -> None:
        self._col = col
        self._plan = Plan()
        self._options = StoreOptions()
        self._pending = PendingTargets()
        self._file_names: dict[str, str] = {}
        self._ready_stored = False
        self._reuse_rows: list[ReuseRow] = []
        self._changed_ids: set[int] = set()  # a note may change in several chunks: counted once
        self._filled_ids: set[int] = set()
        # (note id, field) -> targets still to store there, for a field two targets fill (a picture
        # and a sound): the journal says a field is done only once both are in it.
        self._shared: dict[tuple[int, str], int] = {}
        self._undo_position: int | None = None
        self._last_changes = OpChanges()
        self._made: dict[str, ReadyMedia] = {}  # with ``remember_made``: what the job wrote, by work item
        self.report = JobReport()

    # The target

    @property
    def target_id(self) -> str:
        """The collection file's path: how journals and the reuse index tell collections apart."""
        return os.path.abspath(self._col.path)

    def has_media(self, name: str, *, size: int | None = None) -> bool:
        path = os.path.join(self._col.media.dir(), name)
        if size is None:
            return os.path.isfile(path)
        try:
            return os.path.getsize(path) == size
        except OSError:
            return False

    def media_folder(self) -> str | None:
        return str(self._col.media.dir())

    def discard_partial_writes(self, writing: Iterable[WritingEntry]) -> list[str]:
        return remove_partial_writes(self._col.media.dir(), writing)

    def begin(self, plan: Plan, *, options: StoreOptions | None = None) -> None:
        self._options = options or StoreOptions()
        self._reuse_rows = []
        self._changed_ids = set()
        self._filled_ids = set()
        self._made = {}
        self._undo_position = None
        self._last_changes = OpChanges()
        self.report = JobReport()
        self._add(plan)

    def extend(self, plan: Plan) -> None:
        self._close_part()
        self._add(plan)

    def made_in_job(self, keys: Iterable[str]) -> dict[str, ReadyMedia]:
        return {key: self._made[key] for key in keys if key in self._made}

    def _add(self, plan: Plan) -> None:
        """Take ``plan`` (the job's, or its next part's) as what the next chunks store."""
        self._plan = plan
        self._pending = PendingTargets(plan.to_generate)
        self._file_names = {key: ready.file_name for key, ready in plan.ready.items()}
        self._ready_stored = False
        self._shared = shared_fields(plan.to_generate)
        self.report.skipped += len(plan.skipped)
        self.report.skip_reasons.update(plan.skip_reasons())
        for target in plan.failing:  # a transcript's sound file is not in the media folder
            self.report.add_failure(TargetError(target.note_id, target.field, "", target.failure or ""))

    def _close_part(self) -> None:
        """Store what was ready when no chunk came; count the failures carried over and the
        targets never started of the plan (or part) being stored."""
        if not self._ready_stored and self._plan.ready:
            self.store_chunk([])  # no chunk came (nothing was asked for): fill the media that was ready
        for key in self._pending.waiting():
            carried = self._plan.carried_failures.get(key)
            for target in self._pending.take(key):
                if carried is not None:
                    self.report.add_failure(
                        TargetError(target.note_id, target.field, carried.provider, carried.message)
                    )
                else:
                    self.report.not_started += 1
        self._file_names = {}

    # Streaming

    def store_chunk(self, chunk: Sequence[Finished]) -> OpChanges:
        """Write the chunk's media and update its notes (read again now) in the job's undo entry;
        the first chunk also fills the targets whose media was ready before the job."""
        notes: dict[int, Note | None] = {}
        originals: dict[int, list[str]] = {}
        done: list[tuple[int, str]] = []
        keys_now = [] if self._ready_stored else list(self._plan.ready)
        self._ready_stored = True
        for key in keys_now:
            for target in self._pending.take(key):
                self._fill(
                    target,
                    self._file_names[key],
                    notes,
                    originals,
                    done,
                    reused=True,
                    attribution=self._plan.ready[key].attribution,
                    provider=self._plan.ready[key].provider,
                )
        with MediaWriter(self._col) as writer:  # the files are written while the notes are read and filled
            started = []
            for finished in chunk:  # each file goes to the writer as soon as it is checked
                begun = self._check_result(finished.item.key, finished.item.request, finished.result)
                if begun is not None:
                    key, request, result, targets = begun
                    started.append((self._start_write(key, request, result, writer), targets))
            for _, targets in started:  # read while the writer works: it is the slower of the two
                for target in targets:
                    self._note_of(target.note_id, notes, originals)
            for pending, targets in started:
                self._store_written(pending, targets, notes, originals, done)
        changed = [note for note in notes.values() if note is not None and note.fields != originals[note.id]]
        self._changed_ids.update(int(note.id) for note in changed)
        self.report.notes_changed = len(self._changed_ids)
        if changed:
            self._last_changes = self._update_in_undo_entry(changed)
        if done and self._options.journal is not None:
            self._options.journal.record_targets_done(done)
        if self._reuse_rows and self._options.reuse is not None:  # one transaction per chunk
            self._options.reuse.record_many(self._reuse_rows)
        self._reuse_rows = []
        return self._last_changes if changed else OpChanges()

    def _check_result(
        self, key: str, request: MediaRequest, result: MediaResult
    ) -> tuple[str, MediaRequest, MediaResult, list[Target]] | None:
        """``result`` checked, with the targets it fills; a failure is recorded for its targets
        at once (None)."""
        targets = self._pending.take(key)
        if not result.ok:
            journal = self._options.journal
            if journal is not None and result.error is not None:
                journal.record_failed(
                    key=key,
                    provider=result.provider,
                    error_class=type(result.error).__name__,
                    message=result.error.message,
                )
            for target in targets:
                self._record_failure(target, result.error, result.provider)
            return None
        try:  # checked here too: nothing unverified ever reaches the media folder
            if request.kind is MediaKind.TEXT:
                self._keep_transcript(key, request, result)
            else:
                require_media(
                    request.kind,
                    result.data or b"",
                    extension=result.extension,
                    provider=result.provider,
                    max_bytes=self._options.max_media_bytes,
                )
        except InvalidResponseError as exc:
            for target in targets:
                self._record_failure(target, exc, result.provider)
            return None
        # A server's credit line may hold controls, bidi overrides or a lone surrogate, which no
        # note and no index can store: made printable before it reaches either.
        result = dataclasses.replace(result, attribution=printable_attribution(result.attribution))
        return key, request, result, targets

    def _store_written(
        self,
        pending: PendingWrite,
        targets: list[Target],
        notes: dict[int, Note | None],
        originals: dict[int, list[str]],
        done: list[tuple[int, str]],
    ) -> None:
        """Once ``pending``'s file is written: journal and remember it, and fill its targets."""
        file_name = self._end_write(pending)
        result = pending.result
        if pending.request.kind is not MediaKind.TEXT:  # a transcript is text in the field, no file
            self.report.add_media_file(
                file_name, provider=result.provider, voice=requested_voice(pending.request, result.provider)
            )
        for index, target in enumerate(targets):
            filled = self._fill(
                target,
                file_name,
                notes,
                originals,
                done,
                reused=index > 0,
                attribution=result.attribution,
                provider=result.provider,
            )
            if filled and result.heard is not None:  # a checked sound: matched, doubtful or not checked
                self.report.add_heard(
                    result.heard, note_id=target.note_id, field=target.field, provider=result.provider
                )

    def _fill(
        self,
        target: Target,
        file_name: str,
        notes: dict[int, Note | None],
        originals: dict[int, list[str]],
        done: list[tuple[int, str]],
        *,
        reused: bool,
        attribution: Attribution | None = None,
        provider: str = "",
    ) -> bool:
        """Put ``file_name`` into ``target``'s field; False when the note's state says not now."""
        note = self._note_of(target.note_id, notes, originals)
        reference = media_reference(target.kind, file_name)
        stale = why_not_now(note, target, reference)
        if stale is not None:
            self.report.skipped += 1
            self.report.skip_reasons[stale] += 1
            if note is not None and target.field in note and already_holds(note[target.field], reference, target.kind):
                self._field_done(target, done)  # stored by an earlier run of the job
            return False
        assert note is not None  # _why_not_now gives a reason for a missing note
        credit = printable_text(attribution.text()) if attribution is not None else ""
        if credit and target.attribution_field and target.attribution_field in note:
            field = target.attribution_field
            note[field] = apply_mode(note[field], html.escape(credit, quote=False), target.mode)
        elif credit:
            reference += attribution_comment(credit)
        note[target.field] = apply_mode(note[target.field], reference, target.mode)
        if self._options.tag_notes and provider:  # stored with the fields, in the same undo step
            note.add_tag(provider_tag(provider))
        self._field_done(target, done)
        if target.note_id not in self._filled_ids:
            self._filled_ids.add(target.note_id)
            self.report.filled_note_ids.append(target.note_id)
        if reused:
            self.report.reused += 1
        else:
            self.report.filled += 1
        return True

    def _field_done(self, target: Target, done: list[tuple[int, str]]) -> None:
        """Count ``target`` as stored; its (note id, field) goes to the journal's done list once
        every target filling that field of the note is stored (a resumed job skips what is listed)."""
        pair = (target.note_id, target.field)
        left = self._shared.get(pair, 1) - 1
        if left > 0:
            self._shared[pair] = left
            return
        self._shared.pop(pair, None)
        done.append(pair)

    def _update_in_undo_entry(self, changed: list[Note]) -> OpChanges:
        """Update ``changed`` and merge the step into the job's undo entry. When the user did
        something undoable since the last chunk (edited a note, say), the job starts a new entry
        instead, so undoing the job never takes the user's own step with it."""
        if self._undo_position is None or self._col.undo_status().last_step != self._undo_position:
            if self._undo_position is not None:
                log.info("another action came between two chunks; the job continues in a new undo entry")
            self._undo_position = self._col.add_custom_undo_entry(UNDO_NAME)
        self._col.update_notes(changed)
        try:
            return self._col.merge_undo_entries(self._undo_position)
        except Exception:  # e.g. the user undid the job's entry meanwhile: the next chunk starts anew
            log.warning("could not merge into the job's undo entry; starting a new one", exc_info=True)
            self._undo_position = None
            return OpChanges()

    def finish(self, outcome: GenerationOutcome) -> tuple[OpChanges, JobReport]:
        """Count what never came (not started) and the failures carried over; the final report."""
        self._close_part()
        report = self.report
        report.not_started += outcome.not_planned
        report.cancelled = outcome.cancelled
        report.provider_problems = dict(outcome.provider_problems)
        report.trace_id = outcome.trace_id
        report.budget_reached = outcome.budget_reached
        report.spent_usd = outcome.spent_usd
        report.rate_cuts = dict(outcome.rate_cuts)
        if self._options.journal is not None:
            self._options.journal.record_end(cancelled=report.cancelled, counts=report.counts())
        return self._last_changes, report

    def _note_of(self, note_id: int, notes: dict[int, Note | None], originals: dict[int, list[str]]) -> Note | None:
        """The chunk's copy of the note, read now on first use (None: deleted meanwhile)."""
        if note_id not in notes:
            note = self._load_note(note_id)
            notes[note_id] = note
            originals[note_id] = list(note.fields) if note is not None else []
        return notes[note_id]

    def _load_note(self, note_id: int) -> Note | None:
        try:
            return self._col.get_note(NoteId(note_id))
        except AnkiNotFoundError:
            return None

    def _start_write(self, key: str, request: MediaRequest, result: MediaResult, writer: MediaWriter) -> PendingWrite:
        """Hand the bytes to ``writer`` once per work item, journalled before the write (so a crash
        in between can be told from a finished write). The name comes from the planned
        ``request``, never from the one the provider handed back (a third-party provider's result
        may name another request)."""
        existing = self._file_names.get(key)
        if existing is not None:  # a transcript, or a file this job wrote: nothing to write or hash
            return PendingWrite(key, request, result, "", 0, already_written(existing))
        data = result.data
        assert data is not None
        sha1, size = sha1_of(data), len(data)
        desired = media_file_name(
            text=request.text,
            provider=result.provider,
            cache_key=request.cache_key,
            extension=result.extension,
        )
        journal = self._options.journal
        if journal is not None:
            expected = writer.expected_name(desired, sha1=sha1)
            if expected is not None:
                journal.record_writing(key=key, desired_name=expected, size=size, sha1=sha1)
        return PendingWrite(key, request, result, sha1, size, writer.write(desired, data))

    def _end_write(self, pending: PendingWrite) -> str:
        """The written file's name, journalled and remembered for later jobs (once per work item)."""
        key, result = pending.key, pending.result
        if key in self._file_names:
            return self._file_names[key]
        file_name = pending.file_name()
        self._file_names[key] = file_name
        journal, reuse, fingerprint = self._options.journal, self._options.reuse, self._options.fingerprint
        if journal is not None:
            journal.record_stored(key=key, file_name=file_name, provider=result.provider)
        if result.heard is not None and result.heard.status != "matched":
            # A doubtful or unchecked sound is not reused: a later part or job asks and checks again,
            # so each note it would fill is listed in that report too, and a fixed voice can mend it.
            return file_name
        if self._options.remember_made:
            self._made[key] = ReadyMedia(file_name, result.provider, source="job", attribution=result.attribution)
        if reuse is not None and fingerprint is not None:
            self._reuse_rows.append(
                reuse_row(
                    pending.request,
                    result,
                    file_name=file_name,
                    size=pending.size,
                    sha1=pending.sha1,
                    fingerprint=fingerprint(pending.request.kind, result.provider),
                )
            )
        return file_name

    def _keep_transcript(self, key: str, request: MediaRequest, result: MediaResult) -> None:
        """Keep a transcript as the work item's "file name" (see `transcripts`): journalled and
        remembered for later jobs as a written file is; no file is written."""
        if key in self._file_names:
            return
        text = self._file_names[key] = transcript_text(result)
        journal, reuse, fingerprint = self._options.journal, self._options.reuse, self._options.fingerprint
        if self._options.remember_made:
            self._made[key] = ReadyMedia(text, result.provider, source="job")
        if journal is not None:
            journal.record_stored(key=key, file_name=text, provider=result.provider)
        if reuse is not None and fingerprint is not None:
            row = transcript_row(request, result, text=text, fingerprint=fingerprint(request.kind, result.provider))
            self._reuse_rows.append(row)

    def _record_failure(self, target: Target, error: ProviderError | None, provider: str) -> None:
        self.report.add_failure(
            TargetError(
                note_id=target.note_id,
                field=target.field,
                provider=(error.provider if error else "") or provider,
                message=error.message if error else "no media returned",
            )
        )
