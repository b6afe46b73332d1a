"""The sync provider interface: where a job's results are written (here the open collection).

Thread safety: a sync provider runs where its target may be used (for the collection: the thread
that holds it); it never calls the network or sleeps.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from ..job.outcome import GenerationOutcome
    from ..job.plan import Plan
    from ..job.report import JobReport


ChangesT = TypeVar("ChangesT")


class SyncProvider(abc.ABC, Generic[ChangesT]):
    """Writes a job's results into the target (here the open collection) and reports what it did.

    ``ChangesT`` is whatever the target needs to refresh its views (Anki's ``OpChanges``).
    Implementations check each target again against the target as it is now, check bytes again
    before writing them, write failures nowhere, and make the whole store one undoable step.
    """

    @abc.abstractmethod
    def store(self, plan: Plan, outcome: GenerationOutcome) -> tuple[ChangesT, JobReport]:
        """Store what ``outcome`` made for ``plan``; never calls the network or sleeps."""
