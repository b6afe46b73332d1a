"""The ``yandex_tts`` audio provider against the fake Yandex SpeechKit API v1
(tests/fakes/yandex_tts_fake.py, whose docstring lists where each shape comes from): what the
provider sends, the audio it returns, every documented error, waits, timeouts, the fallback for a
language without a voice, and the connection test."""

from __future__ import annotations

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
from addon.providers.audio.yandex_tts import YandexSpeech
from tests.fakes.yandex_tts_fake import (
    HTML_PAGE,
    SERVICE_ACCOUNT_FOLDER,
    SYNTHESIZE_PATH,
    TEST_IAM_TOKEN,
    TEST_KEY,
    Failure,
    YandexTTSFake,
    bad_request,
    cloud_inactive,
    expired_iam_token,
    folder_required,
    form,
    permission_denied,
    rate_limited,
    serve_yandex_tts,
    server_error,
)
from tests.support.job_fakes import Backup, Lookup
from tests.support.media_samples import ogg_opus_bytes
from tests.support.shipped import shipped_slice
from tests.support.target_voice import assert_keys_follow_the_voice, refused_target_voice, voiced

# The block proposed for config.json's providers.audio.yandex_tts (checked against the schema below).
SHIPPED_BLOCK: dict[str, Any] = shipped_slice("audio", "yandex_tts")
WRONG_KEY = "sk-test-yandex-wrong-5c2e81f0a9"
SECRETS = (TEST_KEY, TEST_IAM_TOKEN, WRONG_KEY)
WORD = "привет"


@pytest.fixture(scope="module")
def server(mp3_bytes: bytes) -> Iterator[YandexTTSFake]:
    """One fake for the module (real espeak speech as its MP3), reset for each test."""
    with serve_yandex_tts(mp3=mp3_bytes) as fake:
        yield fake


@pytest.fixture
def fake(server: YandexTTSFake) -> Iterator[YandexTTSFake]:
    server.reset()
    yield server
    server.reset()


def make(fake: YandexTTSFake, **changes: Any) -> YandexSpeech:
    settings = {
        **SHIPPED_BLOCK,
        "enabled": True,
        "api_key": TEST_KEY,
        "base_url": fake.url,
        "requests_per_minute": 60000,
        "retry_attempts": 0,
        **changes,
    }
    return YandexSpeech(settings, environ={})


def speech(text: str = WORD, language: str = "ru") -> MediaRequest:
    return MediaRequest(kind=MediaKind.AUDIO, text=text, language=language)


def generation_error(
    fake: YandexTTSFake, failure: Failure | None = None, request: MediaRequest | None = None, **changes: Any
) -> ProviderError:
    if failure is not None:
        fake.fail(failure)
    provider = make(fake, **changes)
    with pytest.raises(ProviderError) as caught:
        provider.generate(request or speech())
    error = caught.value
    for secret in SECRETS:
        assert secret not in str(error)
    return error


def sent_fields(fake: YandexTTSFake) -> dict[str, list[str]]:
    [sent] = fake.synthesis_requests()
    return form(sent)


# --- the class and its shipped settings -----------------------------------------------------------------


def test_class_passes_the_registry_check_and_the_shipped_block_matches_its_schema() -> None:
    check_provider_class(YandexSpeech, kind=MediaKind.AUDIO, name="yandex_tts", target="x:YandexSpeech")
    schema = slice_schema(YandexSpeech)
    jsonschema.validate(SHIPPED_BLOCK, schema)
    assert YandexSpeech(SHIPPED_BLOCK, environ={}).base_url == "https://tts.api.cloud.yandex.net"
    for bad in ({"output_format": "lpcm"}, {"speed": 4}, {"auth": "oauth"}, {"voices": {"ru": "al ena"}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**SHIPPED_BLOCK, **bad}, schema)


def test_without_a_key_it_names_the_setting_and_sends_nothing(fake: YandexTTSFake) -> None:
    provider = make(fake, api_key="", api_key_env="YANDEX_API_KEY")
    problem = provider.setup_problem()
    assert problem is not None and "api_key" in problem and "YANDEX_API_KEY" in problem
    report = provider.test_connection()
    assert not report.ok and "api_key" in report.message
    assert fake.requests == []


