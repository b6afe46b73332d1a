"""The three job steps on a real temporary collection: the name write_data returns is the one in the
field, edits and deletions made while the job ran are respected, and a cancelled job keeps what it
made."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from anki.collection import Collection
from anki.notes import NoteId

from addon.collection.field_markup import apply_mode, media_reference
from addon.collection.fill import generate_job, plan_job, store_job
from addon.collection.sync import UNDO_NAME, CollectionSync
from addon.core.config.rules import FillMode
from addon.core.engine.generation import JobProgress
from addon.core.job.outcome import Finished, GenerationOutcome
from addon.core.job.plan import Plan, Target, WorkItem
from addon.core.media.checks import sniff_audio
from addon.core.media.naming import media_file_name
from addon.core.media.types import Attribution, MediaKind, MediaRequest, MediaResult
from addon.core.provider_system.registry import ProviderRegistry
from addon.core.provider_system.sync_provider import StoreOptions
from tests.support.media_samples import png_bytes
from tests.support.notes_helpers import add_basic, make_config

HTML_ERROR_PAGE = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>\n"


def back(col: Collection, note_id: int) -> str:
    return col.get_note(NoteId(note_id))["Back"]


def media_dir(col: Collection) -> Path:
    return Path(col.media.dir())


def test_the_name_write_data_returns_is_put_in_the_field(col: Collection) -> None:
    (nid,) = add_basic(col, "apple")
    request = MediaRequest(kind=MediaKind.AUDIO, text="apple", language="en")
    desired = media_file_name(text="apple", provider="espeak", cache_key=request.cache_key, extension="mp3")
    squatter = b"ID3 somebody else's recording" + b"\x00" * 200
    assert col.media.write_data(desired, squatter) == desired

    plan = plan_job(col, [nid], make_config())
    (item,) = plan.unique_work()
    assert item.request.cache_key == request.cache_key, "the test computes the name the job will want"
    outcome = generate_job(plan, ProviderRegistry(make_config()), cancel=threading.Event())
    report = store_job(col, plan, outcome).report

    (stored,) = report.media_files
    assert stored != desired, "a different file already had the name: Anki must rename"
    assert stored.startswith(desired.removesuffix(".mp3") + "-")
    assert back(col, nid) == f"[sound:{stored}]"
    data = (media_dir(col) / stored).read_bytes()
    assert sniff_audio(data) == "mp3"
    assert data == outcome.results[item.key].data
    assert (media_dir(col) / desired).read_bytes() == squatter, "the other file is left alone"


def test_the_same_bytes_already_stored_keep_their_name(col: Collection) -> None:
    ids = add_basic(col, "apple")
    config = make_config(mode="overwrite")
    plan = plan_job(col, ids, config)
    outcome = generate_job(plan, ProviderRegistry(config), cancel=threading.Event())
    first = store_job(col, plan, outcome).report
    second = store_job(col, plan_job(col, ids, config), outcome).report
    assert first.media_files == second.media_files
    assert len(list(media_dir(col).iterdir())) == 1


def test_store_makes_one_undo_entry(col: Collection) -> None:
    ids = add_basic(col, "one", "two", "three")
    config = make_config()
    plan = plan_job(col, ids, config)
    outcome = generate_job(plan, ProviderRegistry(config), cancel=threading.Event())
    step = col.undo_status().last_step
    result = store_job(col, plan, outcome)
    assert result.changes.note
    assert col.undo_status().undo == UNDO_NAME
    assert col.undo_status().last_step == step + 1
    col.undo()
    assert [back(col, nid) for nid in ids] == ["", "", ""]


def test_a_note_edited_between_plan_and_store_is_skipped(col: Collection) -> None:
    ids = add_basic(col, "apple", "pear")
    config = make_config()
    plan = plan_job(col, ids, config)
    assert len(plan.to_generate) == 2

    note = col.get_note(NoteId(ids[0]))
    note["Back"] = "[sound:my_own_recording.mp3]"
    col.update_note(note)

    outcome = generate_job(plan, ProviderRegistry(config), cancel=threading.Event())
    report = store_job(col, plan, outcome).report
    assert back(col, ids[0]) == "[sound:my_own_recording.mp3]"
    assert back(col, ids[1]).startswith("[sound:mf_espeak_pear_")
    assert (report.filled, report.skipped, report.failed) == (1, 1, 0)
    assert report.skip_reasons == {"Back already has a sound": 1}
    assert report.notes_changed == 1


def test_a_note_deleted_between_plan_and_store_is_skipped(col: Collection) -> None:
    ids = add_basic(col, "apple", "pear")
    config = make_config()
    plan = plan_job(col, ids, config)
    col.remove_notes([NoteId(ids[0])])

    outcome = generate_job(plan, ProviderRegistry(config), cancel=threading.Event())
    report = store_job(col, plan, outcome).report
    assert (report.filled, report.skipped, report.failed) == (1, 1, 0)
    assert report.skip_reasons == {"note was deleted or changed while the job ran": 1}
    assert back(col, ids[1]).startswith("[sound:")
    assert col.find_notes(f"nid:{ids[0]}") == []


def test_a_note_whose_source_field_was_renamed_while_the_job_ran_is_skipped(col: Collection) -> None:
    ids = add_basic(col, "apple")
    config = make_config()
    plan = plan_job(col, ids, config)
    model = col.models.by_name("Basic")
    assert model is not None
    col.models.rename_field(model, col.models.field_map(model)["Front"][1], "Word")
    col.models.update_dict(model)

    outcome = generate_job(plan, ProviderRegistry(config), cancel=threading.Event())
    report = store_job(col, plan, outcome).report
    assert (report.filled, report.skipped) == (0, 1), "no sound for a text the note no longer has"
    assert report.skip_reasons == {"note was deleted or changed while the job ran": 1}
    assert back(col, ids[0]) == ""


def test_a_deleted_note_in_the_selection_is_passed_over(col: Collection) -> None:
    ids = add_basic(col, "apple", "pear")
    col.remove_notes([NoteId(ids[0])])
    plan = plan_job(col, ids, make_config())
    assert [t.note_id for t in plan.targets] == [ids[1]]


def test_cancelled_job_stores_what_was_done_and_counts_the_rest(col: Collection) -> None:
    words = ("one", "two", "three", "four", "five")
    ids = add_basic(col, *words)
    config = make_config(max_concurrency=1)  # one worker: exactly two items finish
    cancel = threading.Event()

    def on_progress(progress: JobProgress) -> None:
        if progress.done == 2:
            cancel.set()

    plan = plan_job(col, ids, config)
    outcome = generate_job(plan, ProviderRegistry(config), cancel=cancel, on_progress=on_progress)
    assert outcome.cancelled
    assert len(outcome.results) == 2
    result = store_job(col, plan, outcome)
    report = result.report
    assert report.cancelled
    assert (report.filled, report.not_started, report.failed, report.skipped) == (2, 3, 0, 0)
    assert report.exit_code == 1
    assert report.notes_changed == 2
    assert [back(col, nid).startswith("[sound:") for nid in ids] == [True, True, False, False, False]
    assert col.undo_status().undo == UNDO_NAME
    assert report.to_json()["not_started"] == 3
    assert "cancelled" in report.summary()


def test_failed_results_write_no_file_and_no_text(col: Collection) -> None:
    ids = add_basic(col, "apple")
    config = make_config(binary="/nonexistent/espeak-ng")
    plan = plan_job(col, ids, config)
    outcome = generate_job(plan, ProviderRegistry(config), cancel=threading.Event())
    step = col.undo_status().last_step
    result = store_job(col, plan, outcome)
    assert not result.changes.note, "nothing changed, so Anki has nothing to refresh"
    assert result.report.failed == 1
    assert back(col, ids[0]) == ""
    assert list(media_dir(col).iterdir()) == []
    assert col.undo_status().last_step == step


def test_bytes_that_are_not_audio_never_reach_the_media_folder(col: Collection) -> None:
    ids = add_basic(col, "apple")
    plan = plan_job(col, ids, make_config())
    (item,) = plan.unique_work()
    outcome = GenerationOutcome(
        results={
            item.key: MediaResult(
                request=item.request, provider="espeak", data=HTML_ERROR_PAGE, extension="mp3", mime_type="audio/mpeg"
            )
        }
    )
    report = store_job(col, plan, outcome).report
    assert list(media_dir(col).iterdir()) == []
    assert back(col, ids[0]) == ""
    assert report.failed == 1


def test_media_reference() -> None:
    assert media_reference(MediaKind.AUDIO, "a b.mp3") == "[sound:a b.mp3]"
    assert media_reference(MediaKind.IMAGE, 'x"y.png') == '<img src="x&quot;y.png">'


@pytest.mark.parametrize(
    ("current", "mode", "expected"),
    [
        ("", FillMode.SKIP, "[sound:n.mp3]"),
        ("  ", FillMode.APPEND, "[sound:n.mp3]"),
        ("text", FillMode.SKIP, "text [sound:n.mp3]"),
        ("[sound:o.mp3]", FillMode.APPEND, "[sound:o.mp3] [sound:n.mp3]"),
        ("[sound:o.mp3]", FillMode.OVERWRITE, "[sound:n.mp3]"),
    ],
)
def test_apply_mode(current: str, mode: FillMode, expected: str) -> None:
    assert apply_mode(current, "[sound:n.mp3]", mode) == expected


def test_a_note_changed_in_two_chunks_counts_once(col: Collection, mp3_bytes: bytes) -> None:
    """Image and audio of one note may arrive in different chunks: one note changed, not two."""
    (nid,) = add_basic(col, "apple")
    finished = []
    targets = []
    for field_name, language in (("Back", "en"), ("Front", "en-GB")):
        request = MediaRequest(kind=MediaKind.AUDIO, text="apple", language=language)
        work = WorkItem(request, ("espeak",))
        targets.append(Target(nid, field_name, MediaKind.AUDIO, FillMode.APPEND, work=work, source_text="apple"))
        result = MediaResult(request=request, provider="espeak", data=mp3_bytes, extension="mp3")
        finished.append(Finished(work, result))
    sync = CollectionSync(col)
    sync.begin(Plan(targets=targets))
    sync.store_chunk(finished[:1])
    sync.store_chunk(finished[1:])
    _, report = sync.finish(GenerationOutcome())
    assert (report.filled, report.notes_changed) == (2, 1)


CREDIT = Attribution(
    author='<b>Ann</b> "-->" <script>x</script>',
    license="CC BY-SA 4.0",
    source_url="https://commons.example/File:Apple.png",
    title="Apple",
)


def store_one_image(col: Collection, nid: int, *, attribution_field: str) -> None:
    request = MediaRequest(kind=MediaKind.IMAGE, text="apple", language="en")
    work = WorkItem(request, ("wikimedia",))
    target = Target(
        nid,
        "Back",
        MediaKind.IMAGE,
        FillMode.SKIP,
        work=work,
        source_text="apple",
        attribution_field=attribution_field,
    )
    result = MediaResult(request=request, provider="wikimedia", data=png_bytes(), extension="png", attribution=CREDIT)
    sync = CollectionSync(col)
    sync.begin(Plan(targets=[target]))
    sync.store_chunk([Finished(work, result)])
    sync.finish(GenerationOutcome())


def test_an_images_credit_goes_in_a_comment_after_it_that_nothing_can_close(col: Collection) -> None:
    (nid,) = add_basic(col, "apple")
    store_one_image(col, nid, attribution_field="")
    value = back(col, nid)
    image, _, comment = value.partition(">")
    assert image.startswith('<img src="mf_wikimedia_apple_')
    assert comment.startswith("<!-- ") and comment.endswith(" -->")
    inner = comment[len("<!-- ") : -len(" -->")]
    assert "--" not in inner and "<" not in inner and ">" not in inner, "the credit must not end the comment"
    assert "CC BY-SA 4.0" in inner and "https://commons.example/File:Apple.png" in inner


def test_an_images_credit_goes_in_the_attribution_field_escaped(col: Collection) -> None:
    (nid,) = add_basic(col, "apple")
    store_one_image(col, nid, attribution_field="Front")
    note = col.get_note(NoteId(nid))
    assert note["Back"].startswith("<img ") and "<!--" not in note["Back"]
    assert note["Front"].startswith("apple ")
    assert "&lt;script&gt;" in note["Front"] and "<script>" not in note["Front"]
    assert "CC BY-SA 4.0" in note["Front"]


def test_a_file_over_the_stores_size_limit_is_not_written(col: Collection) -> None:
    """`StoreOptions.max_media_bytes` is checked again at write time: the target fails, nothing is written."""
    (nid,) = add_basic(col, "apple")
    request = MediaRequest(kind=MediaKind.IMAGE, text="apple", language="en")
    work = WorkItem(request, ("wikimedia",))
    target = Target(nid, "Back", MediaKind.IMAGE, FillMode.SKIP, work=work, source_text="apple")
    data = png_bytes()
    result = MediaResult(request=request, provider="wikimedia", data=data, extension="png")
    sync = CollectionSync(col)
    sync.begin(Plan(targets=[target]), options=StoreOptions(max_media_bytes=len(data) - 1))
    sync.store_chunk([Finished(work, result)])
    _, report = sync.finish(GenerationOutcome())
    assert (report.filled, report.failed) == (0, 1)
    assert back(col, nid) == ""
    assert not any(media_dir(col).iterdir())
