"""Rules as the Fill Media dialog edits them: a first draft for a note type, the problems that keep
a draft from running, and the saved rules with the edited drafts folded in.

A draft is a plain rule dict (the shape of one entry of the config's ``rules``) in the targets
shape — ``{"note_type", "language", "mode", …, "targets": [{"field", "kind", "source",
"providers", …}]}`` — so what the dialog shows is exactly what is saved and what a job runs. A
saved rule of the older shape (``source_field``, ``image_field``…) is drafted as its targets.

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
from .targets import (
    LEGACY_RULE_KEYS,
    legacy_targets,
    several_voices_in_single_mode,
    source_fields,
    text_rule_problem,
)

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
    """Why a draft cannot run; ``path`` is the key path in the rule (``targets[1].providers``),
    ``provider`` names the provider to set up when that is the fix."""

    note_type: str
    message: str
    provider: tuple[MediaKind, str] | None = None
    path: str = ""
    # Set when no provider of this kind is ticked (the dialog may offer to turn a free one on).
    missing_kind: MediaKind | None = None


def guess_field(fields: Sequence[str], kind: MediaKind) -> str:
    """The field whose name says it holds ``kind`` (exact word first, then containing it), or ""."""
    lowered = [(name, name.strip().lower()) for name in fields]
    hints = _FIELD_HINTS.get(kind, ())  # a transcript is never guessed: its source is a sound
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


def targets_of(rule: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A rule's target dicts: those a draft holds (not copies), or for a rule of the older shape
    the targets its keys mean."""
    targets = rule.get("targets")
    return [t for t in targets if isinstance(t, dict)] if isinstance(targets, list) else legacy_targets(rule)


def target_kind(target: Mapping[str, Any]) -> MediaKind | None:
    try:
        return MediaKind(target.get("kind"))
    except ValueError:
        return None


def new_target(kind: MediaKind, *, field: str, source_field: str, providers: Sequence[str]) -> RawRule:
    """A target filling ``field`` with ``kind`` made from ``source_field`` by ``providers``."""
    return {"field": field, "kind": kind.value, "source": "{" + source_field + "}", "providers": list(providers)}


def draft_rule(
    note_type: str,
    fields: Sequence[str],
    *,
    saved_rules: Sequence[Mapping[str, Any]],
    default_order: Mapping[MediaKind, Sequence[str]],
    usable: Callable[[MediaKind, str], bool],
) -> RawRule:
    """The rule the dialog starts from for ``note_type`` (whose fields are ``fields``), always in
    the targets shape (a saved rule of the older shape is turned into its targets):

    1. the saved rule for that note type, as saved;
    2. else the saved wildcard rule, with its targets whose fields (filled and read) the note type
       has, and a target guessed as in 3 for each kind it then fills no field of;
    3. else a guess: the first field as source, a target per kind for the field named like
       "Picture"/"Audio", the language the note type's name names, and the usable providers of each
       kind in the default order. A target is guessed even when no provider of its kind can run
       yet: the dialog then says so and offers to turn a free one on (`rule_problems` names the
       kind).
    """
    exact = next((r for r in saved_rules if r.get("note_type") == note_type), None)
    if exact is not None:
        return as_targets_rule(exact)
    wildcard = next((r for r in saved_rules if r.get("note_type") == WILDCARD_NOTE_TYPE), None)
    if wildcard is not None:
        rule = as_targets_rule(wildcard)
        kept = [t for t in targets_of(rule) if _fits(t, fields)]
        if kept:
            rule["note_type"] = note_type
            rule["targets"] = kept
            if rule.get("attribution_field") and rule["attribution_field"] not in fields:
                del rule["attribution_field"]
            source = next(iter(source_fields(str(kept[0].get("source", "")))), "")
            rule["targets"] = kept + _guessed_targets(
                fields, source, skip={target_kind(t) for t in kept}, default_order=default_order, usable=usable
            )
            return rule
    rule = {"note_type": note_type, "language": guess_language(note_type), "mode": FillMode.SKIP.value}
    source = fields[0] if fields else ""
    rule["targets"] = _guessed_targets(fields, source, skip=set(), default_order=default_order, usable=usable)
    return rule


def as_targets_rule(saved: Mapping[str, Any]) -> RawRule:
    """A copy of ``saved`` in the targets shape: its older keys turned into targets."""
    rule = copy.deepcopy(dict(saved))
    if not isinstance(rule.get("targets"), list):
        rule["targets"] = legacy_targets(rule)
    for key in LEGACY_RULE_KEYS:
        rule.pop(key, None)
    return rule


def _fits(target: Mapping[str, Any], fields: Sequence[str]) -> bool:
    names = source_fields(str(target.get("source", "")))
    return target.get("field") in fields and bool(names) and all(name in fields for name in names)


