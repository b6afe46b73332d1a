"""OpenAI's OpenAPI document (specs/openai.openapi.json) against what our providers send and our fakes answer.

Each test starts from a real exchange — the ``openai_tts`` or ``openai`` provider's request as the
fake recorded it, and the fake's own answer to it — checks that it keeps the document, then takes
out one field the document marks required and checks that the contract check refuses it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.contracts.checker import OPENAI, check_exchange, recording
from tests.contracts.exchanges import (
    answer_of,
    check,
    json_answer,
    openai_images,
    openai_tts,
    picture,
    speech,
    violations_text,
    with_body,
    with_json_answer,
)
from tests.fakes.openai_fake import OpenAIFake, serve_openai
from tests.fakes.openai_tts_fake import OpenAITTSFake, _Audio, rate_limited, serve_openai_tts
from tests.support.fake_http import Recorded, Reply

AUDIO = Reply(200, b"ID3", {"Content-Type": "audio/mpeg"})
CREATED = Reply.of_json({"created": 1745000000, "data": []})


@pytest.fixture(scope="module")
def tts_fake(mp3_bytes: bytes) -> Iterator[OpenAITTSFake]:
    with serve_openai_tts(audio={"mp3": mp3_bytes}) as fake:
        yield fake


@pytest.fixture(scope="module")
def images_fake() -> Iterator[OpenAIFake]:
    with serve_openai() as fake:
        yield fake


@pytest.fixture
def speech_request(tts_fake: OpenAITTSFake) -> Recorded:
    """The speech request ``openai_tts`` really sends (shipped settings)."""
    tts_fake.reset()
    with recording() as log:
        openai_tts(tts_fake).generate(speech())
    assert log.violations() == []
    [sent] = tts_fake.speech_requests()
    return sent


@pytest.fixture
def picture_request(images_fake: OpenAIFake) -> Recorded:
    """The picture request ``openai`` really sends (shipped settings: a GPT image model)."""
    images_fake.reset()
    with recording() as log:
        openai_images(images_fake).generate(picture())
    assert log.violations() == []
    [sent] = images_fake.generation_requests()
    return sent


def test_the_speech_request_openai_tts_sends_and_the_fakes_answer_keep_the_spec(
    tts_fake: OpenAITTSFake, speech_request: Recorded
) -> None:
    answer = tts_fake.handle(speech_request)
    assert isinstance(answer, _Audio)
    result = check_exchange(OPENAI, speech_request, status=200, content_type=answer.content_type, body=answer.data)
    assert result.violations == ()
    assert set(speech_request.json()) >= {"model", "input", "voice"}


@pytest.mark.parametrize("field", ["model", "input", "voice"])
def test_a_speech_request_without_a_required_field_breaks_the_spec(speech_request: Recorded, field: str) -> None:
    broken = with_body(speech_request, lambda body: body.pop(field))
    result = check(OPENAI, broken, AUDIO)
    assert f"'{field}' is a required property" in violations_text(result)


def test_a_speech_request_with_a_field_the_spec_does_not_have_breaks_it(speech_request: Recorded) -> None:
    """CreateSpeechRequest says ``additionalProperties: false``."""
    broken = with_body(speech_request, lambda body: body.update(format="mp3"))
    assert "Additional properties are not allowed ('format' was unexpected)" in violations_text(
        check(OPENAI, broken, AUDIO)
    )


def test_the_fakes_429_keeps_the_spec_and_without_param_breaks_it(speech_request: Recorded) -> None:
    """The one error OpenAI documents for speech: 429 with ErrorResponse (all four keys required)."""
    reply = rate_limited().reply()
    assert check(OPENAI, speech_request, reply).violations == ()
    broken = with_json_answer(reply, lambda body: body["error"].pop("param"))
    assert "'param' is a required property" in violations_text(check(OPENAI, speech_request, broken))


def test_the_picture_request_openai_sends_and_the_fakes_answer_keep_the_spec(
    images_fake: OpenAIFake, picture_request: Recorded
) -> None:
    reply = answer_of(images_fake.handle, picture_request)
    assert check(OPENAI, picture_request, reply).violations == ()
    assert "created" in json_answer(reply)


def test_a_picture_request_without_its_prompt_breaks_the_spec(
    images_fake: OpenAIFake, picture_request: Recorded
) -> None:
    broken = with_body(picture_request, lambda body: body.pop("prompt"))
    assert "'prompt' is a required property" in violations_text(check(OPENAI, broken, CREATED))


def test_the_fakes_picture_answer_without_created_breaks_the_spec(
    images_fake: OpenAIFake, picture_request: Recorded
) -> None:
    broken = with_json_answer(answer_of(images_fake.handle, picture_request), lambda body: body.pop("created"))
    assert "'created' is a required property" in violations_text(check(OPENAI, picture_request, broken))


@pytest.mark.parametrize("field", ["id", "object", "created", "owned_by"])
def test_the_fakes_model_answer_without_a_required_field_breaks_the_spec(images_fake: OpenAIFake, field: str) -> None:
    """The connection check's ``GET /v1/models/{model}``: the fake's model object as the provider asks for it."""
    images_fake.reset()
    with recording() as log:
        assert openai_images(images_fake).test_connection().ok
    assert log.violations() == []
    [asked] = [r for r in images_fake.requests if r.path.startswith("/v1/models")]
    reply = answer_of(images_fake.handle, asked)
    assert check(OPENAI, asked, reply).violations == ()
    broken = with_json_answer(reply, lambda body: body.pop(field))
    assert f"'{field}' is a required property" in violations_text(check(OPENAI, asked, broken))
