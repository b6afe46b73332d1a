"""Checks that bytes are the media they claim to be, before anything touches the media folder.

An HTML error page saved as ``.mp3`` is the classic bug of this field: the job runner passes every
result through `require_media`, whatever the provider, before it is accepted.

Thread safety: pure functions.
"""

from __future__ import annotations

from .errors import InvalidResponseError
from .media import MediaKind

_MIN_MEDIA_BYTES = 64

# MPEG audio frame header fields that mark an invalid header.
_MPEG_RESERVED_VERSION = 0b01
_MPEG_LAYER_3 = 0b01
_MPEG_BAD_BITRATES = (0b0000, 0b1111)
_MPEG_RESERVED_SAMPLE_RATE = 0b11


def _is_mpeg_layer3_frame(head: bytes) -> bool:
    """A valid MPEG-1/2/2.5 Layer III frame header: sync, version, layer, bitrate, sample rate."""
    if len(head) < 4 or head[0] != 0xFF or (head[1] & 0xE0) != 0xE0:
        return False
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    bitrate = head[2] >> 4
    sample_rate = (head[2] >> 2) & 0b11
    return (
        version != _MPEG_RESERVED_VERSION
        and layer == _MPEG_LAYER_3
        and bitrate not in _MPEG_BAD_BITRATES
        and sample_rate != _MPEG_RESERVED_SAMPLE_RATE
    )


def sniff_audio(data: bytes) -> str | None:
    """Return the audio file extension the bytes really are (``mp3``, ``wav``, ``ogg``, ``flac``,
    ``m4a``), or None when they are not a known audio format."""
    if len(data) < _MIN_MEDIA_BYTES:
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
    if head[:3] == b"ID3" or _is_mpeg_layer3_frame(head):
        return "mp3"
    return None


def sniff_image(data: bytes) -> str | None:
    """Return the image file extension the bytes really are (``png``, ``jpg``, ``gif``, ``webp``),
    or None."""
    if len(data) < _MIN_MEDIA_BYTES:
        return None
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def require_audio(data: bytes, *, expected: str, provider: str) -> None:
    """Raise `InvalidResponseError` unless ``data`` is audio of the ``expected`` extension."""
    require_media(MediaKind.AUDIO, data, extension=expected, provider=provider)


def require_media(kind: MediaKind, data: bytes, *, extension: str, provider: str) -> None:
    """Raise `InvalidResponseError` unless ``data`` is ``kind`` media whose real format matches
    ``extension`` (``jpeg`` counts as ``jpg``)."""
    actual = sniff_image(data) if kind is MediaKind.IMAGE else sniff_audio(data)
    if actual is None:
        preview = data[:40].decode("utf-8", "replace").replace("\n", " ")
        raise InvalidResponseError(
            f"returned {len(data)} bytes that are not {kind.value} (they start with {preview!r}); nothing was saved",
            provider=provider,
        )
    wanted = "jpg" if extension.lower() == "jpeg" else extension.lower()
    if actual != wanted:
        raise InvalidResponseError(
            f"returned {actual} {kind.value} labelled as {wanted or 'no format'}; nothing was saved",
            provider=provider,
        )
