"""What the Fill Media dialog says about providers beyond a rule's problems: the free providers it
offers to turn on in one click when no provider of a kind can run (a new user's pictures are off by
default: free, keyless, on the public web, each with a sentence saying what it sends where), and
the ticked providers a job passes over because they cannot run while another can.

Thread safety: pure functions over the registry's metadata; main thread (the dialog's).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ...core.config.rule_drafts import target_kind, targets_of
from ...core.media.types import MediaKind
from ...core.provider_system.media_provider import KeyUse
from ...core.provider_system.registry import ProviderRegistry
from ..settings.links import settings_html

# The providers offered, in this order: name, and what each word is sent for.
_OFFERED: dict[MediaKind, tuple[tuple[str, str], ...]] = {
    MediaKind.IMAGE: (
        ("wikimedia", "to search for a freely licensed picture; its author and licence are kept"),
        ("openverse", "to search for an openly licensed picture; its credit is kept"),
    ),
}


@dataclass(frozen=True)
class FreeOffer:
    name: str
    title: str
    what_it_sends: str


def free_offers(registry: ProviderRegistry, kind: MediaKind) -> list[FreeOffer]:
    """The free, keyless providers of ``kind`` that are switched off and would run once on."""
    offers: list[FreeOffer] = []
    known = {info.name: info for info in registry.infos(kind)}
    for name, purpose in _OFFERED.get(kind, ()):
        info = known.get(name)
        if info is None or info.capabilities.key is KeyUse.REQUIRED or registry.is_enabled(kind, name):
            continue
        settings = registry.settings(kind, name)
        if float(settings.get("price_per_request") or 0) > 0:
            continue
        host = urlsplit(str(settings.get("base_url") or "")).hostname or info.title
        offers.append(FreeOffer(name, info.title, f"free, no key: each word is sent to {host} {purpose}"))
    return offers


def offer_html(registry: ProviderRegistry, kind: MediaKind, *, link_prefix: str) -> str:
    """When no provider of ``kind`` can run: links (``link_prefix``kind:name) that turn a free one
    on, each saying what it sends where; "" when one can run already or none is offered."""
    if any(registry.setup_problem(kind, info.name) is None for info in registry.infos(kind)):
        return ""
    links = [
        f'<a href="{link_prefix}{kind.value}:{offer.name}">Turn on {html.escape(offer.title)}</a> '
        f"({html.escape(offer.what_it_sends)})"
        for offer in free_offers(registry, kind)
    ]
    return f"<br>No {kind.word} provider is on yet. " + " or ".join(links) + "." if links else ""


def passed_over_lines(
    rules: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    registry: ProviderRegistry,
    titles: Mapping[MediaKind, Mapping[str, str]],
    link_prefix: str,
) -> list[str]:
    """Per (note type, rule): each provider ticked for a target that cannot run, once, as rich text
    with a settings link (``link_prefix``kind:name). Only called when the rules can run, so another
    ticked provider of that kind can."""
    lines = []
    for note_type, rule in rules:
        said: set[tuple[MediaKind, str]] = set()
        for target in targets_of(rule):
            kind = target_kind(target)
            if kind is None or not target.get("field"):
                continue
            for name in target.get("providers", ()):
                why = registry.setup_problem(kind, name)
                if why is not None and (kind, name) not in said:
                    said.add((kind, name))
                    title = html.escape(titles.get(kind, {}).get(name, name))
                    lines.append(
                        f"{html.escape(note_type)}: {html.escape(name)} {settings_html(why)}; the next ticked "
                        f'provider makes its {kind.word}s — <a href="{link_prefix}{kind.value}:{name}">set up {title}…</a>'
                    )
    return lines
