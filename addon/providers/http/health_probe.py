"""A provider's connection test, the same way for every HTTP provider.

`probe_health` first asks the provider what its settings lack (`MediaProvider.setup_problem`): a
missing key or address is reported at once, without any request. Otherwise it makes the one cheap
call it is given, times it, and turns a `ProviderError` into a failed `HealthReport` whose message
is the error's, with the provider's key taken out (servers echo keys back). The call returns the
message of a healthy report; anything that is not healthy it raises as a `ProviderError`.

Thread safety: a pure function of its arguments; it blocks for as long as the call does, so it runs
on a worker thread (the settings dialog and the CLI call it off the main thread).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ...core.base.errors import ProviderError
from ...core.base.redaction import MIN_SECRET_LENGTH, redact
from ...core.provider_system.media_provider import HealthReport, MediaProvider


def probe_health(
    provider: MediaProvider, call: Callable[[], str], *, clock: Callable[[], float] = time.monotonic
) -> HealthReport:
    """The report of ``provider``'s connection test: its setup problem (latency 0, no request), or
    how ``call`` went (healthy with its message, or failed with the message of the `ProviderError`
    it raised) and how long it took. Never raises a `ProviderError`."""
    problem = provider.setup_problem()
    if problem is not None:
        return HealthReport(provider.name, ok=False, latency_s=0.0, message=_without_key(problem, provider))
    started = clock()
    try:
        message = call()
    except ProviderError as exc:
        return HealthReport(
            provider.name, ok=False, latency_s=clock() - started, message=_without_key(exc.message, provider)
        )
    return HealthReport(provider.name, ok=True, latency_s=clock() - started, message=_without_key(message, provider))


def _without_key(message: str, provider: MediaProvider) -> str:
    key = provider.api_key
    return redact(message, secrets=(key,) if len(key) >= MIN_SECRET_LENGTH else ())
