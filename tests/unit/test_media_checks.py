"""sniff_audio / sniff_image / require_media on real audio from espeak-ng and lame, on small but complete
files of the other formats built here byte by byte, and on the things servers send instead of media:
error pages, JSON, empty and cut-short bodies."""

from __future__ import annotations

import base64
import json
import re
import struct
import zlib

import pytest

from addon.core.base.errors import InvalidResponseError
from addon.core.media.checks import DEFAULT_MAX_MEDIA_BYTES, require_audio, require_media, sniff_audio, sniff_image
from addon.core.media.types import MediaKind

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
S3_ERROR = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Request has expired</Message></Error>"
)


# Sample files: each is complete and decodable unless its docstring says otherwise.


def png_bytes(width: int = 8, height: int = 8, *, comment: bytes = b"") -> bytes:
    """An RGB PNG: signature, IHDR, a tEXt chunk when there is a ``comment``, one zlib IDAT, IEND."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + bytes([200, 30, 8 * y]) * width for y in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + (chunk(b"tEXt", b"Comment\x00" + comment) if comment else b"")
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    """A baseline JPEG of one flat grey 8x8 block: one-symbol Huffman tables (DC category 0 and AC
    end-of-block, both coded as the single bit 0), so the whole scan is one byte."""

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload

    one_code_of_length_1 = b"\x01" + b"\x00" * 15 + b"\x00"  # BITS counts, then the one symbol (0)
    return (
        b"\xff\xd8"
        + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + segment(0xDB, b"\x00" + b"\x01" * 64)
        + segment(0xC0, struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00")
        + segment(0xC4, b"\x00" + one_code_of_length_1)
        + segment(0xC4, b"\x10" + one_code_of_length_1)
        + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + b"\x3f"  # DC "0", EOB "0", padded with 1 bits
        + b"\xff\xd9"
    )


def gif_bytes() -> bytes:
    """A 1x1 GIF89a with a two-colour table and a comment (which brings it over the minimum size)."""
    comment = b"a one-pixel picture made for the media check tests"
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0)
        + b"\x00\x00\x00\xff\xff\xff"
        + b"\x21\xfe"
        + bytes([len(comment)])
        + comment
        + b"\x00"
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
        + b"\x02\x02\x44\x01\x00"  # LZW minimum code size 2; clear, pixel 0, end
        + b"\x3b"
    )


# A 1x1 lossless VP8L bitstream (the image Modernizr uses to detect WebP support).
_VP8L_1X1 = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")[12:]


def webp_bytes() -> bytes:
    """Extended WebP: VP8X (alpha + XMP flags), the VP8L image, an XMP chunk."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return kind + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) % 2)

    vp8x = chunk(b"VP8X", bytes([0x14, 0, 0, 0]) + (0).to_bytes(3, "little") * 2)
    xmp = chunk(b"XMP ", b'<x:xmpmeta xmlns:x="adobe:ns:meta/"/>')
    body = b"WEBP" + vp8x + _VP8L_1X1 + xmp
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def ogg_page(packet: bytes, *, sequence: int, flags: int = 0, granule: int = 0) -> bytes:
    """One Ogg page holding one packet of under 255 bytes, with its CRC."""
    header = b"OggS" + struct.pack("<BBqII", 0, flags, granule, 0x4D46, sequence) + b"\x00" * 4
    page = header + bytes([1, len(packet)]) + packet
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


