"""sniff_audio / sniff_image / require_media on real audio from espeak-ng and lame, on small but complete
files of the other formats built byte by byte (tests/support/media_samples.py), and on the things servers send instead of media:
error pages, JSON, empty and cut-short bodies."""

from __future__ import annotations

import json
import re
import struct

import pytest

from addon.core.base.errors import InvalidResponseError
from addon.core.media.checks import DEFAULT_MAX_MEDIA_BYTES, require_audio, require_media, sniff_audio, sniff_image
from addon.core.media.types import MediaKind
from tests.support.media_samples import (
    flac_bytes,
    gif_bytes,
    jpeg_bytes,
    m4a_bytes,
    ogg_opus_bytes,
    ogg_vorbis_headers,
    png_bytes,
    webp_bytes,
)

IMAGE, AUDIO = MediaKind.IMAGE, MediaKind.AUDIO

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
# Keeps the sample PNG's cut-short forms over the media check's 64-byte floor.
COMMENT = (b"Comment", b"a picture made for the media check tests")
S3_ERROR = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Request has expired</Message></Error>"
)


def with_riff_size(data: bytes, size: int) -> bytes:
    return data[:4] + struct.pack("<I", size) + data[8:]


# Real audio and what it sniffs as


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
    require_audio(mp3_with_id3_bytes, expected="mp3", provider="espeak")


@pytest.mark.parametrize(
    ("data", "extension"),
    [
        pytest.param(png_bytes(8, 8, text=COMMENT), "png", id="png"),
        pytest.param(jpeg_bytes(), "jpg", id="jpg"),
        pytest.param(jpeg_bytes(), "jpeg", id="jpeg-label"),
        pytest.param(jpeg_bytes(), "JPG", id="upper-case-label"),
        pytest.param(gif_bytes(), "gif", id="gif"),
        pytest.param(webp_bytes(), "webp", id="webp"),
    ],
)
def test_each_image_format_is_accepted(data: bytes, extension: str) -> None:
    assert sniff_image(data) == extension.lower().replace("jpeg", "jpg")
    assert sniff_audio(data) is None
    require_media(IMAGE, data, extension=extension, provider="images")


@pytest.mark.parametrize(
    ("data", "sniffed", "extension"),
    [
        pytest.param(ogg_opus_bytes(), "opus", "opus", id="opus"),
        pytest.param(ogg_opus_bytes(), "opus", "ogg", id="opus-labelled-ogg"),
        pytest.param(ogg_vorbis_headers(), "ogg", "ogg", id="ogg-vorbis"),
        pytest.param(flac_bytes(), "flac", "flac", id="flac"),
        pytest.param(m4a_bytes(b"M4A "), "m4a", "m4a", id="m4a-brand-M4A"),
        pytest.param(m4a_bytes(b"mp42", b"mp41", b"isom"), "m4a", "m4a", id="m4a-brand-mp42"),
        pytest.param(m4a_bytes(b"isom", b"iso2", b"mp41"), "m4a", "m4a", id="m4a-brand-isom"),
        pytest.param(m4a_bytes(b"dash", b"iso6", b"mp41"), "m4a", "m4a", id="m4a-brand-dash"),
    ],
)
def test_each_audio_format_is_accepted(data: bytes, sniffed: str, extension: str) -> None:
    assert sniff_audio(data) == sniffed
    assert sniff_image(data) is None
    require_media(AUDIO, data, extension=extension, provider="speech")


def test_wav_from_a_stream_with_an_unknown_length_is_accepted(wav_bytes: bytes) -> None:
    """Writers to a pipe cannot fill in the RIFF size: ffmpeg and streaming APIs write 0xFFFFFFFF,
    espeak-ng --stdout 0x7FFFF024. That is "unknown", not "cut short"."""
    for size in (0xFFFFFFFF, 0x7FFFF024, 0):
        require_audio(with_riff_size(wav_bytes, size), expected="wav", provider="speech")


@pytest.mark.parametrize("padding", [b"\x00", b"\x00\x00\x00\x00", b"\r\n", b" \n", b"\x00" * 16])
def test_padding_after_the_end_marker_is_accepted(padding: bytes) -> None:
    require_media(IMAGE, jpeg_bytes() + padding, extension="jpg", provider="images")
    require_media(IMAGE, png_bytes(8, 8, text=COMMENT) + padding, extension="png", provider="images")
    require_media(IMAGE, gif_bytes() + padding, extension="gif", provider="images")


