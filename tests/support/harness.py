"""Helpers for the GUI tests (their fixtures are in tests/gui/conftest.py)."""

from __future__ import annotations

from typing import Any

from devtools.anki_base import pump

ADDON = "media_fill"

__all__ = ["ADDON", "UiProblems", "open_fill_dialog", "pump", "set_addon_config", "start_from_dialog", "wait_for_plan"]


class UiProblems:
    """Collects what would have been a pop-up or a crash report in Anki."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.expected: list[str] = []

    def take(self) -> list[str]:
        items, self.items = self.items, []
        return items


def set_addon_config(mw: Any, config: dict[str, Any]) -> None:
    mw.addonManager.writeConfig(ADDON, config)


def open_fill_dialog(app: Any, browser: Any, addon: Any) -> Any:
    """Trigger the Browser's Notes → Fill Media… and return the dialog once its plan is shown."""
    from aqt.qt import QAction

    action = browser.findChild(QAction, "media_fill_action")
    assert action is not None, "Notes → Fill Media… is missing"
    addon.controller.fill_dialog = None
    action.trigger()
    pump(app, lambda: addon.controller.fill_dialog is not None, what="the Fill Media dialog")
    dialog = addon.controller.fill_dialog
    wait_for_plan(app, dialog)
    return dialog


def wait_for_plan(app: Any, dialog: Any) -> None:
    """Until the dialog's plan summary matches the rules as shown (no edit waiting to be planned)."""
    pump(
        app,
        lambda: (
            dialog.summary is not None
            and not dialog._replan_timer.isActive()
            and dialog.cost_label.text() != "Planning…"
        ),
        what="the plan summary",
    )


def start_from_dialog(app: Any, dialog: Any, addon: Any) -> Any:
    """Press Start (which must be enabled) and return the job it started."""
    wait_for_plan(app, dialog)
    assert dialog.start_button.isEnabled(), f"Start is disabled: {dialog.start_blocked_reason()}"
    dialog.start_button.click()
    job = addon.controller.job
    assert job is not None, "Start started no job"
    return job