def test_an_iam_token_without_a_folder_names_folder_id_and_sends_nothing(fake: YandexTTSFake) -> None:
    provider = make(fake, auth="iam_token", api_key=TEST_IAM_TOKEN)
    problem = provider.setup_problem()
    assert problem is not None and "folder_id" in problem
    assert not provider.test_connection().ok
    assert fake.requests == []
    assert make(fake, auth="iam_token", api_key=TEST_IAM_TOKEN, folder_id="b1gfolder").setup_problem() is None


# --- success ---------------------------------------------------------------------------------------------


def test_speaks_russian_with_the_documented_request_and_returns_the_mp3(fake: YandexTTSFake, mp3_bytes: bytes) -> None:
    request = speech()
    result = make(fake).generate(request)

    assert result.ok and result.data == mp3_bytes
    assert (result.extension, result.mime_type, result.provider) == ("mp3", "audio/mpeg", "yandex_tts")
    assert result.request == request
    require_media(MediaKind.AUDIO, result.data, extension=result.extension, provider="test")
    [sent] = fake.requests
    assert (sent.method, sent.path) == ("POST", SYNTHESIZE_PATH)
    assert sent.headers["authorization"] == f"Api-Key {TEST_KEY}"
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form(sent) == {
        "text": [WORD],
        "lang": ["ru-RU"],
        "voice": ["alena"],
        "speed": ["1.0"],
        "format": ["mp3"],
    }


@pytest.mark.parametrize(
    ("language", "voice", "lang"),
    [
        ("en", "john", "en-US"),
        ("en-GB", "john", "en-US"),
        ("de", "lea", "de-DE"),
        ("kk", "madi", "kk-KK"),
        ("uz", "nigora", "uz-UZ"),
        ("RU", "alena", "ru-RU"),
    ],
)
def test_each_language_gets_its_voice_and_language_code(
    fake: YandexTTSFake, language: str, voice: str, lang: str
) -> None:
    assert make(fake).generate(speech("hello", language)).ok
    fields = sent_fields(fake)
    assert (fields["voice"], fields["lang"]) == ([voice], [lang])


def test_without_its_own_settings_the_class_falls_back_to_mp3_and_the_default_voices(fake: YandexTTSFake) -> None:
    provider = YandexSpeech({"api_key": TEST_KEY, "base_url": fake.url}, environ={})
    assert provider.generate(speech("hallo", "de")).extension == "mp3"
    assert sent_fields(fake) == {
        "text": ["hallo"],
        "lang": ["de-DE"],
        "voice": ["lea"],
        "speed": ["1.0"],
        "format": ["mp3"],
    }


def test_a_voice_borrowed_for_another_language_is_sent_with_its_own_language(fake: YandexTTSFake) -> None:
    # Ukrainian has no Yandex voice; a user who lets the Russian voice read it must send ru-RU.
    assert make(fake, voices={"uk": "alena"}).generate(speech("привіт", "uk")).ok
    fields = sent_fields(fake)
    assert (fields["voice"], fields["lang"]) == (["alena"], ["ru-RU"])


def test_configured_voice_emotion_and_speed_are_sent(fake: YandexTTSFake) -> None:
    provider = make(fake, voices={"ru": "jane", "en": "john"}, emotion="good", speed=0.8, output_format="mp3")
    assert provider.generate(speech()).ok
    fields = sent_fields(fake)
    assert (fields["voice"], fields["emotion"], fields["speed"]) == (["jane"], ["good"], ["0.8"])


def test_emotion_is_only_sent_for_russian(fake: YandexTTSFake) -> None:
    assert make(fake, emotion="good").generate(speech("hello", "en")).ok
    fields = sent_fields(fake)
    assert "emotion" not in fields and fields["voice"] == ["john"]


def test_an_iam_token_is_sent_as_bearer_with_the_folder(fake: YandexTTSFake, mp3_bytes: bytes) -> None:
    provider = make(fake, auth="iam_token", api_key=TEST_IAM_TOKEN, folder_id="b1guserfolder0000001")
    assert provider.generate(speech()).data == mp3_bytes
    [sent] = fake.requests
    assert sent.headers["authorization"] == f"Bearer {TEST_IAM_TOKEN}"
    assert form(sent)["folderId"] == ["b1guserfolder0000001"]


def test_an_api_key_with_its_own_folder_sends_the_folder(fake: YandexTTSFake) -> None:
    assert make(fake, folder_id=SERVICE_ACCOUNT_FOLDER).generate(speech()).ok
    assert sent_fields(fake)["folderId"] == [SERVICE_ACCOUNT_FOLDER]


