"""The ``google_tts`` audio provider against the fake Google Cloud Text-to-Speech API
(tests/fakes/google_tts_fake.py), which serves the wire format of ../shared/provider_apis.md §6: what
the provider sends (key or bearer token, voice, audio config), the base64 answer, every documented
error, waits, timeouts, the 5,000-byte limit and the connection test."""

from __future__ import annotations

import base64
import json
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
from addon.core.engine.generation import generate_all
from addon.core.job.plan import WorkItem
from addon.core.media.checks import require_media
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.provider_system.info import check_provider_class, slice_schema
from addon.providers.audio.google_tts import GoogleSpeech
from addon.providers.audio.google_tts.voices import language_code
from tests.fakes.google_tts_fake import (
    SYNTHESIZE_PATH,
    TEST_KEY,
    TEST_TOKEN,
    VOICES_PATH,
    Failure,
    GoogleTTSFake,
    api_key_service_blocked,
    billing_disabled,
    daily_quota_exhausted,
    invalid_argument,
    rate_limited,
    resource_exhausted,
    sentences_too_long,
    serve_google_tts,
    server_error,
    service_disabled,
)
from tests.support.fake_http import Reply
from tests.support.job_fakes import Backup, Lookup
from tests.support.media_samples import ogg_opus_bytes, silent_mp3_24k, silent_wav
from tests.support.shipped import shipped_slice
from tests.support.target_voice import assert_keys_follow_the_voice, refused_target_voice, voiced

# The block proposed for config.json's providers.audio.google_tts (checked against the schema below).
SHIPPED_BLOCK: dict[str, Any] = shipped_slice("audio", "google_tts")
WRONG_KEY = "sk-test-google-wrong-0b9e55c1a0d7"
WORD = "Guten Morgen"


@pytest.fixture(scope="module")
def server() -> Iterator[GoogleTTSFake]:
    """One fake for the module, reset for each test."""
    with serve_google_tts() as fake:
        yield fake


@pytest.fixture
def fake(server: GoogleTTSFake, mp3_bytes: bytes) -> Iterator[GoogleTTSFake]:
    server.reset()
    server.audio["MP3"] = mp3_bytes  # real speech (espeak-ng + lame), see tests/conftest.py
    yield server
    server.reset()


def make(fake: GoogleTTSFake, **changes: Any) -> GoogleSpeech:
    settings = {
        **SHIPPED_BLOCK,
        "enabled": True,
        "api_key": TEST_KEY,
        "base_url": fake.url,
        "requests_per_minute": 60000,
        "retry_attempts": 0,
        **changes,
    }
    return GoogleSpeech(settings, environ={})


def speech(text: str = WORD, language: str = "de") -> MediaRequest:
    return MediaRequest(kind=MediaKind.AUDIO, text=text, language=language)


def assert_no_secret(text: str) -> None:
    for secret in (TEST_KEY, WRONG_KEY, TEST_TOKEN):
        assert secret not in text
    assert "key=" not in text


def generation_error(
    fake: GoogleTTSFake, failure: Failure | None = None, *, request: MediaRequest | None = None, **changes: Any
) -> ProviderError:
    if failure is not None:
        fake.fail(failure)
    provider = make(fake, **changes)
    with pytest.raises(ProviderError) as caught:
        provider.generate(request or speech())
    assert_no_secret(str(caught.value))
    return caught.value


# --- the class and its shipped settings -----------------------------------------------------------------


def test_class_passes_the_registry_check_and_the_shipped_block_matches_its_schema() -> None:
    check_provider_class(GoogleSpeech, kind=MediaKind.AUDIO, name="google_tts", target="x:GoogleSpeech")
    schema = slice_schema(GoogleSpeech)
    jsonschema.validate(SHIPPED_BLOCK, schema)
    voices = {"de": {"languageCode": "de-DE", "name": "de-DE-Wavenet-B"}, "en": "en-GB-Standard-A"}
    jsonschema.validate({**SHIPPED_BLOCK, "voices": voices, "auth": "bearer"}, schema)
    for bad in ({"auth": "oauth"}, {"audio_encoding": "FLAC"}, {"voices": {"de": {"lang": "de"}}}, {"pitch": 30}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**SHIPPED_BLOCK, **bad}, schema)
    assert GoogleSpeech(SHIPPED_BLOCK, environ={}).base_url == "https://texttospeech.googleapis.com"


