"""The engine's job runs over any `DataProvider` and any `SyncProvider`: here notes held in memory
and an in-memory target (a test double), with no collection and no Anki at all — the seams the
collection's own providers plug into."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from addon.core.base.errors import ConfigError
from addon.core.engine.job_session import JobOptions, JobSession
from addon.core.job.outcome import Finished, GenerationOutcome
from addon.core.job.plan import Plan, SourceNote
from addon.core.job.report import JobReport
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.data_provider import MemoryNotes
from addon.core.provider_system.registry import ProviderRegistry
from addon.core.provider_system.sync_provider import Fingerprint, StoreOptions, SyncProvider
from addon.core.state.journal_records import WritingEntry
from addon.core.state.reuse_index import ReuseIndex, reuse_key

CONFIG = {
    "provider_modules": {"audio": {"instant_speech": "tests.support.streaming_fakes:InstantSpeech"}},
    "rules": [
        {
            "note_type": "Words",
            "source_field": "Front",
            "audio_field": "Sound",
            "audio_providers": ["instant_speech"],
            "language": "en",
        }
    ],
}


class MemoryTarget(SyncProvider[list[str]]):
    """Stores media in a dict and field values in another; ``ChangesT`` is the list of notes changed."""

    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.files: dict[str, bytes] = {}
        self.fields: dict[tuple[int, str], str] = {}
        self.plan = Plan()
        self.handled: set[str] = set()
        self.report = JobReport()
        self.discarded: list[WritingEntry] = []
        self.reuse: ReuseIndex | None = None
        self.fingerprint: Fingerprint | None = None

    @property
    def target_id(self) -> str:
        return self.name

    def has_media(self, name: str, *, size: int | None = None) -> bool:
        return name in self.files and (size is None or len(self.files[name]) == size)

    def discard_partial_writes(self, writing: Iterable[WritingEntry]) -> list[str]:
        self.discarded.extend(writing)
        return []

    def begin(self, plan: Plan, *, options: StoreOptions | None = None) -> None:
        self.plan = plan
        options = options or StoreOptions()
        self.reuse, self.fingerprint = options.reuse, options.fingerprint
        self.report = JobReport(skipped=len(plan.skipped))

    def store_chunk(self, chunk: Sequence[Finished]) -> list[str]:
        changed = []
        targets = self.plan.targets_by_key()
        for finished in chunk:
            self.handled.add(finished.item.key)
            if not finished.result.ok:
                self.report.failed += 1
                continue
            name = f"{finished.item.request.text}.{finished.result.extension}"
            data = self.files[name] = finished.result.data or b""
            if self.reuse is not None and self.fingerprint is not None:
                request, provider = finished.item.request, finished.result.provider
                self.reuse.record(
                    key=reuse_key(
                        provider=provider,
                        cache_key=request.cache_key,
                        fingerprint=self.fingerprint(request.kind, provider),
                    ),
                    file_name=name,
                    provider=provider,
                    kind=request.kind.value,
                    size=len(data),
                    sha1=hashlib.sha1(data).hexdigest(),
                    attribution=None,
                )
            for target in targets[finished.item.key]:
                self.fields[(target.note_id, target.field)] = f"[sound:{name}]"
                self.report.filled += 1
                changed.append(f"{target.note_id}:{target.field}")
        return changed

    def finish(self, outcome: GenerationOutcome) -> tuple[list[str], JobReport]:
        self.report.cancelled = outcome.cancelled
        self.report.not_started = sum(
            len(targets) for key, targets in self.plan.targets_by_key().items() if key not in self.handled
        )
        return [], self.report


def notes(*words: str) -> MemoryNotes:
    return MemoryNotes(
        [SourceNote(note_id=i, note_type="Words", fields={"Front": w, "Sound": ""}) for i, w in enumerate(words, 1)]
    )


def run(session: JobSession[list[str]], source: MemoryNotes, target: MemoryTarget) -> JobReport:
    session.plan(source, target)
    outcome = session.generate(cancel=threading.Event())
    _, report = session.finish(outcome)
    return report


def test_a_whole_job_runs_over_memory_notes_into_a_memory_target(tmp_path: Path) -> None:
    config = load_config(CONFIG)
    registry = ProviderRegistry(config, state_dir=tmp_path)
    target = MemoryTarget()
    try:
        report = run(JobSession(config=config, registry=registry, state_dir=tmp_path), notes("apple", "pear"), target)
    finally:
        registry.close()
    assert (report.filled, report.failed, report.not_started) == (2, 0, 0)
    assert report.job_id  # a journal was kept in the state folder
    assert target.fields == {(1, "Sound"): "[sound:apple.mp3]", (2, "Sound"): "[sound:pear.mp3]"}
    assert all(data.startswith(b"\xff") for data in target.files.values())


def test_a_second_job_reuses_what_the_target_still_holds(tmp_path: Path) -> None:
    config = load_config(CONFIG)
    registry = ProviderRegistry(config, state_dir=tmp_path)
    target = MemoryTarget()
    try:
        first = JobSession[list[str]](config=config, registry=registry, state_dir=tmp_path)
        run(first, notes("apple"), target)
        second = JobSession[list[str]](config=config, registry=registry, state_dir=tmp_path)
        plan = second.plan(notes("apple"), target)
    finally:
        registry.close()
    # nothing asked again: the reuse index found the file, and the target said it still has it
    assert plan.requests_to_make() == []
    assert len(plan.ready) == 1


def test_a_job_is_resumed_only_on_its_own_target(tmp_path: Path) -> None:
    config = load_config(CONFIG)
    registry = ProviderRegistry(config, state_dir=tmp_path)
    try:
        first = JobSession[list[str]](config=config, registry=registry, state_dir=tmp_path)
        run(first, notes("apple"), MemoryTarget("deck one"))
        resumed = JobSession[list[str]](
            config=config, registry=registry, state_dir=tmp_path, options=JobOptions(resume=first.job_id)
        )
        assert resumed.earlier_note_ids() == [1]
        with pytest.raises(ConfigError, match="belongs to another collection"):
            resumed.plan(notes("apple"), MemoryTarget("deck two"))
    finally:
        registry.close()
