"""Candidates to choose among for one request ("Choose…"): each provider of the target asked for
several media (`MediaProvider.candidates`: search results, every recording, several voices), every
one checked as a job checks media (`require_media` with the job's size cap), converted to the job's
audio format and passed through the job's ``transform`` (picture fitting), so what is shown is what
would be stored.

Providers that cost money per request (``price_per_request`` above 0, e.g. AI pictures) are not
asked unless named in ``paid``: the caller shows their cost first (`paid_providers`): the price
times the media the provider makes for the list (`MediaProvider.candidate_count`: 4 AI variations
cost 4 pictures, 9 voices 9 requests).

A provider that cannot run (`ProviderRegistry.setup_problem`) or fails is not an error of the whole
list: its reason is kept in `CandidateList.problems` for the window to show. Unlike a job, the
providers are asked one after the other, once each, with no retries and no circuit breaker: the
user asked for this one list and waits for it.

Thread safety: `gather_candidates` blocks on the network: run it on a worker thread, never the UI
thread. It touches no collection. `CandidateList` is built by it and read afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..base.errors import ConfigError, ProviderError
from ..base.log import get_logger
from ..config.files import media_cap_bytes
from ..job.plan import WorkItem
from ..media.audio_convert import AudioOutput, convert_audio
from ..media.checks import require_media
from ..media.types import MediaResult
from ..provider_system.registry import ProviderRegistry
from .generation import ResultTransform
from .job_session import price_per_request

log = get_logger(__name__)

# How many candidates each provider is asked for (keys 1–9 pick, so more would not be reachable).
DEFAULT_LIMIT = 9


@dataclass(frozen=True)
class PaidAsk:
    """What asking a paid provider for candidates costs: ``count`` media at ``price`` USD each."""

    price: float
    count: int

    @property
    def total(self) -> float:
        return self.price * self.count

    def describe(self, word: str) -> str:
        """ "about $0.16 for 4 pictures", "less than $0.01 for 9 sounds" (``word``: what one medium is
        called, e.g. "picture")."""
        what = f"a {word}" if self.count == 1 else f"{self.count} {word}s"
        cost = f"about ${self.total:.2f}" if self.total >= 0.005 else "less than $0.01"
        return f"{cost} for {what}"


@dataclass
class CandidateList:
    """What the providers of ``item`` offered, in the rule's provider order, and why the others
    offered nothing (provider name → a sentence)."""

    item: WorkItem
    results: list[MediaResult] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)


def paid_providers(item: WorkItem, registry: ProviderRegistry, *, limit: int = DEFAULT_LIMIT) -> dict[str, PaidAsk]:
    """The providers of ``item`` that charge per request, with what asking each for ``limit``
    candidates costs."""
    kind = item.request.kind
    asks: dict[str, PaidAsk] = {}
    for name in item.providers:
        price = price_per_request(registry, kind, name)
        if price <= 0:
            continue
        try:
            count = max(1, registry.get(kind, name).candidate_count(limit=limit))
        except ConfigError:  # it cannot be built: asking it fails at once, for nothing
            count = 1
        asks[name] = PaidAsk(price, count)
    return asks


def gather_candidates(
    item: WorkItem,
    *,
    registry: ProviderRegistry,
    config: Mapping[str, Any],
    limit: int = DEFAULT_LIMIT,
    paid: Collection[str] = (),
    only: Collection[str] | None = None,
    transform: ResultTransform | None = None,
    cancel: threading.Event | None = None,
) -> CandidateList:
    """Ask the providers of ``item`` (``only`` those when given) for up to ``limit`` candidates
    each, skipping paid ones not in ``paid``; see the module docstring."""
    found = CandidateList(item)
    kind = item.request.kind
    max_bytes = media_cap_bytes(config)
    audio_output = AudioOutput.from_config(config)
    charging = paid_providers(item, registry, limit=limit)
    for name in item.providers:
        if cancel is not None and cancel.is_set():
            break
        if only is not None and name not in only:
            continue
        if name in charging and name not in paid:
            cost = charging[name].describe(kind.word)
            found.problems[name] = f"costs {cost}: ask it with its own button"
            continue
        problem = registry.setup_problem(kind, name)
        if problem is not None:
            found.problems[name] = problem
            continue
        try:
            offered = registry.get(kind, name).candidates(item.request, limit=limit)
        except ProviderError as exc:
            found.problems[name] = exc.message
            continue
        for result in offered[:limit]:
            checked = _checked(result, name, max_bytes=max_bytes, audio_output=audio_output, transform=transform)
            if isinstance(checked, MediaResult):
                found.results.append(checked)
            else:
                log.info("%s: a candidate was left out: %s", name, checked.message)
                found.problems.setdefault(name, checked.message)
    return found


def _checked(
    result: MediaResult,
    name: str,
    *,
    max_bytes: int,
    audio_output: AudioOutput,
    transform: ResultTransform | None,
) -> MediaResult | ProviderError:
    """``result`` as a job would store it, or why it cannot be."""
    if result.error is not None:
        return result.error
    if result.data is None:
        return ProviderError("returned no media", provider=name)
    try:
        require_media(result.request.kind, result.data, extension=result.extension, provider=name, max_bytes=max_bytes)
        made = convert_audio(result, audio_output)
        if transform is not None:
            made = transform(made)
    except ProviderError as exc:
        return exc
    return replace(made, provider=name)
