"""The ``openai_tts`` provider against the fake OpenAI text-to-speech API (tests/fakes/openai_tts_fake.py),
which serves the wire format of ../shared/provider_apis.md §2 (errors as §1.4-1.5): what the provider
sends, the raw audio it gets back (checked against the format asked for), every documented error,
waits, timeouts, the fallback through the engine and the connection test."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import requests

from addon.core.base.errors import (
    AuthError,
    ConfigError,
    InvalidResponseError,
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
from addon.providers.audio.openai_tts import DEFAULT_INSTRUCTIONS, MAX_INPUT_CHARS, OpenAISpeech
from tests.fakes.openai_tts_fake import (
    HTML_PAGE,
    SPEECH_PATH,
    TEST_KEY,
    Failure,
    OpenAITTSFake,
    bad_request,
    forbidden,
    insufficient_quota,
    rate_limited,
    serve_openai_tts,
    server_error,
    unsupported_country,
)
from tests.support.job_fakes import Backup
from tests.support.job_fakes import Lookup as EngineLookup
from tests.support.media_samples import LIBFLAC_FLAC, SNDFILE_OPUS, silent_wav
from tests.support.shipped import shipped_slice
from tests.support.target_voice import assert_keys_follow_the_voice, refused_target_voice, voiced

# The block proposed for config.json's providers.audio.openai_tts (checked against the schema below).
SHIPPED_BLOCK: dict[str, Any] = shipped_slice("audio", "openai_tts")
WRONG_KEY = "sk-test-wrong-51c0e9a8b7d3"
WAV_BYTES = silent_wav()


@pytest.fixture(scope="module")
def server(mp3_bytes: bytes) -> Iterator[OpenAITTSFake]:
    """One fake for the module, serving real espeak+lame MP3, reset for each test."""
    with serve_openai_tts(audio={"mp3": mp3_bytes, "wav": WAV_BYTES}) as fake:
        yield fake


@pytest.fixture
def fake(server: OpenAITTSFake) -> Iterator[OpenAITTSFake]:
    server.reset()
    yield server
    server.reset()


def make(fake: OpenAITTSFake, **changes: Any) -> OpenAISpeech:
    settings = {
        **SHIPPED_BLOCK,
        "enabled": True,
        "api_key": TEST_KEY,
        "base_url": fake.url,
        "requests_per_minute": 6000,
        "retry_attempts": 0,
        **changes,
    }
    return OpenAISpeech(settings, environ={})


def speech(text: str = "Apfel", language: str = "de") -> MediaRequest:
    return MediaRequest(kind=MediaKind.AUDIO, text=text, language=language)


def generation_error(fake: OpenAITTSFake, failure: Failure | None = None, **changes: Any) -> ProviderError:
    if failure is not None:
        fake.fail(failure)
    provider = make(fake, **changes)
    with pytest.raises(ProviderError) as caught:
        provider.generate(speech())
    error = caught.value
    for secret in (TEST_KEY, WRONG_KEY):
        assert secret not in str(error)
    return error


def sent_body(fake: OpenAITTSFake, index: int = 0) -> dict[str, Any]:
    body: dict[str, Any] = fake.speech_requests()[index].json()
    return body


# --- the class and its shipped settings -----------------------------------------------------------------


def test_class_passes_the_registry_check_and_the_shipped_block_matches_its_schema() -> None:
    check_provider_class(OpenAISpeech, kind=MediaKind.AUDIO, name="openai_tts", target="x:OpenAISpeech")
    schema = slice_schema(OpenAISpeech)
    jsonschema.validate(SHIPPED_BLOCK, schema)
    assert OpenAISpeech(SHIPPED_BLOCK, environ={}).base_url == "https://api.openai.com/v1"
    for bad in ({"response_format": "pcm"}, {"speed": 5}, {"voices": {"de": ""}}, {"voice": "two words"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**SHIPPED_BLOCK, **bad}, schema)


def test_without_a_key_it_names_the_setting_and_sends_nothing(fake: OpenAITTSFake) -> None:
    provider = make(fake, api_key="", api_key_env="OPENAI_API_KEY")
    problem = provider.setup_problem()
    assert problem is not None and "api_key" in problem and "OPENAI_API_KEY" in problem
    report = provider.test_connection()
    assert not report.ok and "api_key" in report.message
    assert fake.requests == []


def test_a_key_from_the_environment_is_used(fake: OpenAITTSFake) -> None:
    provider = OpenAISpeech(
        {**SHIPPED_BLOCK, "base_url": fake.url, "api_key_env": "MY_OPENAI_KEY"}, environ={"MY_OPENAI_KEY": TEST_KEY}
    )
    assert provider.generate(speech()).ok
    assert fake.requests[0].headers["authorization"] == f"Bearer {TEST_KEY}"


# --- success ---------------------------------------------------------------------------------------------


def test_default_request_is_the_documented_one_and_returns_the_mp3_as_sent(
    fake: OpenAITTSFake, mp3_bytes: bytes
) -> None:
    request = speech("Apfel", "de")
    result = make(fake).generate(request)

    assert result.ok and result.data == mp3_bytes
    assert (result.extension, result.mime_type, result.provider) == ("mp3", "audio/mpeg", "openai_tts")
    assert result.request == request
    require_media(MediaKind.AUDIO, result.data, extension=result.extension, provider="test")
    [sent] = fake.requests
    assert (sent.method, sent.path) == ("POST", SPEECH_PATH)
    assert sent.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["accept"] == "application/octet-stream"
    assert sent.json() == {
        "model": "gpt-4o-mini-tts",
        "input": "Apfel",
        "voice": "coral",
        "response_format": "mp3",
        "instructions": DEFAULT_INSTRUCTIONS.replace("{language}", "German"),
    }


@pytest.mark.parametrize(
    ("response_format", "data", "mime"),
    [("opus", SNDFILE_OPUS, "audio/ogg"), ("flac", LIBFLAC_FLAC, "audio/flac"), ("wav", WAV_BYTES, "audio/wav")],
    ids=["opus", "flac", "wav"],
)
def test_other_formats_come_back_byte_for_byte_under_their_real_extension(
    fake: OpenAITTSFake, response_format: str, data: bytes, mime: str
) -> None:
    result = make(fake, response_format=response_format).generate(speech())
    assert (result.data, result.extension, result.mime_type) == (data, response_format, mime)
    assert sent_body(fake)["response_format"] == response_format


def test_the_voice_follows_the_language_and_the_instructions_name_it(fake: OpenAITTSFake) -> None:
    provider = make(fake, voices={"pt": "nova", "ja": "sage", "en_GB": "fable"}, instructions="Speak {language}.")
    for text, language in (("maçã", "pt-BR"), ("りんご", "ja"), ("apple", "en-gb"), ("apple", "en"), ("x", "")):
        assert provider.generate(speech(text, language)).ok
    sent = [(b["input"], b["voice"], b["instructions"]) for b in (sent_body(fake, i) for i in range(5))]
    assert sent == [
        ("maçã", "nova", "Speak Portuguese (pt-BR)."),
        ("りんご", "sage", "Speak Japanese."),
        ("apple", "fable", "Speak English (en-gb)."),
        ("apple", "coral", "Speak English."),
        ("x", "coral", "Speak the language of the text."),
    ]


def test_tts_1_gets_no_instructions_and_speed_is_sent_when_not_1(fake: OpenAITTSFake) -> None:
    result = make(fake, model="tts-1-hd", voice="onyx", speed=0.8).generate(speech("hello", "en"))
    assert result.ok
    assert sent_body(fake) == {
        "model": "tts-1-hd",
        "input": "hello",
        "voice": "onyx",
        "response_format": "mp3",
        "speed": 0.8,
    }


def test_empty_instructions_are_not_sent_and_a_custom_voice_is_sent_by_id(fake: OpenAITTSFake) -> None:
    assert make(fake, instructions="", voice="voice_1234").generate(speech("hello", "en")).ok
    body = sent_body(fake)
    assert body["voice"] == {"id": "voice_1234"}
    assert "instructions" not in body and "speed" not in body


def test_the_text_is_stripped_and_4096_characters_are_sent(fake: OpenAITTSFake) -> None:
    text = "a" * MAX_INPUT_CHARS
    assert make(fake).generate(speech(f"  {text}\n")).ok
    assert sent_body(fake)["input"] == text


@pytest.mark.parametrize("text", ["a" * (MAX_INPUT_CHARS + 1), "   "])
def test_a_text_too_long_or_empty_is_refused_before_any_request(fake: OpenAITTSFake, text: str) -> None:
    with pytest.raises(PermanentError) as caught:
        make(fake).generate(speech(text))
    assert type(caught.value) is PermanentError and not caught.value.provider_wide
    assert "4,096" in caught.value.message or "no text" in caught.value.message
    assert fake.requests == []


# --- bytes that are not what was asked for ------------------------------------------------------------------


def test_wav_served_when_mp3_was_asked_is_rejected(fake: OpenAITTSFake) -> None:
    fake.serve_format = "wav"  # Content-Type audio/wav, real WAV bytes: still not what was asked for
    error = generation_error(fake)
    assert isinstance(error, InvalidResponseError)
    assert "wav audio labelled as mp3" in error.message


def test_mp3_served_when_opus_was_asked_is_rejected(fake: OpenAITTSFake) -> None:
    fake.serve_format = "mp3"
    fake.content_type = "audio/ogg"  # the label lies too
    error = generation_error(fake, response_format="opus")
    assert isinstance(error, InvalidResponseError) and "mp3 audio labelled as opus" in error.message


def test_an_html_page_with_status_200_is_rejected(fake: OpenAITTSFake) -> None:
    fake.payload = HTML_PAGE
    fake.content_type = "audio/mpeg"
    error = generation_error(fake)
    assert isinstance(error, InvalidResponseError)
    assert "HTML page" in error.message and "Access denied" in error.message


def test_a_body_cut_short_is_an_invalid_response(fake: OpenAITTSFake) -> None:
    fake.cut_short = True
    error = generation_error(fake)
    assert isinstance(error, InvalidResponseError) and "cut short" in error.message


def test_a_body_that_stalls_hits_timeout_s(fake: OpenAITTSFake) -> None:
    fake.stall = True
    started = time.monotonic()
    error = generation_error(fake, timeout_s=0.5)
    assert type(error) is TransientError and "0.5 s" in error.message
    assert time.monotonic() - started < 5


# --- errors ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_transient(fake: OpenAITTSFake, status: int) -> None:
    error = generation_error(fake, server_error(status))
    assert type(error) is TransientError
    assert str(status) in error.message and "Sorry about that" in error.message


@pytest.mark.parametrize(
    ("failure", "wait"),
    [(rate_limited(retry_after="30", retry_after_ms="1500"), 1.5)],  # plain Retry-After: test_contract.py
)
def test_a_rate_limit_is_a_rate_limit_error_with_the_servers_wait(
    fake: OpenAITTSFake, failure: Failure, wait: float
) -> None:
    error = generation_error(fake, failure)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == wait


def test_insufficient_quota_is_a_quota_error_not_a_rate_limit(fake: OpenAITTSFake) -> None:
    error = generation_error(fake, insufficient_quota())
    assert isinstance(error, QuotaError) and not isinstance(error, TransientError)
    assert error.provider_wide and "billing" in error.message and "exceeded your current quota" in error.message


def test_a_refused_key_is_an_auth_error_naming_the_setting(fake: OpenAITTSFake) -> None:
    error = generation_error(fake, api_key=WRONG_KEY)
    assert isinstance(error, AuthError)
    assert "401" in error.message and "api_key" in error.message and "Incorrect API key" in error.message
    assert fake.requests[0].headers["authorization"] == f"Bearer {WRONG_KEY}"


def test_a_403_is_an_auth_error_with_the_servers_words(fake: OpenAITTSFake) -> None:
    error = generation_error(fake, forbidden())
    assert isinstance(error, AuthError) and error.provider_wide
    assert "403" in error.message and "Missing scopes" in error.message and "gpt-4o-mini-tts" in error.message


def test_an_unsupported_country_is_said_as_such(fake: OpenAITTSFake) -> None:
    error = generation_error(fake, unsupported_country())
    assert isinstance(error, AuthError)
    assert "country" in error.message and "api_key" not in error.message


def test_a_400_about_the_text_fails_this_request_only_with_the_servers_message(fake: OpenAITTSFake) -> None:
    error = generation_error(fake, bad_request("Invalid 'input': contains unsupported characters.", param="input"))
    assert type(error) is PermanentError and not error.provider_wide
    assert "400" in error.message and "contains unsupported characters" in error.message


@pytest.mark.parametrize("status", [404, 400])
def test_an_unknown_model_is_a_config_error_naming_the_model(fake: OpenAITTSFake, status: int) -> None:
    fake.unknown_model_status = status
    error = generation_error(fake, model="tts-2-retired")
    assert isinstance(error, ConfigError) and error.provider_wide
    assert "tts-2-retired" in error.message and ".model" in error.message
    assert sent_body(fake)["model"] == "tts-2-retired"


def test_an_unknown_voice_is_a_config_error_naming_voice(fake: OpenAITTSFake) -> None:
    error = generation_error(fake, model="tts-1", voice="marin")  # tts-1 knows only nine voices
    assert isinstance(error, ConfigError)
    assert "'marin'" in error.message and "openai_tts.voice" in error.message and "Supported values" in error.message


def test_an_unknown_voice_of_one_language_fails_only_that_language(fake: OpenAITTSFake) -> None:
    error = generation_error(fake, voices={"de": "hans"})
    assert type(error) is PermanentError and not error.provider_wide
    assert "'hans'" in error.message and "openai_tts.voices.de" in error.message


def test_a_setting_the_server_refuses_is_a_config_error_naming_it(fake: OpenAITTSFake) -> None:
    fake.fail(bad_request("Invalid 'speed': out of range for this model.", param="speed"))
    error = generation_error(fake, speed=3.5)
    assert isinstance(error, ConfigError) and "openai_tts.speed" in error.message


@pytest.mark.contract_exempt("a base_url without /v1 on purpose: the request goes to a path OpenAI does not have")
def test_a_base_url_without_the_api_is_a_config_error(fake: OpenAITTSFake) -> None:
    error = generation_error(fake, base_url=fake.root)  # forgot /v1
    assert isinstance(error, ConfigError) and "base_url" in error.message


# --- through the engine ----------------------------------------------------------------------------------


def run_engine(
    provider: OpenAISpeech, *texts: str, backup: Backup | None = None
) -> tuple[list[MediaResult], list[float]]:
    waits: list[float] = []
    names = ("openai_tts", "backup") if backup is not None else ("openai_tts",)
    work = [WorkItem(speech(text), names) for text in texts]
    lookup = EngineLookup(provider, *([backup] if backup is not None else []))
    outcome = generate_all(work, providers=lookup, cancel=threading.Event(), retry_sleep=waits.append)
    return [outcome.results[item.key] for item in work], waits


def test_a_429_with_retry_after_is_waited_out_then_succeeds(fake: OpenAITTSFake, mp3_bytes: bytes) -> None:
    fake.fail(rate_limited(retry_after="1"))
    [result], waits = run_engine(make(fake, retry_attempts=2), "Apfel")
    assert result.ok and result.data == mp3_bytes and result.attempts == 2
    assert waits == [1.0]
    assert len(fake.speech_requests()) == 2


def test_server_errors_are_retried_then_succeed(fake: OpenAITTSFake) -> None:
    fake.fail(server_error(500), times=2)
    [result], waits = run_engine(make(fake, retry_attempts=2), "Apfel")
    assert result.ok and result.attempts == 3 and len(waits) == 2
    assert len(fake.speech_requests()) == 3


def test_a_spent_quota_is_never_retried_and_the_next_provider_speaks(fake: OpenAITTSFake) -> None:
    fake.fail_always(insufficient_quota())
    backup = Backup()
    results, waits = run_engine(make(fake, retry_attempts=3, max_concurrency=1), "Apfel", "Birne", backup=backup)
    assert all(r.ok and r.provider == "backup" for r in results)
    assert waits == []
    assert len(fake.speech_requests()) == 1  # one call: the quota error stops the provider for the job
    assert sorted(backup.calls) == ["Apfel", "Birne"]


def test_without_a_next_provider_a_spent_quota_is_the_result(fake: OpenAITTSFake) -> None:
    fake.fail_always(insufficient_quota())
    [result], waits = run_engine(make(fake, retry_attempts=3), "Apfel")
    assert isinstance(result.error, QuotaError) and result.attempts == 1 and waits == []
    assert len(fake.speech_requests()) == 1


def test_a_text_it_cannot_speak_falls_back_while_the_others_are_spoken(fake: OpenAITTSFake) -> None:
    # Speech has no "nothing found": a text is refused (here: too long) and the next provider tries it.
    long_text = "b" * (MAX_INPUT_CHARS + 1)
    backup = Backup()
    results, _ = run_engine(make(fake), "Apfel", long_text, backup=backup)
    assert [r.provider for r in results] == ["openai_tts", "backup"]
    assert backup.calls == [long_text]
    assert [b["input"] for b in (r.json() for r in fake.speech_requests())] == ["Apfel"]


def test_wrong_bytes_are_retried_once_then_the_next_provider_speaks(fake: OpenAITTSFake) -> None:
    fake.serve_format = "wav"
    [result], _ = run_engine(make(fake, retry_attempts=3), "Apfel", backup=Backup())
    assert result.ok and result.provider == "backup"
    assert len(fake.speech_requests()) == 2


def test_several_requests_on_worker_threads_all_succeed(fake: OpenAITTSFake, mp3_bytes: bytes) -> None:
    results, _ = run_engine(make(fake, max_concurrency=3), "Apfel", "Birne", "Pflaume", "Feige")
    assert all(r.ok and r.data == mp3_bytes for r in results)
    assert sorted(r.json()["input"] for r in fake.speech_requests()) == ["Apfel", "Birne", "Feige", "Pflaume"]


# --- test_connection ---------------------------------------------------------------------------------------


def test_connection_is_healthy_with_a_good_key_and_model(fake: OpenAITTSFake) -> None:
    report = make(fake).test_connection()
    assert report.ok and "gpt-4o-mini-tts" in report.message
    [sent] = fake.requests
    assert (sent.method, sent.path) == ("GET", "/v1/models/gpt-4o-mini-tts")
    assert sent.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert fake.speech_requests() == []  # no paid call


def test_connection_with_a_bad_key_is_unhealthy_and_names_the_key_setting(fake: OpenAITTSFake) -> None:
    report = make(fake, api_key=WRONG_KEY).test_connection()
    assert not report.ok
    assert "api_key" in report.message and "401" in report.message
    assert WRONG_KEY not in report.message and TEST_KEY not in report.message


def test_connection_with_an_unknown_model_is_unhealthy(fake: OpenAITTSFake) -> None:
    report = make(fake, model="tts-9").test_connection()
    assert not report.ok and "tts-9" in report.message


def test_connection_to_a_server_that_is_down_is_unhealthy() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = OpenAISpeech(
        {**SHIPPED_BLOCK, "api_key": TEST_KEY, "base_url": f"http://127.0.0.1:{port}/v1", "timeout_s": 2}, environ={}
    )
    report = provider.test_connection()
    assert not report.ok and "cannot reach" in report.message


# --- the fake itself rejects what the real API rejects --------------------------------------------------


def post(fake: OpenAITTSFake, body: dict[str, Any], key: str = TEST_KEY) -> requests.Response:
    return requests.post(
        fake.url + "/audio/speech",
        data=json.dumps(body),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        timeout=5,
    )


GOOD = {"model": "gpt-4o-mini-tts", "input": "hi", "voice": "coral"}


@pytest.mark.contract_exempt("the fake's own test: it sends requests the spec forbids, to see the fake refuse them")
@pytest.mark.parametrize(
    ("body", "status", "param", "code"),
    [
        ({"model": "gpt-4o-mini-tts", "input": "hi"}, 400, "voice", "missing_required_parameter"),
        ({**GOOD, "format": "mp3"}, 400, "format", "unknown_parameter"),
        ({**GOOD, "input": "x" * 4097}, 400, "input", "string_above_max_length"),
        ({**GOOD, "voice": "bogus"}, 400, "voice", "invalid_value"),
        ({**GOOD, "model": "tts-1", "instructions": "Slowly."}, 400, "instructions", None),
        ({**GOOD, "response_format": "ogg"}, 400, "response_format", "invalid_value"),
        ({**GOOD, "speed": 5}, 400, "speed", "invalid_value"),
        ({**GOOD, "model": "tts-2"}, 404, "model", "model_not_found"),
    ],
)
def test_the_fake_rejects_what_the_api_rejects(
    fake: OpenAITTSFake, body: dict[str, Any], status: int, param: str, code: str | None
) -> None:
    response = post(fake, body)
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert (error["param"], error["code"]) == (param, code)


def test_the_fake_answers_with_chunked_audio_and_checks_the_key(fake: OpenAITTSFake, mp3_bytes: bytes) -> None:
    response = post(fake, GOOD)
    assert response.status_code == 200 and response.content == mp3_bytes
    assert response.headers["Content-Type"] == "audio/mpeg"
    assert response.headers["Transfer-Encoding"] == "chunked"
    refused = post(fake, GOOD, key=WRONG_KEY)
    assert refused.status_code == 401
    message = refused.json()["error"]["message"]
    assert WRONG_KEY not in message and WRONG_KEY[-4:] in message


# --- the target's voice (options["voice"]) ----------------------------------------------------------------


def test_the_targets_voice_comes_before_the_languages_voice_and_the_default(fake: OpenAITTSFake) -> None:
    provider = make(fake, voice="coral", voices={"de": "onyx"})
    provider.generate(voiced(speech(), openai_tts=" nova "))
    provider.generate(voiced(speech(), google_tts="de-DE-Wavenet-B", espeak="de"))  # other providers' voices
    provider.generate(voiced(speech(language="fr"), openai_tts="voice_1234"))  # a custom voice, as {"id"}
    provider.generate(speech(language="fr"))
    assert [sent_body(fake, i)["voice"] for i in range(4)] == ["nova", "onyx", {"id": "voice_1234"}, "coral"]
    assert_keys_follow_the_voice(speech(), "openai_tts", "nova", "onyx")


def test_a_target_voice_openai_refuses_fails_that_request_naming_the_targets_voice(fake: OpenAITTSFake) -> None:
    provider = make(fake, voices={"de": "onyx"})
    error = refused_target_voice(provider, voiced(speech(), openai_tts="bogus"))
    assert "OpenAI refused the voice 'bogus'" in error.message
    assert "voices.de" not in error.message
    assert provider.generate(speech()).ok  # the provider's own voices keep working


def test_a_target_voice_with_spaces_is_refused_before_anything_is_sent(fake: OpenAITTSFake) -> None:
    refused_target_voice(make(fake), voiced(speech(), openai_tts="two words"))
    assert fake.requests == []
