"""The Browser's Fill Media action in the real Anki: menus, a full job, undo, cancel, quitting."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aqt.qt import QAction, QKeySequence, QMenu, QPoint, QShortcut, QTimer

from addon.core.media.checks import sniff_audio
from devtools.sample_deck import DEMO_RULES, ENGLISH_TYPE, SPANISH_TYPE
from tests.support.harness import UiProblems, open_fill_dialog, pump, set_addon_config, start_from_dialog

OpenBrowser = Callable[[list[int]], Any]


def fill_action(browser: Any) -> QAction:
    action = browser.findChild(QAction, "media_fill_action")
    assert isinstance(action, QAction), "Notes → Fill Media… is missing"
    return action


def start_job(app: Any, browser: Any, addon: ModuleType, *, progress_at_least: int = 0) -> Any:
    """Notes → Fill Media…, Start in the dialog, and wait until the job window shows
    ``progress_at_least``."""
    job = start_from_dialog(app, open_fill_dialog(app, browser, addon), addon)
    if progress_at_least:

        def shown() -> bool:
            window = job.progress_window
            return window is not None and window.bar.value() >= progress_at_least

        pump(app, shown, what="progress")
    return job


def wait_for_end(app: Any, job: Any) -> None:
    """Until the job has stored its results and Anki has no operation running."""
    pump(app, lambda: not job.running, timeout=60, what="the Fill Media job")
    pump(app, lambda: job.mw._background_op_count == 0, what="background operations")


def run_job(app: Any, browser: Any, addon: ModuleType) -> Any:
    """Trigger Notes → Fill Media… and wait until the job has stored its results."""
    job = start_job(app, browser, addon)
    wait_for_end(app, job)
    return job


def slow_config(slow_espeak: Path) -> dict[str, Any]:
    """The demo rules with espeak slowed down and one request at a time."""
    espeak = {"binary": str(slow_espeak), "max_concurrency": 1}
    return {"rules": DEMO_RULES, "providers": {"audio": {"espeak": espeak}}}


def audio_field_files(mw: Any, note_ids: list[int]) -> dict[int, str]:
    """note id → the file named by the note's [sound:…] tag ('' when none)."""
    out = {}
    for note_id in note_ids:
        value = mw.col.get_note(note_id)["Audio"]
        out[note_id] = value.removeprefix("[sound:").removesuffix("]") if value.startswith("[sound:") else ""
    return out


def test_menu_entry_shortcut_and_context_menu(
    mw: Any, addon: ModuleType, sample_notes: dict[str, list[int]], open_browser: OpenBrowser, monkeypatch: Any
) -> None:
    browser = open_browser(sample_notes[ENGLISH_TYPE][:2])
    action = fill_action(browser)
    assert action in browser.form.menu_Notes.actions()
    assert action.text() == "Fill Media…"
    assert action.shortcut() == QKeySequence("Ctrl+Alt+M")
    others = [a for a in browser.findChildren(QAction) if a is not action and not a.shortcut().isEmpty()]
    others_keys = {a.shortcut().toString() for a in others}
    others_keys |= {s.key().toString() for s in browser.findChildren(QShortcut)}
    assert action.shortcut().toString() not in others_keys, "the shortcut is already used in the Browser"

    shown: list[QMenu] = []
    monkeypatch.setattr(QMenu, "exec", lambda menu, *args: shown.append(menu))
    for notes_mode in (False, True):
        if browser.table.is_notes_mode() != notes_mode:
            browser.on_table_state_changed(notes_mode)
        browser.table._on_context_menu(QPoint(0, 0))
        top_level = shown[-1].actions()
        assert top_level.count(action) == 1, f"context menu (notes mode={notes_mode}) lacks Fill Media… or has it twice"
    browser.on_table_state_changed(False)


def plan_in_parts_of(monkeypatch: Any, addon: ModuleType, part_notes: int | None) -> None:
    """Jobs plan ``part_notes`` notes at a time (None: the add-on's own part size)."""
    if part_notes is not None:
        monkeypatch.setattr(sys.modules[f"{addon.__name__}.core.engine.job_parts"], "PART_NOTES", part_notes)


