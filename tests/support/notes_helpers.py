"""Helpers of the collection tests: a validated config with a rule for the stock "Basic" note type,
and Basic notes."""

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
