"""Google's discovery document (specs/texttospeech.v1.discovery.json) against what ``google_tts`` sends and its fake answers.

The discovery document has no ``required`` lists: a field is required when its description starts
with ``Required.`` (see tests/contracts/discovery.py). It marks no field of an answer so; the
answers are checked for their fields, types, enums and formats.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.contracts.checker import GOOGLE_TTS, google_discovery, recording
from tests.contracts.exchanges import (
    answer_of,
    check,
    google_tts,
    json_answer,
    speech,
    violations_text,
    with_body,
    with_json_answer,
)
from tests.fakes.google_tts_fake import GoogleTTSFake, serve_google_tts
from tests.support.fake_http import Recorded, Reply

AUDIO = Reply.of_json({"audioContent": "SUQz"})


@pytest.fixture(scope="module")
def server(mp3_bytes: bytes) -> Iterator[GoogleTTSFake]:
    with serve_google_tts() as fake:
        fake.audio["MP3"] = mp3_bytes
        yield fake


@pytest.fixture
def fake(server: GoogleTTSFake, mp3_bytes: bytes) -> GoogleTTSFake:
    server.reset()
    server.audio["MP3"] = mp3_bytes
    return server


@pytest.fixture
def synthesize_request(fake: GoogleTTSFake) -> Recorded:
    """The synthesis request ``google_tts`` really sends (shipped settings)."""
    with recording() as log:
        google_tts(fake).generate(speech())
    assert log.violations() == []
    [sent] = fake.synthesize_requests()
    return sent


@pytest.fixture
def voices_request(fake: GoogleTTSFake) -> Recorded:
    """The voice list request ``google_tts`` really sends."""
    with recording() as log:
        assert google_tts(fake).fetch_voices()
    assert log.violations() == []
    [sent] = fake.voices_requests()
    return sent


def test_the_documents_required_fields_are_the_ones_its_descriptions_say() -> None:
    """What the validator takes as required, from the ``Required.`` descriptions of the document."""
    schemas = google_discovery().schemas
    required = {
        (name, field)
        for name in ("SynthesizeSpeechRequest", "SynthesisInput", "VoiceSelectionParams", "AudioConfig", "Voice")
        for field, item in schemas[name]["properties"].items()
        if str(item.get("description", "")).startswith("Required.")
    }
    assert required == {
        ("SynthesizeSpeechRequest", "input"),
        ("SynthesizeSpeechRequest", "voice"),
        ("SynthesizeSpeechRequest", "audioConfig"),
        ("VoiceSelectionParams", "languageCode"),
        ("AudioConfig", "audioEncoding"),
    }


def test_the_synthesis_request_and_the_fakes_answer_keep_the_spec(
    fake: GoogleTTSFake, synthesize_request: Recorded
) -> None:
    result = check(GOOGLE_TTS, synthesize_request, answer_of(fake.handle, synthesize_request))
    assert result.violations == ()
    assert set(synthesize_request.query) == {"key"}


def _pop(*path: str) -> Callable[[dict[str, Any]], None]:
    def change(body: dict[str, Any]) -> None:
        for part in path[:-1]:
            body = body[part]
        body.pop(path[-1])

    return change


@pytest.mark.parametrize(
    "path",
    [("input",), ("voice",), ("audioConfig",), ("voice", "languageCode"), ("audioConfig", "audioEncoding")],
    ids=".".join,
)
def test_a_synthesis_request_without_a_required_field_breaks_the_spec(
    synthesize_request: Recorded, path: tuple[str, ...]
) -> None:
    broken = with_body(synthesize_request, _pop(*path))
    assert f"{'.'.join(('body', *path))}: required" in violations_text(check(GOOGLE_TTS, broken, AUDIO))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda body: body["audioConfig"].update(audioEncoding="FLAC"), "'FLAC' is not one of"),
        (lambda body: body["audioConfig"].update(speakingRate="fast"), "audioConfig.speakingRate: expected a number"),
        (lambda body: body.update(audio={}), "body.audio: not a field of SynthesizeSpeechRequest"),
    ],
    ids=["enum", "type", "unknown field"],
)
def test_a_synthesis_request_off_the_spec_breaks_it(
    synthesize_request: Recorded, change: Callable[[dict[str, Any]], None], words: str
) -> None:
    assert words in violations_text(check(GOOGLE_TTS, with_body(synthesize_request, change), AUDIO))


def test_an_unknown_query_parameter_breaks_the_spec(synthesize_request: Recorded) -> None:
    from dataclasses import replace

    broken = replace(synthesize_request, query={**synthesize_request.query, "voice": ["x"]})
    assert "query parameter 'voice'" in violations_text(check(GOOGLE_TTS, broken, AUDIO))


def test_the_fakes_audio_that_is_not_base64_breaks_the_spec(fake: GoogleTTSFake, synthesize_request: Recorded) -> None:
    broken = with_json_answer(answer_of(fake.handle, synthesize_request), lambda body: body.update(audioContent="!!"))
    assert "answer.audioContent: not base64" in violations_text(check(GOOGLE_TTS, synthesize_request, broken))


def test_the_voice_list_request_and_the_fakes_answer_keep_the_spec(
    fake: GoogleTTSFake, voices_request: Recorded
) -> None:
    reply = answer_of(fake.handle, voices_request)
    assert check(GOOGLE_TTS, voices_request, reply).violations == ()
    assert json_answer(reply)["voices"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda voice: voice.update(ssmlGender="WOMAN"), "answer.voices[0].ssmlGender: 'WOMAN' is not one of"),
        (lambda voice: voice.update(languageCodes="en-US"), "answer.voices[0].languageCodes: expected an array"),
        (lambda voice: voice.update(naturalSampleRateHertz="24000"), "naturalSampleRateHertz: expected an integer"),
        (lambda voice: voice.update(gender="FEMALE"), "answer.voices[0].gender: not a field of Voice"),
    ],
    ids=["enum", "array", "integer", "unknown field"],
)
def test_the_fakes_voice_off_the_spec_breaks_it(
    fake: GoogleTTSFake, voices_request: Recorded, change: Callable[[dict[str, Any]], None], words: str
) -> None:
    broken = with_json_answer(answer_of(fake.handle, voices_request), lambda body: change(body["voices"][0]))
    assert words in violations_text(check(GOOGLE_TTS, voices_request, broken))
