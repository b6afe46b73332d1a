"""Browser integration: the **Notes → Fill Media…** action (with a shortcut), the same entry in the
Browser's context menu, and the one job that may run at a time.

Thread safety: main thread only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aqt.browser.browser import Browser
from aqt.main import AnkiQt
from aqt.qt import QAction, QKeySequence, QMenu
from aqt.utils import showWarning, tooltip

from ..core.errors import ConfigError
from ..core.log import LOG_FILE_NAME, configure_logging, get_logger
from ..core.registry import ProviderRegistry
from .addon_config import addon_folder_name, load_addon_config, user_files_dir
from .fill_job import FillJob

log = get_logger(__name__)

ACTION_TEXT = "Fill Media…"
ACTION_OBJECT_NAME = "media_fill_action"
DEFAULT_SHORTCUT = "Ctrl+Alt+M"


class FillMediaController:
    def __init__(self, mw: AnkiQt, *, addon_module: str) -> None:
        self.mw = mw
        self.addon_module = addon_module
        self.job: FillJob | None = None
        self.last_job: FillJob | None = None
        # Kept across jobs so circuit breakers and health counters outlive a job.
        self.registry: ProviderRegistry | None = None

    # Browser hooks

    def on_browser_menus_did_init(self, browser: Browser) -> None:
        action = QAction(ACTION_TEXT, browser)
        action.setObjectName(ACTION_OBJECT_NAME)
        action.setShortcut(QKeySequence(self._shortcut()))
        action.triggered.connect(lambda: self.fill_selected(browser))
        browser.form.menu_Notes.addSeparator()
        browser.form.menu_Notes.addAction(action)

    def on_browser_context_menu(self, browser: Browser, menu: QMenu) -> None:
        action = browser.findChild(QAction, ACTION_OBJECT_NAME)
        # In notes mode Anki already copies the Notes menu into the context menu.
        if action is not None and action not in menu.actions():
            menu.addSeparator()
            menu.addAction(action)

    def on_profile_will_close(self) -> None:
        if self.job is not None and self.job.running:
            self.job.save_before_profile_closes()
            self.last_job, self.job = self.job, None
        if self.registry is not None and (self.job is None or not self.job.running):
            self.registry.close()

    # Actions

    def fill_selected(self, browser: Browser) -> FillJob | None:
        """Fill media for the notes selected in ``browser``; returns the started job, if any."""
        if self.job is not None and self.job.running:
            tooltip("A Fill Media job is already running.", parent=browser)
            return None
        note_ids = list(browser.selected_notes())
        if not note_ids:
            tooltip("Select the notes to fill first.", parent=browser)
            return None
        try:
            config = load_addon_config(self.mw, addon_module=self.addon_module)
        except ConfigError as exc:
            showWarning(
                f"Media Fill's settings need fixing before a job can start:\n\n{exc}",
                parent=browser,
                title="Fill Media",
            )
            return None
        self._configure_logging(config)
        try:
            registry = self._registry_for(config)
        except ConfigError as exc:
            showWarning(f"Media Fill could not load its providers:\n\n{exc}", parent=browser, title="Fill Media")
            return None
        self.job = FillJob(
            mw=self.mw,
            parent=browser,
            note_ids=note_ids,
            registry=registry,
            state_dir=user_files_dir(self.addon_module, mw=self.mw),
            on_finished=self._job_finished,
        )
        self.job.start()
        return self.job

    def _registry_for(self, config: Mapping[str, Any]) -> ProviderRegistry:
        """The registry, updated to ``config`` (built anew when the provider modules changed)."""
        registry = self.registry
        if registry is not None and registry.config.get("provider_modules") == config.get("provider_modules"):
            registry.update_config(config)
            return registry
        if registry is not None:
            registry.close()
        self.registry = ProviderRegistry(config)
        return self.registry

    def _configure_logging(self, config: Mapping[str, Any]) -> None:
        configure_logging(
            logger_name=addon_folder_name(self.addon_module),
            level=str(config.get("log_level", "INFO")),
            log_file=user_files_dir(self.addon_module, mw=self.mw) / LOG_FILE_NAME,
        )

    def _job_finished(self, job: FillJob) -> None:
        self.last_job = job
        if self.job is job:
            self.job = None

    def _shortcut(self) -> str:
        try:
            return str(load_addon_config(self.mw, addon_module=self.addon_module).get("shortcut") or DEFAULT_SHORTCUT)
        except ConfigError:
            return DEFAULT_SHORTCUT