def opus_bytes() -> bytes:
    """Ogg Opus: OpusHead, OpusTags, one 20 ms CELT silence frame."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    vendor = b"media-fill tests"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    return (
        ogg_page(head, sequence=0, flags=0x02)
        + ogg_page(tags, sequence=1)
        + ogg_page(b"\xf8\xff\xfe", sequence=2, flags=0x04, granule=960)
    )


def ogg_vorbis_bytes() -> bytes:
    """The start of an Ogg Vorbis file: identification and comment headers. Not playable: the setup
    header (codebooks, kilobytes) is beyond a hand-made sample, and the check reads the first page."""
    identification = b"\x01vorbis" + struct.pack("<IBIiiiBB", 0, 1, 44100, 0, 64000, 0, 0xB8, 1)
    vendor = b"media-fill tests"
    comment = b"\x03vorbis" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0) + b"\x01"
    return ogg_page(identification, sequence=0, flags=0x02) + ogg_page(comment, sequence=1)


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def flac_bytes(*, streaminfo: bool = True) -> bytes:
    """FLAC, 44.1 kHz 16-bit mono: STREAMINFO, a PADDING block, one frame of 192 silent samples
    (a CONSTANT subframe). ``streaminfo=False`` leaves out STREAMINFO (a broken file)."""
    info = struct.pack(">HH", 192, 192) + b"\x00" * 6 + (44100 << 44 | 15 << 36 | 192).to_bytes(8, "big")
    info += b"\x00" * 16  # MD5 unknown
    blocks = b"\x00" + len(info).to_bytes(3, "big") + info if streaminfo else b""
    blocks += b"\x81" + (64).to_bytes(3, "big") + b"\x00" * 64  # last block: PADDING
    header = b"\xff\xf8\x19\x08\x00"  # sync, 192 samples, 44.1 kHz, mono, 16 bit, frame 0
    frame = header + bytes([_crc8(header)]) + b"\x00\x00\x00"  # CONSTANT subframe, value 0
    frame += struct.pack(">H", _crc16(frame))
    return b"fLaC" + blocks + frame


def m4a_bytes(major: bytes = b"M4A ", *compatible: bytes) -> bytes:
    """The top-level boxes of an ISO base media file: ftyp with the given brands, free, mdat. Not
    playable (no moov sample tables); the check reads the ftyp box."""
    brands = major + b"\x00\x00\x02\x00" + b"".join(compatible or (major, b"isom"))
    ftyp = struct.pack(">I", 8 + len(brands)) + b"ftyp" + brands
    return ftyp + struct.pack(">I", 16) + b"free" + b"\x00" * 8 + struct.pack(">I", 72) + b"mdat" + b"\x21" * 64


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
        pytest.param(png_bytes(), "png", id="png"),
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
        pytest.param(opus_bytes(), "opus", "opus", id="opus"),
        pytest.param(opus_bytes(), "opus", "ogg", id="opus-labelled-ogg"),
        pytest.param(ogg_vorbis_bytes(), "ogg", "ogg", id="ogg-vorbis"),
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
    require_media(IMAGE, png_bytes() + padding, extension="png", provider="images")
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
        pytest.param(IMAGE, png_bytes(), "png", "jpg", id="png-as-jpg"),
        pytest.param(IMAGE, jpeg_bytes(), "jpg", "png", id="jpg-as-png"),
        pytest.param(IMAGE, gif_bytes(), "gif", "webp", id="gif-as-webp"),
        pytest.param(IMAGE, webp_bytes(), "webp", "png", id="webp-as-png"),
        pytest.param(AUDIO, opus_bytes(), "opus", "mp3", id="opus-as-mp3"),
        pytest.param(AUDIO, ogg_vorbis_bytes(), "ogg", "opus", id="vorbis-as-opus"),
        pytest.param(AUDIO, flac_bytes(), "flac", "wav", id="flac-as-wav"),
        pytest.param(AUDIO, m4a_bytes(), "m4a", "mp3", id="m4a-as-mp3"),
    ],
)
def test_a_format_other_than_the_label_is_rejected(kind: MediaKind, data: bytes, actual: str, label: str) -> None:
    with pytest.raises(InvalidResponseError) as excinfo:
        require_media(kind, data, extension=label, provider="p")
    assert f"{actual} {kind.value}" in excinfo.value.message
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
    with pytest.raises(InvalidResponseError, match="not audio \\(they are a png image\\)"):
        require_media(AUDIO, png_bytes(), extension="mp3", provider="speech")
    with pytest.raises(InvalidResponseError, match="not an image \\(they are flac audio\\)"):
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
        == f"srv: returned an empty body instead of {'an image' if kind is IMAGE else 'audio'}; nothing was saved"
    )


@pytest.mark.parametrize("data", [png_bytes()[:10], b"\xff\xfb\x90\x64" + b"\x00" * 6, b"\x00" * 63])
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
    data = png_bytes() + b"\x00" * DEFAULT_MAX_MEDIA_BYTES
    expected = f"returned more than the 20 MiB limit for media ({len(data):,} bytes)"
    with pytest.raises(InvalidResponseError, match=re.escape(expected)):
        require_media(IMAGE, data, extension="png", provider="srv")


def test_the_cap_is_the_callers_to_set(mp3_bytes: bytes) -> None:
    data = png_bytes()
    require_media(IMAGE, data, extension="png", provider="srv", max_bytes=len(data))
    expected = f"returned more than the {len(data) - 1} bytes limit for media ({len(data)} bytes)"
    with pytest.raises(InvalidResponseError, match=re.escape(expected)):
        require_media(IMAGE, data, extension="png", provider="srv", max_bytes=len(data) - 1)
    with pytest.raises(InvalidResponseError, match="limit"):
        require_audio(mp3_bytes, expected="mp3", provider="srv", max_bytes=1000)
    huge = png_bytes(comment=b"x" * DEFAULT_MAX_MEDIA_BYTES)
    with pytest.raises(InvalidResponseError, match="limit"):
        require_media(IMAGE, huge, extension="png", provider="srv")
    require_media(IMAGE, huge, extension="png", provider="srv", max_bytes=None)


# Cut-short and broken files


@pytest.mark.parametrize(
    ("kind", "data", "label", "reason"),
    [
        pytest.param(IMAGE, png_bytes()[:-12], "png", "no IEND chunk", id="png-without-iend"),
        pytest.param(IMAGE, png_bytes()[:-5], "png", "no IEND chunk", id="png-cut-in-iend"),
        pytest.param(IMAGE, jpeg_bytes()[:-2], "jpg", "no end-of-image marker", id="jpeg-without-eoi"),
        pytest.param(IMAGE, jpeg_bytes()[:-10] + b"\x00" * 8, "jpg", "no end-of-image", id="jpeg-cut-then-zeros"),
        pytest.param(IMAGE, jpeg_bytes() + b"\x00" * 17, "jpg", "no end-of-image", id="jpeg-padded-too-far"),
        pytest.param(IMAGE, gif_bytes()[:-1], "gif", "no trailer byte", id="gif-without-trailer"),
        pytest.param(IMAGE, gif_bytes()[:-8], "gif", "no trailer byte", id="gif-cut-in-image"),
        pytest.param(IMAGE, webp_bytes()[:-20], "webp", "only", id="webp-cut"),
        pytest.param(AUDIO, flac_bytes(streaminfo=False), "flac", "no STREAMINFO", id="flac-without-streaminfo"),
        pytest.param(AUDIO, b"OggS\x00\x00" + opus_bytes()[6:], "opus", "stream start", id="ogg-not-first-page"),
        pytest.param(AUDIO, b"ID3\x04\x00\x00\x00\x00\x10\x00" + b"\x00" * 200, "mp3", "ID3 tag", id="id3-only"),
        pytest.param(AUDIO, m4a_bytes()[:20], "m4a", "implausibly small", id="m4a-cut-in-ftyp"),
        pytest.param(AUDIO, b"\x00\x00\x10\x00" + m4a_bytes()[4:], "m4a", "broken ftyp", id="m4a-ftyp-too-long"),
        pytest.param(IMAGE, png_bytes()[:12] + b"tEXt" + png_bytes()[16:], "png", "no IHDR", id="png-ihdr-not-first"),
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
