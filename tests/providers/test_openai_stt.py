"""The ``openai_stt`` provider against the fake OpenAI transcription API (tests/fakes/openai_stt_fake.py,
the wire format of docs/speech_to_text.md §1): what is sent (the multipart form, the sound as it is or
converted to WAV for a local server), the transcript it gets back, every error class, limits refused
before anything is sent, and the connection test (OpenAI's model lookup; a local server's silence)."""

from __future__ import annotations

import io
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
from addon.core.media.types import AudioInput, MediaKind, MediaRequest
from addon.core.provider_system.info import check_provider_class, slice_schema
from addon.core.provider_system.transcription import TEXT_EXTENSION, TEXT_MIME_TYPE
from addon.providers.text.openai_stt import MAX_AUDIO_SECONDS, OpenAITranscription
from tests.fakes.openai_stt_fake import (
    HTML_PAGE,
    TEST_KEY,
    Failure,
    OpenAISTTFake,
    bad_request,
    forbidden,
    html_gateway_error,
    insufficient_quota,
    invalid_api_key,
    rate_limited,
    serve_openai_stt,
    server_error,
)
from tests.support.media_samples import silent_wav
from tests.support.shipped import shipped_slice
from tests.support.transcription import heard

SHIPPED_BLOCK: dict[str, Any] = shipped_slice("text", "openai_stt")


@pytest.fixture(scope="module")
def server() -> Iterator[OpenAISTTFake]:
    with serve_openai_stt() as fake:
        yield fake


@pytest.fixture
def fake(server: OpenAISTTFake) -> Iterator[OpenAISTTFake]:
    server.reset()
    yield server
    server.reset()


@pytest.fixture(scope="module")
def local_server() -> Iterator[OpenAISTTFake]:
    with serve_openai_stt(local=True) as fake:
        yield fake


@pytest.fixture
def local(local_server: OpenAISTTFake) -> Iterator[OpenAISTTFake]:
    local_server.reset()
    yield local_server
    local_server.reset()


def make(fake: OpenAISTTFake, **changes: Any) -> OpenAITranscription:
    settings = {
        **SHIPPED_BLOCK,
        "enabled": True,
        "api_key": TEST_KEY,
        "base_url": fake.url,
        "requests_per_minute": 6000,
        "retry_attempts": 0,
        **changes,
    }
    return OpenAITranscription(settings, environ={})


def failed(provider: OpenAITranscription, request: MediaRequest) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        provider.generate(request)
    assert TEST_KEY not in str(caught.value)
    return caught.value


# --- the class and its shipped settings -----------------------------------------------------------------


def test_class_passes_the_registry_check_and_the_shipped_block_matches_its_schema() -> None:
    check_provider_class(OpenAITranscription, kind=MediaKind.TEXT, name="openai_stt", target="x:OpenAITranscription")
    schema = slice_schema(OpenAITranscription)
    jsonschema.validate(SHIPPED_BLOCK, schema)
    assert "price_per_minute" in schema["properties"]
    for bad in ({"upload_format": "mp3"}, {"price_per_minute": -1}, {"model": "two words"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**SHIPPED_BLOCK, **bad}, schema)


def test_openai_without_a_key_names_the_key_and_the_offline_way() -> None:
    provider = OpenAITranscription({**SHIPPED_BLOCK, "enabled": True}, environ={})
    problem = provider.setup_problem()
    assert problem is not None and "api_key" in problem and "base_url" in problem and "whisper.cpp" in problem
    report = provider.test_connection()
    assert not report.ok and "api_key" in report.message


# --- what is sent -----------------------------------------------------------------------------------------


def test_an_mp3_is_sent_as_it_is_with_the_model_the_language_and_json(fake: OpenAISTTFake, mp3_bytes: bytes) -> None:
    fake.say(mp3_bytes, "Hello world.")
    result = make(fake).generate(heard(mp3_bytes, "mp3", language="en-GB"))
    assert result.ok and result.data == b"Hello world."
    assert (result.extension, result.mime_type, result.provider) == (TEXT_EXTENSION, TEXT_MIME_TYPE, "openai_stt")
    (form,) = fake.transcription_forms()
    assert form.fields["model"] == "gpt-4o-mini-transcribe"
    assert form.fields["response_format"] == "json"
    assert form.fields["language"] == "en"
    assert (form.filename, form.file_type, form.file) == ("audio.mp3", "audio/mpeg", mp3_bytes)
    assert fake.requests[0].headers["authorization"] == f"Bearer {TEST_KEY}"


def test_a_language_that_is_not_iso_639_1_is_left_out(fake: OpenAISTTFake, mp3_bytes: bytes) -> None:
    make(fake).generate(heard(mp3_bytes, "mp3", language="yue"))
    make(fake, model="whisper-1").generate(heard(mp3_bytes, "mp3", language=""))
    first, second = fake.transcription_forms()
    assert "language" not in first.fields and "language" not in second.fields
    assert second.fields["model"] == "whisper-1"


def test_a_sound_file_is_read_from_its_path(fake: OpenAISTTFake, mp3_bytes: bytes, tmp_path: Path) -> None:
    path = tmp_path / "clip.mp3"
    path.write_bytes(mp3_bytes)
    assert make(fake).generate(heard(mp3_bytes, "mp3", path=str(path))).data == b"hello world"
    assert fake.transcription_forms()[0].file == mp3_bytes


def test_a_missing_sound_file_is_a_clear_failure_and_nothing_is_sent(fake: OpenAISTTFake, tmp_path: Path) -> None:
    error = failed(make(fake), heard(b"x", "mp3", path=str(tmp_path / "gone.mp3")))
    assert isinstance(error, PermanentError) and "gone.mp3" in error.message and "media folder" in error.message
    assert fake.requests == []


