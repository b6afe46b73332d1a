"""Remove what Media Fill made: the sound tags and pictures whose files Media Fill named
(`naming.is_own_media_name`) from the target fields of chosen notes, in one undo step named
"Remove Filled Media".

Everything else in a field stays: its text, and the user's own sounds and pictures. A picture's
credit, which Media Fill writes as an HTML comment right after the picture, goes with it; the space
Media Fill put before a sound or picture it added after other content goes too. The files stay in
the media folder (Tools → Check Media deletes the ones no note uses any more). A note tagged
``media_fill::<provider>`` (the ``tag_notes`` setting) loses that tag once none of that
provider's media is left on it.

`find_filled_media` counts what would go (the preview; nothing is written); `remove_filled_media`
removes it.

Thread safety: needs the collection on the calling thread (a `CollectionOp`'s or `QueryOp`'s
worker, or a script that owns it), one call at a time.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Collection as Names
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from anki.collection import Collection, OpChanges
from anki.errors import NotFoundError
from anki.notes import Note, NoteId

from ..core.config.rules import Rule, parse_rules, rule_for_note_type
from ..core.media.naming import is_own_media_name, provider_of_media_name
from ..core.media.types import MediaKind
from ..core.provider_system.config_loading import catalog_for
from .field_markup import PROVIDER_TAG_PREFIX

REMOVE_UNDO_NAME = "Remove Filled Media"

_IMG = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))[^>]*>""", re.IGNORECASE)
_SOUND = re.compile(r"\[sound:([^\]]+)\]")
# `field_markup.attribution_comment`: nothing in it can end the comment early, so it holds no "<" or ">".
_CREDIT = re.compile(r"<!--(?:(?!-->)[^<>])*-->")


@dataclass
class RemovalRow:
    """One note type's field and kind: how many notes hold Media Fill media there, and how many
    sound tags or pictures would go."""

    note_type: str
    field: str
    kind: MediaKind
    notes: int = 0
    references: int = 0
    note_ids: set[int] = dataclasses.field(default_factory=set, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "note_type": self.note_type,
            "field": self.field,
            "kind": self.kind.value,
            "notes": self.notes,
            "removed": self.references,
        }


@dataclass
class RemovalPlan:
    """What `remove_filled_media` would do: ``rows`` per target, and the notes as they would be
    (edited in memory, not stored)."""

    notes_seen: int = 0
    rows: list[RemovalRow] = dataclasses.field(default_factory=list)
    edited: list[Note] = dataclasses.field(default_factory=list)
    untagged: int = 0  # provider tags that would come off
    field_names: set[str] = dataclasses.field(default_factory=set)  # every field the notes have

    @property
    def references(self) -> int:
        return sum(row.references for row in self.rows)


@dataclass  # not frozen: Anki's `CollectionOp` wants a plain ``changes`` attribute
class RemovalResult:
    """What `remove_filled_media` did; ``changes`` is what Anki needs to refresh its windows."""

    changes: OpChanges
    plan: RemovalPlan

    @property
    def notes_changed(self) -> int:
        return len(self.plan.edited)

    @property
    def removed(self) -> int:
        return self.plan.references

    @property
    def untagged(self) -> int:
        return self.plan.untagged

    def to_json(self) -> dict[str, Any]:
        return {
            "notes": self.plan.notes_seen,
            "notes_changed": self.notes_changed,
            "removed": self.removed,
            "untagged": self.untagged,
            "targets": [row.to_json() for row in self.plan.rows],
        }


def strip_own_media(value: str, kind: MediaKind) -> tuple[str, list[str]]:
    """``value`` without its Media Fill media of ``kind`` (see the module docstring), and the file
    names taken out; a field left holding only white space becomes empty."""
    kept: list[str] = []
    removed: list[str] = []
    last = 0
    for match, name in _own_references(value, kind):
        start, end = match.span()
        if kind is MediaKind.IMAGE and (credit := _CREDIT.match(value, end)):
            end = credit.end()
        if start > last and value[start - 1] == " ":  # the space `field_markup.apply_mode` put before it
            start -= 1
        elif end < len(value) and value[end] == " ":
            end += 1
        kept.append(value[last:start])
        removed.append(name)
        last = end
    if not removed:
        return value, []
    kept.append(value[last:])
    result = "".join(kept)
    return ("" if not result.strip() else result), removed


def _own_references(value: str, kind: MediaKind) -> Iterator[tuple[re.Match[str], str]]:
    """The sound tags (or pictures) of ``value`` that name a Media Fill file, with the name."""
    for match in (_IMG if kind is MediaKind.IMAGE else _SOUND).finditer(value):
        name = html.unescape(next(group for group in match.groups() if group is not None))
        if is_own_media_name(name):
            yield match, name