def test_without_a_key_it_names_the_setting_and_sends_nothing(fake: GoogleTTSFake) -> None:
    provider = make(fake, api_key="", api_key_env="GOOGLE_TTS_KEY")
    problem = provider.setup_problem()
    assert problem is not None and "api_key" in problem and "GOOGLE_TTS_KEY" in problem
    report = provider.test_connection()
    assert not report.ok and "api_key" in report.message
    assert fake.requests == []


def test_an_unknown_auth_mode_is_a_setup_problem(fake: GoogleTTSFake) -> None:
    problem = make(fake, auth="oauth").setup_problem()
    assert problem is not None and ".auth" in problem and "bearer" in problem


# --- success ---------------------------------------------------------------------------------------------


def test_sends_the_documented_request_with_the_key_and_returns_the_mp3(fake: GoogleTTSFake, mp3_bytes: bytes) -> None:
    request = speech()
    result = make(fake).generate(request)

    assert result.ok and result.data == mp3_bytes
    assert (result.extension, result.mime_type, result.provider) == ("mp3", "audio/mpeg", "google_tts")
    assert result.request == request
    require_media(MediaKind.AUDIO, result.data, extension=result.extension, provider="test")
    [sent] = fake.requests
    assert (sent.method, sent.path) == ("POST", SYNTHESIZE_PATH)
    assert sent.query == {"key": [TEST_KEY]}
    assert "authorization" not in sent.headers
    assert sent.headers["content-type"] == "application/json"
    assert sent.json() == {
        "input": {"text": WORD},
        "voice": {"languageCode": "de-DE"},
        "audioConfig": {"audioEncoding": "MP3"},
    }


def test_googles_own_mp3_format_is_accepted(fake: GoogleTTSFake) -> None:
    fake.audio["MP3"] = silent_mp3_24k()  # MPEG-2 Layer III, 24 kHz, 32 kbps: what Google really sends
    result = make(fake).generate(speech())
    assert (result.data, result.extension) == (silent_mp3_24k(), "mp3")


def test_a_bearer_token_goes_in_the_authorization_header_and_not_in_the_url(fake: GoogleTTSFake) -> None:
    result = make(fake, auth="bearer", api_key=TEST_TOKEN).generate(speech())
    assert result.ok
    [sent] = fake.requests
    assert sent.headers["authorization"] == f"Bearer {TEST_TOKEN}"
    assert sent.query == {}
    assert "x-goog-user-project" not in sent.headers  # no quota_project set


def test_a_bearer_token_carries_the_quota_project_when_one_is_set(fake: GoogleTTSFake) -> None:
    fake.quota_projects = {"my-anki-tts"}  # a user's own token: Google bills it to a quota project
    provider = make(fake, auth="bearer", api_key=TEST_TOKEN, quota_project=" my-anki-tts ")
    assert provider.generate(speech()).ok
    assert provider.test_connection().ok
    assert [r.headers.get("x-goog-user-project") for r in fake.requests] == ["my-anki-tts", "my-anki-tts"]


def test_an_api_key_never_sends_the_quota_project(fake: GoogleTTSFake) -> None:
    assert make(fake, quota_project="my-anki-tts").generate(speech()).ok
    assert "x-goog-user-project" not in fake.requests[0].headers


def test_a_token_refused_for_want_of_a_quota_project_names_the_setting(fake: GoogleTTSFake) -> None:
    fake.quota_projects = {"my-anki-tts"}
    error = generation_error(fake, auth="bearer", api_key=TEST_TOKEN)
    assert isinstance(error, ConfigError) and error.provider_wide
    assert "403" in error.message and "providers.audio.google_tts.quota_project" in error.message
    other = generation_error(fake, auth="bearer", api_key=TEST_TOKEN, quota_project="someone-elses")
    assert isinstance(other, ConfigError) and "quota_project" in other.message


