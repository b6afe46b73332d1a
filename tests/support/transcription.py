"""Transcription requests for the tests of the speech-to-text providers: `heard` makes the request
a transcript target (or a check of a sound just made) sends for a sound."""

from __future__ import annotations

import hashlib

from addon.core.media.types import AudioInput, MediaKind, MediaRequest


def heard(
    data: bytes, extension: str, *, language: str = "en", path: str = "", duration_s: float | None = None
) -> MediaRequest:
    """The request to transcribe ``data`` (read from ``path`` instead when given)."""
    sha1 = hashlib.sha1(data).hexdigest()
    audio = AudioInput(extension=extension, sha1=sha1, data=None if path else data, path=path, duration_s=duration_s)
    return MediaRequest(kind=MediaKind.TEXT, text="", language=language, options={"audio_sha1": sha1}, audio=audio)