def known_provider_names(config: Mapping[str, Any]) -> list[str]:
    """Every provider name the config knows (built in and added), to tell whose a file is."""
    return sorted({name for _kind, name in catalog_for(config).entries()})


def find_filled_media(
    col: Collection,
    note_ids: Iterable[int],
    config: Mapping[str, Any],
    *,
    fields: Names[str] | None = None,
    kinds: Iterable[MediaKind] = tuple(MediaKind),
    providers: Iterable[str] = (),
    only: Names[tuple[str, str, MediaKind]] | None = None,
) -> RemovalPlan:
    """What would go from ``note_ids``: from each note's rule's target fields of ``kinds`` (the
    picture field for pictures, the sound field for sounds); with ``fields``, from those fields
    instead (a target of the rule or not: after a rule changed, its old field), pictures and
    sounds as ``kinds`` says. ``providers``: the provider names that may appear in file names
    (`known_provider_names`; the note's own tags are added). ``only``: just these (note type,
    field, kind) rows of an earlier preview (the dialog's ticked rows)."""
    rules = parse_rules(config)
    wanted = tuple(dict.fromkeys(kinds))
    names = list(providers)
    plan = RemovalPlan()
    rows: dict[tuple[str, str, MediaKind], RemovalRow] = {}
    for note_id in note_ids:
        try:
            note = col.get_note(NoteId(note_id))
        except NotFoundError:
            continue
        plan.notes_seen += 1
        plan.field_names.update(note.keys())
        note_type = note.note_type()
        type_name = str(note_type["name"]) if note_type else ""
        changed = False
        for field_name, kind in _targets(note, type_name, rules, fields=fields, kinds=wanted):
            if only is not None and (type_name, field_name, kind) not in only:
                continue
            value, removed = strip_own_media(note[field_name], kind)
            if not removed:
                continue
            note[field_name] = value
            changed = True
            row = rows.setdefault((type_name, field_name, kind), RemovalRow(type_name, field_name, kind))
            row.notes += 1
            row.references += len(removed)
            row.note_ids.add(int(note.id))
        if changed:
            plan.untagged += _untag_providers_gone(note, names)
            plan.edited.append(note)
    plan.rows = list(rows.values())
    return plan


def _targets(
    note: Note, note_type: str, rules: list[Rule], *, fields: Names[str] | None, kinds: tuple[MediaKind, ...]
) -> list[tuple[str, MediaKind]]:
    if fields is not None:
        return [(name, kind) for name in fields if name in note for kind in kinds]
    rule = rule_for_note_type(rules, note_type)
    if rule is None:
        return []
    return [(t.field, t.kind) for t in rule.targets if t.kind in kinds and t.field in note]


def _untag_providers_gone(note: Note, providers: list[str]) -> int:
    """Take off the note's provider tags whose provider has no Media Fill media left on it."""
    prefix = PROVIDER_TAG_PREFIX.lower()
    tagged = {tag: tag[len(prefix) :] for tag in note.tags if tag.lower().startswith(prefix)}
    if not tagged:
        return 0
    candidates = [*providers, *tagged.values()]
    left = {
        (provider_of_media_name(name, candidates) or "").lower()
        for value in note.fields
        for kind in MediaKind
        for _match, name in _own_references(value, kind)
    }
    gone = [tag for tag, provider in tagged.items() if provider.lower() not in left]
    for tag in gone:
        note.remove_tag(tag)
    return len(gone)


def remove_filled_media(
    col: Collection,
    note_ids: Iterable[int],
    config: Mapping[str, Any],
    *,
    fields: Names[str] | None = None,
    kinds: Iterable[MediaKind] = tuple(MediaKind),
    only: Names[tuple[str, str, MediaKind]] | None = None,
) -> RemovalResult:
    """Remove what `find_filled_media` finds (the notes read now), in one undo step; files stay."""
    providers = known_provider_names(config)
    plan = find_filled_media(col, note_ids, config, fields=fields, kinds=kinds, providers=providers, only=only)
    return apply_removal(col, plan)


def apply_removal(col: Collection, plan: RemovalPlan) -> RemovalResult:
    """Store ``plan``'s edited notes (found on this collection just before) in one undo step."""
    if not plan.edited:
        return RemovalResult(changes=OpChanges(), plan=plan)
    position = col.add_custom_undo_entry(REMOVE_UNDO_NAME)
    col.update_notes(plan.edited)
    return RemovalResult(changes=col.merge_undo_entries(position), plan=plan)