def test_the_quota_project_setting_is_a_project_id() -> None:
    schema = slice_schema(GoogleSpeech)
    for good in ("", "my-anki-tts", "example.com:my-project"):
        jsonschema.validate({**SHIPPED_BLOCK, "quota_project": good}, schema)
    for bad in ("My Project", "x", "-leading", "a" * 40):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**SHIPPED_BLOCK, "quota_project": bad}, schema)


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("en", "en-US"),
        ("de", "de-DE"),
        ("pt-BR", "pt-BR"),
        ("pt_br", "pt-BR"),
        ("ja", "ja-JP"),
        ("zh", "cmn-CN"),
        ("zh-Hant-TW", "cmn-TW"),
        ("no", "nb-NO"),
        ("", "en-US"),
    ],
)
def test_the_language_code_is_derived_from_the_requests_language(fake: GoogleTTSFake, language: str, code: str) -> None:
    assert make(fake).generate(speech("hello", language)).ok
    assert fake.requests[0].json()["voice"] == {"languageCode": code}


def test_a_language_google_has_no_defaults_for_is_sent_bare() -> None:
    assert language_code("sw") == "sw"
    assert language_code("zh-HK") == "yue-HK"


def test_the_voices_setting_picks_the_voice_for_a_language(fake: GoogleTTSFake) -> None:
    voices = {
        "de": {"languageCode": "de-DE", "name": "de-DE-Wavenet-B", "ssmlGender": "MALE"},
        "en": "en-GB-Standard-A",  # a name alone: its language code is its first two parts
        "pt": {"name": "pt-BR-Standard-A"},
        "pt-PT": {"languageCode": "pt-PT"},
    }
    provider = make(fake, voices=voices)
    for language in ("de", "en", "pt", "fr"):
        provider.generate(speech("x", language))
    sent = [r.json()["voice"] for r in fake.synthesize_requests()]
    assert sent == [
        {"languageCode": "de-DE", "name": "de-DE-Wavenet-B", "ssmlGender": "MALE"},
        {"languageCode": "en-GB", "name": "en-GB-Standard-A"},
        {"languageCode": "pt-BR", "name": "pt-BR-Standard-A"},
        {"languageCode": "fr-FR"},  # no entry: derived
    ]
    assert provider.voice_for("pt-PT").to_json() == {"languageCode": "pt-PT"}  # the whole tag before "pt"
    assert provider.voice_for("PT_pt").entry == "pt-PT"


def test_speaking_rate_and_pitch_are_sent_only_when_set(fake: GoogleTTSFake) -> None:
    make(fake, speaking_rate=0.85, pitch=-2.5).generate(speech())
    assert fake.requests[0].json()["audioConfig"] == {"audioEncoding": "MP3", "speakingRate": 0.85, "pitch": -2.5}


@pytest.mark.parametrize(
    ("encoding", "data", "extension", "mime"),
    [("LINEAR16", silent_wav(), "wav", "audio/wav"), ("OGG_OPUS", ogg_opus_bytes(), "opus", "audio/ogg")],
)
def test_other_encodings(fake: GoogleTTSFake, encoding: str, data: bytes, extension: str, mime: str) -> None:
    result = make(fake, audio_encoding=encoding).generate(speech())
    assert (result.data, result.extension, result.mime_type) == (data, extension, mime)
    assert fake.requests[0].json()["audioConfig"]["audioEncoding"] == encoding


def test_the_extension_follows_the_real_bytes_not_the_encoding_asked_for(fake: GoogleTTSFake) -> None:
    fake.payload = silent_wav()  # asked for MP3, served a WAV
    result = make(fake).generate(speech())
    assert (result.extension, result.mime_type) == ("wav", "audio/wav")


def test_a_base_url_with_v1_works_too(fake: GoogleTTSFake) -> None:
    assert make(fake, base_url=fake.url + "/v1/").generate(speech()).ok
    assert fake.requests[0].path == SYNTHESIZE_PATH


# --- what the answer may be instead of audio -------------------------------------------------------------


def test_audio_content_that_is_not_base64_is_an_invalid_response(fake: GoogleTTSFake) -> None:
    fake.bad_base64 = True
    error = generation_error(fake)
    assert isinstance(error, InvalidResponseError) and "base64" in error.message