def test_a_local_server_gets_16_khz_mono_wav_without_a_key(local: OpenAISTTFake, mp3_bytes: bytes) -> None:
    provider = make(local, api_key="")
    assert provider.setup_problem() is None
    assert provider.generate(heard(mp3_bytes, "mp3")).data == b"hello world"
    (form,) = local.transcription_forms()
    assert form.filename == "audio.wav" and form.file_type == "audio/wav"
    with wave.open(io.BytesIO(form.file)) as reader:
        assert (reader.getframerate(), reader.getnchannels(), reader.getsampwidth()) == (16000, 1, 2)
        assert reader.getnframes() / 16000 > 0.5
    assert "authorization" not in local.requests[0].headers


def test_upload_format_wav_converts_for_openai_too(fake: OpenAISTTFake, mp3_bytes: bytes) -> None:
    make(fake, upload_format="wav").generate(heard(mp3_bytes, "mp3"))
    assert fake.transcription_forms()[0].filename == "audio.wav"


# --- limits, refused before anything is sent ----------------------------------------------------------------


def test_a_sound_longer_than_the_limit_is_refused_before_sending(fake: OpenAISTTFake) -> None:
    wav = silent_wav(seconds=0.2, rate=8000)
    request = heard(wav, "wav")
    long_request = MediaRequest(
        kind=MediaKind.TEXT,
        text="",
        language="en",
        audio=AudioInput(extension="wav", sha1="x", data=wav, duration_s=MAX_AUDIO_SECONDS + 1),
    )
    error = failed(make(fake), long_request)
    assert isinstance(error, PermanentError)
    assert "1501.0 s" in error.message and "1500 s" in error.message and "shorter sound" in error.message
    assert fake.requests == []
    assert make(fake).generate(request).ok  # the same sound of its true length goes through


def test_a_sound_larger_than_the_limit_is_refused_before_sending(
    fake: OpenAISTTFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(OpenAITranscription, "max_audio_bytes", 1000)
    error = failed(make(fake), heard(silent_wav(seconds=0.5, rate=8000), "wav"))
    assert isinstance(error, PermanentError) and "MB" in error.message and "at most" in error.message
    assert fake.requests == []


# --- errors ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "expected", "words"),
    [
        (invalid_api_key(), AuthError, "api_key"),
        (forbidden(), AuthError, "key's project may use the model"),
        (insufficient_quota(), QuotaError, "credit"),
        (rate_limited(retry_after="7"), RateLimitError, ""),
        (server_error(503), TransientError, ""),
        (html_gateway_error(502), TransientError, ""),
        (
            bad_request("Invalid file format. Supported formats: ['flac', 'mp3']"),
            PermanentError,
            "could not transcribe this sound",
        ),
        (
            bad_request(
                "Invalid language 'xx'. Language parameter must be specified in ISO-639-1 format.", param="language"
            ),
            PermanentError,
            "set the rule's language",
        ),
        (bad_request("The model `x` does not exist", param="model", code="model_not_found"), ConfigError, "model"),
    ],
)
def test_every_error_class(
    fake: OpenAISTTFake, mp3_bytes: bytes, failure: Failure, expected: type[ProviderError], words: str
) -> None:
    fake.fail(failure)
    error = failed(make(fake), heard(mp3_bytes, "mp3"))
    assert type(error) is expected, error
    assert words in error.message
    if isinstance(error, RateLimitError):
        assert error.retry_after == 7


def test_an_html_page_broken_json_no_text_and_an_empty_transcript_are_invalid(
    fake: OpenAISTTFake, mp3_bytes: bytes
) -> None:
    for payload, content_type in (
        (HTML_PAGE, "text/html"),
        (b'{"text": "cut', "application/json"),
        (b'{"usage": {}}', "application/json"),
    ):
        fake.payload, fake.payload_type = payload, content_type
        error = failed(make(fake), heard(mp3_bytes, "mp3"))
        assert isinstance(error, InvalidResponseError), error
    fake.payload = None
    fake.transcript = "   "
    error = failed(make(fake), heard(mp3_bytes, "mp3"))
    assert isinstance(error, NotFoundError) and "no words" in error.message  # an answer: not retried


def test_a_cut_connection_is_transient(fake: OpenAISTTFake, mp3_bytes: bytes) -> None:
    fake.cut = True
    error = failed(make(fake), heard(mp3_bytes, "mp3"))
    assert type(error) is TransientError and "cannot reach" in error.message


@pytest.mark.contract_exempt("a base_url with a path OpenAI does not have, on purpose")
def test_a_404_path_names_base_url(fake: OpenAISTTFake, mp3_bytes: bytes) -> None:
    error = failed(make(fake, base_url=fake.url + "/nowhere"), heard(mp3_bytes, "mp3"))
    assert isinstance(error, ConfigError) and "base_url" in error.message


# --- the connection test ------------------------------------------------------------------------------------------


def test_with_a_key_the_test_looks_the_model_up_and_sends_no_sound(fake: OpenAISTTFake) -> None:
    report = make(fake).test_connection()
    assert report.ok, report.message
    assert [r.path for r in fake.requests] == ["/v1/models/gpt-4o-mini-transcribe"]
    assert not make(fake, model="gpt-nope").test_connection().ok
    fake.fail_always(invalid_api_key(), on="any")


def test_a_local_server_is_tested_with_half_a_second_of_silence(local: OpenAISTTFake) -> None:
    local.transcript = ""
    report = make(local, api_key="").test_connection()
    assert report.ok, report.message
    (form,) = local.transcription_forms()
    assert form.filename == "audio.wav"
