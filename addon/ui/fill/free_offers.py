"""The free providers the Fill Media dialog offers to turn on in one click when no provider of a
kind can run (a new user's pictures are off by default): free, keyless, on the public web, each
with a sentence saying what it sends where.

Thread safety: pure functions over the registry's metadata; main thread (the dialog's).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ...core.media.types import MediaKind
from ...core.provider_system.media_provider import KeyUse
from ...core.provider_system.registry import ProviderRegistry

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
