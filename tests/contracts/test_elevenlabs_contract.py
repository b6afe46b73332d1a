"""ElevenLabs' OpenAPI document (specs/elevenlabs.openapi.json) against what ``elevenlabs`` sends and its fake answers.

Each test starts from a real exchange (the provider's request as the fake recorded it, and the
fake's answer), checks that it keeps the document, then takes out one field the document marks
required and checks that the contract check refuses it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.contracts.checker import ELEVENLABS, recording
from tests.contracts.exchanges import (
    answer_of,
    check,
    elevenlabs,
    json_answer,
    speech,
    violations_text,
    with_body,
    with_json_answer,
)
from tests.fakes.elevenlabs_fake import ElevenLabsFake, serve_elevenlabs, validation_error
from tests.support.fake_http import Recorded, Reply

AUDIO = Reply(200, b"ID3", {"Content-Type": "audio/mpeg"})
# The voice object's fields the document requires (VoiceResponseModel.required).
VOICE_REQUIRED = ("voice_id", "name", "category", "labels", "available_for_tiers", "high_quality_base_model_ids")


@pytest.fixture(scope="module")
def server(mp3_bytes: bytes) -> Iterator[ElevenLabsFake]:
    with serve_elevenlabs(audio={"mp3": mp3_bytes}) as fake:
        yield fake


@pytest.fixture
def fake(server: ElevenLabsFake) -> ElevenLabsFake:
    server.reset()
    return server


@pytest.fixture
def speech_request(fake: ElevenLabsFake) -> Recorded:
    """The text-to-speech request ``elevenlabs`` really sends (shipped settings)."""
    with recording() as log:
        elevenlabs(fake).generate(speech("la manzana", "es"))
    assert log.violations() == []
    [sent] = fake.tts_requests()
    return sent


@pytest.fixture
def voices_request(fake: ElevenLabsFake) -> Recorded:
    """The voice list request ``elevenlabs`` really sends."""
    with recording() as log:
        assert elevenlabs(fake).fetch_voices()
    assert log.violations() == []
    [sent] = [r for r in fake.requests if r.path == "/v1/voices"]
    return sent


def test_the_speech_request_and_the_fakes_answer_keep_the_spec(fake: ElevenLabsFake, speech_request: Recorded) -> None:
    result = check(ELEVENLABS, speech_request, answer_of(fake.handle, speech_request))
    assert result.violations == ()
    assert "text" in speech_request.json()


def test_a_speech_request_without_its_text_breaks_the_spec(speech_request: Recorded) -> None:
    broken = with_body(speech_request, lambda body: body.pop("text"))
    assert "'text' is a required property" in violations_text(check(ELEVENLABS, broken, AUDIO))


def test_an_output_format_the_spec_does_not_list_breaks_it(speech_request: Recorded) -> None:
    from dataclasses import replace

    broken = replace(speech_request, query={"output_format": ["mp3_44100_999"]})
    assert "'mp3_44100_999' is not one of" in violations_text(check(ELEVENLABS, broken, AUDIO))


def test_the_voice_list_request_and_the_fakes_answer_keep_the_spec(
    fake: ElevenLabsFake, voices_request: Recorded
) -> None:
    reply = answer_of(fake.handle, voices_request)
    assert check(ELEVENLABS, voices_request, reply).violations == ()
    assert json_answer(reply)["voices"]


@pytest.mark.parametrize("field", VOICE_REQUIRED)
def test_the_fakes_voice_without_a_required_field_breaks_the_spec(
    fake: ElevenLabsFake, voices_request: Recorded, field: str
) -> None:
    broken = with_json_answer(answer_of(fake.handle, voices_request), lambda body: body["voices"][0].pop(field))
    assert f"'{field}' is a required property" in violations_text(check(ELEVENLABS, voices_request, broken))


def test_the_fakes_422_keeps_the_spec_and_without_msg_breaks_it(speech_request: Recorded) -> None:
    """The one error ElevenLabs documents: FastAPI's 422 (HTTPValidationError of ValidationError)."""
    reply = validation_error((["body", "text"], "field required", "value_error.missing")).reply()
    assert check(ELEVENLABS, speech_request, reply).violations == ()
    broken = with_json_answer(reply, lambda body: body["detail"][0].pop("msg"))
    assert "'msg' is a required property" in violations_text(check(ELEVENLABS, speech_request, broken))
