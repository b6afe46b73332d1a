"""The provider registry: lazy loading, one broken provider never stopping the others, instances
rebuilt only when their own config slice changes, API keys, enabled/ordered providers, concurrent
health checks with a timeout, and `load_config` validating third-party provider slices.

HTTP providers talk to a loopback `fake_http` server; espeak runs the real espeak-ng."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest

from addon.core.base.errors import ConfigError, ProviderImportError, UnknownProviderError
from addon.core.config.rules import parse_rules
from addon.core.engine.generation import generate_all
from addon.core.job.outcome import GenerationOutcome
from addon.core.job.plan import WorkItem
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.provider_system.catalog import BUILTIN_PROVIDERS, ProviderCatalog
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.media_provider import GENERIC_DEFAULTS
from addon.core.provider_system.registry import ProviderRegistry
from addon.core.resilience.circuit_breaker import BreakerState
from addon.core.resilience.health import HealthStatus
from tests.support.fake_http import FakeServer, Recorded, Reply, serve
from tests.support.fake_providers import EchoSpeech
from tests.support.registrations import Register

AUDIO, IMAGE = MediaKind.AUDIO, MediaKind.IMAGE
REPO = Path(__file__).resolve().parents[2]
ECHO_MODULE = {"echo_speech": "tests.support.fake_providers:EchoSpeech"}
BROKEN_MODULE = {"broken": "tests.support.broken_provider_module:Broken"}
CONFIG_KEY = "config-key-0123456789"
ENV_KEY = "env-key-9876543210"


@pytest.fixture
def registries() -> Iterator[Callable[..., ProviderRegistry]]:
    """Builds registries and closes them when the test ends."""
    built: list[ProviderRegistry] = []

    def make(config: Mapping[str, Any], **kwargs: Any) -> ProviderRegistry:
        registry = ProviderRegistry(config, **kwargs)
        built.append(registry)
        return registry

    yield make
    for registry in built:
        registry.close()


def speech_server(mp3: bytes, *, health_delay_s: float = 0.0) -> Callable[[Recorded], Reply]:
    def handler(request: Recorded) -> Reply:
        if request.path == "/speak":
            return Reply(200, mp3, {"Content-Type": "audio/mpeg"})
        if request.path == "/health":
            return Reply(200, b"ok", delay_s=health_delay_s)
        return Reply(404)

    return handler


def echo_config(
    *,
    modules: Mapping[str, str] = ECHO_MODULE,
    echo: Mapping[str, Any] | None = None,
    more: Mapping[str, Mapping[str, Any]] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A validated config with ``modules`` under provider_modules, ``echo`` as echo_speech's slice
    and ``more`` as further audio slices."""
    audio: dict[str, Any] = {"echo_speech": dict(echo)} if echo is not None else {}
    audio.update(more or {})
    return load_config({"provider_modules": {"audio": dict(modules)}, "providers": {"audio": audio}, **overrides})


def echo_slice(server: FakeServer | None = None, **changes: Any) -> dict[str, Any]:
    base = {"base_url": server.url if server else "https://speech.example", "api_key": CONFIG_KEY}
    return {**base, **changes}


def work(*texts: str, providers: tuple[str, ...]) -> list[WorkItem]:
    return [WorkItem(MediaRequest(kind=AUDIO, text=t, language="en"), providers) for t in texts]


def run_job(items: list[WorkItem], registry: ProviderRegistry) -> GenerationOutcome:
    return generate_all(items, providers=registry, cancel=threading.Event())


class CountingSpeech(EchoSpeech):
    """Counts its closes."""

    name = "counting_speech"
    closed: ClassVar[list[int]] = []

    def close(self) -> None:
        CountingSpeech.closed.append(id(self))
        super().close()


class TwinSpeech(EchoSpeech):
    name = "twin_speech"


class CrashingInitSpeech(EchoSpeech):
    """A third-party bug: the constructor raises something that is not a MediaFillError."""

    name = "crashing_init_speech"

    def __init__(self, settings: Any, **kwargs: Any) -> None:
        raise KeyError("voice_id")


