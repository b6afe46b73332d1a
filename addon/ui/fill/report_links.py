"""What the job report window says about providers and settings: a provider by its title, and the
settings a reason names by their labels on the settings form, as links (``settings:…``) that open
the settings window at that field.

A job report keeps provider names only (no kind): a name that is a known provider of one kind is
shown by that provider's title, any other as it is. Every text from a server is escaped.

Thread safety: `settings_link_label` makes a Qt widget (main thread only); the rest is pure.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping

from aqt.qt import QLabel, Qt

from ...core.job.report import JobReport
from ...core.media.types import MediaKind
from ...core.provider_system.catalog import known_title
from ...core.text.cleaning import fold_whitespace
from ..settings.links import place_label, settings_html, settings_link, settings_places, settings_plain


def provider_title(name: str) -> str:
    """The title of the provider called ``name`` when that is a known provider of one kind, else ``name``."""
    titles = {known_title(kind, name) for kind in MediaKind} - {name}
    return titles.pop() if len(titles) == 1 else name


def not_used_lines(problems: Mapping[str, str], *, links: bool) -> list[str]:
    """ "<title> was not used: <why>" per provider, the settings named by their labels: as links
    (rich text, the rest escaped) or as plain text."""
    if links:
        return [
            f"{html.escape(provider_title(name))} was not used: {settings_html(fold_whitespace(problem))}"
            for name, problem in problems.items()
        ]
    return [
        f"{provider_title(name)} was not used: {settings_plain(fold_whitespace(problem))}"
        for name, problem in problems.items()
    ]


def named_settings_html(reasons: Iterable[str]) -> str:
    """Links to the settings the ``reasons`` name, each once ("" when none names one)."""
    places = dict.fromkeys(place for reason in reasons for place in settings_places(reason))
    links = [f'<a href="{html.escape(settings_link(p))}">{html.escape(place_label(p))}</a>' for p in places]
    return "Settings the failures name: " + " · ".join(links) if links else ""


def settings_link_label(object_name: str, rich_text: str, *, on_link: Callable[[str], None]) -> QLabel:
    """A wrapping, selectable rich-text label whose links call ``on_link`` with their href."""
    label = QLabel(rich_text)
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.LinksAccessibleByMouse
    )
    label.linkActivated.connect(on_link)
    return label


def advice_lines(report: JobReport) -> list[str]:
    lines = []
    if report.budget_reached:
        lines.append(
            "To make the rest, raise the budget in Tools → Media Fill → Settings… → General and run Fill Media again."
        )
    elif report.cancelled:
        lines.append("What was made before the cancel is kept.")
    if report.notes_changed:
        noun = "note" if report.notes_changed == 1 else "notes"
        lines.append(f"{report.notes_changed} {noun} changed; Edit → Undo Fill Media in the Browser takes it back.")
    return lines
