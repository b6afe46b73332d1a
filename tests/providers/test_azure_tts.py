"""The ``azure_tts`` audio provider against the fake Azure Speech REST API (tests/fakes/azure_tts_fake.py),
which serves the wire format of ../shared/provider_apis.md §7: what the provider sends (headers, SSML,
voice per language), the audio it gets back, every documented error, waits, timeouts and the
connection test."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import requests

from addon.core.base.errors import (
    AuthError,
    ConfigError,
    InvalidResponseError,
    NotFoundError,
    PermanentError,
    ProviderError,
    QuotaError,
    RateLimitError,
    TransientError,
)
from addon.core.config.schema import url_problem
from addon.core.engine.generation import generate_all
from addon.core.job.plan import WorkItem
from addon.core.media.checks import require_media
from addon.core.media.types import MediaKind, MediaRequest, MediaResult
from addon.core.provider_system.info import check_provider_class, slice_schema
from addon.providers.audio.azure_tts import (
    DEFAULT_VOICES,
    LANGUAGE_KEY_PATTERN,
    VOICE_NAME_PATTERN,
    AzureSpeech,
    voice_locale,
)
from tests.fakes.azure_tts_fake import (
    HTML_PAGE,
    KNOWN_VOICE_NAMES,
    SYNTHESIS_PATH,
    TEST_KEY,
    VOICES_PATH,
    AzureTTSFake,
    Failure,
    bad_request,
    forbidden,
    quota_exceeded,
    serve_azure_tts,
    server_error,
    too_many_requests,
    unsupported_media_type,
)
from tests.support.job_fakes import Backup, Lookup
from tests.support.media_samples import SNDFILE_OPUS
from tests.support.shipped import shipped_slice
from tests.support.target_voice import assert_keys_follow_the_voice, refused_target_voice, voiced

# The block proposed for config.json's providers.audio.azure_tts (checked against the schema below).
SHIPPED_BLOCK: dict[str, Any] = shipped_slice("audio", "azure_tts")
WRONG_KEY = "sk-test-wrong-azure-77c1e9"
WORD = "Guten Morgen"


@pytest.fixture(scope="module")
def server(mp3_bytes: bytes, wav_bytes: bytes) -> Iterator[AzureTTSFake]:
    """One fake for the module (real speech as MP3 and WAV), reset for each test."""
    with serve_azure_tts(mp3=mp3_bytes, wav=wav_bytes) as fake:
        yield fake


@pytest.fixture
def fake(server: AzureTTSFake) -> Iterator[AzureTTSFake]:
    server.reset()
    yield server
    server.reset()


def make(fake: AzureTTSFake, **changes: Any) -> AzureSpeech:
    settings = {
        **SHIPPED_BLOCK,
        "enabled": True,
        "api_key": TEST_KEY,
        "base_url": fake.url,
        "requests_per_minute": 6000,
        "retry_attempts": 0,
        **changes,
    }
    return AzureSpeech(settings, environ={})


def speech(text: str = WORD, language: str = "de") -> MediaRequest:
    return MediaRequest(kind=MediaKind.AUDIO, text=text, language=language)


def no_secrets(text: str) -> None:
    for secret in (TEST_KEY, WRONG_KEY):
        assert secret not in text


def generation_error(fake: AzureTTSFake, failure: Failure | None = None, **changes: Any) -> ProviderError:
    if failure is not None:
        fake.fail(failure)
    with pytest.raises(ProviderError) as caught:
        make(fake, **changes).generate(speech())
    no_secrets(str(caught.value))
    return caught.value


# --- the class and its shipped settings -----------------------------------------------------------------


def test_class_passes_the_registry_check_and_the_shipped_block_matches_its_schema() -> None:
    check_provider_class(AzureSpeech, kind=MediaKind.AUDIO, name="azure_tts", target="x:AzureSpeech")
    jsonschema.validate(SHIPPED_BLOCK, slice_schema(AzureSpeech))
    assert url_problem(SHIPPED_BLOCK["base_url"]) is None
    for bad in ({"region": "East US"}, {"output_format": "raw-24khz-16bit-mono-pcm"}, {"voices": {"en": "Jenny"}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**SHIPPED_BLOCK, **bad}, slice_schema(AzureSpeech))


def test_the_address_is_built_from_the_region_unless_base_url_replaces_it() -> None:
    def base(**changes: Any) -> str:
        return AzureSpeech({**SHIPPED_BLOCK, **changes}, environ={}).base_url

    assert base() == "https://eastus.tts.speech.microsoft.com"
    assert base(region="westeurope") == "https://westeurope.tts.speech.microsoft.com"
    assert base(base_url="") == "https://eastus.tts.speech.microsoft.com"  # empty: Azure's address
    assert base(base_url="https://proxy.example/azure/", region="") == "https://proxy.example/azure"
    assert base(region="") == ""


def test_setup_problems_name_the_key_and_the_region(fake: AzureTTSFake) -> None:
    no_key = make(fake, api_key="", api_key_env="AZURE_SPEECH_KEY")
    problem = no_key.setup_problem()
    assert problem is not None and "api_key" in problem and "AZURE_SPEECH_KEY" in problem
    no_region = AzureSpeech({**SHIPPED_BLOCK, "api_key": TEST_KEY, "region": ""}, environ={})
    problem = no_region.setup_problem()
    assert problem is not None and "providers.audio.azure_tts.region" in problem
    assert make(fake, region="").setup_problem() is None  # a base_url of its own needs no region
    report = no_key.test_connection()
    assert not report.ok and "api_key" in report.message
    assert fake.requests == []


def test_the_default_voices_are_real_azure_voices() -> None:
    for language, voice in DEFAULT_VOICES.items():
        assert re.match(LANGUAGE_KEY_PATTERN, language) and language == language.lower()
        assert re.match(VOICE_NAME_PATTERN, voice), voice
        assert voice in KNOWN_VOICE_NAMES, f"{voice} is not in Microsoft's voice table (the fake's copy)"


# --- success ---------------------------------------------------------------------------------------------


def test_sends_the_documented_request_and_returns_the_audio_as_sent(fake: AzureTTSFake, mp3_bytes: bytes) -> None:
    request = speech()
    result = make(fake).generate(request)

    assert result.ok and result.data == mp3_bytes
    assert (result.extension, result.mime_type, result.provider) == ("mp3", "audio/mpeg", "azure_tts")
    assert result.request == request
    require_media(MediaKind.AUDIO, result.data, extension=result.extension, provider="test")
    [sent] = fake.requests
    assert (sent.method, sent.path) == ("POST", SYNTHESIS_PATH)
    assert sent.headers["ocp-apim-subscription-key"] == TEST_KEY
    assert "authorization" not in sent.headers
    assert sent.headers["content-type"] == "application/ssml+xml"
    assert sent.headers["x-microsoft-outputformat"] == "audio-24khz-48kbitrate-mono-mp3"
    assert sent.headers["user-agent"].startswith("MediaFill/") and len(sent.headers["user-agent"]) < 255
    [synthesis] = fake.syntheses
    assert (synthesis.voice, synthesis.lang, synthesis.text) == ("de-DE-KatjaNeural", "de-DE", WORD)
    assert sent.body.decode("utf-8") == (
        '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="de-DE">'
        '<voice name="de-DE-KatjaNeural">Guten Morgen</voice></speak>'
    )


@pytest.mark.parametrize(
    ("language", "voice", "lang"),
    [
        ("en", "en-US-JennyNeural", "en-US"),
        ("", "en-US-JennyNeural", "en-US"),
        ("en-GB", "en-GB-SoniaNeural", "en-GB"),
        ("en-US", "en-US-JennyNeural", "en-US"),
        ("pt-BR", "pt-BR-FranciscaNeural", "pt-BR"),
        ("pt_PT", "pt-PT-RaquelNeural", "pt-PT"),
        ("es-CL", "es-ES-ElviraNeural", "es-ES"),  # no Chilean default: the language's voice
        ("zh-Hant-TW", "zh-TW-HsiaoChenNeural", "zh-TW"),
        ("JA", "ja-JP-NanamiNeural", "ja-JP"),
        ("sr-Latn", "sr-Latn-RS-SophieNeural", "sr-Latn-RS"),
    ],
)
def test_the_language_picks_the_voice_and_the_ssml_language(
    fake: AzureTTSFake, language: str, voice: str, lang: str
) -> None:
    make(fake).generate(speech("hello", language))
    [synthesis] = fake.syntheses
    assert (synthesis.voice, synthesis.lang, synthesis.text) == (voice, lang, "hello")


def test_the_users_voices_come_before_the_defaults_at_each_level(fake: AzureTTSFake) -> None:
    provider = make(fake, voices={"en": "en-US-GuyNeural", "de_DE": "de-DE-ConradNeural"})
    assert provider.voice_for("en") == "en-US-GuyNeural"
    assert provider.voice_for("en-US") == "en-US-GuyNeural"
    assert provider.voice_for("en-GB") == "en-GB-SoniaNeural"  # a default for en-GB is more specific
    assert provider.voice_for("de-DE") == "de-DE-ConradNeural"
    assert provider.voice_for("de") == "de-DE-KatjaNeural"
    provider.generate(speech("Hallo", "de-DE"))
    assert fake.syntheses[0].voice == "de-DE-ConradNeural"


def test_the_ssml_language_is_the_voices_locale() -> None:
    assert voice_locale("en-US-Ava:DragonHDLatestNeural") == "en-US"
    assert voice_locale("zh-CN-shaanxi-XiaoniNeural") == "zh-CN"
    assert voice_locale("sr-Latn-RS-SophieNeural") == "sr-Latn-RS"


def test_an_hd_voice_name_with_a_colon_is_sent_as_is(fake: AzureTTSFake) -> None:
    make(fake, voices={"en": "en-US-Ava:DragonHDLatestNeural"}).generate(speech("hello", "en"))
    [synthesis] = fake.syntheses
    assert (synthesis.voice, synthesis.lang) == ("en-US-Ava:DragonHDLatestNeural", "en-US")


@pytest.mark.parametrize(
    "text",
    [
        'Tom & Jerry\'s <b>"big"</b> day',
        "]]> & &amp; <!-- not a comment --> <?pi?> 5 > 3 < 4",
        "l'été « déjà » — 日本語 🎉",
    ],
)
def test_markup_characters_in_the_text_reach_the_service_as_text(fake: AzureTTSFake, text: str) -> None:
    make(fake).generate(speech(text, "fr"))
    [synthesis] = fake.syntheses  # the fake parsed the SSML with xml.etree
    assert synthesis.text == text
    body = fake.requests[0].body.decode("utf-8")
    inner = body.split('">', 2)[-1]
    assert "&amp;" in inner or "&" not in text
    assert "'" not in inner and '"' not in inner.split("</voice>")[0]


def test_characters_xml_cannot_carry_are_dropped(fake: AzureTTSFake) -> None:
    make(fake).generate(speech("a\x00b\x1fc\x0bd\ufffe", "en"))
    assert fake.syntheses[0].text == "abcd"


@pytest.mark.parametrize(
    ("output_format", "extension", "mime"),
    [
        ("riff-24khz-16bit-mono-pcm", "wav", "audio/wav"),
        ("ogg-24khz-16bit-mono-opus", "opus", "audio/ogg"),
        ("audio-48khz-192kbitrate-mono-mp3", "mp3", "audio/mpeg"),
    ],
)
def test_other_output_formats_keep_their_real_format(
    fake: AzureTTSFake, wav_bytes: bytes, mp3_bytes: bytes, output_format: str, extension: str, mime: str
) -> None:
    result = make(fake, output_format=output_format).generate(speech())
    assert (result.extension, result.mime_type) == (extension, mime)
    assert result.data == {"wav": wav_bytes, "opus": SNDFILE_OPUS, "mp3": mp3_bytes}[extension]
    assert fake.requests[0].headers["x-microsoft-outputformat"] == output_format


def test_the_extension_follows_the_bytes_not_the_format_asked_for(fake: AzureTTSFake, wav_bytes: bytes) -> None:
    fake.payload, fake.payload_type = wav_bytes, "audio/mpeg"
    result = make(fake).generate(speech())
    assert (result.data, result.extension, result.mime_type) == (wav_bytes, "wav", "audio/wav")


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (HTML_PAGE, "HTML page"),
        (b'{"statusCode": 200, "message": "ok"}' + b" " * 80, "JSON"),
        (b"\x00\x01" * 200, "not audio"),
    ],
)
def test_a_body_that_is_not_audio_is_rejected(fake: AzureTTSFake, payload: bytes, words: str) -> None:
    fake.payload = payload
    error = generation_error(fake)
    assert isinstance(error, InvalidResponseError)
    assert words in error.message


def test_empty_text_is_refused_before_any_request(fake: AzureTTSFake) -> None:
    with pytest.raises(PermanentError, match="no text"):
        make(fake).generate(speech(" \x00 "))
    assert fake.requests == []


def test_a_language_without_a_voice_is_not_found_and_says_what_to_add(fake: AzureTTSFake) -> None:
    with pytest.raises(NotFoundError) as caught:
        make(fake).generate(speech("kia ora", "mi"))
    assert "providers.audio.azure_tts.voices" in caught.value.message and "'mi'" in caught.value.message
    assert not caught.value.provider_wide
    assert fake.requests == []


# --- errors ----------------------------------------------------------------------------------------------


def test_an_unknown_voice_fails_this_request_and_names_the_voices_setting(fake: AzureTTSFake) -> None:
    fake.voices.discard("de-DE-KatjaNeural")  # a region without this voice: 400, empty body [OBS]
    error = generation_error(fake)
    assert type(error) is PermanentError and not error.provider_wide
    assert "de-DE-KatjaNeural" in error.message and "providers.audio.azure_tts.voices" in error.message
    assert "400" in error.message


def test_a_refused_key_is_an_auth_error_naming_key_and_region(fake: AzureTTSFake) -> None:
    error = generation_error(fake, api_key=WRONG_KEY)
    assert isinstance(error, AuthError) and error.provider_wide
    assert "401" in error.message and "api_key" in error.message and ".region" in error.message
    assert "invalid subscription key" in error.message  # the server's words
    assert fake.requests[0].headers["ocp-apim-subscription-key"] == WRONG_KEY


def test_a_spent_free_quota_is_a_quota_error(fake: AzureTTSFake) -> None:
    error = generation_error(fake, quota_exceeded())
    assert isinstance(error, QuotaError) and not isinstance(error, TransientError)
    assert "403" in error.message and "replenished" in error.message and "S0" in error.message


def test_a_403_from_network_rules_is_an_auth_error(fake: AzureTTSFake) -> None:
    error = generation_error(fake, forbidden())
    assert isinstance(error, AuthError) and not isinstance(error, QuotaError)
    assert "Firewall" in error.message


def test_a_rate_limit_carries_the_servers_wait(fake: AzureTTSFake) -> None:
    error = generation_error(fake, too_many_requests(retry_after="7"))
    assert isinstance(error, RateLimitError) and error.retry_after == 7.0
    assert "requests_per_minute" in error.message


def test_a_rate_limit_without_retry_after_has_no_wait(fake: AzureTTSFake) -> None:
    error = generation_error(fake, too_many_requests(retry_after=None))
    assert isinstance(error, RateLimitError) and error.retry_after is None


def test_a_415_is_permanent(fake: AzureTTSFake) -> None:
    error = generation_error(fake, unsupported_media_type())
    assert type(error) is PermanentError and "415" in error.message


def test_a_base_url_with_a_wrong_path_is_a_config_error(fake: AzureTTSFake) -> None:
    error = generation_error(fake, base_url=fake.url + "/speech")
    assert isinstance(error, ConfigError) and "base_url" in error.message


# --- through the engine ----------------------------------------------------------------------------------


def run_engine(
    *providers: Any, texts: tuple[str, ...] = (WORD,), language: str = "de", names: tuple[str, ...] = ("azure_tts",)
) -> tuple[list[MediaResult], list[float]]:
    waits: list[float] = []
    work = [WorkItem(speech(text, language), names) for text in texts]
    outcome = generate_all(work, providers=Lookup(*providers), cancel=threading.Event(), retry_sleep=waits.append)
    return [outcome.results[item.key] for item in work], waits


def test_a_429_with_retry_after_is_waited_out_then_succeeds(fake: AzureTTSFake, mp3_bytes: bytes) -> None:
    fake.fail(too_many_requests(retry_after="2"))
    [result], waits = run_engine(make(fake, retry_attempts=2))
    assert result.ok and result.data == mp3_bytes and result.attempts == 2
    assert waits == [2.0]
    assert len(fake.synthesis_requests()) == 2


def test_server_errors_are_retried_then_succeed(fake: AzureTTSFake) -> None:
    fake.fail(server_error(503), times=2)
    [result], waits = run_engine(make(fake, retry_attempts=2))
    assert result.ok and result.attempts == 3 and len(waits) == 2


def test_a_spent_quota_is_never_retried_and_stops_the_provider(fake: AzureTTSFake) -> None:
    fake.fail_always(quota_exceeded())
    results, waits = run_engine(make(fake, retry_attempts=3, max_concurrency=1), texts=("eins", "zwei", "drei"))
    assert all(isinstance(r.error, QuotaError) for r in results)
    assert waits == []
    assert len(fake.synthesis_requests()) == 1


def test_a_language_without_a_voice_falls_back_to_the_next_provider(fake: AzureTTSFake) -> None:
    [result], waits = run_engine(make(fake), Backup(), language="mi", names=("azure_tts", "backup"))
    assert result.ok and result.provider == "backup"
    assert waits == [] and fake.requests == []


def test_several_requests_on_worker_threads_all_succeed(fake: AzureTTSFake) -> None:
    results, _ = run_engine(make(fake, max_concurrency=2), texts=("eins", "zwei", "drei", "vier"))
    assert all(r.ok for r in results)
    assert sorted(s.text for s in fake.syntheses) == ["drei", "eins", "vier", "zwei"]


# --- test_connection ---------------------------------------------------------------------------------------


def test_connection_lists_the_voices_with_the_key(fake: AzureTTSFake) -> None:
    report = make(fake, voices={"en": "en-US-GuyNeural"}).test_connection()
    assert report.ok and "voices" in report.message
    [sent] = fake.requests
    assert (sent.method, sent.path) == ("GET", VOICES_PATH)
    assert sent.headers["ocp-apim-subscription-key"] == TEST_KEY
    assert fake.syntheses == []  # nothing was synthesized (or paid for)


def test_connection_with_a_bad_key_is_unhealthy_and_names_key_and_region(fake: AzureTTSFake) -> None:
    report = make(fake, api_key=WRONG_KEY).test_connection()
    assert not report.ok and "401" in report.message and "api_key" in report.message and "region" in report.message
    no_secrets(report.message)


def test_connection_with_a_voice_the_region_lacks_is_unhealthy(fake: AzureTTSFake) -> None:
    report = make(fake, voices={"en": "en-US-NoSuchNeural", "de": "de-DE-KatjaNeural"}).test_connection()
    assert not report.ok
    assert "en-US-NoSuchNeural" in report.message and "de-DE-KatjaNeural" not in report.message
    assert "providers.audio.azure_tts.voices" in report.message


def test_connection_with_a_spent_quota_is_unhealthy(fake: AzureTTSFake) -> None:
    fake.fail(quota_exceeded(), on="voices")
    report = make(fake).test_connection()
    assert not report.ok and "quota" in report.message


def test_connection_to_a_server_that_is_down_is_unhealthy() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = AzureSpeech(
        {**SHIPPED_BLOCK, "api_key": TEST_KEY, "base_url": f"http://127.0.0.1:{port}", "timeout_s": 2}, environ={}
    )
    report = provider.test_connection()
    assert not report.ok and "cannot reach" in report.message


# --- the fake itself rejects what the real API rejects --------------------------------------------------


def post(fake: AzureTTSFake, body: bytes, **headers: str) -> requests.Response:
    sent = {
        "Ocp-Apim-Subscription-Key": TEST_KEY,
        "Content-Type": "application/ssml+xml",
        "X-Microsoft-OutputFormat": "audio-24khz-48kbitrate-mono-mp3",
        **{name.replace("_", "-"): value for name, value in headers.items()},
    }
    return requests.post(fake.url + SYNTHESIS_PATH, data=body, headers=sent, timeout=5)


NS = b'xmlns="http://www.w3.org/2001/10/synthesis"'
GOOD_SSML = b'<speak version="1.0" ' + NS + b' xml:lang="en-US"><voice name="en-US-JennyNeural">hi</voice></speak>'


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (GOOD_SSML, {}, 200),
        (GOOD_SSML, {"X_Microsoft_OutputFormat": "mp3"}, 400),
        (GOOD_SSML, {"Content_Type": "text/plain"}, 415),
        (GOOD_SSML, {"User_Agent": "x" * 300}, 400),
        (GOOD_SSML.replace(b">hi<", b">a & b<"), {}, 400),
        (GOOD_SSML.replace(b"JennyNeural", b"Nobody"), {}, 400),
        (GOOD_SSML.replace(b' xml:lang="en-US"', b""), {}, 400),
        (GOOD_SSML.replace(b" " + NS, b""), {}, 400),  # no W3C synthesis namespace
        (GOOD_SSML.replace(b"2001/10/synthesis", b"2001/10/other"), {}, 400),
        (GOOD_SSML, {"Ocp_Apim_Subscription_Key": WRONG_KEY}, 401),
    ],
)
def test_the_fake_rejects_what_the_api_rejects(
    fake: AzureTTSFake, body: bytes, headers: dict[str, str], status: int
) -> None:
    response = post(fake, body, **headers)
    assert response.status_code == status
    if status == 400:
        assert response.content == b""  # [OBS] Azure's 400 has no body
    if status == 401:
        assert response.json()["statusCode"] == 401


def test_the_fakes_voice_list_has_the_documented_fields(fake: AzureTTSFake) -> None:
    response = requests.get(fake.url + VOICES_PATH, headers={"Ocp-Apim-Subscription-Key": TEST_KEY}, timeout=5)
    voices = response.json()
    jenny = next(v for v in voices if v["ShortName"] == "en-US-JennyNeural")
    assert {"Name", "DisplayName", "LocalName", "ShortName", "Gender", "Locale", "LocaleName"} <= set(jenny)
    assert jenny["Locale"] == "en-US" and jenny["Name"].endswith("(en-US, JennyNeural)")
    assert requests.get(fake.url + VOICES_PATH, timeout=5).status_code == 401


def test_the_fake_answers_a_failure_then_recovers(fake: AzureTTSFake) -> None:
    fake.fail(bad_request())
    assert post(fake, GOOD_SSML).status_code == 400
    assert post(fake, GOOD_SSML).status_code == 200


# --- the target's voice (options["voice"]) ----------------------------------------------------------------


def test_the_targets_voice_comes_before_the_voices_setting_and_the_defaults(fake: AzureTTSFake) -> None:
    provider = make(fake, voices={"de": "de-DE-ConradNeural"})
    provider.generate(voiced(speech(), azure_tts="es-ES-AlvaroNeural"))
    provider.generate(voiced(speech(), google_tts="de-DE-Wavenet-B", openai_tts="nova"))  # not ours
    provider.generate(voiced(speech(language="fr"), azure_tts=" de-DE-KatjaNeural "))
    provider.generate(speech(language="fr"))
    assert [(s.voice, s.lang) for s in fake.syntheses] == [
        ("es-ES-AlvaroNeural", "es-ES"),  # the SSML's language is the voice's
        ("de-DE-ConradNeural", "de-DE"),
        ("de-DE-KatjaNeural", "de-DE"),
        ("fr-FR-DeniseNeural", "fr-FR"),
    ]
    assert_keys_follow_the_voice(speech(), "azure_tts", "es-ES-AlvaroNeural", "de-DE-ConradNeural")


def test_a_target_voice_the_region_has_not_fails_that_request_naming_the_targets_voice(fake: AzureTTSFake) -> None:
    provider = make(fake, voices={"de": "de-DE-ConradNeural"})
    error = refused_target_voice(provider, voiced(speech(), azure_tts="de-DE-NoSuchNeural"))
    assert "'de-DE-NoSuchNeural'" in error.message
    assert "providers.audio.azure_tts.voices" not in error.message
    assert provider.generate(speech()).ok


def test_a_target_voice_that_is_not_an_azure_voice_name_is_refused_before_anything_is_sent(
    fake: AzureTTSFake,
) -> None:
    refused_target_voice(make(fake), voiced(speech(), azure_tts='x"/><voice name="en-US-GuyNeural'))
    assert fake.requests == []
