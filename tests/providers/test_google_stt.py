"""The ``google_stt`` provider against the fake Speech-to-Text v1 API (tests/fakes/google_stt_fake.py,
docs/speech_to_text.md §2): the JSON sent (the sound in base64, FLAC or mono WAV as they are, MP3
and stereo WAV converted to 16 kHz mono FLAC), the transcript, every error class, the limits
refused before sending, and the connection test."""

from __future__ import annotations

import io
import struct
import subprocess
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

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
from addon.core.media.checks import sniff_audio
from addon.core.media.types import MediaKind
from addon.core.provider_system.info import check_provider_class, slice_schema
from addon.providers.text.google_stt import MAX_AUDIO_BYTES, GoogleTranscription
from tests.fakes.google_stt_fake import (
    TEST_KEY,
    TEST_TOKEN,
    Failure,
    GoogleSTTFake,
    api_key_invalid,
    billing_disabled,
    decoded_audio,
    html_gateway_error,
    invalid_argument,
    invalid_token,
    rate_limited,
    serve_google_stt,
    server_error,
    service_disabled,
)
from tests.support.media_samples import LIBFLAC_FLAC, silent_wav
from tests.support.shipped import shipped_slice
from tests.support.transcription import heard

SHIPPED_BLOCK: dict[str, Any] = shipped_slice("text", "google_stt")


@pytest.fixture(scope="module")
def server() -> Iterator[GoogleSTTFake]:
    with serve_google_stt() as fake:
        yield fake


@pytest.fixture
def fake(server: GoogleSTTFake) -> Iterator[GoogleSTTFake]:
    server.reset()
    yield server
    server.reset()


def make(fake: GoogleSTTFake, **changes: Any) -> GoogleTranscription:
    settings = {
        **SHIPPED_BLOCK,
        "enabled": True,
        "api_key": TEST_KEY,
        "base_url": fake.url,
        "requests_per_minute": 6000,
        "retry_attempts": 0,
        **changes,
    }
    return GoogleTranscription(settings, environ={})


def failed(provider: GoogleTranscription, data: bytes, extension: str = "wav", **kwargs: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        provider.generate(heard(data, extension, **kwargs))
    assert TEST_KEY not in str(caught.value) and TEST_TOKEN not in str(caught.value)
    return caught.value


def flac_rate_and_channels(data: bytes) -> tuple[int, int]:
    (packed,) = struct.unpack(">Q", data[8 + 10 : 8 + 18])
    return packed >> 44, ((packed >> 41) & 0b111) + 1


def test_class_passes_the_registry_check_and_the_shipped_block_matches_its_schema() -> None:
    check_provider_class(GoogleTranscription, kind=MediaKind.TEXT, name="google_stt", target="x:GoogleTranscription")
    schema = slice_schema(GoogleTranscription)
    jsonschema.validate(SHIPPED_BLOCK, schema)
    for bad in ({"model": "best"}, {"languages": {"en": "english"}}, {"auth": "oauth"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**SHIPPED_BLOCK, **bad}, schema)


def test_without_a_key_nothing_is_sent(fake: GoogleSTTFake) -> None:
    provider = make(fake, api_key="")
    problem = provider.setup_problem()
    assert problem is not None and "api_key" in problem
    assert not provider.test_connection().ok
    assert fake.requests == []


# --- what is sent -------------------------------------------------------------------------------------


def test_a_mono_wav_is_sent_as_it_is_with_the_language_code_and_no_encoding(
    fake: GoogleSTTFake, wav_bytes: bytes
) -> None:
    fake.say(wav_bytes, "Hello world.")
    result = make(fake).generate(heard(wav_bytes, "wav", language="en"))
    assert result.data == b"Hello world." and result.extension == "txt"
    (body,) = fake.recognize_bodies()
    assert body["config"] == {"languageCode": "en-US", "maxAlternatives": 1, "enableAutomaticPunctuation": True}
    assert decoded_audio(body) == wav_bytes
    assert fake.requests[0].query["key"] == [TEST_KEY]


def test_an_mp3_is_converted_to_16_khz_mono_flac(fake: GoogleSTTFake, mp3_bytes: bytes) -> None:
    assert make(fake, languages={"en": "en-GB"}, model="latest_short").generate(heard(mp3_bytes, "mp3")).ok
    (body,) = fake.recognize_bodies()
    sent = decoded_audio(body)
    assert sniff_audio(sent) == "flac" and flac_rate_and_channels(sent) == (16000, 1)
    assert body["config"]["languageCode"] == "en-GB" and body["config"]["model"] == "latest_short"


def test_a_stereo_wav_is_converted_and_flac_goes_as_it_is(
    fake: GoogleSTTFake, tmp_path: Path, wav_bytes: bytes
) -> None:
    (tmp_path / "mono.wav").write_bytes(wav_bytes)
    subprocess.run(["sox", "-q", str(tmp_path / "mono.wav"), "-c", "2", str(tmp_path / "stereo.wav")], check=True)
    stereo = (tmp_path / "stereo.wav").read_bytes()
    provider = make(fake)
    provider.generate(heard(stereo, "wav"))
    provider.generate(heard(LIBFLAC_FLAC, "flac"))
    first, second = fake.recognize_bodies()
    assert flac_rate_and_channels(decoded_audio(first)) == (16000, 1)
    assert decoded_audio(second) == LIBFLAC_FLAC


def test_a_bearer_token_goes_in_the_header_with_the_quota_project(fake: GoogleSTTFake, wav_bytes: bytes) -> None:
    make(fake, auth="bearer", api_key=TEST_TOKEN, quota_project="my-anki-stt").generate(heard(wav_bytes, "wav"))
    request = fake.requests[0]
    assert request.headers["authorization"] == f"Bearer {TEST_TOKEN}" and "key" not in request.query
    assert request.headers["x-goog-user-project"] == "my-anki-stt"


def test_several_results_are_joined(fake: GoogleSTTFake, wav_bytes: bytes) -> None:
    fake.payload = (
        b'{"results": [{"alternatives": [{"transcript": "how old is"}]}, '
        b'{"alternatives": [{"transcript": " the Brooklyn Bridge", "confidence": 0.9}]}]}'
    )
    assert make(fake).generate(heard(wav_bytes, "wav")).data == b"how old is the Brooklyn Bridge"


# --- limits, refused before anything is sent ------------------------------------------------------------


def test_a_sound_over_a_minute_is_refused_before_sending(fake: GoogleSTTFake) -> None:
    long_wav = silent_wav(seconds=61, rate=8000)
    error = failed(make(fake), long_wav)
    assert isinstance(error, PermanentError) and "61.0 s" in error.message and "59 s" in error.message
    assert fake.requests == []


def test_a_sound_too_large_as_base64_is_refused_before_sending(fake: GoogleSTTFake) -> None:
    big = silent_wav(seconds=MAX_AUDIO_BYTES / 96000 + 1, rate=48000)  # 96 kB/s, under a minute
    error = failed(make(fake), big, duration_s=20.0)
    assert isinstance(error, PermanentError) and "at most 7.9 MB" in error.message
    assert fake.requests == []


# --- errors --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "expected", "words"),
    [
        (api_key_invalid(), AuthError, "api_key"),
        (invalid_token(), AuthError, "credentials"),
        (service_disabled(), AuthError, "Cloud Speech-to-Text API is not enabled"),
        (billing_disabled(), QuotaError, "billing"),
        (rate_limited(retry_after="3"), RateLimitError, "rate"),
        (server_error(503), TransientError, "Speech-to-Text service"),
        (html_gateway_error(502), TransientError, ""),
        (invalid_argument("Invalid recognition 'config': bad encoding.."), PermanentError, "could not recognise"),
        (
            invalid_argument("Sync input too long. For audio longer than 1 min use LongRunningRecognize"),
            PermanentError,
            "sound",
        ),
        # any other 400 names the fix too
        (invalid_argument("Request contains an invalid argument."), PermanentError, "google_stt.model"),
    ],
)
def test_every_error_class(
    fake: GoogleSTTFake, wav_bytes: bytes, failure: Failure, expected: type[ProviderError], words: str
) -> None:
    fake.fail(failure)
    error = failed(make(fake), wav_bytes)
    assert type(error) is expected, error
    assert words in error.message
    if isinstance(error, RateLimitError):
        assert error.retry_after == 3


