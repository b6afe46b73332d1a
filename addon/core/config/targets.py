"""Targets: each fills one field of a note from a source template, by its own providers and
settings; `parse_targets` reads a rule's targets (or its older single-source keys) from the config.

A target's settings fall back to its rule's (language, mode, credit field, text rules, cloze, math),
then to the defaults. ``legacy_targets`` turns the older rule shape (one ``source_field``, an
``image_field`` and an ``audio_field``) into target dicts: the settings window's migration and
`parse_targets` both use it, so an old config fills exactly what it filled before.

Thread safety: immutable data and pure functions; call from any thread.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from ..media.image_output import ImageOutput
from ..media.types import MediaKind
from ..text.reading import PICTURE_MAX_CHARS, SOUND_MAX_CHARS, MathMode
from .sound_check import SoundCheck, parse_sound_check

# The older rule keys that name fields and providers per kind; a rule holds them or "targets".
LEGACY_RULE_KEYS = ("source_field", "image_field", "audio_field", "image_providers", "audio_providers", "image_prompt")
# Settings a target takes from its rule when it does not say.
INHERITED_KEYS = ("language", "mode", "attribution_field", "cloze", "math")
_IMAGE_OUTPUT_KEYS = ("image_max_px", "image_format", "image_quality")

_FIELD_NAME = re.compile(r"\{([^{}]+)\}")


class FillMode(str, enum.Enum):
    """What to do with a target field.

    SKIP leaves a field that already holds media of its kind alone (other text in it is kept and the
    media appended); OVERWRITE replaces the field with the new media; APPEND adds the new media
    after whatever the field holds.
    """

    SKIP = "skip"
    OVERWRITE = "overwrite"
    APPEND = "append"


# How a cloze field is read: the sentence with its answers, or only the answers.
ClozeReading = Literal["full", "answers"]
CLOZE_READINGS: tuple[ClozeReading, ...] = ("full", "answers")
MATH_MODES = ("drop", "keep")
# How a target with several voices for a provider uses them: only the first, taking turns note by
# note, or one picked for each note (the same note always gets the same voice).
VoiceMode = Literal["single", "rotate", "random"]
VOICE_MODES: tuple[VoiceMode, ...] = ("single", "rotate", "random")


@dataclass(frozen=True)
class TextRule:
    """One find-and-replace on the cleaned text, before it is sent (``regex``: ``find`` is a Python
    regular expression and ``replace`` may name its groups, ``\\1``)."""

    find: str
    replace: str = ""
    regex: bool = False

    def apply(self, text: str) -> str:
        if self.regex:
            return re.sub(self.find, self.replace, text)
        return text.replace(self.find, self.replace) if self.find else text

    def to_config(self) -> dict[str, Any]:
        return {"find": self.find, "replace": self.replace, "regex": self.regex}


def apply_text_rules(text: str, rules: tuple[TextRule, ...]) -> str:
    """``text`` after each rule in order, whitespace folded (a dropped word leaves no double space)."""
    for rule in rules:
        text = rule.apply(text)
    return " ".join(text.split()) if rules else text


def text_rule_problem(raw: Mapping[str, Any]) -> str | None:
    """Why a text rule cannot run (an invalid regular expression), or None."""
    if not raw.get("regex"):
        return None
    try:
        re.compile(str(raw.get("find", "")))
    except re.error as exc:
        return (
            f"the pattern {raw.get('find')!r} is not a valid regular expression ({exc}); fix it or set regex to false"
        )
    try:
        re.sub(str(raw.get("find", "")), str(raw.get("replace", "")), "")
    except IndexError as exc:
        return f"the replacement {raw.get('replace')!r} names a group the pattern does not have ({exc}); fix the name"
    except re.error as exc:
        if "group" in str(exc):
            return f"the replacement {raw.get('replace')!r} names a group the pattern does not have ({exc}); fix it"
        return (
            f"the replacement {raw.get('replace')!r} is not valid with regex true ({exc}); "
            "write a backslash as \\\\ (in the JSON file: four)"
        )
    return None


def template_problem(template: str) -> str | None:
    """Why a source template cannot be read: a brace that does not belong to a ``{Field}`` (braces
    only ever name a field; there is no way to send one), or None."""
    stray = _FIELD_NAME.sub("", template)
    if "{" in stray or "}" in stray:
        return (
            f"{template!r} has a brace that is not part of a field name; write each field with one brace "
            "on each side, like {Word}, and remove any other brace"
        )
    return None


@dataclass(frozen=True)
class FieldTarget:
    """One field of a note type to fill: what it is made from (``source``, a template over field
    names) and how."""

    field: str
    kind: MediaKind
    source: str
    providers: tuple[str, ...] = ()
    language: str = ""
    mode: FillMode = FillMode.SKIP
    # Pictures: what is searched or drawn; "{text}" is the cleaned source, "{Field}" another field.
    prompt: str = "{text}"
    # Where a found picture's credit goes: a field's name, or "" for an HTML comment after it.
    attribution_field: str = ""
    # Every voice for each provider, in order: one, or several for ``voice_mode`` rotate or random.
    voice_pool: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    voice_mode: VoiceMode = "single"
    text_rules: tuple[TextRule, ...] = ()
    cloze: ClozeReading = "full"
    math: MathMode = "drop"
    max_chars: int = SOUND_MAX_CHARS
    image_output: ImageOutput = dataclasses.field(default_factory=ImageOutput)
    # Sounds only: how each sound made or chosen is heard and compared with its text (None: not checked).
    check: SoundCheck | None = None

    @property
    def voice(self) -> dict[str, str]:
        """The first voice for each provider (``voice_pool`` holds them all)."""
        return {name: voices[0] for name, voices in self.voice_pool.items()}

    @property
    def source_fields(self) -> tuple[str, ...]:
        return source_fields(self.source)


@functools.lru_cache(maxsize=1024)  # a job asks for each target's few templates once per note
def source_fields(template: str) -> tuple[str, ...]:
    """The field names a source template names, in order, each once."""
    return tuple(dict.fromkeys(m.group(1) for m in _FIELD_NAME.finditer(template)))


def legacy_targets(raw: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The target dicts an older rule (``source_field``, ``image_field``, ``audio_field``…) means:
    a picture target first, then a sound target, as that rule filled them."""
    source = raw.get("source_field")
    if not isinstance(source, str) or not source:
        return []
    targets = []
    for kind in (MediaKind.IMAGE, MediaKind.AUDIO):
        name = raw.get(f"{kind.value}_field")
        if not isinstance(name, str) or not name:
            continue
        target: dict[str, Any] = {
            "field": name,
            "kind": kind.value,
            "source": "{" + source + "}",
            "providers": list(raw.get(f"{kind.value}_providers") or []),
        }
        prompt = raw.get("image_prompt")
        if kind is MediaKind.IMAGE and isinstance(prompt, str) and prompt != "{text}":
            target["prompt"] = prompt
        targets.append(target)
    return targets


