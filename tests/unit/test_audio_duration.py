"""`audio_duration` against real files: espeak-ng speaks a sentence of known length (the WAV's own
sample count, read with Python's `wave`), lame makes MP3 of it (VBR with a Xing header, CBR with
and without one, behind an ID3v2 tag), sox makes Ogg Vorbis and FLAC; Ogg Opus is libsndfile's."""

from __future__ import annotations

import io
import struct
import subprocess
import wave
from pathlib import Path

import pytest

from addon.core.media.audio_duration import audio_duration, audio_file_duration
from tests.support.media_samples import SNDFILE_OPUS, ogg_opus_bytes, silent_wav

# lame adds its encoder delay and padding (under 0.1 s at espeak-ng's 22,050 Hz).
MP3_SLACK_S = 0.1


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("duration")
    wav = folder / "said.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en", "-w", str(wav), "one two three four five six seven eight nine ten"],
        check=True,
        capture_output=True,
        timeout=30,
    )
    for name, options in {
        "vbr.mp3": ["-V", "5"],
        "cbr.mp3": ["-b", "64"],
        "noxing.mp3": ["-b", "64", "-t"],
        "tagged.mp3": ["--id3v2-only", "--tt", "numbers", "-V", "7"],
    }.items():
        subprocess.run(["lame", "--quiet", *options, str(wav), str(folder / name)], check=True, timeout=30)
    for name in ("said.ogg", "said.flac"):
        subprocess.run(["sox", "-q", str(wav), str(folder / name)], check=True, timeout=30)
    return folder


def true_seconds(folder: Path) -> float:
    with wave.open(str(folder / "said.wav")) as reader:
        return float(reader.getnframes() / reader.getframerate())


def test_the_wav_length_is_its_data_over_its_byte_rate(spoken: Path) -> None:
    expected = true_seconds(spoken)
    assert expected > 2.0
    assert audio_file_duration(spoken / "said.wav") == pytest.approx(expected, abs=0.001)


@pytest.mark.parametrize("name", ["vbr.mp3", "cbr.mp3", "noxing.mp3", "tagged.mp3"])
def test_mp3_lengths_come_from_the_vbr_header_or_the_frames(spoken: Path, name: str) -> None:
    found = audio_file_duration(spoken / name)
    assert found is not None
    assert true_seconds(spoken) <= found <= true_seconds(spoken) + MP3_SLACK_S


def test_mp3_without_a_vbr_header_and_garbage_after_few_frames_is_estimated_from_its_bit_rate(spoken: Path) -> None:
    data = (spoken / "noxing.mp3").read_bytes()
    frame_bytes = 64000 * 1152 // 8 // 22050  # 64 kbit/s, MPEG-2 at 22,050 Hz: 576 samples a frame
    broken = data[: frame_bytes // 2] + b"\x00" * 7 + data[frame_bytes // 2 :]
    found = audio_duration(broken, extension="mp3")
    assert found == pytest.approx(true_seconds(spoken), abs=0.3)


@pytest.mark.parametrize("name", ["said.ogg", "said.flac"])
def test_ogg_vorbis_and_flac_lengths_match_the_wav(spoken: Path, name: str) -> None:
    assert audio_file_duration(spoken / name) == pytest.approx(true_seconds(spoken), abs=0.01)


def test_ogg_opus_counts_at_48_khz_without_its_pre_skip() -> None:
    # libsndfile's 0.1 s of Opus; the hand-made stream has 5 frames of 20 ms and no pre-skip.
    assert audio_duration(SNDFILE_OPUS) == pytest.approx(0.1, abs=0.001)
    assert audio_duration(ogg_opus_bytes(frames=5)) == pytest.approx(0.1, abs=0.001)


def test_a_wav_from_a_pipe_with_no_real_size_counts_what_is_there() -> None:
    data = bytearray(silent_wav(seconds=0.5, rate=16000))
    data[40:44] = (0xFFFFFFFF).to_bytes(4, "little")  # the data chunk's size: unknown
    assert audio_duration(bytes(data)) == pytest.approx(0.5, abs=0.001)


@pytest.mark.parametrize(
    "data",
    [b"", b"not a sound at all, just some text that goes on", b"RIFF\x00\x00\x00\x00WAVE", b"fLaC" + b"\x00" * 40],
)
def test_unknown_lengths_are_none(data: bytes) -> None:
    assert audio_duration(data, extension="mp3") is None


def test_a_missing_file_is_none(tmp_path: Path) -> None:
    assert audio_file_duration(tmp_path / "gone.mp3") is None


def test_the_wav_helper_and_the_reader_agree() -> None:
    data = silent_wav(seconds=1.25, rate=22050)
    with wave.open(io.BytesIO(data)) as reader:
        assert audio_duration(data) == pytest.approx(reader.getnframes() / reader.getframerate())


def test_the_xing_header_s_frame_count_is_believed_over_the_frames(spoken: Path) -> None:
    """A Xing/Info header says how many frames there are: the length comes from it (not from
    counting), so a header that claims hours gives hours (and the sound is refused as too long)."""
    data = (spoken / "vbr.mp3").read_bytes()
    at = data.find(b"Xing")
    assert at > 0, "lame wrote no Xing header"
    claimed = data[: at + 8] + struct.pack(">I", 100_000) + data[at + 12 :]
    assert audio_duration(claimed) == pytest.approx(100_000 * 576 / 22050)