def test_heic_and_avif_in_the_same_container_are_not_m4a() -> None:
    assert sniff_audio(m4a_bytes(b"heic", b"mif1", b"heic")) is None
    assert sniff_audio(m4a_bytes(b"avif", b"avif", b"mif1", b"miaf")) is None
    with pytest.raises(InvalidResponseError, match="not audio"):
        require_media(AUDIO, m4a_bytes(b"avif", b"mif1"), extension="m4a", provider="speech")


# A format other than the label


@pytest.mark.parametrize(
    ("kind", "data", "actual", "label"),
    [
        pytest.param(IMAGE, png_bytes(8, 8, text=COMMENT), "png", "jpg", id="png-as-jpg"),
        pytest.param(IMAGE, jpeg_bytes(), "jpg", "png", id="jpg-as-png"),
        pytest.param(IMAGE, gif_bytes(), "gif", "webp", id="gif-as-webp"),
        pytest.param(IMAGE, webp_bytes(), "webp", "png", id="webp-as-png"),
        pytest.param(AUDIO, ogg_opus_bytes(), "opus", "mp3", id="opus-as-mp3"),
        pytest.param(AUDIO, ogg_vorbis_headers(), "ogg", "opus", id="vorbis-as-opus"),
        pytest.param(AUDIO, flac_bytes(), "flac", "wav", id="flac-as-wav"),
        pytest.param(AUDIO, m4a_bytes(), "m4a", "mp3", id="m4a-as-mp3"),
    ],
)
def test_a_format_other_than_the_label_is_rejected(kind: MediaKind, data: bytes, actual: str, label: str) -> None:
    with pytest.raises(InvalidResponseError) as excinfo:
        require_media(kind, data, extension=label, provider="p")
    assert f"{actual} {'picture' if kind is IMAGE else 'audio'}" in excinfo.value.message
    assert f"labelled as {label}" in excinfo.value.message
    assert "nothing was saved" in excinfo.value.message


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


def test_an_image_where_audio_was_asked_for_says_what_it_is() -> None:
    with pytest.raises(InvalidResponseError, match="not audio \\(they are a png picture\\)"):
        require_media(AUDIO, png_bytes(8, 8, text=COMMENT), extension="mp3", provider="speech")
    with pytest.raises(InvalidResponseError, match="not a picture \\(they are flac audio\\)"):
        require_media(IMAGE, flac_bytes(), extension="png", provider="images")


# What servers send instead of media


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(HTML_ERROR_PAGE, id="html-error-page"),
        pytest.param(JSON_ERROR, id="json-error"),
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


@pytest.mark.parametrize(
    ("kind", "data", "label", "looked_like"),
    [
        pytest.param(AUDIO, HTML_ERROR_PAGE, "mp3", "an HTML page titled '502 Bad Gateway'", id="html-as-mp3"),
        pytest.param(IMAGE, b"<html><body>Forbidden</body></html>", "png", "an HTML page: <html>", id="html-no-title"),
        pytest.param(IMAGE, JSON_ERROR, "png", 'a JSON body: {"error": {"code": 429,', id="json-as-png"),
        pytest.param(AUDIO, b'[{"detail": "unknown voice"}]', "ogg", "a JSON body: [{", id="json-array-as-ogg"),
        pytest.param(AUDIO, S3_ERROR, "mp3", "an XML document: <?xml", id="xml-as-mp3"),
        pytest.param(AUDIO, b"Forbidden", "wav", "text: Forbidden", id="short-text-as-wav"),
        pytest.param(AUDIO, HTML_ERROR_PAGE.decode().encode("utf-16"), "mp3", "an HTML page", id="utf16-html"),
        pytest.param(IMAGE, b"\xef\xbb\xbf" + JSON_ERROR, "jpg", "a JSON body", id="json-with-bom"),
        pytest.param(IMAGE, b"  \n\t" + HTML_ERROR_PAGE, "webp", "an HTML page titled", id="html-after-blanks"),
    ],
)
def test_text_is_caught_and_described_whatever_the_label(
    kind: MediaKind, data: bytes, label: str, looked_like: str
) -> None:
    with pytest.raises(InvalidResponseError) as excinfo:
        require_media(kind, data, extension=label, provider="srv")
    assert looked_like in excinfo.value.message
    assert str(excinfo.value).startswith("srv: returned ")
    assert str(excinfo.value).endswith("; nothing was saved")


