"""What starts a background fill: a note added in the Add window whose note type's rule has
``fill_on_add`` (Anki's ``add_cards_did_add_note``), and the saved search ``auto_fill_search`` at
profile open and after each sync (``profile_did_open``, ``sync_did_finish``). Both hand their
notes to `BackgroundFills`, so the Add window is ready for the next note at once. Also the menu
entry Tools → Media Fill → Last automatic fill…, which shows the last background job's report.

Anki's experimental Svelte Add window fires no ``add_cards_did_add_note``: notes added there are
not filled on add (the saved search still finds them).

Thread safety: main thread only; the saved search runs in a `QueryOp` on Anki's worker.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from anki.collection import Collection
from anki.notes import Note
from aqt.operations import QueryOp
from aqt.qt import QAction, QMenu

from ...core.base.errors import ConfigError
from ...core.config.rules import parse_rules, rule_for_note_type
from ...core.provider_system.config_loading import load_config
from ..addon_config import stored_overrides
from ..settings.links import settings_plain
from .background import BackgroundFills

if TYPE_CHECKING:
    from ..controller import FillMediaController

SEARCH_KEY = "auto_fill_search"
LAST_RUN_ACTION_TEXT = "Last automatic fill…"
LAST_RUN_ACTION_OBJECT_NAME = "media_fill_last_auto_fill_action"
NO_RUN_YET = (
    "No automatic fill has run since Anki started. Tick “Fill when a note is added” in the Fill Media "
    "dialog, or set a search under Tools → Media Fill → Settings… (Fill new notes found by this search)."
)


class AutoFill:
    """The hooks and the menu entry of the background fills; see the module docstring."""

    def __init__(self, controller: FillMediaController) -> None:
        self.controller = controller
        self.mw = controller.mw
        self.fills = BackgroundFills(controller)
        self.searching = False
        self._search_again = False
        self._closing = False
        # The config last read, by what the user saved: reading it again on every add would cost
        # the Add window tens of milliseconds each time.
        self._read: tuple[dict[str, Any], dict[str, Any]] | None = None

    # Hooks

    def on_note_added(self, note: Note) -> None:
        """``add_cards_did_add_note``: queue the note when its rule fills on add."""
        if self._closing or not note.id:
            return
        config = self._config()
        if config is None:
            return
        note_type = note.note_type() or {}
        rule = rule_for_note_type(parse_rules(config), str(note_type.get("name", "")))
        if rule is not None and rule.fill_on_add and rule.targets:
            self.fills.add([int(note.id)], config=config)

    def on_profile_did_open(self) -> None:
        self._closing = False
        self.fill_saved_search()

    def on_sync_did_finish(self) -> None:
        if not self._closing:  # Anki also syncs as the profile closes
            self.fill_saved_search()

    def on_profile_will_close(self) -> None:
        self._closing = True
        self.fills.clear()

    # The saved search

    def fill_saved_search(self) -> bool:
        """Find the saved search's notes in the background and queue them; False when it is off."""
        config = self._config()
        search = str(config.get(SEARCH_KEY, "")).strip() if config is not None else ""
        if config is None or not search or self.mw.col is None:
            return False
        if self.searching:
            self._search_again = True  # e.g. the sync right after profile open
            return True
        self.searching = True
        QueryOp(
            parent=self.mw,
            op=lambda col: find_notes(col, search),
            success=lambda note_ids: self._found(note_ids, config),
        ).failure(lambda exc: self._search_failed(search, exc)).run_in_background()
        return True

    def _found(self, note_ids: list[int], config: Mapping[str, Any]) -> None:
        self.searching = False
        if note_ids and not self._closing:
            self.fills.add(note_ids, config=config)
        if self._search_again:
            self._search_again = False
            self.fill_saved_search()

    def _search_failed(self, search: str, exc: Exception) -> None:
        self.searching = self._search_again = False
        self.fills.say(
            f"Media Fill's saved search “{search}” did not run ({exc}); correct it under "
            "Tools → Media Fill → Settings… (Fill new notes found by this search)."
        )

    def _config(self) -> dict[str, Any] | None:
        stored = stored_overrides(self.mw, addon_module=self.controller.addon_module)
        if self._read is not None and self._read[0] == stored:
            return self._read[1]
        try:
            config = load_config(stored)
        except ConfigError as exc:
            self.fills.say(
                f"Media Fill cannot fill new notes until its settings are fixed: {settings_plain(str(exc))}. "
                "Open Tools → Media Fill → Settings… to fix them."
            )
            return None
        self._read = (copy.deepcopy(stored), config)
        return config

    # Tools → Media Fill → Last automatic fill…

    def add_menu_entry(self, menu: QMenu) -> QAction:
        action = QAction(LAST_RUN_ACTION_TEXT, menu)
        action.setObjectName(LAST_RUN_ACTION_OBJECT_NAME)
        action.triggered.connect(lambda _checked=False: self.show_last_report())
        menu.addAction(action)
        return action

    def show_last_report(self) -> None:
        """The report of the last background job, or a tooltip saying none has run."""
        job = self.fills.last_job
        if job is None or job.report is None:
            self.fills.say(NO_RUN_YET)
            return
        self.controller.show_job_report(job)


def find_notes(col: Collection, search: str) -> list[int]:
    """The note ids ``search`` finds (on Anki's worker thread)."""
    return [int(note_id) for note_id in col.find_notes(search)]
