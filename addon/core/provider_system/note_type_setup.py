"""The sync provider's template side: making a note type ready for media.

A new user's note types often have no picture or sound field, and a filled field that no card
template shows is invisible. This module plans, as pure data, what would make a note type ready:

* `plan_ready_note_type` — a new note type "Media Fill Vocabulary" (fields Word, Meaning, Sentence,
  Picture, Audio, SentenceAudio; a front that shows the word and the picture and plays the word's
  sound, a back that adds the meaning, the sentence and its sound; styled). When a note type of that
  name exists already, it is used: the plan only adds what it lacks (never a "… 2").
* `plan_media_fields` — for an existing note type: the picture and sound fields it lacks
  (a field named like one, e.g. "Image" or "Pronunciation", counts), and each media field that no
  card template shows put on the cards: the picture and the word's sound at the end of the first
  card's front (the back of the other cards, whose front asks for something else), the sentence's
  sound at the end of every back.

A plan (`NoteTypeChange`) only ever adds: fields are appended, template text is appended to, nothing
is renamed or removed, and planning again after the change is applied plans nothing (a field is "on
the cards" when any template names it, in any form: ``{{Picture}}``, ``{{#Picture}}``,
``{{text:Picture}}``). `NoteTypeTemplates` is the interface a target implements to read its note
types and apply a plan in one undoable step (the collection's: `collection.note_type_setup`).

Thread safety: the planning functions are pure; a `NoteTypeTemplates` runs where its target may be
used (for the collection: the thread that holds it), one call at a time.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar

from ..config.rule_drafts import guess_field
from ..media.types import MediaKind

ChangesT = TypeVar("ChangesT")

READY_NOTE_TYPE = "Media Fill Vocabulary"
WORD, MEANING, SENTENCE = "Word", "Meaning", "Sentence"
PICTURE, AUDIO, SENTENCE_AUDIO = "Picture", "Audio", "SentenceAudio"
READY_FIELDS = (WORD, MEANING, SENTENCE, PICTURE, AUDIO, SENTENCE_AUDIO)
READY_TEMPLATE = "Word → meaning"

READY_FRONT = """<div class="word">{{Word}}</div>
<div class="picture">{{Picture}}</div>
{{Audio}}"""

READY_BACK = """{{FrontSide}}
<hr id=answer>
<div class="meaning">{{Meaning}}</div>
{{#Sentence}}<div class="sentence">{{Sentence}}</div>{{/Sentence}}
{{SentenceAudio}}"""

READY_CSS = """.card {
  font-family: "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 22px;
  line-height: 1.4;
  text-align: center;
  color: #222;
  background-color: #fafafa;
  padding: 12px;
}
.nightMode.card, .night_mode .card { color: #eee; background-color: #2b2b2b; }
.word { font-size: 1.6em; font-weight: 600; margin: 0.3em 0; }
.picture img { max-width: min(90%, 480px); max-height: 45vh; border-radius: 8px; margin: 0.4em auto; }
.meaning { font-size: 1.15em; margin: 0.4em 0; }
.sentence { font-style: italic; color: #555; margin: 0.6em 0 0.2em; }
.nightMode .sentence, .night_mode .sentence { color: #bbb; }
hr#answer { border: none; border-top: 1px solid #ccc; margin: 0.8em 0; }
"""


class Side(Enum):
    """Which side of a card template."""

    FRONT = "front"
    BACK = "back"


@dataclass(frozen=True)
class TemplateShape:
    """One card template as it is: its name and the text of its front and back."""

    name: str
    front: str
    back: str


@dataclass(frozen=True)
class NoteTypeShape:
    """A note type as planning sees it: its name, field names in order, card templates, styling."""

    name: str
    fields: tuple[str, ...]
    templates: tuple[TemplateShape, ...]
    css: str = ""


@dataclass(frozen=True)
class TemplateEdit:
    """One side of one template, before and after the change (``after`` starts with ``before``)."""

    template: str
    side: Side
    before: str
    after: str


@dataclass(frozen=True)
class NoteTypeChange:
    """What to do to one note type: create it (with ``templates`` and ``css``), or add
    ``fields_to_add`` to it and make ``template_edits``. Empty when the note type is ready."""

    note_type: str
    create: bool = False
    fields_to_add: tuple[str, ...] = ()
    template_edits: tuple[TemplateEdit, ...] = ()
    templates: tuple[TemplateShape, ...] = field(default=())
    css: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.create and not self.fields_to_add and not self.template_edits

    def templates_after(self, shape: NoteTypeShape | None) -> tuple[TemplateShape, ...]:
        """Every card template as it will be after the change (``shape``: the note type now)."""
        if self.create or shape is None:
            return self.templates
        after = []
        for template in shape.templates:
            front, back = template.front, template.back
            for edit in self.template_edits:
                if edit.template == template.name and edit.side is Side.FRONT:
                    front = edit.after
                elif edit.template == template.name:
                    back = edit.after
            after.append(TemplateShape(template.name, front, back))
        return tuple(after)


def shows_field(text: str, name: str) -> bool:
    """Whether template ``text`` names field ``name`` (``{{Name}}``, ``{{#Name}}``, ``{{^Name}}``,
    ``{{/Name}}`` or with filters, ``{{text:Name}}``)."""
    pattern = r"\{\{\s*[#^/]?\s*(?:[^{}:]*:)*" + re.escape(name) + r"\s*\}\}"
    return re.search(pattern, text) is not None


def field_reference(name: str, kind: MediaKind | None) -> str:
    """The template text that shows field ``name``: a picture in its own line, a sound as is."""
    return f"<div>{{{{{name}}}}}</div>" if kind is MediaKind.IMAGE else f"{{{{{name}}}}}"


def plan_ready_note_type(existing: NoteTypeShape | None) -> NoteTypeChange:
    """Create "Media Fill Vocabulary"; when ``existing`` (a note type of that name) is given, use it
    and add only what it lacks."""
    if existing is not None:
        return _plan_additions(
            existing,
            wanted=((PICTURE, MediaKind.IMAGE, Side.FRONT), (AUDIO, MediaKind.AUDIO, Side.FRONT)),
            extra=(WORD, MEANING, SENTENCE, SENTENCE_AUDIO),
        )
    return NoteTypeChange(
        note_type=READY_NOTE_TYPE,
        create=True,
        fields_to_add=READY_FIELDS,
        templates=(TemplateShape(READY_TEMPLATE, READY_FRONT, READY_BACK),),
        css=READY_CSS,
    )


def plan_media_fields(shape: NoteTypeShape) -> NoteTypeChange:
    """Add a picture and a sound field to ``shape`` where it has none, and put every picture or
    sound field that no template shows on the cards (see the module docstring)."""
    return _plan_additions(
        shape, wanted=((PICTURE, MediaKind.IMAGE, Side.FRONT), (AUDIO, MediaKind.AUDIO, Side.FRONT)), extra=()
    )


def needs_media_setup(shape: NoteTypeShape) -> bool:
    """Whether to offer `plan_media_fields`: the note type has no field named like a picture or a
    sound field, or has one that no card template shows."""
    media = [guess_field(shape.fields, kind) for kind in (MediaKind.IMAGE, MediaKind.AUDIO)]
    found = [name for name in media if name and name != (shape.fields[0] if shape.fields else "")]
    if not found:
        return True
    return any(not _shown(shape, name) for name in found)


def _shown(shape: NoteTypeShape, name: str) -> bool:
    return any(shows_field(t.front, name) or shows_field(t.back, name) for t in shape.templates)


def _plan_additions(
    shape: NoteTypeShape,
    *,
    wanted: Sequence[tuple[str, MediaKind, Side]],
    extra: Sequence[str],
) -> NoteTypeChange:
    """Fields to add and template edits for ``shape``: each ``wanted`` media field (the note type's
    own field of that kind when it has one), then the ``extra`` fields it lacks (the sentence's
    sound among them, shown on the back)."""
    fields = list(shape.fields)
    lowered = {name.casefold() for name in fields}
    to_add: list[str] = []
    placed: list[tuple[str, MediaKind | None, Side]] = []
    for wanted_name, kind, side in wanted:
        own = guess_field(fields, kind)
        name = own if own and own != (fields[0] if fields else "") else wanted_name
        if name.casefold() not in lowered:
            to_add.append(name)
            lowered.add(name.casefold())
        placed.append((name, kind, side))
    for name in extra:
        if name.casefold() not in lowered:
            to_add.append(name)
            lowered.add(name.casefold())
        if name == SENTENCE_AUDIO:
            placed.append((_named(fields, name), MediaKind.AUDIO, Side.BACK))
    edits = _place(shape, [p for p in placed if not _shown(shape, p[0])])
    return NoteTypeChange(note_type=shape.name, fields_to_add=tuple(to_add), template_edits=edits)


def _named(fields: Sequence[str], name: str) -> str:
    """The note type's own spelling of field ``name`` (fields match ignoring case)."""
    return next((own for own in fields if own.casefold() == name.casefold()), name)


def _place(shape: NoteTypeShape, fields: Sequence[tuple[str, MediaKind | None, Side]]) -> tuple[TemplateEdit, ...]:
    """Append each of ``fields`` to the templates: a front field to the first card's front and the
    other cards' backs, a back field to every back."""
    texts: dict[tuple[str, Side], str] = {}
    for index, template in enumerate(shape.templates):
        for name, kind, side in fields:
            on = Side.FRONT if side is Side.FRONT and index == 0 else Side.BACK
            key = (template.name, on)
            current = texts.get(key, template.front if on is Side.FRONT else template.back)
            texts[key] = current.rstrip("\n") + "\n" + field_reference(name, kind)
    edits = []
    for template in shape.templates:
        for side in Side:
            key = (template.name, side)
            if key in texts:
                before = template.front if side is Side.FRONT else template.back
                edits.append(TemplateEdit(template.name, side, before, texts[key]))
    return tuple(edits)


class NoteTypeTemplates(abc.ABC, Generic[ChangesT]):
    """A target's note types and their card templates (the collection's, for Anki): read one as a
    `NoteTypeShape`, plan what would make it ready for media, and apply a plan in one undoable step.

    ``ChangesT`` is whatever the target needs to refresh its views (Anki's ``OpChanges``).
    """

    @abc.abstractmethod
    def shape(self, name: str) -> NoteTypeShape | None:
        """The note type called ``name`` as it is now, or None when there is none."""

    @abc.abstractmethod
    def apply(self, change: NoteTypeChange) -> ChangesT:
        """Make ``change`` as one undoable step. Refuses (a `ConfigError`) when the note type changed
        since the plan was made (a template no longer reads as ``before``, a field came meanwhile)."""

    def plan_ready(self) -> NoteTypeChange:
        """Create "Media Fill Vocabulary", or use the one there is (adding what it lacks)."""
        return plan_ready_note_type(self.shape(READY_NOTE_TYPE))

    def plan_media_fields(self, name: str) -> NoteTypeChange:
        """Add the picture and sound fields note type ``name`` lacks and put them on its cards."""
        shape = self.shape(name)
        if shape is None:
            raise LookupError(name)
        return plan_media_fields(shape)

    def describe(self, change: NoteTypeChange) -> str:
        """The change in a sentence (empty change: that the note type is ready)."""
        if change.is_empty:
            return f"{change.note_type} is ready for pictures and sounds: nothing needs to change."
        if change.create:
            return f"Creates the note type {change.note_type} with the fields {', '.join(change.fields_to_add)}."
        parts = []
        if change.fields_to_add:
            parts.append(f"adds the fields {', '.join(change.fields_to_add)}")
        if change.template_edits:
            parts.append("adds them to the cards" if change.fields_to_add else "puts the media fields on the cards")
        sentence = " and ".join(parts)
        return f"{sentence[0].upper()}{sentence[1:]} of {change.note_type}; nothing it has is removed or renamed."