def test_a_long_json_body_is_shown_by_its_first_80_characters() -> None:
    body = json.dumps({"error": {"message": "x" * 500}})
    with pytest.raises(InvalidResponseError) as excinfo:
        require_media(IMAGE, body.encode(), extension="png", provider="srv")
    assert f"a JSON body: {body[:80]}…;" in excinfo.value.message
    assert body[:81] not in excinfo.value.message


def test_a_key_echoed_in_the_body_is_redacted() -> None:
    key = "sk-" + "A1b2C3d4" * 4
    body = json.dumps({"error": {"message": f"Incorrect API key provided: {key}"}}).encode()
    with pytest.raises(InvalidResponseError) as excinfo:
        require_media(IMAGE, body, extension="png", provider="openai_images")
    assert "a JSON body" in str(excinfo.value)
    assert key not in str(excinfo.value)
    assert key[:12] not in str(excinfo.value)


@pytest.mark.parametrize("kind", [IMAGE, AUDIO])
def test_an_empty_body_is_rejected(kind: MediaKind) -> None:
    with pytest.raises(InvalidResponseError) as excinfo:
        require_media(kind, b"", extension="png" if kind is IMAGE else "mp3", provider="srv")
    assert (
        str(excinfo.value)
        == f"srv: returned an empty body instead of {'a picture' if kind is IMAGE else 'audio'}; nothing was saved"
    )


@pytest.mark.parametrize("data", [png_bytes(8, 8, text=COMMENT)[:10], b"\xff\xfb\x90\x64" + b"\x00" * 6, b"\x00" * 63])
def test_an_implausibly_small_body_is_rejected(data: bytes) -> None:
    kind = IMAGE if data.startswith(b"\x89PNG") else AUDIO
    with pytest.raises(InvalidResponseError, match=f"only {len(data)} bytes, implausibly small"):
        require_media(kind, data, extension="png" if kind is IMAGE else "mp3", provider="srv")


@pytest.mark.parametrize("size", [0, 4, 12, 44, 63])
def test_truncated_real_audio_is_rejected(wav_bytes: bytes, mp3_bytes: bytes, size: int) -> None:
    assert sniff_audio(wav_bytes[:size]) is None
    assert sniff_audio(mp3_bytes[:size]) is None
    with pytest.raises(InvalidResponseError):
        require_audio(wav_bytes[:size], expected="wav", provider="espeak")


def test_a_body_over_the_default_cap_is_rejected() -> None:
    data = png_bytes(8, 8, text=COMMENT) + b"\x00" * DEFAULT_MAX_MEDIA_BYTES
    expected = f"returned more than the 20 MiB limit for media ({len(data):,} bytes)"
    with pytest.raises(InvalidResponseError, match=re.escape(expected)):
        require_media(IMAGE, data, extension="png", provider="srv")


def test_the_cap_is_the_callers_to_set(mp3_bytes: bytes) -> None:
    data = png_bytes(8, 8, text=COMMENT)
    require_media(IMAGE, data, extension="png", provider="srv", max_bytes=len(data))
    expected = f"returned more than the {len(data) - 1} bytes limit for media ({len(data)} bytes)"
    with pytest.raises(InvalidResponseError, match=re.escape(expected)):
        require_media(IMAGE, data, extension="png", provider="srv", max_bytes=len(data) - 1)
    with pytest.raises(InvalidResponseError, match="limit"):
        require_audio(mp3_bytes, expected="mp3", provider="srv", max_bytes=1000)
    huge = png_bytes(8, 8, text=(b"Comment", b"x" * DEFAULT_MAX_MEDIA_BYTES))
    with pytest.raises(InvalidResponseError, match="limit"):
        require_media(IMAGE, huge, extension="png", provider="srv")
    require_media(IMAGE, huge, extension="png", provider="srv", max_bytes=None)


# Cut-short and broken files


