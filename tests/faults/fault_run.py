"""One cell of the fault matrix: a real job (`run_headless`) on a real temporary collection, three
notes whose rule asks the target provider first and a backup second, with one fault between the
target and its fake. What happened is observed from the outside — the notes' fields, the media
folder, the requests the proxy saw, the job's report and log — and compared with what must happen.

Thread safety: run cells one at a time (the log capture is attached to the add-on's logger).
"""

from __future__ import annotations

import json
import logging
import re
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.fill import run_headless
from addon.core.job.report import JobReport
from addon.core.media.checks import sniff_audio, sniff_image
from addon.core.media.types import MediaKind
from addon.core.provider_system.config_loading import load_config
from tests.faults.fault_catalogue import (
    FAILED,
    FAULTS_BY_KEY,
    FELL_BACK,
    MEDIA_CAP_MB,
    OK,
    RETRIED,
    FaultCase,
    applies,
    backup_for,
)
from tests.faults.fault_targets import TARGETS_BY_NAME, WORDS, RunningTargets, Served, Target
from tests.support.fault_proxy import dead_url, fault_proxy
from tests.support.notes_helpers import add_basic

FIELD = "Back"
# One media reference, and the found media's credit after it as an HTML comment (Forvo, Commons…).
_REFERENCE = re.compile(r"^(?:\[sound:(mf_[^\]]+)\]|<img src=\"(mf_[^\"]+)\">)(?:<!--(?:(?!-->).)*-->)?$", re.DOTALL)


@dataclass
class CellResult:
    target: str
    fault: str
    expected: str
    outcome: str = ""
    api_requests: int = 0
    baseline_requests: int = 0
    filled_by: Counter[str] = field(default_factory=Counter)
    messages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    applicable: bool = True
    note: str = ""
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def extra_requests(self) -> int:
        return self.api_requests - self.baseline_requests

    def cell_text(self) -> str:
        """The matrix's cell: the outcome, marked when it is not the expected one."""
        if not self.applicable:
            return "n/a"
        text = self.outcome
        if self.outcome == RETRIED:
            text += f" (+{self.extra_requests})"
        return text if not self.problems else f"**✗ {text}**"


class RunningFakes(RunningTargets):
    """Every target's fake (one per session), and each target's requests without a fault."""

    def __init__(self, mp3: bytes) -> None:
        super().__init__(mp3)
        self.baselines: dict[str, int] = {}


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def _captured_log() -> Iterator[_Capture]:
    logger = logging.getLogger("addon")
    capture = _Capture()
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(capture)
    try:
        yield capture
    finally:
        logger.removeHandler(capture)
        logger.setLevel(level)


def _provider_settings(served: Served, base_url: str) -> dict[str, Any]:
    return {
        **served.settings,
        "enabled": True,
        "base_url": base_url,
        "requests_per_minute": 60000,
        "max_concurrency": 1,
        "retry_attempts": 2,
        "timeout_s": 1.5,
    }


def _config(target: Target, base_url: str, fakes: RunningFakes, state_dir: Path) -> dict[str, Any]:
    backup = backup_for(target)
    providers: dict[str, Any] = {target.name: _provider_settings(fakes.served(target.name), base_url)}
    if target.name == "forvo":
        providers[target.name]["counter_file"] = str(state_dir / "forvo_counter.json")
    if backup == "espeak":
        providers[backup] = {"enabled": True}
    else:
        served = fakes.served(backup)
        providers[backup] = {**_provider_settings(served, served.base_url), "timeout_s": 10}
    kind = target.kind.value
    rule = {
        "note_type": "Basic",
        "source_field": "Front",
        f"{kind}_field": FIELD,
        f"{kind}_providers": [target.name, backup],
        "language": target.language,
        "mode": "skip",
    }
    return load_config(
        {"rules": [rule], "providers": {kind: providers}, "max_media_mb": MEDIA_CAP_MB, "reuse_media": False}
    )


def _filled_by(name: str) -> str:
    for provider in sorted(TARGETS_BY_NAME.keys() | {"espeak"}, key=len, reverse=True):
        if name.startswith(f"mf_{provider}_"):
            return provider
    return "?"


