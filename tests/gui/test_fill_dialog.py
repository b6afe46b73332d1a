"""The Fill Media dialog, the job and its report in the real Anki, against the OpenAI image and
speech fakes: two note types, rules set in the dialog, Preview that writes nothing, a job with a
forced failure, Retry failed once the fake recovers, one undo per job, and rules remembered."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aqt.qt import Qt

from addon.core.media.checks import sniff_audio, sniff_image
from devtools.sample_deck import DEMO_RULES, ENGLISH_TYPE, SPANISH_TYPE
from tests.fakes.openai_fake import TEST_KEY as IMAGE_KEY
from tests.fakes.openai_fake import safety_rejection, serve_openai, server_error
from tests.fakes.openai_tts_fake import TEST_KEY as SPEECH_KEY
from tests.fakes.openai_tts_fake import serve_openai_tts
from tests.support.harness import ADDON, open_fill_dialog, pump, set_addon_config, start_from_dialog, wait_for_plan

OpenBrowser = Callable[[list[int]], Any]
# The fakes answer at once; the shipped limits (5 pictures a minute) would only make the tests wait.
FAST = {"requests_per_minute": 6000, "retry_attempts": 0}


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[Any, Any]]:
    with serve_openai() as images, serve_openai_tts() as speech:
        yield images, speech


@pytest.fixture
def fake_config(fakes: tuple[Any, Any]) -> dict[str, Any]:
    images, speech = fakes
    images.reset()
    speech.reset()
    return {
        "rules": [],
        "providers": {
            "image": {"openai": {"enabled": True, "api_key": IMAGE_KEY, "base_url": images.url, **FAST}},
            "audio": {"openai_tts": {"enabled": True, "api_key": SPEECH_KEY, "base_url": speech.url, **FAST}},
        },
    }


def fields_of(mw: Any, note_ids: list[int]) -> dict[int, list[str]]:
    return {nid: list(mw.col.get_note(nid).fields) for nid in note_ids}


def media_names(mw: Any) -> set[str]:
    return {p.name for p in Path(mw.col.media.dir()).iterdir() if p.is_file()}


def wait_for_job(app: Any, job: Any, addon: ModuleType) -> Any:
    """Until the job is stored and its report window is up; returns the report window."""
    pump(app, lambda: not job.running, timeout=60, what="the Fill Media job")
    pump(app, lambda: job.mw._background_op_count == 0, what="background operations")
    window = addon.controller.report_window
    assert window is not None and window.isVisible(), "no report window after the job"
    return window


def choose_providers(dialog: Any, note_type: str, *, image: list[str], audio: list[str], language: str = "") -> None:
    """In the dialog, for ``note_type``: tick exactly ``image`` in its picture target and ``audio``
    in its sound target (in that order)."""
    dialog.select_note_type(note_type)
    form = dialog.rule_form
    for kind, wanted in (("image", image), ("audio", audio)):
        for field in target_fields(form, kind):
            picker = select_target(form, field).providers
            for row in range(picker.list.count()):
                name = picker.list.item(row).data(Qt.ItemDataRole.UserRole)
                picker.set_checked(name, name in wanted)
            for position, name in enumerate(wanted):
                picker.move_provider(name, to_row=position)
    if language:
        form.language.setText(language)
        form.language.textEdited.emit(language)


PICTURE, AUDIO = 2, 3  # field positions in both sample note types


def kinds() -> Any:
    """The loaded add-on's MediaKind (a class of its own, not ``addon.core.media.types``'s)."""
    return sys.modules[f"{ADDON}.core.media.types"].MediaKind


def select_field(combo: Any, name: str) -> None:
    """Choose ``name`` in one of the rule form's field pickers."""
    index = combo.findData(name)
    assert index >= 0, f"{combo.objectName()} offers no {name!r}"
    combo.setCurrentIndex(index)


def target_fields(form: Any, kind: str | None = None) -> list[str]:
    """The fields the rule form's targets (of ``kind``) fill, in order."""
    return [t["field"] for t in form.rule()["targets"] if kind is None or t["kind"] == kind]


def select_target(form: Any, field: str) -> Any:
    """Select the target that fills ``field``; returns the target editor showing it."""
    form.targets.setCurrentRow(target_fields(form).index(field))
    assert form.editor.field.currentData() == field
    return form.editor


def picker_of(form: Any, kind: str) -> Any:
    """The provider picker of the rule's (first) target of ``kind``."""
    return select_target(form, target_fields(form, kind)[0]).providers