def test_oggopus_gives_an_opus_file(fake: YandexTTSFake) -> None:
    result = make(fake, output_format="oggopus").generate(speech())
    assert (result.data, result.extension, result.mime_type) == (ogg_opus_bytes(), "opus", "audio/ogg")
    assert sent_fields(fake)["format"] == ["oggopus"]


def test_the_extension_follows_the_real_bytes_not_the_format_asked_for(fake: YandexTTSFake) -> None:
    fake.serve_format = "oggopus"  # asked for mp3, served Ogg Opus
    result = make(fake).generate(speech())
    assert (result.extension, result.mime_type) == ("opus", "audio/ogg")
    assert sent_fields(fake)["format"] == ["mp3"]


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [
        (HTML_PAGE, "text/html"),
        (b'{"error_code": "BAD_REQUEST", "error_message": "something went wrong on the way"}', "application/json"),
        (b"\x00\x01" * 400, "audio/mpeg"),  # raw samples (what lpcm answers), not a file
    ],
)
def test_a_200_that_is_not_audio_is_an_invalid_response(fake: YandexTTSFake, payload: bytes, content_type: str) -> None:
    fake.payload, fake.payload_type = payload, content_type
    error = generation_error(fake)
    assert isinstance(error, InvalidResponseError)
    assert "not audio" in error.message


def test_a_language_without_a_voice_is_not_found_before_any_request(fake: YandexTTSFake) -> None:
    error = generation_error(fake, request=speech("bonjour", "fr"))
    assert type(error) is NotFoundError and not error.provider_wide
    assert "'fr'" in error.message and ".voices" in error.message
    assert fake.requests == []


def test_text_over_5000_characters_is_refused_before_sending(fake: YandexTTSFake) -> None:
    error = generation_error(fake, request=speech("a" * 5001, "en"))
    assert type(error) is PermanentError and not error.provider_wide and "5,000" in error.message
    assert fake.requests == []
    assert make(fake).generate(speech("a" * 5000, "en")).ok  # the limit itself is fine


def test_a_body_over_15_kb_is_refused_before_sending(fake: YandexTTSFake) -> None:
    error = generation_error(fake, request=speech("я" * 3000))  # 3,000 characters, 18,000 bytes encoded
    assert type(error) is PermanentError and "15,360" in error.message
    assert fake.requests == []


def test_an_empty_text_is_refused_before_sending(fake: YandexTTSFake) -> None:
    assert type(generation_error(fake, request=speech("   "))) is PermanentError
    assert fake.requests == []


# --- errors ----------------------------------------------------------------------------------------------


def test_a_refused_api_key_is_an_auth_error_naming_the_setting(fake: YandexTTSFake) -> None:
    error = generation_error(fake, api_key=WRONG_KEY)
    assert isinstance(error, AuthError) and error.provider_wide
    assert "401" in error.message and ".api_key" in error.message
    assert "The token is invalid" in error.message  # the server's words, without the rpc prefix
    assert "rpc error" not in error.message
    assert fake.requests[0].headers["authorization"] == f"Api-Key {WRONG_KEY}"


def test_an_expired_iam_token_says_how_to_renew_it(fake: YandexTTSFake) -> None:
    error = generation_error(fake, expired_iam_token(), auth="iam_token", api_key=TEST_IAM_TOKEN, folder_id="b1gf")
    assert isinstance(error, AuthError) and "12 hours" in error.message and "expired" in error.message


def test_a_user_token_without_a_folder_is_a_config_error_naming_folder_id(fake: YandexTTSFake) -> None:
    error = generation_error(fake, folder_required(), auth="iam_token", api_key=TEST_IAM_TOKEN, folder_id="b1gf")
    assert isinstance(error, ConfigError) and ".folder_id" in error.message
    assert "specify folder ID" in error.message


def test_an_api_key_with_another_folder_is_a_config_error_naming_folder_id(fake: YandexTTSFake) -> None:
    error = generation_error(fake, folder_id="b1gsomeotherfolder001")  # the fake's real check, not a script
    assert isinstance(error, ConfigError) and ".folder_id" in error.message and "400" in error.message
    assert "does not match" in error.message


def test_an_unknown_voice_is_a_config_error_naming_voices(fake: YandexTTSFake) -> None:
    del fake.voices["zahar"]  # withdrawn from the v1 list
    error = generation_error(fake, voices={"ru": "zahar"})
    assert isinstance(error, ConfigError) and ".voices" in error.message and "zahar" in error.message
    assert sent_fields(fake)["voice"] == ["zahar"]


