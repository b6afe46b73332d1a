"""run_headless on a real temporary collection with the real espeak provider: fields get
[sound:NAME] for a real audio file, skip mode and reruns leave media alone, identical words share a
file, one undo reverts the job, and failures write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.fill import run_headless
from addon.collection.sync import UNDO_NAME
from addon.core.media.checks import sniff_audio
from addon.core.text.cleaning import field_has_sound
from devtools.sample_deck import DEMO_RULES, ENGLISH_TYPE, PREFILLED, SPANISH_TYPE, add_sample_notes
from tests.support.notes_helpers import add_basic, make_config


def fields(col: Collection, note_ids: list[int]) -> dict[int, list[str]]:
    return {nid: list(col.get_note(NoteId(nid)).fields) for nid in note_ids}


def media_files(col: Collection) -> set[str]:
    return {p.name for p in Path(col.media.dir()).iterdir()}


def sound_name(value: str) -> str:
    assert value.startswith("[sound:") and value.endswith("]"), value
    return value[len("[sound:") : -1]


def assert_plays(col: Collection, value: str) -> str:
    """The field is one sound tag naming an audio file in the media folder; returns the name."""
    name = sound_name(value)
    path = Path(col.media.dir()) / name
    assert path.is_file(), f"{name} is not in the media folder"
    assert sniff_audio(path.read_bytes()) == path.suffix.lstrip(".")
    return name


def test_fills_the_sample_deck(col: Collection) -> None:
    ids = add_sample_notes(col)
    all_ids = ids[ENGLISH_TYPE] + ids[SPANISH_TYPE]
    config = make_config(rules=DEMO_RULES)
    report = run_headless(col, all_ids, config)

    assert (report.filled, report.skipped, report.reused, report.failed) == (24, 1, 0, 0)
    assert report.errors == []
    assert report.notes_changed == 24
    assert sorted(report.filled_note_ids) == sorted(all_ids[:-1]), "the report's Show in Browser shows these"
    assert report.exit_code == 0
    assert len(report.media_files) == 24
    assert set(report.media_files) <= media_files(col)
    names = set()
    for nid in all_ids[:-1]:
        note = col.get_note(NoteId(nid))
        names.add(assert_plays(col, note["Audio"]))
        assert all(name.endswith(".mp3") for name in names)
    assert names == set(report.media_files)
    bicycle = col.get_note(NoteId(ids[ENGLISH_TYPE][2]))
    assert bicycle["Front"] == "<b>bicycle</b>", "the source field is never changed"
    assert "bicycle" in sound_name(bicycle["Audio"])


def test_skip_mode_leaves_a_prefilled_note_alone(col: Collection) -> None:
    ids = add_sample_notes(col)
    prefilled_id = ids[SPANISH_TYPE][-1]
    before = list(col.get_note(NoteId(prefilled_id)).fields)
    assert before == [*PREFILLED[:2], "", PREFILLED[2]]
    report = run_headless(col, [prefilled_id, ids[SPANISH_TYPE][0]], make_config(rules=DEMO_RULES))
    assert list(col.get_note(NoteId(prefilled_id)).fields) == before
    assert report.skipped == 1
    assert report.filled == 1
    assert report.skip_reasons == {"Audio already has a sound": 1}


def test_second_run_skips_everything_and_changes_nothing(col: Collection) -> None:
    ids = add_basic(col, "apple", "pear", "plum")
    config = make_config()
    first = run_headless(col, ids, config)
    assert first.filled == 3
    after_first = fields(col, ids)
    files_after_first = media_files(col)
    step = col.undo_status().last_step

    second = run_headless(col, ids, config)
    assert (second.filled, second.skipped, second.reused, second.failed) == (0, 3, 0, 0)
    assert second.media_files == []
    assert second.notes_changed == 0
    assert fields(col, ids) == after_first
    assert media_files(col) == files_after_first
    assert col.undo_status().last_step == step, "a run that changes nothing adds no undo entry"


def test_identical_words_share_one_file_and_count_as_reused(col: Collection) -> None:
    ids = add_basic(col, "apple", "<b>apple</b>", "apple&nbsp;", "pear")
    report = run_headless(col, ids, make_config())
    assert (report.filled, report.reused, report.failed) == (2, 2, 0)
    assert len(report.media_files) == 2
    assert len(media_files(col)) == 2
    values = [col.get_note(NoteId(nid))["Back"] for nid in ids]
    assert values[0] == values[1] == values[2]
    assert values[3] != values[0]
    for value in values:
        assert_plays(col, value)


def test_one_undo_restores_every_note(col: Collection) -> None:
    ids = add_basic(col, "one", "two", "three", "four")
    before = fields(col, ids)
    undo_before = col.undo_status().undo
    report = run_headless(col, ids, make_config())
    assert report.filled == 4
    assert all(field_has_sound(v[1]) for v in fields(col, ids).values())
    assert col.undo_status().undo == UNDO_NAME == "Fill Media"

    col.undo()
    assert fields(col, ids) == before, "one undo reverts the whole job"
    status = col.undo_status()
    assert status.undo == undo_before
    assert status.redo == UNDO_NAME


@pytest.mark.parametrize(
    ("mode", "back", "expected_prefix"),
    [
        ("overwrite", "[sound:old.mp3]", ""),
        ("append", "[sound:old.mp3]", "[sound:old.mp3] "),
        ("skip", "note", "note "),
    ],
)
def test_modes(col: Collection, mode: str, back: str, expected_prefix: str) -> None:
    (nid,) = add_basic(col, "apple", back=back)
    report = run_headless(col, [nid], make_config(mode=mode))
    assert report.filled == 1
    value = col.get_note(NoteId(nid))["Back"]
    assert value.startswith(expected_prefix)
    assert_plays(col, value[len(expected_prefix) :])


def test_wav_output(col: Collection) -> None:
    (nid,) = add_basic(col, "apple")
    run_headless(col, [nid], {**make_config(output_format="wav"), "audio_format": "wav"})
    assert assert_plays(col, col.get_note(NoteId(nid))["Back"]).endswith(".wav")


def test_a_providers_wav_is_stored_as_the_mp3_the_user_asked_for(col: Collection) -> None:
    (nid,) = add_basic(col, "apple")
    run_headless(col, [nid], make_config(output_format="wav"))  # audio_format: mp3, the default
    assert assert_plays(col, col.get_note(NoteId(nid))["Back"]).endswith(".mp3")


def test_failures_write_nothing_and_report_errors(col: Collection, tmp_path: Path) -> None:
    ids = add_basic(col, "apple", "pear", "plum")
    ids += add_basic(col, "cherry", back="[sound:mine.mp3]")
    before = fields(col, ids)
    status_before = col.undo_status()
    broken = tmp_path / "espeak-ng"  # found, so the job runs; every call fails
    broken.write_text("#!/bin/sh\necho 'espeak-ng: broken install' >&2\nexit 3\n", encoding="utf-8")
    broken.chmod(0o755)

    report = run_headless(col, ids, make_config(binary=str(broken)))

    assert (report.filled, report.skipped, report.reused, report.failed) == (0, 1, 0, 3)
    assert report.exit_code == 1
    assert report.media_files == []
    assert report.notes_changed == 0
    assert media_files(col) == set()
    assert fields(col, ids) == before, "no error text goes into a field"
    assert col.undo_status().undo == status_before.undo
    assert col.undo_status().last_step == status_before.last_step
    assert sorted(e.note_id for e in report.errors) == sorted(ids[:3])
    for error in report.errors:
        assert error.field == "Back"
        assert error.provider == "espeak"
        assert "failed (exit 3): espeak-ng: broken install" in error.message
    assert report.headline() == "Fill Media failed"
    as_json = report.to_json()
    assert as_json["failed"] == 3
    assert {e["note_id"] for e in as_json["errors"]} == set(ids[:3])
    assert set(as_json["errors"][0]) >= {"note_id", "field", "provider", "message"}


def test_unknown_voice_fails_only_that_rule(col: Collection) -> None:
    english = add_basic(col, "apple")
    cloze_model = col.models.by_name("Cloze")
    assert cloze_model is not None
    note = col.new_note(cloze_model)
    note["Text"] = "the {{c1::cat}}"
    deck = col.decks.id("Default")
    assert deck is not None
    col.add_note(note, deck)
    rules = [
        {"note_type": "Basic", "source_field": "Front", "audio_field": "Back", "audio_providers": ["espeak"]},
        {
            "note_type": "Cloze",
            "source_field": "Text",
            "audio_field": "Back Extra",
            "audio_providers": ["espeak"],
            "language": "xx-bogus",
        },
    ]
    report = run_headless(col, [*english, int(note.id)], make_config(rules=rules))
    assert (report.filled, report.failed) == (1, 1)
    (error,) = report.errors
    assert error.note_id == int(note.id)
    assert error.field == "Back Extra"
    assert "xx-bogus" in error.message
    assert col.get_note(note.id)["Back Extra"] == ""
    assert_plays(col, col.get_note(NoteId(english[0]))["Back"])


def test_notes_without_a_rule_are_skipped(col: Collection) -> None:
    ids = add_basic(col, "apple")
    report = run_headless(col, ids, make_config(rules=DEMO_RULES))
    assert (report.filled, report.skipped) == (0, 1)
    assert report.skip_reasons == {"no rule for note type 'Basic'": 1}
    assert media_files(col) == set()


def test_the_sample_cards_show_the_picture_and_play_the_sound(col: Collection) -> None:
    """`make run`'s sample deck: what Fill Media puts in Picture and Audio is on the card's front."""
    ids = add_sample_notes(col)
    note = col.get_note(NoteId(ids[ENGLISH_TYPE][0]))
    note["Picture"] = '<img src="sample-picture.jpg">'
    note["Audio"] = "[sound:sample-sound.mp3]"
    col.update_note(note)
    card = note.cards()[0]
    question = card.question()
    assert "sample-picture.jpg" in question
    assert [getattr(tag, "filename", "") for tag in card.question_av_tags()] == ["sample-sound.mp3"]
