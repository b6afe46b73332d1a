"""Browser integration: the **Notes → Fill Media…** action (with a shortcut) and the same entry in
the Browser's context menu open the Fill Media dialog; its Start runs the one job that may run at a
time; the job's report (with Retry failed) follows. The settings window and the word-list import
(which may go straight on to Fill Media for the new notes) are opened from here too, from the
Tools → Media Fill menu and the add-on manager's Config button. **Notes → Remove Filled Media…**
opens the dialog that takes Media Fill's media back out of the selected notes.

Thread safety: main thread only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import aqt
from aqt.browser.browser import Browser
from aqt.main import AnkiQt
from aqt.operations import QueryOp
from aqt.qt import QAction, QKeySequence, QMenu, QTimer, QWidget
from aqt.utils import showWarning, tooltip
from PyQt6 import sip

from ..collection.fill import JobOptions
from ..collection.selection import NoteTypeGroup, group_by_note_type
from ..core.base.errors import ConfigError
from ..core.base.log import LOG_FILE_NAME, configure_logging, get_logger
from ..core.job.report import TargetError
from ..core.media.types import MediaKind
from ..core.provider_system.registry import ProviderRegistry
from .addon_config import addon_folder_name, load_addon_config, save_overrides, stored_overrides, user_files_dir
from .choose import ChooseWindow, choose_for_note
from .fill import FillJob, FillMediaDialog, JobReportDialog, show_report
from .import_dialog import ImportWordListDialog
from .jobs import JobsFeature
from .remove_dialog import RemoveMediaDialog
from .review import ReviewFeature
from .settings.links import settings_plain

if TYPE_CHECKING:
    from .editor import EditorFills
    from .settings import SettingsDialog
    from .settings.links import SettingsPlace

log = get_logger(__name__)

ACTION_TEXT = "Fill Media…"
ACTION_OBJECT_NAME = "media_fill_action"
DEFAULT_SHORTCUT = "Ctrl+Alt+M"
MENU_TITLE = "Media Fill"
MENU_OBJECT_NAME = "media_fill_menu"
SETTINGS_ACTION_TEXT = "Settings…"
SETTINGS_ACTION_OBJECT_NAME = "media_fill_settings_action"
IMPORT_ACTION_TEXT = "Import Word List…"
IMPORT_ACTION_OBJECT_NAME = "media_fill_import_action"
REMOVE_ACTION_TEXT = "Remove Filled Media…"
REMOVE_ACTION_OBJECT_NAME = "media_fill_remove_action"
JOBS_ACTION_TEXT = "Jobs…"
JOBS_ACTION_OBJECT_NAME = "media_fill_jobs_action"


class FillMediaController:
    def __init__(self, mw: AnkiQt, *, addon_module: str) -> None:
        self.mw = mw
        self.addon_module = addon_module
        self.job: FillJob | None = None
        self.fill_dialog: FillMediaDialog | None = None
        self.import_dialog: ImportWordListDialog | None = None
        self.report_window: JobReportDialog | None = None
        self.chooser: ChooseWindow | None = None  # the last Choose… opened from a report
        self.remove_dialog: RemoveMediaDialog | None = None
        self.last_job: FillJob | None = None
        # Kept across jobs so circuit breakers and health counters outlive a job.
        self.registry: ProviderRegistry | None = None
        self.editor_fills: EditorFills | None = None  # the editor's Fill Media button
        # Tools → Media Fill → Jobs… and the offer to finish an interrupted job at profile open.
        self.jobs = JobsFeature(mw, state_dir=lambda: user_files_dir(self.addon_module, mw=self.mw), actions=self)
        # Called after each job has ended (the background fills start their next job then).
        self.idle_listeners: list[Callable[[], None]] = []
        # The background fills (an `auto_fill.AutoFill`, set by `ui.setup`; typed loosely, as it
        # imports this module).
        self.auto_fill: object | None = None
        self.review = ReviewFeature(mw, controller=self)  # the report's Review…

    # Browser hooks

    def on_browser_menus_did_init(self, browser: Browser) -> None:
        action = QAction(ACTION_TEXT, browser)
        action.setObjectName(ACTION_OBJECT_NAME)
        action.setShortcut(QKeySequence(self._shortcut()))
        action.triggered.connect(lambda: self.fill_selected(browser))
        browser.form.menu_Notes.addSeparator()
        browser.form.menu_Notes.addAction(action)
        remove = QAction(REMOVE_ACTION_TEXT, browser)
        remove.setObjectName(REMOVE_ACTION_OBJECT_NAME)
        remove.triggered.connect(lambda: self.remove_from_selected(browser))
        browser.form.menu_Notes.addAction(remove)

    def on_browser_context_menu(self, browser: Browser, menu: QMenu) -> None:
        action = browser.findChild(QAction, ACTION_OBJECT_NAME)
        # In notes mode Anki already copies the Notes menu into the context menu.
        if action is not None and action not in menu.actions():
            menu.addSeparator()
            menu.addAction(action)

    def on_profile_will_close(self) -> None:
        self.jobs.on_profile_will_close()
        if self.job is not None and self.job.running:
            self.job.save_before_profile_closes()
            self.last_job, self.job = self.job, None
        if self.registry is not None and (self.job is None or not self.job.running):
            self.registry.close()

    # Tools menu

    def add_tools_menu(self) -> None:
        """Tools → Media Fill → Settings… and Import Word List…; the add-on manager's Config button
        opens the same settings window."""
        menu = QMenu(MENU_TITLE, self.mw.form.menuTools)
        menu.setObjectName(MENU_OBJECT_NAME)
        for text, name, slot in (
            (SETTINGS_ACTION_TEXT, SETTINGS_ACTION_OBJECT_NAME, self._open_settings_from_menu),
            (IMPORT_ACTION_TEXT, IMPORT_ACTION_OBJECT_NAME, self.open_import),
            (JOBS_ACTION_TEXT, JOBS_ACTION_OBJECT_NAME, self.jobs.open_window),
        ):
            action = QAction(text, menu)
            action.setObjectName(name)
            action.triggered.connect(lambda _checked=False, slot=slot: slot())
            menu.addAction(action)
        self.mw.form.menuTools.addMenu(menu)
        self.mw.addonManager.setConfigAction(addon_folder_name(self.addon_module), self._open_settings_from_menu)

    def _open_settings_from_menu(self) -> None:
        try:
            self.open_settings()
        except ConfigError as exc:  # only when the add-on's own files are damaged
            showWarning(f"Media Fill's settings cannot be opened: {exc.message}.", parent=self.mw, title="Media Fill")

    # Actions

    def fill_selected(self, browser: Browser) -> None:
        """Notes → Fill Media…: the Fill Media dialog for the notes selected in ``browser``."""
        note_ids = [int(note_id) for note_id in browser.selected_notes()]
        if not note_ids:
            tooltip("Select the notes to fill first.", parent=browser)
            return
        self.fill_notes(note_ids, parent=browser)

    def remove_from_selected(self, browser: Browser) -> None:
        """Notes → Remove Filled Media…: the dialog that takes Media Fill's media back out of the
        notes selected in ``browser``."""
        note_ids = [int(note_id) for note_id in browser.selected_notes()]
        if not note_ids:
            tooltip("Select the notes to remove Media Fill's pictures and sounds from first.", parent=browser)
            return
        loaded = self._load_config(browser)
        if loaded is None:
            return
        if self.remove_dialog is not None and not sip.isdeleted(self.remove_dialog):
            self.remove_dialog.close()
        self.remove_dialog = RemoveMediaDialog(self.mw, parent=browser, note_ids=note_ids, config=loaded[0])
        self.remove_dialog.show()

    def fill_notes(self, note_ids: list[int], *, parent: QWidget) -> None:
        """Open the Fill Media dialog for ``note_ids`` (grouped by note type in the background
        first, so thousands of notes do not stall Anki); its Start runs the job."""
        if self.job is not None and self.job.running:
            tooltip("A Fill Media job is already running; its window shows how far it is.", parent=parent)
            return
        if self.fill_dialog is not None and not sip.isdeleted(self.fill_dialog):
            self.fill_dialog.close()
        loaded = self._load_config(parent)
        if loaded is None:
            return
        config, registry = loaded
        registry.forget_programs()  # a program installed since the last plan is found now
        QueryOp(
            parent=parent,
            op=lambda col: group_by_note_type(col, note_ids),
            success=lambda groups: self._open_fill_dialog(parent, groups, config, registry),
        ).run_in_background()

    def _open_fill_dialog(
        self, parent: QWidget, groups: list[NoteTypeGroup], config: dict[str, Any], registry: ProviderRegistry
    ) -> None:
        if sip.isdeleted(parent):
            return
        if not groups:
            tooltip("The selected notes no longer exist.", parent=parent)
            return
        self.fill_dialog = FillMediaDialog(
            self.mw,
            parent=parent,
            groups=groups,
            config=config,
            registry=registry,
            state_dir=user_files_dir(self.addon_module, mw=self.mw),
            on_start=lambda run_config, note_ids: self.start_job(parent, note_ids, run_config),
            on_open_settings=lambda focus: self.open_settings(focus=focus),
            on_enable_provider=lambda kind, name: self.enable_provider(kind, name, parent=parent),
        )
        self.fill_dialog.show()

    def open_import(self) -> ImportWordListDialog:
        """Tools → Media Fill → Import Word List…: the import window (one at a time); after an
        import it may go straight on to the Fill Media dialog for the new notes."""
        dialog = self.import_dialog
        if dialog is None or sip.isdeleted(dialog) or not dialog.isVisible():
            dialog = self.import_dialog = ImportWordListDialog(
                self.mw, on_imported=lambda note_ids, fill: self._imported(note_ids, fill=fill)
            )
            dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def _imported(self, note_ids: list[int], *, fill: bool) -> None:
        if fill and note_ids:
            self.fill_notes(note_ids, parent=self.mw)

    def _load_config(self, parent: QWidget) -> tuple[dict[str, Any], ProviderRegistry] | None:
        """The add-on's config and the registry for it, or None after telling the user what to fix."""
        try:
            config = load_addon_config(self.mw, addon_module=self.addon_module)
        except ConfigError as exc:
            showWarning(
                f"Media Fill's settings need fixing before a job can start:\n\n{settings_plain(str(exc))}\n\n"
                "Open Tools → Media Fill → Settings… to fix them.",
                parent=parent,
                title="Fill Media",
            )
            return None
        self._configure_logging(config)
        try:
            return config, self._registry_for(config)
        except ConfigError as exc:
            showWarning(
                f"Media Fill could not load its providers:\n\n{settings_plain(str(exc))}",
                parent=parent,
                title="Fill Media",
            )
            return None

    def start_job(
        self,
        parent: QWidget,
        note_ids: list[int],
        config: dict[str, Any],
        *,
        options: JobOptions | None = None,
        quiet: bool = False,
        on_done: Callable[[FillJob], bool] | None = None,
    ) -> FillJob | None:
        """Remember ``config``'s rules, then run a job over ``note_ids`` (or, with ``options``, redo
        an earlier job's failures); returns the job, or None when one is running already. A
        ``quiet`` job (a background fill) remembers no rules and shows its windows only on
        problems; ``on_done`` then says whether its report window is shown."""
        if self.job is not None and self.job.running:
            if not quiet:
                tooltip("A Fill Media job is already running.", parent=parent)
            return None
        if not quiet:
            self._remember_rules(config.get("rules", []))
        try:
            registry = self._registry_for(config)
        except ConfigError as exc:
            showWarning(
                f"Media Fill could not load its providers:\n\n{settings_plain(str(exc))}",
                parent=parent,
                title="Fill Media",
            )
            return None
        self.job = FillJob(
            mw=self.mw,
            parent=parent,
            note_ids=note_ids,
            registry=registry,
            state_dir=user_files_dir(self.addon_module, mw=self.mw),
            on_finished=lambda job: self._job_finished(job, on_done=on_done),
            options=options or JobOptions(),
            quiet=quiet,
        )
        self.job.start()
        return self.job

    def retry_failed(self, job: FillJob) -> FillJob | None:
        """Redo only the failures of ``job`` (the report's Retry failed), with its own rules."""
        loaded = self._load_config(self.mw)
        if loaded is None:
            return None
        config, _registry = loaded
        return self.start_job(
            job.live_parent(), job.note_ids, config, options=JobOptions(retry_failed=job.session.job_id)
        )

    def continue_job(self, job_id: str, *, resume: bool, parent: QWidget) -> FillJob | None:
        """Resume the interrupted job ``job_id`` (``resume``) or redo its failures, from its journal
        (the Jobs window and the interrupted-job notice)."""
        loaded = self._load_config(parent)
        if loaded is None:
            return None
        options = JobOptions(resume=job_id) if resume else JobOptions(retry_failed=job_id)
        return self.start_job(parent, [], loaded[0], options=options)

    def _remember_rules(self, rules: list[dict[str, Any]]) -> None:
        """Save the rules the user ran, so the dialog shows them next time (Anki keeps them across
        add-on updates); the rest of the saved settings is left as it is."""
        stored = stored_overrides(self.mw, addon_module=self.addon_module)
        if stored.get("rules") != rules:
            # Only the rules change: settings saved by an older version keep their version, so
            # they are still brought to the current shape when read (the rules already have it).
            stored["rules"] = rules
            save_overrides(self.mw, stored, addon_module=self.addon_module)

    def show_notes(self, note_ids: list[int]) -> None:
        """Show ``note_ids`` in the Browser (the report's Show in Browser)."""
        browser = aqt.dialogs.open("Browser", self.mw)
        browser.search_for("nid:" + ",".join(map(str, note_ids)))

    def open_settings(self, *, focus: SettingsPlace | tuple[MediaKind, str] | None = None) -> SettingsDialog:
        """Tools → Media Fill → Settings…, the add-on manager's Config button, and the settings
        links of messages: the settings window, on ``focus``'s page and field when given."""
        from .settings import open_settings

        return open_settings(self.mw, addon_module=self.addon_module, focus=focus, on_saved=self._settings_saved)

    def enable_provider(
        self, kind: MediaKind, name: str, *, parent: QWidget
    ) -> tuple[dict[str, Any], ProviderRegistry] | None:
        """Switch provider ``name`` on in the saved settings (the Fill Media dialog's one-click
        offer); returns the config and registry that follow, or None after saying why not."""
        stored = stored_overrides(self.mw, addon_module=self.addon_module)
        providers = stored.setdefault("providers", {})
        providers.setdefault(kind.value, {}).setdefault(name, {})["enabled"] = True
        save_overrides(self.mw, stored, addon_module=self.addon_module)
        from .settings.dialog import find_open_settings

        window = find_open_settings(self.mw)
        if window is not None:  # it shows the provider on too, so its Save keeps it on
            window.show_switched_on(kind, name)
        loaded = self._load_config(parent)
        if loaded is not None:
            title = loaded[1].info(kind, name).title
            tooltip(f"{title} is on; Tools → Media Fill → Settings… turns it off again.", parent=parent)
        return loaded

    def _settings_saved(self, config: Mapping[str, Any]) -> None:
        """The user saved new settings: logging, the providers and an open Fill Media dialog
        follow them at once."""
        self._configure_logging(config)
        if self.job is not None and self.job.running:
            return  # the running job keeps its providers; the next job gets the new ones
        registry = self._registry_for(config)
        dialog = self.fill_dialog
        if dialog is not None and not sip.isdeleted(dialog) and dialog.isVisible():
            dialog.settings_changed(config, registry)

    def _registry_for(self, config: Mapping[str, Any]) -> ProviderRegistry:
        """The registry, updated to ``config`` (built anew when the provider modules changed)."""
        registry = self.registry
        if registry is not None and registry.config.get("provider_modules") == config.get("provider_modules"):
            registry.update_config(config)
            return registry
        if registry is not None:
            registry.close()
        self.registry = ProviderRegistry(config, state_dir=user_files_dir(self.addon_module, mw=self.mw))
        return self.registry

    def _configure_logging(self, config: Mapping[str, Any]) -> None:
        configure_logging(
            logger_name=addon_folder_name(self.addon_module),
            level=str(config.get("log_level", "INFO")),
            log_file=user_files_dir(self.addon_module, mw=self.mw) / LOG_FILE_NAME,
        )

    def _job_finished(self, job: FillJob, *, on_done: Callable[[FillJob], bool] | None = None) -> None:
        self.last_job = job
        if self.job is job:
            self.job = None
        wanted = on_done(job) if on_done is not None else True
        if job.report is not None and not job.saved_on_quit and wanted:
            self.show_job_report(job)
        for listener in list(self.idle_listeners):
            listener()

    def show_job_report(self, job: FillJob) -> None:
        """The report window of ``job`` (which has ended with a report)."""
        assert job.report is not None
        self.report_window = show_report(
            job.live_parent(),
            job.report,
            note_labels=job.note_labels(),
            on_show_notes=self.show_notes,
            on_retry_failed=(lambda: self._retry_later(job)) if job.session.job_id else None,
            on_open_settings=lambda place: self.open_settings(focus=place),
            on_review=lambda ids: self.review.review(ids, parent=job.live_parent()),
            on_choose=self.choose_for_failure,
        )

    def choose_for_failure(self, error: TargetError) -> None:
        """Choose… for a failed row of the report: its note's field among candidates."""
        parent = self.report_window or self.mw
        loaded = self._load_config(parent)
        if loaded is None:
            return
        config, registry = loaded
        self.chooser = choose_for_note(
            self.mw,
            note_id=error.note_id,
            field=error.field,
            provider=error.provider,
            config=config,
            registry=registry,
            parent=parent,
        )

    def _retry_later(self, job: FillJob) -> None:
        # After the report window has closed, so the new job's windows come up over the Browser.
        QTimer.singleShot(0, lambda: self.retry_failed(job))

    def _shortcut(self) -> str:
        try:
            return str(load_addon_config(self.mw, addon_module=self.addon_module).get("shortcut") or DEFAULT_SHORTCUT)
        except ConfigError:
            return DEFAULT_SHORTCUT
