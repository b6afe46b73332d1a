"""Small, complete media files built in code, for the fakes and the tests that need real bytes.

The one home of every sample: the fake servers serve these, the media-check tests probe them. Each
is complete and decodable unless its docstring says otherwise; sizes stay above the media check's
64-byte floor. Builders with no argument always give the same bytes, so a test may compare a
provider's result with a fresh call (``result.data == jpeg_bytes()``).

Images: `png_bytes`, `jpeg_bytes`, `gif_bytes`, `webp_bytes`, `animated_gif_bytes`,
`animated_webp_bytes`, and two files written by Pillow
(`PILLOW_JPEG`, `PILLOW_WEBP`). Audio: `silent_mp3` (MPEG-1) and `silent_mp3_24k` (MPEG-2),
`silent_wav`, `g711_wav_bytes`, `raw_pcm`, `ogg_opus_bytes` (and `ogg_page`), `ogg_vorbis_headers`,
`ogg_vorbis_bytes` (made by sox), `flac_bytes`, `adts_aac_bytes`, `m4a_bytes`, and two files written
by libsndfile (`SNDFILE_OPUS`, `LIBFLAC_FLAC`).

Thread safety: pure functions and constants; `ogg_vorbis_bytes` caches its one sox run.
"""

from __future__ import annotations

import base64
import functools
import io
import shutil
import struct
import subprocess
import tempfile
import wave
import zlib
from collections.abc import Sequence
from pathlib import Path

# --- images ---------------------------------------------------------------------------------------


def png_bytes(
    w: int = 2, h: int = 2, rgb: tuple[int, int, int] = (200, 30, 30), *, text: tuple[bytes, bytes] | None = None
) -> bytes:
    """A valid RGB PNG of one colour: signature, IHDR, a tEXt chunk when ``text`` (keyword, value)
    is given (the Stable Diffusion WebUI writes its ``parameters`` there), one zlib IDAT, IEND."""
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    comment = chunk(b"tEXt", text[0] + b"\x00" + text[1]) if text is not None else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + comment
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes(w: int = 8, h: int = 8) -> bytes:
    """A baseline JFIF JPEG of flat grey: one component, every 8x8 block DC difference 0 then
    end-of-block, under one-symbol Huffman tables (both coded as the single bit 0). Decodes in
    libjpeg and Qt."""

    def segment(marker: int, payload: bytes) -> bytes:
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload

    blocks = ((w + 7) // 8) * ((h + 7) // 8)
    bits = "00" * blocks
    bits += "1" * (-len(bits) % 8)  # padded with 1 bits
    scan = bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits), 8)).replace(b"\xff", b"\xff\x00")
    one_code = b"\x01" + b"\x00" * 15 + b"\x00"  # BITS: one code of length 1; then the symbol 0
    return (
        b"\xff\xd8"
        + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + segment(0xDB, b"\x00" + b"\x01" * 64)
        + segment(0xC0, struct.pack(">BHHB", 8, h, w, 1) + b"\x01\x11\x00")
        + segment(0xC4, b"\x00" + one_code)
        + segment(0xC4, b"\x10" + one_code)
        + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + scan
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


def webp_bytes(*, note: bytes = b"") -> bytes:
    """Extended WebP: VP8X (alpha + XMP flags), the 1x1 VP8L image, an XMP chunk (holding ``note``:
    the same picture with another note is other bytes)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return kind + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) % 2)

    vp8x = chunk(b"VP8X", bytes([0x14, 0, 0, 0]) + (0).to_bytes(3, "little") * 2)
    xmp = chunk(b"XMP ", b'<x:xmpmeta xmlns:x="adobe:ns:meta/"/>' + note)
    body = b"WEBP" + vp8x + _VP8L_1X1 + xmp
    return b"RIFF" + struct.pack("<I", len(body)) + body


def animated_gif_bytes(w: int = 4, h: int = 4, frames: int = 2) -> bytes:
    """A looping GIF89a of ``frames`` frames of ``w`` x ``h``, black then white then black…: every
    pixel is coded after an LZW clear code, so the code size stays 3 bits and no table is built."""
    out = b"GIF89a" + struct.pack("<HHBBB", w, h, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop for ever
    for frame in range(frames):
        codes = [code for _ in range(w * h) for code in (4, frame % 2)] + [5]  # clear, pixel … end
        packed, bits, acc = bytearray(), 0, 0
        for code in codes:
            acc |= code << bits
            bits += 3
            while bits >= 8:
                packed.append(acc & 0xFF)
                acc >>= 8
                bits -= 8
        if bits:
            packed.append(acc & 0xFF)
        blocks = b"".join(bytes([len(packed[i : i + 255])]) + packed[i : i + 255] for i in range(0, len(packed), 255))
        out += b"\x21\xf9\x04\x00\x0a\x00\x00\x00"  # 100 ms per frame
        out += b"\x2c" + struct.pack("<HHHHB", 0, 0, w, h, 0) + b"\x02" + blocks + b"\x00"
    return out + b"\x3b"


def animated_webp_bytes(frames: int = 2) -> bytes:
    """An animated WebP (VP8X with the animation flag, ANIM, one ANMF per frame) of the 1x1 VP8L
    image."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return kind + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) % 2)

    vp8x = chunk(b"VP8X", bytes([0x02, 0, 0, 0]) + (0).to_bytes(3, "little") * 2)
    anim = chunk(b"ANIM", b"\xff\xff\xff\xff" + struct.pack("<H", 0))
    frame = (0).to_bytes(3, "little") * 4 + (100).to_bytes(3, "little") + b"\x00" + _VP8L_1X1
    body = b"WEBP" + vp8x + anim + chunk(b"ANMF", frame) * frames
    return b"RIFF" + struct.pack("<I", len(body)) + body


# An 8x8 baseline JPEG (standard Huffman tables) and a 16x16 lossless WebP, written by Pillow and
# checked to decode: what a real encoder sends, next to the hand-made files above.
PILLOW_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5"
    "PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjL/wAAR"
    "CAAIAAgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAL/xAAYEAEAAwEAAAAAAAAAAAAAAAAAAwYhMv/EABUBAQEAAAAAAAAAAAAA"
    "AAAAAAQF/8QAGxEAAQQDAAAAAAAAAAAAAAAAAQACBBMDBSH/2gAMAwEAAhEDEQA/AKrcHGABzNfgtPFdnvNxX//Z"
)
PILLOW_WEBP = base64.b64decode(
    "UklGRloAAABXRUJQVlA4TE0AAAAvD8ADALmM6H/sIqL/IWEI27aq+977/5v0NymWYimWYimaLXEABlkgkOKlpinSZpA5hdRAGiAtkA5ID2QO"
    "kApIPaQZ0g7phvRDSiDVEAA="
)


