"""The Fill Media dialog: the Browser's selection grouped by note type, a rule per note type, a
plan summary with the cost estimate and the budget, Preview, and Start.

Every edit re-plans in the background (a short `QueryOp` that reads the notes and, for reuse, the
reuse index — nothing is written); Start stays disabled, with the reason shown, while a rule
cannot run. A provider that is off or not set up gets a link to its settings page. Start saves
the rules per note type (they are what the dialog shows next time) and hands the job over.

Thread safety: main thread only.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from anki.notes import NoteId
from anki.utils import html_to_text_line
from aqt.main import AnkiQt
from aqt.operations import QueryOp
from aqt.qt import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSplitter,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)

from ...collection.plan_summary import PlanSummary, summarize_plan
from ...collection.selection import NoteTypeGroup
from ...core.config.rule_drafts import (
    RawRule,
    RuleProblem,
    draft_rule,
    fills_something,
    rule_problems,
    rules_with,
    target_kind,
    targets_of,
)
from ...core.media.types import MediaKind
from ...core.provider_system.registry import ProviderRegistry
from ..note_type_setup import NoteTypeOffer, with_new_media_fields
from ..settings.links import SettingsPlace, parse_settings_link, settings_html
from ..user_messages import explain_html
from ..voices.picker import TargetVoiceChooser
from ..widgets import problem_html
from .free_offers import offer_html, passed_over_lines
from .plan_view import PlanTable, cost_text
from .preview import PreviewPanel, PreviewResult, PreviewRunner
from .provider_choices import ProviderChoices, provider_choices
from .rule_form import RuleForm

# Start hands over the config with the edited rules and the notes to fill.
StartJob = Callable[[dict[str, Any], list[int]], object]
OpenSettings = Callable[["SettingsPlace | None"], object]
# Turns a provider on in the saved settings; returns the config and registry that follow, or None
# when the settings could not be saved (the user has been told why).
EnableProvider = Callable[[MediaKind, str], "tuple[dict[str, Any], ProviderRegistry] | None"]

_REPLAN_DELAY_MS = 250
_SETTINGS_LINK = "settings:"
_ENABLE_LINK = "enable:"


class FillMediaDialog(QDialog):
    """See the module docstring. ``on_start`` receives the config to run and the note ids."""

    silentlyClose = True

    def __init__(
        self,
        mw: AnkiQt,
        *,
        parent: QWidget,
        groups: Sequence[NoteTypeGroup],
        config: Mapping[str, Any],
        registry: ProviderRegistry,
        state_dir: Path | None,
        on_start: StartJob,
        on_open_settings: OpenSettings,
        on_enable_provider: EnableProvider | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("media_fill_dialog")
        self.setWindowTitle("Fill Media")
        self.mw = mw
        self.groups = list(groups)
        self.config: dict[str, Any] = dict(config)
        self.registry = registry
        self.state_dir = state_dir
        self._on_start = on_start
        self._on_open_settings = on_open_settings
        self._on_enable_provider = on_enable_provider
        self.drafts: dict[str, RawRule] = {}
        self.summary: PlanSummary | None = None
        self.problems: list[RuleProblem] = []
        self._plan_generation = 0
        self._plan_error = ""
        self._current = ""
        self.preview = PreviewRunner(mw, parent=self, registry=lambda: self.registry)
        self._build()
        self._draft_all()
        self.note_types.setCurrentRow(0)
        self._replan_now()

    # Layout

    def _build(self) -> None:
        total = sum(len(g.note_ids) for g in self.groups)
        kinds = "note type" if len(self.groups) == 1 else "note types"
        heading = QLabel(f"<b>{total} notes</b> of {len(self.groups)} {kinds}. Choose what to fill for each note type.")
        heading.setObjectName("heading")
        self.note_types = QListWidget(self)
        self.note_types.setObjectName("note_types")
        for group in self.groups:
            self.note_types.addItem(f"{group.name} ({len(group.note_ids)})")
        self.note_types.currentRowChanged.connect(self._show_note_type)
        self.rule_form = RuleForm(self)
        self.rule_form.changed.connect(self._rule_edited)
        editor = self.rule_form.editor
        editor.voices.chooser = TargetVoiceChooser(
            self.mw, parent=self, registry=lambda: self.registry, state_dir=self.state_dir, language=editor.language_now
        )
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.rule_form)
        splitter = QSplitter(self)
        splitter.addWidget(self.note_types)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([180, 640])

        self._build_plan_area()
        self.preview_panel = PreviewPanel(self, runner=self.preview)
        buttons = self._build_buttons()
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(splitter, 1)
        layout.addWidget(QLabel("<b>Plan</b>"))
        layout.addWidget(self.plan_table)
        layout.addWidget(self.cost_label)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.setup_offer)
        layout.addWidget(self.preview_panel)
        layout.addWidget(buttons)
        self.resize(820, 860)
        self._replan_timer = QTimer(self)
        self._replan_timer.setSingleShot(True)
        self._replan_timer.setInterval(_REPLAN_DELAY_MS)
        self._replan_timer.timeout.connect(self._replan_now)

    def _build_plan_area(self) -> None:
        self.plan_table = PlanTable(self)
        self.cost_label = QLabel("Planning…", self)
        self.cost_label.setObjectName("cost_label")
        self.cost_label.setWordWrap(True)
        self.cost_label.linkActivated.connect(self._link_activated)
        self.problems_label = QLabel(self)
        self.problems_label.setObjectName("problems_label")
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextFormat(Qt.TextFormat.RichText)
        self.problems_label.linkActivated.connect(self._link_activated)
        self.setup_offer = NoteTypeOffer(self, self.mw, on_ready=self.note_type_changed)

    def _build_buttons(self) -> QDialogButtonBox:
        buttons = QDialogButtonBox(self)
        role = QDialogButtonBox.ButtonRole
        self.start_button = _add_button(buttons, "Start", role.AcceptRole, object_name="start_button")
        self.start_button.setDefault(True)
        self.preview_button = _add_button(buttons, "Preview", role.ActionRole, object_name="preview_button")
        self.settings_button = _add_button(buttons, "Settings…", role.ActionRole, object_name="settings_button")
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.start_button.clicked.connect(self.start)
        self.preview_button.clicked.connect(self.run_preview)
        self.settings_button.clicked.connect(lambda: self._on_open_settings(None))
        buttons.rejected.connect(self.reject)
        return buttons

    # Rules

    def _choices(self) -> ProviderChoices:
        return provider_choices(self.config, self.registry)

    def _order(self) -> Mapping[MediaKind, Sequence[str]]:
        return self._choices().order

    def _titles(self) -> Mapping[MediaKind, Mapping[str, str]]:
        return self._choices().titles

    def _usable(self, kind: MediaKind, name: str) -> bool:
        return self.registry.setup_problem(kind, name) is None

    def _sample(self, group: NoteTypeGroup) -> dict[str, str] | None:
        """The first selected note's fields (what "what will be read" is shown with)."""
        if self.mw.col is None or not group.note_ids:
            return None
        return dict(self.mw.col.get_note(NoteId(group.note_ids[0])).items())

    def _draft_all(self) -> None:
        order = self._order()
        saved = list(self.config.get("rules", []))
        for group in self.groups:
            self.drafts[group.name] = draft_rule(
                group.name, group.fields, saved_rules=saved, default_order=order, usable=self._usable
            )

    def _group(self, name: str) -> NoteTypeGroup:
        return next(g for g in self.groups if g.name == name)

    def _show_note_type(self, row: int) -> None:
        if not 0 <= row < len(self.groups):
            return
        group = self.groups[row]
        if group.name != self._current:
            self.preview.clear()  # a preview of another note type's rule would mislead
        self._current = group.name
        self.rule_form.load(
            self.drafts[group.name], fields=group.fields, choices=self._choices(), sample=self._sample(group)
        )
        self.setup_offer.show_for(group.name, offer_ready=False)

    def select_note_type(self, name: str) -> None:
        """Show the rule of note type ``name``."""
        self.note_types.setCurrentRow(next(i for i, g in enumerate(self.groups) if g.name == name))

    def note_type_changed(self, name: str) -> None:
        """Note type ``name`` got fields: show them, and fill the new media fields where the rule
        fills nothing of their kind."""
        group = self._group(name)
        model = self.mw.col.models.by_name(name) if self.mw.col is not None else None
        group.fields = [str(f["name"]) for f in model["flds"]] if model else group.fields
        fresh = draft_rule(name, group.fields, saved_rules=[], default_order=self._order(), usable=self._usable)
        self.drafts[name] = with_new_media_fields(self.drafts[name], fresh)
        self.select_note_type(name)
        self._show_note_type(self.note_types.currentRow())
        self._rule_edited()

    def _rule_edited(self) -> None:
        if self._current:
            self.drafts[self._current] = self.rule_form.rule()
        self._check_rules()
        self._replan_timer.start()

    def config_to_run(self) -> dict[str, Any]:
        """The config with each note type's rule as shown."""
        return {**self.config, "rules": rules_with(self.config.get("rules", []), self.drafts)}

    def settings_changed(self, config: Mapping[str, Any], registry: ProviderRegistry) -> None:
        """The user saved the settings: providers may now be set up (or switched off)."""
        self.config = {**config, "rules": self.config.get("rules", [])}
        self.registry = registry
        if self._current:
            self._show_note_type(self.note_types.currentRow())
        self._rule_edited()

    # Problems and plan

    def _check_rules(self) -> None:
        self.problems = [
            problem
            for group in self.groups
            for problem in rule_problems(
                self.drafts[group.name], group.fields, setup_problem=self.registry.setup_problem
            )
        ]
        self._update_start()

    def _replan_now(self) -> None:
        self._check_rules()
        self._plan_generation += 1
        generation = self._plan_generation
        config = self.config_to_run()
        note_ids = [nid for group in self.groups for nid in group.note_ids]
        self.cost_label.setText("Planning…")
        QueryOp(
            parent=self,
            op=lambda col: summarize_plan(col, note_ids, config, registry=self.registry, state_dir=self.state_dir),
            success=lambda summary: self._planned(generation, summary),
        ).failure(lambda exc: self._plan_failed(generation, exc)).run_in_background()

    def _planned(self, generation: int, summary: PlanSummary) -> None:
        if generation != self._plan_generation:
            return  # a newer edit is being planned
        self.summary = summary
        self._plan_error = ""
        self.plan_table.show_summary(summary)
        self.cost_label.setText(cost_text(summary))
        self._update_start()

    def _plan_failed(self, generation: int, exc: Exception) -> None:
        if generation == self._plan_generation:
            self.summary = None
            self._plan_error = f"The plan could not be made. {explain_html(exc)}"
            self.cost_label.setText(self._plan_error)
            self._update_start()

    def _update_start(self) -> None:
        reason = self.start_blocked_reason()
        self.start_button.setEnabled(reason is None)
        preview_off = self.preview_blocked_reason()
        self.preview_button.setEnabled(preview_off is None)
        self.preview_button.setToolTip(preview_off or "Make this note type's media for one note, writing nothing")
        if not self.preview.running and self.preview.result is None:
            self.preview_panel.show_idle(preview_off)
        if reason is None:
            self.problems_label.setText("<br>".join(self.passed_over()))
            self.start_button.setToolTip("")
            return
        self.start_button.setToolTip(reason_plain(reason))
        self.problems_label.setText(problem_html(reason))

    def passed_over(self) -> list[str]:
        """Rich-text lines naming each ticked provider that cannot run while another of its kind
        can (the job passes it over for the next one), with a link to its settings."""
        return passed_over_lines(
            [(group.name, self.drafts[group.name]) for group in self.groups],
            registry=self.registry,
            titles=self._titles(),
            link_prefix=_SETTINGS_LINK,
        )

    def preview_blocked_reason(self) -> str | None:
        """Why Preview is off for the note type shown (a sentence naming the fix), or None."""
        if not self._current:
            return "Choose a note type to preview."
        if not fills_something(self.drafts.get(self._current, {})):
            return "Preview is off: this rule fills no field. Add a sound or a picture to preview."
        if self._problems_of(self._current):
            return "Preview is off until the problems above are fixed."
        return None

    def _problems_of(self, note_type: str) -> list[RuleProblem]:
        return [p for p in self.problems if p.note_type == note_type]

    def start_blocked_reason(self) -> str | None:
        """Why Start is disabled (rich text with settings links), or None when it is enabled."""
        if self.problems:
            lines = []
            offered: set[MediaKind] = set()
            for problem in self.problems:
                line = f"{html.escape(problem.note_type)}: {settings_html(problem.message)}"
                if problem.provider is not None:
                    kind, name = problem.provider
                    href = f"{_SETTINGS_LINK}{kind.value}:{name}"
                    title = self._titles()[kind].get(name, name)
                    line += f' — <a href="{href}">set up {html.escape(title)}…</a>'
                elif problem.missing_kind is not None and problem.missing_kind not in offered:
                    offered.add(problem.missing_kind)  # the offer once, under the first note type
                    line += self._free_offer(problem.missing_kind)
                lines.append(line)
            return "<br>".join(lines)
        if not any(fills_something(rule) for rule in self.drafts.values()):
            return "Add a sound or a picture to the rule of at least one note type."
        summary = self.summary
        if summary is None:
            return self._plan_error or "Planning…"
        if not any(t.generate or t.reused for t in summary.targets):
            return "Nothing to fill: every chosen field is filled already or has no words (see the plan)."
        return None

    def _free_offer(self, kind: MediaKind) -> str:
        """The one-click offer of free providers of ``kind`` (`free_offers.offer_html`)."""
        return "" if self._on_enable_provider is None else offer_html(self.registry, kind, link_prefix=_ENABLE_LINK)

    def enable_provider(self, kind: MediaKind, name: str) -> None:
        """Turn provider ``name`` on in the saved settings and tick it in every target of ``kind``
        that has no provider (the offer's one click)."""
        if self._on_enable_provider is None:
            return
        saved = self._on_enable_provider(kind, name)
        if saved is None:
            return
        config, registry = saved
        for draft in self.drafts.values():
            for target in targets_of(draft):
                if target_kind(target) is kind and not target.get("providers"):
                    target["providers"] = [name]
        self.settings_changed(config, registry)

    def _link_activated(self, link: str) -> None:
        if link.startswith(_ENABLE_LINK):
            kind, _, name = link.removeprefix(_ENABLE_LINK).partition(":")
            self.enable_provider(MediaKind(kind), name)
            return
        place = parse_settings_link(link)
        if place is not None:
            self._on_open_settings(place)

    # Preview

    def run_preview(self) -> None:
        """Make the media of the current note type's first note with words, with the rule as shown;
        write nothing."""
        group = self._group(self._current)
        rule = self.drafts[self._current]
        self.preview_panel.show_starting(self._current)
        self.preview_button.setEnabled(False)
        self.preview.start(group.note_ids, rule, on_done=self._previewed)

    def _previewed(self, result: PreviewResult) -> None:
        self._update_start()
        self.preview_panel.show_result(result)

    # Start

    def start(self) -> None:
        if self.start_blocked_reason() is not None:
            return
        config = self.config_to_run()
        note_ids = [nid for group in self.groups for nid in group.note_ids]
        self.accept()
        self._on_start(config, note_ids)

    def done(self, result: int) -> None:
        self._replan_timer.stop()
        self.preview.clear()
        super().done(result)


def _add_button(
    box: QDialogButtonBox, text: str, role: QDialogButtonBox.ButtonRole, *, object_name: str
) -> QPushButton:
    button = box.addButton(text, role)
    assert button is not None
    button.setObjectName(object_name)
    return button


def reason_plain(reason: str) -> str:
    """The reason without its markup, for a tooltip."""
    return str(html_to_text_line(reason.replace("<br>", "; ")))
