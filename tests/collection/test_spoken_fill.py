"""A note "el café ☕" filled on a real collection, over real HTTP against the OpenAI speech and
picture fakes: the speech server is asked to say "el café" (no emoji read out by name), the picture
server gets the emoji, and a field of emoji alone is skipped for sound with its reason."""

from __future__ import annotations

from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.fill import run_headless
from addon.core.provider_system.config_loading import load_config
from devtools.sample_deck import ENGLISH_TYPE, add_sample_notes
from tests.fakes.openai_fake import TEST_KEY as IMAGE_KEY
from tests.fakes.openai_fake import serve_openai
from tests.fakes.openai_tts_fake import TEST_KEY as SPEECH_KEY
from tests.fakes.openai_tts_fake import serve_openai_tts
from tests.support.notes_helpers import add_basic

FAST = {"requests_per_minute": 6000, "retry_attempts": 0}


def _add_front(col: Collection, front: str) -> int:
    (note_id,) = add_basic(col, front, note_type=ENGLISH_TYPE)
    return note_id


def test_speech_gets_the_words_without_emoji_and_pictures_get_the_emoji(col: Collection) -> None:
    add_sample_notes(col)
    cafe, only_emoji = _add_front(col, "el café ☕"), _add_front(col, "☕🥐")
    rule = {
        "note_type": ENGLISH_TYPE,
        "source_field": "Front",
        "audio_field": "Audio",
        "audio_providers": ["openai_tts"],
        "image_field": "Picture",
        "image_providers": ["openai"],
        "language": "es",
    }
    with serve_openai() as images, serve_openai_tts() as speech:
        config = load_config(
            {
                "rules": [rule],
                "providers": {
                    "image": {"openai": {"enabled": True, "api_key": IMAGE_KEY, "base_url": images.url, **FAST}},
                    "audio": {"openai_tts": {"enabled": True, "api_key": SPEECH_KEY, "base_url": speech.url, **FAST}},
                },
            }
        )
        report = run_headless(col, [cafe, only_emoji], config)
        said = [r.json()["input"] for r in speech.speech_requests()]
        pictured = [r.json()["prompt"] for r in images.generation_requests()]

    assert said == ["el café"]
    assert sorted(pictured) == ["el café ☕", "☕🥐"]
    assert (report.filled, report.failed) == (3, 0)
    assert col.get_note(NoteId(cafe))["Audio"].startswith("[sound:")
    assert col.get_note(NoteId(only_emoji))["Audio"] == ""
    assert report.skip_reasons == {"Front holds only emoji or symbols, which are not spoken; write the word there": 1}
