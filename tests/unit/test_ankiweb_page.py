"""docs/ankiweb.md, the add-on's AnkiWeb page: every picture it shows exists, and the versions and
providers it names are the ones the add-on has."""

from __future__ import annotations

import json
import re
from pathlib import Path

from addon.anki_version import MIN_POINT_VERSION, version_text
from addon.core.provider_system.catalog import BUILTIN_PROVIDERS

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "ankiweb.md"
# How the page names each built-in provider.
SHOWN_AS = {
    "espeak": "espeak-ng", "piper": "Piper", "forvo": "Forvo", "openai_tts": "OpenAI", "google_tts": "Google",
    "elevenlabs": "ElevenLabs", "azure_tts": "Azure", "yandex_tts": "Yandex", "openai": "OpenAI",
    "runware": "Runware", "sdwebui": "Stable Diffusion WebUI", "wikimedia": "Wikimedia Commons",
    "openverse": "Openverse", "openai_stt": "OpenAI, Google, Yandex transcription",
    "google_stt": "OpenAI, Google, Yandex transcription", "yandex_stt": "OpenAI, Google, Yandex transcription",
}  # fmt: skip


def test_every_picture_on_the_page_exists() -> None:
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", PAGE.read_text(encoding="utf-8"))
    assert len(pictures) >= 5
    assert [p for p in pictures if not (PAGE.parent / p).is_file()] == []


def test_the_page_states_the_supported_versions() -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert f"{version_text(MIN_POINT_VERSION)} and every later release" in text
    manifest = json.loads((REPO / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["min_point_version"] == MIN_POINT_VERSION


def test_every_provider_is_on_the_page_with_what_it_receives() -> None:
    text = PAGE.read_text(encoding="utf-8")
    privacy = text[text.index("**Privacy") :]
    names = [name for providers in BUILTIN_PROVIDERS.values() for name in providers]
    assert sorted(SHOWN_AS) == sorted(names)
    assert [name for name, shown in SHOWN_AS.items() if shown not in privacy] == []