@pytest.mark.parametrize(
    ("kind", "data", "label", "reason"),
    [
        pytest.param(IMAGE, png_bytes(8, 8, text=COMMENT)[:-12], "png", "no IEND chunk", id="png-without-iend"),
        pytest.param(IMAGE, png_bytes(8, 8, text=COMMENT)[:-5], "png", "no IEND chunk", id="png-cut-in-iend"),
        pytest.param(IMAGE, jpeg_bytes()[:-2], "jpg", "no end-of-image marker", id="jpeg-without-eoi"),
        pytest.param(IMAGE, jpeg_bytes()[:-10] + b"\x00" * 8, "jpg", "no end-of-image", id="jpeg-cut-then-zeros"),
        pytest.param(IMAGE, jpeg_bytes() + b"\x00" * 17, "jpg", "no end-of-image", id="jpeg-padded-too-far"),
        pytest.param(IMAGE, gif_bytes()[:-1], "gif", "no trailer byte", id="gif-without-trailer"),
        pytest.param(IMAGE, gif_bytes()[:-8], "gif", "no trailer byte", id="gif-cut-in-image"),
        pytest.param(IMAGE, webp_bytes()[:-20], "webp", "only", id="webp-cut"),
        pytest.param(AUDIO, flac_bytes(streaminfo=False), "flac", "no STREAMINFO", id="flac-without-streaminfo"),
        pytest.param(AUDIO, b"OggS\x00\x00" + ogg_opus_bytes()[6:], "opus", "stream start", id="ogg-not-first-page"),
        pytest.param(AUDIO, b"ID3\x04\x00\x00\x00\x00\x10\x00" + b"\x00" * 200, "mp3", "ID3 tag", id="id3-only"),
        pytest.param(AUDIO, m4a_bytes()[:20], "m4a", "implausibly small", id="m4a-cut-in-ftyp"),
        pytest.param(AUDIO, b"\x00\x00\x10\x00" + m4a_bytes()[4:], "m4a", "broken ftyp", id="m4a-ftyp-too-long"),
        pytest.param(
            IMAGE,
            png_bytes(8, 8, text=COMMENT)[:12] + b"tEXt" + png_bytes(8, 8, text=COMMENT)[16:],
            "png",
            "no IHDR",
            id="png-ihdr-not-first",
        ),
        pytest.param(IMAGE, webp_bytes()[:12] + b"JUNK" + webp_bytes()[16:], "webp", "no VP8", id="webp-no-image"),
    ],
)
def test_cut_short_or_broken_files_are_rejected(kind: MediaKind, data: bytes, label: str, reason: str) -> None:
    with pytest.raises(InvalidResponseError) as excinfo:
        require_media(kind, data, extension=label, provider="srv")
    assert reason in excinfo.value.message
    assert "nothing was saved" in excinfo.value.message


def test_a_real_wav_cut_short_is_rejected(wav_bytes: bytes) -> None:
    with pytest.raises(InvalidResponseError, match=f"announces {len(wav_bytes)} bytes, only {len(wav_bytes) - 1000}"):
        require_audio(wav_bytes[:-1000], expected="wav", provider="espeak")


def test_a_webp_whose_riff_size_is_too_large_is_rejected() -> None:
    data = webp_bytes()
    require_media(IMAGE, with_riff_size(data, len(data) - 8), extension="webp", provider="srv")
    with pytest.raises(InvalidResponseError, match="cut-short webp"):
        require_media(IMAGE, with_riff_size(data, len(data) + 100), extension="webp", provider="srv")


def test_riff_size_one_byte_over_is_a_missing_pad_byte_not_truncation(wav_bytes: bytes) -> None:
    require_audio(with_riff_size(wav_bytes, len(wav_bytes) - 7), expected="wav", provider="espeak")


def test_a_truncated_mp3_is_not_second_guessed(mp3_bytes: bytes) -> None:
    """MP3 has no end marker: a shortened MP3 still plays, so it is accepted."""
    require_audio(mp3_bytes[: len(mp3_bytes) // 2], expected="mp3", provider="espeak")


# Sniffing


@pytest.mark.parametrize(
    ("head", "extension"),
    [(b"OggS", "ogg"), (b"fLaC", "flac"), (b"\x00\x00\x00\x20ftypM4A ", "m4a")],
)
def test_other_containers_by_magic(head: bytes, extension: str) -> None:
    assert sniff_audio(head + b"\x00" * 100) == extension


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(HTML_ERROR_PAGE.decode().encode("utf-16"), id="utf16-html"),
        pytest.param(b"\xff" * 512, id="ff"),
        pytest.param(b"ID3 was here" + b"\x00" * 100, id="id3-text-not-a-tag"),
        pytest.param(b"ID3\x04\x00\x00\x00\x80\x00\x00" + b"\x00" * 100, id="id3-size-not-syncsafe"),
    ],
)
def test_byte_patterns_that_only_look_like_mpeg_are_rejected(data: bytes) -> None:
    assert sniff_audio(data) is None