def test_base64_that_is_not_audio_is_rejected(fake: GoogleTTSFake) -> None:
    fake.payload = b"<!DOCTYPE html><html><head><title>Sorry</title></head><body>" + b"<p>Nope</p>" * 20
    error = generation_error(fake)
    assert isinstance(error, InvalidResponseError) and "HTML" in error.message


@pytest.mark.parametrize(
    "reply",
    [
        Reply.of_json({"timepoints": []}),
        Reply.of_json({"audioContent": ""}),
        Reply(200, b"<html><body>proxy login</body></html>", {"Content-Type": "text/html"}),
    ],
)
def test_an_answer_without_audio_content_is_an_invalid_response(fake: GoogleTTSFake, reply: Reply) -> None:
    fake.reply_instead = reply
    assert isinstance(generation_error(fake), InvalidResponseError)


# --- the 5,000-byte limit -------------------------------------------------------------------------------


def test_a_text_over_5000_utf8_bytes_is_refused_before_sending(fake: GoogleTTSFake) -> None:
    text = "ä" * 2501  # 2,501 characters, 5,002 bytes
    error = generation_error(fake, request=speech(text))
    assert type(error) is PermanentError and not error.provider_wide
    assert "5,000 bytes" in error.message and "5,002" in error.message
    assert fake.requests == []


def test_a_text_of_exactly_5000_bytes_is_sent(fake: GoogleTTSFake) -> None:
    text = "ä" * 2500
    assert make(fake).generate(speech(text)).ok
    assert fake.requests[0].json()["input"]["text"] == text


def test_an_empty_text_is_refused_before_sending(fake: GoogleTTSFake) -> None:
    error = generation_error(fake, request=speech("   "))
    assert type(error) is PermanentError
    assert fake.requests == []


# --- errors ----------------------------------------------------------------------------------------------


def test_a_wrong_key_is_an_auth_error_naming_the_setting(fake: GoogleTTSFake) -> None:
    error = generation_error(fake, api_key=WRONG_KEY)  # the fake answers 400 API_KEY_INVALID (§6.4)
    assert isinstance(error, AuthError) and error.provider_wide
    assert "400" in error.message and "api_key" in error.message and "API key not valid" in error.message
    assert fake.requests[0].query["key"] == [WRONG_KEY]


def test_a_refused_bearer_token_says_tokens_expire(fake: GoogleTTSFake) -> None:
    error = generation_error(fake, auth="bearer", api_key=WRONG_KEY)
    assert isinstance(error, AuthError)
    assert "401" in error.message and "expire" in error.message and "print-access-token" in error.message


def test_an_api_that_is_not_enabled_says_where_to_enable_it(fake: GoogleTTSFake) -> None:
    error = generation_error(fake, service_disabled())
    assert isinstance(error, AuthError)
    assert "not enabled" in error.message and "403" in error.message
    assert "https://console.developers.google.com/apis/api/texttospeech.googleapis.com/overview" in error.message


def test_a_key_restricted_to_other_apis_is_an_auth_error(fake: GoogleTTSFake) -> None:
    error = generation_error(fake, api_key_service_blocked())
    assert isinstance(error, AuthError) and "restricted" in error.message


def test_billing_disabled_is_a_quota_error(fake: GoogleTTSFake) -> None:
    error = generation_error(fake, billing_disabled())
    assert isinstance(error, QuotaError) and "billing" in error.message


def test_an_unknown_configured_voice_is_a_config_error_naming_the_entry(fake: GoogleTTSFake) -> None:
    error = generation_error(fake, voices={"de": "de-DE-Fancy-X"})  # the fake's real validation refuses it
    assert isinstance(error, ConfigError) and error.provider_wide
    assert "does not exist" in error.message and "voices['de']" in error.message
    assert fake.requests[0].json()["voice"] == {"languageCode": "de-DE", "name": "de-DE-Fancy-X"}


def test_a_language_google_has_no_voice_for_is_not_found(fake: GoogleTTSFake) -> None:
    error = generation_error(fake, request=speech("jambo", "sw"))
    assert type(error) is NotFoundError and not error.provider_wide
    assert "'sw'" in error.message and ".voices" in error.message