def remove_targets(form: Any, kind: str | None = None) -> None:
    """Remove the rule's targets (of ``kind``) with the form's Remove button."""
    for field in target_fields(form, kind):
        select_target(form, field)
        form.remove_button.click()
    assert not target_fields(form, kind)


def add_target(form: Any, kind: str, *, field: str | None = None) -> Any:
    """Add a target of ``kind`` with the form's buttons (filling ``field`` when given); returns the
    target editor showing it."""
    (form.add_picture if kind == "image" else form.add_sound).click()
    editor = form.editor
    if field is not None:
        select_field(editor.field, field)
    return editor


def plan_rows(dialog: Any) -> dict[tuple[str, str], str]:
    """(note type, "field (kind)") → the plan's "To make" count."""
    table = dialog.plan_table
    return {
        (table.item(r, 0).text(), table.item(r, 1).text()): table.item(r, 2).text() for r in range(table.rowCount())
    }


def set_rules_for_both(app: Any, dialog: Any) -> None:
    assert dialog.note_types.count() == 2
    assert [dialog.note_types.item(i).text() for i in range(2)] == [f"{ENGLISH_TYPE} (3)", f"{SPANISH_TYPE} (3)"]
    dialog.select_note_type(SPANISH_TYPE)
    form = dialog.rule_form
    # Guessed from the field names, with the providers that are set up.
    targets = [(t["field"], t["kind"], t["source"]) for t in form.rule()["targets"]]
    assert targets == [("Imagen", "image", "{Palabra}"), ("Audio", "audio", "{Palabra}")]
    choose_providers(dialog, SPANISH_TYPE, image=["openai"], audio=["openai_tts"], language="es")
    choose_providers(dialog, ENGLISH_TYPE, image=["openai"], audio=["openai_tts"], language="en")
    wait_for_plan(app, dialog)
    assert plan_rows(dialog) == {
        (ENGLISH_TYPE, "Picture (picture)"): "3",
        (ENGLISH_TYPE, "Audio (sound)"): "3",
        (SPANISH_TYPE, "Imagen (picture)"): "3",
        (SPANISH_TYPE, "Audio (sound)"): "3",
    }
    cost = dialog.cost_label.text()
    assert "openai: 6 requests ≈ $0.24" in cost and "openai_tts: 6 requests" in cost and "no budget cap" in cost
    assert dialog.start_button.isEnabled()


