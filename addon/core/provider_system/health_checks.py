"""Connection tests of providers, run at once on short-lived threads, each within a time limit:
what ``python -m addon check`` and the settings window's "Test" buttons show (`CheckResult`).

`run_checks` is what `ProviderRegistry.health_check_all` and `ProviderRegistry.check_provider` do:
a provider that cannot be built or is not set up fails its check without a call; the others run
their `MediaProvider.test_connection` (a `HealthReport`) and the outcome is recorded in the
provider's health counters (a success also closes its circuit breaker).

Thread safety: `run_checks` blocks until every check has finished or timed out, so do not call it on
a UI thread. It runs the checks on daemon threads, not an executor: a check that hangs holds
neither the caller nor the process at exit. `CheckResult` is immutable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..base.errors import MediaFillError
from ..base.log import get_logger
from ..media.types import MediaKind
from ..resilience.circuit_breaker import CircuitBreaker
from ..resilience.health import HealthCounters, HealthSnapshot, HealthStatus
from .media_provider import HealthReport, MediaProvider

log = get_logger(__name__)

DEFAULT_HEALTH_CHECK_TIMEOUT_S = 15.0

_Key = tuple[MediaKind, str]


@dataclass(frozen=True)
class CheckResult:
    """One provider's health check, as `health_check_all` and ``python -m addon check`` show it."""

    kind: MediaKind
    provider: str
    ok: bool
    status: HealthStatus
    latency_s: float | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "provider": self.provider,
            "ok": self.ok,
            "status": self.status.value,
            "latency_s": None if self.latency_s is None else round(self.latency_s, 4),
            "message": self.message,
        }


class CheckedProviders(Protocol):
    """What `run_checks` needs of the registry."""

    @property
    def config(self) -> Mapping[str, Any]: ...

    def get(self, kind: MediaKind, name: str) -> MediaProvider: ...

    def health(self, kind: MediaKind, name: str) -> HealthCounters: ...

    def breaker(self, kind: MediaKind, name: str) -> CircuitBreaker: ...

    def status(self, kind: MediaKind, name: str) -> HealthSnapshot: ...


def run_checks(
    providers: CheckedProviders,
    wanted: Sequence[_Key],
    *,
    timeout_s: float | None,
    problem_of: Callable[[MediaKind, str], str | None],
) -> list[CheckResult]:
    """The results of the ``wanted`` providers' checks, in that order. ``problem_of`` says why a
    provider cannot be tested (then it fails without a call); ``timeout_s`` (None: the config's
    ``health_check_timeout_s``) bounds the whole run."""
    limit = (
        timeout_s
        if timeout_s is not None
        else float(providers.config.get("health_check_timeout_s", DEFAULT_HEALTH_CHECK_TIMEOUT_S))
    )
    results: dict[_Key, CheckResult] = {}
    runnable: list[tuple[_Key, MediaProvider]] = []
    for key in wanted:
        problem = problem_of(*key)
        if problem is None:
            runnable.append((key, providers.get(*key)))
        else:
            results[key] = CheckResult(key[0], key[1], False, HealthStatus.UNHEALTHY, None, problem)
    checks = [_CheckThread(key, provider) for key, provider in runnable]
    for check in checks:
        check.start()
    deadline = time.monotonic() + limit
    for check in checks:
        check.join(max(0.0, deadline - time.monotonic()))
        if check.outcome is None:
            timed_out = HealthReport(check.key[1], False, limit, f"no answer within {limit:g} s")
            results[check.key] = _record(providers, check.key, timed_out)
        else:
            results[check.key] = _record(providers, check.key, *check.outcome)
    return [results[key] for key in wanted]


def _record(providers: CheckedProviders, key: _Key, report: HealthReport, elapsed: float | None = None) -> CheckResult:
    health = providers.health(*key)
    latency = report.latency_s if elapsed is None else elapsed
    if report.ok:
        health.record_success(elapsed_s=latency)
        providers.breaker(*key).record_success()
    else:
        health.record_failure(error=report.message, elapsed_s=latency)
    status = providers.status(*key).status
    if not report.ok:
        status = HealthStatus.UNHEALTHY
    return CheckResult(key[0], key[1], report.ok, status, latency, report.message)


class _CheckThread(threading.Thread):
    def __init__(self, key: _Key, provider: MediaProvider) -> None:
        super().__init__(name=f"media-fill-check-{key[1]}", daemon=True)
        self.key = key
        self.provider = provider
        self.outcome: tuple[HealthReport, float] | None = None

    def run(self) -> None:
        started = time.monotonic()
        try:
            report = self.provider.test_connection()
        except MediaFillError as exc:
            report = HealthReport(self.provider.name, False, time.monotonic() - started, str(exc))
        except Exception as exc:  # a provider bug must not break the check of the others
            log.exception("health check of %s crashed", self.provider.name)
            report = HealthReport(
                self.provider.name, False, time.monotonic() - started, f"crashed ({type(exc).__name__})"
            )
        self.outcome = (report, time.monotonic() - started)
