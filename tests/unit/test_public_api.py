"""``addon/api.py`` is the surface other add-ons build providers on: its names are pinned here, so a
move inside the add-on can never take one away or rename it without this test saying so."""

from __future__ import annotations

import importlib
import inspect

PINNED = [
    "AudioProvider",
    "AuthError",
    "Capabilities",
    "ConfigError",
    "DuplicateProviderError",
    "HealthReport",
    "ImageProvider",
    "InvalidResponseError",
    "KeyUse",
    "MediaKind",
    "MediaProvider",
    "MediaRequest",
    "MediaResult",
    "NotFoundError",
    "PermanentError",
    "ProviderError",
    "ProviderInterfaceError",
    "QuotaError",
    "RateLimitError",
    "TransientError",
    "Voice",
    "error_for_status",
    "parse_retry_after",
    "register_provider",
    "unregister_provider",
]


def test_the_public_names_are_the_pinned_ones() -> None:
    api = importlib.import_module("addon.api")
    assert sorted(api.__all__) == PINNED


def test_every_public_name_imports_and_is_what_it_says() -> None:
    api = importlib.import_module("addon.api")
    for name in PINNED:
        value = getattr(api, name)
        if name[0].isupper():
            assert inspect.isclass(value), name
            assert value.__name__ == name, name
        else:
            assert callable(value), name
    assert issubclass(api.AudioProvider, api.MediaProvider)
    assert issubclass(api.ImageProvider, api.MediaProvider)
    assert issubclass(api.RateLimitError, api.TransientError)
    assert issubclass(api.AuthError, api.PermanentError)
    assert issubclass(api.QuotaError, api.PermanentError)
    assert issubclass(api.ProviderInterfaceError, api.ConfigError)


def test_a_star_import_gives_exactly_the_public_names() -> None:
    namespace: dict[str, object] = {}
    exec("from addon.api import *", namespace)
    assert sorted(k for k in namespace if not k.startswith("__")) == PINNED
