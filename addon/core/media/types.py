"""The value types that flow through a job: what to make (`MediaRequest`) and what came back
(`MediaResult`).

Thread safety: all types are immutable and safe to pass between threads. The table of shared
request options is only added to (two threads making equal options at once may each keep their own).
"""

from __future__ import annotations

import enum
import hashlib
import json
import json.encoder
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from ..base.errors import ProviderError


class MediaKind(str, enum.Enum):
    IMAGE = "image"
    AUDIO = "audio"
    TEXT = "text"  # a transcript, heard from a sound (speech to text)

    @property
    def word(self) -> str:
        """What users call this kind in messages ("picture", "sound"); the value stays the config key."""
        return _KIND_WORDS[self]


_KIND_WORDS: Mapping[MediaKind, str] = {
    MediaKind.IMAGE: "picture",
    MediaKind.AUDIO: "sound",
    MediaKind.TEXT: "transcript",
}


@dataclass(frozen=True, slots=True)
class AudioInput:
    """The sound a transcription request (`MediaKind.TEXT`) hears: either bytes in memory (a sound
    just made, to be checked) or a file of the media folder, read only when the request is sent.

    ``sha1`` is the SHA-1 of the sound's bytes: a transcription request carries it in its options
    (``audio_sha1``) so its cache and reuse key follow the sound, not the file's name.
    ``duration_s`` is the sound's length when known (for limits and the per-minute price).
    """

    extension: str
    sha1: str
    data: bytes | None = None
    path: str = ""
    duration_s: float | None = None

    def read(self) -> bytes:
        """The sound's bytes (from memory, else read from ``path``; `OSError` when it is gone)."""
        if self.data is not None:
            return self.data
        with open(self.path, "rb") as file:
            return file.read()


@dataclass(frozen=True, slots=True)
class MediaRequest:
    """One thing to produce.

    ``text`` is the cleaned source text (or, for images, the prompt); ``options`` holds anything
    else that changes the output. Two requests with the same ``cache_key`` produce the same media,
    so a job makes them once.

    A job holds one request per target (hundreds of thousands in a big job), so requests are
    slotted and equal ``options`` of plain values are shared, read-only (`_shared_options`).
    """

    kind: MediaKind
    text: str
    language: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    trace_id: str = ""
    # The sound a transcription request hears (kind TEXT only); never part of the cache key: the
    # request's options carry its ``audio_sha1``.
    audio: AudioInput | None = field(default=None, repr=False, compare=False)
    # `cache_key`, made on first use (the store step asks for it several times per request).
    _cache_key: str = field(default="", init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", _shared_options(self.options))

    @property
    def cache_key(self) -> str:
        """The SHA-1 (hex) of the JSON array ``[kind, text, language, options]`` as ``json.dumps``
        writes it with sorted keys and ``ensure_ascii=False``. The reuse index keeps these keys
        across versions, so the text hashed must never change (a test holds it to ``json.dumps``);
        it is put together from cached parts because a big job makes hundreds of thousands."""
        if not self._cache_key:
            parts = (_json_text(self.kind.value), _json_text(self.text), _json_text(self.language.lower()))
            payload = "[" + ", ".join(parts) + ", " + _options_json(self.options) + "]"
            object.__setattr__(self, "_cache_key", hashlib.sha1(payload.encode("utf-8")).hexdigest())
        return self._cache_key


# A string as `json.dumps` (``ensure_ascii=False``) writes it: the same function it calls.
_json_text: Callable[[str], str] = json.encoder.encode_basestring


def _options_json(options: Mapping[str, Any]) -> str:
    """``options`` as `MediaRequest.cache_key` writes them: sorted keys, any other value as its
    ``str``. Written once for each shared mapping (`_shared_options`), else on each call."""
    text = _OPTIONS_JSON.get(id(options))  # only live shared mappings are listed, so ids are theirs
    return _written_options(options) if text is None else text


def _written_options(options: Mapping[str, Any]) -> str:
    return json.dumps(dict(options), sort_keys=True, ensure_ascii=False, default=str)


# Read-only options shared by the requests that carry equal ones (a job's pictures all carry the
# same output settings); bounded, so odd options never make it grow without end.
_SHARED_OPTIONS: dict[tuple[tuple[str, Any], ...], Mapping[str, Any]] = {}
_SHARED_OPTIONS_LIMIT = 256
# The JSON of each mapping in `_SHARED_OPTIONS`, by its id (`_options_json`).
_OPTIONS_JSON: dict[int, str] = {}


def _shared_options(options: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only mapping equal to ``options``, the same object for equal options of hashable
    values; ``options`` as given when a value cannot be hashed (a nested mapping)."""
    try:
        key = tuple(sorted(options.items()))
        shared = _SHARED_OPTIONS.get(key)
    except TypeError:  # a value that cannot be hashed, or keys that do not sort
        return options
    if shared is None:
        shared = MappingProxyType(dict(options))
        if len(_SHARED_OPTIONS) < _SHARED_OPTIONS_LIMIT:
            _SHARED_OPTIONS[key] = shared  # kept for good, so its id stays its own
            _OPTIONS_JSON[id(shared)] = _written_options(shared)
    return shared


@dataclass(frozen=True)
class Attribution:
    """Who made a found image and under which licence, for the note (search providers)."""

    author: str = ""
    license: str = ""
    license_url: str = ""
    source_url: str = ""
    title: str = ""

    def text(self) -> str:
        """One line for a field: "Title — Author — CC BY-SA 4.0 — https://…" (empty parts left out)."""
        return " — ".join(part for part in (self.title, self.author, self.license, self.source_url) if part)


# How a checked sound fared: it said its text; it did not (kept, doubtful); it could not be heard.
HeardStatus = Literal["matched", "doubtful", "not_checked"]


@dataclass(frozen=True)
class HeardSound:
    """What a checked sound (``verify_with``) was heard as by ``checker``: ``expected`` is the text
    its voice was given, ``heard`` the transcript, ``score`` their similarity (0 to 1); ``reason``
    says why a sound was ``not_checked``."""

    status: HeardStatus
    expected: str
    checker: str
    heard: str = ""
    score: float = 0.0
    reason: str = ""


@dataclass(frozen=True)
class MediaResult:
    """The outcome of one request: validated bytes on success, a `ProviderError` on failure.

    ``provider`` names the provider that produced the bytes (or the last one tried).
    """

    request: MediaRequest
    provider: str
    data: bytes | None = None
    extension: str = ""
    mime_type: str = ""
    error: ProviderError | None = None
    attempts: int = 1
    elapsed_s: float = 0.0
    attribution: Attribution | None = None
    # What sets this result apart among several candidates for one request (a voice, a speaker's
    # votes), shown where the user chooses among them; "" for a plain result.
    caption: str = ""
    # A checked sound: what it was heard as (None: not a checked sound).
    heard: HeardSound | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.data is not None

    @classmethod
    def failure(cls, request: MediaRequest, error: ProviderError, *, provider: str) -> MediaResult:
        return cls(request=request, provider=provider, error=error)
