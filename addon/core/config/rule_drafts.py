"""Rules as the Fill Media dialog edits them: a first draft for a note type, the problems that keep
a draft from running, and the saved rules with the edited drafts folded in.

A draft is a plain rule dict (the shape of one entry of the config's ``rules``), so what the dialog
shows is exactly what is saved and what a job runs.

Thread safety: pure functions over plain data; call from any thread.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..media.types import MediaKind
from ..text.languages import ENGLISH_NAMES
from .rules import LANGUAGE_PATTERN, WILDCARD_NOTE_TYPE, FillMode

RawRule = dict[str, Any]

# Field names that usually hold pictures or sound, in the languages learners' note types use.
_FIELD_HINTS: Mapping[MediaKind, tuple[str, ...]] = {
    MediaKind.IMAGE: ("image", "picture", "pic", "photo", "img", "bild", "imagen", "immagine", "foto", "illustration"),
    MediaKind.AUDIO: ("audio", "sound", "pronunciation", "voice", "aussprache", "sonido", "audio_word", "tts"),
}
_LANGUAGE = re.compile(LANGUAGE_PATTERN)
# Languages learners name in note type names: by their English name (`ENGLISH_NAMES`) or by these
# others, mostly the language's own name, with and without its accents.
_OTHER_NAMES: Mapping[str, tuple[str, ...]] = {
    "en": (), "es": ("español", "espanol"), "fr": ("français", "francais"), "de": ("deutsch",), "it": ("italiano",),
    "pt": ("português", "portugues"), "ru": ("русский",), "ja": ("日本語",), "zh": ("mandarin", "中文"),
    "ko": ("한국어",), "nl": ("nederlands",), "pl": ("polski",), "tr": ("türkçe",), "ar": ("العربية",),
    "he": ("עברית",), "el": ("ελληνικά",), "sv": ("svenska",), "nb": ("norsk",), "da": ("dansk",), "fi": ("suomi",),
    "cs": ("čeština",), "uk": ("українська",), "hi": ("हिन्दी",), "vi": ("tiếng việt",), "th": ("ไทย",),
    "id": ("bahasa indonesia",), "ro": ("română",), "hu": ("magyar",),
}  # fmt: skip
_LANGUAGE_NAMES: Mapping[str, str] = {
    name: code for code, others in _OTHER_NAMES.items() for name in (ENGLISH_NAMES[code].lower(), *others)
}

# What decides whether a provider can run: None when it can, else why not (the registry's
# ``setup_problem``).
SetupProblem = Callable[[MediaKind, str], "str | None"]


@dataclass(frozen=True)
class RuleProblem:
    """Why a draft cannot run; ``provider`` names the provider to set up when that is the fix."""

    note_type: str
    message: str
    provider: tuple[MediaKind, str] | None = None
    # Set when no provider of this kind is ticked (the dialog may offer to turn a free one on).
    missing_kind: MediaKind | None = None


# The Fill Media dialog's label of each kind's target field, as problems name it.
_INTO: Mapping[MediaKind, str] = {MediaKind.IMAGE: "Picture into", MediaKind.AUDIO: "Sound into"}


def field_key(kind: MediaKind) -> str:
    return f"{kind.value}_field"


def providers_key(kind: MediaKind) -> str:
    return f"{kind.value}_providers"


def guess_field(fields: Sequence[str], kind: MediaKind) -> str:
    """The field whose name says it holds ``kind`` (exact word first, then containing it), or ""."""
    lowered = [(name, name.strip().lower()) for name in fields]
    hints = _FIELD_HINTS[kind]
    for hint in hints:
        for name, low in lowered:
            if low == hint:
                return name
    for hint in hints:
        for name, low in lowered:
            if hint in low:
                return name
    return ""


def guess_language(note_type: str) -> str:
    """The language a note type's name names ("Spanish vocab", "日本語") when it names exactly one,
    else ""."""
    lowered = note_type.lower()
    words = set(re.findall(r"\w+", lowered, re.UNICODE))
    found = {
        code
        for name, code in _LANGUAGE_NAMES.items()
        if (name in words if " " not in name and name.isascii() else name in lowered)
    }
    return found.pop() if len(found) == 1 else ""


def draft_rule(
    note_type: str,
    fields: Sequence[str],
    *,
    saved_rules: Sequence[Mapping[str, Any]],
    default_order: Mapping[MediaKind, Sequence[str]],
    usable: Callable[[MediaKind, str], bool],
) -> RawRule:
    """The rule the dialog starts from for ``note_type`` (whose fields are ``fields``):

    1. the saved rule for that note type, as saved;
    2. else the saved wildcard rule, with a field the note type lacks (or the wildcard leaves empty)
       guessed as in 3;
    3. else a guess: the first field as source, fields named like "Picture"/"Audio" as targets, the
       language the note type's name names, and the usable providers of each kind in the default
       order. A field is guessed even when no provider of its kind can run yet: the dialog then
       says so and offers to turn a free one on (`rule_problems` names the kind).
    """
    exact = next((r for r in saved_rules if r.get("note_type") == note_type), None)
    if exact is not None:
        return _complete(copy.deepcopy(dict(exact)))
    wildcard = next((r for r in saved_rules if r.get("note_type") == WILDCARD_NOTE_TYPE), None)
    if wildcard is not None and wildcard.get("source_field") in fields:
        rule = _complete(copy.deepcopy(dict(wildcard)))
        rule["note_type"] = note_type
        for kind in MediaKind:
            if rule[field_key(kind)] not in fields:
                # Guessed as for a note type without a rule: the shipped wildcard fills sound only.
                guessed = guess_field(fields, kind)
                rule[field_key(kind)] = guessed if guessed != rule["source_field"] else ""
                rule[providers_key(kind)] = (
                    _usable_in_order(kind, default_order, usable) if rule[field_key(kind)] else []
                )
        if rule["attribution_field"] not in fields:
            rule["attribution_field"] = ""
        return rule
    rule = _complete(
        {"note_type": note_type, "source_field": fields[0] if fields else "", "language": guess_language(note_type)}
    )
    for kind in MediaKind:
        chosen = _usable_in_order(kind, default_order, usable)
        target = guess_field(fields, kind)
        if target == rule["source_field"]:
            target = ""
        rule[field_key(kind)] = target
        rule[providers_key(kind)] = chosen if target else []
    return rule


def _usable_in_order(
    kind: MediaKind, default_order: Mapping[MediaKind, Sequence[str]], usable: Callable[[MediaKind, str], bool]
) -> list[str]:
    return [name for name in default_order.get(kind, ()) if usable(kind, name)]


def _complete(rule: RawRule) -> RawRule:
    """Every key a rule may have, with its default where it is missing."""
    defaults: RawRule = {
        "image_field": "",
        "audio_field": "",
        "image_providers": [],
        "audio_providers": [],
        "language": "",
        "image_prompt": "{text}",
        "mode": FillMode.SKIP.value,
        "attribution_field": "",
    }
    return {**defaults, **rule}


def fills_something(rule: Mapping[str, Any]) -> bool:
    return any(rule.get(field_key(kind)) for kind in MediaKind)


def rule_problems(rule: Mapping[str, Any], fields: Sequence[str], *, setup_problem: SetupProblem) -> list[RuleProblem]:
    """Everything that keeps ``rule`` from running on notes with ``fields``. A rule that fills no
    field has no problems: its notes are left alone. A chosen provider that cannot run (off, no
    key, no program) is a problem only when no other chosen provider of its kind can run: the job
    skips it for the next one."""
    note_type = str(rule.get("note_type", ""))
    if not fills_something(rule):
        return []
    problems: list[RuleProblem] = []

    def problem(message: str, provider: tuple[MediaKind, str] | None = None) -> None:
        problems.append(RuleProblem(note_type, message, provider))

    source = rule.get("source_field", "")
    if source not in fields:
        problem(f"choose the field the words come from (the note type has no field {source!r})")
    for kind in MediaKind:
        target = rule.get(field_key(kind), "")
        if not target:
            continue
        if target not in fields:
            problem(f"the note type has no field {target!r} for the {kind.word}")
        elif target == source:
            problem(f"the {kind.word} field cannot be the field the words come from")
        chosen = list(rule.get(providers_key(kind), ()))
        if not chosen:
            problems.append(
                RuleProblem(
                    note_type,
                    f"no {kind.word} provider is ticked: tick one, or set “{_INTO[kind]}” to (none)",
                    missing_kind=kind,
                )
            )
        # A provider that cannot run is skipped for the next one; only when none can is it a problem.
        why_not = {name: setup_problem(kind, name) for name in chosen}
        if chosen and all(why is not None for why in why_not.values()):
            for name, why in why_not.items():
                problem(f"{name} {why}", (kind, name))
    if not _LANGUAGE.match(str(rule.get("language", ""))):
        problem(f"{rule.get('language')!r} is not a language code (use e.g. en, es, pt-BR, or leave it empty)")
    attribution = rule.get("attribution_field", "")
    if attribution and attribution not in fields:
        problem(f"the note type has no field {attribution!r} for picture credits")
    return problems


def rules_with(saved_rules: Sequence[Mapping[str, Any]], drafts: Mapping[str, Mapping[str, Any]]) -> list[RawRule]:
    """``saved_rules`` with each note type's rule replaced by its draft (new note types added at the
    end); rules for other note types, and the wildcard rule, are kept as they are."""
    out: list[RawRule] = []
    placed: set[str] = set()
    for rule in saved_rules:
        name = rule.get("note_type")
        if isinstance(name, str) and name in drafts and name not in placed:
            out.append(copy.deepcopy(dict(drafts[name])))
            placed.add(name)
        elif not (isinstance(name, str) and name in placed):
            out.append(copy.deepcopy(dict(rule)))
    out.extend(copy.deepcopy(dict(rule)) for name, rule in drafts.items() if name not in placed)
    return out