def raw_targets(raw: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A rule's target dicts: its ``targets``, or those its older keys mean."""
    targets = raw.get("targets")
    if isinstance(targets, list):
        return [t for t in targets if isinstance(t, Mapping)]
    return list(legacy_targets(raw))


def parse_target(raw: Mapping[str, Any], rule: Mapping[str, Any], *, image_output: ImageOutput) -> FieldTarget:
    """A validated target dict with its rule's settings filled in where it has none."""
    kind = MediaKind(raw["kind"])

    def inherited(key: str, default: Any) -> Any:
        return raw.get(key, rule.get(key, default))

    own_output = {k: raw[k] for k in _IMAGE_OUTPUT_KEYS if k in raw}
    output = ImageOutput.from_config({**image_output.to_config(), **own_output}) if own_output else image_output
    rules = tuple(_text_rule(r) for r in (*rule.get("text_rules", ()), *raw.get("text_rules", ())))
    default_max = PICTURE_MAX_CHARS if kind is MediaKind.IMAGE else SOUND_MAX_CHARS
    pool = {str(name): voices for name, listed in (raw.get("voice") or {}).items() if (voices := voice_list(listed))}
    return FieldTarget(
        field=raw["field"],
        kind=kind,
        source=raw["source"],
        providers=tuple(raw.get("providers", ())),
        language=inherited("language", ""),
        mode=FillMode(inherited("mode", FillMode.SKIP.value)),
        prompt=raw.get("prompt", rule.get("image_prompt", "{text}")) if kind is MediaKind.IMAGE else "{text}",
        attribution_field=inherited("attribution_field", "") if kind is MediaKind.IMAGE else "",
        voice_pool=MappingProxyType(pool),
        voice_mode=raw.get("voice_mode", "single"),
        text_rules=rules,
        cloze=inherited("cloze", "full"),
        math=inherited("math", "drop"),
        max_chars=int(raw.get("max_chars", default_max)),
        image_output=output,
        check=parse_sound_check(raw, rule, kind=kind),
    )


def voice_list(listed: object) -> tuple[str, ...]:
    """A target's ``voice`` entry for one provider (a voice, or a list of voices) as a tuple of
    voices without white space around them; empty ones dropped."""
    items = [listed] if isinstance(listed, str) else listed if isinstance(listed, list) else []
    return tuple(voice for item in items if isinstance(item, str) and (voice := item.strip()))


def several_voices_in_single_mode(target: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(provider, how many) for each provider a target dict lists several voices for while its
    ``voice_mode`` is single (the default): only the first would ever be used, so it is refused."""
    if target.get("voice_mode", "single") != "single":
        return []
    voices = target.get("voice")
    if not isinstance(voices, Mapping):
        return []
    return [(str(name), count) for name, listed in voices.items() if (count := len(voice_list(listed))) > 1]


def _text_rule(raw: Mapping[str, Any]) -> TextRule:
    return TextRule(find=str(raw.get("find", "")), replace=str(raw.get("replace", "")), regex=bool(raw.get("regex")))
