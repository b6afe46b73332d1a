"""The sample collection used by `make demo`, `make run` and the tests: two note types in two
languages, 24 words, a few of them with the HTML, entities and existing sound tags real decks have.
Each note type has a picture field and a sound field (the demo rules fill only the sound).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from anki.collection import Collection

ENGLISH_TYPE = "Media Fill Sample (English)"
SPANISH_TYPE = "Media Fill Sample (Spanish)"
DECK = "Media Fill Sample"

ENGLISH_WORDS = [
    ("apple", "a round fruit"),
    ("library", "a place full of books"),
    ("<b>bicycle</b>", "two wheels, pedals"),
    ("thunderstorm", "rain with lightning"),
    ("to whisper", "to speak very softly"),
    ("mountain", "a very high hill"),
    ("butterfly", "an insect with bright wings"),
    ("kitchen&nbsp;table", "where you eat at home"),
    ("umbrella", "keeps the rain off"),
    ("yesterday", "the day before today"),
    ("friendship", "being friends"),
    ("to breathe", "to take in air"),
]
SPANISH_WORDS = [
    ("la manzana", "apple"),
    ("el perro", "dog"),
    ("la biblioteca", "library"),
    ("<i>el cumpleaños</i>", "birthday"),
    ("la mariposa", "butterfly"),
    ("el ferrocarril", "railway"),
    ("agradecer", "to thank"),
    ("la montaña", "mountain"),
    ("el paraguas", "umbrella"),
    ("la cocina", "kitchen"),
    ("ayer", "yesterday"),
    ("el murciélago", "bat"),
]
# One note whose audio field is already filled: "skip" mode must leave it alone.
PREFILLED = ("la casa", "house", "[sound:casa_grabada.mp3]")

DEMO_RULES: list[dict[str, Any]] = [
    {
        "note_type": SPANISH_TYPE,
        "language": "es",
        "mode": "skip",
        "targets": [{"field": "Audio", "kind": "audio", "source": "{Palabra}", "providers": ["espeak"]}],
    },
    {
        "note_type": ENGLISH_TYPE,
        "language": "en",
        "mode": "skip",
        "targets": [{"field": "Audio", "kind": "audio", "source": "{Front}", "providers": ["espeak"]}],
    },
]


def _note_type(col: Collection, name: str, fields: list[str]) -> Any:
    existing = col.models.by_name(name)
    if existing:
        return existing
    model = col.models.new(name)
    for field in fields:
        col.models.add_field(model, col.models.new_field(field))
    word, meaning, picture, sound = fields
    template = col.models.new_template("Card 1")
    # The word with its picture and sound on the front, so what Fill Media makes is seen and heard.
    template["qfmt"] = "{{" + word + "}}<br>{{" + picture + "}}<br>{{" + sound + "}}"
    template["afmt"] = "{{FrontSide}}<hr id=answer>{{" + meaning + "}}"
    col.models.add_template(model, template)
    col.models.add(model)
    return col.models.by_name(name)


def build_sample_collection(path: Path) -> dict[str, list[int]]:
    """Create a new collection at ``path`` (replacing any old one) and return note ids by note type."""
    for stale in (path, path.with_suffix(".media"), Path(str(path) + "-wal")):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    col = Collection(str(path))
    try:
        return add_sample_notes(col)
    finally:
        col.close()


def add_sample_notes(col: Collection) -> dict[str, list[int]]:
    """Add the sample note types and notes to ``col``; returns note ids by note type name."""
    deck_id = col.decks.id(DECK)
    assert deck_id is not None
    english = _note_type(col, ENGLISH_TYPE, ["Front", "Back", "Picture", "Audio"])
    spanish = _note_type(col, SPANISH_TYPE, ["Palabra", "Significado", "Imagen", "Audio"])
    ids: dict[str, list[int]] = {ENGLISH_TYPE: [], SPANISH_TYPE: []}
    for model, words in ((english, ENGLISH_WORDS), (spanish, [*SPANISH_WORDS, PREFILLED])):
        for values in words:
            note = col.new_note(model)
            note.fields[0], note.fields[1] = values[0], values[1]
            if len(values) > 2:
                note["Audio"] = values[2]
            col.add_note(note, deck_id)
            ids[model["name"]].append(int(note.id))
    return ids