# --- audio: MPEG, WAV, raw ------------------------------------------------------------------------


def silent_mp3(frames: int = 10) -> bytes:
    """Silent MPEG-1 Layer III, 128 kbps, 44.1 kHz, 417-byte frames (provider_apis.md, general
    section, checked with ``file`` and ``lame --decode``)."""
    return (b"\xff\xfb\x90\x64" + b"\x00" * 413) * frames


def silent_mp3_24k(frames: int = 40) -> bytes:
    """Silent MPEG-2 Layer III, 24 kHz mono, 32 kbps, 96-byte frames (Google's MP3, §6.2; checked
    with ``file`` and ``lame --decode``)."""
    return (b"\xff\xf3\x44\xc4" + b"\x00" * 92) * frames


def silent_wav(seconds: float = 0.2, rate: int = 24000) -> bytes:
    """16-bit mono PCM WAV of silence."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(rate * seconds))
    return buffer.getvalue()


def g711_wav_bytes(*, format_tag: int, seconds: float = 0.2, rate: int = 8000) -> bytes:
    """8-bit G.711 silence in a WAV header (mu-law: format 7, A-law: format 6), with a fact chunk."""
    samples = (b"\xff" if format_tag == 7 else b"\xd5") * int(rate * seconds)
    fmt = struct.pack("<HHIIHHH", format_tag, 1, rate, rate, 1, 8, 0)
    fact = struct.pack("<I", len(samples))
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"fact" + struct.pack("<I", 4) + fact
    chunks += b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def raw_pcm(seconds: float = 0.1, rate: int = 24000) -> bytes:
    """Headerless 16-bit little-endian mono silence: not a file a provider may accept as audio."""
    return b"\x00\x00" * int(rate * seconds)


def adts_aac_bytes(frames: int = 12) -> bytes:
    """Bare ADTS frames (MPEG-4 AAC-LC, 24 kHz, mono, no CRC) around the often-quoted silent AAC-LC
    frame [UNCONFIRMED as decodable: no test decodes it]."""
    payload = bytes([0x21, 0x10, 0x04, 0x60, 0x8C, 0x1C])
    length = 7 + len(payload)
    header = (0xFFF << 44) | (1 << 40) | (1 << 38) | (6 << 34) | (1 << 30) | (length << 13) | (0x7FF << 2)
    return (header.to_bytes(7, "big") + payload) * frames


# --- audio: Ogg -----------------------------------------------------------------------------------


def _ogg_crc_table() -> list[int]:
    table = []
    for index in range(256):
        value = index << 24
        for _ in range(8):
            value = ((value << 1) ^ 0x04C11DB7) if value & 0x80000000 else value << 1
        table.append(value & 0xFFFFFFFF)
    return table


_OGG_CRC = _ogg_crc_table()
_OGG_SERIAL = 0x600D


def ogg_page(
    packets: Sequence[bytes], *, sequence: int, granule: int = 0, flags: int = 0, serial: int = _OGG_SERIAL
) -> bytes:
    """One Ogg page holding ``packets`` (laced), with its CRC (checked against an Ogg file written
    by sox). ``flags``: 0x02 first page of the stream, 0x04 last."""
    lacing: list[int] = []
    for packet in packets:
        lacing += [255] * (len(packet) // 255) + [len(packet) % 255]
    header = b"OggS" + bytes([0, flags]) + struct.pack("<qIII", granule, serial, sequence, 0)
    page = header + bytes([len(lacing)]) + bytes(lacing) + b"".join(packets)
    crc = 0
    for byte in page:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _OGG_CRC[((crc >> 24) & 0xFF) ^ byte]
    return page[:22] + struct.pack("<I", crc) + page[26:]


def ogg_opus_bytes(frames: int = 5) -> bytes:
    """Ogg Opus: OpusHead, OpusTags, then ``frames`` 20 ms CELT silence frames (TOC 0xF8) in one
    last page."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    vendor = b"media-fill tests"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    return (
        ogg_page([head], sequence=0, flags=0x02)
        + ogg_page([tags], sequence=1)
        + ogg_page([b"\xf8\xff\xfe"] * frames, sequence=2, granule=312 + 960 * frames, flags=0x04)
    )


