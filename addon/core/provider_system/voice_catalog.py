"""The voices of a sound provider named by the user (``python -m addon voices PROVIDER``, the voice
picker), with an error that names the fix when there are none to list: an unknown provider, a
picture provider, a provider without a voice list, or one that cannot be asked (no key, no server
address, a missing program: `MediaProvider.access_problem`).

The list comes from the registry's provider instance, which keeps it (`MediaProvider.list_voices`):
asking again is free until ``refresh`` or a change of the provider's settings.

Thread safety: as the registry's `get` and the provider's `list_voices` (any thread); blocks on the
network or a program the first time, so call it off the UI thread.
"""

from __future__ import annotations

from ..base.errors import ConfigError, UnknownProviderError
from ..media.types import MediaKind
from ..media.voice_list import Voice
from .registry import ProviderRegistry


def providers_with_voices(registry: ProviderRegistry) -> list[str]:
    """The names of the sound providers that list their voices (those that load), sorted."""
    names = []
    for name in registry.catalog.names(MediaKind.AUDIO):
        try:
            if registry.catalog.load(MediaKind.AUDIO, name).lists_voices():
                names.append(name)
        except ConfigError:  # a provider that fails to load is reported by `providers`
            continue
    return sorted(names)


def provider_voices(
    registry: ProviderRegistry, name: str, *, language: str | None = None, refresh: bool = False
) -> list[Voice]:
    """The voices of the sound provider ``name`` that speak ``language`` (all for None). Raises
    `UnknownProviderError` or `ConfigError` naming the fix when it has none to list (see the module
    docstring), and the provider's `ProviderError` when asking it fails."""
    listing = ", ".join(providers_with_voices(registry)) or "none"
    if (MediaKind.AUDIO, name) not in registry.catalog:
        if (MediaKind.IMAGE, name) in registry.catalog:
            raise ConfigError(f"{name} makes pictures and has no voices; name a sound provider: {listing}")
        raise UnknownProviderError(f"there is no sound provider named {name!r}; name one of: {listing}")
    provider = registry.get(MediaKind.AUDIO, name)
    if not provider.lists_voices():
        raise ConfigError(
            f"has no voice list to show; name a sound provider that lists its voices: {listing}", provider=name
        )
    return provider.list_voices(language, refresh=refresh)
