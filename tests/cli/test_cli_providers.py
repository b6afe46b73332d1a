"""``python -m addon providers`` and ``check`` as real subprocesses, a third-party HTTP provider loaded
from ``provider_modules`` talking to a loopback fake server, and the scan for the test key in every
output the add-on writes (stdout, stderr, the log file, the JSON report)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools.sample_deck import DEMO_RULES, build_sample_collection
from tests.support.cli_runner import run_cli
from tests.support.fake_http import FakeServer, Recorded, Reply, serve

TEST_KEY = "mf-test-key-7f3a9c2e11d0"
ENV_KEY = "mf-env-key-41b8e0c6aa95"
ECHO_MODULE = {"audio": {"echo_speech": "tests.support.fake_providers:EchoSpeech"}}


def write_config(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def echo_config(server_url: str, **settings: Any) -> dict[str, Any]:
    return {
        "provider_modules": ECHO_MODULE,
        "providers": {"audio": {"echo_speech": {"base_url": server_url, **settings}}},
    }


@pytest.fixture
def healthy_server(mp3_bytes: bytes) -> Iterator[FakeServer]:
    def handler(request: Recorded) -> Reply:
        if request.headers.get("authorization") != f"Bearer {TEST_KEY}":
            return Reply.of_json({"error": f"invalid key {request.headers.get('authorization')}"}, status=401)
        if request.path == "/health":
            return Reply.of_json({"status": "ok"})
        return Reply(200, mp3_bytes, {"Content-Type": "audio/mpeg"})

    with serve(handler) as server:
        yield server


@pytest.fixture
def key_echoing_server() -> Iterator[FakeServer]:
    """Refuses every key and, like careless real APIs, quotes it back in the error body."""

    def handler(request: Recorded) -> Reply:
        key = request.headers.get("authorization", "").removeprefix("Bearer ")
        return Reply.of_json({"error": {"message": f"Incorrect API key provided: {key}", "key": key}}, status=401)

    with serve(handler) as server:
        yield server


def providers_json(config: Path, **kwargs: Any) -> dict[str, dict[str, Any]]:
    completed = run_cli("providers", "--config", config, "--json", **kwargs)
    assert completed.returncode == 0, completed.stderr
    return {row["name"]: row for row in json.loads(completed.stdout)["providers"]}


def test_providers_lists_every_known_provider_with_its_state(tmp_path: Path) -> None:
    config = write_config(tmp_path, echo_config("http://127.0.0.1:9", api_key=TEST_KEY))
    rows = providers_json(config)
    assert set(rows) >= {"espeak", "echo_speech"}
    espeak = rows["espeak"]
    assert (espeak["kind"], espeak["enabled"], espeak["configured"], espeak["needs_key"]) == (
        "audio",
        True,
        True,
        False,
    )
    assert espeak["status"] == "unknown", "no call has been made in this process"
    echo = rows["echo_speech"]
    assert (echo["enabled"], echo["configured"], echo["needs_key"], echo["builtin"]) == (True, True, True, False)


def test_providers_shows_a_missing_key_as_not_configured_naming_the_setting(tmp_path: Path) -> None:
    config = write_config(tmp_path, echo_config("http://127.0.0.1:9"))
    echo = providers_json(config)["echo_speech"]
    assert echo["configured"] is False
    assert "providers.audio.echo_speech.api_key" in echo["problem"]


def test_api_key_env_overrides_api_key_and_neither_is_printed(tmp_path: Path) -> None:
    config = write_config(tmp_path, echo_config("http://127.0.0.1:9", api_key_env="MF_TEST_KEY"))
    assert providers_json(config)["echo_speech"]["configured"] is False
    completed = run_cli("providers", "--config", config, "--json", env={"MF_TEST_KEY": ENV_KEY})
    assert json.loads(completed.stdout)["providers"]
    rows = {row["name"]: row for row in json.loads(completed.stdout)["providers"]}
    assert rows["echo_speech"]["configured"] is True
    assert ENV_KEY not in completed.stdout + completed.stderr


def test_providers_lists_a_disabled_provider_as_disabled(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"providers": {"audio": {"espeak": {"enabled": False}}}})
    espeak = providers_json(config)["espeak"]
    assert (espeak["enabled"], espeak["configured"], espeak["problem"]) == (False, True, "is disabled in the settings")


def test_providers_text_table(tmp_path: Path) -> None:
    completed = run_cli("providers")
    assert completed.returncode == 0
    header, *lines = completed.stdout.splitlines()
    assert header.split()[:5] == ["kind", "provider", "enabled", "configured", "status"]
    assert any(line.split()[:5] == ["audio", "espeak", "yes", "yes", "unknown"] for line in lines)


def test_a_provider_module_that_fails_to_import_is_listed_with_its_error(tmp_path: Path) -> None:
    modules = {
        "audio": {
            "echo_speech": "tests.support.fake_providers:EchoSpeech",
            "broken": "tests.support.broken_provider_module:Broken",
        }
    }
    config = write_config(tmp_path, {"provider_modules": modules})
    rows = providers_json(config)
    assert rows["broken"]["status"] == "unhealthy"
    assert "could not be loaded" in rows["broken"]["problem"]
    assert rows["espeak"]["configured"] and rows["echo_speech"]["needs_key"], "the others still load"


def test_check_reports_every_enabled_provider_and_exits_0_when_all_are_healthy(
    tmp_path: Path, healthy_server: FakeServer
) -> None:
    config = write_config(tmp_path, echo_config(healthy_server.url, api_key=TEST_KEY))
    completed = run_cli("check", "--config", config, "--json")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    checks = {c["provider"]: c for c in json.loads(completed.stdout)["checks"]}
    assert checks["espeak"]["ok"] and checks["echo_speech"]["ok"]
    assert checks["echo_speech"]["status"] == "healthy"
    assert checks["echo_speech"]["latency_s"] is not None
    assert [r.path for r in healthy_server.requests] == ["/health"]


def test_check_exits_1_when_an_enabled_provider_is_unhealthy(tmp_path: Path) -> None:
    with serve(lambda request: Reply.of_json({"error": "down"}, status=503)) as server:
        config = write_config(tmp_path, echo_config(server.url, api_key=TEST_KEY))
        completed = run_cli("check", "--config", config)
    assert completed.returncode == 1
    assert "BAD audio  echo_speech" in completed.stdout
    assert "HTTP 503" in completed.stdout
    assert "1 of 2 enabled providers are healthy" in completed.stdout


def test_check_fails_a_provider_without_its_key_without_calling_it(tmp_path: Path, healthy_server: FakeServer) -> None:
    config = write_config(tmp_path, echo_config(healthy_server.url))
    completed = run_cli("check", "--config", config, "--json")
    assert completed.returncode == 1
    checks = {c["provider"]: c for c in json.loads(completed.stdout)["checks"]}
    assert "api_key" in checks["echo_speech"]["message"]
    assert healthy_server.requests == []


def test_check_gives_up_on_a_server_that_hangs(tmp_path: Path) -> None:
    with serve(lambda request: Reply(delay_s=3)) as server:
        config = write_config(tmp_path, echo_config(server.url, api_key=TEST_KEY))
        completed = run_cli("check", "--config", config, "--json", "--timeout", "0.5")
    assert completed.returncode == 1
    checks = {c["provider"]: c for c in json.loads(completed.stdout)["checks"]}
    assert "no answer within 0.5 s" in checks["echo_speech"]["message"]
    assert checks["espeak"]["ok"]


def test_check_skips_disabled_providers(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"providers": {"audio": {"espeak": {"enabled": False}}}})
    completed = run_cli("check", "--config", config, "--json")
    assert completed.returncode == 0
    assert json.loads(completed.stdout)["checks"] == []


@pytest.mark.parametrize("command", ["providers", "check"])
def test_bad_config_exits_2_naming_the_key(tmp_path: Path, command: str) -> None:
    config = write_config(tmp_path, {"providers": {"audio": {"espeak": {"max_concurrency": 0}}}})
    completed = run_cli(command, "--config", config)
    assert completed.returncode == 2
    assert "providers.audio.espeak.max_concurrency" in completed.stderr


def test_no_key_reaches_any_output_even_when_the_server_echoes_it(
    tmp_path: Path, key_echoing_server: FakeServer
) -> None:
    collection = tmp_path / "profile" / "collection.anki2"
    build_sample_collection(collection)
    rules = [
        {**rule, "targets": [{**rule["targets"][0], "providers": ["echo_speech", "espeak"]}]} for rule in DEMO_RULES
    ]
    config = write_config(
        tmp_path, {**echo_config(key_echoing_server.url, api_key=TEST_KEY, api_key_env="MF_TEST_KEY"), "rules": rules}
    )
    log_file = tmp_path / "logs" / "media_fill.log"
    outputs: list[str] = []
    for env in ({}, {"MF_TEST_KEY": ENV_KEY}):  # the config's key, then the environment's
        completed = run_cli(
            "fill", "--collection", collection, "--search", "deck:*", "--config", config, "--json",
            "--verbose", "--log-file", log_file, env=env,
        )  # fmt: skip
        outputs += [completed.stdout, completed.stderr]
        report = json.loads(completed.stdout)
        assert report["failed"] == 0, "espeak, next in the chain, fills what the refused key could not"
        problem = report["provider_problems"]["echo_speech"]  # the user still learns the key was refused
        assert problem.startswith("stopped during the job: the server refused the key"), problem
        outputs.append(json.dumps(report))
        collection = tmp_path / "second" / "collection.anki2"
        build_sample_collection(collection)
    assert key_echoing_server.requests, "the provider really sent its key to the server"
    assert {r.headers["authorization"] for r in key_echoing_server.requests} == {
        f"Bearer {TEST_KEY}",
        f"Bearer {ENV_KEY}",
    }
    outputs.append(log_file.read_text(encoding="utf-8"))
    assert "Incorrect API key provided" in outputs[-1] or "refused the key" in outputs[-1], "the error was logged"
    for text in outputs:
        assert TEST_KEY not in text
        assert ENV_KEY not in text
    for line in outputs[-1].splitlines():
        assert " [" in line and "] " in line, f"every log line carries a trace id: {line!r}"
