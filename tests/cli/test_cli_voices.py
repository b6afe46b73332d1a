"""``python -m addon voices PROVIDER [--language LANG] [--json]`` as a real subprocess (issue 21 item
1): the JSON list and the table, from the Google fake over loopback, the real espeak-ng and
Yandex's documented list; and the errors that name the fix (an unknown provider, a picture
provider, one without voices, a missing key, a refused key)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.google_tts_fake import TEST_KEY, GoogleTTSFake, serve_google_tts
from tests.support.cli_runner import run_cli


@pytest.fixture(scope="module")
def google() -> Iterator[GoogleTTSFake]:
    with serve_google_tts() as fake:
        yield fake


def google_config(tmp_path: Path, fake: GoogleTTSFake, **settings: Any) -> Path:
    path = tmp_path / "config.json"
    slice_ = {"api_key": TEST_KEY, "base_url": fake.url, **settings}
    path.write_text(json.dumps({"providers": {"audio": {"google_tts": slice_}}}), encoding="utf-8")
    return path


def test_json_lists_the_voices_of_a_language_as_objects(google: GoogleTTSFake, tmp_path: Path) -> None:
    done = run_cli("voices", "google_tts", "--language", "de", "--json", "--config", google_config(tmp_path, google))
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert [(v["id"], v["name"], v["languages"], v["gender"]) for v in listed] == [
        ("de-DE-Standard-A", "de-DE-Standard-A", ["de-DE"], "female"),
        ("de-DE-Wavenet-B", "de-DE-Wavenet-B", ["de-DE"], "male"),
    ]
    assert all(v["provider"] == "google_tts" and v["sample_url"] is None for v in listed)
    assert TEST_KEY not in done.stdout + done.stderr


def test_text_lists_one_voice_a_line_with_a_count(tmp_path: Path) -> None:
    done = run_cli("voices", "espeak", "--language", "de")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["id", "gender", "languages", "name"]
    german = [line.split() for line in lines if line.startswith("de ")]
    assert german == [["de", "male", "de", "German"]]  # id, gender, languages, name
    assert lines[-1] == f"{len(lines) - 2} voices of espeak that speak 'de'; a target's voice takes the id."
    openai = run_cli("voices", "openai_tts", "--language", "ja")  # a documented list: no key needed
    assert openai.returncode == 0, openai.stderr
    assert ["nova", "-", "any", "Nova"] in [line.split() for line in openai.stdout.splitlines()]


def test_no_voice_of_the_language_is_said_not_an_error() -> None:
    text = run_cli("voices", "yandex_tts", "--language", "fr")
    assert text.returncode == 0, text.stderr
    assert text.stdout.strip() == (
        "yandex_tts has no voices that speak 'fr'; try the language alone (e.g. 'es' for 'es-MX') "
        "or leave --language out."
    )
    as_json = run_cli("voices", "yandex_tts", "--language", "fr", "--json")
    assert as_json.returncode == 0 and json.loads(as_json.stdout) == []


@pytest.mark.parametrize(
    ("provider", "said"),
    [
        ("nosuch", "media-fill: there is no sound provider named 'nosuch'; name one of: azure_tts, elevenlabs, "),
        ("forvo", "media-fill: forvo: has no voice list to show; name a sound provider that lists its voices: "),
        ("wikimedia", "media-fill: wikimedia makes pictures and has no voices; name a sound provider: azure_tts"),
        ("elevenlabs", "media-fill: elevenlabs: needs an API key: set providers.audio.elevenlabs.api_key"),
    ],
)
def test_nothing_to_list_exits_2_naming_the_fix(provider: str, said: str) -> None:
    done = run_cli("voices", provider)
    assert done.returncode == 2
    assert done.stderr.startswith(said), done.stderr
    assert done.stdout == ""


def test_a_refused_key_exits_1_with_the_services_reason(google: GoogleTTSFake, tmp_path: Path) -> None:
    config = google_config(tmp_path, google, api_key="sk-test-google-wrong-5e0c21aa97d3")
    done = run_cli("voices", "google_tts", "--config", config)
    assert done.returncode == 1
    assert done.stderr.startswith("media-fill: could not list the voices: google_tts: ")
    assert "api_key" in done.stderr and "sk-test-google-wrong" not in done.stderr
