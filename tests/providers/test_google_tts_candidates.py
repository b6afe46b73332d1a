"""Google Cloud TTS for "Choose…" (issue 20 item 3), against the fake's documented shapes: the voices
of the request's language from ``GET v1/voices?languageCode=…`` (exact language code first, then the
language's other regions, capped at the limit), the text spoken in each, each captioned with its
voice; a voice that fails is left out, a refused key fails the whole list."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from addon.core.base.errors import AuthError
from addon.core.media.types import MediaKind, MediaRequest
from addon.providers.audio.google_tts import GoogleSpeech
from tests.fakes.google_tts_fake import (
    DEFAULT_VOICES,
    TEST_KEY,
    GoogleTTSFake,
    Voice,
    api_key_invalid,
    serve_google_tts,
    server_error,
    voice_mp3,
)
from tests.support.shipped import shipped_slice

GERMAN = (
    *DEFAULT_VOICES,
    Voice("de-AT-Standard-A", ("de-AT",)),
    Voice("de-DE-Neural2-C", ("de-DE",), "NEUTRAL"),
)
MORGEN = MediaRequest(kind=MediaKind.AUDIO, text="Guten Morgen", language="de")


@pytest.fixture
def fake() -> Iterator[GoogleTTSFake]:
    with serve_google_tts(voices=GERMAN) as server:
        server.speak_per_voice = True
        yield server


def google(fake: GoogleTTSFake, **changes: Any) -> GoogleSpeech:
    settings = {**shipped_slice("audio", "google_tts"), "enabled": True, "api_key": TEST_KEY, "base_url": fake.url}
    return GoogleSpeech({**settings, "requests_per_minute": 60000, "retry_attempts": 0, **changes}, environ={})


def spoken_by(fake: GoogleTTSFake) -> list[str]:
    return [json.loads(request.body)["voice"].get("name", "") for request in fake.synthesize_requests()]


def test_the_voices_of_the_language_exact_code_first_each_captioned_and_capped_at_the_limit(
    fake: GoogleTTSFake,
) -> None:
    offered = google(fake).candidates(MORGEN, limit=3)

    [listing] = fake.voices_requests()
    assert listing.query["languageCode"] == ["de-DE"] and listing.query["key"] == [TEST_KEY]
    names = ["de-DE-Standard-A", "de-DE-Wavenet-B", "de-DE-Neural2-C"]
    assert spoken_by(fake) == names, "three voices asked for: three requests, de-AT not reached"
    assert [result.caption for result in offered] == [
        "voice de-DE-Standard-A (female)",
        "voice de-DE-Wavenet-B (male)",
        "voice de-DE-Neural2-C (neutral)",
    ]
    assert [result.data for result in offered] == [voice_mp3(GERMAN, name) for name in names]
    assert len({result.data for result in offered}) == 3
    everything = google(fake).candidates(MORGEN, limit=9)
    assert [result.caption for result in everything][-1] == "voice de-AT-Standard-A (female)", "other regions last"
    assert len(everything) == 4


def test_the_voice_a_fill_uses_comes_first(fake: GoogleTTSFake) -> None:
    offered = google(fake, voices={"de": "de-DE-Wavenet-B"}).candidates(MORGEN, limit=2)
    assert spoken_by(fake) == ["de-DE-Wavenet-B", "de-DE-Standard-A"]
    assert offered[0].data == voice_mp3(GERMAN, "de-DE-Wavenet-B")


def test_a_failing_voice_is_left_out_and_a_refused_key_fails_the_list(fake: GoogleTTSFake) -> None:
    fake.fail(server_error(500), times=1)
    offered = google(fake).candidates(MORGEN, limit=3)
    assert [result.caption for result in offered] == ["voice de-DE-Wavenet-B (male)", "voice de-DE-Neural2-C (neutral)"]

    fake.fail(api_key_invalid(), times=1, on="voices")
    with pytest.raises(AuthError):
        google(fake).candidates(MORGEN, limit=3)
