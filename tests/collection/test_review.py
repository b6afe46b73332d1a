"""Review without Qt, on a real collection: which notes and targets hold Media Fill media, which
provider a redo asks next, a redo that replaces only Media Fill's own sound (the user's text and
sound stay) in one undo step, and a removal of one target's media in one undo step."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.media_removal import REMOVE_UNDO_NAME
from addon.collection.review import redo_providers, redo_session, remove_target_media, review_notes
from addon.collection.sync import UNDO_NAME
from addon.core.media.naming import media_file_name
from addon.core.provider_system.registry import ProviderRegistry
from tests.fakes.openai_tts_fake import TEST_KEY as SPEECH_KEY
from tests.support.notes_helpers import add_basic, make_config

USERS_OWN = "my words [sound:mine.mp3]"


def own_sound(word: str, provider: str = "espeak") -> str:
    return media_file_name(text=word, provider=provider, cache_key=f"{word:0<40}".encode().hex(), extension="mp3")


def config_with(providers: list[str]) -> dict[str, Any]:
    rule = {
        "note_type": "Basic",
        "language": "en",
        "targets": [{"field": "Back", "kind": "audio", "source": "{Front}", "providers": providers}],
    }
    return make_config(rules=[rule])


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    collection = Collection(str(tmp_path / "review.anki2"))
    yield collection
    collection.close()


def test_the_next_provider_is_the_one_after_the_current_then_round() -> None:
    assert redo_providers(("a", "b", "c"), "b") == ("c", "a")
    assert redo_providers(("a", "b", "c"), "c") == ("a", "b")
    assert redo_providers(("a",), "a") == ("a",), "one provider: asked again"
    assert redo_providers(("a", "b"), "") == ("a", "b"), "an unknown maker keeps the list"


def test_review_lists_the_notes_that_hold_media_fill_media(col: Collection) -> None:
    config = config_with(["espeak", "openai_tts"])
    filled, users, gone = add_basic(col, "apple", "pear", "plum")
    note = col.get_note(NoteId(filled))
    note["Back"] = f"{USERS_OWN} [sound:{own_sound('apple')}]"
    col.update_note(note)
    user_note = col.get_note(NoteId(users))
    user_note["Back"] = USERS_OWN
    col.update_note(user_note)
    col.remove_notes([NoteId(gone)])

    found = review_notes(col, [filled, users, gone, filled], config)

    assert [n.note_id for n in found] == [filled]
    (target,) = found[0].targets
    assert (target.field, target.files, target.provider) == ("Back", (own_sound("apple"),), "espeak")
    assert found[0].label == "apple"


def test_redo_asks_the_next_provider_not_the_one_that_made_the_media(col: Collection) -> None:
    config = config_with(["espeak", "openai_tts"])
    config["providers"]["audio"]["openai_tts"] = {"enabled": True, "api_key": SPEECH_KEY}  # planned, never asked
    (note_id,) = add_basic(col, "apple", back=f"[sound:{own_sound('apple')}]")
    (target,) = review_notes(col, [note_id], config)[0].targets

    session = redo_session(col.get_note(NoteId(note_id)), target, config=config, registry=ProviderRegistry(config))
    try:
        plan = session.plan(col)
        assert [item.providers for item in plan.requests_to_make()] == [("openai_tts",)]
    finally:
        session.close()


def test_redo_replaces_only_media_fills_sound_in_one_undo_step(col: Collection) -> None:
    config = config_with(["espeak"])
    old = own_sound("apple")
    (note_id,) = add_basic(col, "apple", back=f"{USERS_OWN} [sound:{old}]")
    before = col.get_note(NoteId(note_id))["Back"]
    (target,) = review_notes(col, [note_id], config)[0].targets
    registry = ProviderRegistry(config)

    session = redo_session(col.get_note(NoteId(note_id)), target, config=config, registry=registry)
    plan = session.plan(col)
    assert [item.providers for item in plan.requests_to_make()] == [("espeak",)]
    assert col.get_note(NoteId(note_id))["Back"] == before, "the note changed before the new media came"
    outcome = session.generate(cancel=threading.Event())
    session.store_chunk(session.stream.take(max_items=10, timeout_s=0))
    report = session.finish(outcome)
    registry.close()

    value = col.get_note(NoteId(note_id))["Back"]
    assert report.filled == 1, report.summary()
    assert value.startswith(USERS_OWN + " [sound:mf_espeak_apple_") and old not in value
    assert value.count("[sound:") == 2
    assert col.undo_status().undo == UNDO_NAME
    col.undo()
    assert col.get_note(NoteId(note_id))["Back"] == before


def test_remove_takes_out_one_targets_media_in_one_undo_step(col: Collection) -> None:
    config = config_with(["espeak"])
    (note_id,) = add_basic(col, "apple", back=f"{USERS_OWN} [sound:{own_sound('apple')}]")
    (target,) = review_notes(col, [note_id], config)[0].targets

    result = remove_target_media(col, note_id, target, config=config)

    assert result.removed == 1
    assert col.get_note(NoteId(note_id))["Back"] == USERS_OWN
    assert review_notes(col, [note_id], config) == []
    assert col.undo_status().undo == REMOVE_UNDO_NAME
    col.undo()
    assert own_sound("apple") in col.get_note(NoteId(note_id))["Back"]


def test_r_on_a_target_with_random_voices_moves_on_from_the_voice_the_note_got(col: Collection) -> None:
    """R must not remake a note in the voice it already has: with ``random`` each note got its own
    voice, which is not always the first listed."""
    from addon.collection.review import ReviewTarget, redo_voice
    from addon.core.config.rules import parse_rules
    from addon.core.engine.voice_turns import VoiceTurns
    from addon.core.media.types import MediaKind

    target: dict[str, Any] = {
        "field": "Back",
        "kind": "audio",
        "source": "{Front}",
        "providers": ["openai_tts"],
        "voice": {"openai_tts": ["nova", "onyx"]},
        "voice_mode": "random",
    }
    config = make_config(rules=[{"note_type": "Basic", "language": "en", "targets": [target]}])
    config["providers"]["audio"]["openai_tts"].update(enabled=True, api_key=SPEECH_KEY)
    (spec,) = parse_rules(config)[0].targets
    registry = ProviderRegistry(config)
    notes = [col.get_note(NoteId(i)) for i in add_basic(col, *(f"word{n}" for n in range(12)))]
    review = ReviewTarget("Back", MediaKind.AUDIO, (), "openai_tts", ("openai_tts",))
    got = {n.id: VoiceTurns().voices(spec, note_type="Basic", note_id=int(n.id))["openai_tts"] for n in notes}
    assert set(got.values()) == {"nova", "onyx"}, "the notes got both voices"
    for note in notes:
        assert redo_voice(note, review, config=config, registry=registry, last=None) != got[note.id]
