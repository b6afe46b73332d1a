"""What the Fill Media dialog's provider pickers offer per kind: every provider in the default
order, the ones a new target ticks (those that can run), a remark on each that cannot ("off", "not
set up"), and the title each is shown by.

Thread safety: reads the registry's metadata; main thread (the dialog's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...core.media.types import MediaKind
from ...core.provider_system.order import default_provider_order
from ...core.provider_system.registry import ProviderRegistry


@dataclass(frozen=True)
class ProviderChoices:
    order: Mapping[MediaKind, Sequence[str]] = field(default_factory=dict)
    defaults: Mapping[MediaKind, Sequence[str]] = field(default_factory=dict)
    remarks: Mapping[MediaKind, Mapping[str, str]] = field(default_factory=dict)
    titles: Mapping[MediaKind, Mapping[str, str]] = field(default_factory=dict)


def provider_choices(config: Mapping[str, Any], registry: ProviderRegistry) -> ProviderChoices:
    order = {kind: default_provider_order(config, registry.infos(kind), kind) for kind in MediaKind}
    defaults: dict[MediaKind, list[str]] = {}
    remarks: dict[MediaKind, dict[str, str]] = {}
    for kind, names in order.items():
        for name in names:
            if registry.setup_problem(kind, name) is None:
                defaults.setdefault(kind, []).append(name)
            else:
                remarks.setdefault(kind, {})[name] = "off" if not registry.is_enabled(kind, name) else "not set up"
    titles = {kind: {info.name: info.title for info in registry.infos(kind)} for kind in MediaKind}
    return ProviderChoices(order=order, defaults=defaults, remarks=remarks, titles=titles)