def record_playing(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """What Anki's player is asked to play (the bytes of each file), instead of playing it."""
    played: list[bytes] = []
    player = sys.modules["aqt.sound"].av_player
    monkeypatch.setattr(player, "play_file", lambda path: played.append(Path(path).read_bytes()))
    return played


def run_preview(app: Any, dialog: Any, note_type: str) -> None:
    dialog.select_note_type(note_type)
    dialog.preview_button.click()
    pump(app, lambda: dialog.preview.result is not None and not dialog.preview.running, what="the preview")


def check_filled(mw: Any, after: dict[int, list[str]], *, failed_note: int) -> None:
    """Every note has its sound; every note but ``failed_note`` has a real picture; the failed
    field holds no error text."""
    assert after[failed_note][PICTURE] == "", "a failure wrote text into the field"
    for nid, values in after.items():
        assert values[AUDIO].startswith("[sound:"), f"note {nid} has no sound"
        if nid != failed_note:
            name = values[PICTURE].split('src="')[1].split('"')[0]
            assert sniff_image((Path(mw.col.media.dir()) / name).read_bytes()) is not None


def test_two_note_types_preview_start_failure_retry_and_undo(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    sample_notes: dict[str, list[int]],
    open_browser: OpenBrowser,
    fakes: tuple[Any, Any],
    fake_config: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    images, speech = fakes
    set_addon_config(mw, fake_config)
    notes = sample_notes[ENGLISH_TYPE][:3] + sample_notes[SPANISH_TYPE][:3]
    before, media_before = fields_of(mw, notes), media_names(mw)
    browser = open_browser(notes)
    dialog = open_fill_dialog(anki_app, browser, addon)
    set_rules_for_both(anki_app, dialog)

    # Preview: the first English note's picture and sound, shown and played, nothing written.
    played = record_playing(monkeypatch)
    run_preview(anki_app, dialog, ENGLISH_TYPE)
    assert not dialog.preview_panel.image.pixmap().isNull(), dialog.preview_panel.status.text()
    assert len(played) == 1 and sniff_audio(played[0]) == "mp3"
    assert dialog.preview_panel.play_button.isEnabled() and "apple" in dialog.preview_panel.status.text()
    assert len(images.generation_requests()) == 1 and len(speech.speech_requests()) == 1
    assert fields_of(mw, notes) == before and media_names(mw) == media_before, "Preview wrote something"

    # Start, with the image server refusing one picture.
    images.reset()
    speech.reset()
    images.fail(safety_rejection(), times=1)
    job = start_from_dialog(anki_app, dialog, addon)
    report_window = wait_for_job(anki_app, job, addon)
    report = job.report
    assert (report.filled, report.failed, report.skipped) == (11, 1, 0), report.to_json()
    assert len(images.generation_requests()) == 6 and len(speech.speech_requests()) == 6
    failed = report.errors[0]
    assert failed.provider == "openai" and failed.field in ("Picture", "Imagen")
    assert report_window.table.rowCount() == 1 and "safety" in report_window.table.item(0, 3).text().lower()
    after = fields_of(mw, notes)
    check_filled(mw, after, failed_note=failed.note_id)
    assert mw.col.undo_status().undo == "Fill Media"

    # Show in Browser: the Browser lists the failed note alone.
    report_window.show_in_browser_button.click()
    pump(anki_app, lambda: browser.table.len() == 1, what="the Browser to show the failed note")
    browser.table.select_all()
    assert list(browser.table.get_selected_note_ids()) == [failed.note_id]
    # Back to all the notes, several selected: the Browser's editor holds no note, so it cannot
    # save a stale copy of one before an undo (Anki's editor saves its note first).
    browser.search_for("nid:" + ",".join(map(str, notes)))
    browser.table.select_all()
    pump(anki_app, lambda: browser.editor.note is None, what="the editor to let go of its note")

    # Retry failed: the fake has recovered; only the failed picture is asked for again.
    images.reset()
    speech.reset()
    report_window.retry_button.click()
    pump(anki_app, lambda: addon.controller.job is not None, what="the retry to start")
    retry = addon.controller.job
    wait_for_job(anki_app, retry, addon)
    assert (retry.report.filled, retry.report.failed) == (1, 0), retry.report.to_json()
    assert len(images.generation_requests()) == 1 and not speech.speech_requests()
    assert 'src="' in fields_of(mw, [failed.note_id])[failed.note_id][PICTURE]

    # One undo reverts the retry job, the next one the whole first job.
    browser.form.actionUndo.trigger()
    pump(anki_app, lambda: fields_of(mw, [failed.note_id])[failed.note_id][PICTURE] == "", what="undo the retry")
    assert fields_of(mw, notes) == after
    browser.form.actionUndo.trigger()
    pump(anki_app, lambda: fields_of(mw, notes) == before, what="undo the job")


def test_rules_are_remembered_per_note_type(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    sample_notes: dict[str, list[int]],
    open_browser: OpenBrowser,
    fake_config: dict[str, Any],
) -> None:
    set_addon_config(mw, fake_config)
    browser = open_browser(sample_notes[ENGLISH_TYPE][:3] + sample_notes[SPANISH_TYPE][:3])
    dialog = open_fill_dialog(anki_app, browser, addon)
    set_rules_for_both(anki_app, dialog)
    dialog.select_note_type(ENGLISH_TYPE)
    select_target(dialog.rule_form, "Picture").prompt.setText("a photo of {text}")
    job = start_from_dialog(anki_app, dialog, addon)
    wait_for_job(anki_app, job, addon)

    saved = {rule["note_type"]: rule for rule in mw.addonManager.getConfig(ADDON)["rules"]}
    assert saved[SPANISH_TYPE]["language"] == "es"
    assert saved[SPANISH_TYPE]["targets"][0] == {
        "field": "Imagen", "kind": "image", "source": "{Palabra}", "providers": ["openai"]
    }  # fmt: skip
    assert saved[ENGLISH_TYPE]["targets"][1]["providers"] == ["openai_tts"]
    assert saved[ENGLISH_TYPE]["targets"][0]["prompt"] == "a photo of {text}"
    assert not {"source_field", "image_field", "audio_field"} & {key for rule in saved.values() for key in rule}, (
        "the dialog saves the targets shape"
    )

    again = open_fill_dialog(anki_app, browser, addon)
    again.select_note_type(SPANISH_TYPE)
    assert again.rule_form.language.text() == "es"
    assert picker_of(again.rule_form, "audio").chosen() == ["openai_tts"]
    again.select_note_type(ENGLISH_TYPE)
    assert select_target(again.rule_form, "Picture").prompt.text() == "a photo of {text}"
    assert plan_rows(again) == {(t, f): "0" for t, f in plan_rows(again)}, "a second run would make nothing"
    assert not again.start_button.isEnabled() and "Nothing to fill" in again.problems_label.text()
    again.reject()


def test_start_is_disabled_with_the_reason_and_a_link_to_the_provider_settings(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    sample_notes: dict[str, list[int]],
    open_browser: OpenBrowser,
    fake_config: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    image_settings = fake_config["providers"]["image"]["openai"]
    set_addon_config(
        mw, {**fake_config, "providers": {"audio": fake_config["providers"]["audio"]}, "budget_usd": 0.0001}
    )
    browser = open_browser(sample_notes[ENGLISH_TYPE][:3])
    dialog = open_fill_dialog(anki_app, browser, addon)
    form = dialog.rule_form
    assert target_fields(form, "image") == ["Picture"], "the picture target is guessed even with pictures off"
    assert not dialog.start_button.isEnabled()
    offer = dialog.problems_label.text()
    assert "no picture provider is ticked" in offer and 'href="enable:image:wikimedia"' in offer, offer
    assert "commons.wikimedia.org" in offer and 'href="enable:image:openverse"' in offer, offer
    remove_targets(form, "image")
    wait_for_plan(anki_app, dialog)
    assert dialog.start_button.isEnabled(), dialog.problems_label.text()
    assert (
        "≈ $0.0006" in dialog.cost_label.text()
        and "budget cap $0.0001" in dialog.cost_label.text()
        and "over the budget" in dialog.cost_label.text()
    )

    assert add_target(form, "image").field.currentData() == "Picture", "a new picture target takes Picture"
    assert not dialog.start_button.isEnabled()
    assert "no picture provider is ticked" in dialog.problems_label.text()

    picker_of(form, "image").set_checked("openai", True)
    assert not dialog.start_button.isEnabled()
    reason = dialog.problems_label.text()
    assert "openai is disabled in the settings" in reason and 'href="settings:image:openai"' in reason
    opened: list[Any] = []
    monkeypatch.setattr(addon.controller, "open_settings", lambda *, focus=None: opened.append(focus))
    dialog.problems_label.linkActivated.emit("settings:image:openai")
    assert opened == [(kinds().IMAGE, "openai", "")]  # the page, no field

    # The user sets openai up in the settings and saves: the dialog follows at once.
    wait_for_plan(anki_app, dialog)
    assert not dialog.start_button.isEnabled()
    saved = {**fake_config, "providers": {**fake_config["providers"], "image": {"openai": image_settings}}}
    set_addon_config(mw, saved)
    addon.controller._settings_saved(addon.controller._load_config(mw)[0])
    wait_for_plan(anki_app, dialog)
    assert dialog.start_button.isEnabled(), dialog.problems_label.text()
    assert picker_of(form, "image").chosen() == ["openai"]

    remove_targets(form)
    assert not dialog.start_button.isEnabled()
    assert "Add a sound or a picture to the rule" in dialog.problems_label.text()
    add_target(form, "audio", field="Front")
    assert "a field cannot be read to fill itself" in dialog.problems_label.text()
    dialog.reject()


def test_a_preview_that_fails_says_why_and_writes_nothing(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    sample_notes: dict[str, list[int]],
    open_browser: OpenBrowser,
    fakes: tuple[Any, Any],
    fake_config: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    images, _speech = fakes
    set_addon_config(mw, fake_config)
    notes = sample_notes[ENGLISH_TYPE][:2]
    before, media_before = fields_of(mw, notes), media_names(mw)
    browser = open_browser(notes)
    dialog = open_fill_dialog(anki_app, browser, addon)
    choose_providers(dialog, ENGLISH_TYPE, image=["openai"], audio=["openai_tts"])
    played = record_playing(monkeypatch)
    images.fail(server_error(500), times=5)

    run_preview(anki_app, dialog, ENGLISH_TYPE)

    assert dialog.preview_panel.image.pixmap().isNull()
    status = dialog.preview_panel.status.text()
    assert "no picture: openai:" in status and "500" in status, status
    assert "openai: openai:" not in status, "the provider is named once"
    assert len(played) == 1, "the sound that was made is still played"
    assert fields_of(mw, notes) == before and media_names(mw) == media_before
    dialog.reject()


def test_a_wildcard_rule_starts_each_note_type_with_its_own_fields(
    mw: Any, anki_app: Any, addon: ModuleType, sample_notes: dict[str, list[int]], open_browser: OpenBrowser
) -> None:
    """The demo's saved rules and the shipped "*" rule (Front → Audio): a note type without a
    Front field gets no source from it, and the plan says which note types are left alone."""
    set_addon_config(mw, {"rules": [DEMO_RULES[1], {**DEMO_RULES[1], "note_type": "*"}]})
    browser = open_browser(sample_notes[ENGLISH_TYPE][:2] + sample_notes[SPANISH_TYPE][:2])
    dialog = open_fill_dialog(anki_app, browser, addon)
    dialog.select_note_type(SPANISH_TYPE)
    assert {t["source"] for t in dialog.rule_form.rule()["targets"]} == {"{Palabra}"}, (
        "guessed: the note type has no Front"
    )
    remove_targets(dialog.rule_form)
    wait_for_plan(anki_app, dialog)
    rows = plan_rows(dialog)
    assert rows[(ENGLISH_TYPE, "Audio (sound)")] == "2"
    assert rows[(SPANISH_TYPE, "left alone: its rule fills no field")] == "0"
    assert dialog.start_button.isEnabled()
    dialog.reject()


def test_preview_uses_the_first_selected_note_with_words(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    sample_notes: dict[str, list[int]],
    open_browser: OpenBrowser,
    fakes: tuple[Any, Any],
    fake_config: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    images, speech = fakes
    set_addon_config(mw, fake_config)
    notes = sample_notes[ENGLISH_TYPE][:3]
    empty = mw.col.get_note(notes[0])
    empty["Front"] = "<br>&nbsp;"
    mw.col.update_note(empty)
    browser = open_browser(notes)
    dialog = open_fill_dialog(anki_app, browser, addon)
    choose_providers(dialog, ENGLISH_TYPE, image=["openai"], audio=["openai_tts"])
    record_playing(monkeypatch)

    run_preview(anki_app, dialog, ENGLISH_TYPE)

    assert dialog.preview.result.note_id == notes[1]
    assert "library" in dialog.preview_panel.status.text()
    assert [json.loads(r.body)["prompt"] for r in images.generation_requests()] == ["library"]
    assert [json.loads(r.body)["input"] for r in speech.speech_requests()] == ["library"]
    dialog.reject()


def test_pictures_off_are_offered_in_one_click_with_what_is_sent_where(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    sample_notes: dict[str, list[int]],
    open_browser: OpenBrowser,
    fake_config: dict[str, Any],
) -> None:
    """A new user: only a sound provider is on. The Picture field is guessed; one click on the
    offer turns Wikimedia Commons on in the saved settings and ticks it, and Start is enabled."""
    set_addon_config(mw, {**fake_config, "providers": {"audio": fake_config["providers"]["audio"]}})
    browser = open_browser(sample_notes[ENGLISH_TYPE][:2] + sample_notes[SPANISH_TYPE][:1])
    dialog = open_fill_dialog(anki_app, browser, addon)
    form = dialog.rule_form
    dialog.select_note_type(ENGLISH_TYPE)
    assert target_fields(form, "image") == ["Picture"]
    assert not dialog.start_button.isEnabled()
    offer = dialog.problems_label.text()
    assert offer.count('href="enable:image:wikimedia"') == 1, "the offer once, for both note types"

    settings = addon.controller.open_settings()  # open meanwhile: its Save must not turn it off again
    dialog.problems_label.linkActivated.emit("enable:image:wikimedia")
    wait_for_plan(anki_app, dialog)
    assert settings.fields["image.wikimedia.enabled"].editor.read() is True
    assert not settings.has_unsaved_changes(), "closing the window asks nothing about the switch"
    settings.reject()

    saved = addon.controller._load_config(mw)[0]
    assert saved["providers"]["image"]["wikimedia"]["enabled"] is True
    assert saved["providers"]["image"]["openverse"]["enabled"] is False, "only the chosen one is turned on"
    assert picker_of(form, "image").chosen() == ["wikimedia"]
    assert dialog.start_button.isEnabled(), dialog.problems_label.text()
    assert "enable:" not in dialog.problems_label.text()
    rows = plan_rows(dialog)
    assert rows[(ENGLISH_TYPE, "Picture (picture)")] == "2"
    assert rows[(SPANISH_TYPE, "Imagen (picture)")] == "1", "every note type's picture field got it ticked"
    dialog.reject()


def test_preview_is_off_with_the_reason_when_the_rule_fills_nothing(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    sample_notes: dict[str, list[int]],
    open_browser: OpenBrowser,
    fake_config: dict[str, Any],
) -> None:
    set_addon_config(mw, fake_config)
    browser = open_browser(sample_notes[ENGLISH_TYPE][:2])
    dialog = open_fill_dialog(anki_app, browser, addon)
    remove_targets(dialog.rule_form)
    wait_for_plan(anki_app, dialog)
    assert not dialog.preview_button.isEnabled()
    assert "this rule fills no field" in dialog.preview_button.toolTip()
    assert "this rule fills no field" in dialog.preview_panel.status.text()
    assert add_target(dialog.rule_form, "audio").field.currentData() == "Audio"
    wait_for_plan(anki_app, dialog)
    assert dialog.preview_button.isEnabled()
    assert "writes nothing" in dialog.preview_panel.status.text()
    dialog.reject()


def test_preview_prefers_a_note_with_empty_fields_and_speaks_only_of_what_the_rule_fills(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    sample_notes: dict[str, list[int]],
    open_browser: OpenBrowser,
    fakes: tuple[Any, Any],
    fake_config: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _images, speech = fakes
    set_addon_config(mw, fake_config)
    notes = sample_notes[ENGLISH_TYPE][:3]
    filled = mw.col.get_note(notes[0])
    filled["Audio"] = "[sound:mine.mp3]"
    mw.col.update_note(filled)
    browser = open_browser(notes)
    dialog = open_fill_dialog(anki_app, browser, addon)
    choose_providers(dialog, ENGLISH_TYPE, image=[], audio=["openai_tts"])
    remove_targets(dialog.rule_form, "image")
    record_playing(monkeypatch)
    speech.fail(server_error(500), times=5)

    run_preview(anki_app, dialog, ENGLISH_TYPE)

    assert dialog.preview.result.note_id == notes[1], "the first note's sound is filled: the next one is used"
    status = dialog.preview_panel.status.text()
    assert "no sound: openai_tts:" in status and "openai_tts: openai_tts:" not in status, status
    assert "picture" not in status.lower(), "the rule fills no picture, so the preview says nothing of one"

    # Every selected note filled: the preview says it shows what replacing would make.
    for nid in notes:
        note = mw.col.get_note(nid)
        note["Audio"] = "[sound:mine.mp3]"
        mw.col.update_note(note)
    speech.reset()
    run_preview(anki_app, dialog, ENGLISH_TYPE)
    assert dialog.preview.result.note_id == notes[0]
    assert "Audio is filled already" in dialog.preview_panel.status.text()
    dialog.reject()


def test_a_setup_problem_names_the_setting_by_its_label_and_links_to_the_field(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    sample_notes: dict[str, list[int]],
    open_browser: OpenBrowser,
    fake_config: dict[str, Any],
) -> None:
    keyless = {**fake_config["providers"]["image"]["openai"], "api_key": ""}
    set_addon_config(mw, {**fake_config, "providers": {**fake_config["providers"], "image": {"openai": keyless}}})
    dialog = open_fill_dialog(anki_app, open_browser(sample_notes[ENGLISH_TYPE][:2]), addon)
    picker_of(dialog.rule_form, "image").set_checked("openai", True)
    reason = dialog.problems_label.text()
    link = '<a href="settings:image:openai:api_key">OpenAI (pictures) → API key</a>'
    assert link in reason and "providers.image.openai" not in reason, reason
    assert '<a href="settings:image:openai">set up OpenAI (pictures)…</a>' in reason, reason
    dialog.problems_label.linkActivated.emit("settings:image:openai:api_key")
    settings = sys.modules[f"{ADDON}.ui.settings.dialog"].find_open_settings(mw)
    try:
        assert settings is not None, "the link opened no settings window"
        assert settings.kind_pages[kinds().IMAGE].current_page().info.name == "openai"
        assert settings.focusWidget() is settings.fields["image.openai.api_key"].editor.input
    finally:
        if settings is not None:
            settings.reject()
        dialog.reject()