def test_a_refused_audio_setting_is_a_config_error(fake: GoogleTTSFake) -> None:
    failure = invalid_argument(
        "This voice does not support speaking rate or pitch parameters at this time.", field_name=""
    )
    error = generation_error(fake, failure, pitch=2.0)
    assert isinstance(error, ConfigError) and "pitch" in error.message


def test_a_text_google_refuses_fails_this_text_only(fake: GoogleTTSFake) -> None:
    error = generation_error(fake, sentences_too_long())
    assert type(error) is PermanentError and not error.provider_wide
    assert "sentences that are too long" in error.message


@pytest.mark.parametrize(("failure", "wait"), [(rate_limited(retry_delay="41s"), 41.0), (resource_exhausted(), None)])
def test_a_per_minute_quota_is_a_rate_limit_with_googles_wait(
    fake: GoogleTTSFake, failure: Failure, wait: float | None
) -> None:
    error = generation_error(fake, failure)
    assert isinstance(error, RateLimitError) and error.retry_after == wait
    assert "429" in error.message


def test_retry_after_wins_over_retry_info(fake: GoogleTTSFake) -> None:
    error = generation_error(fake, rate_limited(retry_delay="41s", retry_after="3"))
    assert isinstance(error, RateLimitError) and error.retry_after == 3.0


def test_a_spent_daily_quota_is_a_quota_error_not_a_rate_limit(fake: GoogleTTSFake) -> None:
    error = generation_error(fake, daily_quota_exhausted())
    assert isinstance(error, QuotaError) and not isinstance(error, TransientError)
    assert "per day" in error.message


@pytest.mark.contract_exempt(
    "a base_url with a wrong prefix on purpose: the request goes to a path Google does not have"
)
def test_a_base_url_without_the_api_is_a_config_error(fake: GoogleTTSFake) -> None:
    error = generation_error(fake, base_url=fake.url + "/tts")
    assert isinstance(error, ConfigError) and "base_url" in error.message


def test_no_message_quotes_the_key_even_when_the_server_does(fake: GoogleTTSFake) -> None:
    echo = f"Bad request for {fake.url}/v1/text:synthesize?key={TEST_KEY}&alt=json (key {TEST_KEY})"
    error = generation_error(fake, invalid_argument(echo))
    assert "[redacted]" in error.message


# --- through the engine ----------------------------------------------------------------------------------


def run_engine(
    *providers: Any, texts: tuple[str, ...] = (WORD,), language: str = "de"
) -> tuple[list[Any], list[float]]:
    waits: list[float] = []
    names = tuple(p.name for p in providers)
    work = [WorkItem(speech(text, language), names) for text in texts]
    outcome = generate_all(work, providers=Lookup(*providers), cancel=threading.Event(), retry_sleep=waits.append)
    return [outcome.results[item.key] for item in work], waits


def test_a_429_with_retry_after_is_waited_out_then_succeeds(fake: GoogleTTSFake, mp3_bytes: bytes) -> None:
    fake.fail(rate_limited(retry_delay=None, retry_after="2"))
    [result], waits = run_engine(make(fake, retry_attempts=2))
    assert result.ok and result.data == mp3_bytes and result.attempts == 2
    assert waits == [2.0]
    assert len(fake.synthesize_requests()) == 2


def test_a_429_with_only_retry_info_is_waited_out(fake: GoogleTTSFake) -> None:
    fake.fail(rate_limited(retry_delay="1.5s"))
    [result], waits = run_engine(make(fake))
    assert result.ok and waits == [1.5]


def test_server_errors_are_retried_then_succeed(fake: GoogleTTSFake) -> None:
    fake.fail(server_error(503), times=2)
    [result], waits = run_engine(make(fake, retry_attempts=2))
    assert result.ok and result.attempts == 3 and len(waits) == 2
    assert len(fake.synthesize_requests()) == 3


