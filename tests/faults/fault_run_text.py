"""One cell of the fault matrix for a transcription provider (kind ``text``): the same faults and
expectations as the other providers' cells (fault_run.py), but the job is the engine itself
(`generate_all` over a real `ProviderRegistry`, with its retries, breakers and checks of every
result): three different sounds, each asked of the target first and of a backup transcription
provider second, with one fault between the target and its fake. Transcript targets on notes are
built on these providers elsewhere; this cell judges the providers under faults.

Judged from the outside: who made each transcript, how many API requests the proxy saw, what the
failing provider's error said, and that every transcript is UTF-8 text (`require_media`).

Thread safety: run cells one at a time (the log capture is attached to the add-on's logger).
"""

from __future__ import annotations

import re
import threading
import urllib.parse
from pathlib import Path
from typing import Any

from addon.core.engine.generation import generate_all
from addon.core.job.plan import WorkItem
from addon.core.media.checks import require_media
from addon.core.media.types import MediaKind
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.registry import ProviderRegistry
from tests.faults.fault_catalogue import FAILED, FAULTS_BY_KEY, FELL_BACK, MEDIA_CAP_MB, OK, RETRIED, FaultCase, applies
from tests.faults.fault_run import CellResult, RunningFakes, _captured_log, _provider_settings
from tests.faults.fault_targets import WORDS, Target
from tests.support.fault_proxy import dead_url, fault_proxy
from tests.support.media_samples import silent_wav
from tests.support.transcription import heard


def text_backup_for(target: Target) -> str:
    """The backup transcription provider: another fake (openai_stt, or google_stt for openai_stt)."""
    return "google_stt" if target.name == "openai_stt" else "openai_stt"


def _sounds() -> list[bytes]:
    """One different sound per note (so no two requests are the same)."""
    return [silent_wav(seconds=0.5 + 0.1 * index, rate=16000) for index in range(len(WORDS))]


def _config(target: Target, base_url: str, fakes: RunningFakes) -> dict[str, Any]:
    backup = text_backup_for(target)
    served_backup = fakes.served(backup)
    providers = {
        target.name: _provider_settings(fakes.served(target.name), base_url),
        backup: {**_provider_settings(served_backup, served_backup.base_url), "timeout_s": 10},
    }
    return load_config({"rules": [], "providers": {"text": providers}, "max_media_mb": MEDIA_CAP_MB})


def run_text_cell(target: Target, fault: FaultCase, *, fakes: RunningFakes, workdir: Path) -> CellResult:
    """Transcribe three sounds under ``fault`` and judge it; ``problems`` lists every way it went wrong."""
    result = CellResult(target.name, fault.key, fault.expect)
    if not applies(fault, target):
        result.applicable = False
        result.note = target.no_quota_reason
        return result
    if fault.key != "none" and target.name not in fakes.baselines:
        run_text_cell(target, FAULTS_BY_KEY["none"], fakes=fakes, workdir=workdir / "baseline")
    workdir.mkdir(parents=True, exist_ok=True)
    served = fakes.served(target.name)
    parts = urllib.parse.urlsplit(served.base_url)
    upstream_root = f"{parts.scheme}://{parts.netloc}"
    work = [
        WorkItem(heard(sound, "wav", language=target.language), (target.name, text_backup_for(target)))
        for sound in _sounds()
    ]
    with fault_proxy(upstream_root) as proxy:
        base_url = (dead_url() if fault.key == "refused" else proxy.url) + served.base_url[len(upstream_root) :]
        registry = ProviderRegistry(_config(target, base_url, fakes), state_dir=workdir / "state")
        made = fault.make(target)
        if made is not None:
            proxy.arm(made, match=target.is_api if fault.on == "api" else target.is_media, times=fault.times)
        try:
            with _captured_log() as log:
                outcome = generate_all(work, providers=registry, cancel=threading.Event())
        finally:
            registry.close()
        seen = proxy.requests()
    result.api_requests = sum(1 for request in seen if target.is_api(request.method, request.path))
    if fault.key == "none":
        fakes.baselines[target.name] = result.api_requests
    result.baseline_requests = fakes.baselines[target.name]
    result.messages = [line for line in log.lines if line.startswith(target.name)]
    (workdir / "job.log").write_text("\n".join(log.lines), encoding="utf-8")
    results = [outcome.results.get(item.key) for item in work]
    for made_result in results:
        if made_result is None or not made_result.ok or made_result.data is None:
            continue
        result.filled_by[made_result.provider] += 1
        require_media(MediaKind.TEXT, made_result.data, extension=made_result.extension, provider=made_result.provider)
    _judge(result, fault, target, len(work))
    return result


def _judge(result: CellResult, fault: FaultCase, target: Target, count: int) -> None:
    problems = result.problems
    filled = sum(result.filled_by.values())
    if filled < count:
        result.outcome = FAILED
    elif result.filled_by[target.name] == filled:
        result.outcome = RETRIED if result.api_requests > result.baseline_requests else OK
    elif result.filled_by[text_backup_for(target)] == filled:
        result.outcome = FELL_BACK
    else:
        result.outcome = "mixed: " + ", ".join(f"{n} {p}" for p, n in sorted(result.filled_by.items()))
    if result.outcome != fault.expect:
        problems.append(f"expected {fault.expect!r}, got {result.outcome!r}")
    if fault.expect == RETRIED and result.extra_requests != 1:
        problems.append(f"{result.extra_requests} extra requests, not 1")
    if fault.not_retried and result.api_requests > count:
        problems.append(f"asked {result.api_requests} times for {count} sounds: retried a permanent error")
    if fault.provider_wide and result.api_requests != 1:
        problems.append(f"asked {result.api_requests} times: the provider was not stopped after its first answer")
    failures = [line for line in result.messages if " failed for a request: " in line or "; retrying in " in line]
    if fault.error and not failures:
        problems.append("no failure was logged")
    elif fault.error and not any(re.search(fault.error, line, re.IGNORECASE) for line in failures):
        problems.append(f"no failure message matches {fault.error!r}: {failures[:2]}")