def test_a_language_google_does_not_know_names_the_languages_setting(fake: GoogleSTTFake, wav_bytes: bytes) -> None:
    error = failed(make(fake), wav_bytes, language="xx")
    assert type(error) is PermanentError and "languages" in error.message and "'xx'" in error.message


def test_silence_broken_json_and_a_page_are_invalid_answers(fake: GoogleSTTFake, wav_bytes: bytes) -> None:
    fake.transcript = ""  # Google's answer to silence: no results at all
    error = failed(make(fake), wav_bytes)
    assert isinstance(error, NotFoundError) and "no words" in error.message  # an answer: not retried
    for payload in (b'{"results": [', b"<html><body>Sign in</body></html>", b'{"results": 3}'):
        fake.payload = payload
        error = failed(make(fake), wav_bytes)
        assert isinstance(error, InvalidResponseError) and "base_url" in error.message, error


def test_a_cut_connection_is_transient(fake: GoogleSTTFake, wav_bytes: bytes) -> None:
    fake.cut = True
    assert type(failed(make(fake), wav_bytes)) is TransientError


@pytest.mark.contract_exempt("a base_url with a path Google does not have, on purpose")
def test_a_wrong_path_names_base_url(fake: GoogleSTTFake, wav_bytes: bytes) -> None:
    error = failed(make(fake, base_url=fake.url + "/elsewhere"), wav_bytes)
    assert isinstance(error, ConfigError) and "base_url" in error.message


# --- the connection test ---------------------------------------------------------------------------------------


def test_the_connection_test_recognises_half_a_second_of_silence(fake: GoogleSTTFake) -> None:
    fake.transcript = ""
    report = make(fake).test_connection()
    assert report.ok, report.message
    (body,) = fake.recognize_bodies()
    with wave.open(io.BytesIO(decoded_audio(body))) as reader:
        assert reader.getnframes() / reader.getframerate() == pytest.approx(0.5)
    fake.fail(api_key_invalid())
    report = make(fake).test_connection()
    assert not report.ok and "api_key" in report.message and TEST_KEY not in report.message
