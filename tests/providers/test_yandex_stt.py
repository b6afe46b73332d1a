"""The ``yandex_stt`` provider against the fake SpeechKit v1 synchronous recognition
(tests/fakes/yandex_stt_fake.py, docs/speech_to_text.md §3): the query and body sent (Ogg Opus as
it is; a 16-bit mono WAV at 8/16/48 kHz as its samples; MP3 and other WAVs converted to 16 kHz raw
samples), the transcript, every error class, the limits refused before sending, the connection test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

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
from addon.core.media.types import MediaKind
from addon.core.media.wav_info import wav_samples
from addon.core.provider_system.info import check_provider_class, slice_schema
from addon.providers.text.yandex_stt import YandexTranscription
from tests.fakes.yandex_stt_fake import (
    TEST_IAM_TOKEN,
    TEST_KEY,
    Failure,
    YandexSTTFake,
    bad_request,
    cloud_inactive,
    html_gateway_error,
    permission_denied,
    rate_limited,
    serve_yandex_stt,
    server_error,
    unknown_key,
)
from tests.support.media_samples import SNDFILE_OPUS, silent_wav
from tests.support.shipped import shipped_slice
from tests.support.transcription import heard

SHIPPED_BLOCK: dict[str, Any] = shipped_slice("text", "yandex_stt")


@pytest.fixture(scope="module")
def server() -> Iterator[YandexSTTFake]:
    with serve_yandex_stt() as fake:
        yield fake


@pytest.fixture
def fake(server: YandexSTTFake) -> Iterator[YandexSTTFake]:
    server.reset()
    yield server
    server.reset()


def make(fake: YandexSTTFake, **changes: Any) -> YandexTranscription:
    settings = {
        **SHIPPED_BLOCK,
        "enabled": True,
        "api_key": TEST_KEY,
        "base_url": fake.url,
        "requests_per_minute": 6000,
        "retry_attempts": 0,
        **changes,
    }
    return YandexTranscription(settings, environ={})


def failed(provider: YandexTranscription, data: bytes, extension: str = "wav", **kwargs: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        provider.generate(heard(data, extension, **kwargs))
    assert TEST_KEY not in str(caught.value) and TEST_IAM_TOKEN not in str(caught.value)
    return caught.value


def test_class_passes_the_registry_check_and_the_shipped_block_matches_its_schema() -> None:
    check_provider_class(YandexTranscription, kind=MediaKind.TEXT, name="yandex_stt", target="x:YandexTranscription")
    schema = slice_schema(YandexTranscription)
    jsonschema.validate(SHIPPED_BLOCK, schema)
    for bad in ({"auth": "oauth"}, {"languages": {"ru": "ru RU"}}, {"folder_id": "x" * 51}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**SHIPPED_BLOCK, **bad}, schema)


def test_an_iam_token_needs_a_folder_and_nothing_is_sent_without_one(fake: YandexSTTFake) -> None:
    provider = make(fake, auth="iam_token", api_key=TEST_IAM_TOKEN)
    problem = provider.setup_problem()
    assert problem is not None and "folder_id" in problem
    assert not provider.test_connection().ok
    assert fake.requests == []


# --- what is sent ------------------------------------------------------------------------------------------


def test_an_mp3_is_sent_as_16_khz_raw_samples_with_the_language(fake: YandexSTTFake, mp3_bytes: bytes) -> None:
    result = make(fake).generate(heard(mp3_bytes, "mp3", language="ru"))
    assert result.data == "привет мир".encode()
    (sent,) = fake.recognitions()
    assert sent.query == {"topic": "general", "lang": "ru-RU", "format": "lpcm", "sampleRateHertz": "16000"}
    assert 0.8 < len(sent.body) / 32000 < 2.0  # espeak's "hello world", 16-bit samples at 16 kHz
    assert fake.requests[0].headers["authorization"] == f"Api-Key {TEST_KEY}"


def test_a_16_khz_mono_wav_goes_without_its_header_and_opus_as_it_is(fake: YandexSTTFake) -> None:
    wav = silent_wav(seconds=0.5, rate=16000)
    provider = make(fake, languages={"pt": "pt-PT"})
    provider.generate(heard(wav, "wav", language="pt-BR"))
    provider.generate(heard(SNDFILE_OPUS, "opus", language="de"))
    first, second = fake.recognitions()
    assert first.body == wav_samples(wav) and first.query["lang"] == "pt-PT"
    assert second.body == SNDFILE_OPUS and second.query["format"] == "oggopus" and "sampleRateHertz" not in second.query
    assert second.query["lang"] == "de-DE"


def test_an_iam_token_goes_as_bearer_with_the_folder(fake: YandexSTTFake) -> None:
    provider = make(fake, auth="iam_token", api_key=TEST_IAM_TOKEN, folder_id="b1gfolder")
    assert provider.generate(heard(silent_wav(seconds=0.5, rate=16000), "wav")).ok
    assert fake.requests[0].headers["authorization"] == f"Bearer {TEST_IAM_TOKEN}"
    assert fake.recognitions()[0].query["folderId"] == "b1gfolder"


# --- limits, refused before anything is sent --------------------------------------------------------------------


def test_a_sound_over_30_seconds_is_refused_before_sending(fake: YandexSTTFake) -> None:
    error = failed(make(fake), silent_wav(seconds=31, rate=8000))
    assert isinstance(error, PermanentError) and "31.0 s" in error.message and "30 s" in error.message
    assert fake.requests == []


def test_a_sound_over_1_mb_as_sent_is_refused_before_sending(fake: YandexSTTFake) -> None:
    big = silent_wav(seconds=11, rate=48000)  # 96 kB/s of samples: over 1 MB, under 30 s
    error = failed(make(fake), big)
    assert isinstance(error, PermanentError) and "1.1 MB" in error.message and "1.0 MB" in error.message
    assert fake.requests == []


# --- errors --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "expected", "words"),
    [
        (unknown_key(), AuthError, "api_key"),
        (permission_denied(), AuthError, "ai.speechkit-stt.user"),
        (cloud_inactive(), QuotaError, "billing"),
        (rate_limited(retry_after="2"), RateLimitError, ""),
        (server_error(503), TransientError, ""),
        (html_gateway_error(502), TransientError, ""),
        (bad_request("cannot decode audio"), PermanentError, "could not recognise"),
        (bad_request("unsupported lang 'xx-XX'"), PermanentError, "languages"),
        (
            bad_request("Specified folder ID 'a' does not match with service account folder ID 'b'"),
            ConfigError,
            "folder_id",
        ),
    ],
)
def test_every_error_class(fake: YandexSTTFake, failure: Failure, expected: type[ProviderError], words: str) -> None:
    fake.fail(failure)
    error = failed(make(fake), silent_wav(seconds=0.5, rate=16000))
    assert type(error) is expected, error
    assert words in error.message
    if isinstance(error, RateLimitError):
        assert error.retry_after == 2


def test_empty_broken_and_html_answers_are_invalid(fake: YandexSTTFake) -> None:
    wav = silent_wav(seconds=0.5, rate=16000)
    fake.transcript = ""
    assert "no words" in failed(make(fake), wav).message
    for payload in (b'{"result": ', b"<html>Access restricted</html>", b'{"text": "x"}'):
        fake.payload = payload
        error = failed(make(fake), wav)
        assert isinstance(error, InvalidResponseError) and "base_url" in error.message, error


def test_a_cut_connection_is_transient_and_a_wrong_path_names_base_url(fake: YandexSTTFake) -> None:
    wav = silent_wav(seconds=0.5, rate=16000)
    fake.cut = True
    assert type(failed(make(fake), wav)) is TransientError
    fake.cut = False
    error = failed(make(fake, base_url=fake.url + "/v2"), wav)
    assert isinstance(error, ConfigError) and "base_url" in error.message


# --- the connection test ---------------------------------------------------------------------------------------------


def test_the_connection_test_recognises_half_a_second_of_silence(fake: YandexSTTFake) -> None:
    fake.transcript = ""
    report = make(fake).test_connection()
    assert report.ok, report.message
    (sent,) = fake.recognitions()
    assert sent.query["format"] == "lpcm" and len(sent.body) == 16000
    fake.fail(unknown_key())
    assert not make(fake).test_connection().ok
