"""The settings window (Tools → Media Fill → Settings…, and the add-on manager's Config button).

A page per kind of media (Images, Audio) lists its providers as the Fill Media dialog does (those
that can run first, each part in the order new rules try them), each with its status; selecting one
shows its form, generated from its config-slice schema, with a Test button. The General page holds
the general settings. Test checks one provider with its own settings as typed (other pages do not
matter); Test all checks every provider switched on; both run before anything is saved, in the
background. Save validates everything (each problem is shown under its field, and the page and
provider are marked), then writes only what differs from the shipped defaults. Settings from older
versions are shown migrated, with a notice saying what moved. A ``settings:`` link opens the page
of the setting it names, the field focused; a paid provider switched on suggests a budget.

One window at a time: `open_settings` raises the open one. It is not modal, so Anki stays usable.

Thread safety: main thread only; the connection tests run in the background (`checks`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aqt.main import AnkiQt
from aqt.qt import (
    QColor,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from aqt.utils import askUser
from PyQt6 import sip

from ...core.base.errors import ConfigError
from ...core.config.files import provider_settings, same_json
from ...core.config.schema import config_problems
from ...core.media.types import MediaKind
from ...core.provider_system.config_loading import load_config
from ...core.provider_system.health_checks import CheckResult
from ...core.provider_system.order import configured_order, order_to_store
from ..addon_config import save_overrides, stored_overrides
from .budget import BUDGET_KEY, BudgetAdvisor
from .checks import as_sentence, config_to_test, describe_result, start_checks, unmapped_problem
from .general_page import GeneralPage
from .help import read_config_help
from .kind_page import KindPage
from .layout import ERROR_COLOR, ERROR_STYLE
from .links import SettingsPlace, parse_settings_link, settings_html
from .provider_page import ProviderPage
from .schema_field import SchemaField
from .state import load_settings_state, overrides_to_save

DIALOG_NAME = "media_fill_settings"
WINDOW_TITLE = "Media Fill settings"
KIND_TITLES = {MediaKind.IMAGE: "Pictures", MediaKind.AUDIO: "Sounds", MediaKind.TEXT: "Transcripts"}
GENERAL_TITLE = "General"
NOTICE_STYLE = "background: #fff8e1; color: #5d4037; border: 1px solid #ffe082; padding: 6px;"
DISCARD_QUESTION = "Close without saving? The changes you typed are lost."
NOT_SAVED = "Nothing was saved: fix the settings marked in red."
NOT_TESTED_ALL = "Nothing was tested: fix the settings marked in red."
FIX_FIRST = "Fix the settings marked in red first, then test again."
FIX_PAGE_FIRST = "Not tested: fix this provider's settings marked in red, then press Test again."

OnSaved = Callable[[Mapping[str, Any]], None]
FieldProblems = list[tuple[SchemaField, str]]


class SettingsDialog(QDialog):
    """The settings window; see the module docstring. ``on_saved`` gets the full validated config
    after each save."""

    silentlyClose = True

    def __init__(self, mw: AnkiQt, *, addon_module: str, on_saved: OnSaved | None = None) -> None:
        super().__init__(mw)
        self.mw = mw
        self.addon_module = addon_module
        self._on_saved = on_saved
        self._refused = NOT_SAVED  # the heading of the problems shown
        self.setObjectName(DIALOG_NAME)
        self.setWindowTitle(WINDOW_TITLE)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(980, 700)

        self.state = load_settings_state(stored_overrides(mw, addon_module=addon_module))
        help = read_config_help()
        self.kind_pages: dict[MediaKind, KindPage] = {}
        for kind in MediaKind:
            infos = {info.name: info for info in self.state.infos[kind]}
            pages = [
                ProviderPage(
                    infos[name],
                    settings=provider_settings(self.state.config, kind, name),
                    help=help,
                    on_test=self.test_provider,
                    on_change=self._provider_changed,
                )
                for name in self.state.shown_order(kind)
            ]
            self.kind_pages[kind] = KindPage(kind, pages)
        self.general = GeneralPage(self.state.config, help=help)
        self.fields: dict[str, SchemaField] = {}
        self._owner: dict[str, QWidget] = {}  # field id → the tab it is on
        for kind_page in self.kind_pages.values():
            for page in kind_page.pages.values():
                self._add_fields(page.fields, kind_page)
        self._add_fields(self.general.fields, self.general)
        for kind_page in self.kind_pages.values():
            for page in kind_page.pages.values():
                page.status.linkActivated.connect(self.open_link)
        self._build()
        self.budget = BudgetAdvisor(
            self.fields[f"general.{BUDGET_KEY}"],
            self.budget_notice,
            declined=BUDGET_KEY in self.state.stored and self.state.stored[BUDGET_KEY] is None,
        )
        self._shown_config = self.form_config()[0]

    def _add_fields(self, fields: Sequence[SchemaField], tab: QWidget) -> None:
        for field in fields:
            self.fields[field.field_id] = field
            self._owner[field.field_id] = tab

    def _build(self) -> None:
        self.notice = QLabel("\n\n".join(self.state.notes()))
        self.notice.setObjectName("settings_notice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.notice.setVisible(bool(self.state.notes()))
        self.budget_notice = QLabel()
        self.budget_notice.setStyleSheet(NOTICE_STYLE)
        self.problems = QLabel()
        self.problems.setObjectName("settings_problems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(ERROR_STYLE)
        self.problems.setTextFormat(Qt.TextFormat.RichText)
        self.problems.linkActivated.connect(self.open_link)
        self.problems.hide()

        self.tabs = QTabWidget()
        self.tabs.setObjectName("settings_tabs")
        for kind, page in self.kind_pages.items():
            self.tabs.addTab(page, KIND_TITLES.get(kind, kind.value.title()))
        self.tabs.addTab(self.general, GENERAL_TITLE)

        self.test_all_button = self._button("Test all", "settings_test_all", self.test_all)
        self.test_all_button.setToolTip("Test every provider that is switched on, with the settings as typed")
        self.summary = QLabel()
        self.summary.setObjectName("settings_test_summary")
        self.summary.setWordWrap(True)
        self.save_button = self._button("Save", "settings_save", self.save)
        self.cancel_button = self._button("Cancel", "settings_cancel", self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_all_button)
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.budget_notice)
        layout.addWidget(self.problems)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)

    def _button(self, text: str, name: str, action: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)  # Enter in a field must not save or test
        button.clicked.connect(lambda _checked=False: action())
        return button

    # Navigation

    def focus_provider(self, kind: MediaKind, name: str) -> None:
        """Show ``kind``'s page with ``name`` selected (the page alone when it has no such provider)."""
        page = self.kind_pages[kind]
        self.tabs.setCurrentWidget(page)
        page.select(name)

    def open_link(self, link: str) -> None:
        """A ``settings:`` link in one of the window's messages: go to that setting."""
        place = parse_settings_link(link)
        if place is not None:
            self.focus_place(place)

    def focus_place(self, place: SettingsPlace) -> SchemaField | None:
        """Show ``place``'s page (General when its kind is None) and focus its field, when it names
        one the page has (the nearest setting that holds it, for a path inside a setting)."""
        if place.kind is None:
            self.tabs.setCurrentWidget(self.general)
        else:
            self.focus_provider(place.kind, place.name)
        prefix = "" if place.kind is None else f"providers.{place.kind.value}.{place.name}."
        field = self._field_for_path(prefix + place.field) if place.field else None
        if field is not None:
            field.focus()
        return field

    def show_switched_on(self, kind: MediaKind, name: str) -> None:
        """Show provider ``name`` on, as the saved settings now have it (the Fill dialog's one-click
        offer): Save keeps it on, and closing does not ask about it."""
        field = self.fields.get(f"{kind.value}.{name}.enabled")
        if field is not None:
            field.editor.set_value(True)
            shown = self._shown_config.setdefault("providers", {}).setdefault(kind.value, {})
            shown.setdefault(name, {})["enabled"] = True

    def provider_page(self, kind: MediaKind, name: str) -> ProviderPage:
        return self.kind_pages[kind].pages[name]

    # The config as typed

    def form_config(self) -> tuple[dict[str, Any], FieldProblems]:
        """The config the form shows, and the fields whose values have problems."""
        config = copy.deepcopy(self.state.config)
        problems: FieldProblems = []
        providers = config.setdefault("providers", {})
        orders = config.get("provider_order")
        if not isinstance(orders, dict):
            orders = config["provider_order"] = {}
        for kind, kind_page in self.kind_pages.items():
            of_kind = providers.setdefault(kind.value, {})
            for name, page in kind_page.pages.items():
                stored = of_kind.get(name)
                settings = copy.deepcopy(dict(stored)) if isinstance(stored, Mapping) else {}
                problems += page.fill(settings)
                if settings:
                    of_kind[name] = settings
            order = kind_page.order()
            orders[kind.value] = (
                configured_order(self.state.config, kind)  # as shown: not moved by the user
                if order == self.state.shown_order(kind)
                else order_to_store(order, config=self.state.config, infos=self.state.infos[kind], kind=kind)
            )
        problems += self.general.fill(config)
        return config, problems

    def validated_config(self, *, refused: str = NOT_SAVED) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The overrides to save for the config as typed, and the full config `load_config` makes
        of them; None after marking every problem in the window (headed by ``refused``)."""
        self._clear_problems()
        self._refused = refused
        config, field_problems = self.form_config()
        if field_problems:
            self._show_problems(field_problems, [])
            return None
        mapped: FieldProblems = []
        unmapped: list[str] = []
        for path, message in config_problems(config, self.state.schemas):
            field = self._field_for_path(path)
            if field is not None:
                mapped.append((field, as_sentence(message)))
            else:
                unmapped.append(unmapped_problem(path, message))
        if mapped or unmapped:
            self._show_problems(mapped, unmapped)
            return None
        overrides = overrides_to_save(self.state, config)
        self.budget.keep_no_cap(overrides, config)
        try:
            return overrides, load_config(overrides)
        except ConfigError as exc:
            self._show_problems([], [exc.message])
            return None

    def _field_for_path(self, path: str) -> SchemaField | None:
        plain = re.sub(r"\[\d+\]", "", path)
        field_id = plain.removeprefix("providers.") if plain.startswith("providers.") else f"general.{plain}"
        while field_id:
            if field_id in self.fields:
                return self.fields[field_id]
            field_id = field_id.rpartition(".")[0]
        return None

    # Save

    def save(self) -> bool:
        """Validate, write only the overrides, tell ``on_saved``, close; False (window kept open,
        problems marked, nothing written) when any problem stands."""
        valid = self.validated_config()
        if valid is None:
            return False
        overrides, config = valid
        save_overrides(self.mw, overrides, addon_module=self.addon_module)
        if self._on_saved is not None:
            self._on_saved(config)
        self.accept()
        return True

    # Closing

    def has_unsaved_changes(self) -> bool:
        """Whether the form differs from what was shown when the window opened (a value that
        cannot be read counts as a change)."""
        config, problems = self.form_config()
        return bool(problems) or not same_json(config, self._shown_config)

    def reject(self) -> None:
        """Cancel, Esc and the window's close button: ask before throwing typed changes away."""
        if self.has_unsaved_changes() and not confirm_discard(self):
            return
        super().reject()

    # Tests

    def test_provider(self, page: ProviderPage) -> None:
        """Test one provider (switched on or not) with its settings as typed, in the background.
        Only its own page has to be valid: what other pages hold is neither checked nor saved."""
        config = self._config_to_test(page)
        if config is None:
            page.show_check(FIX_PAGE_FIRST, ok=False)
            self._provider_changed(page)
            return
        page.show_checking()
        key = (page.info.kind, page.info.name)
        start_checks(self.mw, config=config, provider=key, on_done=lambda outcome: self._checked(outcome, [page]))

    def _config_to_test(self, page: ProviderPage) -> dict[str, Any] | None:
        """The config to test ``page``'s provider with; None after marking the page's own problems."""
        for field in page.fields:
            field.show_problem(None)
        config, problems = config_to_test(self.state.config, self.state.schemas, page=page, general=self.general)
        kind_page = self.kind_pages[page.info.kind]
        marked = kind_page.problem_names() - {page.info.name}
        kind_page.mark_problems(marked | {page.info.name} if problems else marked)
        for field, message in problems:
            if not field.error.text():
                field.show_problem(as_sentence(message))
        return config

    def test_all(self) -> None:
        """Test every provider switched on in the form, with the settings as typed, in the background."""
        valid = self.validated_config(refused=NOT_TESTED_ALL)
        if valid is None:
            self.summary.setText(FIX_FIRST)
            return
        pages = [p for kind_page in self.kind_pages.values() for p in kind_page.pages.values()]
        enabled = [page for page in pages if page.setup_status() != "off"]
        if not enabled:
            self.summary.setText("No provider is switched on: tick Enabled on a provider's page first.")
            return
        for page in enabled:
            page.show_checking()
        self.test_all_button.setEnabled(False)
        self.summary.setText(f"Testing {len(enabled)} providers…")
        start_checks(
            self.mw,
            config=valid[1],
            provider=None,
            on_done=lambda outcome: self._checked(outcome, enabled, summary=True),
        )

    def _checked(
        self, outcome: list[CheckResult] | str, pages: Sequence[ProviderPage], *, summary: bool = False
    ) -> None:
        if sip.isdeleted(self):
            return
        results = {} if isinstance(outcome, str) else {(r.kind, r.provider): r for r in outcome}
        healthy = 0
        for page in pages:
            if sip.isdeleted(page):
                continue
            result = results.get((page.info.kind, page.info.name))
            if result is not None:
                page.show_check(describe_result(result), ok=result.ok)
                healthy += result.ok
            else:
                page.show_check(outcome if isinstance(outcome, str) else "Not tested.", ok=False)
            self._provider_changed(page)
        if summary:
            self.test_all_button.setEnabled(True)
            self.summary.setText(
                outcome
                if isinstance(outcome, str)
                else f"Tested {len(results)} providers: {healthy} healthy, {len(results) - healthy} unhealthy."
            )

    # Problems

    def _provider_changed(self, page: ProviderPage) -> None:
        self.kind_pages[page.info.kind].refresh(page)
        self.budget.provider_changed(page)

    def _clear_problems(self) -> None:
        for field in self.fields.values():
            field.show_problem(None)
        for kind_page in self.kind_pages.values():
            kind_page.mark_problems(set())
        for index in range(self.tabs.count()):
            self._mark_tab(index, problems=0)
        self.problems.hide()

    def _show_problems(self, field_problems: FieldProblems, other: list[str]) -> None:
        bad_tabs: dict[QWidget, int] = {}
        bad_providers: dict[MediaKind, set[str]] = {}
        for field, message in field_problems:
            if field.error.isVisible() or field.error.text():
                continue  # one problem per field
            field.show_problem(message)
            tab = self._owner[field.field_id]
            bad_tabs[tab] = bad_tabs.get(tab, 0) + 1
            if isinstance(tab, KindPage):
                bad_providers.setdefault(tab.kind, set()).add(field.field_id.split(".")[1])
        for kind, names in bad_providers.items():
            self.kind_pages[kind].mark_problems(names)
        for tab, count in bad_tabs.items():
            self._mark_tab(self.tabs.indexOf(tab), problems=count)
        lines = [self._refused] if field_problems else []
        lines += [f"• {settings_html(problem)}" for problem in other]
        self.problems.setText("<br>".join(lines))
        self.problems.setVisible(bool(lines))
        if field_problems:
            self._go_to(field_problems[0][0])

    def _go_to(self, field: SchemaField) -> None:
        tab = self._owner[field.field_id]
        self.tabs.setCurrentWidget(tab)
        if isinstance(tab, KindPage):
            tab.select(field.field_id.split(".")[1])

    def _mark_tab(self, index: int, *, problems: int) -> None:
        """The tab's title, with a warning sign and the number of problems in red when it has any."""
        tab = self.tabs.widget(index)
        title = KIND_TITLES.get(tab.kind, tab.kind.value.title()) if isinstance(tab, KindPage) else GENERAL_TITLE
        self.tabs.setTabText(index, f"⚠ {title} ({problems})" if problems else title)
        bar = self.tabs.tabBar()
        if bar is not None:
            bar.setTabTextColor(index, QColor(ERROR_COLOR) if problems else QColor())


def confirm_discard(parent: QWidget) -> bool:
    """Ask whether to close without saving (tests replace this function)."""
    return bool(askUser(DISCARD_QUESTION, parent=parent, defaultno=True, title=WINDOW_TITLE))


def find_open_settings(mw: AnkiQt) -> SettingsDialog | None:
    """The settings window that is open, if any."""
    for dialog in mw.findChildren(QDialog, DIALOG_NAME):
        if isinstance(dialog, SettingsDialog) and not sip.isdeleted(dialog) and dialog.isVisible():
            return dialog
    return None
