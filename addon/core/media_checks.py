"""Checks that bytes are the media they claim to be, before anything touches the media folder.

An HTML error page saved as ``.mp3`` is the classic bug of this field; every result passes through
`sniff_audio` / `require_audio` first.

Thread safety: pure functions.
"""

from __future__ import annotations

from .errors import InvalidResponseError

_MIN_AUDIO_BYTES = 64


def sniff_audio(data: bytes) -> str | None:
    """Return the audio file extension the bytes really are (``mp3``, ``wav``, ``ogg``, ``flac``,
    ``m4a``), or None when they are not a known audio format."""
    if len(data) < _MIN_AUDIO_BYTES:
        return None
    head = data[:12]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head[:3] == b"ID3":
        return "mp3"
    if head[0] == 0xFF and (head[1] & 0xE0) == 0xE0 and (head[1] & 0x06) != 0:
        # MPEG audio frame sync with a valid layer.
        return "mp3"
    return None


def require_audio(data: bytes, *, expected: str, provider: str) -> None:
    """Raise `InvalidResponseError` unless ``data`` is audio of the ``expected`` extension."""
    actual = sniff_audio(data)
    if actual is None:
        preview = data[:40].decode("utf-8", "replace").replace("\n", " ")
        raise InvalidResponseError(
            f"returned {len(data)} bytes that are not audio (they start with {preview!r}); nothing was saved",
            provider=provider,
        )
    if actual != expected:
        raise InvalidResponseError(
            f"returned {actual} audio where {expected} was expected; nothing was saved",
            provider=provider,
        )
