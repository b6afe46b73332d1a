"""Remove Filled Media on a real collection: only the files Media Fill named leave the fields (the
user's own sounds, pictures and text stay; a picture's credit goes with it), in one undo step; the
files stay in the media folder; with ``tag_notes`` a fill tags its notes by provider in the fill's
own undo step, and removing takes the tag off once that provider's media is gone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.field_markup import attribution_comment, media_reference
from addon.collection.fill import run_headless
from addon.collection.media_removal import (
    REMOVE_UNDO_NAME,
    find_filled_media,
    known_provider_names,
    remove_filled_media,
    strip_own_media,
)
from addon.collection.sync import UNDO_NAME
from addon.core.media.naming import media_file_name
from addon.core.media.types import MediaKind
from tests.support.notes_helpers import add_basic, make_config

USERS_OWN = 'my note [sound:mine.mp3] <img src="mine.jpg">'


def picture_name(word: str, provider: str = "openverse") -> str:
    return media_file_name(text=word, provider=provider, cache_key=f"{word:0<40}".encode().hex(), extension="jpg")


def config_for_back(**overrides: Any) -> dict[str, Any]:
    """Sounds (espeak) into Back; Back is the picture field of the rule too."""
    rule = {
        "note_type": "Basic",
        "source_field": "Front",
        "audio_field": "Back",
        "image_field": "Back",
        "image_providers": ["openverse"],
        "audio_providers": ["espeak"],
        "language": "en",
        "mode": "append",
    }
    return {**make_config(rules=[rule]), **overrides}


def back(col: Collection, note_id: int) -> str:
    return col.get_note(NoteId(note_id))["Back"]


def fill_sounds(col: Collection, ids: list[int], config: dict[str, Any]) -> None:
    rule = config["rules"][0]
    config = {**config, "rules": [{**rule, "targets": [t for t in rule["targets"] if t["kind"] == "audio"]}]}
    report = run_headless(col, ids, config)
    assert report.filled == len(ids), report.summary()


def test_only_media_fills_own_files_go_and_one_undo_brings_everything_back(col: Collection) -> None:
    ids = add_basic(col, "apple", "pear", back=USERS_OWN)
    config = config_for_back()
    fill_sounds(col, ids, config)
    credit = attribution_comment("Photo by Ann, CC BY 4.0")
    note = col.get_note(NoteId(ids[0]))
    note["Back"] += " " + media_reference(MediaKind.IMAGE, picture_name("apple")) + credit
    col.update_note(note)
    filled = [back(col, nid) for nid in ids]
    assert all("[sound:mf_espeak_" in value for value in filled)
    media_before = sorted(p.name for p in Path(col.media.dir()).iterdir())

    preview = find_filled_media(col, ids, config)
    assert {(r.field, r.kind, r.notes, r.references) for r in preview.rows} == {
        ("Back", MediaKind.AUDIO, 2, 2),
        ("Back", MediaKind.IMAGE, 1, 1),
    }
    assert [back(col, nid) for nid in ids] == filled, "the preview writes nothing"

    step = col.undo_status().last_step
    result = remove_filled_media(col, ids, config)

    assert (result.notes_changed, result.removed) == (2, 3)
    assert [back(col, nid) for nid in ids] == [USERS_OWN, USERS_OWN], "text and the user's media stay"
    assert col.undo_status().undo == REMOVE_UNDO_NAME
    assert col.undo_status().last_step == step + 1, "one undo step"
    assert sorted(p.name for p in Path(col.media.dir()).iterdir()) == media_before, "files stay for Check Media"
    col.undo()
    assert [back(col, nid) for nid in ids] == filled
    assert col.undo_status().redo == REMOVE_UNDO_NAME


def test_the_kind_and_field_choices_limit_what_goes(col: Collection) -> None:
    (nid,) = add_basic(col, "apple", back="text")
    config = config_for_back()
    fill_sounds(col, [nid], config)
    note = col.get_note(NoteId(nid))
    picture = media_reference(MediaKind.IMAGE, picture_name("apple"))
    note["Back"] += " " + picture
    note["Front"] += " " + picture  # a field the rule does not fill
    col.update_note(note)

    assert remove_filled_media(col, [nid], config, kinds=[MediaKind.IMAGE]).removed == 1
    assert back(col, nid).startswith("text [sound:mf_espeak_") and "<img" not in back(col, nid)
    assert picture in col.get_note(NoteId(nid))["Front"], "only the rule's target fields by default"
    assert remove_filled_media(col, [nid], config, fields=["Front"]).removed == 1
    assert col.get_note(NoteId(nid))["Front"] == "apple"
    assert "[sound:mf_espeak_" in back(col, nid)


def test_nothing_to_remove_makes_no_undo_step(col: Collection) -> None:
    ids = add_basic(col, "apple", back=USERS_OWN)
    step = col.undo_status().last_step
    result = remove_filled_media(col, ids, config_for_back())
    assert (result.notes_changed, result.removed) == (0, 0)
    assert col.undo_status().last_step == step
    assert back(col, ids[0]) == USERS_OWN


def test_strip_own_media_keeps_everything_else_in_the_field() -> None:
    own = picture_name("apple")
    renamed = own.replace(".jpg", "-" + "a" * 40 + ".jpg")
    sound = "mf_espeak_apple_0123456789.mp3"
    credit = attribution_comment("Photo – Bob")
    cases = {
        f'<b>apple</b> <img src="{own}">{credit}': "<b>apple</b>",
        f'<img src="{renamed}"> tail': "tail",
        f"[sound:{sound}]": "",
        f"a [sound:{sound}] b [sound:mine.mp3]": "a b [sound:mine.mp3]",
        f'<img src="mine.jpg"><!-- my own comment --> <img class="x" src="{own}" alt="">': (
            '<img src="mine.jpg"><!-- my own comment -->'
        ),
        '<img src="mf_photo.jpg">': '<img src="mf_photo.jpg">',
    }
    for value, expected in cases.items():
        kind = MediaKind.AUDIO if "[sound:" in value and "<img" not in value else MediaKind.IMAGE
        assert strip_own_media(value, kind)[0] == expected, value
    assert strip_own_media(f"[sound:{sound}]", MediaKind.IMAGE) == (f"[sound:{sound}]", [])


def test_tag_notes_tags_each_filled_note_in_the_fills_undo_step(col: Collection) -> None:
    ids = add_basic(col, "apple", "pear")
    config = config_for_back(tag_notes=True)
    step = col.undo_status().last_step
    fill_sounds(col, ids, config)
    assert [col.get_note(NoteId(nid)).tags for nid in ids] == [["media_fill::espeak"]] * 2
    assert col.undo_status().last_step == step + 1
    assert col.undo_status().undo == UNDO_NAME
    col.undo()
    assert [col.get_note(NoteId(nid)).tags for nid in ids] == [[], []], "one undo takes fill and tag back"


def test_without_tag_notes_a_fill_tags_nothing(col: Collection) -> None:
    ids = add_basic(col, "apple")
    fill_sounds(col, ids, config_for_back())
    assert col.get_note(NoteId(ids[0])).tags == []


def test_remove_takes_a_providers_tag_off_once_none_of_its_media_is_left(col: Collection) -> None:
    (nid,) = add_basic(col, "apple")
    config = config_for_back(tag_notes=True)
    fill_sounds(col, [nid], config)
    note = col.get_note(NoteId(nid))
    note["Back"] += " " + media_reference(MediaKind.IMAGE, picture_name("apple", "openai"))
    note.add_tag("media_fill::openai")
    note.add_tag("vocab")
    col.update_note(note)
    assert "openai" in known_provider_names(config) and "openai_tts" in known_provider_names(config)

    result = remove_filled_media(col, [nid], config, kinds=[MediaKind.AUDIO])
    assert result.untagged == 1
    assert sorted(col.get_note(NoteId(nid)).tags) == ["media_fill::openai", "vocab"], "openai's picture is left"
    remove_filled_media(col, [nid], config, kinds=[MediaKind.IMAGE])
    assert col.get_note(NoteId(nid)).tags == ["vocab"]
    col.undo()
    assert sorted(col.get_note(NoteId(nid)).tags) == ["media_fill::openai", "vocab"], "undo gives the tag back"
