"""Builds providers by kind and name with their own config slice, and keeps their health.

`ProviderRegistry` reads its providers from a `ProviderCatalog` (an explicit import mapping; see
`catalog`). Building a registry imports no provider module: a class is imported, and checked
against its interface, when that provider is first needed. Instances are cached by name and by a
hash of their config slice, and rebuilt when that slice changes (`update_config`). Each provider
has a `CircuitBreaker` and `HealthCounters` that outlive config changes, so a provider that
failed five times in a row stays paused across jobs until its cool-down passes.

Loading and validating the config: `config_loading`. Running connection tests: `health_checks`.

Thread safety: `get`, `close`, `breaker` and `health` take the registry's lock and may be called
from any thread (the job builds its providers on its worker thread while the settings page may ask
for one on the main thread); breakers and health counters are thread-safe and are updated from the
job's worker threads. Call `update_config` between jobs. `health_check_all` blocks (run it off the
UI thread) and runs the checks on short-lived daemon threads (`health_checks`).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from ..base.errors import MediaFillError, RegistryError
from ..base.log import get_logger, remember_secrets
from ..config.files import media_cap_bytes, package_dir, provider_settings
from ..config.rules import Rule
from ..media.audio_convert import AudioOutput
from ..media.types import MediaKind
from ..resilience.circuit_breaker import BreakerState, CircuitBreaker
from ..resilience.health import HealthCounters, HealthSnapshot
from .catalog import ProviderCatalog
from .config_loading import catalog_for
from .health_checks import CheckResult, run_checks
from .info import SHARED_KEYS, ProviderInfo, class_defaults
from .media_provider import MediaProvider

log = get_logger(__name__)

DEFAULT_FAILURE_THRESHOLD = 5
DEFAULT_COOLDOWN_S = 300.0

ProviderKey = tuple[MediaKind, str]


def _settings_hash(settings: Mapping[str, Any]) -> str:
    text = json.dumps(settings, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ProviderRegistry:
    """Providers for one config; see the module docstring for the rules."""

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        catalog: ProviderCatalog | None = None,
        clock: Callable[[], float] = time.monotonic,
        environ: Mapping[str, str] | None = None,
        state_dir: Path | None = None,
    ) -> None:
        self._config: Mapping[str, Any] = config
        # The folder providers may keep state in (Forvo's daily counter): the add-on's user_files/.
        self.state_dir = state_dir if state_dir is not None else package_dir() / "user_files"
        self.catalog = catalog if catalog is not None else catalog_for(config)
        self._clock = clock
        self._environ = environ
        self._instances: dict[ProviderKey, tuple[str, MediaProvider]] = {}
        self._breakers: dict[ProviderKey, CircuitBreaker] = {}
        self._health: dict[ProviderKey, HealthCounters] = {}
        self.load_errors: dict[ProviderKey, RegistryError] = {}
        self._lock = threading.RLock()

    # Config

    @property
    def config(self) -> Mapping[str, Any]:
        return self._config

    def update_config(self, config: Mapping[str, Any]) -> None:
        """Use ``config`` from now on: providers whose slice changed are rebuilt on next use;
        breakers take the new thresholds; health counters are kept."""
        self._config = config
        threshold, cooldown = self._breaker_settings()
        with self._lock:
            for breaker in self._breakers.values():  # kept, so a paused provider stays paused
                breaker.failure_threshold, breaker.cooldown_s = threshold, cooldown

    def settings(self, kind: MediaKind, name: str) -> dict[str, Any]:
        """The provider's effective settings: generic defaults, its class defaults, its slice."""
        return {**class_defaults(self.catalog.load(kind, name)), **provider_settings(self._config, kind, name)}

    def output_fingerprint(self, kind: MediaKind, name: str) -> str:
        """A digest of the provider's own settings, the ones that change what it makes (voice,
        model, size…), leaving out limits, keys and URLs: reused media must match it."""
        try:
            settings = self.settings(kind, name)
            ignored = SHARED_KEYS | self.catalog.load(kind, name).settings_not_changing_output
        except RegistryError:
            settings = provider_settings(self._config, kind, name)
            ignored = SHARED_KEYS
        own = {key: value for key, value in settings.items() if key not in ignored}
        return hashlib.sha256(json.dumps(own, sort_keys=True, default=str).encode()).hexdigest()

    def is_enabled(self, kind: MediaKind, name: str) -> bool:
        """Whether the provider is switched on (its slice, else its class default; a provider that
        cannot be loaded counts by its slice alone)."""
        try:
            return bool(self.settings(kind, name).get("enabled", True))
        except RegistryError:
            return bool(provider_settings(self._config, kind, name).get("enabled", True))

    # Instances

    def get(self, kind: MediaKind, name: str) -> MediaProvider:
        """The provider built with its current slice; raises a `RegistryError` subclass when it is
        unknown, fails to import, or misses the interface."""
        key = (kind, name)
        cls = self.catalog.load(kind, name)
        with self._lock:
            settings = self.settings(kind, name)
            digest = _settings_hash(settings)
            cached = self._instances.get(key)
            if cached is not None and cached[0] == digest:
                self._apply_job_settings(cached[1])  # the current config's cap and audio format
                return cached[1]
            if cached is not None:
                cached[1].close()
            provider = cls(settings, environ=self._environ)
            self._apply_job_settings(provider)
            provider.state_dir = self.state_dir
            remember_secrets(provider.api_key, settings.get("api_key"))
            self._instances[key] = (digest, provider)
            return provider

    def _apply_job_settings(self, provider: MediaProvider) -> None:
        """The settings of the whole config a provider needs: the media cap and the audio format."""
        provider.max_media_bytes = media_cap_bytes(self._config)
        provider.audio_output = AudioOutput.from_config(self._config)

    def forget_programs(self) -> None:
        """Every built provider looks its programs up afresh when next asked (a dialog opening:
        the user may just have installed espeak-ng)."""
        with self._lock:
            providers = [provider for _digest, provider in self._instances.values()]
        for provider in providers:
            provider.forget_programs()

    def close(self) -> None:
        """Close every built provider (health and breakers are kept)."""
        with self._lock:
            instances, self._instances = self._instances, {}
        for _, provider in instances.values():
            try:
                provider.close()
            except Exception:  # closing one must not stop closing the others
                log.exception("closing provider %s failed", provider.name)

    # Metadata

    def info(self, kind: MediaKind, name: str) -> ProviderInfo:
        return self.catalog.info(kind, name)

    def infos(self, kind: MediaKind | None = None) -> list[ProviderInfo]:
        """Every loadable provider's info (of ``kind``, or all), by priority; a provider that
        fails to load is logged, kept in `load_errors`, and left out."""
        infos, failures = self.catalog.load_all()
        self.load_errors.update(failures)
        found = [info for info in infos if kind is None or info.kind is kind]
        return sorted(found, key=lambda i: (i.kind.value, i.priority, i.name))

    def available(self, kind: MediaKind, *, enabled_only: bool = True) -> list[ProviderInfo]:
        """The providers of ``kind`` that load, in default order; only enabled ones unless asked."""
        return [i for i in self.infos(kind) if not enabled_only or self.is_enabled(kind, i.name)]

    def providers_for(self, rule: Rule, kind: MediaKind, *, enabled_only: bool = False) -> list[str]:
        """The providers the rule's targets of ``kind`` name, each once, in the targets' fallback
        order (known ones; enabled ones when asked)."""
        listed = dict.fromkeys(name for target in rule.targets_of(kind) for name in target.providers)
        names = [name for name in listed if (kind, name) in self.catalog]
        return [n for n in names if self.is_enabled(kind, n)] if enabled_only else names

    def setup_problem(self, kind: MediaKind, name: str) -> str | None:
        """Why the provider cannot run as configured (disabled, missing key, missing program, audio
        nothing here converts, not loadable), or None. Cheap: builds the provider (cached) and
        looks programs up on PATH; runs nothing."""
        if not self.is_enabled(kind, name):
            return "is disabled in the settings"
        return self._build_problem(kind, name)

    # Health

    def _breaker_settings(self) -> tuple[int, float]:
        raw = self._config.get("circuit_breaker") or {}
        return (
            int(raw.get("failure_threshold", DEFAULT_FAILURE_THRESHOLD)),
            float(raw.get("cooldown_s", DEFAULT_COOLDOWN_S)),
        )

    def breaker(self, kind: MediaKind, name: str) -> CircuitBreaker:
        with self._lock:
            key = (kind, name)
            if key not in self._breakers:
                threshold, cooldown = self._breaker_settings()
                self._breakers[key] = CircuitBreaker(
                    name=name, failure_threshold=threshold, cooldown_s=cooldown, clock=self._clock
                )
            return self._breakers[key]

    def health(self, kind: MediaKind, name: str) -> HealthCounters:
        with self._lock:
            key = (kind, name)
            if key not in self._health:
                self._health[key] = HealthCounters(name, unhealthy_after=self._breaker_settings()[0])
            return self._health[key]

    def status(self, kind: MediaKind, name: str) -> HealthSnapshot:
        breaker_open = self.breaker(kind, name).state is BreakerState.OPEN
        return self.health(kind, name).snapshot(breaker_open=breaker_open)

    def reset_breaker(self, kind: MediaKind, name: str) -> None:
        """Close the provider's breaker by hand (the settings page's "Reset")."""
        self.breaker(kind, name).reset()

    def health_check_all(
        self, *, kinds: Iterable[MediaKind] = tuple(MediaKind), timeout_s: float | None = None
    ) -> list[CheckResult]:
        """Run every enabled provider's `test_connection` at once, each within ``timeout_s``.

        A provider that cannot be built or is not set up fails its check without a call. Blocks
        until every check has finished or timed out; do not call it on a UI thread.
        """
        wanted = [(k, name) for k in kinds for name in self.catalog.names(k) if self.is_enabled(k, name)]
        return run_checks(self, wanted, timeout_s=timeout_s, problem_of=self.setup_problem)

    def check_provider(self, kind: MediaKind, name: str, *, timeout_s: float | None = None) -> CheckResult:
        """Run one provider's `test_connection` within ``timeout_s``, whether or not it is enabled
        (the settings window tests a key before the provider is switched on). Blocks like
        `health_check_all`; do not call it on a UI thread."""
        return run_checks(self, [(kind, name)], timeout_s=timeout_s, problem_of=self._build_problem)[0]

    def _build_problem(self, kind: MediaKind, name: str) -> str | None:
        """Why the provider cannot be tested as configured (not loadable, missing key), or None."""
        try:
            return self.get(kind, name).setup_problem()
        except MediaFillError as exc:
            return exc.message if isinstance(exc, RegistryError) else str(exc)
        except Exception as exc:  # a provider whose constructor crashes must not break the others
            log.exception("building provider %s failed", name)
            return f"could not be built ({type(exc).__name__}); see the log"