@pytest.mark.parametrize("part_notes", [None, 2], ids=["one-part", "parts-of-2"])
def test_fill_five_notes_then_one_undo_restores_them(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    sample_notes: dict[str, list[int]],
    open_browser: OpenBrowser,
    monkeypatch: Any,
    part_notes: int | None,
) -> None:
    plan_in_parts_of(monkeypatch, addon, part_notes)
    five = sample_notes[ENGLISH_TYPE][:3] + sample_notes[SPANISH_TYPE][:2]
    before = {nid: list(mw.col.get_note(nid).fields) for nid in five}
    browser = open_browser(five)

    job = run_job(anki_app, browser, addon)

    assert job.report is not None and job.error is None
    assert (job.report.filled, job.report.failed, job.report.skipped) == (5, 0, 0)
    assert set(job.note_labels()) == set(five), "the report has every part's notes"
    media_dir = Path(mw.col.media.dir())
    for note_id, name in audio_field_files(mw, five).items():
        assert name, f"note {note_id} has no sound tag"
        data = (media_dir / name).read_bytes()
        assert sniff_audio(data) == "mp3", f"{name} is not MP3 audio"
    assert mw.col.undo_status().undo == "Fill Media"
    assert browser.form.actionUndo.text().replace("\u2068", "").replace("\u2069", "") == "Undo Fill Media"

    browser.form.actionUndo.trigger()
    pump(anki_app, lambda: all(list(mw.col.get_note(n).fields) == before[n] for n in five), what="undo")
    assert mw.col.undo_status().undo != "Fill Media"


@pytest.mark.parametrize("part_notes", [None, 3], ids=["one-part", "parts-of-3"])
def test_cancel_mid_job_keeps_what_was_done(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    sample_notes: dict[str, list[int]],
    open_browser: OpenBrowser,
    slow_espeak: Path,
    monkeypatch: Any,
    part_notes: int | None,
) -> None:
    plan_in_parts_of(monkeypatch, addon, part_notes)
    set_addon_config(mw, slow_config(slow_espeak))
    notes = sample_notes[ENGLISH_TYPE]
    media_dir = Path(mw.col.media.dir())
    files_before = set(media_dir.iterdir())
    browser = open_browser(notes)
    job = start_job(anki_app, browser, addon, progress_at_least=2)
    # Anki stays usable: the main loop runs other work while the job is going on.
    ticked: list[bool] = []
    QTimer.singleShot(0, lambda: ticked.append(job.running))
    pump(anki_app, lambda: bool(ticked), what="a timer during the job")
    assert ticked == [True]

    job.progress_window.cancel_button.click()
    wait_for_end(anki_app, job)

    report = job.report
    assert report is not None and report.cancelled
    assert 2 <= report.filled < len(notes)
    assert report.not_started == len(notes) - report.filled
    files = audio_field_files(mw, notes)
    filled = {n: f for n, f in files.items() if f}
    assert len(filled) == report.filled
    new_files = set(media_dir.iterdir()) - files_before
    assert {p.name for p in new_files} == set(filled.values()), "a partial or orphan file was left"
    assert all(sniff_audio(p.read_bytes()) == "mp3" for p in new_files)
    assert not job.progress_window.isVisible()

    # Anki and the add-on remain usable: a second job fills the rest.
    set_addon_config(mw, {"rules": DEMO_RULES})
    second = run_job(anki_app, browser, addon)
    assert second.report.filled == len(notes) - report.filled
    assert all(audio_field_files(mw, notes).values())


def test_profile_closing_mid_job_saves_what_was_made(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    sample_notes: dict[str, list[int]],
    open_browser: OpenBrowser,
    slow_espeak: Path,
) -> None:
    set_addon_config(mw, slow_config(slow_espeak))
    notes = sample_notes[SPANISH_TYPE][:8]
    browser = open_browser(notes)
    controller = addon.controller
    job = start_job(anki_app, browser, addon, progress_at_least=1)

    controller.on_profile_will_close()  # what Anki calls first when the user quits

    assert not job.running and controller.job is None
    report = job.report
    assert report is not None and report.cancelled and 1 <= report.filled < len(notes)
    assert sum(1 for f in audio_field_files(mw, notes).values() if f) == report.filled
    pump(anki_app, lambda: mw._background_op_count == 0, what="background operations")


