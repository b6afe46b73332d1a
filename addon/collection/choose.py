"""Choose among candidates for one target of the note an editor shows ("Choose…"): the target's
request is planned as the editor's fill plans it (`NoteFillSession`), its providers are asked for
several candidates each (`engine.candidates.gather_candidates`), and the one the user takes is
stored by the same store step as any fill: the media checks again, the file named from the planned
request, the credit into the rule's attribution field, the field set on the editor's note, and for
a note of the collection one undo entry "Fill Media".

The chosen media replaces what the field holds (the target is planned in overwrite mode whatever
the rule's mode: choosing is asking for other media). Like the editor's fill, no journal is kept
for one note; the file taken goes into the reuse index (with ``reuse_media`` on) under the request
and provider that made it, so a later job asking that provider for the same text uses the user's
choice instead of asking again.

Thread safety: `ChooseSession.plan` and `store` need the collection (the main thread or an
operation's worker), one at a time; `gather` makes network calls and must run on a worker, never
the UI thread.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Collection as Names
from collections.abc import Mapping
from typing import Any

from anki.collection import Collection, OpChanges
from anki.notes import Note

from ..core.base.errors import ConfigError
from ..core.config.targets import FillMode
from ..core.engine.candidates import CandidateList, PaidAsk, gather_candidates, paid_providers
from ..core.engine.job_session import REUSE_INDEX_FILE_NAME
from ..core.job.outcome import Finished, GenerationOutcome
from ..core.job.plan import WorkItem
from ..core.job.report import JobReport
from ..core.media.types import MediaKind, MediaResult
from ..core.provider_system.registry import ProviderRegistry
from ..core.state.reuse_index import ReuseIndex
from .field_markup import printable_attribution
from .media_writer import reuse_row
from .note_fill import NoteFillSession, note_type_name, rules_for_note

__all__ = ["ChooseSession", "choose_config"]


def choose_config(config: Mapping[str, Any], note_type: str, *, field: str, kind: MediaKind) -> dict[str, Any] | None:
    """``config`` cut down to the one target of ``note_type``'s rule that fills ``field`` with
    ``kind``, in overwrite mode; None when there is no such target."""
    rules = rules_for_note(config, note_type, field=field)
    if rules is None:
        return None
    raw = dict(rules["rules"][0])
    targets = [dict(target) for target in raw.get("targets", []) if target.get("kind") == kind.value]
    if not targets:
        return None
    raw["targets"] = [{**targets[0], "mode": FillMode.OVERWRITE.value}]
    return {**rules, "rules": [raw]}


class ChooseSession:
    """Candidates for one target of one note, and the store of the one taken."""

    def __init__(
        self, *, note: Note, config: Mapping[str, Any], registry: ProviderRegistry, field: str, kind: MediaKind
    ) -> None:
        chosen = choose_config(config, note_type_name(note), field=field, kind=kind)
        if chosen is None:
            raise ConfigError(f"{field} is not a {kind.word} target of the note type's rule; choose another field")
        self.field = field
        self.kind = kind
        self.config = chosen
        self.registry = registry
        self.fill = NoteFillSession(note=note, config=chosen, registry=registry)
        self.item: WorkItem | None = None
        self.report: JobReport | None = None

    @property
    def note(self) -> Note:
        return self.fill.note

    def plan(self, col: Collection) -> WorkItem:
        """The target's request and its providers; `ConfigError` naming the fix when there is
        nothing to ask for (no words in the source field, no provider that can run)."""
        plan = self.fill.plan(col)
        work = plan.requests_to_make()
        if not work:
            self.fill.close()
            reasons = "; ".join(target.skip_reason or "" for target in plan.skipped) or "nothing to ask for"
            raise ConfigError(f"there is nothing to choose for {self.field}: {reasons}; fill in the note first")
        self.item = work[0]
        return self.item

    def paid(self) -> dict[str, PaidAsk]:
        """The target's providers that charge per request, with what asking each costs."""
        assert self.item is not None, "plan first"
        return paid_providers(self.item, self.registry)

    def gather(
        self, *, cancel: threading.Event, paid: Names[str] = (), only: Names[str] | None = None
    ) -> CandidateList:
        """Ask the providers for candidates (network: a worker thread only)."""
        assert self.item is not None, "plan first"
        return gather_candidates(
            self.item,
            registry=self.registry,
            config=self.config,
            paid=paid,
            only=only,
            transform=self.fill.job.transform,
            cancel=cancel,
        )

    def store(self, result: MediaResult) -> OpChanges:
        """Store ``result`` for the target as any fill stores it, and end the session; `report`
        then says whether the field was filled (and why not)."""
        assert self.item is not None, "plan first"
        changes = self.fill.store_chunk([Finished(self.item, result)])
        self.report = self.fill.finish(GenerationOutcome())
        if self.report.filled and self.report.media_files and result.data is not None:
            self._remember(result, file_name=self.report.media_files[0], data=result.data)
        return changes

    def _remember(self, result: MediaResult, *, file_name: str, data: bytes) -> None:
        """Put the file taken into the reuse index, as a job's store step would."""
        assert self.item is not None and self.fill.job.sync is not None
        if not self.config.get("reuse_media", True):
            return
        request = self.item.request
        row = reuse_row(
            request,
            dataclasses.replace(result, attribution=printable_attribution(result.attribution)),
            file_name=file_name,
            size=len(data),
            sha1=hashlib.sha1(data).hexdigest(),
            fingerprint=self.registry.output_fingerprint(request.kind, result.provider),
        )
        index = ReuseIndex(self.registry.state_dir / REUSE_INDEX_FILE_NAME, collection_id=self.fill.job.sync.target_id)
        try:
            index.record_many([row])
        finally:
            index.close()

    def close(self) -> None:
        self.fill.close()
