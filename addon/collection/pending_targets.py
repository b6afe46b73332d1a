"""The targets of a job's work items that the store step has not stored yet, by work item key, and
the fields that more than one target of a note fills (`shared_fields`).

A job of 100,000 notes with three targets each holds 300,000 of them: most work items have one
target, kept without a list, and each work item's targets are let go as they are stored, so what
the store step holds shrinks as the job goes.

Thread safety: belongs to the store step; one thread at a time.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..core.job.plan import Target


class PendingTargets:
    """The targets (with work) of a plan not stored yet; `take` hands a work item's over once."""

    def __init__(self, targets: Iterable[Target] = ()) -> None:
        self._by_key: dict[str, Target | list[Target]] = {}
        for target in targets:
            assert target.work is not None
            earlier = self._by_key.setdefault(target.work.key, target)
            if earlier is not target:
                if isinstance(earlier, Target):
                    self._by_key[target.work.key] = earlier = [earlier]
                earlier.append(target)

    def take(self, key: str) -> list[Target]:
        """The targets of work item ``key`` not stored yet; none once they were taken."""
        targets = self._by_key.pop(key, [])
        return [targets] if isinstance(targets, Target) else targets

    def waiting(self) -> list[str]:
        """The work items not taken yet, in plan order."""
        return list(self._by_key)

    def __len__(self) -> int:
        return len(self._by_key)


def shared_fields(targets: Iterable[Target]) -> dict[tuple[int, str], int]:
    """(note id, field) -> how many of ``targets`` fill it, for each field more than one fills (a
    picture and a sound). A note's targets come together in a plan, so only one note's fields are
    counted at a time (a job of 100,000 notes keeps no count per target)."""
    shared: dict[tuple[int, str], int] = {}
    note_id = 0
    counts: dict[str, int] = {}

    def keep_shared() -> None:
        shared.update(((note_id, name), n) for name, n in counts.items() if n > 1)

    for target in targets:
        if target.note_id != note_id:
            keep_shared()
            note_id, counts = target.note_id, {}
        counts[target.field] = counts.get(target.field, 0) + 1
    keep_shared()
    return shared
