"""How long a sound lasts, in seconds, read from its headers (no decoding): MP3 (an ID3v2 tag
skipped; the Xing/Info or VBRI header's frame count, else the frames counted, else the first
frame's bit rate over the file's size), WAV (the ``fmt `` chunk's byte rate over the ``data``
chunk's size, or a ``fact`` chunk's sample count), Ogg Vorbis and Ogg Opus (the last page's
granule position over the rate; Opus counts at 48 kHz and leaves out its pre-skip) and FLAC (the
STREAMINFO block's sample count over its rate). None when the length cannot be known.

A transcription provider checks it against the longest sound its service takes before anything
is sent, and the estimate prices transcripts per minute with it.

Thread safety: pure functions of their input; call from any thread.
"""

from __future__ import annotations

import struct
from pathlib import Path

from .checks import sniff_audio
from .wav_info import PCM, wav_chunks, wav_format, wav_samples

_ID3_HEADER_BYTES = 10
_ID3_FOOTER_FLAG = 0x10
_ID3V1_BYTES = 128
# MPEG audio: version (bits 19-20), layer (17-18), bit-rate index, sample-rate index.
_MPEG1, _MPEG2, _MPEG25 = 3, 2, 0
_LAYER1, _LAYER2, _LAYER3 = 3, 2, 1
_BITRATES_KBPS: dict[tuple[bool, int], tuple[int, ...]] = {
    # (MPEG-1?, layer): kbit/s for the indices 1-14
    (True, _LAYER1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, _LAYER2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, _LAYER3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, _LAYER1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, _LAYER2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, _LAYER3): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES: dict[int, tuple[int, int, int]] = {
    _MPEG1: (44100, 48000, 32000),
    _MPEG2: (22050, 24000, 16000),
    _MPEG25: (11025, 12000, 8000),
}
_XING_FRAMES_FLAG = 0x1
# The side information after a Layer III frame header, by (MPEG-1?, mono?): the Xing header follows.
_SIDE_INFO_BYTES = {(True, False): 32, (True, True): 17, (False, False): 17, (False, True): 9}
_VBRI_OFFSET = 36  # from the frame's start: the 4-byte header and 32 bytes of side info
# The frames counted before the rest of a file without a VBR header is estimated from its bit
# rate (a sound of a few minutes is counted whole; a longer one is not read frame by frame).
_MAX_FRAMES_COUNTED = 20000
_MIN_FRAMES_COUNTED = 3

_OGG_PAGE_HEADER_BYTES = 27
_OPUS_GRANULE_RATE = 48000
_FLAC_STREAMINFO = 0


def audio_duration(data: bytes, *, extension: str = "") -> float | None:
    """The length in seconds of the sound ``data`` holds (its format sniffed from the bytes,
    ``extension`` when they say nothing), or None when it cannot be read from the headers."""
    kind = sniff_audio(data) or extension.lower().lstrip(".")
    try:
        if kind == "mp3":
            return _mp3(data)
        if kind == "wav":
            return _wav(data)
        if kind in ("ogg", "opus", "oga"):
            return _ogg(data)
        if kind == "flac":
            return _flac(data)
    except (struct.error, IndexError, ValueError, ZeroDivisionError):
        return None
    return None


def audio_file_duration(path: str | Path) -> float | None:
    """`audio_duration` of the file at ``path`` (its extension as the hint); None when it cannot
    be read."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    return audio_duration(data, extension=Path(path).suffix)


def _positive(value: float) -> float | None:
    return value if value > 0 else None


# --- MP3 --------------------------------------------------------------------------------------------


def _id3_end(data: bytes) -> int:
    """Where the audio starts: after an ID3v2 tag (and its footer), else 0."""
    if len(data) < _ID3_HEADER_BYTES or data[:3] != b"ID3":
        return 0
    size_bytes = data[6:10]
    if any(byte & 0x80 for byte in size_bytes):
        return 0
    size = (size_bytes[0] << 21) | (size_bytes[1] << 14) | (size_bytes[2] << 7) | size_bytes[3]
    footer = _ID3_HEADER_BYTES if data[5] & _ID3_FOOTER_FLAG else 0
    return _ID3_HEADER_BYTES + size + footer


class _Frame:
    """One MPEG audio frame header."""

    __slots__ = ("bitrate", "length", "mono", "mpeg1", "rate", "samples")

    def __init__(self, head: bytes) -> None:
        version = (head[1] >> 3) & 0b11
        layer = (head[1] >> 1) & 0b11
        bitrate_index = head[2] >> 4
        rate_index = (head[2] >> 2) & 0b11
        if version == 1 or layer == 0 or bitrate_index in (0, 15) or rate_index == 3:
            raise ValueError("not an MPEG audio frame header")
        self.mpeg1 = version == _MPEG1
        self.rate = _SAMPLE_RATES[version][rate_index]
        self.bitrate = _BITRATES_KBPS[(self.mpeg1, layer)][bitrate_index - 1] * 1000
        padding = (head[2] >> 1) & 1
        self.mono = (head[3] >> 6) == 0b11
        if layer == _LAYER1:
            self.samples = 384
            self.length = (12 * self.bitrate // self.rate + padding) * 4
        else:
            self.samples = 1152 if (layer == _LAYER2 or self.mpeg1) else 576
            self.length = self.samples // 8 * self.bitrate // self.rate + padding


def _frame_at(data: bytes, offset: int) -> _Frame | None:
    head = data[offset : offset + 4]
    if len(head) < 4 or head[0] != 0xFF or (head[1] & 0xE0) != 0xE0:
        return None
    try:
        return _Frame(head)
    except ValueError:
        return None


def _first_frame(data: bytes, start: int) -> tuple[int, _Frame] | None:
    """The first frame at or after ``start`` that another frame follows (a lone sync pattern in a
    tag's padding is not taken for one)."""
    offset = data.find(b"\xff", start)
    while 0 <= offset < len(data) - 4:
        frame = _frame_at(data, offset)
        if frame is not None and frame.length > 4:
            following = offset + frame.length
            if following + 4 > len(data) or _frame_at(data, following) is not None:
                return offset, frame
        offset = data.find(b"\xff", offset + 1)
    return None


def _mp3(data: bytes) -> float | None:
    found = _first_frame(data, _id3_end(data))
    if found is None:
        return None
    offset, frame = found
    header_frames = _vbr_header_frames(data, offset, frame)
    if header_frames is not None:
        return _positive(header_frames * frame.samples / frame.rate)
    end = len(data) - (_ID3V1_BYTES if data[-_ID3V1_BYTES : -_ID3V1_BYTES + 3] == b"TAG" else 0)
    seconds, position, counted = 0.0, offset, 0
    current: _Frame | None = frame
    while current is not None and position + current.length <= end and counted < _MAX_FRAMES_COUNTED:
        seconds += current.samples / current.rate
        position += current.length
        counted += 1
        current = _frame_at(data, position)
    if position >= end - 4:
        return _positive(seconds)
    if counted < _MIN_FRAMES_COUNTED:  # lost in garbage: the first frame's bit rate over the rest
        return _positive((end - offset) * 8 / frame.bitrate)
    average_bytes_per_second = (position - offset) / seconds
    return _positive(seconds + (end - position) / average_bytes_per_second)


def _vbr_header_frames(data: bytes, offset: int, frame: _Frame) -> int | None:
    """The frame count of a Xing/Info or VBRI header in the first frame (None without one)."""
    side_info = _SIDE_INFO_BYTES[(frame.mpeg1, frame.mono)]
    xing = offset + 4 + side_info
    if data[xing : xing + 4] in (b"Xing", b"Info"):
        (flags,) = struct.unpack(">I", data[xing + 4 : xing + 8])
        if flags & _XING_FRAMES_FLAG:
            (frames,) = struct.unpack(">I", data[xing + 8 : xing + 12])
            return int(frames)
        return None
    vbri = offset + _VBRI_OFFSET
    if data[vbri : vbri + 4] == b"VBRI":
        (frames,) = struct.unpack(">I", data[vbri + 14 : vbri + 18])
        return int(frames)
    return None


# --- WAV --------------------------------------------------------------------------------------------


def _wav(data: bytes) -> float | None:
    found = wav_format(data)
    samples = wav_samples(data)
    if found is None or samples is None:
        return None
    fact = next((body for chunk_id, body, size in wav_chunks(data) if chunk_id == b"fact" and size >= 4), None)
    if found.format_tag != PCM and fact is not None and found.rate:
        (count,) = struct.unpack("<I", data[fact : fact + 4])
        return _positive(count / found.rate)
    # A WAV written to a pipe states no real size (0xFFFFFFFF, or espeak-ng's 0x7FFFF024): what is
    # there counts (`wav_samples` cuts the size to it).
    return _positive(len(samples) / found.byte_rate) if found.byte_rate else None


# --- Ogg --------------------------------------------------------------------------------------------


def _ogg(data: bytes) -> float | None:
    if data[:4] != b"OggS":
        return None
    (serial,) = struct.unpack("<I", data[14:18])
    segments = data[26]
    packet = data[_OGG_PAGE_HEADER_BYTES + segments :]
    if packet[:8] == b"OpusHead":
        rate = _OPUS_GRANULE_RATE
        (pre_skip,) = struct.unpack("<H", packet[10:12])
    elif packet[:7] == b"\x01vorbis":
        (rate,) = struct.unpack("<I", packet[12:16])
        pre_skip = 0
    else:
        return None
    granule = _last_granule(data, serial)
    if granule is None or not rate:
        return None
    return _positive((granule - pre_skip) / rate)


def _last_granule(data: bytes, serial: int) -> int | None:
    """The granule position of the stream's last page that ends a packet."""
    position = data.rfind(b"OggS")
    while position >= 0:
        header = data[position : position + _OGG_PAGE_HEADER_BYTES]
        if len(header) == _OGG_PAGE_HEADER_BYTES and header[4] == 0:
            granule, page_serial = struct.unpack("<qI", header[6:18])
            if page_serial == serial and granule >= 0:
                return int(granule)
        position = data.rfind(b"OggS", 0, position)
    return None


# --- FLAC -------------------------------------------------------------------------------------------


def _flac(data: bytes) -> float | None:
    start = _id3_end(data)
    if data[start : start + 4] != b"fLaC":
        return None
    block = start + 4
    if data[block] & 0x7F != _FLAC_STREAMINFO:
        return None
    info = data[block + 4 : block + 4 + 18]
    packed = int.from_bytes(info[10:18], "big")
    rate = packed >> 44
    total_samples = packed & ((1 << 36) - 1)
    if not rate or not total_samples:
        return None
    return total_samples / rate