def _guessed_targets(
    fields: Sequence[str],
    source: str,
    *,
    skip: set[MediaKind | None],
    default_order: Mapping[MediaKind, Sequence[str]],
    usable: Callable[[MediaKind, str], bool],
) -> list[RawRule]:
    if not source:
        return []
    targets = []
    for kind in MediaKind:
        field = guess_field(fields, kind)
        if kind in skip or not field or field == source:
            continue
        providers = [name for name in default_order.get(kind, ()) if usable(kind, name)]
        targets.append(new_target(kind, field=field, source_field=source, providers=providers))
    return targets


def fills_something(rule: Mapping[str, Any]) -> bool:
    return any(t.get("field") for t in targets_of(rule))


def rule_problems(rule: Mapping[str, Any], fields: Sequence[str], *, setup_problem: SetupProblem) -> list[RuleProblem]:
    """Everything that keeps ``rule`` from running on notes with ``fields``, each with its key path
    (``targets[1].providers``). A rule that fills no field has no problems: its notes are left
    alone. A chosen provider that cannot run (off, no key, no program) is a problem only when no
    other chosen provider of its target can run: the job skips it for the next one."""
    note_type = str(rule.get("note_type", ""))
    if not fills_something(rule):
        return []
    problems: list[RuleProblem] = []

    def problem(path: str, message: str, **more: Any) -> None:
        problems.append(RuleProblem(note_type, message, path=path, **more))

    _common_problems(rule, fields, "", problem)
    filled: set[str] = set()
    for index, target in enumerate(targets_of(rule)):
        at = f"targets[{index}]."
        kind = target_kind(target)
        name = str(target.get("field", ""))
        what = f"the {kind.word} into {name}" if kind is not None and name else f"target {index + 1}"
        if kind is None:
            problem(at + "kind", f"{what}: choose whether it makes a picture or a sound")
            continue
        if name not in fields:
            problem(at + "field", f"{what}: the note type has no field {name!r}; choose the field to fill")
        elif name in filled:
            problem(at + "field", f"{what}: another target fills {name} already; choose another field or remove one")
        filled.add(name)
        _source_problems(target, fields, at, what, problem)
        chosen = [str(p) for p in target.get("providers", ())]
        if not chosen:
            problem(
                at + "providers",
                f"no {kind.word} provider is ticked for {name or what}: tick one, or remove the target",
                missing_kind=kind,
            )
        # A provider that cannot run is skipped for the next one; only when none can is it a problem.
        why_not = {p: setup_problem(kind, p) for p in chosen}
        if chosen and all(why is not None for why in why_not.values()):
            for provider, why in why_not.items():
                problem(at + "providers", f"{provider} {why}", provider=(kind, provider))
        for provider, several in several_voices_in_single_mode(target):
            problem(
                at + f"voice.{provider}",
                f"{what}: {several} voices are listed for {provider} but it uses one voice; under "
                "With several voices choose taking turns or one per note, or keep one voice",
            )
        _common_problems(target, fields, at, problem, what=what + ": ")
    return problems


def _source_problems(
    target: Mapping[str, Any], fields: Sequence[str], at: str, what: str, problem: Callable[..., None]
) -> None:
    source = str(target.get("source", ""))
    names = source_fields(source)
    if not names:
        problem(
            at + "source", f"{what}: say what is read, a field in braces such as {{{fields[0] if fields else 'Word'}}}"
        )
    for name in names:
        if name not in fields:
            problem(at + "source", f"{what}: the note type has no field {name!r} to read; fix the braces in the source")
    if target.get("field") in names:
        problem(at + "source", f"{what}: a field cannot be read to fill itself; read another field")
    elif target_kind(target) is MediaKind.TEXT and names and source != "{" + names[0] + "}":
        problem(
            at + "source", f"{what}: a transcript hears the sound of one field; read only that field, like {{Audio}}"
        )


def _common_problems(
    raw: Mapping[str, Any], fields: Sequence[str], at: str, problem: Callable[..., None], *, what: str = ""
) -> None:
    """The settings a rule and its targets share: language, credit field, text rules."""
    language = raw.get("language", "")
    if not _LANGUAGE.match(str(language)):
        problem(
            at + "language", f"{what}{language!r} is not a language code (use e.g. en, es, pt-BR, or leave it empty)"
        )
    attribution = raw.get("attribution_field", "")
    if attribution and attribution not in fields:
        problem(at + "attribution_field", f"{what}the note type has no field {attribution!r} for picture credits")
    for index, text_rule in enumerate(raw.get("text_rules", ()) or ()):
        why = text_rule_problem(text_rule) if isinstance(text_rule, Mapping) else "a text rule must have find"
        if why is not None:
            problem(f"{at}text_rules[{index}].find", f"{what}text rule {index + 1}: {why}")


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
