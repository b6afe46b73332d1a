"""Third-party registrations in tests: a `register` that is undone when the test ends, and a check
that no test leaves a provider registered (the table is shared by every catalog built later)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from addon.core.media.types import MediaKind
from addon.core.provider_system.catalog import (
    THIRD_PARTY_PROVIDERS,
    ProviderTarget,
    register_provider,
    unregister_provider,
)

Register = Callable[[MediaKind | str, str, ProviderTarget], None]


@contextmanager
def registrations_undone() -> Iterator[Register]:
    """`register_provider`, undone with `unregister_provider` at the end of the block."""
    done: list[tuple[MediaKind | str, str]] = []

    def register(kind: MediaKind | str, name: str, provider: ProviderTarget) -> None:
        register_provider(kind, name, provider)
        done.append((kind, name))

    try:
        yield register
    finally:
        for kind, name in done:
            unregister_provider(kind, name)


@contextmanager
def no_registration_leaks() -> Iterator[None]:
    """Fail when the block leaves the third-party table changed."""
    before = {kind: dict(entries) for kind, entries in THIRD_PARTY_PROVIDERS.items()}
    yield
    after = {kind: dict(entries) for kind, entries in THIRD_PARTY_PROVIDERS.items()}
    assert after == before, "a test left a provider registered"
