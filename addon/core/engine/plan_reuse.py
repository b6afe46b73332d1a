"""Decisions made on a plan before any request, from what earlier jobs left behind:

* `apply_reuse` — media an earlier job made for the same request (same provider, text, language
  and output settings) is reused from the media folder instead of paid for again (a transcript,
  which no file holds, from the index alone);
* `apply_journal` — when a job is resumed, what its earlier runs stored is used as it is, the
  notes they updated are left alone, and their failures are kept (``resume``) or are the only
  thing redone (``retry-failed``).

Thread safety: pure functions over the plan; ``exists`` and the index are called on the calling
thread.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from ..job.plan import Plan, ReadyMedia
from ..media.types import MediaKind
from ..state.journal_records import RESUME, RETRY_FAILED, JournalState
from ..state.reuse_index import ReuseIndex, reuse_key

__all__ = ["RESUME", "RETRY_FAILED", "apply_journal", "apply_reuse"]


def apply_reuse(
    plan: Plan,
    *,
    index: ReuseIndex,
    fingerprint: Callable[[MediaKind, str], str],
    exists: Callable[[str, int], bool],
) -> int:
    """Mark as ready every work item an earlier job already made with one of its providers (the
    earliest in the rule's order wins) whose file is still in the media folder with its size.
    Returns how many were marked."""
    wanted: dict[str, list[tuple[str, str]]] = {}
    for item in plan.requests_to_make():
        wanted[item.key] = [
            (
                name,
                reuse_key(
                    provider=name,
                    cache_key=item.request.cache_key,
                    fingerprint=fingerprint(item.request.kind, name),
                ),
            )
            for name in item.providers
        ]
    found = index.lookup(key for keys in wanted.values() for _, key in keys)
    marked = 0
    for item_key, candidates in wanted.items():
        for name, key in candidates:
            entry = found.get(key)
            if entry is not None and (entry.kind == MediaKind.TEXT.value or exists(entry.file_name, entry.size)):
                plan.ready[item_key] = ReadyMedia(
                    file_name=entry.file_name, provider=name, source="index", attribution=entry.attribution
                )
                marked += 1
                break
    return marked


def apply_journal(plan: Plan, state: JournalState, *, mode: str, exists: Callable[[str], bool]) -> None:
    """Fold an earlier run of the job into ``plan`` (see the module docstring)."""
    if mode not in (RESUME, RETRY_FAILED):
        raise ValueError(f"unknown mode {mode!r}")
    work = plan.unique_work()
    wanted = {item.key for item in work}  # a part of a job takes only its own
    transcripts = {item.key for item in work if item.request.kind is MediaKind.TEXT}  # kept as text, not a file
    for key in wanted & state.stored.keys():
        stored = state.stored[key]
        if key in transcripts or exists(stored.file_name):
            plan.ready[key] = ReadyMedia(file_name=stored.file_name, provider=stored.provider, source="journal")
    if mode == RESUME:
        for key in wanted & state.failed.keys():
            plan.carried_failures.setdefault(key, state.failed[key])
    targets = []
    for target in plan.targets:
        if target.work is None:
            targets.append(target)
        elif (target.note_id, target.field) in state.targets_done:
            targets.append(dataclasses.replace(target, work=None, skip_reason="done by an earlier run of this job"))
        elif mode == RETRY_FAILED and target.work.key not in state.failed:
            targets.append(dataclasses.replace(target, work=None, skip_reason="not a failure of this job"))
        else:
            targets.append(target)
    plan.targets = targets
