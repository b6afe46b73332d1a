"""``python -m addon providers`` and ``check`` list and test the transcription providers (kind
``text``): all three are listed with what they lack, and ``check`` tests ``openai_stt`` pointed at a
local whisper.cpp-style server (the fake, no key) over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fakes.openai_stt_fake import serve_openai_stt
from tests.support.cli_runner import run_cli

TRANSCRIPTION = {"openai_stt", "google_stt", "yandex_stt"}


def test_providers_lists_the_transcription_providers_with_their_missing_keys(tmp_path: Path) -> None:
    completed = run_cli("providers", "--json")
    assert completed.returncode == 0, completed.stderr
    rows = {row["name"]: row for row in json.loads(completed.stdout)["providers"]}
    assert set(rows) >= TRANSCRIPTION
    for name in TRANSCRIPTION:
        assert rows[name]["kind"] == "text" and rows[name]["builtin"] is True
        assert rows[name]["enabled"] is False and rows[name]["configured"] is False
    switched_on = {"providers": {"text": {name: {"enabled": True} for name in TRANSCRIPTION}}}
    config = tmp_path / "config.json"
    config.write_text(json.dumps(switched_on), encoding="utf-8")
    completed = run_cli("providers", "--json", "--config", config)
    rows = {row["name"]: row for row in json.loads(completed.stdout)["providers"]}
    for name in TRANSCRIPTION:
        assert f"providers.text.{name}.api_key" in rows[name]["problem"]
    assert "providers.text.openai_stt.api_key" in rows["openai_stt"]["problem"]
    assert "whisper.cpp" in rows["openai_stt"]["problem"]
    table = run_cli("providers").stdout.splitlines()
    assert {line.split()[1] for line in table if line.startswith("text ")} == TRANSCRIPTION


def test_check_tests_a_local_transcription_server_without_a_key(tmp_path: Path) -> None:
    with serve_openai_stt(local=True) as server:
        server.transcript = ""
        config = tmp_path / "config.json"
        config.write_text(
            json.dumps(
                {
                    "providers": {
                        "audio": {"espeak": {"enabled": False}},
                        "text": {"openai_stt": {"enabled": True, "base_url": server.url}},
                    }
                }
            ),
            encoding="utf-8",
        )
        completed = run_cli("check", "--config", config, "--json")
        forms = server.transcription_forms()
    assert completed.returncode == 0, completed.stdout + completed.stderr
    (check,) = json.loads(completed.stdout)["checks"]
    assert (check["provider"], check["kind"], check["ok"]) == ("openai_stt", "text", True)
    assert [form.filename for form in forms] == ["audio.wav"]
