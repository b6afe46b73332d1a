"""Which voice ``google_tts`` asks Google for: the target's voice (a voice name the request names,
`requested_voice`), else the ``voices`` setting, else a language code derived from the request's
language.

The ``voices`` setting maps a language (``"de"``, or ``"pt-BR"`` before ``"pt"``) to
``{"languageCode", "name", "ssmlGender"}`` (each optional) or to a voice name alone
(``"de-DE-Wavenet-B"``, whose language code is its first two parts). Without an entry the language
code is derived from the request's language (``"en"`` → ``"en-US"``, ``"zh-TW"`` → ``"cmn-TW"``)
and Google picks the voice.

Thread safety: pure functions and immutable values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The region of Google's voices for a language given without one (§6.2: BCP-47, no script tag).
# Languages not listed are sent bare; Google then picks a region itself.
_DEFAULT_REGIONS: Mapping[str, str] = {
    "af": "ZA", "ar": "XA", "bg": "BG", "bn": "IN", "ca": "ES", "cmn": "CN", "cs": "CZ", "da": "DK",
    "de": "DE", "el": "GR", "en": "US", "es": "ES", "et": "EE", "eu": "ES", "fi": "FI", "fil": "PH",
    "fr": "FR", "gl": "ES", "gu": "IN", "he": "IL", "hi": "IN", "hu": "HU", "id": "ID", "is": "IS",
    "it": "IT", "ja": "JP", "kn": "IN", "ko": "KR", "lt": "LT", "lv": "LV", "ml": "IN", "mr": "IN",
    "ms": "MY", "nb": "NO", "nl": "NL", "pa": "IN", "pl": "PL", "pt": "BR", "ro": "RO", "ru": "RU",
    "sk": "SK", "sr": "RS", "sv": "SE", "ta": "IN", "te": "IN", "th": "TH", "tr": "TR", "uk": "UA",
    "ur": "IN", "vi": "VN", "yue": "HK",
}  # fmt: skip
# Codes Google names differently from what users (and Anki) write.
_LANGUAGE_ALIASES: Mapping[str, str] = {"no": "nb", "iw": "he", "in": "id", "tl": "fil", "zh": "cmn"}
_CANTONESE_REGIONS = frozenset({"HK", "MO"})

# A voice name alone: its language code, then the voice ("de-DE-Wavenet-B").
VOICE_NAME_PATTERN = r"^[A-Za-z]{2,3}-[A-Za-z0-9]{2,4}-[A-Za-z0-9\-]+$"

# The JSON Schema of the ``voices`` setting.
VOICES_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [
            {"type": "string", "pattern": VOICE_NAME_PATTERN},
            {
                "type": "object",
                "additionalProperties": False,
                "minProperties": 1,
                "properties": {
                    "languageCode": {"type": "string", "pattern": r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},
                    "name": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9\-_.]*$"},
                    "ssmlGender": {"enum": ["MALE", "FEMALE", "NEUTRAL", "SSML_VOICE_GENDER_UNSPECIFIED"]},
                },
            },
        ]
    },
}


def language_code(language: str) -> str:
    """The BCP-47 code Google's voices use for a request's ``language``: a region added where the
    language has none (``en`` → ``en-US``), the script tag dropped, Chinese as ``cmn``/``yue``;
    ``en-US`` for an empty language."""
    parts = [part for part in language.strip().replace("_", "-").split("-") if part]
    if not parts:
        return "en-US"
    primary = parts[0].lower()
    region = ""
    for part in parts[1:]:
        if (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            region = part.upper()
            break
    if primary == "zh" and region in _CANTONESE_REGIONS:
        primary = "yue"
    primary = _LANGUAGE_ALIASES.get(primary, primary)
    if not region:
        region = _DEFAULT_REGIONS.get(primary, "")
    return f"{primary}-{region}" if region else primary


def _language_of_voice(name: str) -> str:
    """``de-DE`` of ``de-DE-Wavenet-B`` (Google's voice names start with their language code)."""
    parts = name.split("-")
    return f"{parts[0]}-{parts[1]}" if len(parts) >= 3 and parts[0].isalpha() and parts[1].isalnum() else ""


@dataclass(frozen=True)
class Voice:
    """The ``voice`` object of one request, and which ``voices`` entry it came from ("" when the
    language code was derived from the request's language); ``requested`` when it is the target's
    voice."""

    language_code: str
    name: str = ""
    ssml_gender: str = ""
    entry: str = ""
    requested: bool = False

    def to_json(self) -> dict[str, str]:
        voice = {"languageCode": self.language_code}
        if self.name:
            voice["name"] = self.name
        if self.ssml_gender:
            voice["ssmlGender"] = self.ssml_gender
        return voice


def voice_for(voices: Any, language: str, *, requested: str | None = None) -> Voice:
    """The voice for a request's language: ``requested`` (the target's voice name, whose language
    code is its first two parts), else under the ``voices`` setting its entry for the whole tag
    (``pt-BR``), else for its language (``pt``), else only a language code derived from it."""
    derived = language_code(language)
    if requested:
        return Voice(_language_of_voice(requested) or derived, name=requested, requested=True)
    entries = {_key(k): (k, v) for k, v in voices.items()} if isinstance(voices, Mapping) else {}
    tag = _key(language)
    found = entries.get(tag) or entries.get(tag.split("-")[0])
    if found is None:
        return Voice(derived)
    entry, value = found
    if isinstance(value, str):
        name = value.strip()
        return Voice(_language_of_voice(name) or derived, name=name, entry=entry)
    if isinstance(value, Mapping):
        name = str(value.get("name") or "").strip()
        code = str(value.get("languageCode") or "").strip() or _language_of_voice(name) or derived
        return Voice(code, name=name, ssml_gender=str(value.get("ssmlGender") or ""), entry=entry)
    return Voice(derived)


def _key(language: str) -> str:
    return language.strip().replace("_", "-").lower()