def test_a_voice_neither_api_has_is_a_config_error_naming_voices(fake: YandexTTSFake) -> None:
    error = generation_error(fake, voices={"ru": "oksana"})  # withdrawn: not a v1 voice, unknown to v3
    assert isinstance(error, ConfigError) and ".voices" in error.message and "oksana" in error.message
    [sent] = fake.v3_requests()
    assert sent.json()["hints"][0] == {"voice": "oksana"}


# --- API v3 for the voices API v1 does not serve ----------------------------------------------------------


def test_hebrew_goes_through_api_v3_and_its_chunks_are_joined(fake: YandexTTSFake, mp3_bytes: bytes) -> None:
    result = make(fake).generate(speech("שלום", "he"))  # the shipped voices: he → naomi
    assert result.ok and (result.data, result.extension) == (mp3_bytes, "mp3")
    assert fake.synthesis_requests() == []  # API v1 has no Hebrew
    [sent] = fake.v3_requests()
    assert (sent.method, sent.headers["authorization"]) == ("POST", f"Api-Key {TEST_KEY}")
    assert sent.headers["content-type"] == "application/json" and "x-folder-id" not in sent.headers
    assert sent.json() == {
        "text": "שלום",
        "hints": [{"voice": "naomi"}, {"speed": 1.0}],
        "outputAudioSpec": {"containerAudio": {"containerAudioType": "MP3"}},
    }


def test_a_newer_russian_voice_goes_through_v3_with_its_role_speed_format_and_folder(fake: YandexTTSFake) -> None:
    provider = make(
        fake,
        auth="iam_token",
        api_key=TEST_IAM_TOKEN,
        folder_id="b1guserfolder0000001",
        voices={"ru": "dasha"},
        emotion="friendly",
        speed=1.3,
        output_format="oggopus",
    )
    result = provider.generate(speech())
    assert result.ok and result.data == ogg_opus_bytes()
    [sent] = fake.v3_requests()
    assert sent.headers["authorization"] == f"Bearer {TEST_IAM_TOKEN}"
    assert sent.headers["x-folder-id"] == "b1guserfolder0000001"
    assert sent.json()["hints"] == [{"voice": "dasha"}, {"role": "friendly"}, {"speed": 1.3}]
    assert sent.json()["outputAudioSpec"] == {"containerAudio": {"containerAudioType": "OGG_OPUS"}}


@pytest.mark.parametrize(("language", "voice"), [("ru", "alena"), ("en", "john"), ("de", "lea"), ("uz", "nigora")])
def test_the_voices_api_v1_serves_stay_on_api_v1(fake: YandexTTSFake, language: str, voice: str) -> None:
    assert make(fake).generate(speech("x", language)).ok
    assert sent_fields(fake)["voice"] == [voice] and fake.v3_requests() == []


def test_a_role_a_v3_voice_lacks_is_a_config_error_naming_emotion(fake: YandexTTSFake) -> None:
    error = generation_error(fake, voices={"ru": "dasha"}, emotion="whisper")
    assert isinstance(error, ConfigError) and ".emotion" in error.message and "dasha" in error.message


def test_a_v3_error_line_or_an_answer_without_audio_fails_this_request(fake: YandexTTSFake) -> None:
    fake.payload, fake.payload_type = b'{"error": {"message": "synthesis failed"}}\n', "application/json"
    error = generation_error(fake, request=speech("שלום", "he"))
    assert type(error) is PermanentError and "synthesis failed" in error.message
    fake.payload = b'{"result": {"textChunk": {"text": "x"}}}\n'
    assert isinstance(generation_error(fake, request=speech("שלום", "he")), InvalidResponseError)
    fake.payload, fake.payload_type = HTML_PAGE, "text/html"
    assert isinstance(generation_error(fake, request=speech("שלום", "he")), InvalidResponseError)


def test_the_fake_refuses_a_v3_only_voice_on_api_v1(fake: YandexTTSFake) -> None:
    answer = requests.post(
        fake.url + SYNTHESIZE_PATH,
        data={"text": "שלום", "lang": "he-IL", "voice": "naomi", "format": "mp3"},
        headers={"Authorization": f"Api-Key {TEST_KEY}"},
        timeout=5,
    )
    assert answer.status_code == 400


