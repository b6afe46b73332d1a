"""The transcription provider interface (`TranscriptionProvider`, kind ``text``): a provider that
hears a sound (`MediaRequest.audio`) and answers with what was said, as a `MediaResult` of UTF-8
text (extension ``txt``, ``text/plain``; `text_result`).

A subclass states what its service takes — `max_audio_seconds`, `max_audio_bytes` (of what is
sent) and `accepted_formats` (extensions; anything else is converted to `send_format`, at
`send_rate` Hz and one channel when the service needs that) — and implements `transcribe`. The
base `generate` reads the sound, measures it (`audio_duration`), refuses it before anything is
sent when it is longer or larger than the service takes (a `PermanentError` naming the limit and
the fix), converts it with the add-on's audio conversion (ffmpeg, or sox and ``lame --decode``)
and hands the bytes to `transcribe`. An empty transcript is a `NotFoundError` (nothing heard is
never stored as an empty field): the service's answer for that sound, not its failure, so it is
not asked again and its breaker is not told (a few clips of music or silence would pause it).

The price of a transcript is per minute of sound (the ``price_per_minute`` setting, shared by every
transcription provider like ``price_per_request``; `transcription_price`).

Thread safety: as `MediaProvider`: ``generate`` runs on worker threads, at most
``max_concurrency`` at a time per provider; the base class keeps no state between calls.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from ..base.errors import NotFoundError, PermanentError
from ..job.plan import transcription_price
from ..media.audio_convert import convert_audio_bytes
from ..media.audio_duration import audio_duration
from ..media.checks import sniff_audio
from ..media.types import AudioInput, MediaKind, MediaRequest, MediaResult
from ..text.cleaning import printable_text
from .media_provider import MediaProvider, Setting

TEXT_EXTENSION = "txt"
TEXT_MIME_TYPE = "text/plain"
# The shared setting of every transcription provider (beside `GENERIC_DEFAULTS`).
PRICE_PER_MINUTE = "price_per_minute"
PRICE_PER_MINUTE_SCHEMA: Mapping[str, Any] = {"type": "number", "minimum": 0, "maximum": 100}
# The longest transcript kept (a runaway answer is cut, never stored whole).
MAX_TRANSCRIPT_CHARS = 20000
# Ogg Opus is sniffed as "opus"; services name its file "ogg".
_SAME_FORMAT = {"opus": "ogg", "oga": "ogg", "mpga": "mp3", "mpeg": "mp3"}


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


class TranscriptionProvider(MediaProvider, abc.ABC):
    """Makes a transcript from the sound of a request; see the module docstring."""

    kind: ClassVar[MediaKind] = MediaKind.TEXT
    # The longest sound the service takes, in seconds (None: no limit known).
    max_audio_seconds: ClassVar[float | None] = None
    # The largest sound the service takes, in bytes, as sent (None: no limit known).
    max_audio_bytes: ClassVar[int | None] = None
    # The extensions the service reads; another sound is converted to `send_format`.
    accepted_formats: ClassVar[frozenset[str]] = frozenset({"mp3", "wav", "ogg", "flac"})
    send_format: ClassVar[str] = "wav"
    # The sample rate (one channel) a converted sound is sent at (None: the sound's own).
    send_rate: ClassVar[int | None] = None
    # Where the limits come from, for messages ("Google's synchronous recognition").
    service_label: ClassVar[str] = ""

    price_per_minute = Setting(PRICE_PER_MINUTE, float, 0.0)

    def request_price(self, request: MediaRequest) -> float:
        """``price_per_request`` plus the price of the request's minutes of sound."""
        seconds = request.audio.duration_s if request.audio is not None else None
        return self.price_per_request + transcription_price(price_per_minute=self.price_per_minute, duration_s=seconds)

    # --- what subclasses give -------------------------------------------------------------------

    @abc.abstractmethod
    def transcribe(self, audio: bytes, *, extension: str, language: str, request: MediaRequest) -> str:
        """What is said in ``audio`` (a sound of ``extension``, one the service takes, within its
        limits), in ``language`` (a code like "de" or "pt-BR"; "" when unknown). Blocks on the
        network; raises a `ProviderError` subclass for every failure."""

    def formats_taken(self) -> frozenset[str]:
        """The extensions sent as they are (`accepted_formats`; a provider may narrow it by its
        settings, e.g. a local server that reads WAV only)."""
        return self.accepted_formats

    def conversion_target(self) -> tuple[str, int | None]:
        """What another sound is converted to: the format and the sample rate (one channel), None
        for the sound's own rate (`send_format`, `send_rate`; a provider may choose by its settings)."""
        return self.send_format, self.send_rate

    # --- generation -----------------------------------------------------------------------------

    def generate(self, request: MediaRequest) -> MediaResult:
        """The transcript of ``request.audio`` (see the module docstring). Blocks on the network."""
        started = time.monotonic()
        audio = self._audio_of(request)
        data = self._read(audio)
        extension = sniff_audio(data) or audio.extension.lower().lstrip(".")
        extension = _SAME_FORMAT.get(extension, extension)
        duration = audio.duration_s if audio.duration_s is not None else audio_duration(data, extension=extension)
        self.check_duration(duration)
        data, extension = self.prepare(data, extension=extension)
        self.check_size(len(data))
        text = self.transcribe(data, extension=extension, language=request.language, request=request)
        return self.text_result(request, text, started=started)

    def _audio_of(self, request: MediaRequest) -> AudioInput:
        if request.kind is not MediaKind.TEXT or request.audio is None:
            raise PermanentError(
                "was asked for a transcript without a sound to hear; give the target a source field with a sound",
                provider=self.name,
            )
        return request.audio

    def _read(self, audio: AudioInput) -> bytes:
        try:
            data = audio.read()
        except OSError as exc:
            where = audio.path or "the sound"
            raise PermanentError(
                f"cannot read the sound file {where} ({exc.strerror or type(exc).__name__}); check that it is in "
                "the collection's media folder (Tools → Check Media)",
                provider=self.name,
            ) from None
        if not data:
            raise PermanentError("the sound file is empty; record or fetch the sound again", provider=self.name)
        return data

    def _limits_of(self) -> str:
        return self.service_label or self.title or self.name

    def check_duration(self, duration: float | None) -> None:
        """Refuse a sound longer than `max_audio_seconds` (before anything is sent)."""
        limit = self.max_audio_seconds
        if limit is not None and duration is not None and duration > limit:
            raise PermanentError(
                f"the sound is {duration:.1f} s long and {self._limits_of()} takes at most {limit:g} s; "
                "use a shorter sound, or put another transcription provider first in the target's list",
                provider=self.name,
            )

    def check_size(self, size: int) -> None:
        """Refuse a sound larger than `max_audio_bytes` as sent (before anything is sent)."""
        limit = self.max_audio_bytes
        if limit is not None and size > limit:
            raise PermanentError(
                f"the sound is {_megabytes(size)} as sent and {self._limits_of()} takes at most "
                f"{_megabytes(limit)}; use a shorter sound, or put another transcription provider first in the "
                "target's list",
                provider=self.name,
            )

    def prepare(self, data: bytes, *, extension: str) -> tuple[bytes, str]:
        """``data`` as the service takes it: as it is when its format is taken, else converted to
        `send_format` (at `send_rate`, one channel, when set)."""
        if extension in self.formats_taken():
            return data, extension
        target, rate = self.conversion_target()
        converted = convert_audio_bytes(
            data,
            source=extension,
            target=target,
            provider=self.name,
            rate=rate,
            mono=rate is not None,
            which=self.which,
        )
        return converted, target

    def text_result(self, request: MediaRequest, text: str, *, started: float) -> MediaResult:
        """The result of ``request``: ``text`` made printable (`text_result`) as UTF-8; an
        `NotFoundError` when nothing was heard."""
        return text_result(request, text, provider=self.name, started=started)


def text_result(request: MediaRequest, text: str, *, provider: str, started: float) -> MediaResult:
    """A transcript as a `MediaResult`: UTF-8 bytes, extension ``txt``, ``text/plain``; on one line,
    without control characters, lone surrogates or invisible format characters (`printable_text`;
    markup is kept as text: whoever shows it escapes it), at most `MAX_TRANSCRIPT_CHARS`. Raises
    `NotFoundError` when nothing is left (the service heard nothing: an answer, not a failure)."""
    cleaned = printable_text(text)[:MAX_TRANSCRIPT_CHARS].rstrip()
    if not cleaned:
        raise NotFoundError(
            "heard no words in the sound (an empty transcript); check that the sound has speech in the "
            "target's language, or try another transcription provider",
            provider=provider,
        )
    return MediaResult(
        request=request,
        provider=provider,
        data=cleaned.encode("utf-8"),
        extension=TEXT_EXTENSION,
        mime_type=TEXT_MIME_TYPE,
        elapsed_s=time.monotonic() - started,
    )
