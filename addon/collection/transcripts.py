"""Transcripts (kind ``text``) in the store step: what a transcription provider heard, made fit
for a field, kept without a media file.

A transcript is checked (UTF-8 words, not an empty answer), cleaned (`printable_text`: one line,
no control or invisible characters, whitespace folded; no ``[sound:…]`` tag, which a card would
play) and only then written, HTML-escaped
(`field_markup.media_reference`), so nothing a server says can inject markup into a note. No file
goes into the media folder for it: the journal and the reuse index keep the cleaned text where
they keep a media file's name, so a resumed or later job uses it without asking again.

Thread safety: pure functions; call from any thread.
"""

from __future__ import annotations

import hashlib

from ..core.base.errors import InvalidResponseError
from ..core.media.types import MediaKind, MediaRequest, MediaResult
from ..core.state.reuse_index import ReuseRow, reuse_key
from ..core.text.cleaning import printable_text, without_sound_tags


def transcript_text(result: MediaResult) -> str:
    """The cleaned transcript of ``result``; `InvalidResponseError` (naming its provider) when its
    bytes are not UTF-8 text or hold no words."""
    try:
        heard = (result.data or b"").decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidResponseError(
            "returned a transcript that is not UTF-8 text; try another transcription provider",
            provider=result.provider,
        ) from None
    # A sound tag is never speech, and Anki plays one on the card whatever the escaping: dropped
    # (after the invisible characters that could split one are gone).
    text = printable_text(without_sound_tags(printable_text(heard)))
    if not text:
        raise InvalidResponseError(
            "heard no words in the sound; check that the sound holds speech, or try another transcription provider",
            provider=result.provider,
        )
    return text


def transcript_row(request: MediaRequest, result: MediaResult, *, text: str, fingerprint: str) -> ReuseRow:
    """What the reuse index remembers of a transcript: its text where a file's name would be."""
    data = text.encode("utf-8")
    return ReuseRow(
        key=reuse_key(provider=result.provider, cache_key=request.cache_key, fingerprint=fingerprint),
        file_name=text,
        provider=result.provider,
        kind=MediaKind.TEXT.value,
        size=len(data),
        sha1=hashlib.sha1(data).hexdigest(),
    )
