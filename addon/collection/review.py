"""Review what a job made: which of a job's filled notes still hold Media Fill media in which
targets (`review_notes`), which provider a redo asks (`redo_providers`), and the steps behind the
Review window's keys, with no Qt:

- redo one target: `redo_session` takes that target's Media Fill media out of the note in memory
  (`media_removal.strip_own_media`) and returns a `NoteFillSession` that fills that one target
  again, after whatever else the field holds, with the next provider of the target's list (the
  same one again for a single-provider target: a `NoteFillSession` keeps no reuse index, so the
  provider is asked anew; when that one provider has voices to choose among, `redo_voice` names
  the next voice, which the redo asks for as the target's voice). Nothing is saved until the new media is stored, and then the removal and
  the new media are one undo step ("Fill Media"); a failed redo leaves the note as it was;
- remove one target's media: `remove_target_media`, one undo step ("Remove Filled Media"), only
  references to files Media Fill named (`naming.is_own_media_name`), the user's own media stays.

Thread safety: `review_notes`, `redo_session` and `remove_target_media` read or write the
collection: call them where it may be used (a `QueryOp`'s or `CollectionOp`'s worker, or the main
thread for a few notes), one at a time. `redo_providers` is pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from anki.collection import Collection
from anki.errors import NotFoundError
from anki.notes import Note, NoteId

from ..core.base.errors import ConfigError, MediaFillError
from ..core.config.rules import FieldTarget, FillMode, parse_rules, rule_for_note_type
from ..core.config.targets import raw_targets
from ..core.engine.voice_turns import VoiceTurns
from ..core.media.naming import provider_of_media_name
from ..core.media.types import MediaKind
from ..core.provider_system.registry import ProviderRegistry
from ..core.text.cleaning import clean_source_text, fold_whitespace
from .media_removal import RemovalResult, _own_references, remove_filled_media, strip_own_media
from .note_fill import NoteFillSession, note_type_name, rules_for_note

__all__ = [
    "ReviewNote",
    "ReviewTarget",
    "redo_providers",
    "redo_session",
    "redo_voice",
    "remove_target_media",
    "review_notes",
    "review_target",
]


@dataclass(frozen=True)
class ReviewTarget:
    """One filled target of a note: its field and kind, the Media Fill files it references there
    (in field order), the provider that made the first one ("" when the name does not say), and the
    target's providers in the rule's order."""

    field: str
    kind: MediaKind
    files: tuple[str, ...]
    provider: str
    providers: tuple[str, ...]


@dataclass(frozen=True)
class ReviewNote:
    """A note to review: its id, a short label (its first field's text) and its filled targets."""

    note_id: int
    label: str
    targets: tuple[ReviewTarget, ...]


def review_target(note: Note, target: FieldTarget) -> ReviewTarget | None:
    """``target`` as it is filled on ``note`` now, or None when the field holds no Media Fill media
    of its kind (removed, or never filled)."""
    if target.field not in note:
        return None
    files = tuple(name for _match, name in _own_references(note[target.field], target.kind))
    if not files:
        return None
    provider = provider_of_media_name(files[0], target.providers) or ""
    return ReviewTarget(target.field, target.kind, files, provider, target.providers)


def review_notes(col: Collection, note_ids: Iterable[int], config: Mapping[str, Any]) -> list[ReviewNote]:
    """The notes of ``note_ids`` (in that order, each once) that still hold Media Fill media in a
    target of their note type's rule, with those targets (the rule's order). Deleted notes, notes
    of a type with no rule and notes whose media is gone are left out."""
    rules = parse_rules(config)
    found: list[ReviewNote] = []
    for note_id in dict.fromkeys(note_ids):
        try:
            note = col.get_note(NoteId(note_id))
        except NotFoundError:
            continue
        rule = rule_for_note_type(rules, note_type_name(note))
        if rule is None:
            continue
        targets = tuple(t for spec in rule.targets if (t := review_target(note, spec)) is not None)
        if targets:
            label = fold_whitespace(clean_source_text(note.fields[0] if note.fields else ""))[:60]
            found.append(ReviewNote(int(note.id), label or f"note {note.id}", targets))
    return found


def redo_providers(providers: Sequence[str], current: str) -> tuple[str, ...]:
    """The providers a redo asks, in order: those after ``current`` in ``providers``, then those
    before it (so the next one is asked first); ``current`` itself only when it is the only one.
    An unknown ``current`` keeps the list as it is."""
    names = tuple(providers)
    if current not in names:
        return names
    index = names.index(current)
    others = names[index + 1 :] + names[:index]
    return others or (current,)


def redo_voice(
    note: Note, target: ReviewTarget, *, config: Mapping[str, Any], registry: ProviderRegistry, last: str | None
) -> str | None:
    """The voice a redo of ``target`` asks for: for a target with one provider that has voices
    to choose among (`MediaProvider.voice_choices`), the one after ``last`` (the voice of the
    previous redo; else the target's voice, else the provider's first); None otherwise."""
    if len(target.providers) != 1:
        return None
    name = target.providers[0]
    rule = rule_for_note_type(parse_rules(config), note_type_name(note))
    spec = next((t for t in rule.targets if t.field == target.field and t.kind is target.kind), None) if rule else None
    if spec is None:
        return None
    try:
        choices = registry.get(target.kind, name).voice_choices(spec.language)
    except MediaFillError:
        return None
    if len(choices) < 2:
        return None
    # The voice the note got (a target with several voices gives each note its own: random picks it
    # from the note), so R moves on from that one.
    had = VoiceTurns().voices(spec, note_type=note_type_name(note), note_id=int(note.id)).get(name)
    current = last or had or choices[0]
    return choices[(choices.index(current) + 1) % len(choices)] if current in choices else choices[0]


def redo_session(
    note: Note,
    target: ReviewTarget,
    *,
    config: Mapping[str, Any],
    registry: ProviderRegistry,
    voice: str | None = None,
) -> NoteFillSession:
    """A fill of ``target`` alone on ``note`` (read from the collection by the caller), its Media
    Fill media taken out of the field in memory first, asking its provider for ``voice`` when
    given (`redo_voice`); the session's store step saves the note in one undo step. Raises
    `ConfigError` when the note type has no rule for the target any more."""
    rules = rules_for_note(config, note_type_name(note), field=target.field)
    if rules is None:
        raise ConfigError(f"note type {note_type_name(note)!r} has no rule any more; set one in Fill Media…")
    (raw_rule,) = rules["rules"]
    specs = parse_rules(rules)[0].targets
    chosen = [
        {**raw, "mode": FillMode.APPEND.value, "providers": list(redo_providers(spec.providers, target.provider))}
        for raw, spec in zip(raw_targets(raw_rule), specs, strict=True)
        if spec.kind is target.kind
    ]
    if not chosen:
        raise ConfigError(f"the rule no longer fills {target.field}; review it in Fill Media…")
    note[target.field], _removed = strip_own_media(note[target.field], target.kind)
    if voice is not None:
        chosen[0]["voice"] = {**(chosen[0].get("voice") or {}), target.providers[0]: voice}
    redo_config = {**rules, "rules": [{**raw_rule, "targets": chosen[:1]}]}
    return NoteFillSession(note=note, config=redo_config, registry=registry)


def remove_target_media(
    col: Collection, note_id: int, target: ReviewTarget, *, config: Mapping[str, Any]
) -> RemovalResult:
    """Take ``target``'s Media Fill media out of the note's field (files stay), one undo step."""
    return remove_filled_media(col, [note_id], config, fields=[target.field], kinds=[target.kind])