class OptInSpeech(EchoSpeech):
    """Off until the user turns it on: its class default says so."""

    name = "opt_in_speech"
    default_settings: ClassVar[dict[str, Any]] = {"voice": "anna", "enabled": False}


# Lazy loading


def test_building_a_registry_imports_no_provider_module() -> None:
    code = """
import json, sys
from addon.core.config.files import load_default_config
from addon.core.config.rules import parse_rules
from addon.core.media.types import MediaKind
from addon.core.provider_system.registry import ProviderRegistry

def provider_modules():
    return sorted(
        name for name, module in list(sys.modules.items())
        if name.startswith("addon.providers.") and not hasattr(module, "__path__")
    )

config = load_default_config()
registry = ProviderRegistry(config)
registry.catalog.names(MediaKind.AUDIO)
registry.providers_for(parse_rules(config)[0], MediaKind.AUDIO)
before = provider_modules()
registry.get(MediaKind.AUDIO, "espeak")
print(json.dumps({"before": before, "after": provider_modules()}))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["before"] == [], f"provider modules imported before first use: {seen['before']}"
    assert seen["after"] == ["addon.providers.audio.espeak"]


# One broken provider does not stop the others


def test_broken_module_is_left_out_and_the_rest_loads(registries: Callable[..., ProviderRegistry]) -> None:
    registry = registries(echo_config(modules={**BROKEN_MODULE, **ECHO_MODULE}, echo=echo_slice()))
    assert {i.name for i in registry.infos(AUDIO)} == {*BUILTIN_PROVIDERS[AUDIO], "echo_speech"}
    assert list(registry.load_errors) == [(AUDIO, "broken")]
    assert isinstance(registry.load_errors[(AUDIO, "broken")], ProviderImportError)
    assert [i.name for i in registry.available(AUDIO)] == ["echo_speech", "espeak"]
    with pytest.raises(ProviderImportError):
        registry.get(AUDIO, "broken")
    problem = registry.setup_problem(AUDIO, "broken")
    assert problem is not None and "could not be loaded" in problem
    assert registry.setup_problem(AUDIO, "echo_speech") is None


def test_job_falls_back_past_a_broken_module(registries: Callable[..., ProviderRegistry], mp3_bytes: bytes) -> None:
    with serve(speech_server(mp3_bytes)) as server:
        registry = registries(echo_config(modules={**BROKEN_MODULE, **ECHO_MODULE}, echo=echo_slice(server)))
        items = work("hello", "world", providers=("broken", "echo_speech"))
        outcome = run_job(items, registry)
    for item in items:
        result = outcome.results[item.key]
        assert result.ok, result.error
        assert result.provider == "echo_speech"
        assert result.data == mp3_bytes
        assert result.attempts == 1
    assert "could not be loaded" in outcome.provider_problems["broken"]
    assert [r.path for r in server.requests] == ["/speak", "/speak"]
    assert {r.headers["authorization"] for r in server.requests} == {f"Bearer {CONFIG_KEY}"}


def test_health_check_reports_a_broken_module_and_checks_the_others(
    registries: Callable[..., ProviderRegistry], mp3_bytes: bytes
) -> None:
    with serve(speech_server(mp3_bytes)) as server:
        registry = registries(echo_config(modules={**BROKEN_MODULE, **ECHO_MODULE}, echo=echo_slice(server)))
        results = {r.provider: r for r in registry.health_check_all(timeout_s=10)}
    assert not results["broken"].ok
    assert "could not be loaded" in results["broken"].message
    assert results["espeak"].ok
    assert results["echo_speech"].ok
    assert [r.path for r in server.requests] == ["/health"]


def test_health_check_survives_a_provider_whose_constructor_crashes(
    registries: Callable[..., ProviderRegistry], register: Register
) -> None:
    register(AUDIO, "crashing_init_speech", CrashingInitSpeech)
    registry = registries(load_config({}))
    # The job passes over such a provider (see test_job); a health check must as well.
    results = {r.provider: r for r in registry.health_check_all(timeout_s=10)}
    assert results["espeak"].ok
    assert not results["crashing_init_speech"].ok


# Instances


def test_get_returns_the_same_instance_while_the_slice_is_unchanged(
    registries: Callable[..., ProviderRegistry],
) -> None:
    config = echo_config(echo=echo_slice())
    registry = registries(config)
    first = registry.get(AUDIO, "echo_speech")
    assert isinstance(first, EchoSpeech)
    assert registry.get(AUDIO, "echo_speech") is first
    # Other parts of the config change: this provider's slice does not.
    registry.update_config(echo_config(echo=echo_slice(), more={"espeak": {"pitch": 70}}, rules=[], log_level="DEBUG"))
    assert registry.get(AUDIO, "echo_speech") is first


def test_changed_slice_builds_a_new_instance_and_closes_the_old(registries: Callable[..., ProviderRegistry]) -> None:
    registry = registries(echo_config(echo=echo_slice(voice="anna")))
    old = registry.get(AUDIO, "echo_speech")
    assert isinstance(old, EchoSpeech)
    old._http()  # connect, so there is something to close
    assert old._session is not None
    registry.update_config(echo_config(echo=echo_slice(voice="bert")))
    new = registry.get(AUDIO, "echo_speech")
    assert new is not old
    assert new.settings["voice"] == "bert"
    assert old._session is None, "the replaced instance was not closed"


def test_instances_are_closed_once_each(registries: Callable[..., ProviderRegistry], register: Register) -> None:
    register(AUDIO, "counting_speech", CountingSpeech)
    CountingSpeech.closed.clear()
    slice_ = {"base_url": "https://speech.example", "api_key": CONFIG_KEY}
    registry = registries(load_config({"providers": {"audio": {"counting_speech": slice_}}}))
    first = registry.get(AUDIO, "counting_speech")
    registry.update_config(load_config({"providers": {"audio": {"counting_speech": slice_}}}))
    assert registry.get(AUDIO, "counting_speech") is first
    assert CountingSpeech.closed == []
    registry.update_config(load_config({"providers": {"audio": {"counting_speech": {**slice_, "timeout_s": 9}}}}))
    second = registry.get(AUDIO, "counting_speech")
    assert second is not first
    assert CountingSpeech.closed == [id(first)]
    registry.close()
    assert CountingSpeech.closed == [id(first), id(second)]


def test_each_provider_gets_only_its_own_slice_over_its_class_defaults(
    registries: Callable[..., ProviderRegistry],
) -> None:
    slice_ = echo_slice(timeout_s=7)
    registry = registries(echo_config(echo=slice_))
    provider = registry.get(AUDIO, "echo_speech")
    expected = {**GENERIC_DEFAULTS, **EchoSpeech.default_settings, **slice_}
    assert provider.settings == expected
    assert provider.settings["voice"] == "anna"  # class default, not in the config
    assert provider.timeout_s == 7  # config over the class default of 5
    assert provider.max_concurrency == 2  # class default over the generic 1
    assert provider.retry_attempts == GENERIC_DEFAULTS["retry_attempts"]
    for foreign in ("binary", "lame_binary", "speed_wpm", "rules", "providers", "provider_modules", "espeak"):
        assert foreign not in provider.settings

    espeak = registry.get(AUDIO, "espeak")
    assert "api_key" not in espeak.settings and "voice" not in espeak.settings
    assert espeak.settings["binary"] == "espeak-ng"


def test_class_default_timeout_applies_when_the_config_has_none(registries: Callable[..., ProviderRegistry]) -> None:
    registry = registries(echo_config(echo=echo_slice()))
    assert registry.get(AUDIO, "echo_speech").timeout_s == 5
    assert registry.settings(AUDIO, "echo_speech")["timeout_s"] == 5


def test_unknown_provider_from_the_registry(registries: Callable[..., ProviderRegistry]) -> None:
    registry = registries(load_config({}))
    with pytest.raises(UnknownProviderError, match="known: azure_tts, elevenlabs, espeak, forvo"):
        registry.get(AUDIO, "echo_speech")


def test_class_default_enabled_false_is_disabled(
    registries: Callable[..., ProviderRegistry], register: Register
) -> None:
    register(AUDIO, "opt_in_speech", OptInSpeech)
    registry = registries(load_config({"providers": {"audio": {"opt_in_speech": echo_slice()}}}))
    assert registry.get(AUDIO, "opt_in_speech").enabled is False
    # The registry must agree with the instance: class defaults apply under the config.
    assert not registry.is_enabled(AUDIO, "opt_in_speech")
    assert "opt_in_speech" not in [i.name for i in registry.available(AUDIO)]


# API keys


def test_api_key_env_overrides_api_key(
    registries: Callable[..., ProviderRegistry], mp3_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECHO_KEY", "from-the-process-environment")
    with serve(speech_server(mp3_bytes)) as server:
        config = echo_config(echo=echo_slice(server, api_key_env="ECHO_KEY"))
        registry = registries(config, environ={"ECHO_KEY": ENV_KEY})
        provider = registry.get(AUDIO, "echo_speech")
        assert provider.api_key == ENV_KEY, "the injected environment is the one read"
        result = provider.generate(MediaRequest(kind=AUDIO, text="hi", language="en"))
    assert result.data == mp3_bytes
    assert server.requests[0].headers["authorization"] == f"Bearer {ENV_KEY}"


def test_api_key_env_reads_the_process_environment_by_default(
    registries: Callable[..., ProviderRegistry], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECHO_KEY", ENV_KEY)
    registry = registries(echo_config(echo=echo_slice(api_key_env="ECHO_KEY")))
    assert registry.get(AUDIO, "echo_speech").api_key == ENV_KEY


@pytest.mark.parametrize("environ", [{"ECHO_KEY": ""}, {"ECHO_KEY": "   "}, {}], ids=["empty", "blank", "unset"])
def test_empty_env_var_falls_back_to_api_key(
    registries: Callable[..., ProviderRegistry], environ: dict[str, str]
) -> None:
    registry = registries(echo_config(echo=echo_slice(api_key_env="ECHO_KEY")), environ=environ)
    assert registry.get(AUDIO, "echo_speech").api_key == CONFIG_KEY
    assert registry.setup_problem(AUDIO, "echo_speech") is None


def test_missing_key_fails_fast_and_the_next_provider_fills(
    registries: Callable[..., ProviderRegistry], mp3_bytes: bytes
) -> None:
    with serve(speech_server(mp3_bytes)) as server:
        registry = registries(echo_config(echo={"base_url": server.url, "api_key_env": "ECHO_KEY"}), environ={})
        problem = registry.setup_problem(AUDIO, "echo_speech")
        assert problem is not None
        assert "providers.audio.echo_speech.api_key" in problem
        assert "ECHO_KEY" in problem
        items = work("hello", "world", providers=("echo_speech", "espeak"))
        outcome = run_job(items, registry)
    assert server.requests == [], "a provider without its key must not be called"
    for item in items:
        result = outcome.results[item.key]
        assert result.ok, result.error
        assert result.provider == "espeak"
        assert result.attempts == 1
    assert "providers.audio.echo_speech.api_key" in outcome.provider_problems["echo_speech"]


def test_missing_key_alone_fails_the_item_naming_the_key(registries: Callable[..., ProviderRegistry]) -> None:
    registry = registries(echo_config(echo={"base_url": "https://speech.example"}), environ={})
    (item,) = items = work("hello", providers=("echo_speech",))
    result = run_job(items, registry).results[item.key]
    assert not result.ok
    assert result.error is not None
    assert "providers.audio.echo_speech.api_key" in result.error.message
    assert result.attempts == 0


def test_disabled_provider_is_skipped_and_never_blocks_others(
    registries: Callable[..., ProviderRegistry], mp3_bytes: bytes
) -> None:
    with serve(speech_server(mp3_bytes)) as server:
        registry = registries(echo_config(echo=echo_slice(server, enabled=False)))
        assert registry.setup_problem(AUDIO, "echo_speech") == "is disabled in the settings"
        items = work("hello", providers=("echo_speech", "espeak"))
        outcome = run_job(items, registry)
        checks = registry.health_check_all(timeout_s=10)
    assert server.requests == []
    assert all(r.ok and r.provider == "espeak" for r in outcome.results.values())
    assert "disabled" in outcome.provider_problems["echo_speech"]
    assert [c.provider for c in checks] == ["espeak"], "a disabled provider is not checked"


# Enabled providers and their order


def test_available_is_enabled_providers_by_priority(registries: Callable[..., ProviderRegistry]) -> None:
    registry = registries(echo_config(echo=echo_slice()))
    # espeak comes first in the catalog (built-in); echo_speech's priority 10 beats espeak's 900.
    assert registry.catalog.names(AUDIO) == [*BUILTIN_PROVIDERS[AUDIO], "echo_speech"]
    assert [i.name for i in registry.available(AUDIO)] == ["echo_speech", "espeak"], "the others ship disabled"
    assert registry.available(IMAGE) == []

    registry.update_config(echo_config(echo=echo_slice(enabled=False)))
    assert [i.name for i in registry.available(AUDIO)] == ["espeak"]
    everything = [i.name for i in registry.available(AUDIO, enabled_only=False)]
    assert everything.index("echo_speech") < everything.index("espeak"), "by priority, enabled or not"


def test_providers_for_keeps_the_rules_order(registries: Callable[..., ProviderRegistry]) -> None:
    (rule,) = parse_rules(
        {
            "rules": [
                {
                    "note_type": "Basic",
                    "source_field": "Front",
                    "audio_field": "Back",
                    "audio_providers": ["espeak", "ghost", "echo_speech"],
                }
            ]
        }
    )
    registry = registries(echo_config(echo=echo_slice()))
    assert registry.providers_for(rule, AUDIO) == ["espeak", "echo_speech"]
    assert registry.providers_for(rule, IMAGE) == []
    registry.update_config(echo_config(echo=echo_slice(enabled=False)))
    assert registry.providers_for(rule, AUDIO) == ["espeak", "echo_speech"]
    assert registry.providers_for(rule, AUDIO, enabled_only=True) == ["espeak"]


# Health checks


def test_health_checks_run_concurrently_within_the_timeout(
    registries: Callable[..., ProviderRegistry], register: Register, mp3_bytes: bytes
) -> None:
    timeout, delay = 0.4, 2.0
    register(AUDIO, "twin_speech", TwinSpeech)
    with serve(speech_server(mp3_bytes, health_delay_s=delay)) as server:
        slow = echo_slice(server)
        config = echo_config(echo=slow, more={"twin_speech": slow})
        registry = registries(config)
        started = time.monotonic()
        results = registry.health_check_all(timeout_s=timeout)
        elapsed = time.monotonic() - started
        assert len(server.requests) == 2, "both slow checks were started"
    # Two slow checks, each given the timeout: run one after the other they would take 2 x timeout.
    assert timeout * 0.9 <= elapsed < 2 * timeout, f"took {elapsed:.2f} s"
    assert elapsed < delay
    # Catalog order: built-in, then registered by add-ons, then provider_modules.
    assert [(r.kind, r.provider) for r in results] == [
        (AUDIO, "espeak"),
        (AUDIO, "twin_speech"),
        (AUDIO, "echo_speech"),
    ]
    by_name = {r.provider: r for r in results}
    assert by_name["espeak"].ok
    assert by_name["espeak"].status is HealthStatus.HEALTHY
    for name in ("echo_speech", "twin_speech"):
        assert not by_name[name].ok
        assert "no answer" in by_name[name].message
        assert by_name[name].status is HealthStatus.UNHEALTHY
        assert registry.status(AUDIO, name).failures == 1
    data = json.loads(json.dumps([r.to_json() for r in results]))
    assert data[0] == {
        "kind": "audio",
        "provider": "espeak",
        "ok": True,
        "status": "healthy",
        "latency_s": data[0]["latency_s"],
        "message": by_name["espeak"].message,
    }
    assert isinstance(data[0]["latency_s"], float)
    assert data[2]["ok"] is False and data[2]["status"] == "unhealthy"


def test_health_check_without_a_key_makes_no_request(
    registries: Callable[..., ProviderRegistry], mp3_bytes: bytes
) -> None:
    with serve(speech_server(mp3_bytes)) as server:
        registry = registries(echo_config(echo={"base_url": server.url}), environ={})
        results = registry.health_check_all(timeout_s=10)
    assert server.requests == []
    assert [r.provider for r in results] == ["espeak", "echo_speech"]
    echo = results[1]
    assert not echo.ok
    assert echo.status is HealthStatus.UNHEALTHY
    assert echo.latency_s is None
    assert "providers.audio.echo_speech.api_key" in echo.message
    assert json.loads(json.dumps(echo.to_json()))["latency_s"] is None


def test_health_check_of_a_working_http_provider(registries: Callable[..., ProviderRegistry], mp3_bytes: bytes) -> None:
    with serve(speech_server(mp3_bytes)) as server:
        registry = registries(echo_config(echo=echo_slice(server)))
        (result,) = registry.health_check_all(kinds=[AUDIO], timeout_s=10)[1:]
    assert (result.provider, result.ok, result.message) == ("echo_speech", True, "ok")
    assert registry.status(AUDIO, "echo_speech").successes == 1
    assert [r.headers["authorization"] for r in server.requests] == [f"Bearer {CONFIG_KEY}"]


def test_health_and_breakers_persist_across_update_config(registries: Callable[..., ProviderRegistry]) -> None:
    registry = registries(echo_config(echo=echo_slice()))
    health, breaker = registry.health(AUDIO, "espeak"), registry.breaker(AUDIO, "espeak")
    health.record_success(elapsed_s=0.1)
    for _ in range(breaker.failure_threshold):
        breaker.record_failure()
    assert breaker.state is BreakerState.OPEN

    registry.update_config(echo_config(echo=echo_slice(voice="bert"), more={"espeak": {"pitch": 60}}))
    assert registry.health(AUDIO, "espeak") is health
    assert registry.breaker(AUDIO, "espeak") is breaker
    assert registry.breaker(AUDIO, "espeak").state is BreakerState.OPEN, "a paused provider stays paused"
    assert registry.status(AUDIO, "espeak").successes == 1
    assert registry.status(AUDIO, "espeak").status is HealthStatus.UNHEALTHY  # breaker open
    registry.reset_breaker(AUDIO, "espeak")
    assert breaker.snapshot().state is BreakerState.CLOSED


def test_new_breaker_thresholds_apply_after_update_config(registries: Callable[..., ProviderRegistry]) -> None:
    registry = registries(load_config({}))
    health = registry.health(AUDIO, "espeak")
    assert registry.breaker(AUDIO, "espeak").failure_threshold == 5
    registry.update_config(load_config({"circuit_breaker": {"failure_threshold": 2, "cooldown_s": 60}}))
    breaker = registry.breaker(AUDIO, "espeak")
    assert (breaker.failure_threshold, breaker.cooldown_s) == (2, 60)
    assert registry.health(AUDIO, "espeak") is health


def test_a_paused_provider_stays_paused_when_the_thresholds_change(
    registries: Callable[..., ProviderRegistry],
) -> None:
    registry = registries(load_config({}))
    breaker = registry.breaker(AUDIO, "espeak")
    for _ in range(5):
        breaker.record_failure()
    registry.update_config(load_config({"circuit_breaker": {"failure_threshold": 3, "cooldown_s": 600}}))
    assert registry.breaker(AUDIO, "espeak") is breaker
    assert breaker.state is BreakerState.OPEN
    assert breaker.seconds_until_retry() > 300, "the new, longer cool-down applies to the pause under way"


# load_config and third-party slices


def test_provider_module_clashing_with_a_builtin_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_config({"provider_modules": {"audio": {"espeak": "tests.support.fake_providers:EchoSpeech"}}})
    assert "provider_modules" in excinfo.value.message
    assert "'espeak'" in excinfo.value.message


def test_provider_modules_must_be_an_object() -> None:
    with pytest.raises(ConfigError, match="provider_modules"):
        load_config({"provider_modules": ["tests.support.fake_providers:EchoSpeech"]})


def test_configured_provider_slice_validates_with_its_own_keys() -> None:
    slice_ = {"voice": "bert", "api_key_env": "ECHO_KEY", "base_url": "https://speech.example/v1", "timeout_s": 3}
    config = echo_config(echo=slice_)
    assert config["providers"]["audio"]["echo_speech"] == slice_
    assert config["provider_modules"]["audio"] == ECHO_MODULE


@pytest.mark.parametrize(
    ("echo", "expected"),
    [
        ({"colour": "red"}, "providers.audio.echo_speech: unknown key"),
        ({"binary": "espeak-ng"}, "providers.audio.echo_speech: unknown key"),  # espeak's key, not echo's
        ({"voice": ""}, "providers.audio.echo_speech.voice"),
        ({"api_key_env": "NOT A NAME"}, "providers.audio.echo_speech.api_key_env"),
    ],
    ids=["unknown", "other-providers-key", "own-key-bad-value", "shared-key-bad-value"],
)
def test_configured_provider_slice_rejects_bad_keys(echo: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        echo_config(echo=echo)
    assert expected in excinfo.value.message


def test_slice_of_a_provider_that_is_not_configured_is_an_unknown_key() -> None:
    with pytest.raises(ConfigError, match=r"providers\.audio: unknown key"):
        load_config({"providers": {"audio": {"echo_speech": {"voice": "bert"}}}})


@pytest.mark.parametrize("url", ["ftp://x", "http://", "https://host/path?key=1", "not a url", "https://a:b@host"])
def test_malformed_base_url_is_a_config_error_naming_the_key(url: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        echo_config(echo={"base_url": url})
    assert "providers.audio.echo_speech.base_url" in excinfo.value.message


def test_broken_provider_module_does_not_stop_load_config() -> None:
    config = load_config(
        {
            "provider_modules": {"audio": BROKEN_MODULE},
            "providers": {"audio": {"broken": {"anything": 1}}},
            "rules": [
                {
                    "note_type": "*",
                    "source_field": "Front",
                    "audio_field": "Audio",
                    "audio_providers": ["broken", "espeak"],
                }
            ],
        }
    )
    assert config["providers"]["audio"]["broken"] == {"anything": 1}


def test_catalog_can_be_passed_in(registries: Callable[..., ProviderRegistry]) -> None:
    catalog = ProviderCatalog(third_party={}, configured_modules={"audio": ECHO_MODULE})
    registry = registries(load_config({}), catalog=catalog)
    assert registry.catalog is catalog
    assert {i.name for i in registry.infos(AUDIO)} == {*BUILTIN_PROVIDERS[AUDIO], "echo_speech"}


def test_the_output_fingerprint_counts_only_settings_that_change_the_media() -> None:
    def fingerprint(**runware: Any) -> str:
        return ProviderRegistry(load_config({"providers": {"image": {"runware": runware}}})).output_fingerprint(
            IMAGE, "runware"
        )

    base = fingerprint()
    assert fingerprint(batch_size=3, max_concurrency=5, timeout_s=9, api_key="sk-other") == base
    assert fingerprint(model="runware:101@1") != base
    assert fingerprint(width=1024) != base
