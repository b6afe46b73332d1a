"""A checked sound's settings: a sound target's ``verify_with`` (the transcription provider that
hears each sound made or chosen for it), ``on_mismatch`` (what to do with a sound that does not say
its text) and ``verify_min_similarity`` (how close is close enough, 0 to 1). A rule may set them for
all its sound targets; a target's own value wins.

``on_mismatch``: ``next`` tries the next provider of the target (when the last one's sound does not
match either, the target fails, naming what each sound was heard as); ``keep`` stores the sound and
lists it as doubtful in the report; ``fail`` fails the target, naming what was heard.

Thread safety: immutable data and pure functions; call from any thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..media.types import MediaKind

OnMismatch = Literal["next", "keep", "fail"]
ON_MISMATCH: tuple[OnMismatch, ...] = ("next", "keep", "fail")
DEFAULT_MIN_SIMILARITY = 0.8
CHECK_KEYS = ("verify_with", "on_mismatch", "verify_min_similarity")
# How fast a voice says text, for the estimate of a sound not made yet (about 150 words a minute).
SPOKEN_CHARS_PER_SECOND = 14.0

# The schema of the keys, for a rule and for a target.
CHECK_SCHEMA: dict[str, Any] = {
    "verify_with": {"type": "string"},
    "on_mismatch": {"enum": list(ON_MISMATCH)},
    "verify_min_similarity": {"type": "number", "minimum": 0, "maximum": 1},
}


@dataclass(frozen=True)
class SoundCheck:
    """How a sound target's sounds are checked: heard by ``provider`` (a transcription provider),
    compared with the text they should say."""

    provider: str
    on_mismatch: OnMismatch = "next"
    min_similarity: float = DEFAULT_MIN_SIMILARITY

    def key(self) -> str:
        """What sets a checked request apart from an unchecked one (part of its work item's key)."""
        return f"check:{self.provider}:{self.on_mismatch}:{self.min_similarity:g}"


def spoken_seconds(text: str) -> float:
    """About how long a sound saying ``text`` lasts (at least a second), for the estimate of its
    check before it is made."""
    return max(1.0, len(text) / SPOKEN_CHARS_PER_SECOND)


def parse_sound_check(raw: Mapping[str, Any], rule: Mapping[str, Any], *, kind: MediaKind) -> SoundCheck | None:
    """The check of a validated sound target (its own keys, else its rule's), or None when it
    names no ``verify_with`` (or is not a sound target)."""

    def inherited(key: str, default: Any) -> Any:
        return raw.get(key, rule.get(key, default))

    provider = str(inherited("verify_with", "") or "")
    if kind is not MediaKind.AUDIO or not provider:
        return None
    return SoundCheck(
        provider=provider,
        on_mismatch=inherited("on_mismatch", "next"),
        min_similarity=float(inherited("verify_min_similarity", DEFAULT_MIN_SIMILARITY)),
    )


def sound_check_problems(
    target: Mapping[str, Any], at: str, transcription_providers: Iterable[str]
) -> list[tuple[str, str]]:
    """(key path, message) for a target's check keys that cannot work: set on a target that is not
    a sound, or ``verify_with`` naming no transcription provider."""
    own = [key for key in CHECK_KEYS if key in target]
    if target.get("kind") != MediaKind.AUDIO.value:
        return [
            (
                f"{at}.{key}",
                "only a sound target's sounds can be checked; remove it from this "
                f"{MediaKind(target['kind']).word} target",
            )
            for key in own
        ]
    return verify_with_problems(target, at, transcription_providers)


def verify_with_problems(
    raw: Mapping[str, Any], at: str, transcription_providers: Iterable[str]
) -> list[tuple[str, str]]:
    """``verify_with`` of a rule or a target naming no transcription provider."""
    name = raw.get("verify_with")
    if not name:  # "" is no check
        return []
    known = sorted(transcription_providers)
    if name in known:
        return []
    listed = ", ".join(known) or "none yet"
    return [
        (
            f"{at}.verify_with",
            f"{name!r} is not a transcription provider; name one (known: {listed}), or remove verify_with",
        )
    ]
