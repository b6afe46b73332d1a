"""Notes shaped like the machine-learning deck of issue 19, filled on a real collection over real
HTTP against the OpenAI speech fake: a list is read as sentences (and the note is filled: the store
step reads the source the way the planner did, so a list is not taken for an edit made while the job
ran), math is not read, and a field of only a picture or of a whole paragraph is skipped with its
reason."""

from __future__ import annotations

from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.fill import run_headless
from addon.core.provider_system.config_loading import load_config
from devtools.sample_deck import ENGLISH_TYPE, add_sample_notes
from tests.fakes.openai_tts_fake import TEST_KEY as SPEECH_KEY
from tests.fakes.openai_tts_fake import serve_openai_tts
from tests.support.notes_helpers import add_basic

FAST = {"requests_per_minute": 6000, "retry_attempts": 0}


def _add_front(col: Collection, front: str) -> int:
    (note_id,) = add_basic(col, front, note_type=ENGLISH_TYPE)
    return note_id


LIST = "<div>A special case of EM</div><ul><li>EM is harder</li><li>More computation</li></ul>"
MATH = r"The expectation \(\mathbb{E}_p[x]\) of \(x\)"
PARAGRAPH = " ".join(["The algorithm alternates between an expectation and a maximisation step."] * 33)


def test_lists_math_pictures_and_paragraphs_as_a_voice_should_read_them(col: Collection) -> None:
    add_sample_notes(col)
    ids = [_add_front(col, front) for front in (LIST, MATH, r"\[x^2\]", '<img src="diagram.png">', PARAGRAPH)]
    rule = {
        "note_type": ENGLISH_TYPE,
        "source_field": "Front",
        "audio_field": "Audio",
        "audio_providers": ["openai_tts"],
        "language": "en",
    }
    with serve_openai_tts() as speech:
        config = load_config(
            {
                "rules": [rule],
                "providers": {
                    "audio": {"openai_tts": {"enabled": True, "api_key": SPEECH_KEY, "base_url": speech.url, **FAST}}
                },
            }
        )
        report = run_headless(col, ids, config)
        said = [r.json()["input"] for r in speech.speech_requests()]

    assert sorted(said) == ["A special case of EM. EM is harder. More computation", "The expectation of"]
    assert (report.filled, report.failed) == (2, 0)
    assert [col.get_note(NoteId(i))["Audio"].startswith("[sound:") for i in ids] == [True, True, False, False, False]
    assert report.skip_reasons == {
        "Front holds only math, which is not read aloud; write in words what to say": 1,
        "Front holds only a picture": 1,
        "Front is too long for a card's sound (over 300 characters); put the part to say in a field of its own, or raise max_chars of Audio": 1,
    }
