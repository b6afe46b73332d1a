"""The Fill Media dialog in the real Anki when espeak-ng is missing (issue 18, item 3): found when
the plan is made, like a missing key. With espeak the only sound provider, Start is disabled with
the reason and a link to espeak's settings page; with a working provider after it in the rule,
Start is enabled, the plan counts that provider's requests, and the job's sound comes from it.
Item 8: the report of a job without failures shows the filled notes in the Browser."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aqt.qt import QLabel, Qt

from devtools.sample_deck import ENGLISH_TYPE
from tests.gui.test_fill_dialog import (  # noqa: F401 (fixtures)
    AUDIO,
    OpenBrowser,
    choose_providers,
    fake_config,
    fakes,
    fields_of,
    kinds,
    media_names,
    picker_of,
    plan_rows,
    remove_targets,
    target_fields,
    wait_for_job,
)
from tests.support.harness import open_fill_dialog, pump, set_addon_config, start_from_dialog, wait_for_plan


@pytest.mark.parametrize("how", ["binary setting", "PATH"])
def test_a_missing_program_disables_start_with_a_link_unless_the_next_provider_can_run(
    mw: Any,
    anki_app: Any,
    addon: ModuleType,
    sample_notes: dict[str, list[int]],
    open_browser: OpenBrowser,
    fakes: tuple[Any, Any],  # noqa: F811
    fake_config: dict[str, Any],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    how: str,
) -> None:
    _images, speech = fakes
    espeak: dict[str, Any] = {}
    if how == "binary setting":
        espeak["binary"] = str(tmp_path / "nowhere" / "espeak-ng")
    else:
        (tmp_path / "empty-bin").mkdir()
        monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    audio = {**fake_config["providers"]["audio"], "espeak": espeak}
    set_addon_config(mw, {**fake_config, "providers": {"audio": audio}})
    notes = sample_notes[ENGLISH_TYPE][:3]
    before, media_before = fields_of(mw, notes), media_names(mw)
    browser = open_browser(notes)
    dialog = open_fill_dialog(anki_app, browser, addon)
    remove_targets(dialog.rule_form, "image")
    assert target_fields(dialog.rule_form) == ["Audio"]

    # espeak alone: it cannot run, so Start is off, saying why, with a link to its settings.
    check_blocked_by_espeak(anki_app, dialog, addon, monkeypatch, how=how)

    # espeak, then openai_tts: the next provider makes the sound; Start is on.
    choose_providers(dialog, ENGLISH_TYPE, image=[], audio=["espeak", "openai_tts"])
    wait_for_plan(anki_app, dialog)
    assert dialog.start_button.isEnabled(), dialog.problems_label.text()
    cost = dialog.cost_label.text()
    assert "openai_tts: 3 requests" in cost and "espeak" not in cost, cost
    assert plan_rows(dialog)[(ENGLISH_TYPE, "Audio (sound)")] == "3"
    passed_over = dialog.problems_label.text()
    assert "espeak cannot run" in passed_over and "the next ticked provider makes its sounds" in passed_over
    assert fields_of(mw, notes) == before and media_names(mw) == media_before, "planning wrote something"

    job = start_from_dialog(anki_app, dialog, addon)
    report_window = wait_for_job(anki_app, job, addon)
    report = job.report
    assert (report.filled, report.failed) == (3, 0), report.to_json()
    assert len(speech.speech_requests()) == 3
    assert "espeak" in report.provider_problems
    assert all(values[AUDIO].startswith("[sound:") for values in fields_of(mw, notes).values())

    # Item 8: nothing failed, so Show in Browser shows the notes the job filled.
    check_show_in_browser_shows_the_filled_notes(anki_app, browser, report_window, notes)
    check_report_links_open_the_settings(report_window, addon, monkeypatch)
    report_window.close()


def check_report_links_open_the_settings(
    report_window: Any, addon: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18, item 5: the report names espeak's setting by its label, as a link the controller
    opens the settings window at."""
    not_used = report_window.findChild(QLabel, "providers_not_used")
    assert isinstance(not_used, QLabel)
    text = not_used.text()
    assert "eSpeak NG was not used" in text and '<a href="settings:audio:espeak:binary">' in text, text
    opened: list[Any] = []
    monkeypatch.setattr(addon.controller, "open_settings", lambda *, focus=None: opened.append(focus))
    not_used.linkActivated.emit("settings:audio:espeak:binary")
    assert opened == [(kinds().AUDIO, "espeak", "binary")]


def check_blocked_by_espeak(
    anki_app: Any, dialog: Any, addon: ModuleType, monkeypatch: pytest.MonkeyPatch, *, how: str
) -> None:
    """With espeak alone in the rule: Start is off, the reason names the fix and links to espeak's
    settings page, the plan promises espeak nothing, and the picker marks it."""
    form = dialog.rule_form
    choose_providers(dialog, ENGLISH_TYPE, image=[], audio=["espeak"])
    wait_for_plan(anki_app, dialog)
    assert not dialog.start_button.isEnabled()
    reason = dialog.problems_label.text()
    assert "espeak cannot run" in reason and 'href="settings:audio:espeak"' in reason, reason
    if how == "binary setting":
        assert "does not exist or cannot be run" in reason
    else:
        assert "espeak-ng is not installed" in reason
    assert "espeak:" not in dialog.cost_label.text(), "no requests are promised to a provider that cannot run"
    picker = picker_of(form, "audio")
    rows = [picker.list.item(r) for r in range(picker.list.count())]
    espeak_row = next(row for row in rows if row.data(Qt.ItemDataRole.UserRole) == "espeak")
    assert espeak_row.text().startswith("eSpeak NG — "), "the picker shows its title and marks it as not set up"
    opened: list[Any] = []
    monkeypatch.setattr(addon.controller, "open_settings", lambda *, focus=None: opened.append(focus))
    dialog.problems_label.linkActivated.emit("settings:audio:espeak")
    assert opened == [(kinds().AUDIO, "espeak", "")], "the link opens espeak's page (no field)"


def check_show_in_browser_shows_the_filled_notes(
    anki_app: Any, browser: Any, report_window: Any, notes: list[int]
) -> None:
    assert report_window.show_in_browser_button.isEnabled()
    browser.search_for("deck:*")
    pump(anki_app, lambda: browser.table.len() > len(notes), what="the Browser to show every note")
    report_window.show_in_browser_button.click()
    pump(anki_app, lambda: browser.table.len() == len(notes), what="the Browser to show the filled notes")
    browser.table.select_all()
    assert sorted(browser.table.get_selected_note_ids()) == sorted(notes)