def test_a_spent_quota_is_never_retried_and_stops_the_provider(fake: GoogleTTSFake) -> None:
    fake.fail_always(daily_quota_exhausted())
    provider = make(fake, retry_attempts=3, max_concurrency=1)
    results, waits = run_engine(provider, texts=("eins", "zwei", "drei"))
    assert all(isinstance(r.error, QuotaError) for r in results)
    assert waits == []
    assert len(fake.synthesize_requests()) == 1


def test_a_language_without_a_voice_falls_back_to_the_next_provider(fake: GoogleTTSFake) -> None:
    backup = Backup()
    [result], waits = run_engine(make(fake), backup, texts=("jambo",), language="sw")
    assert result.ok and result.provider == "backup"
    assert backup.calls == ["jambo"] and waits == []
    assert len(fake.synthesize_requests()) == 1


def test_several_requests_on_worker_threads_all_succeed(fake: GoogleTTSFake, mp3_bytes: bytes) -> None:
    results, _ = run_engine(make(fake, max_concurrency=4), texts=("eins", "zwei", "drei", "vier", "fünf"))
    assert all(r.ok and r.data == mp3_bytes for r in results)
    assert sorted(r.json()["input"]["text"] for r in fake.synthesize_requests()) == sorted(
        ["eins", "zwei", "drei", "vier", "fünf"]
    )


# --- test_connection ---------------------------------------------------------------------------------------


def test_connection_is_healthy_with_a_good_key(fake: GoogleTTSFake) -> None:
    report = make(fake).test_connection()
    assert report.ok and "en-US" in report.message
    [sent] = fake.requests
    assert (sent.method, sent.path) == ("GET", VOICES_PATH)
    assert sent.query == {"languageCode": ["en-US"], "key": [TEST_KEY]}


def test_connection_with_a_bearer_token(fake: GoogleTTSFake) -> None:
    assert make(fake, auth="bearer", api_key=TEST_TOKEN).test_connection().ok
    assert fake.requests[0].headers["authorization"] == f"Bearer {TEST_TOKEN}"


def test_connection_with_a_bad_key_is_unhealthy_and_names_the_key_setting(fake: GoogleTTSFake) -> None:
    report = make(fake, api_key=WRONG_KEY).test_connection()
    assert not report.ok and "api_key" in report.message
    assert_no_secret(report.message)


def test_connection_with_the_api_disabled_says_so(fake: GoogleTTSFake) -> None:
    fake.fail(service_disabled(), on="voices")
    report = make(fake).test_connection()
    assert not report.ok and "not enabled" in report.message


def test_connection_to_a_server_that_is_down_is_unhealthy() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = GoogleSpeech(
        {**SHIPPED_BLOCK, "api_key": TEST_KEY, "base_url": f"http://127.0.0.1:{port}", "timeout_s": 2}, environ={}
    )
    report = provider.test_connection()
    assert not report.ok and "cannot reach" in report.message
    assert_no_secret(report.message)


# --- the fake itself rejects what the real API rejects --------------------------------------------------


def post(fake: GoogleTTSFake, body: Any, *, key: str | None = TEST_KEY) -> requests.Response:
    return requests.post(
        fake.url + SYNTHESIZE_PATH,
        params={"key": key} if key is not None else None,
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
        timeout=5,
    )


GOOD_BODY: dict[str, Any] = {
    "input": {"text": "x"},
    "voice": {"languageCode": "en-US"},
    "audioConfig": {"audioEncoding": "MP3"},
}


