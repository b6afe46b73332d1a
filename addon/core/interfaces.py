"""The interfaces every media provider implements.

A provider is built from its own config slice, connects lazily (nothing happens in ``__init__``
beyond reading settings), and is closed with the registry.

Thread safety: the job runner calls ``generate`` from worker threads, at most ``max_concurrency``
at a time per provider; implementations must be safe for that. ``close`` is called once, after
every ``generate`` has returned.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from .errors import ProviderError
from .media import MediaKind, MediaRequest, MediaResult


@dataclass(frozen=True)
class HealthReport:
    """Outcome of a provider's cheapest real call."""

    provider: str
    ok: bool
    latency_s: float
    message: str = ""


class MediaProvider(abc.ABC):
    """Makes media from requests.

    Subclasses set ``name``, ``kind``, ``description`` and ``settings_schema`` (JSON Schema
    properties of the provider's own keys; the shared keys such as ``enabled`` are added by the
    config schema) and implement `generate`.
    """

    name: ClassVar[str]
    kind: ClassVar[MediaKind]
    description: ClassVar[str] = ""
    settings_schema: ClassVar[Mapping[str, Any]] = {}
    default_max_concurrency: ClassVar[int] = 1

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = dict(settings)

    @property
    def enabled(self) -> bool:
        return bool(self.settings.get("enabled", True))

    @property
    def max_concurrency(self) -> int:
        return int(self.settings.get("max_concurrency", self.default_max_concurrency))

    @property
    def timeout_s(self) -> float:
        return float(self.settings.get("timeout_s", 30))

    @abc.abstractmethod
    def generate(self, request: MediaRequest) -> MediaResult:
        """Produce validated media for one request, or raise a `ProviderError`."""

    def generate_batch(self, requests: Sequence[MediaRequest]) -> list[MediaResult]:
        """Produce media for several requests; one failure never fails the others.

        The default loops over `generate`; providers with a native batch API override it.
        """
        results = []
        for request in requests:
            started = time.monotonic()
            try:
                results.append(self.generate(request))
            except ProviderError as exc:
                if not exc.provider:
                    exc.provider = self.name
                results.append(
                    MediaResult(request=request, provider=self.name, error=exc, elapsed_s=time.monotonic() - started)
                )
        return results

    @abc.abstractmethod
    def test_connection(self) -> HealthReport:
        """Make the cheapest real call the provider has and report how it went."""

    def close(self) -> None:
        """Release connections or processes. The default has nothing to release."""
        return None


class AudioProvider(MediaProvider, abc.ABC):
    kind: ClassVar[MediaKind] = MediaKind.AUDIO


class ImageProvider(MediaProvider, abc.ABC):
    kind: ClassVar[MediaKind] = MediaKind.IMAGE
