"""Hostile input for the transcription providers (openai_stt, google_stt, yandex_stt), each against
its fake over real HTTP:

* hostile transcripts in each API's own answer shape: markup and ``[sound:…]`` tags, control and
  invisible characters, a right-to-left override, a lone surrogate (legal in JSON: ``"\\ud800"``),
  NUL, a megabyte of text, and values of the wrong type. A transcript that comes back is clean text
  (`assert_clean_text`; markup is kept as text, to be escaped where it is shown), at most
  `MAX_TRANSCRIPT_CHARS`, UTF-8, and what the engine accepts (`require_media`); anything else is an
  `InvalidResponseError`; never another exception;
* hostile sounds: an HTML page or text named ``.mp3``, empty and one-byte files, a cut MP3, a WAV
  whose header lies about its size, an MP3 whose Xing header claims hours: each is refused with a
  `ProviderError` (before sending when it can be told) or sent; nothing crashes;
* `audio_duration` on the hostile sounds and on seeded random bytes behind every format's magic:
  None or a finite length, never an exception.
"""

from __future__ import annotations

import json
import math
import random
import struct
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest

from addon.core.base.errors import InvalidResponseError, NotFoundError, ProviderError
from addon.core.media.audio_duration import audio_duration
from addon.core.media.checks import require_media
from addon.core.media.types import MediaKind
from addon.core.provider_system.media_provider import MediaProvider
from addon.core.provider_system.transcription import MAX_TRANSCRIPT_CHARS
from addon.providers.text.google_stt import GoogleTranscription
from addon.providers.text.openai_stt import OpenAITranscription
from addon.providers.text.yandex_stt import YandexTranscription
from tests.fakes import google_stt_fake, openai_stt_fake, yandex_stt_fake
from tests.hostile.hostile_checks import assert_clean_text
from tests.hostile.hostile_corpus import FAMILY, SCRIPT
from tests.support.media_samples import SNDFILE_OPUS, silent_wav
from tests.support.shipped import shipped_slice
from tests.support.transcription import heard

WAV = silent_wav(seconds=0.5, rate=16000)

# (id, the transcript as a JSON value, what a clean result must still hold: None = refused)
TRANSCRIPTS: list[tuple[str, Any, str | None]] = [
    ("markup", f"{SCRIPT}<img src=x onerror=alert(2)> hello", "<script>"),
    ("sound-tag", "[sound:../../evil.mp3] hello", "[sound:"),
    ("controls", "he\x00l\x1b[31mlo\x7f wo\u0085rld", "hel[31mlo wo rld"),
    ("invisible", "\u202eevil\u202c \u200bhidden\ufeff", "evil"),
    ("lone-surrogate", "a\ud800b \udfffc", "ab"),
    ("newlines", "line one\r\n\r\nline\ttwo\u2028three", "line one line two"),
    ("emoji", f"family {FAMILY}", FAMILY),
    ("nfd", "Cafe\u0301", "Café"),
    ("huge", "word " * 200_000, "word"),
    ("only-controls", "\x00\x01\u200b\u202e", None),
    ("number", 42, None),
    ("list", ["hello"], None),
    ("null", None, None),
    ("object", {"text": "hello"}, None),
]


@dataclass(frozen=True)
class Setup:
    name: str
    serve: Callable[[], Any]
    make: Callable[[str], MediaProvider]
    answer: Callable[[Any], bytes]


def _settings(name: str, url: str, **more: Any) -> dict[str, Any]:
    return {**shipped_slice("text", name), "enabled": True, "base_url": url, "retry_attempts": 0, **more}


SETUPS = [
    Setup(
        "openai_stt",
        openai_stt_fake.serve_openai_stt,
        lambda url: OpenAITranscription(_settings("openai_stt", url, api_key=openai_stt_fake.TEST_KEY), environ={}),
        lambda value: json.dumps({"text": value}).encode(),
    ),
    Setup(
        "google_stt",
        google_stt_fake.serve_google_stt,
        lambda url: GoogleTranscription(_settings("google_stt", url, api_key=google_stt_fake.TEST_KEY), environ={}),
        lambda value: json.dumps({"results": [{"alternatives": [{"transcript": value}]}]}).encode(),
    ),
    Setup(
        "yandex_stt",
        yandex_stt_fake.serve_yandex_stt,
        lambda url: YandexTranscription(_settings("yandex_stt", url, api_key=yandex_stt_fake.TEST_KEY), environ={}),
        lambda value: json.dumps({"result": value}).encode(),
    ),
]
SETUP_PARAMS = [pytest.param(setup, id=setup.name) for setup in SETUPS]


