"""The voice a sound request asks each provider for: a rule's target may name one per provider
(``"voice": {"openai_tts": "nova", "google_tts": "es-ES-Neural2-A"}``), which the planner puts in
the request's options as ``options["voice"]`` (so the cache and reuse keys follow the voice). A
provider uses it before its own per-language ``voices`` setting and its default voice.

A voice that comes from the request is checked by the provider that uses it; what is wrong with it
is this request's failure (`PermanentError`, the provider keeps working for other targets), and its
message names the target's voice (`target_voice`) rather than a provider setting.

Thread safety: pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..base.errors import PermanentError
from .types import MediaRequest

# The request option that holds {provider name: voice}.
VOICE_OPTION = "voice"
# Longest voice a request may name (a voice ID, a voice name or, for offline voices, a file path).
MAX_VOICE_CHARS = 1000


def requested_voice(request: MediaRequest, provider: str) -> str | None:
    """The voice ``request`` asks ``provider`` for, without white space around it; None when the
    request names none for it (no ``voice`` option, not a mapping, no entry, or an empty one)."""
    voices = request.options.get(VOICE_OPTION)
    if not isinstance(voices, Mapping):
        return None
    voice = voices.get(provider)
    if not isinstance(voice, str):
        return None
    return voice.strip() or None


def target_voice(provider: str) -> str:
    """How messages name a voice that came from the request: "the target's voice for openai_tts"."""
    return f"the target's voice for {provider}"


def checked_voice(voice: str, *, provider: str, pattern: str, what: str) -> str:
    """``voice`` (from the request) when it matches ``pattern`` (a whole-string regular expression)
    and is at most `MAX_VOICE_CHARS` long; else a `PermanentError` for this request naming the
    target's voice and ``what`` a voice of ``provider`` looks like."""
    if len(voice) <= MAX_VOICE_CHARS and re.fullmatch(pattern, voice):
        return voice
    shown = voice if len(voice) <= 80 else voice[:77] + "..."
    raise PermanentError(
        f"{target_voice(provider)} is {shown!r}, which is not {what}; change the voice in the rule's target",
        provider=provider,
    )


def valid_requested_voice(request: MediaRequest, provider: str, *, pattern: str, what: str) -> str | None:
    """`requested_voice`, checked with `checked_voice` (None when the request names none)."""
    voice = requested_voice(request, provider)
    return None if voice is None else checked_voice(voice, provider=provider, pattern=pattern, what=what)