def test_bad_config_is_reported_and_nothing_changes(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    sample_notes: dict[str, list[int]],
    open_browser: OpenBrowser,
    ui_problems: UiProblems,
) -> None:
    set_addon_config(mw, {"rules": [{**DEMO_RULES[0], "mode": "sometimes"}]})
    notes = sample_notes[ENGLISH_TYPE][:3]
    before = {nid: list(mw.col.get_note(nid).fields) for nid in notes}
    browser = open_browser(notes)
    addon.controller.fill_dialog = None

    fill_action(browser).trigger()

    assert addon.controller.job is None and addon.controller.fill_dialog is None
    warnings = ui_problems.take()
    assert len(warnings) == 1 and "rules[0].mode" in warnings[0] and "sometimes" in warnings[0]
    assert {nid: list(mw.col.get_note(nid).fields) for nid in notes} == before


def test_one_job_at_a_time_and_closing_the_browser_mid_job(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    sample_notes: dict[str, list[int]],
    open_browser: OpenBrowser,
    slow_espeak: Path,
) -> None:
    set_addon_config(mw, slow_config(slow_espeak))
    notes = sample_notes[ENGLISH_TYPE][:6]
    browser = open_browser(notes)
    controller = addon.controller
    job = start_job(anki_app, browser, addon, progress_at_least=1)

    controller.fill_dialog = None
    controller.fill_selected(browser)
    assert controller.fill_dialog is None, "the dialog opened while a job was running"
    assert controller.job is job

    browser.close()  # the progress window goes with the Browser; the job carries on
    wait_for_end(anki_app, job)
    assert job.report is not None and job.report.filled == len(notes) and not job.report.cancelled
    assert all(audio_field_files(mw, notes).values())


def test_a_paused_provider_stays_paused_across_jobs_and_the_log_has_trace_ids(
    anki_app: Any,
    mw: Any,
    addon: ModuleType,
    sample_notes: dict[str, list[int]],
    open_browser: OpenBrowser,
    tmp_path: Path,
) -> None:
    """The controller keeps one registry, so a provider's circuit breaker outlives the job that
    opened it; every job writes its trace id on each line of user_files/media_fill.log."""
    broken = tmp_path / "espeak-ng"  # found (a missing one would refuse the job), but every call fails
    broken.write_text("#!/bin/sh\necho 'espeak-ng: broken install' >&2\nexit 3\n", encoding="utf-8")
    broken.chmod(0o755)
    config = {
        "rules": DEMO_RULES,
        "providers": {"audio": {"espeak": {"binary": str(broken), "max_concurrency": 1}}},
        "circuit_breaker": {"failure_threshold": 1, "cooldown_s": 600},
    }
    set_addon_config(mw, config)
    browser = open_browser(sample_notes[ENGLISH_TYPE][:3])
    first = run_job(anki_app, browser, addon)
    assert first.report is not None and first.report.failed == 3
    assert any("failed (exit 3): espeak-ng: broken install" in e.message for e in first.report.errors)
    registry = addon.controller.registry

    second = run_job(anki_app, browser, addon)
    assert addon.controller.registry is registry, "one registry across jobs"
    assert second.report is not None and second.report.failed == 3
    assert {e.message for e in second.report.errors} == {
        "paused after 1 failure; tried again in 10 min (or reset it in the settings)"
    }

    log_file = Path(mw.addonManager.addonsFolder("media_fill")) / "user_files" / "media_fill.log"
    lines = log_file.read_text(encoding="utf-8").splitlines()
    traces = {first.report.trace_id, second.report.trace_id}
    assert len(traces) == 2 and "" not in traces
    for trace in traces:
        assert any(f"[{trace}]" in line and "job starts" in line for line in lines)
