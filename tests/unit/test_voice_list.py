"""The voice catalogue's core (issue 21 item 1): `Voice`, the language filter, gender words, the list
kept per provider instance (and per registry: a settings change builds a new instance) with its
refresh, and the errors `voice_catalog.provider_voices` gives when there is nothing to list."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, ClassVar

import pytest

from addon.api import AudioProvider, Capabilities, HealthReport, MediaRequest, MediaResult, TransientError, Voice
from addon.core.base.errors import ConfigError, UnknownProviderError
from addon.core.media.types import MediaKind
from addon.core.media.voice_list import filter_voices, normal_gender, speaks
from addon.core.provider_system.catalog import ProviderCatalog
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.registry import ProviderRegistry
from addon.core.provider_system.voice_catalog import provider_voices, providers_with_voices


def voice(voice_id: str, *languages: str, gender: str = "") -> Voice:
    return Voice(voice_id, voice_id.title(), tuple(languages), gender, "test")


SPANISH = voice("spain", "es-ES")
MEXICAN = voice("mexico", "es-MX")
LATIN = voice("latin", "es-419")
GENERIC = voice("generic", "es")
GERMAN = voice("german", "de-DE")
ANY = voice("any")  # no languages: speaks every language
ALL = [SPANISH, MEXICAN, LATIN, GENERIC, GERMAN, ANY]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", [SPANISH, MEXICAN, LATIN, GENERIC, ANY]),
        ("ES", [SPANISH, MEXICAN, LATIN, GENERIC, ANY]),
        ("es-ES", [SPANISH, GENERIC, ANY]),
        ("es_es", [SPANISH, GENERIC, ANY]),
        (" es-mx ", [MEXICAN, GENERIC, ANY]),
        ("es-419", [LATIN, GENERIC, ANY]),
        ("e", [ANY]),  # a part of a subtag is not a match
        ("de", [GERMAN, ANY]),
        ("fr", [ANY]),
        ("", ALL),
        (None, ALL),
    ],
)
def test_the_language_filter_matches_whole_subtags_either_way_round(
    language: str | None, expected: list[Voice]
) -> None:
    assert filter_voices(ALL, language) == expected


def test_codes_vendors_spell_differently_are_the_same_language() -> None:
    assert speaks(voice("g", "cmn-CN"), "zh") and speaks(voice("g", "cmn-TW"), "zh-TW")
    assert not speaks(voice("g", "cmn-CN"), "zh-TW")
    assert speaks(voice("g", "yue-HK"), "zh")
    assert speaks(voice("g", "nb-NO"), "no") and speaks(voice("g", "no"), "nb-NO")
    assert speaks(voice("g", "he-IL"), "iw") and speaks(voice("g", "fil-PH"), "tl")


GENDER_WORDS = [
    ("FEMALE", "female"), ("Male", "male"), ("NEUTRAL", "neutral"), ("F", "female"), ("m", "male"),
    ("SSML_VOICE_GENDER_UNSPECIFIED", ""), (None, ""), ("", ""), ("robot", ""), (3, ""),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "gender"), GENDER_WORDS)
def test_gender_words_become_one_of_three_or_nothing(raw: object, gender: str) -> None:
    assert normal_gender(raw) == gender


def test_a_voice_as_json_has_the_documented_keys() -> None:
    sample = Voice("v1", "Vera", ("es-ES", "en-US"), "female", "test", sample_url="http://127.0.0.1/v1.mp3")
    assert sample.to_json() == {
        "id": "v1",
        "name": "Vera",
        "languages": ["es-ES", "en-US"],
        "gender": "female",
        "provider": "test",
        "sample_url": "http://127.0.0.1/v1.mp3",
    }


# --- the list kept per provider --------------------------------------------------------------------


class CountedVoices(AudioProvider):
    """A third-party provider built on addon.api, counting how often its list is fetched."""

    name = "counted_voices"
    description = "Voices that count their fetches."
    capabilities = Capabilities()
    settings_schema: ClassVar[dict[str, Any]] = {"style": {"type": "string"}}
    fetched: ClassVar[list[str]] = []
    failing: ClassVar[list[bool]] = []

    def fetch_voices(self) -> Sequence[Voice]:
        type(self).fetched.append(str(self.settings.get("style", "")))
        if type(self).failing:
            type(self).failing.pop()
            raise TransientError("the voice server did not answer", provider=self.name)
        return [voice("spain", "es-ES"), voice("german", "de-DE"), voice("spain", "es-ES")]

    def generate(self, request: MediaRequest) -> MediaResult:
        raise AssertionError("not used")

    def test_connection(self) -> HealthReport:
        return HealthReport(self.name, ok=True, latency_s=0.0)


class Voiceless(AudioProvider):
    name = "voiceless"
    description = "A provider without a voice list."

    def generate(self, request: MediaRequest) -> MediaResult:
        raise AssertionError("not used")

    def test_connection(self) -> HealthReport:
        return HealthReport(self.name, ok=True, latency_s=0.0)


@pytest.fixture
def registry() -> ProviderRegistry:
    CountedVoices.fetched.clear()
    CountedVoices.failing.clear()
    catalog = ProviderCatalog(third_party={MediaKind.AUDIO: {"counted_voices": CountedVoices, "voiceless": Voiceless}})
    return ProviderRegistry(load_config({}), catalog=catalog, environ={})


def test_the_list_is_fetched_once_per_provider_instance_and_again_on_refresh(registry: ProviderRegistry) -> None:
    assert [v.id for v in provider_voices(registry, "counted_voices")] == ["spain", "german"]  # each id once
    assert [v.id for v in provider_voices(registry, "counted_voices", language="es")] == ["spain"]
    assert [v.id for v in registry.get(MediaKind.AUDIO, "counted_voices").list_voices("de")] == ["german"]
    assert CountedVoices.fetched == [""]
    provider_voices(registry, "counted_voices", refresh=True)
    assert CountedVoices.fetched == ["", ""]


def test_a_settings_change_builds_a_new_provider_whose_list_is_fetched_afresh(registry: ProviderRegistry) -> None:
    provider_voices(registry, "counted_voices")
    registry.update_config({**registry.config, "providers": {"audio": {"counted_voices": {"style": "calm"}}}})
    provider_voices(registry, "counted_voices")
    assert CountedVoices.fetched == ["", "calm"]


def test_a_failure_is_raised_and_not_kept(registry: ProviderRegistry) -> None:
    CountedVoices.failing.append(True)
    with pytest.raises(TransientError):
        provider_voices(registry, "counted_voices")
    assert len(provider_voices(registry, "counted_voices")) == 2


def test_threads_asking_at_once_fetch_the_list_once(registry: ProviderRegistry) -> None:
    provider = registry.get(MediaKind.AUDIO, "counted_voices")
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(len(provider.list_voices()))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [2] * 8 and CountedVoices.fetched == [""]


def test_nothing_to_list_is_an_error_naming_the_providers_that_list_voices(registry: ProviderRegistry) -> None:
    listing = ["azure_tts", "counted_voices", "elevenlabs", "espeak", "google_tts", "openai_tts", "piper", "yandex_tts"]
    assert providers_with_voices(registry) == listing
    with pytest.raises(UnknownProviderError) as unknown:
        provider_voices(registry, "nosuch")
    assert "no sound provider named 'nosuch'; name one of: azure_tts, counted_voices" in unknown.value.message
    with pytest.raises(ConfigError) as voiceless:
        provider_voices(registry, "voiceless")
    assert str(voiceless.value).startswith("voiceless: has no voice list") and "google_tts" in voiceless.value.message
    with pytest.raises(ConfigError) as picture:
        provider_voices(registry, "wikimedia")
    assert "wikimedia makes pictures and has no voices; name a sound provider: azure_tts" in picture.value.message
    assert Voiceless({}).list_voices() == [] and not Voiceless.lists_voices()
