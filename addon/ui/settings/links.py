"""Settings named as the settings window names them: messages from providers and the config name a
setting by its key path (``providers.image.openai.api_key``, ``budget_usd``), which is what the CLI
and the log show. In the GUI the same setting is named by its place and label on the settings form
("OpenAI (pictures) → API key", "General → Budget per job (US dollars)": a provider by its
title), as a link (``settings:…``) that opens the settings window on that page with the field focused.

`settings_html` makes the rich text (everything else escaped), `settings_plain` the plain text for
labels and tooltips that cannot hold links, `settings_places` the places a text names;
`parse_settings_link` reads a link back into the `SettingsPlace` the settings window opens at.

Thread safety: pure functions (a built-in provider's module may be imported for its title); call
from any thread.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import NamedTuple

from ...core.config.form_fields import flatten_properties
from ...core.config.schema import GENERAL_PROPERTIES
from ...core.media.types import MediaKind
from ...core.provider_system.catalog import known_title
from .labels import setting_label

SETTINGS_LINK = "settings:"
GENERAL_PAGE = "general"
GENERAL_TITLE = "General"
# General keys the settings window does not show (set elsewhere, or bookkeeping).
_NOT_SHOWN = frozenset({"provider_modules", "provider_order", "config_version", "legacy_settings", "rules"})


class SettingsPlace(NamedTuple):
    """Where the settings window opens: ``kind`` None is the General page; ``name`` the provider
    (empty on General); ``field`` the setting's dotted path on that page ("" for the page alone)."""

    kind: MediaKind | None
    name: str = ""
    field: str = ""


def _general_keys() -> list[str]:
    """General settings a message may name by key: those with an underscore or a dot (a bare word
    such as ``shortcut`` is too likely to be an ordinary word)."""
    keys = {".".join(path) for path, _schema in flatten_properties(GENERAL_PROPERTIES) if path[0] not in _NOT_SHOWN}
    return sorted((key for key in keys if "_" in key or "." in key), key=len, reverse=True)


_KINDS = "|".join(kind.value for kind in MediaKind)
_PATTERN = re.compile(
    rf"\bproviders\.(?P<kind>{_KINDS})\.(?P<name>[a-z][a-z0-9_]*)"
    r"(?P<field>(?:\.[A-Za-z0-9_-]+)*)"
    r"(?P<alt>\s*\(or (?:name an? )?(?P<alt_key>[a-z][a-z0-9_]*)\))?"
    r"|(?<![\w.])(?P<general>" + "|".join(re.escape(key) for key in _general_keys()) + r")(?![\w])"
)


def field_label(field: str) -> str:
    """The form's label of a setting path on a page: ``voices.es`` → "Voices (es)"."""
    if not field:
        return "settings"
    first, _, rest = field.partition(".")
    if not rest or setting_label(field) != setting_label(rest.rsplit(".", 1)[-1]):
        return setting_label(field)  # a label of its own (e.g. circuit_breaker.cooldown_s)
    return f"{setting_label(first)} ({rest})"


def place_label(place: SettingsPlace) -> str:
    """``OpenAI (pictures) → API key``, ``General → Log level``, ``Stable Diffusion WebUI settings``."""
    page = known_title(place.kind, place.name) if place.kind is not None else GENERAL_TITLE
    return f"{page} → {field_label(place.field)}" if place.field else f"{page} settings"


def settings_link(place: SettingsPlace) -> str:
    """The href of ``place``: ``settings:image:openai:api_key``, ``settings:general::budget_usd``."""
    kind = place.kind.value if place.kind is not None else GENERAL_PAGE
    return f"{SETTINGS_LINK}{kind}:{place.name}" + (f":{place.field}" if place.field else "")


def parse_settings_link(link: str) -> SettingsPlace | None:
    """The place a ``settings:`` link names (``settings:image:openai`` too); None for any other link."""
    if not link.startswith(SETTINGS_LINK):
        return None
    kind_text, _, rest = link.removeprefix(SETTINGS_LINK).partition(":")
    name, _, field = rest.partition(":")
    if kind_text == GENERAL_PAGE:
        return SettingsPlace(None, "", field)
    try:
        kind = MediaKind(kind_text)
    except ValueError:
        return None
    return SettingsPlace(kind, name, field)


def _rewrite(text: str, *, escape: Callable[[str], str], name: Callable[[SettingsPlace, str], str]) -> str:
    """``text`` with each key path replaced by ``name(place, label)`` and the rest passed through ``escape``."""
    parts: list[str] = []
    end = 0
    for match in _PATTERN.finditer(text):
        parts.append(escape(text[end : match.start()]))
        end = match.end()
        if match.group("general"):
            place = SettingsPlace(None, "", match.group("general"))
            parts.append(name(place, place_label(place)))
            continue
        kind = MediaKind(match.group("kind"))
        place = SettingsPlace(kind, match.group("name"), match.group("field").lstrip("."))
        parts.append(name(place, place_label(place)))
        if match.group("alt_key"):
            other = place._replace(field=match.group("alt_key"))
            parts.append(escape(" (or ") + name(other, field_label(other.field)) + escape(")"))
    parts.append(escape(text[end:]))
    return "".join(parts)


def settings_html(text: str) -> str:
    """``text`` as rich text: escaped, with each setting's key path a link named by its label."""
    return _rewrite(
        text,
        escape=lambda part: html.escape(part, quote=False),
        name=lambda place, label: (
            f'<a href="{html.escape(settings_link(place))}">{html.escape(label, quote=False)}</a>'
        ),
    )


def settings_places(text: str) -> list[SettingsPlace]:
    """The settings ``text`` names by key path, in order (an alternative key is a place of its own)."""
    places: list[SettingsPlace] = []

    def collect(place: SettingsPlace, label: str) -> str:
        places.append(place)
        return label

    _rewrite(text, escape=lambda part: part, name=collect)
    return places


def settings_plain(text: str) -> str:
    """``text`` with each setting's key path replaced by its label, as plain text."""
    return _rewrite(text, escape=lambda part: part, name=lambda _place, label: label)
