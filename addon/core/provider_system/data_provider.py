"""The data provider interface: where a job's notes come from (the collection's selected notes, a
word list, memory).

Thread safety: as the source needs; see `DataProvider`.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence

from ..job.plan import SourceNote


class DataProvider(abc.ABC):
    """Supplies the work of a job: source notes (id, note type, fields).

    Thread safety: as the source needs (a collection-backed provider runs where the collection may
    be used).
    """

    @abc.abstractmethod
    def notes(self) -> Iterator[SourceNote]:
        """The source notes, in order; notes that no longer exist are passed over."""

    @abc.abstractmethod
    def describe(self) -> str:
        """A short human description of the source, e.g. "12 selected notes"."""


class MemoryNotes(DataProvider):
    """Source notes held in memory: for tests and for callers that already have the fields."""

    def __init__(self, notes: Sequence[SourceNote]) -> None:
        self._notes = list(notes)

    def notes(self) -> Iterator[SourceNote]:
        return iter(self._notes)

    def describe(self) -> str:
        return f"{len(self._notes)} notes in memory"
