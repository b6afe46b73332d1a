"""Checked sounds: a sound made (or chosen) for a work item with a ``check`` is heard by the
check's transcription provider, through the job's pool (its limits, retries, breaker, health and
budget, like any request), and compared with the text its voice was given (`transcript_match`).

A transcription that fails (the provider is off, out of budget, down, or answers with an error)
does not fail the sound: it is kept, marked "not checked" with the reason, and listed in the report.
A cancelled job drops the sound (`NotStarted`), as it drops any request still running.

Thread safety: `hear_sound` runs on the job's worker threads, like `ProviderPool.call`.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence

from ..base.errors import ProviderError, SoundMismatchError
from ..config.sound_check import SoundCheck
from ..media.audio_duration import audio_duration
from ..media.types import AudioInput, HeardSound, MediaKind, MediaRequest, MediaResult
from ..resilience.retry_policy import Cancelled, RetryPolicy
from ..text.transcript_match import match_transcript
from .provider_pool import NotStarted, ProviderPool


def transcription_request(sound: MediaResult, *, language: str) -> MediaRequest:
    """The request that hears ``sound`` (a sound just made, in memory)."""
    data = sound.data or b""
    sha1 = hashlib.sha1(data).hexdigest()
    duration = audio_duration(data, extension=sound.extension)  # for the provider's limits and price
    audio = AudioInput(extension=sound.extension, sha1=sha1, data=data, duration_s=duration)
    return MediaRequest(kind=MediaKind.TEXT, text="", language=language, options={"audio_sha1": sha1}, audio=audio)


def hear_sound(
    sound: MediaResult,
    check: SoundCheck,
    pool: ProviderPool,
    cancel: threading.Event,
    sleep: Callable[[float], None] | None = None,
    *,
    planned: MediaRequest | None = None,
) -> HeardSound:
    """What ``sound`` was heard as, compared with the text of ``planned`` (the job's request; a
    provider's result may name another one), else of ``sound.request``. Raises `NotStarted` or
    `Cancelled` only when the job was cancelled meanwhile."""
    asked = planned if planned is not None else sound.request
    expected = asked.text
    key = (MediaKind.TEXT, check.provider)

    def not_checked(reason: str) -> HeardSound:
        return HeardSound("not_checked", expected=expected, checker=check.provider, reason=reason)

    broken = pool.broken_error(key)
    if broken is not None:
        return not_checked(f"{check.provider} {broken.message}")
    request = transcription_request(sound, language=asked.language)
    try:
        heard = RetryPolicy(retry_attempts=pool.retry_attempts(key)).call(
            lambda: pool.call(key, request, cancel), cancel=cancel, sleep=sleep, label=check.provider
        )
    except (NotStarted, Cancelled):
        if cancel.is_set():
            raise
        return not_checked("the job's budget was reached before it was heard")
    except ProviderError as exc:
        return not_checked(f"{check.provider} {exc.message}")
    transcript = (heard.data or b"").decode("utf-8", errors="replace")
    match = match_transcript(expected, transcript, language=sound.request.language, min_similarity=check.min_similarity)
    return HeardSound(
        "matched" if match.similar else "doubtful",
        expected=expected,
        checker=check.provider,
        heard=match.heard,
        score=match.score,
    )


def mismatch_error(heard: Sequence[tuple[str, HeardSound]]) -> SoundMismatchError:
    """The failure of a target whose sounds (by provider) did not say their text."""
    expected = heard[0][1].expected
    said = ", ".join(f"{name}'s as {_quoted(sound.heard)}" for name, sound in heard)
    fix = "check the voice or the text, lower verify_min_similarity, or set on_mismatch to keep"
    noun = "sound was" if len(heard) == 1 else "sounds were"
    return SoundMismatchError(
        f"the {noun} heard saying something else than {expected!r} ({said}); nothing was saved; {fix}",
        provider=heard[-1][0],
    )


def _quoted(heard: str) -> str:
    return repr(heard) if heard else "silence"
