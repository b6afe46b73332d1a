"""The JSON Schema of a rule and its targets, and the checks beyond the schema: providers the
registry knows for the target's kind, a target that reads its own field, valid text-rule patterns,
one target per field and kind (a picture and a sound may share a field), and a transcript target
(kind ``text``) that reads exactly one field (the one holding the sound) and says nothing only a
sound or a picture uses.

A rule holds ``targets`` (the current shape) or the older keys (``source_field``, ``image_field``,
``audio_field``…), which `targets.legacy_targets` reads and the settings window migrates; not both.

Thread safety: pure functions over plain data; call from any thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..media.image_output import IMAGE_FORMATS, MAX_MAX_PX, MIN_MAX_PX
from ..media.types import MediaKind
from .sound_check import CHECK_SCHEMA, sound_check_problems, verify_with_problems
from .targets import (
    CLOZE_READINGS,
    LEGACY_RULE_KEYS,
    MATH_MODES,
    VOICE_MODES,
    FillMode,
    several_voices_in_single_mode,
    source_fields,
    template_problem,
    text_rule_problem,
)

# A language: a code like en, es, pt-BR or zh_Hant, or empty for the provider's default.
LANGUAGE_PATTERN = r"^([A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*)?$"

_NAMES = {"type": "array", "items": {"type": "string", "minLength": 1}}

TEXT_RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["find"],
    "properties": {
        "find": {"type": "string", "minLength": 1},
        "replace": {"type": "string"},
        "regex": {"type": "boolean"},
    },
}

# What a rule and a target both may say (a target's own value wins).
_SHARED: dict[str, Any] = {
    "language": {"type": "string", "pattern": LANGUAGE_PATTERN},
    "mode": {"enum": [m.value for m in FillMode]},
    "attribution_field": {"type": "string"},
    "text_rules": {"type": "array", "items": TEXT_RULE_SCHEMA},
    "cloze": {"enum": list(CLOZE_READINGS)},
    "math": {"enum": list(MATH_MODES)},
    **CHECK_SCHEMA,  # sound targets only (`sound_check_problems`); a rule's apply to its sound targets
}

TARGET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["field", "kind", "source"],
    "properties": {
        "field": {"type": "string", "minLength": 1},
        "kind": {"enum": [kind.value for kind in MediaKind]},
        "source": {"type": "string", "minLength": 1},
        "providers": _NAMES,
        "prompt": {"type": "string"},
        "voice": {
            "type": "object",
            "additionalProperties": {
                "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]
            },
        },
        "voice_mode": {"enum": list(VOICE_MODES)},
        "max_chars": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
        "image_max_px": {"type": "integer", "minimum": MIN_MAX_PX, "maximum": MAX_MAX_PX},
        "image_format": {"enum": list(IMAGE_FORMATS)},
        "image_quality": {"type": "integer", "minimum": 1, "maximum": 100},
        **_SHARED,
    },
}

RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["note_type"],
    "properties": {
        "note_type": {"type": "string", "minLength": 1},
        "targets": {"type": "array", "items": TARGET_SCHEMA},
        "fill_on_add": {"type": "boolean"},
        **_SHARED,
        # The older shape (before targets), still read.
        "source_field": {"type": "string", "minLength": 1},
        "image_field": {"type": "string"},
        "audio_field": {"type": "string"},
        "image_providers": _NAMES,
        "audio_providers": _NAMES,
        "image_prompt": {"type": "string"},
    },
}


def rule_problems(
    rules: Iterable[Mapping[str, Any]], known: Mapping[MediaKind, Iterable[str]]
) -> list[tuple[str, str]]:
    """(key path, message) for each rule problem the schema cannot see; ``known`` names each kind's
    providers."""
    names = {kind: sorted(known.get(kind, ())) for kind in MediaKind}
    problems: list[tuple[str, str]] = []
    for index, rule in enumerate(rules):
        at = f"rules[{index}]"
        older = [key for key in LEGACY_RULE_KEYS if key in rule]
        if "targets" in rule and older:
            problems.append((f"{at}.{older[0]}", "the rule has targets; move this older setting into a target"))
            continue
        if "targets" not in rule:
            if "source_field" not in rule:
                problems.append((at, "the rule has no targets; add one (a field, its kind and its source)"))
            problems += _legacy_problems(rule, at, names)
            continue
        problems += _text_rules_problems(rule.get("text_rules", ()), f"{at}.text_rules")
        problems += verify_with_problems(rule, at, names[MediaKind.TEXT])
        filled: dict[tuple[str, str], int] = {}
        for number, target in enumerate(rule["targets"]):
            problems += _target_problems(target, f"{at}.targets[{number}]", names)
            both = (target["field"], target["kind"])
            if both in filled:
                word = MediaKind(target["kind"]).word
                problems.append(
                    (
                        f"{at}.targets[{number}].field",
                        f"{target['field']} gets a {word} from targets[{filled[both]}] already; remove one",
                    )
                )
            filled.setdefault(both, number)
    return problems


def _target_problems(target: Mapping[str, Any], at: str, names: Mapping[MediaKind, list[str]]) -> list[tuple[str, str]]:
    kind = MediaKind(target["kind"])
    problems = _unknown_providers(target.get("providers", ()), kind, f"{at}.providers", names)
    if not target.get("providers"):
        problems.append((f"{at}.providers", f"no {kind.word} provider is listed; add one"))
    read = source_fields(target["source"])
    stray = template_problem(target["source"])
    if stray:
        problems.append((f"{at}.source", stray))
    elif not read:
        problems.append(
            (f"{at}.source", f"{target['source']!r} names no field; write the field to read in braces, like {{Word}}")
        )
    elif target["field"] in read:
        problems.append(
            (
                f"{at}.source",
                f"{target['field']} is the field this target fills, so it cannot be its source; "
                "read another field, or fill another one",
            )
        )
    if kind is MediaKind.TEXT:  # its check keys too are refused (a transcript is not a sound to check)
        return problems + _transcript_problems(target, at) + sound_check_problems(target, at, names[MediaKind.TEXT])
    problems += _unknown_providers(target.get("voice", {}), MediaKind.AUDIO, f"{at}.voice", names)
    problems += _voice_mode_problems(target, at)
    problems += _text_rules_problems(target.get("text_rules", ()), f"{at}.text_rules")
    problems += sound_check_problems(target, at, names[MediaKind.TEXT])
    return problems


# What a transcript target (kind text) cannot use: it hears a sound, says nothing, draws nothing,
# and reads no text to clean.
TRANSCRIPT_UNUSED_KEYS = (
    "voice",
    "voice_mode",
    "prompt",
    "image_max_px",
    "image_format",
    "image_quality",
    "attribution_field",
    "max_chars",
    "text_rules",
    "cloze",
    "math",
)


def _transcript_problems(target: Mapping[str, Any], at: str) -> list[tuple[str, str]]:
    """A transcript target's own problems: its source is one field reference and nothing else (the
    field holding the sound), and it sets none of `TRANSCRIPT_UNUSED_KEYS`."""
    problems = [
        (f"{at}.{key}", f"a transcript target does not use {key}; remove it from the target of {target['field']}")
        for key in TRANSCRIPT_UNUSED_KEYS
        if key in target
    ]
    read = source_fields(target["source"])
    if len(read) == 1 and target["source"] != "{" + read[0] + "}":
        problems.append(
            (
                f"{at}.source",
                f"{target['source']!r} holds more than a field: a transcript is heard from the sound of one "
                f"field, so write only that field in braces, like {{{read[0]}}}",
            )
        )
    elif len(read) > 1:
        problems.append(
            (
                f"{at}.source",
                f"{target['source']!r} names {len(read)} fields: a transcript is heard from the sound of one "
                "field, so keep only the field holding the sound, like {Audio}",
            )
        )
    return problems


def _voice_mode_problems(target: Mapping[str, Any], at: str) -> list[tuple[str, str]]:
    return [
        (
            f"{at}.voice.{name}",
            f"lists {count} voices but voice_mode is single; set voice_mode to rotate (taking turns) "
            "or random, or keep one voice",
        )
        for name, count in several_voices_in_single_mode(target)
    ]


def _unknown_providers(
    listed: Iterable[str], kind: MediaKind, at: str, names: Mapping[MediaKind, list[str]]
) -> list[tuple[str, str]]:
    return [
        (at, f"unknown {kind.value} provider {name!r} (known: {', '.join(names[kind]) or 'none yet'})")
        for name in listed
        if name not in names[kind]
    ]


def _text_rules_problems(rules: Iterable[Mapping[str, Any]], at: str) -> list[tuple[str, str]]:
    return [(f"{at}[{i}].find", problem) for i, rule in enumerate(rules) if (problem := text_rule_problem(rule))]


def _legacy_problems(rule: Mapping[str, Any], at: str, names: Mapping[MediaKind, list[str]]) -> list[tuple[str, str]]:
    # A rule naming neither field is allowed: it leaves its note type alone.
    problems = []
    for kind in MediaKind:
        key = f"{kind.value}_providers"
        problems += _unknown_providers(rule.get(key, []), kind, f"{at}.{key}", names)
        if rule.get(f"{kind.value}_field") and not rule.get(key):
            problems.append((f"{at}.{key}", f"{kind.value}_field is set but no provider is listed"))
    return problems
