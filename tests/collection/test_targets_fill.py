"""Issue 19's example rule on a real collection, over real HTTP against the speech and picture
fakes: one job fills a note's three targets (word audio, sentence audio, picture) from the right
sources, text rules and ``cloze: "answers"`` change what is sent, and a failure names its target field."""

from __future__ import annotations

from typing import Any

from anki.collection import AddNoteRequest, Collection
from anki.notes import NoteId

from addon.collection.fill import run_headless
from addon.core.provider_system.config_loading import load_config
from tests.fakes.google_tts_fake import TEST_KEY as GOOGLE_KEY
from tests.fakes.google_tts_fake import serve_google_tts
from tests.fakes.openai_fake import TEST_KEY as IMAGE_KEY
from tests.fakes.openai_fake import serve_openai
from tests.fakes.openai_tts_fake import TEST_KEY as SPEECH_KEY
from tests.fakes.openai_tts_fake import serve_openai_tts
from tests.fakes.openverse_fake import serve_openverse

FAST = {"requests_per_minute": 6000, "retry_attempts": 0}
FIELDS = ("Word", "Sentence", "Audio", "SentenceAudio", "Picture", "Credit")

# The example, as written (config.md shows the same).
EXAMPLE_RULE: dict[str, Any] = {
    "note_type": "Vocab",
    "language": "es",
    "mode": "skip",
    "targets": [
        {"field": "Audio", "kind": "audio", "source": "{Word}", "providers": ["openai_tts", "espeak"]},
        {
            "field": "SentenceAudio",
            "kind": "audio",
            "source": "{Sentence}",
            "providers": ["google_tts"],
            "language": "es",
            "mode": "overwrite",
        },
        {
            "field": "Picture",
            "kind": "image",
            "source": "{Word}",
            "prompt": "A clear picture of {Word}, no text",
            "providers": ["openverse", "openai"],
            "attribution_field": "Credit",
        },
    ],
}


def _vocab(col: Collection, *rows: dict[str, str]) -> list[int]:
    model = col.models.new("Vocab")
    for name in FIELDS:
        col.models.add_field(model, col.models.new_field(name))
    template = col.models.new_template("Card 1")
    template["qfmt"], template["afmt"] = "{{Word}}", "{{Sentence}}{{Audio}}{{SentenceAudio}}{{Picture}}"
    col.models.add_template(model, template)
    col.models.add(model)
    vocab = col.models.by_name("Vocab")
    assert vocab is not None
    deck = col.decks.id("Words")
    assert deck is not None
    notes = []
    for row in rows:
        note = col.new_note(vocab)
        for name, value in row.items():
            note[name] = value
        notes.append(note)
    col.add_notes([AddNoteRequest(note=n, deck_id=deck) for n in notes])
    return [n.id for n in notes]


def _config(rule: dict[str, Any], *, speech: str, google: str, images: str, search: str) -> dict[str, Any]:
    return load_config(
        {
            "rules": [rule],
            "providers": {
                "image": {
                    "openverse": {"enabled": True, "base_url": search, **FAST},
                    "openai": {"enabled": True, "api_key": IMAGE_KEY, "base_url": images, **FAST},
                },
                "audio": {
                    "openai_tts": {"enabled": True, "api_key": SPEECH_KEY, "base_url": speech, **FAST},
                    "google_tts": {
                        "enabled": True,
                        "api_key": GOOGLE_KEY,
                        "base_url": google,
                        "voices": {"es": "es-ES-Standard-A"},
                        **FAST,
                    },
                },
            },
        }
    )


def _run(col: Collection, note_ids: list[int], rule: dict[str, Any]) -> tuple[Any, dict[str, list[str]]]:
    with (
        serve_openai_tts() as speech,
        serve_google_tts() as google,
        serve_openai() as images,
        serve_openverse() as search,
    ):
        config = _config(rule, speech=speech.url, google=google.url, images=images.url, search=search.url)
        report = run_headless(col, note_ids, config)
        sent = {
            "openai_tts": [r.json()["input"] for r in speech.speech_requests()],
            "google_tts": [r.json()["input"]["text"] for r in google.synthesize_requests()],
            "openverse": [r.query["q"][0] for r in search.searches()],
            "openai": [r.json()["prompt"] for r in images.generation_requests()],
        }
    return report, sent