@pytest.mark.contract_exempt("the fake's own test: it sends requests the spec forbids, to see the fake refuse them")
@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({**GOOD_BODY, "input": {"text": "x", "ssml": "<speak>x</speak>"}}, 400, "Exactly one"),
        ({**GOOD_BODY, "input": {}}, 400, "Exactly one"),
        ({**GOOD_BODY, "input": {"text": "é" * 2501}}, 400, "5000 bytes"),
        ({**GOOD_BODY, "voice": {}}, 400, "language_code"),
        ({**GOOD_BODY, "audioConfig": {}}, 400, "AUDIO_ENCODING_UNSPECIFIED"),
        ({**GOOD_BODY, "audioConfig": {"audioEncoding": "FLAC"}}, 400, "AudioEncoding"),
        ({**GOOD_BODY, "audioConfig": {"audioEncoding": "MP3", "speakingRate": 5}}, 400, "speaking_rate"),
        ({**GOOD_BODY, "audio": {}}, 400, 'Unknown name "audio"'),
        ({**GOOD_BODY, "voice": {"languageCode": "en-GB", "name": "en-US-Wavenet-D"}}, 400, "doesn't match"),
    ],
)
def test_the_fake_rejects_what_the_api_rejects(fake: GoogleTTSFake, body: Any, status: int, words: str) -> None:
    response = post(fake, body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == status and error["status"] == "INVALID_ARGUMENT" and words in error["message"]


@pytest.mark.contract_exempt(
    "the fake's own test: snake_case field names (protocol buffer names, which Google's JSON parser accepts; the discovery document names only lowerCamel ones)"
)
def test_the_fake_accepts_snake_case_and_answers_base64_audio(fake: GoogleTTSFake) -> None:
    body = {"input": {"text": "x"}, "voice": {"language_code": "en-US"}, "audio_config": {"audio_encoding": "LINEAR16"}}
    response = post(fake, body)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    assert base64.b64decode(response.json()["audioContent"]) == silent_wav()


def test_the_fake_checks_the_credentials(fake: GoogleTTSFake) -> None:
    wrong = post(fake, GOOD_BODY, key=WRONG_KEY)
    assert wrong.status_code == 400
    assert wrong.json()["error"]["details"][0]["reason"] == "API_KEY_INVALID"
    missing = post(fake, GOOD_BODY, key=None)
    assert missing.status_code == 403 and missing.json()["error"]["status"] == "PERMISSION_DENIED"
    token = requests.get(
        fake.url + VOICES_PATH, params={"languageCode": "no"}, headers={"Authorization": "Bearer nope"}, timeout=5
    )
    assert token.status_code == 401 and token.json()["error"]["status"] == "UNAUTHENTICATED"


def test_the_fake_lists_voices_by_language(fake: GoogleTTSFake) -> None:
    response = requests.get(fake.url + VOICES_PATH, params={"languageCode": "no", "key": TEST_KEY}, timeout=5)
    assert [v["name"] for v in response.json()["voices"]] == ["nb-NO-Standard-A"]


# --- the target's voice (options["voice"]) ----------------------------------------------------------------


def test_the_targets_voice_comes_before_the_voices_setting_with_its_own_language(fake: GoogleTTSFake) -> None:
    provider = make(fake, voices={"de": "de-DE-Wavenet-B"})
    provider.generate(voiced(speech(), google_tts="es-ES-Standard-A"))
    provider.generate(voiced(speech(), openai_tts="nova", elevenlabs="JBFqnCBsd6RMkjVDRZzb"))  # not ours
    provider.generate(voiced(speech(language="fr"), google_tts=" en-GB-Standard-A "))
    assert [r.json()["voice"] for r in fake.synthesize_requests()] == [
        {"languageCode": "es-ES", "name": "es-ES-Standard-A"},  # the language comes from the voice's name
        {"languageCode": "de-DE", "name": "de-DE-Wavenet-B"},
        {"languageCode": "en-GB", "name": "en-GB-Standard-A"},
    ]
    assert_keys_follow_the_voice(speech(), "google_tts", "es-ES-Standard-A", "de-DE-Wavenet-B")


def test_a_target_voice_google_has_not_fails_that_request_naming_the_targets_voice(fake: GoogleTTSFake) -> None:
    provider = make(fake, voices={"de": "de-DE-Wavenet-B"})
    error = refused_target_voice(provider, voiced(speech(), google_tts="de-DE-Bogus-Z"))
    assert type(error) is PermanentError, "not a missing language: the next provider need not take over"
    assert "'de-DE-Bogus-Z'" in error.message and "voices['de']" not in error.message
    assert provider.generate(speech()).ok


def test_a_target_voice_that_is_not_a_google_voice_name_is_refused_before_anything_is_sent(
    fake: GoogleTTSFake,
) -> None:
    refused_target_voice(make(fake), voiced(speech(), google_tts="nova"))
    assert fake.requests == []
