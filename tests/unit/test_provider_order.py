"""The default provider order new rules start from: the configured order, then priority, then name."""

from __future__ import annotations

from typing import Any

import pytest

from addon.core.media.types import MediaKind
from addon.core.provider_system.config_loading import load_config
from addon.core.provider_system.info import ProviderInfo
from addon.core.provider_system.order import configured_order, default_provider_order, order_to_store
from addon.core.provider_system.registry import ProviderRegistry


@pytest.fixture(scope="module")
def infos() -> list[ProviderInfo]:
    return ProviderRegistry(load_config({})).infos()


def by_priority(infos: list[ProviderInfo], kind: MediaKind) -> list[str]:
    return [i.name for i in sorted((i for i in infos if i.kind is kind), key=lambda i: (i.priority, i.name))]


def test_without_a_configured_order_providers_follow_priority_then_name(infos: list[ProviderInfo]) -> None:
    order = default_provider_order({}, infos, MediaKind.IMAGE)
    assert order == by_priority(infos, MediaKind.IMAGE)
    # openai and runware share priority 200: the name decides
    assert order.index("openai") < order.index("runware") < order.index("sdwebui")
    assert default_provider_order({}, infos, MediaKind.AUDIO)[0] == "forvo"


def test_the_configured_order_comes_first_and_the_rest_keep_their_priority(infos: list[ProviderInfo]) -> None:
    config = {"provider_order": {"image": ["wikimedia", "openverse"], "audio": []}}
    order = default_provider_order(config, infos, MediaKind.IMAGE)
    assert order[:2] == ["wikimedia", "openverse"]
    assert order[2:] == [n for n in by_priority(infos, MediaKind.IMAGE) if n not in ("wikimedia", "openverse")]
    assert default_provider_order(config, infos, MediaKind.AUDIO) == by_priority(infos, MediaKind.AUDIO)


@pytest.mark.parametrize(
    "configured",
    [
        ["gone", "wikimedia", "espeak"],  # unknown and other-kind names are passed over
        ["wikimedia", "wikimedia"],  # a repeat counts once
        ["wikimedia", 3, None],  # not names at all
    ],
)
def test_names_that_are_not_this_kinds_providers_are_passed_over(infos: list[ProviderInfo], configured: Any) -> None:
    order = default_provider_order({"provider_order": {"image": configured}}, infos, MediaKind.IMAGE)
    assert order[0] == "wikimedia"
    assert sorted(order) == sorted(by_priority(infos, MediaKind.IMAGE))


@pytest.mark.parametrize("config", [{}, {"provider_order": None}, {"provider_order": {"image": "openai"}}])
def test_a_missing_or_malformed_order_is_no_order(infos: list[ProviderInfo], config: dict[str, Any]) -> None:
    assert configured_order(config, MediaKind.IMAGE) == []
    assert default_provider_order(config, infos, MediaKind.IMAGE) == by_priority(infos, MediaKind.IMAGE)


def test_order_to_store_saves_only_what_priority_does_not_give(infos: list[ProviderInfo]) -> None:
    kind = MediaKind.IMAGE
    priority = by_priority(infos, kind)
    assert order_to_store(priority, config={}, infos=infos, kind=kind) == []
    moved = [priority[-1], *priority[:-1]]
    assert order_to_store(moved, config={}, infos=infos, kind=kind) == moved
    # a stored order that already gives the arranged order is kept as it is (unknown names too)
    config = {"provider_order": {"image": ["gone", priority[-1]]}}
    assert order_to_store(moved, config=config, infos=infos, kind=kind) == ["gone", priority[-1]]
    # moving back to the priority order clears it
    assert order_to_store(priority, config=config, infos=infos, kind=kind) == []
