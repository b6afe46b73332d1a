"""The default order of each kind's providers, which new rules start from: the order the user set
under ``provider_order`` (known names only), then every other provider by its priority, then name.

Thread safety: pure functions over plain data; call from any thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..media.types import MediaKind
from .info import ProviderInfo


def configured_order(config: Mapping[str, Any], kind: MediaKind) -> list[str]:
    """The names stored under ``provider_order.<kind>`` (empty when the config has none)."""
    orders = config.get("provider_order")
    names = orders.get(kind.value) if isinstance(orders, Mapping) else None
    return [name for name in names if isinstance(name, str)] if isinstance(names, list) else []


def default_provider_order(config: Mapping[str, Any], infos: Sequence[ProviderInfo], kind: MediaKind) -> list[str]:
    """The names of the ``kind`` providers among ``infos``: the configured order first (names
    not among ``infos`` are passed over, repeats counted once), then the rest by priority, then name."""
    known = {info.name: info for info in infos if info.kind is kind}
    ordered: list[str] = []
    for name in configured_order(config, kind):
        if name in known and name not in ordered:
            ordered.append(name)
    rest = sorted((info for name, info in known.items() if name not in ordered), key=lambda i: (i.priority, i.name))
    return ordered + [info.name for info in rest]


def order_to_store(
    order: Sequence[str], *, config: Mapping[str, Any], infos: Sequence[ProviderInfo], kind: MediaKind
) -> list[str]:
    """What to save under ``provider_order.<kind>`` for the order a user arranged: the stored value
    when it already gives that order, nothing when the providers' own priority does, else the order
    itself."""
    if list(order) == default_provider_order(config, infos, kind):
        return configured_order(config, kind)
    if list(order) == default_provider_order({}, infos, kind):
        return []
    return list(order)
