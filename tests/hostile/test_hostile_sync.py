"""The hostile corpus through whole jobs on a real temporary collection (`run_headless`).

One job fills every note of the corpus that Anki can store, with a third-party provider loaded
through ``provider_modules`` (`CorpusSpeech`, in process); one job runs the real ``espeak``
provider on the short cases; one job meets a provider that hands back hostile extensions, names,
requests, error messages and credit lines (`HostileSpeech`). Each job runs in a folder of its
own, from a working directory inside it, with the collection a few levels down, so a write that
escaped the media folder ("../../x", "/abs/path", a bare relative name) would land where the test
sees it. For every job: every new file is in the media folder (or the job's state folder), every
note's source field is untouched, every target field is empty or exactly one sound tag naming a
safe file that Anki stored under the very name asked for, no error text or markup is in a field,
and the collection passes Anki's integrity and media checks.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.fill import run_headless
from addon.core.job.report import JobReport
from addon.core.media.checks import sniff_audio
from addon.core.media.naming import media_file_name
from addon.core.media.types import MediaKind, MediaRequest
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.registry import ProviderRegistry
from addon.core.text.cleaning import clean_source_text
from addon.core.text.formulas import without_math
from addon.core.text.reading import is_fragment, what_else_it_holds
from addon.core.text.spoken import spoken_text
from tests.hostile.hostile_checks import assert_clean_text, assert_safe_name
from tests.hostile.hostile_corpus import CASES, Case
from tests.hostile.hostile_providers import (
    CREDIT_CONTROLS,
    HOSTILE_WORDS,
    MARKUP_ERROR,
    MODULES,
    CorpusSpeech,
    speech_for,
)

# Anki makes its media database at the first media write.
ANKI_MEDIA_DB_FILES = ("collection.media.db2", "collection.media.db2-wal", "collection.media.db2-shm")
SOUND_TAG = re.compile(r"\[sound:([^\]]*)\]")
STORED_CASES = [case for case in CASES if case.in_anki]
# Short cases the real espeak-ng speaks quickly: one of each kind of trouble.
ESPEAK_CASE_IDS = [
    "script-tag", "dot-dot-slash", "dot-dot-backslash", "absolute-path", "reserved-con", "nul", "ansi-escape",
    "rtl-override-path", "emoji-zwj-family", "nfd-word", "cloze-nested", "furigana", "sound-traversal", "empty",
    "zero-width-only", "arabic", "long-cjk-name",
]  # fmt: skip


def all_files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


def rule(provider: str, **more: Any) -> dict[str, Any]:
    """Basic notes (unless ``note_type`` is given): Front spoken into Back by ``provider``."""
    return {
        "note_type": "Basic",
        "source_field": "Front",
        "audio_field": "Back",
        "audio_providers": [provider],
        "language": "en",
        "mode": "skip",
        **more,
    }


@dataclass
class Job:
    """A finished job on its own collection: what the tests look at."""

    root: Path
    col: Collection
    ids: dict[str, int]
    before: dict[str, list[str]]
    report: JobReport
    new_files: set[Path]
    registry: ProviderRegistry

    @property
    def media_dir(self) -> Path:
        return Path(self.col.media.dir())

    def fields(self, key: str) -> list[str]:
        return list(self.col.get_note(NoteId(self.ids[key])).fields)


def add_notes(col: Collection, fronts: dict[str, str], *, note_type: str = "Basic") -> dict[str, int]:
    model = col.models.by_name(note_type)
    deck = col.decks.id("Default")
    assert model is not None and deck is not None
    ids = {}
    for key, front in fronts.items():
        note = col.new_note(model)
        note["Front"] = front
        col.add_note(note, deck)
        ids[key] = int(note.id)
    return ids


def add_credit_note_type(col: Collection) -> None:
    """A note type "Credited" (Front, Back, Picture, Credit): a picture's credit line goes to its
    own field."""
    models = col.models
    model = models.new("Credited")
    for name in ("Front", "Back", "Picture", "Credit"):
        models.add_field(model, models.new_field(name))
    template = models.new_template("Card 1")
    template["qfmt"] = "{{Front}}"
    template["afmt"] = "{{Back}}<br>{{Credit}}"
    models.add_template(model, template)
    models.add(model)


def run_job(
    root: Path,
    config: dict[str, Any],
    notes: dict[str, dict[str, str]],
    setup: Any = None,
) -> Job:
    """A collection three folders below ``root`` with ``notes`` (note type -> key -> Front), one
    job over all of them from a working directory inside ``root``, and what changed."""
    work = root / "cwd"
    work.mkdir(parents=True)
    profile = root / "profiles" / "user"
    profile.mkdir(parents=True)
    col = Collection(str(profile / "collection.anki2"))
    if setup is not None:
        setup(col)
    ids: dict[str, int] = {}
    for note_type, fronts in notes.items():
        ids.update(add_notes(col, fronts, note_type=note_type))
    before = {key: list(col.get_note(NoteId(nid)).fields) for key, nid in ids.items()}
    files_before = all_files(root)
    registry = ProviderRegistry(config)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(work)
        report = run_headless(col, list(ids.values()), config, registry=registry, state_dir=root / "state")
    return Job(root, col, ids, before, report, all_files(root) - files_before, registry)


def assert_only_media_and_state_files(job: Job) -> None:
    """Every file the job created is in the media folder or the job's state folder (or is Anki's
    own media database beside the collection), and the media folder holds plain files only."""
    state = job.root / "state"
    anki_files = {Path(job.col.path).with_name(name) for name in ANKI_MEDIA_DB_FILES}
    outside = {p for p in job.new_files if p.parent != job.media_dir and state not in p.parents and p not in anki_files}
    assert not outside, f"files written outside the media folder: {sorted(map(str, outside))}"
    assert all(entry.is_file() for entry in job.media_dir.iterdir()), "a folder appeared in the media folder"
    assert (
        not list(job.root.rglob("passwd")) and not list(job.root.rglob("*.ini")) and not list(job.root.rglob("evil*"))
    )


def assert_collection_sound(col: Collection) -> None:
    assert col.db is not None
    assert col.db.scalar("pragma integrity_check") == "ok"
    problems, ok = col.fix_integrity()
    assert ok, problems
    check = col.media.check()
    # The corpus's own source fields name files that do not exist ("[sound:../../etc/passwd]").
    made_missing = [name for name in check.missing if name.startswith("mf_")]
    assert made_missing == [], "a field names a file the job did not write"
    assert list(check.unused) == [], "a file was written that no field names"
    assert "renamed" not in check.report.lower(), check.report


def sound_file(value: str) -> str:
    """The one file a target field plays: it must be nothing but one sound tag."""
    match = SOUND_TAG.fullmatch(value)
    assert match, f"the field is not one sound tag: {value[:200]!r}"
    return match.group(1)


def said(front: str) -> str:
    """What a sound request asks for: the text read with pauses, without math, emoji and
    pictographs ("" when math leaves only a fragment)."""
    read = clean_source_text(front, pauses=True)
    text = without_math(read)
    return "" if text != read and is_fragment(text) else spoken_text(text)


def expected_name(front: str, provider: str) -> str:
    request = MediaRequest(kind=MediaKind.AUDIO, text=said(front), language="en")
    return media_file_name(text=request.text, provider=provider, cache_key=request.cache_key, extension="mp3")


# --- the whole corpus, with a third-party provider ---------------------------------------------------


@pytest.fixture(scope="module")
def corpus_job(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Job]:
    config = load_config(
        {
            "provider_modules": MODULES,
            "rules": [rule("corpus_speech")],
            "providers": {"audio": {"corpus_speech": {}}},
        }
    )
    # No length limit: the size-scaled cases must reach the store step (too long for a card's sound
    # by default, see the planner's tests).
    config["rules"][0]["targets"][0]["max_chars"] = 1_000_000
    job = run_job(tmp_path_factory.mktemp("corpus"), config, {"Basic": {c.id: c.field for c in STORED_CASES}})
    try:
        yield job
    finally:
        job.registry.close()
        job.col.close()


def test_the_corpus_job_fills_every_note_with_text_and_skips_the_rest(corpus_job: Job) -> None:
    report = corpus_job.report
    stored_empty = {key for key, fields in corpus_job.before.items() if not clean_source_text(fields[0])}
    assert stored_empty == {c.id for c in STORED_CASES if c.empty}
    unspoken = {key for key, fields in corpus_job.before.items() if not said(fields[0])} - stored_empty
    assert unspoken, "the corpus has fields of emoji alone"
    assert (report.failed, report.errors, report.not_started) == (0, [], 0)
    assert report.filled + report.reused == len(STORED_CASES) - len(stored_empty) - len(unspoken)
    assert report.skipped == len(stored_empty) + len(unspoken)
    empty_reasons = Counter(
        f"Front holds only {held}" if (held := what_else_it_holds(corpus_job.before[key][0])) else "Front is empty"
        for key in stored_empty
    )
    assert report.skip_reasons == {
        **empty_reasons,
        "Front holds only emoji or symbols, which are not spoken; write the word there": len(unspoken),
    }


def test_the_corpus_job_writes_only_into_the_media_folder(corpus_job: Job) -> None:
    assert_only_media_and_state_files(corpus_job)
    media = {p.name for p in corpus_job.new_files if p.parent == corpus_job.media_dir}
    assert media == set(corpus_job.report.media_files)


def test_the_provider_was_sent_only_clean_texts(corpus_job: Job) -> None:
    provider = corpus_job.registry.get(MediaKind.AUDIO, "corpus_speech")
    assert isinstance(provider, CorpusSpeech)
    texts = provider.texts
    assert len(texts) == len(set(texts)) == len(corpus_job.report.media_files)
    for text in texts:
        assert_clean_text(text)
        assert text


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in STORED_CASES])
def test_each_note_gets_one_safe_sound_tag_or_nothing(corpus_job: Job, case: Case) -> None:
    front_before, back_before = corpus_job.before[case.id]
    front, back = corpus_job.fields(case.id)
    assert front == front_before, "the source field was changed"
    if case.empty or not said(front):
        assert back == back_before == ""
        return
    name = sound_file(back)
    assert_safe_name(name)
    assert name == expected_name(front, "corpus_speech"), "Anki stored the file under another name"
    path = corpus_job.media_dir / name
    assert path.is_file()
    assert path.read_bytes() == speech_for(said(front))


def test_the_corpus_collection_passes_anki_checks(corpus_job: Job) -> None:
    # After the tests that read the notes: Anki's media check changes some (it extracts the image
    # of the data-URI case into a file).
    assert_collection_sound(corpus_job.col)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES if not c.in_anki])
def test_anki_refuses_the_cases_marked_not_storable(corpus_job: Job, case: Case) -> None:
    """The reason those cases are only planned (from a word list or memory), never filled: no
    note can hold a lone surrogate."""
    model = corpus_job.col.models.by_name("Basic")
    deck = corpus_job.col.decks.id("Default")
    assert model is not None and deck is not None
    note = corpus_job.col.new_note(model)
    note["Front"] = case.field
    with pytest.raises(UnicodeEncodeError):
        corpus_job.col.add_note(note, deck)


# --- the real espeak-ng on the short cases -----------------------------------------------------------


@pytest.fixture(scope="module")
def espeak_job(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Job]:
    config = load_config({"rules": [rule("espeak")], "providers": {"audio": {"espeak": {"max_concurrency": 2}}}})
    fronts = {case_id: next(c.field for c in CASES if c.id == case_id) for case_id in ESPEAK_CASE_IDS}
    job = run_job(tmp_path_factory.mktemp("espeak"), config, {"Basic": fronts})
    try:
        yield job
    finally:
        job.registry.close()
        job.col.close()


def test_espeak_speaks_the_short_cases_into_the_media_folder_only(espeak_job: Job) -> None:
    report = espeak_job.report
    assert (report.failed, report.errors) == (0, [])
    assert report.skip_reasons == {"Front is empty": 2}
    assert_only_media_and_state_files(espeak_job)
    for key in ESPEAK_CASE_IDS:
        front, back = espeak_job.fields(key)
        assert front == espeak_job.before[key][0]
        if not said(front):
            assert back == ""
            continue
        name = sound_file(back)
        assert_safe_name(name)
        assert name == expected_name(front, "espeak")
        assert sniff_audio((espeak_job.media_dir / name).read_bytes()) == "mp3"
    assert_collection_sound(espeak_job.col)


# --- a provider that hands back hostile names and texts ---------------------------------------------


@pytest.fixture(scope="module")
def hostile_job(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Job]:
    config = load_config(
        {
            "provider_modules": MODULES,
            "rules": [
                rule("hostile_speech"),
                rule(
                    "hostile_speech",
                    note_type="Credited",
                    image_field="Picture",
                    image_providers=["hostile_pictures"],
                    attribution_field="Credit",
                ),
            ],
            "providers": {"audio": {"hostile_speech": {}}, "image": {"hostile_pictures": {}}},
            # Its refused results must not pause it for the accepted ones.
            "circuit_breaker": {"failure_threshold": 1000},
        }
    )
    notes = {
        "Basic": {word: word for word in HOSTILE_WORDS},
        "Credited": {f"credited-{word}": word for word in ("credit-markup", "credit-controls")},
    }
    job = run_job(tmp_path_factory.mktemp("hostile"), config, notes, setup=add_credit_note_type)
    try:
        yield job
    finally:
        job.registry.close()
        job.col.close()


def test_hostile_results_write_only_into_the_media_folder(hostile_job: Job) -> None:
    assert_only_media_and_state_files(hostile_job)
    refused = [word for word, (_, stored) in HOSTILE_WORDS.items() if not stored]
    assert hostile_job.report.failed == len(refused)
    assert sorted(error.note_id for error in hostile_job.report.errors) == sorted(
        hostile_job.ids[word] for word in refused
    )
    assert_collection_sound(hostile_job.col)


@pytest.mark.parametrize("word", [pytest.param(w, id=w) for w, (_, stored) in HOSTILE_WORDS.items() if not stored])
def test_a_refused_result_leaves_the_field_empty(hostile_job: Job, word: str) -> None:
    assert hostile_job.fields(word) == [word, ""]
    (error,) = [e for e in hostile_job.report.errors if e.note_id == hostile_job.ids[word]]
    assert error.provider == "hostile_speech"
    if word == "error-markup":
        assert error.message == MARKUP_ERROR  # kept for the report, never put in a field


@pytest.mark.parametrize("word", [pytest.param(w, id=w) for w, (_, stored) in HOSTILE_WORDS.items() if stored])
def test_an_accepted_result_is_stored_under_the_planned_name(hostile_job: Job, word: str) -> None:
    """Whatever request or provider name the result claims, the file is named after the request
    the job planned and the provider the job asked."""
    front, back = hostile_job.fields(word)
    assert front == word
    reference, _, comment = back.partition("<!--")
    name = sound_file(reference)
    assert name == expected_name(word, "hostile_speech")
    assert_safe_name(name)
    assert (hostile_job.media_dir / name).read_bytes() == speech_for(word)
    if comment:  # a credit line after the sound tag: one HTML comment, nothing in it can end it
        assert back.endswith(" -->") and back.count("-->") == 1 and "<" not in comment and ">" not in comment[:-1]


def test_a_picture_credit_line_with_markup_is_stored_as_escaped_text(hostile_job: Job) -> None:
    _, back, picture, credit = hostile_job.fields("credited-credit-markup")
    assert back.startswith(f"[sound:{expected_name('credit-markup', 'hostile_speech')}]<!-- ")
    image = re.fullmatch(r'<img src="([^"<>&]+)">', picture)
    assert image, picture
    assert_safe_name(image.group(1))
    assert (hostile_job.media_dir / image.group(1)).is_file()
    assert "<" not in credit and ">" not in credit
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in credit
    assert "javascript:alert(3)" in credit  # as text, not as a link


def test_a_credit_line_with_control_characters_is_stored_without_them(hostile_job: Job) -> None:
    """Controls and bidi overrides in a server's credit line never reach a field, and a lone
    surrogate (which no note can hold) does not make the job fail."""
    for key in ("credit-controls", "credited-credit-controls"):
        for value in hostile_job.fields(key)[1:]:
            assert_clean_text(value)
    credit = hostile_job.fields("credited-credit-controls")[3]
    assert credit == "[31mred[0mevil — ab c d"
    assert CREDIT_CONTROLS.title not in credit
