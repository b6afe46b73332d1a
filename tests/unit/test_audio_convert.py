"""Audio converted to the user's format with the real lame and sox, read back by a real decoder;
what happens when no program can convert; a converter that fails."""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from addon.core.base.errors import PermanentError
from addon.core.engine.generation import generate_all
from addon.core.media.audio_convert import AudioOutput, convert_audio
from addon.core.media.checks import sniff_audio
from addon.core.media.types import MediaKind, MediaRequest, MediaResult
from tests.support.job_fakes import FakeAudio, Lookup, items

REQUEST = MediaRequest(kind=MediaKind.AUDIO, text="hello", language="en")


def result_of(data: bytes, extension: str) -> MediaResult:
    return MediaResult(request=REQUEST, provider="piper", data=data, extension=extension, mime_type="audio/wav")


def decodes_as_mp3(data: bytes, tmp_path: Path) -> bool:
    """lame's own decoder reads the file back into a WAV of some length."""
    source, decoded = tmp_path / "check.mp3", tmp_path / "check.wav"
    source.write_bytes(data)
    completed = subprocess.run(["lame", "--quiet", "--decode", str(source), str(decoded)], check=False)
    return completed.returncode == 0 and decoded.stat().st_size > 1000


@pytest.fixture(scope="module")
def ogg_bytes(tmp_path_factory: pytest.TempPathFactory, wav_bytes: bytes) -> bytes:
    folder = tmp_path_factory.mktemp("ogg")
    (folder / "in.wav").write_bytes(wav_bytes)
    subprocess.run(["sox", "-q", str(folder / "in.wav"), str(folder / "out.ogg")], check=True)
    return (folder / "out.ogg").read_bytes()


def test_wav_becomes_mp3_that_a_real_decoder_reads(wav_bytes: bytes, tmp_path: Path) -> None:
    converted = convert_audio(result_of(wav_bytes, "wav"), AudioOutput("mp3"))
    assert (converted.extension, converted.mime_type) == ("mp3", "audio/mpeg")
    assert converted.data is not None and sniff_audio(converted.data) == "mp3"
    assert decodes_as_mp3(converted.data, tmp_path)


def test_ogg_becomes_mp3_through_sox_and_lame_without_ffmpeg(ogg_bytes: bytes, tmp_path: Path) -> None:
    assert sniff_audio(ogg_bytes) == "ogg"

    def without_ffmpeg(name: str) -> str | None:
        return None if name == "ffmpeg" else shutil.which(name)

    converted = convert_audio(result_of(ogg_bytes, "ogg"), AudioOutput("mp3"), which=without_ffmpeg)
    assert converted.extension == "mp3" and converted.data is not None
    assert decodes_as_mp3(converted.data, tmp_path)


def test_wav_becomes_ogg_with_sox(wav_bytes: bytes) -> None:
    converted = convert_audio(result_of(wav_bytes, "wav"), AudioOutput("ogg"), which=shutil.which)
    assert converted.data is not None and sniff_audio(converted.data) == "ogg" and converted.extension == "ogg"


def test_audio_already_in_the_format_is_left_as_it_is(mp3_bytes: bytes) -> None:
    original = result_of(mp3_bytes, "mp3")
    assert convert_audio(original, AudioOutput("mp3")) is original


def test_without_a_converter_the_audio_is_kept_under_its_true_extension_when_allowed(wav_bytes: bytes) -> None:
    original = result_of(wav_bytes, "wav")
    assert convert_audio(original, AudioOutput("mp3", keep_unconverted=True), which=lambda name: None) is original


def test_without_a_converter_and_not_allowed_to_keep_it_the_message_says_what_to_install(wav_bytes: bytes) -> None:
    with pytest.raises(PermanentError, match="install ffmpeg or lame") as excinfo:
        convert_audio(result_of(wav_bytes, "wav"), AudioOutput("mp3", keep_unconverted=False), which=lambda n: None)
    assert excinfo.value.provider == "piper"


def test_a_converter_that_fails_gives_its_last_words(wav_bytes: bytes, tmp_path: Path) -> None:
    broken = tmp_path / "lame"
    broken.write_text("#!/bin/sh\necho 'lame: unsupported input' >&2\nexit 3\n")
    broken.chmod(0o755)

    def broken_lame(name: str) -> str | None:
        return str(broken) if name == "lame" else None

    with pytest.raises(PermanentError, match="could not be converted with lame: lame: unsupported input"):
        convert_audio(result_of(wav_bytes, "wav"), AudioOutput("mp3"), which=broken_lame)


def test_the_job_converts_a_providers_wav_before_it_is_stored(wav_bytes: bytes, tmp_path: Path) -> None:
    class WavSpeech(FakeAudio):
        name = "primary"

        def generate(self, request: MediaRequest) -> MediaResult:
            return MediaResult(request=request, provider=self.name, data=wav_bytes, extension="wav")

    work = items("hello", providers=("primary",))
    outcome = generate_all(
        work, providers=Lookup(WavSpeech()), cancel=threading.Event(), audio_output=AudioOutput("mp3")
    )
    (result,) = outcome.results.values()
    assert result.ok and result.extension == "mp3" and result.data is not None
    assert decodes_as_mp3(result.data, tmp_path)
