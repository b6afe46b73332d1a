"""`TranscriptionProvider` without a network: the limits are checked before `transcribe` is called,
a sound in a format the service does not take is converted (real lame/sox), the transcript becomes a
`MediaResult` of UTF-8 text that the engine accepts (`require_media` for kind text), the price is
per minute, and a transcription provider goes through the engine's fallback like any other."""

from __future__ import annotations

import io
import threading
import wave
from typing import ClassVar

import pytest

from addon.core.base.errors import InvalidResponseError, NotFoundError, PermanentError
from addon.core.engine.generation import generate_all
from addon.core.job.plan import WorkItem, transcription_price
from addon.core.media.checks import require_media
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.provider_system.info import check_provider_class, slice_schema
from addon.core.provider_system.media_provider import HealthReport
from addon.core.provider_system.transcription import TranscriptionProvider, text_result
from tests.support.job_fakes import Lookup
from tests.support.media_samples import silent_wav
from tests.support.transcription import heard


class Ear(TranscriptionProvider):
    """Hears what it is told; records what it was sent."""

    name = "ear"
    description = "A transcription provider for tests."
    max_audio_seconds = 10.0
    max_audio_bytes = 200_000
    accepted_formats = frozenset({"wav"})
    send_rate = 16000
    answer = "Hello,   world!\n"
    sent: ClassVar[list[tuple[bytes, str, str]]] = []

    def transcribe(self, audio: bytes, *, extension: str, language: str, request: MediaRequest) -> str:
        self.sent.append((audio, extension, language))
        return self.answer

    def test_connection(self) -> HealthReport:
        return HealthReport(self.name, True, 0.0)


@pytest.fixture
def ear() -> Ear:
    Ear.sent.clear()
    return Ear({}, environ={})


def test_the_class_passes_the_interface_check_and_has_a_price_per_minute() -> None:
    check_provider_class(Ear, kind=MediaKind.TEXT, name="ear", target="x:Ear")
    assert "price_per_minute" in slice_schema(Ear)["properties"]
    assert Ear({"price_per_minute": 0.006}, environ={}).price_per_minute == 0.006


def test_a_taken_sound_is_sent_as_it_is_and_the_transcript_is_one_line_of_utf8(ear: Ear) -> None:
    wav = silent_wav(seconds=0.5, rate=16000)
    result = ear.generate(heard(wav, "wav", language="de"))
    assert (result.data, result.extension, result.mime_type) == (b"Hello, world!", "txt", "text/plain")
    assert ear.sent == [(wav, "wav", "de")]
    assert result.data is not None
    require_media(MediaKind.TEXT, result.data, extension="txt", provider="ear")


def test_another_format_is_converted_to_16_khz_mono_wav(ear: Ear, mp3_bytes: bytes) -> None:
    ear.generate(heard(mp3_bytes, "mp3"))
    ((sent, extension, _),) = ear.sent
    assert extension == "wav"
    with wave.open(io.BytesIO(sent)) as reader:
        assert (reader.getframerate(), reader.getnchannels()) == (16000, 1)


def test_a_sound_over_the_limits_is_refused_before_transcribe(ear: Ear) -> None:
    with pytest.raises(PermanentError, match=r"11\.0 s long .* at most 10 s"):
        ear.generate(heard(silent_wav(seconds=11, rate=8000), "wav"))
    with pytest.raises(PermanentError, match=r"0\.3 MB as sent .* at most 0\.2 MB"):
        ear.generate(heard(silent_wav(seconds=8, rate=16000), "wav"))
    with pytest.raises(PermanentError, match="without a sound"):
        ear.generate(MediaRequest(kind=MediaKind.TEXT, text="x"))
    assert ear.sent == []


def test_nothing_heard_is_an_answer_not_a_failure() -> None:
    request = heard(silent_wav(), "wav")
    with pytest.raises(NotFoundError, match="no words"):
        text_result(request, " \n\t", provider="ear", started=0.0)


@pytest.mark.parametrize(
    ("data", "extension", "problem"),
    [
        (b"", "txt", "empty transcript"),
        (b"  ", "txt", "empty transcript"),
        (b"hello", "mp3", "labelled as mp3"),
        (b"\xff\xfehello", "txt", "not UTF-8"),
        (b"x" * 100, "txt", "limit"),
    ],
)
def test_the_engine_refuses_a_transcript_that_is_not_text(data: bytes, extension: str, problem: str) -> None:
    with pytest.raises(InvalidResponseError, match=problem):
        require_media(MediaKind.TEXT, data, extension=extension, provider="ear", max_bytes=50)


def test_the_price_is_per_minute_of_sound() -> None:
    assert transcription_price(price_per_minute=0.006, duration_s=30) == pytest.approx(0.003)
    assert transcription_price(price_per_minute=0.006, duration_s=None) == 0.006


class Deaf(Ear):
    name = "deaf"
    answer = ""


def test_the_engine_falls_back_to_the_next_transcription_provider(ear: Ear) -> None:
    wav = silent_wav(seconds=0.5, rate=16000)
    work = [WorkItem(heard(wav, "wav"), ("deaf", "ear"))]
    outcome = generate_all(work, providers=Lookup(Deaf({}, environ={}), ear), cancel=threading.Event())
    made = outcome.results[work[0].key]
    assert made.ok and made.provider == "ear" and made.data == b"Hello, world!"


class Quiet(Ear):
    """Hears words only in `SPOKEN`; every other sound is silence to it (music, a clip too short)."""

    name = "quiet"

    def transcribe(self, audio: bytes, *, extension: str, language: str, request: MediaRequest) -> str:
        self.sent.append((audio, extension, language))
        return "hola" if audio == SPOKEN else ""


SPOKEN = silent_wav(seconds=0.05, rate=16000)


def test_sounds_in_which_nothing_is_heard_are_asked_once_and_do_not_pause_the_provider() -> None:
    # Nothing heard is the service's answer for that sound, not a failure of the service: asked
    # again it hears nothing again (paid twice), and counted against the breaker (5 failures in a
    # row by default) a few silent clips would pause it for every later sound of the job.
    Ear.sent.clear()
    silent = [silent_wav(seconds=0.1 * n, rate=16000) for n in range(1, 7)]
    work = [WorkItem(heard(wav, "wav"), ("quiet",)) for wav in [*silent, SPOKEN]]
    lookup = Lookup(Quiet({"max_concurrency": 1, "retry_attempts": 2}, environ={}), failure_threshold=5)
    outcome = generate_all(work, providers=lookup, cancel=threading.Event())
    assert [len(sent) for sent, _, _ in Ear.sent] == [len(wav) for wav in [*silent, SPOKEN]], "each sound asked once"
    spoken = outcome.results[work[-1].key]
    assert spoken.ok and spoken.data == b"hola", spoken.error
    for item in work[:-1]:
        error = outcome.results[item.key].error
        assert error is not None and "no words" in error.message, error
    assert lookup.breakers["quiet"].state == "closed"
    assert lookup.healths["quiet"].snapshot().failures == 0
