"""Fixtures shared by every test tier: real audio made by espeak-ng and lame (the bytes fake servers
serve and providers must accept)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

# key_scan: every artifact of the session scanned for the test keys; reliability_record: the fault
# matrix and the reliability figures, printed at the end (and written by `make faults`); contracts.plugin:
# every provider test checks its exchanges against the vendors' specifications (tests/contracts).
pytest_plugins = ["tests.support.key_scan", "tests.support.reliability_record", "tests.contracts.plugin"]


def _require_program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; run `make system-deps`")
    return path


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audio")


@pytest.fixture(scope="session")
def wav_bytes(audio_dir: Path) -> bytes:
    """A real WAV file spoken by espeak-ng."""
    wav = audio_dir / "hello.wav"
    subprocess.run(
        [_require_program("espeak-ng"), "-v", "en", "-w", str(wav), "hello world"],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return wav.read_bytes()


def _encode_mp3(audio_dir: Path, wav_bytes: bytes, name: str, *lame_options: str) -> bytes:
    wav = audio_dir / f"{name}.wav"
    wav.write_bytes(wav_bytes)
    mp3 = audio_dir / f"{name}.mp3"
    subprocess.run(
        [_require_program("lame"), "--quiet", *lame_options, str(wav), str(mp3)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return mp3.read_bytes()


@pytest.fixture(scope="session")
def mp3_bytes(audio_dir: Path, wav_bytes: bytes) -> bytes:
    """The same speech encoded to MP3 by lame."""
    return _encode_mp3(audio_dir, wav_bytes, "plain", "-V", "5")


@pytest.fixture(scope="session")
def mp3_with_id3_bytes(audio_dir: Path, wav_bytes: bytes) -> bytes:
    """MP3 with an ID3v2 tag in front, as many web services send it."""
    return _encode_mp3(audio_dir, wav_bytes, "tagged", "--id3v2-only", "--tt", "hello")
