"""The sync provider interface: where a job's results are written (here the open collection).

A job talks to its target only through this interface (`engine.job_session`): it asks which target it
is (`target_id`, so journals and the reuse index are kept per target), whether a media file is still
there (`has_media`), removes what a killed job left half-written (`discard_partial_writes`), then
`begin`s the store of a plan, hands over results with `store_chunk` as they arrive, and `finish`es.
A second target (an export, a test double) plugs in by implementing these methods.

Thread safety: a sync provider runs where its target may be used (for the collection: the thread
that holds it), one call at a time; it never calls the network or sleeps.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..job.outcome import Finished, GenerationOutcome
from ..job.plan import Plan, ReadyMedia
from ..job.report import JobReport
from ..media.types import MediaKind
from ..state.journal_records import WritingEntry
from ..state.journal_writer import JobJournal
from ..state.reuse_index import ReuseIndex

ChangesT = TypeVar("ChangesT")

# A digest of a provider's settings that change what it makes (`ProviderRegistry.output_fingerprint`).
Fingerprint = Callable[[MediaKind, str], str]


@dataclass(frozen=True)
class StoreOptions:
    """How one job's store keeps its records: each write is journalled in ``journal`` and
    remembered in ``reuse`` (under ``fingerprint``); no file over ``max_media_bytes`` is written;
    with ``tag_notes``, each note filled is tagged with the provider that made its media. The
    defaults record nothing, tag nothing and set no size limit."""

    journal: JobJournal | None = None
    reuse: ReuseIndex | None = None
    fingerprint: Fingerprint | None = None
    max_media_bytes: int | None = None
    tag_notes: bool = False
    # Remember what the job wrote (`SyncProvider.made_in_job`), for a job planned in parts whose
    # reuse index is not read (fresh, or reuse off): a later part then asks for none of it again.
    remember_made: bool = False


class SyncProvider(abc.ABC, Generic[ChangesT]):
    """Writes a job's results into one target and reports what it did.

    ``ChangesT`` is whatever the target needs to refresh its views (Anki's ``OpChanges``).
    Implementations check each target again against the target as it is now, check bytes again
    before writing them, write failures nowhere, and make the whole store one undoable step.
    """

    @property
    @abc.abstractmethod
    def target_id(self) -> str:
        """Tells targets apart (the collection's file path): a job's journal belongs to one target,
        and the reuse index remembers media per target."""

    @abc.abstractmethod
    def has_media(self, name: str, *, size: int | None = None) -> bool:
        """Whether the target's media store holds ``name`` (with exactly ``size`` bytes when given)."""

    def media_folder(self) -> str | None:
        """The folder of the target's media files, where transcript targets hear their sounds
        (None: the target has none, so each transcript target with a sound fails)."""
        return None

    @abc.abstractmethod
    def discard_partial_writes(self, writing: Iterable[WritingEntry]) -> list[str]:
        """Remove the files a killed job left half-written (journalled writes whose file does not
        hold the bytes being written); returns the names removed."""

    @abc.abstractmethod
    def begin(self, plan: Plan, *, options: StoreOptions | None = None) -> None:
        """Start storing ``plan``'s results, kept as ``options`` says (`StoreOptions`; None: its
        defaults)."""

    def extend(self, plan: Plan) -> None:
        """A job planned in parts: the last part is over (what it left is counted as `finish`
        counts it), and ``plan``'s results come next."""
        raise NotImplementedError(f"{type(self).__name__} stores only jobs planned at once")

    def made_in_job(self, keys: Collection[str]) -> dict[str, ReadyMedia]:
        """The media this job already wrote for work items ``keys`` (with ``remember_made``)."""
        return {}

    @abc.abstractmethod
    def store_chunk(self, chunk: Sequence[Finished]) -> ChangesT:
        """Store the chunk's media and update its targets (the first chunk also fills what was
        ready before the job); returns what changed."""

    @abc.abstractmethod
    def finish(self, outcome: GenerationOutcome) -> tuple[ChangesT, JobReport]:
        """Count what never came and the failures carried over; end the journal; the final report."""

    def store(self, plan: Plan, outcome: GenerationOutcome) -> tuple[ChangesT, JobReport]:
        """Every result collected in ``outcome`` in one chunk, then `finish` (after `begin`)."""
        work = {t.work.key: t.work for t in plan.to_generate if t.work is not None}
        self.store_chunk([Finished(work[key], result) for key, result in outcome.results.items()])
        return self.finish(outcome)