def run_cell(target: Target, fault: FaultCase, *, fakes: RunningFakes, workdir: Path) -> CellResult:
    """Run the job under ``fault`` and judge it; ``problems`` lists every way it went wrong."""
    result = CellResult(target.name, fault.key, fault.expect)
    if not applies(fault, target):
        result.applicable = False
        result.note = target.no_quota_reason
        return result
    if fault.key != "none" and target.name not in fakes.baselines:
        run_cell(target, FAULTS_BY_KEY["none"], fakes=fakes, workdir=workdir / "baseline")
    workdir.mkdir(parents=True, exist_ok=True)
    served = fakes.served(target.name)
    col = Collection(str(workdir / "collection.anki2"))
    try:
        note_ids = add_basic(col, *WORDS)
        parts = urllib.parse.urlsplit(served.base_url)
        upstream_root = f"{parts.scheme}://{parts.netloc}"
        with fault_proxy(upstream_root) as proxy:
            base_url = (dead_url() if fault.key == "refused" else proxy.url) + served.base_url[len(upstream_root) :]
            config = _config(target, base_url, fakes, workdir / "state")
            made = fault.make(target)
            match = target.is_api if fault.on == "api" else target.is_media
            if made is not None:
                proxy.arm(made, match=match, times=fault.times)
            with _captured_log() as log:
                report = run_headless(col, note_ids, config, state_dir=workdir / "state")
            seen = proxy.requests()
        result.api_requests = sum(1 for request in seen if target.is_api(request.method, request.path))
        if fault.key == "none":
            fakes.baselines[target.name] = result.api_requests
        result.baseline_requests = fakes.baselines[target.name]
        result.messages = [line for line in log.lines if line.startswith(f"{target.name}")]
        result.report = report.to_json()
        # Kept as artifacts of the run: the key scan at the end of the session reads them.
        (workdir / "report.json").write_text(json.dumps(result.report, indent=1), encoding="utf-8")
        (workdir / "job.log").write_text("\n".join(log.lines), encoding="utf-8")
        _judge(result, fault, target, col, note_ids, report)
        assert col.db is not None
        if col.db.scalar("pragma integrity_check") != "ok":
            result.problems.append("the collection fails SQLite's integrity check")
    finally:
        col.close()
    return result


def _judge(
    result: CellResult, fault: FaultCase, target: Target, col: Collection, note_ids: list[int], report: JobReport
) -> None:
    _judge_notes_and_files(result, target, col, note_ids)
    _judge_outcome(result, fault, target, note_ids, report)


def _judge_notes_and_files(result: CellResult, target: Target, col: Collection, note_ids: list[int]) -> None:
    """Each field holds one reference to a whole file of the right kind, or nothing; every file in
    the media folder is referenced (no file was written for a failed request)."""
    problems = result.problems
    media_dir = Path(col.media.dir())
    referenced: set[str] = set()
    for note_id in note_ids:
        note = col.get_note(NoteId(note_id))
        value = note[FIELD]
        found = _REFERENCE.match(value)
        if found is None:
            if value:
                problems.append(f"note {note_id}'s field holds {value[:80]!r}, not one media reference")
            continue
        name = found.group(1) or found.group(2)
        referenced.add(name)
        result.filled_by[_filled_by(name)] += 1
        data = (media_dir / name).read_bytes() if (media_dir / name).is_file() else b""
        sniff = sniff_image if target.kind is MediaKind.IMAGE else sniff_audio
        if not data or sniff(data) is None:
            problems.append(f"{name} is missing or not a whole {target.kind.value} file")
    present = {path.name for path in media_dir.iterdir() if path.is_file()}
    if present - referenced:
        problems.append(f"files no field references: {sorted(present - referenced)}")


def _judge_outcome(
    result: CellResult, fault: FaultCase, target: Target, note_ids: list[int], report: JobReport
) -> None:
    """Who filled the notes, with how many requests, what the report and the log say."""
    problems = result.problems
    filled = sum(result.filled_by.values())
    backup = backup_for(target)
    if filled < len(note_ids):
        result.outcome = FAILED
    elif result.filled_by[target.name] == filled:
        result.outcome = RETRIED if result.api_requests > result.baseline_requests else OK
    elif result.filled_by[backup] == filled:
        result.outcome = FELL_BACK
    else:
        result.outcome = "mixed: " + ", ".join(f"{n} {p}" for p, n in sorted(result.filled_by.items()))
    if result.outcome != fault.expect:
        problems.append(f"expected {fault.expect!r}, got {result.outcome!r}")
    if report.failed or report.errors or report.filled != len(note_ids):
        problems.append(f"report: {report.summary()}")
    # A batching provider retries each request of a failed batch: one more batch, or one per note.
    most = len(note_ids) if target.batched else 1
    if fault.expect == RETRIED and not 1 <= result.extra_requests <= most:
        problems.append(f"{result.extra_requests} extra requests, not {'1' if most == 1 else f'1 to {most}'}")
    if fault.not_retried and result.api_requests > len(note_ids):
        problems.append(f"asked {result.api_requests} times for {len(note_ids)} notes: retried a permanent error")
    if fault.expect in (OK, RETRIED) and report.provider_problems:
        problems.append(f"the report names providers as not used: {report.provider_problems}")
    if fault.provider_wide:
        if result.api_requests != 1:
            problems.append(f"asked {result.api_requests} times: the provider was not stopped after its first answer")
        if target.name not in report.provider_problems:
            problems.append("the report does not name the provider as not used")
    failures = [line for line in result.messages if " failed for a request: " in line or "; retrying in " in line]
    if fault.error and not failures:
        problems.append("no failure was logged")
    elif fault.error and not any(re.search(fault.error, line, re.IGNORECASE) for line in failures):
        problems.append(f"no failure message matches {fault.error!r}: {failures[:2]}")
