"""The voices a sound provider offers (`Voice`), and the language filter every voice list uses.

A provider lists its voices with `MediaProvider.list_voices` (``python -m addon voices PROVIDER``,
the voice picker): each voice has the ``id`` a target's ``voice`` takes for that provider, the name
people know it by, the languages it speaks (BCP-47 tags like ``es-ES``; empty when the voice speaks
every language its model knows, as OpenAI's and many ElevenLabs voices do), its gender
(`GENDERS`: ``"female"``, ``"male"``, ``"neutral"``, or ``""`` when the vendor does not say), the
provider, and where a sample of it can be heard, when the vendor offers one.

Language filter (`speaks`, `filter_voices`): case and ``_``/``-`` do not matter, and a tag matches
every tag it is a part of, either way round: ``es`` finds ``es-ES``, ``es-419`` and ``es``;
``es-ES`` finds ``es-ES`` and ``es`` (a voice of Spanish in general) but not ``es-MX``. The codes
vendors spell differently from what users write are taken as the same language (`_ALIASES`:
``zh`` finds Google's ``cmn-CN`` and ``yue-HK``, ``no`` finds ``nb-NO``, ``he`` finds ``iw``).

Thread safety: immutable values and pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENDERS = ("female", "male", "neutral")

# A language users write → the codes vendors may use for it instead.
_ALIASES: Mapping[str, tuple[str, ...]] = {
    "zh": ("cmn", "yue"),
    "no": ("nb",),
    "nb": ("no",),
    "he": ("iw",),
    "iw": ("he",),
    "fil": ("tl",),
    "tl": ("fil",),
}


@dataclass(frozen=True)
class Voice:
    """One voice of a provider; see the module docstring for the fields."""

    id: str
    name: str
    languages: tuple[str, ...]
    gender: str
    provider: str
    sample_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The voice as JSON (``python -m addon voices --json``)."""
        return {
            "id": self.id,
            "name": self.name,
            "languages": list(self.languages),
            "gender": self.gender,
            "provider": self.provider,
            "sample_url": self.sample_url,
        }


def normal_gender(raw: object) -> str:
    """A vendor's gender word (``FEMALE``, ``Female``, ``F``, ``male``…) as one of `GENDERS`, or ""
    when it names none of them (``SSML_VOICE_GENDER_UNSPECIFIED``, missing, unknown)."""
    word = str(raw or "").strip().lower()
    short = {"f": "female", "m": "male", "n": "neutral"}
    word = short.get(word, word)
    return word if word in GENDERS else ""


def normal_tag(language: str) -> str:
    """``language`` as a BCP-47 tag: ``_`` as ``-``, no space around it (``en_US`` → ``en-US``)."""
    return "-".join(part for part in language.strip().replace("_", "-").split("-") if part)


def _parts(tag: str) -> list[str]:
    return normal_tag(tag).lower().split("-") if tag.strip() else []


def _same_prefix(one: list[str], other: list[str]) -> bool:
    shorter = min(len(one), len(other))
    return shorter > 0 and one[:shorter] == other[:shorter]


def speaks(voice: Voice, language: str) -> bool:
    """Whether ``voice`` speaks ``language`` (see the module docstring); a voice with no languages
    speaks every language, and an empty ``language`` asks for none in particular."""
    wanted = _parts(language)
    if not wanted or not voice.languages:
        return True
    variants = [wanted] + [[alias, *wanted[1:]] for alias in _ALIASES.get(wanted[0], ())]
    return any(_same_prefix(_parts(own), each) for own in voice.languages for each in variants)


def filter_voices(voices: Iterable[Voice], language: str | None) -> list[Voice]:
    """The voices of ``voices`` that speak ``language`` (all of them for None or "")."""
    return [voice for voice in voices if not language or speaks(voice, language)]
