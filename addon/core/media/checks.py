"""Checks that bytes are the media they claim to be, before anything touches the media folder.

An HTML error page saved as ``.mp3`` is the classic bug of this field: the job runner passes every
result through `require_media`, whatever the provider, before it is accepted.

`sniff_audio` and `sniff_image` only identify a format by its magic bytes (and header fields that
must hold for that format); `require_media` also rejects empty, text, implausibly small, oversized
and cut-short bodies. Cut-short files are caught only where the format says so cheaply (PNG's IEND,
JPEG's EOI, GIF's trailer, the RIFF size of WAV/WebP, FLAC's STREAMINFO); MP3 and Ogg have no such
marker, so they are not second-guessed.

Thread safety: pure functions, safe from any thread.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable

from ..base.errors import InvalidResponseError
from .types import MediaKind

DEFAULT_MAX_MEDIA_BYTES = 20 * 1024 * 1024
"""The largest body `require_media` accepts unless the caller passes its own ``max_bytes``."""

# Smaller than any sound or picture a provider really makes (a WAV header alone is 44 bytes, a
# 1x1 PNG 67); one bound for all formats, since per-format minimums would reject nothing more.
_MIN_MEDIA_BYTES = 64

# MPEG audio frame header fields that mark an invalid header.
_MPEG_RESERVED_VERSION = 0b01
_MPEG_LAYER_3 = 0b01
_MPEG_BAD_BITRATES = (0b0000, 0b1111)
_MPEG_RESERVED_SAMPLE_RATE = 0b11

_ID3_HEADER_BYTES = 10
# ISO base media ("ftyp") brands of audio files; image brands (HEIC/AVIF) use the same container.
_M4A_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"mp41", b"mp42", b"isom", b"iso2", b"iso5", b"iso6", b"dash"})
_IMAGE_BRANDS = frozenset({b"avif", b"avis", b"heic", b"heix", b"mif1", b"msf1"})
_FLAC_STREAMINFO_BYTES = 34
_OGG_BOS_FLAG = 0x02
_OGG_PAGE_HEADER_BYTES = 27
_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
# Zero or whitespace padding some servers and encoders leave after an end marker.
_PADDING = b"\x00 \t\r\n"
_MAX_PADDING = 16
# A WAV written to a pipe cannot know its length: these RIFF sizes mean "unknown", not "truncated"
# (0xFFFFFFFF from ffmpeg and streaming TTS APIs, 0x7FFFF024 from espeak-ng's --stdout).
_RIFF_UNKNOWN_SIZE = 0x7FFF0000

_TEXT_SAMPLE_BYTES = 512
_TEXT_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_PREVIEW_CHARS = 80
_TITLE = re.compile(r"<title[^>]*>([^<]*)", re.IGNORECASE)
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_KIND_NOUN = {MediaKind.IMAGE: "a picture", MediaKind.AUDIO: "audio"}


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


def _id3_tag_size(data: bytes) -> int | None:
    """The whole size of the ID3v2 tag ``data`` starts with (header included), or None when it
    does not start with a well-formed ID3v2.2-2.4 header."""
    head = data[:_ID3_HEADER_BYTES]
    if len(head) < _ID3_HEADER_BYTES or head[:3] != b"ID3" or head[3] not in (2, 3, 4) or head[4] == 0xFF:
        return None
    if any(byte & 0x80 for byte in head[6:10]):  # the size is "syncsafe": 7 bits per byte
        return None
    size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
    footer = 10 if head[5] & 0x10 else 0
    return _ID3_HEADER_BYTES + size + footer


def _is_m4a(data: bytes) -> bool:
    """An ISO base media file ("ftyp" box first) whose brands are audio ones, not HEIC/AVIF."""
    if data[4:8] != b"ftyp":
        return False
    box_end = min(int.from_bytes(data[:4], "big"), len(data), 64)
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, box_end - 3, 4)}
    return not brands & _IMAGE_BRANDS and bool(brands & _M4A_BRANDS)


def _is_opus(data: bytes) -> bool:
    """Ogg whose first page carries the ``OpusHead`` packet."""
    segments = data[26] if len(data) > 26 else 0
    start = _OGG_PAGE_HEADER_BYTES + segments
    return data[start : start + 8] == b"OpusHead"


MIME_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "opus": "audio/ogg",
    "wav": "audio/wav",
    "flac": "audio/flac",
    "m4a": "audio/mp4",
}


def mime_type(extension: str) -> str:
    """The MIME type of a media file extension as `sniff_image`/`sniff_audio` name them."""
    return MIME_TYPES.get(extension.lower(), "application/octet-stream")


def sniff_audio(data: bytes) -> str | None:
    """Return the audio file extension the bytes really are (``mp3``, ``wav``, ``ogg``, ``opus``,
    ``flac``, ``m4a``), or None when they are not a known audio format. Opus in an Ogg container is
    ``opus``; other Ogg streams (Vorbis) are ``ogg``. Completeness is not checked here."""
    if len(data) < _MIN_MEDIA_BYTES:
        return None
    head = data[:12]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "opus" if _is_opus(data) else "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if _is_m4a(data):
        return "m4a"
    if _id3_tag_size(data) is not None or _is_mpeg_layer3_frame(head):
        return "mp3"
    return None


def sniff_image(data: bytes) -> str | None:
    """Return the image file extension the bytes really are (``png``, ``jpg``, ``gif``, ``webp``),
    or None. Completeness is not checked here."""
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


def require_audio(
    data: bytes, *, expected: str, provider: str, max_bytes: int | None = DEFAULT_MAX_MEDIA_BYTES
) -> None:
    """Raise `InvalidResponseError` unless ``data`` is audio of the ``expected`` extension."""
    require_media(MediaKind.AUDIO, data, extension=expected, provider=provider, max_bytes=max_bytes)


def require_media(
    kind: MediaKind,
    data: bytes,
    *,
    extension: str,
    provider: str,
    max_bytes: int | None = DEFAULT_MAX_MEDIA_BYTES,
) -> None:
    """Raise `InvalidResponseError` (naming ``provider``) unless ``data`` is a whole ``kind`` file
    whose real format matches ``extension`` and whose size is plausible and at most ``max_bytes``
    (None: no upper bound). ``jpeg`` counts as ``jpg``; ``ogg`` also accepts Opus in Ogg."""
    problem = _problem(kind, data, extension=extension, max_bytes=max_bytes)
    if problem is not None:
        raise InvalidResponseError(f"{problem}; nothing was saved", provider=provider)


def _problem(kind: MediaKind, data: bytes, *, extension: str, max_bytes: int | None) -> str | None:
    if kind is MediaKind.TEXT:
        return _transcript_problem(data, extension=extension, max_bytes=max_bytes)
    noun = _KIND_NOUN[kind]
    if not data:
        return f"returned an empty body instead of {noun}"
    if max_bytes is not None and len(data) > max_bytes:
        return f"returned more than the {_size(max_bytes)} limit for media ({len(data):,} bytes)"
    text = _describe_text(data)
    if text is not None:
        return f"returned {len(data)} bytes that are not {noun} but {text}"
    if len(data) < _MIN_MEDIA_BYTES:
        return f"returned only {len(data)} bytes, implausibly small for {noun}"
    actual = _sniff(kind, data)
    if actual is None:
        other_kind = MediaKind.AUDIO if kind is MediaKind.IMAGE else MediaKind.IMAGE
        other = _sniff(other_kind, data)
        what = f"are {_format_name(other_kind, other)}" if other else f"start with {data[:16].hex(' ')}"
        return f"returned {len(data)} bytes that are not {noun} (they {what})"
    wanted = extension.lower().lstrip(".")
    wanted = "jpg" if wanted == "jpeg" else wanted
    if actual != wanted and not (wanted == "ogg" and actual == "opus"):
        return f"returned {_format_name(kind, actual)} labelled as {wanted or 'no format'}"
    damage = _STRUCTURE_CHECKS[actual](data)
    if damage is not None:
        return f"returned a damaged or cut-short {actual} file ({damage})"
    return None


def _sniff(kind: MediaKind, data: bytes) -> str | None:
    return sniff_image(data) if kind is MediaKind.IMAGE else sniff_audio(data)


def _format_name(kind: MediaKind, extension: str) -> str:
    return f"a {extension} picture" if kind is MediaKind.IMAGE else f"{extension} audio"


def _transcript_problem(data: bytes, *, extension: str, max_bytes: int | None) -> str | None:
    """What is wrong with a transcript (`MediaKind.TEXT`): it must be UTF-8 text, not empty, at
    most ``max_bytes``, labelled ``txt``."""
    if not data.strip():
        return "returned an empty transcript"
    if max_bytes is not None and len(data) > max_bytes:
        return f"returned more than the {_size(max_bytes)} limit for media ({len(data):,} bytes)"
    if extension.lower().lstrip(".") != "txt":
        return f"returned a transcript labelled as {extension or 'no format'}, not txt"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "returned a transcript that is not UTF-8 text"
    return None


def _size(count: int) -> str:
    if count < 1024 * 1024:
        return f"{count:,} bytes"
    return f"{count / (1024 * 1024):.1f}".removesuffix(".0") + " MiB"


def _describe_text(data: bytes) -> str | None:
    """How a body that is text rather than media looked ("an HTML page ...", "a JSON body: ..."),
    or None when its start is not text. Real media always has non-text bytes in its header."""
    sample, encoding = data[:_TEXT_SAMPLE_BYTES], "utf-8"
    for bom, codec in _TEXT_BOMS:
        if sample.startswith(bom):
            sample, encoding = sample[len(bom) :], codec
            break
    try:  # incremental, so a character cut by the sample's end is no error
        text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        return None
    if not text.strip() or _TEXT_CONTROL.search(text):
        return None
    text = " ".join(text.split())
    preview = text if len(text) <= _PREVIEW_CHARS else text[:_PREVIEW_CHARS] + "…"
    if text.startswith("<?xml") and "<html" not in text[:200].lower():
        return f"an XML document: {preview}"
    if text.startswith("<"):
        title = _TITLE.search(text)
        title_text = title.group(1).strip() if title else ""
        return f"an HTML page titled {title_text!r}" if title_text else f"an HTML page: {preview}"
    if text.startswith(("{", "[")):
        return f"a JSON body: {preview}"
    return f"text: {preview}"


def _cut_short_at_end(data: bytes, trailer: bytes) -> bool:
    """True unless ``data`` ends with ``trailer``, allowing a little zero/whitespace padding."""
    return not data[-(len(trailer) + _MAX_PADDING) :].rstrip(_PADDING).endswith(trailer)


def _riff_problem(data: bytes, *, streamable: bool) -> str | None:
    declared = int.from_bytes(data[4:8], "little")
    if streamable and (declared == 0 or declared >= _RIFF_UNKNOWN_SIZE):
        return None
    if declared + 8 > len(data) + 1:  # one byte of slack for a missing final pad byte
        return f"its header announces {declared + 8} bytes, only {len(data)} arrived"
    return None


def _png_problem(data: bytes) -> str | None:
    if data[12:16] != b"IHDR":
        return "no IHDR chunk first"
    return "no IEND chunk at the end" if _cut_short_at_end(data, _PNG_IEND) else None


def _jpg_problem(data: bytes) -> str | None:
    return "no end-of-image marker" if _cut_short_at_end(data, b"\xff\xd9") else None


def _gif_problem(data: bytes) -> str | None:
    return "no trailer byte at the end" if _cut_short_at_end(data, b"\x3b") else None


def _webp_problem(data: bytes) -> str | None:
    if data[12:16] not in (b"VP8 ", b"VP8L", b"VP8X"):
        return "no VP8 image chunk"
    return _riff_problem(data, streamable=False)


def _wav_problem(data: bytes) -> str | None:
    return _riff_problem(data, streamable=True)


def _flac_problem(data: bytes) -> str | None:
    is_streaminfo = data[4] & 0x7F == 0 and int.from_bytes(data[5:8], "big") == _FLAC_STREAMINFO_BYTES
    return None if is_streaminfo else "no STREAMINFO block"


def _ogg_problem(data: bytes) -> str | None:
    return None if data[4] == 0 and data[5] & _OGG_BOS_FLAG else "the first Ogg page is not a stream start"


def _mp3_problem(data: bytes) -> str | None:
    tag_size = _id3_tag_size(data)
    if tag_size is not None and tag_size >= len(data):
        return f"its ID3 tag announces {tag_size} bytes, only {len(data)} arrived and no sound after it"
    return None


def _m4a_problem(data: bytes) -> str | None:
    box_size = int.from_bytes(data[:4], "big")
    return None if 16 <= box_size <= len(data) else "a broken ftyp box"


_STRUCTURE_CHECKS: dict[str, Callable[[bytes], str | None]] = {
    "png": _png_problem,
    "jpg": _jpg_problem,
    "gif": _gif_problem,
    "webp": _webp_problem,
    "wav": _wav_problem,
    "flac": _flac_problem,
    "ogg": _ogg_problem,
    "opus": _ogg_problem,
    "mp3": _mp3_problem,
    "m4a": _m4a_problem,
}