def test_a_role_the_voice_lacks_is_a_config_error_naming_emotion(fake: YandexTTSFake) -> None:
    error = generation_error(fake, voices={"ru": "filipp"}, emotion="good")
    assert isinstance(error, ConfigError) and ".emotion" in error.message and "filipp" in error.message


def test_another_bad_request_fails_this_text_only(fake: YandexTTSFake) -> None:
    error = generation_error(fake, bad_request("text contains unsupported markup"))
    assert type(error) is PermanentError and not error.provider_wide
    assert "unsupported markup" in error.message


def test_a_missing_role_is_an_auth_error_naming_the_role(fake: YandexTTSFake) -> None:
    error = generation_error(fake, permission_denied())
    assert isinstance(error, AuthError) and "403" in error.message and "ai.speechkit-tts.user" in error.message


def test_a_suspended_cloud_is_a_quota_error(fake: YandexTTSFake) -> None:
    error = generation_error(fake, cloud_inactive())
    assert isinstance(error, QuotaError) and not isinstance(error, TransientError)
    assert error.provider_wide and "billing" in error.message and "inactive" in error.message


def test_a_rate_limit_is_a_rate_limit_error_with_the_servers_wait(fake: YandexTTSFake) -> None:
    error = generation_error(fake, rate_limited(retry_after="7"))
    assert isinstance(error, RateLimitError) and error.retry_after == 7.0
    assert "Quota limit" in error.message


def test_a_rate_limit_without_retry_after_has_no_wait(fake: YandexTTSFake) -> None:
    error = generation_error(fake, rate_limited(retry_after=None))
    assert isinstance(error, RateLimitError) and error.retry_after is None


@pytest.mark.parametrize("status", [504])  # 500, 503: test_contract.py
def test_server_errors_are_transient(fake: YandexTTSFake, status: int) -> None:
    error = generation_error(fake, server_error(status))
    assert type(error) is TransientError and str(status) in error.message


def test_a_wrong_base_url_is_a_config_error(fake: YandexTTSFake) -> None:
    error = generation_error(fake, base_url=f"{fake.url}/speechkit")
    assert isinstance(error, ConfigError) and "base_url" in error.message and "404" in error.message


# --- through the engine ----------------------------------------------------------------------------------


def run_engine(
    *providers: Any, texts: tuple[str, ...] = (WORD,), language: str = "ru"
) -> tuple[list[Any], list[float]]:
    waits: list[float] = []
    names = tuple(p.name for p in providers)
    work = [WorkItem(speech(text, language), names) for text in texts]
    outcome = generate_all(work, providers=Lookup(*providers), cancel=threading.Event(), retry_sleep=waits.append)
    return [outcome.results[item.key] for item in work], waits


def test_a_429_with_retry_after_is_waited_out_then_succeeds(fake: YandexTTSFake, mp3_bytes: bytes) -> None:
    fake.fail(rate_limited(retry_after="2"))
    [result], waits = run_engine(make(fake, retry_attempts=2))
    assert result.ok and result.data == mp3_bytes and result.attempts == 2
    assert waits == [2.0]
    assert len(fake.synthesis_requests()) == 2


def test_server_errors_are_retried_then_succeed(fake: YandexTTSFake) -> None:
    fake.fail(server_error(503), times=2)
    [result], waits = run_engine(make(fake, retry_attempts=2))
    assert result.ok and result.attempts == 3 and len(waits) == 2
    assert len(fake.synthesis_requests()) == 3


def test_a_suspended_cloud_is_never_retried_and_stops_the_provider(fake: YandexTTSFake) -> None:
    fake.fail_always(cloud_inactive())
    results, waits = run_engine(make(fake, retry_attempts=3, max_concurrency=1), texts=("один", "два", "три"))
    assert all(isinstance(r.error, QuotaError) for r in results)
    assert waits == []
    assert len(fake.synthesis_requests()) == 1


def test_a_language_without_a_voice_falls_back_to_the_next_provider(fake: YandexTTSFake) -> None:
    backup = Backup()
    [result], _ = run_engine(make(fake), backup, texts=("bonjour",), language="fr")
    assert result.ok and result.provider == "backup"
    assert backup.calls == ["bonjour"]
    assert fake.requests == []


def test_several_requests_on_worker_threads_all_succeed(fake: YandexTTSFake) -> None:
    results, _ = run_engine(make(fake, max_concurrency=4), texts=("один", "два", "три", "четыре"))
    assert all(r.ok and r.extension == "mp3" for r in results)
    assert sorted(form(r)["text"][0] for r in fake.synthesis_requests()) == sorted(["один", "два", "три", "четыре"])