@pytest.fixture(scope="module")
def fakes() -> Iterator[dict[str, Any]]:
    with ExitStack() as stack:
        yield {setup.name: stack.enter_context(setup.serve()) for setup in SETUPS}


@pytest.mark.parametrize("setup", SETUP_PARAMS)
@pytest.mark.parametrize(("case", "value", "kept"), TRANSCRIPTS, ids=[case[0] for case in TRANSCRIPTS])
def test_a_hostile_transcript_comes_back_clean_or_is_refused(
    setup: Setup, case: str, value: Any, kept: str | None, fakes: dict[str, Any]
) -> None:
    fake = fakes[setup.name]
    fake.reset()
    fake.payload = setup.answer(value)
    provider = setup.make(fake.url)
    try:
        if kept is None:  # nothing left of it is heard as nothing (NotFoundError), never another exception
            with pytest.raises((InvalidResponseError, NotFoundError)):
                provider.generate(heard(WAV, "wav"))
            return
        result = provider.generate(heard(WAV, "wav"))
    finally:
        provider.close()
        fake.reset()
    assert result.data is not None
    text = result.data.decode("utf-8")
    assert_clean_text(text)
    assert kept in text
    assert len(text) <= MAX_TRANSCRIPT_CHARS
    require_media(MediaKind.TEXT, result.data, extension=result.extension, provider=setup.name)


def _lying_wav() -> bytes:
    data = bytearray(silent_wav(seconds=0.5, rate=16000))
    data[4:8] = struct.pack("<I", 0xFFFFFFF0)
    data[40:44] = struct.pack("<I", 0xFFFFFFF0)
    return bytes(data)


def _xing_claiming_hours(mp3: bytes) -> bytes:
    at = mp3.find(b"Xing")
    if at < 0:
        at = mp3.find(b"Info")
    assert at > 0, "lame wrote no Xing/Info header"
    return mp3[: at + 8] + struct.pack(">I", 10_000_000) + mp3[at + 12 :]


HOSTILE_SOUNDS: list[tuple[str, Callable[[bytes], bytes], str]] = [
    ("html-as-mp3", lambda mp3: b"<!DOCTYPE html><html><body>Sign in</body></html>" * 3, "mp3"),
    ("text-as-mp3", lambda mp3: b"just some words, not a sound" * 5, "mp3"),
    ("empty", lambda mp3: b"", "mp3"),
    ("one-byte", lambda mp3: b"\xff", "mp3"),
    ("cut-mp3", lambda mp3: mp3[: len(mp3) // 3], "mp3"),
    ("lying-wav", lambda mp3: _lying_wav(), "wav"),
    ("xing-claims-hours", _xing_claiming_hours, "mp3"),
    ("opus-named-mp3", lambda mp3: SNDFILE_OPUS, "mp3"),
]


@pytest.mark.parametrize("setup", SETUP_PARAMS)
@pytest.mark.parametrize(("case", "make_sound", "extension"), HOSTILE_SOUNDS, ids=[c[0] for c in HOSTILE_SOUNDS])
def test_a_hostile_sound_is_refused_or_sent_and_nothing_crashes(
    setup: Setup,
    case: str,
    make_sound: Callable[[bytes], bytes],
    extension: str,
    fakes: dict[str, Any],
    mp3_bytes: bytes,
) -> None:
    fake = fakes[setup.name]
    fake.reset()
    sound = make_sound(mp3_bytes)
    provider = setup.make(fake.url)
    try:
        provider.generate(heard(sound, extension))
    except ProviderError as exc:
        assert exc.message and exc.provider == setup.name
        if case in ("empty", "xing-claims-hours"):
            assert fake.requests == [], "refused only after sending"
    finally:
        provider.close()
        fake.reset()


def test_audio_duration_survives_hostile_and_random_bytes(mp3_bytes: bytes) -> None:
    samples = [make(mp3_bytes) for _, make, _ in HOSTILE_SOUNDS]
    heads = [b"ID3\x04\x00\x00", b"\xff\xfb\x90\x64", b"RIFF\x00\x00\x00\x00WAVEfmt ", b"OggS\x00\x02", b"fLaC\x00"]
    chance = random.Random(22)
    for _ in range(3000):
        head = chance.choice(heads)
        samples.append(head + chance.randbytes(chance.randrange(0, 400)))
        cut = mp3_bytes[: chance.randrange(0, len(mp3_bytes))]
        samples.append(bytes(b ^ chance.randrange(256) if chance.random() < 0.01 else b for b in cut))
    for sample in samples:
        for extension in ("", "mp3", "wav", "ogg", "flac"):
            found = audio_duration(sample, extension=extension)
            assert found is None or (math.isfinite(found) and found > 0), (found, sample[:16])
