"""Helpers of the collection tests: a validated config with a rule for the stock "Basic" note type,
Basic notes, and note types of one's own."""

from __future__ import annotations

from typing import Any

from anki.collection import Collection

from addon.core.provider_system.config_loading import load_config


def make_config(*, mode: str = "skip", rules: list[dict[str, Any]] | None = None, **espeak: Any) -> dict[str, Any]:
    """The shipped defaults with a rule for the stock "Basic" note type (audio into Back)."""
    basic_rule = {
        "note_type": "Basic",
        "source_field": "Front",
        "audio_field": "Back",
        "audio_providers": ["espeak"],
        "language": "en",
        "mode": mode,
    }
    overrides = {"rules": rules or [basic_rule], "providers": {"audio": {"espeak": {"max_concurrency": 4, **espeak}}}}
    return load_config(overrides)


def add_note_type(col: Collection, name: str, fields: list[str], *, back: str) -> Any:
    """A new note type ``name`` with ``fields`` and one card: the first field on the front, ``back``
    on the back; the note type's dict as Anki now holds it."""
    models = col.models
    model = models.new(name)
    for field in fields:
        models.add_field(model, models.new_field(field))
    template = models.new_template("Card 1")
    template["qfmt"], template["afmt"] = "{{" + fields[0] + "}}", "{{" + back + "}}"
    models.add_template(model, template)
    models.add_dict(model)
    return models.by_name(name)


def add_basic(col: Collection, *fronts: str, back: str = "", note_type: str = "Basic") -> list[int]:
    """Notes of ``note_type`` (a type with Front and Back fields) in the Default deck; their ids."""
    model = col.models.by_name(note_type)
    assert model is not None
    deck = col.decks.id("Default")
    assert deck is not None
    ids = []
    for front in fronts:
        note = col.new_note(model)
        note["Front"] = front
        note["Back"] = back
        col.add_note(note, deck)
        ids.append(int(note.id))
    return ids