def ogg_vorbis_headers() -> bytes:
    """The start of an Ogg Vorbis file: identification and comment headers. Not playable: the setup
    header (codebooks, kilobytes) is beyond a hand-made sample; the media check reads the first page."""
    identification = b"\x01vorbis" + struct.pack("<IBIiiiBB", 0, 1, 44100, 0, 64000, 0, 0xB8, 1)
    vendor = b"media-fill tests"
    comment = b"\x03vorbis" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0) + b"\x01"
    return ogg_page([identification], sequence=0, flags=0x02) + ogg_page([comment], sequence=1)


@functools.lru_cache(maxsize=1)
def ogg_vorbis_bytes() -> bytes:
    """A real, playable Ogg Vorbis file of 0.2 s of silence, made by sox on first use."""
    sox = shutil.which("sox")
    if sox is None:
        raise RuntimeError("sox is not installed; run `make system-deps`")
    with tempfile.TemporaryDirectory(prefix="media-samples-") as tmp:
        out = Path(tmp) / "silence.ogg"
        subprocess.run(
            [sox, "-n", "-r", "44100", "-c", "1", str(out), "trim", "0", "0.2"],
            check=True,
            capture_output=True,
            timeout=30,
        )
        return out.read_bytes()


# 0.1 s of silence, 24 kHz mono, written by libopus 1.3.1 / libFLAC 1.4.2 through libsndfile and read
# back by it (2400 frames each); the Opus file (mostly OpusTags padding) is stored zlib-compressed.
SNDFILE_OPUS = zlib.decompress(
    base64.b64decode(
        "eNrzT08PZmBigII79ekaIPp5S1wjo7B/QWmxR2piCiOjBeOBWLACf5ByBmTljEB6y/3KOyz///+XAekISUwv5gUK5mQm5QO5CoZ6xnqG"
        "DKNgFIxgAM43LD+EEfkGlOfsVrjksTGDwY3//5DRhf//AGfbMe8="
    )
)
LIBFLAC_FLAC = base64.b64decode(
    "ZkxhQwAAACIQABAAAAANAAANBdwA8AAACWDnCTh7JO6yjCG2DlubZjnvhAAAKCAAAAByZWZlcmVuY2UgbGliRkxBQyAxLjQuMiAyMDIyMTAyMg"
    "AAAAD/+HcIAAlfFAAAAFJ/"
)


# --- audio: FLAC, MP4 -----------------------------------------------------------------------------


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
    playable (no moov sample tables); the media check reads the ftyp box."""
    brands = major + b"\x00\x00\x02\x00" + b"".join(compatible or (major, b"isom"))
    ftyp = struct.pack(">I", 8 + len(brands)) + b"ftyp" + brands
    return ftyp + struct.pack(">I", 16) + b"free" + b"\x00" * 8 + struct.pack(">I", 72) + b"mdat" + b"\x21" * 64