def test_the_example_rule_fills_all_three_fields_of_a_note_from_the_right_sources(col: Collection) -> None:
    (perro, gato) = _vocab(
        col,
        {"Word": "el perro", "Sentence": "El perro <b>duerme</b> en casa.", "SentenceAudio": "[sound:old.mp3]"},
        {"Word": "el gato", "Sentence": "El gato come."},
    )
    report, sent = _run(col, [perro, gato], EXAMPLE_RULE)

    assert sorted(sent["openai_tts"]) == ["el gato", "el perro"], "word texts for Audio"
    assert sorted(sent["google_tts"]) == ["El gato come.", "El perro duerme en casa."], (
        "sentence texts for SentenceAudio"
    )
    assert sorted(sent["openverse"]) == ["A clear picture of el gato, no text", "A clear picture of el perro, no text"]
    assert sent["openai"] == [], "the search found a picture: the next provider is not asked"
    assert (report.filled, report.failed, report.skipped) == (6, 0, 0)
    note = col.get_note(NoteId(perro))
    assert note["Audio"].startswith("[sound:") and note["Picture"].startswith("<img")
    assert note["SentenceAudio"].startswith("[sound:") and "old.mp3" not in note["SentenceAudio"], (
        "its own mode: overwrite"
    )
    assert note["Credit"], "the picture's credit went to the target's attribution_field"
    assert col.undo_status().undo, "one undo step"


def test_text_rules_and_cloze_answers_change_what_is_sent(col: Collection) -> None:
    rule = {
        **EXAMPLE_RULE,
        "text_rules": [{"find": "sth.", "replace": ""}],
        "targets": [
            {
                "field": "Audio",
                "kind": "audio",
                "source": "{Word}",
                "providers": ["openai_tts"],
                "text_rules": [{"find": r"\s*\([^)]*\)", "replace": "", "regex": True}],
            },
            {
                "field": "SentenceAudio",
                "kind": "audio",
                "source": "{Sentence}",
                "providers": ["google_tts"],
                "cloze": "answers",
            },
            {"field": "Picture", "kind": "image", "source": "{Word} {Sentence}", "providers": ["openai"]},
        ],
    }
    (note_id,) = _vocab(
        col, {"Word": "abandonar sth. (to leave)", "Sentence": "Hay que {{c1::abandonar}} el {{c2::barco::nave}}."}
    )
    report, sent = _run(col, [note_id], rule)

    assert sent["openai_tts"] == ["abandonar"], "the rule's text rule, then the target's"
    assert sent["google_tts"] == ["abandonar, barco"], "only the cloze answers, joined"
    assert sent["openai"] == ["abandonar (to leave) Hay que abandonar el barco."], "a template of two fields"
    assert report.filled == 3


def test_a_failure_names_its_target_field(col: Collection) -> None:
    rule = {
        "note_type": "Vocab",
        "targets": [
            {"field": "Audio", "kind": "audio", "source": "{Word}", "providers": ["openai_tts"]},
            {"field": "SentenceAudio", "kind": "audio", "source": "{Sentence}", "providers": ["google_tts"]},
        ],
    }
    (note_id,) = _vocab(col, {"Word": "hola", "Sentence": "Hola, ¿qué tal?"})
    with serve_openai_tts() as speech, serve_google_tts(key="another-key") as google:
        config = _config(
            rule, speech=speech.url, google=google.url, images="http://127.0.0.1:9", search="http://127.0.0.1:9"
        )
        report = run_headless(col, [note_id], config)
    assert (report.filled, report.failed) == (1, 1)
    (failure,) = report.errors
    assert "SentenceAudio" in str(failure), failure
    note = col.get_note(NoteId(note_id))
    assert note["Audio"].startswith("[sound:") and note["SentenceAudio"] == ""


def test_each_targets_voice_reaches_its_provider(col: Collection) -> None:
    rule = {
        "note_type": "Vocab",
        "language": "es",
        "targets": [
            {
                "field": "Audio",
                "kind": "audio",
                "source": "{Word}",
                "providers": ["openai_tts"],
                "voice": {"openai_tts": "nova"},
            },
            {
                "field": "SentenceAudio",
                "kind": "audio",
                "source": "{Sentence}",
                "providers": ["google_tts"],
                "voice": {"google_tts": "de-DE-Wavenet-B", "openai_tts": "onyx"},
            },
        ],
    }
    (note_id,) = _vocab(col, {"Word": "hola", "Sentence": "hola"})
    with serve_openai_tts() as speech, serve_google_tts() as google:
        config = _config(
            rule, speech=speech.url, google=google.url, images="http://127.0.0.1:9", search="http://127.0.0.1:9"
        )
        report = run_headless(col, [note_id], config)
        voices = [r.json()["voice"] for r in speech.speech_requests()]
        google_voices = [r.json()["voice"] for r in google.synthesize_requests()]
    assert report.filled == 2, "the same text in two voices is made twice"
    assert voices == ["nova"]
    assert google_voices == [{"languageCode": "de-DE", "name": "de-DE-Wavenet-B"}], "not the es voice of its settings"