# --- test_connection ---------------------------------------------------------------------------------------


def test_connection_is_healthy_with_a_one_character_synthesis(fake: YandexTTSFake) -> None:
    report = make(fake).test_connection()
    assert report.ok and "alena" in report.message and "1 character" in report.message
    [sent] = fake.requests
    assert (sent.method, sent.path) == ("POST", SYNTHESIZE_PATH)
    assert sent.headers["authorization"] == f"Api-Key {TEST_KEY}"
    assert form(sent)["text"] == ["1"]


def test_connection_uses_the_first_voice_without_a_russian_one(fake: YandexTTSFake) -> None:
    assert make(fake, voices={"de": "lea"}).test_connection().ok
    assert sent_fields(fake)["voice"] == ["lea"]


def test_connection_with_a_bad_key_is_unhealthy_and_names_the_key_setting(fake: YandexTTSFake) -> None:
    report = make(fake, api_key=WRONG_KEY).test_connection()
    assert not report.ok and "api_key" in report.message and "401" in report.message
    assert all(secret not in report.message for secret in SECRETS)


def test_connection_answered_with_a_page_is_unhealthy(fake: YandexTTSFake) -> None:
    fake.payload = HTML_PAGE
    report = make(fake).test_connection()
    assert not report.ok and "not audio" in report.message


def test_connection_to_a_server_that_is_down_is_unhealthy() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = YandexSpeech({**SHIPPED_BLOCK, "api_key": TEST_KEY, "base_url": f"http://127.0.0.1:{port}"}, environ={})
    report = provider.test_connection()
    assert not report.ok and "127.0.0.1" in report.message


# --- the fake refuses what the real API refuses ------------------------------------------------------------


def test_the_fake_refuses_a_missing_key_and_a_json_body(fake: YandexTTSFake) -> None:
    url = fake.url + SYNTHESIZE_PATH
    missing = requests.post(url, data={"text": "a"}, timeout=5)
    assert missing.status_code == 401 and missing.json()["error_code"] == "UNAUTHORIZED"
    as_json = requests.post(
        url, json={"text": "a", "folderId": "b1g"}, headers={"Authorization": f"Bearer {TEST_IAM_TOKEN}"}, timeout=5
    )
    assert as_json.status_code == 401 and "specify folder ID" in as_json.json()["error_message"]
    no_text = requests.post(url, data={"voice": "alena"}, headers={"Authorization": f"Api-Key {TEST_KEY}"}, timeout=5)
    assert no_text.status_code == 400 and no_text.json()["error_code"] == "BAD_REQUEST"
    other_path = requests.post(fake.url + "/speech/v3/tts", data={"text": "a"}, timeout=5)
    assert other_path.status_code == 404


# --- the target's voice (options["voice"]) ----------------------------------------------------------------


def test_the_targets_voice_comes_before_the_voices_setting(fake: YandexTTSFake) -> None:
    provider = make(fake, voices={"ru": "alena", "en": "john"})
    provider.generate(voiced(speech(), yandex_tts="filipp"))
    provider.generate(voiced(speech(), openai_tts="nova", espeak="ru"))  # not ours
    provider.generate(voiced(speech("bonjour", "fr"), yandex_tts=" john "))  # no "fr" entry: the target's voice
    sent = [form(r) for r in fake.synthesis_requests()]
    assert [(f["voice"], f["lang"]) for f in sent] == [
        (["filipp"], ["ru-RU"]),
        (["alena"], ["ru-RU"]),
        (["john"], ["en-US"]),  # the voice's own language
    ]
    assert_keys_follow_the_voice(speech(), "yandex_tts", "filipp", "alena")


def test_a_target_voice_yandex_has_not_fails_that_request_naming_the_targets_voice(fake: YandexTTSFake) -> None:
    provider = make(fake)
    error = refused_target_voice(provider, voiced(speech(), yandex_tts="nobody"))
    assert "providers.audio.yandex_tts.voices" not in error.message
    assert provider.generate(speech()).ok


def test_a_target_voice_that_is_not_a_yandex_voice_name_is_refused_before_anything_is_sent(
    fake: YandexTTSFake,
) -> None:
    refused_target_voice(make(fake), voiced(speech(), yandex_tts="alena&emotion=evil"))
    assert fake.requests == []
