"""Shared fixtures of the pure (non-GUI, non-collection) tests: the shipped config and the provider
schemas (the real audio fixtures are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from addon.core.config.files import load_default_config
from addon.core.media.types import MediaKind
from addon.core.provider_system.config_loading import catalog_for, slice_schemas
from tests.support.registrations import Register, no_registration_leaks, registrations_undone


@pytest.fixture(scope="session")
def schemas() -> dict[MediaKind, dict[str, Mapping[str, Any]]]:
    """Every registered provider's config-slice schema, as `load_config` uses them."""
    return slice_schemas(catalog_for({}))


@pytest.fixture
def default_config() -> dict[str, Any]:
    """The shipped config.json (a fresh copy per test, so tests may change it)."""
    return load_default_config()


@pytest.fixture(autouse=True)
def no_leaked_registrations() -> Iterator[None]:
    """Every test starts and ends with the third-party provider table as it found it."""
    with no_registration_leaks():
        yield


@pytest.fixture
def register() -> Iterator[Register]:
    """`register_provider`, undone when the test ends."""
    with registrations_undone() as register:
        yield register
