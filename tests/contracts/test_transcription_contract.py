"""The transcription providers' exchanges against the vendors' own documents: OpenAI's
``POST /audio/transcriptions`` (a multipart form, specs/openai.openapi.json) and Google's
``speech.speech.recognize`` (specs/speech.v1.discovery.json). Each test starts from the request the
provider really sends to its fake and the fake's answer, checks that they keep the document, then
breaks one thing the document forbids and checks that the contract check refuses it."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import pytest

from addon.providers.text.google_stt import GoogleTranscription
from addon.providers.text.openai_stt import OpenAITranscription
from tests.contracts.checker import GOOGLE_STT, OPENAI, google_discovery, openapi_document, recording
from tests.contracts.exchanges import answer_of, check, violations_text, with_body, with_json_answer
from tests.fakes.google_stt_fake import GoogleSTTFake, serve_google_stt
from tests.fakes.openai_stt_fake import OpenAISTTFake, serve_openai_stt
from tests.support.fake_http import Recorded
from tests.support.media_samples import silent_wav
from tests.support.shipped import shipped_slice
from tests.support.transcription import heard

COMMON = {"enabled": True, "requests_per_minute": 60000, "retry_attempts": 0}
WAV = silent_wav(seconds=0.5, rate=16000)


@pytest.fixture(scope="module")
def openai_fake() -> Iterator[OpenAISTTFake]:
    with serve_openai_stt() as fake:
        yield fake


@pytest.fixture(scope="module")
def google_fake() -> Iterator[GoogleSTTFake]:
    with serve_google_stt() as fake:
        yield fake


@pytest.fixture
def transcription_request(openai_fake: OpenAISTTFake, mp3_bytes: bytes) -> Recorded:
    """The multipart request ``openai_stt`` really sends (shipped settings, a key)."""
    openai_fake.reset()
    from tests.fakes.openai_stt_fake import TEST_KEY

    settings = {**shipped_slice("text", "openai_stt"), **COMMON, "api_key": TEST_KEY, "base_url": openai_fake.url}
    with recording() as log:
        OpenAITranscription(settings, environ={}).generate(heard(mp3_bytes, "mp3", language="de"))
    assert log.violations() == []
    [sent] = [r for r in openai_fake.requests if r.path.endswith("/audio/transcriptions")]
    return sent


@pytest.fixture
def recognize_request(google_fake: GoogleSTTFake) -> Recorded:
    """The JSON request ``google_stt`` really sends (shipped settings, a key)."""
    google_fake.reset()
    from tests.fakes.google_stt_fake import TEST_KEY

    settings = {**shipped_slice("text", "google_stt"), **COMMON, "api_key": TEST_KEY, "base_url": google_fake.url}
    with recording() as log:
        GoogleTranscription(settings, environ={}).generate(heard(WAV, "wav", language="de"))
    assert log.violations() == []
    [sent] = google_fake.requests
    return sent


def without_part(request: Recorded, name: str) -> Recorded:
    """``request`` (multipart) without the part named ``name``."""
    boundary = request.headers["content-type"].split("boundary=", 1)[1].encode()
    parts = request.body.split(b"--" + boundary)
    kept = [part for part in parts if f'name="{name}"'.encode() not in part]
    return dataclasses.replace(request, body=(b"--" + boundary).join(kept))


def with_part(request: Recorded, name: str, value: str) -> Recorded:
    boundary = request.headers["content-type"].split("boundary=", 1)[1].encode()
    extra = b"--" + boundary + f'\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    return dataclasses.replace(request, body=extra + request.body)


def test_the_vendored_documents_hold_the_transcription_operations() -> None:
    assert "post" in openapi_document(OPENAI)["paths"]["/audio/transcriptions"]
    discovery = google_discovery(GOOGLE_STT)
    assert discovery.document["id"] == "speech:v1"
    assert discovery.method("POST", "/v1/speech:recognize") is not None


def test_openai_stt_keeps_the_document_and_a_broken_form_does_not(
    openai_fake: OpenAISTTFake, transcription_request: Recorded
) -> None:
    answer = answer_of(openai_fake.handle, transcription_request)
    assert check(OPENAI, transcription_request, answer).violations == ()
    assert re.search(
        r"'model' is a required property",
        violations_text(check(OPENAI, without_part(transcription_request, "model"), answer)),
    )
    assert re.search(
        r"'file' is a required property",
        violations_text(check(OPENAI, without_part(transcription_request, "file"), answer)),
    )
    assert "Additional properties" in violations_text(
        check(OPENAI, with_part(transcription_request, "voice", "x"), answer)
    )
    assert "temperature" in violations_text(
        check(OPENAI, with_part(transcription_request, "temperature", "warm"), answer)
    )
    unsigned = dataclasses.replace(
        transcription_request, headers={k: v for k, v in transcription_request.headers.items() if k != "authorization"}
    )
    assert "Security" in violations_text(check(OPENAI, unsigned, answer))


def test_the_openai_stt_fakes_answer_keeps_the_document_and_one_without_text_does_not(
    openai_fake: OpenAISTTFake, transcription_request: Recorded
) -> None:
    answer = answer_of(openai_fake.handle, transcription_request)
    assert check(OPENAI, transcription_request, answer).violations == ()

    def drop_text(body: Any) -> None:
        del body["text"]

    broken = with_json_answer(answer, drop_text)
    assert "the answer breaks the spec" in violations_text(check(OPENAI, transcription_request, broken))


def test_google_stt_keeps_the_document_and_a_broken_body_does_not(
    google_fake: GoogleSTTFake, recognize_request: Recorded
) -> None:
    answer = answer_of(google_fake.handle, recognize_request)
    assert check(GOOGLE_STT, recognize_request, answer).violations == ()

    def drop_language(body: dict[str, Any]) -> None:
        del body["config"]["languageCode"]

    def unknown_field(body: dict[str, Any]) -> None:
        body["config"]["sampleRate"] = 16000

    def bad_encoding(body: dict[str, Any]) -> None:
        body["config"]["encoding"] = "WAV"

    assert "languageCode: required" in violations_text(
        check(GOOGLE_STT, with_body(recognize_request, drop_language), answer)
    )
    assert "sampleRate" in violations_text(check(GOOGLE_STT, with_body(recognize_request, unknown_field), answer))
    assert "WAV" in violations_text(check(GOOGLE_STT, with_body(recognize_request, bad_encoding), answer))


def test_the_google_stt_fakes_answer_keeps_the_document_and_a_wrong_one_does_not(
    google_fake: GoogleSTTFake, recognize_request: Recorded
) -> None:
    answer = answer_of(google_fake.handle, recognize_request)

    def wrong_type(body: Any) -> None:
        body["results"][0]["alternatives"][0]["confidence"] = "high"

    assert "confidence" in violations_text(check(GOOGLE_STT, recognize_request, with_json_answer(answer, wrong_type)))
