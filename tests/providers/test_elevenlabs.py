"""The ``elevenlabs`` audio provider against the fake ElevenLabs API (tests/fakes/elevenlabs_fake.py), which
serves the wire format of ../shared/provider_apis.md §5: what the provider sends, the audio it returns,
every documented error, waits, timeouts and the connection test."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
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
from addon.core.engine.generation import generate_all
from addon.core.job.plan import WorkItem
from addon.core.media.checks import require_media
from addon.core.media.types import MediaKind, MediaRequest, MediaResult
from addon.core.provider_system.info import check_provider_class, slice_schema
from addon.core.provider_system.media_provider import MediaProvider
from addon.providers.audio.elevenlabs import HIGHER_PLAN_FORMATS, ElevenLabsSpeech
from tests.fakes.elevenlabs_fake import (
    GEORGE,
    HTML_PAGE,
    TEST_KEY,
    ElevenLabsFake,
    Failure,
    quota_exceeded,
    serve_elevenlabs,
    server_error,
    system_busy,
    too_many_concurrent_requests,
    validation_error,
)
from tests.fakes.elevenlabs_fake import OUTPUT_FORMATS as FAKE_OUTPUT_FORMATS
from tests.support.job_fakes import Backup, Lookup
from tests.support.media_samples import silent_wav
from tests.support.shipped import shipped_slice
from tests.support.target_voice import assert_keys_follow_the_voice, refused_target_voice, voiced

# The block proposed for config.json's providers.audio.elevenlabs (checked against the schema below).
SHIPPED_BLOCK: dict[str, Any] = shipped_slice("audio", "elevenlabs")
RACHEL = "21m00Tcm4TlvDq8ikWAM"
ADAM = "pNInz6obpgDQGcFmaJgB"
WRONG_KEY = "sk-test-wrong-e4a1c9d07b52"
TTS = f"/v1/text-to-speech/{GEORGE}"
SECRETS = (TEST_KEY, WRONG_KEY)
CONFIG_MD = Path(__file__).resolve().parents[2] / "config.md"


@pytest.fixture(scope="module")
def server(mp3_bytes: bytes) -> Iterator[ElevenLabsFake]:
    """One fake for the module serving real speech (lame-encoded espeak), reset for each test."""
    with serve_elevenlabs(audio={"mp3": mp3_bytes}) as fake:
        yield fake


@pytest.fixture
def fake(server: ElevenLabsFake) -> Iterator[ElevenLabsFake]:
    server.reset()
    yield server
    server.reset()


def make(fake: ElevenLabsFake, **changes: Any) -> ElevenLabsSpeech:
    settings = {
        **SHIPPED_BLOCK,
        "enabled": True,
        "api_key": TEST_KEY,
        "base_url": fake.url,
        "requests_per_minute": 6000,
        "retry_attempts": 0,
        **changes,
    }
    return ElevenLabsSpeech(settings, environ={})


def speech(text: str = "la manzana", language: str = "es") -> MediaRequest:
    return MediaRequest(kind=MediaKind.AUDIO, text=text, language=language)


def generation_error(
    fake: ElevenLabsFake, failure: Failure | None = None, *, request: MediaRequest | None = None, **changes: Any
) -> ProviderError:
    if failure is not None:
        fake.fail(failure)
    with pytest.raises(ProviderError) as caught:
        make(fake, **changes).generate(request or speech())
    error = caught.value
    for secret in SECRETS:
        assert secret not in str(error)
    return error


# --- the class and its shipped settings -----------------------------------------------------------------


def test_class_passes_the_registry_check_and_the_shipped_block_matches_its_schema() -> None:
    check_provider_class(ElevenLabsSpeech, kind=MediaKind.AUDIO, name="elevenlabs", target="x:ElevenLabsSpeech")
    schema = slice_schema(ElevenLabsSpeech)
    jsonschema.validate(SHIPPED_BLOCK, schema)
    jsonschema.validate({**SHIPPED_BLOCK, "voices": {"pt-BR": RACHEL, "ja": ADAM}}, schema)
    for bad in ({"output_format": "pcm_44100"}, {"stability": 1.5}, {"voices": {"en": "not a voice!"}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**SHIPPED_BLOCK, **bad}, schema)
    provider = ElevenLabsSpeech({}, environ={})  # fallbacks when the slice is empty
    assert provider.base_url == "https://api.elevenlabs.io"
    assert provider.request_body("x", language="en") == {
        "text": "x",
        "model_id": "eleven_multilingual_v2",
        "voice_settings": {"stability": 0.5, "similarity_boost": 0.75, "speed": 1.0},
    }
    assert provider.voice_for("en").voice_id == GEORGE


def test_without_a_key_it_names_the_setting_and_sends_nothing(fake: ElevenLabsFake) -> None:
    provider = make(fake, api_key="", api_key_env="ELEVENLABS_API_KEY")
    problem = provider.setup_problem()
    assert problem is not None and "api_key" in problem and "ELEVENLABS_API_KEY" in problem
    report = provider.test_connection()
    assert not report.ok and "api_key" in report.message
    assert fake.requests == []


def test_the_key_may_come_from_the_environment(fake: ElevenLabsFake) -> None:
    settings = {**SHIPPED_BLOCK, "base_url": fake.url, "api_key_env": "EL_KEY"}
    provider = ElevenLabsSpeech(settings, environ={"EL_KEY": TEST_KEY})
    assert provider.generate(speech()).ok
    assert fake.requests[0].headers["xi-api-key"] == TEST_KEY


# --- success ---------------------------------------------------------------------------------------------


def test_it_sends_the_documented_request_and_returns_the_real_mp3(fake: ElevenLabsFake, mp3_bytes: bytes) -> None:
    request = speech("la manzana", "es")
    result = make(fake).generate(request)

    assert result.ok and result.data == mp3_bytes
    assert (result.extension, result.mime_type, result.provider) == ("mp3", "audio/mpeg", "elevenlabs")
    assert result.request == request
    require_media(MediaKind.AUDIO, result.data, extension=result.extension, provider="test")
    [sent] = fake.requests
    assert (sent.method, sent.path) == ("POST", TTS)
    assert sent.query == {"output_format": ["mp3_44100_128"]}
    assert sent.headers["xi-api-key"] == TEST_KEY
    assert "authorization" not in sent.headers
    assert sent.headers["content-type"] == "application/json"
    # multilingual v2 finds the language itself: no language_code (§5.3)
    assert sent.json() == {
        "text": "la manzana",
        "model_id": "eleven_multilingual_v2",
        "voice_settings": {"stability": 0.5, "similarity_boost": 0.75, "speed": 1.0},
    }


def test_the_text_is_sent_trimmed(fake: ElevenLabsFake) -> None:
    make(fake).generate(speech("  der Apfel \n", "de"))
    assert fake.requests[0].json()["text"] == "der Apfel"


@pytest.mark.parametrize(
    ("language", "voice"),
    [
        ("pt-BR", RACHEL),  # the whole tag wins
        ("pt_br", RACHEL),  # any case, "_" or "-"
        ("pt-PT", ADAM),  # then the language
        ("pt", ADAM),
        ("ja", GEORGE),  # no entry: voice_id
        ("", GEORGE),
    ],
)
def test_the_voice_follows_the_language(fake: ElevenLabsFake, language: str, voice: str) -> None:
    provider = make(fake, voices={"pt-BR": RACHEL, "pt": ADAM})
    assert provider.generate(speech("maçã", language)).ok
    assert fake.requests[0].path == f"/v1/text-to-speech/{voice}"


def test_voice_id_setting_replaces_the_default_voice(fake: ElevenLabsFake) -> None:
    make(fake, voice_id=ADAM).generate(speech())
    assert fake.requests[0].path == f"/v1/text-to-speech/{ADAM}"


@pytest.mark.parametrize(
    ("model", "language", "code"),
    [
        ("eleven_flash_v2_5", "pt-BR", "pt"),
        ("eleven_turbo_v2_5", "ES", "es"),
        ("eleven_flash_v2_5", "", None),
        ("eleven_flash_v2_5", "fil", None),  # not ISO 639-1
        ("eleven_multilingual_v2", "pt-BR", None),
        # only Turbo/Flash v2.5 take it (the API reference); the others answer an error to it
        ("eleven_v3", "pt-BR", None),
        ("eleven_turbo_v2", "en", None),
        ("eleven_flash_v2", "en", None),
        ("eleven_multilingual_v1", "de", None),
    ],
)
def test_language_code_is_sent_to_models_that_use_it(
    fake: ElevenLabsFake, model: str, language: str, code: str | None
) -> None:
    make(fake, model_id=model, stability=0.3, similarity_boost=0.9, speed=0.8).generate(speech("maçã", language))
    body = fake.requests[0].json()
    assert body.get("language_code") == code
    assert body["model_id"] == model
    assert body["voice_settings"] == {"stability": 0.3, "similarity_boost": 0.9, "speed": 0.8}


def test_the_fake_refuses_language_code_for_a_model_that_does_not_take_it(fake: ElevenLabsFake) -> None:
    refused = post(fake, {"text": "hola", "model_id": "eleven_v3", "language_code": "es"})
    assert refused.status_code == 400 and "language_code" in refused.json()["detail"]["message"]
    assert post(fake, {"text": "hola", "model_id": "eleven_flash_v2_5", "language_code": "es"}).status_code == 200


def test_only_output_formats_the_api_lists_are_offered_and_higher_plans_are_named() -> None:
    offered = set(slice_schema(ElevenLabsSpeech)["properties"]["output_format"]["enum"])
    assert offered and offered <= FAKE_OUTPUT_FORMATS  # the API's own list
    assert set(HIGHER_PLAN_FORMATS) <= offered
    assert HIGHER_PLAN_FORMATS == {"mp3_44100_192": "Creator", "wav_44100": "Pro"}
    with open(CONFIG_MD, encoding="utf-8") as file:
        row = next(line for line in file if line.startswith("| `output_format` | `mp3_<rate>_<kbps>`"))
    assert "`mp3_44100_192`" in row and "Creator" in row and "`wav_44100`" in row and "Pro" in row


def test_a_format_refused_for_the_plan_names_the_plan_it_needs(fake: ElevenLabsFake) -> None:
    refusal = validation_error((["query", "output_format"], "not available on your subscription", "value_error"))
    error = generation_error(fake, refusal, output_format="mp3_44100_192")
    assert isinstance(error, ConfigError)
    assert "providers.audio.elevenlabs.output_format" in error.message and "Creator plan" in error.message
    plain = generation_error(fake, refusal, output_format="mp3_44100_64")
    assert "plan" not in plain.message


@pytest.mark.contract_exempt(
    "wav_22050 is newer than the vendored document (2025-08-25); the current API lists it (specs/SOURCES.md)"
)
def test_a_wav_format_is_asked_for_and_returned_as_wav(fake: ElevenLabsFake) -> None:
    result = make(fake, output_format="wav_22050").generate(speech())
    assert fake.requests[0].query == {"output_format": ["wav_22050"]}
    assert (result.extension, result.mime_type) == ("wav", "audio/wav")
    assert result.data is not None and result.data[:4] == b"RIFF"


def test_the_extension_follows_the_real_bytes_not_the_format_asked_for(fake: ElevenLabsFake) -> None:
    fake.audio["mp3"] = silent_wav()  # asked for MP3, served WAV
    result = make(fake).generate(speech())
    assert (result.data, result.extension, result.mime_type) == (silent_wav(), "wav", "audio/wav")


@pytest.mark.parametrize("payload", [HTML_PAGE, b'{"detail": {"status": "ok", "message": "not audio"}}' * 3])
def test_bytes_that_are_not_audio_are_rejected(fake: ElevenLabsFake, payload: bytes) -> None:
    fake.payload = payload
    error = generation_error(fake)
    assert isinstance(error, InvalidResponseError)
    assert "not audio" in error.message


@pytest.mark.parametrize("text", ["", "   ", "…!?", "—"])
def test_a_text_with_nothing_to_say_is_not_found_and_costs_nothing(fake: ElevenLabsFake, text: str) -> None:
    error = generation_error(fake, request=speech(text))
    assert isinstance(error, NotFoundError)
    assert fake.requests == []


# --- errors ----------------------------------------------------------------------------------------------


def test_a_refused_key_is_an_auth_error_naming_the_setting(fake: ElevenLabsFake) -> None:
    error = generation_error(fake, api_key=WRONG_KEY)
    assert isinstance(error, AuthError) and error.provider_wide
    assert "401" in error.message and "api_key" in error.message and "Invalid API key" in error.message
    assert fake.requests[0].headers["xi-api-key"] == WRONG_KEY


def test_spent_credits_are_a_quota_error_not_a_transient_one(fake: ElevenLabsFake) -> None:
    fake.credits = 5
    error = generation_error(fake, request=speech("la manzana roja"))
    assert isinstance(error, QuotaError) and not isinstance(error, TransientError)
    assert error.provider_wide
    assert "You have 5 credits remaining, while 15 credits are required" in error.message
    assert "subscription" in error.message


def test_a_key_without_the_speech_permission_says_which_permission(fake: ElevenLabsFake) -> None:
    fake.restricted.add("tts")
    error = generation_error(fake)
    assert isinstance(error, AuthError) and not isinstance(error, QuotaError)
    assert "Text to Speech" in error.message and "text_to_speech" in error.message


@pytest.mark.parametrize(
    ("failure", "wait", "advice"),
    [
        (too_many_concurrent_requests(retry_after="3"), 3.0, "max_concurrency"),
        (too_many_concurrent_requests(), None, "max_concurrency"),
        (system_busy(retry_after="7"), 7.0, "heavy volume"),
    ],
)
def test_a_429_is_a_rate_limit_error_with_the_servers_wait(
    fake: ElevenLabsFake, failure: Failure, wait: float | None, advice: str
) -> None:
    error = generation_error(fake, failure)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == wait
    assert "429" in error.message and advice in error.message


def test_a_validation_error_on_the_text_fails_this_request_with_the_field_message(fake: ElevenLabsFake) -> None:
    error = generation_error(fake, validation_error((["body", "text"], "field required", "value_error.missing")))
    assert type(error) is PermanentError
    assert "422" in error.message and "body.text: field required" in error.message


@pytest.mark.contract_exempt(
    "an output_format the API does not have, on purpose: the provider must turn the 422 into a ConfigError"
)
def test_a_validation_error_on_a_setting_is_a_config_error_naming_it(fake: ElevenLabsFake) -> None:
    error = generation_error(fake, output_format="mp3_44100_999")  # the fake really rejects it
    assert isinstance(error, ConfigError) and isinstance(error, PermanentError)
    assert "query.output_format: value is not a valid enumeration member" in error.message
    assert "providers.audio.elevenlabs.output_format" in error.message


def test_voice_settings_out_of_range_name_the_setting(fake: ElevenLabsFake) -> None:
    error = generation_error(fake, stability=1.5)
    assert isinstance(error, ConfigError)
    assert "body.voice_settings.stability" in error.message and ".stability" in error.message


def test_a_text_over_the_models_limit_fails_this_text_only(fake: ElevenLabsFake) -> None:
    error = generation_error(fake, request=speech("a" * 10_001))
    assert type(error) is PermanentError and not error.provider_wide
    assert "400" in error.message and "exceeds the character limit of 10000" in error.message


def test_an_unknown_model_is_a_config_error_naming_model_id(fake: ElevenLabsFake) -> None:
    error = generation_error(fake, model_id="eleven_monolingual_v9")
    assert isinstance(error, ConfigError)
    assert "eleven_monolingual_v9" in error.message and ".model_id" in error.message


@pytest.mark.parametrize(
    ("changes", "language", "setting"),
    [
        ({"voice_id": "AAAAAAAAAAAAAAAAAAAA"}, "es", "providers.audio.elevenlabs.voice_id"),
        ({"voices": {"es": "AAAAAAAAAAAAAAAAAAAA"}}, "es-MX", "providers.audio.elevenlabs.voices['es']"),
    ],
)
def test_an_unknown_voice_is_a_config_error_naming_the_voice_and_its_setting(
    fake: ElevenLabsFake, changes: dict[str, Any], language: str, setting: str
) -> None:
    error = generation_error(fake, request=speech("hola", language), **changes)
    assert isinstance(error, ConfigError) and error.provider_wide
    assert "AAAAAAAAAAAAAAAAAAAA" in error.message and setting in error.message and "404" in error.message


@pytest.mark.contract_exempt(
    "a base_url that is not the API on purpose: the request goes to a path ElevenLabs does not have"
)
def test_a_base_url_that_is_not_the_api_is_a_config_error(fake: ElevenLabsFake) -> None:
    error = generation_error(fake, base_url=fake.url + "/api")
    assert isinstance(error, ConfigError) and "base_url" in error.message


@pytest.mark.parametrize("failure", [server_error(500)])  # the other 5xx: test_contract.py
def test_server_errors_are_transient(fake: ElevenLabsFake, failure: Failure) -> None:
    error = generation_error(fake, failure)
    assert type(error) is TransientError
    assert str(failure.status) in error.message
    if failure.status == 500:
        assert "Internal Server error" in error.message  # the bare {"status", "message"} body


# --- through the engine ----------------------------------------------------------------------------------


def run_engine(
    *providers: MediaProvider, texts: tuple[str, ...] = ("la manzana",), names: tuple[str, ...] = ("elevenlabs",)
) -> tuple[list[MediaResult], list[float]]:
    waits: list[float] = []
    work = [WorkItem(speech(text), names) for text in texts]
    outcome = generate_all(work, providers=Lookup(*providers), cancel=threading.Event(), retry_sleep=waits.append)
    return [outcome.results[item.key] for item in work], waits


def test_spent_credits_are_never_retried_and_stop_the_provider(fake: ElevenLabsFake) -> None:
    fake.fail_always(quota_exceeded())
    provider = make(fake, retry_attempts=3, max_concurrency=1)
    results, waits = run_engine(provider, texts=("uno", "dos", "tres"))
    assert all(isinstance(r.error, QuotaError) for r in results)
    assert waits == []
    assert len(fake.tts_requests()) == 1


def test_a_429_with_retry_after_is_waited_out_then_succeeds(fake: ElevenLabsFake, mp3_bytes: bytes) -> None:
    fake.fail(too_many_concurrent_requests(retry_after="1"))
    [result], waits = run_engine(make(fake, retry_attempts=2))
    assert result.ok and result.data == mp3_bytes and result.attempts == 2
    assert waits == [1.0]
    assert len(fake.tts_requests()) == 2


def test_server_errors_are_retried_then_succeed(fake: ElevenLabsFake) -> None:
    fake.fail(server_error(500), times=2)
    [result], waits = run_engine(make(fake, retry_attempts=2))
    assert result.ok and result.attempts == 3 and len(waits) == 2
    assert len(fake.tts_requests()) == 3


def test_nothing_to_say_falls_back_to_the_next_provider(fake: ElevenLabsFake) -> None:
    backup = Backup()
    [result], _ = run_engine(make(fake), backup, texts=("¡!",), names=("elevenlabs", "backup"))
    assert result.ok and result.provider == "backup"
    assert backup.calls == ["¡!"]
    assert fake.requests == []


def test_an_unknown_voice_falls_back_and_stops_the_provider_for_the_job(fake: ElevenLabsFake) -> None:
    backup = Backup()
    provider = make(fake, voice_id="AAAAAAAAAAAAAAAAAAAA", retry_attempts=2, max_concurrency=1)
    results, waits = run_engine(provider, backup, texts=("uno", "dos"), names=("elevenlabs", "backup"))
    assert all(r.ok and r.provider == "backup" for r in results)
    assert len(fake.tts_requests()) == 1 and waits == []


def test_several_requests_on_worker_threads_all_succeed(fake: ElevenLabsFake) -> None:
    results, _ = run_engine(make(fake, max_concurrency=2), texts=("uno", "dos", "tres", "cuatro"))
    assert all(r.ok and r.extension == "mp3" for r in results)
    assert sorted(r.json()["text"] for r in fake.tts_requests()) == ["cuatro", "dos", "tres", "uno"]


# --- test_connection ---------------------------------------------------------------------------------------


def test_connection_looks_the_voice_up_with_the_key(fake: ElevenLabsFake) -> None:
    report = make(fake).test_connection()
    assert report.ok and "George" in report.message and GEORGE in report.message
    [sent] = fake.requests
    assert (sent.method, sent.path) == ("GET", f"/v1/voices/{GEORGE}")
    assert sent.headers["xi-api-key"] == TEST_KEY
    assert fake.tts_requests() == []  # no credits spent


def test_connection_with_a_bad_key_is_unhealthy_and_names_the_key_setting(fake: ElevenLabsFake) -> None:
    report = make(fake, api_key=WRONG_KEY).test_connection()
    assert not report.ok
    assert "api_key" in report.message and "401" in report.message
    assert WRONG_KEY not in report.message and TEST_KEY not in report.message


def test_connection_with_an_unknown_voice_is_unhealthy_and_names_voice_id(fake: ElevenLabsFake) -> None:
    report = make(fake, voice_id="AAAAAAAAAAAAAAAAAAAA").test_connection()
    assert not report.ok
    assert "AAAAAAAAAAAAAAAAAAAA" in report.message and "voice_id" in report.message


def test_connection_with_a_speech_only_key_is_healthy_but_says_the_voice_was_not_checked(
    fake: ElevenLabsFake,
) -> None:
    fake.restricted.add("voices")
    report = make(fake).test_connection()
    assert report.ok and "not checked" in report.message


def test_connection_to_a_server_that_is_down_is_unhealthy() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = ElevenLabsSpeech(
        {**SHIPPED_BLOCK, "api_key": TEST_KEY, "base_url": f"http://127.0.0.1:{port}", "timeout_s": 2}, environ={}
    )
    report = provider.test_connection()
    assert not report.ok and "cannot reach" in report.message


# --- the fake itself rejects what the real API rejects --------------------------------------------------


def post(
    fake: ElevenLabsFake, body: Any, *, headers: dict[str, str] | None = None, query: str = ""
) -> requests.Response:
    return requests.post(
        f"{fake.url}{TTS}{query}",
        data=body if isinstance(body, bytes) else json.dumps(body),
        headers={"xi-api-key": TEST_KEY, "Content-Type": "application/json", **(headers or {})},
        timeout=5,
    )


@pytest.mark.contract_exempt("the fake's own test: it sends requests the spec forbids, to see the fake's 422")
@pytest.mark.parametrize(
    ("body", "query", "loc"),
    [
        ({"model_id": "eleven_multilingual_v2"}, "", ["body", "text"]),
        ({"text": "x"}, "?output_format=mp3_1", ["query", "output_format"]),
        (b"not json", "", ["body", 0]),
    ],
)
def test_the_fake_answers_invalid_requests_with_fastapis_422(
    fake: ElevenLabsFake, body: Any, query: str, loc: list[Any]
) -> None:
    response = post(fake, body, query=query)
    assert response.status_code == 422
    [entry] = response.json()["detail"]
    assert set(entry) == {"loc", "msg", "type"} and entry["loc"] == loc


@pytest.mark.contract_exempt("the fake's own test: a GET where the API has only POST, to see the fake's 405")
def test_the_fake_checks_the_key_and_the_method(fake: ElevenLabsFake, mp3_bytes: bytes) -> None:
    missing = requests.post(f"{fake.url}{TTS}", json={"text": "x"}, timeout=5)
    assert missing.status_code == 401 and missing.json()["detail"]["status"] == "needs_authorization"
    wrong = post(fake, {"text": "x"}, headers={"xi-api-key": WRONG_KEY})
    assert wrong.status_code == 401 and wrong.json()["detail"] == {
        "status": "invalid_api_key",
        "message": "Invalid API key",
    }
    assert requests.get(f"{fake.url}{TTS}", headers={"xi-api-key": TEST_KEY}, timeout=5).status_code == 405
    ok = post(fake, {"text": "hola"})  # no output_format: mp3_44100_128, no model_id: multilingual v2
    assert ok.status_code == 200 and ok.content == mp3_bytes
    assert ok.headers["Content-Type"] == "audio/mpeg" and ok.headers["character-cost"] == "4"


# --- the target's voice (options["voice"]) ----------------------------------------------------------------


def test_the_targets_voice_comes_before_the_voices_setting_and_voice_id(fake: ElevenLabsFake) -> None:
    provider = make(fake, voice_id=GEORGE, voices={"es": RACHEL})
    provider.generate(voiced(speech(), elevenlabs=ADAM))
    provider.generate(voiced(speech(), openai_tts="nova", azure_tts="es-ES-AlvaroNeural"))  # not ours
    provider.generate(voiced(speech(language="fr"), elevenlabs=f" {RACHEL} "))
    provider.generate(speech(language="fr"))
    assert [r.path for r in fake.requests] == [f"/v1/text-to-speech/{v}" for v in (ADAM, RACHEL, RACHEL, GEORGE)]
    assert_keys_follow_the_voice(speech(), "elevenlabs", ADAM, RACHEL)


def test_a_target_voice_the_account_has_not_fails_that_request_naming_the_targets_voice(
    fake: ElevenLabsFake,
) -> None:
    provider = make(fake, voices={"es": RACHEL})
    error = refused_target_voice(provider, voiced(speech(), elevenlabs="NoSuchVoice0000000000"))
    assert "'NoSuchVoice0000000000'" in error.message and ".voices[" not in error.message
    assert provider.generate(speech()).ok


@pytest.mark.parametrize("voice", ["two words", "../v1/voices", "Adam?x=1"])
def test_a_target_voice_that_is_not_a_voice_id_is_refused_before_anything_is_sent(
    fake: ElevenLabsFake, voice: str
) -> None:
    refused_target_voice(make(fake), voiced(speech(), elevenlabs=voice))
    assert fake.requests == []
