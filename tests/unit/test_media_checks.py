"""sniff_audio / require_audio on real audio from espeak-ng and lame, and on the things servers send
instead of audio."""

from __future__ import annotations

import json

import pytest

from addon.core.errors import InvalidResponseError
from addon.core.media_checks import require_audio, sniff_audio

HTML_ERROR_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    b"<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n"
)
JSON_ERROR = json.dumps(
    {
        "error": {
            "code": 429,
            "message": "Resource has been exhausted (e.g. check quota).",
            "status": "RESOURCE_EXHAUSTED",
        }
    }
).encode()


def test_real_wav_sniffs_as_wav(wav_bytes: bytes) -> None:
    assert wav_bytes[:4] == b"RIFF"
    assert sniff_audio(wav_bytes) == "wav"
    require_audio(wav_bytes, expected="wav", provider="espeak")


def test_real_mp3_sniffs_as_mp3(mp3_bytes: bytes) -> None:
    assert mp3_bytes[0] == 0xFF  # lame without tags starts with a frame header
    assert sniff_audio(mp3_bytes) == "mp3"
    require_audio(mp3_bytes, expected="mp3", provider="espeak")


def test_mp3_with_id3_tag_sniffs_as_mp3(mp3_with_id3_bytes: bytes) -> None:
    assert mp3_with_id3_bytes[:3] == b"ID3"
    assert sniff_audio(mp3_with_id3_bytes) == "mp3"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(HTML_ERROR_PAGE, id="html-error-page"),
        pytest.param(JSON_ERROR, id="json-error"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\x00" * 4096, id="zeros"),
        pytest.param(b"Internal Server Error" * 10, id="plain-text"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, id="png"),
    ],
)
def test_non_audio_is_rejected(data: bytes) -> None:
    assert sniff_audio(data) is None
    with pytest.raises(InvalidResponseError) as excinfo:
        require_audio(data, expected="mp3", provider="tts")
    error = excinfo.value
    assert error.provider == "tts"
    assert f"{len(data)} bytes" in error.message
    assert "not audio" in error.message
    assert not error.provider_wide


def test_rejection_message_shows_what_the_bytes_were() -> None:
    with pytest.raises(InvalidResponseError, match="DOCTYPE html"):
        require_audio(HTML_ERROR_PAGE, expected="mp3", provider="tts")


@pytest.mark.parametrize("size", [0, 4, 12, 44, 63])
def test_truncated_real_audio_is_rejected(wav_bytes: bytes, mp3_bytes: bytes, size: int) -> None:
    assert sniff_audio(wav_bytes[:size]) is None
    assert sniff_audio(mp3_bytes[:size]) is None
    with pytest.raises(InvalidResponseError):
        require_audio(wav_bytes[:size], expected="wav", provider="espeak")


@pytest.mark.parametrize(
    ("fixture_name", "actual", "expected"),
    [("wav_bytes", "wav", "mp3"), ("mp3_bytes", "mp3", "wav"), ("mp3_bytes", "mp3", "ogg")],
)
def test_wrong_expected_type_is_rejected(
    request: pytest.FixtureRequest, fixture_name: str, actual: str, expected: str
) -> None:
    data: bytes = request.getfixturevalue(fixture_name)
    with pytest.raises(InvalidResponseError) as excinfo:
        require_audio(data, expected=expected, provider="espeak")
    assert actual in excinfo.value.message
    assert expected in excinfo.value.message
    assert "nothing was saved" in excinfo.value.message


@pytest.mark.parametrize(
    ("head", "extension"),
    [(b"OggS", "ogg"), (b"fLaC", "flac"), (b"\x00\x00\x00\x20ftypM4A ", "m4a")],
)
def test_other_containers_by_magic(head: bytes, extension: str) -> None:
    assert sniff_audio(head + b"\x00" * 100) == extension


@pytest.mark.parametrize(
    "data",
    [pytest.param(HTML_ERROR_PAGE.decode().encode("utf-16"), id="utf16-html"), pytest.param(b"\xff" * 512, id="ff")],
)
def test_byte_patterns_that_only_look_like_mpeg_are_rejected(data: bytes) -> None:
    assert sniff_audio(data) is None
