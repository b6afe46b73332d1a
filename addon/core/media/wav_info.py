"""What a WAV file's header says (`wav_format`: the sample format, channels, rate and bits) and its
samples without the header (`wav_samples`), for services that take only one kind of WAV or raw
samples (linear PCM); and a short silent WAV (`silent_wav`).

Thread safety: pure functions of their input; call from any thread.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

PCM = 1
_EXTENSIBLE = 0xFFFE


@dataclass(frozen=True)
class WavFormat:
    """The ``fmt `` chunk: ``format_tag`` 1 is linear PCM (WAVE_FORMAT_EXTENSIBLE's PCM counts as 1)."""

    format_tag: int
    channels: int
    rate: int
    byte_rate: int
    bits: int

    def is_pcm16(self, *, mono: bool = True) -> bool:
        """16-bit linear PCM (one channel when ``mono``)."""
        return self.format_tag == PCM and self.bits == 16 and (self.channels == 1 or not mono)


def wav_chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    """``(id, start of body, size)`` of each chunk of a RIFF/WAVE file (the ``data`` chunk's size
    cut to what is there); empty for bytes that are not one."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return []
    found = []
    position = 12
    while position + 8 <= len(data):
        chunk_id = data[position : position + 4]
        (size,) = struct.unpack("<I", data[position + 4 : position + 8])
        body = position + 8
        size = min(size, len(data) - body)
        found.append((chunk_id, body, size))
        if chunk_id == b"data":
            break
        position = body + size + (size & 1)
    return found


def wav_format(data: bytes) -> WavFormat | None:
    """The WAV's format, or None when ``data`` is not a WAV with a readable ``fmt `` chunk."""
    for chunk_id, body, size in wav_chunks(data):
        if chunk_id == b"fmt " and size >= 16:
            tag, channels, rate, byte_rate, _, bits = struct.unpack("<HHIIHH", data[body : body + 16])
            if tag == _EXTENSIBLE and size >= 26:
                (tag,) = struct.unpack("<H", data[body + 24 : body + 26])
            return WavFormat(tag, channels, rate, byte_rate, bits)
    return None


def wav_samples(data: bytes) -> bytes | None:
    """The ``data`` chunk's bytes (the samples without any header), or None without one."""
    for chunk_id, body, size in wav_chunks(data):
        if chunk_id == b"data":
            return data[body : body + size]
    return None


def silent_wav(seconds: float = 0.5, rate: int = 16000) -> bytes:
    """A WAV of ``seconds`` of silence (16-bit mono): the sound a transcription provider's
    connection test sends."""
    samples = int(seconds * rate)
    data = b"\x00\x00" * samples
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + len(data),
        b"WAVE",
        b"fmt ",
        16,
        1,
        1,
        rate,
        rate * 2,
        2,
        16,
        b"data",
        len(data),
    )
    return header + data
