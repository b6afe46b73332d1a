"""A provider's settings read as attributes (`Setting`): converted, with their default when unset,
read again after the slice changes."""

from __future__ import annotations

import pytest

from addon.core.media.types import MediaRequest, MediaResult
from addon.core.provider_system.media_provider import GENERIC_DEFAULTS, AudioProvider, HealthReport, Setting


class Tiny(AudioProvider):
    name = "tiny"
    page_size = Setting("page_size", int, 5)
    loud = Setting("loud", bool, False)

    def generate(self, request: MediaRequest) -> MediaResult:
        raise NotImplementedError

    def test_connection(self) -> HealthReport:
        raise NotImplementedError


def test_a_setting_is_converted_and_has_its_default_when_unset() -> None:
    assert (Tiny({}).page_size, Tiny({}).loud) == (5, False)
    provider = Tiny({"page_size": "12", "loud": 1})
    assert (provider.page_size, provider.loud) == (12, True)
    provider.settings["page_size"] = 3.0
    assert provider.page_size == 3


def test_the_shared_settings_default_to_the_generic_values() -> None:
    provider = Tiny({})
    shared = ("enabled", "timeout_s", "retry_attempts", "requests_per_minute", "price_per_request")
    assert {key: getattr(provider, key) for key in shared} == {key: GENERIC_DEFAULTS[key] for key in shared}
    provider = Tiny({"enabled": False, "timeout_s": "2.5", "retry_attempts": 4.0})
    assert (provider.enabled, provider.timeout_s, provider.retry_attempts) == (False, 2.5, 4)
    assert isinstance(provider.timeout_s, float) and isinstance(provider.retry_attempts, int)


def test_the_class_attribute_is_the_setting_itself() -> None:
    assert isinstance(Tiny.page_size, Setting) and Tiny.page_size.key == "page_size"


def test_a_setting_cannot_be_assigned_on_the_provider() -> None:
    """Read-only as the properties it replaced: an assignment would silently hide the setting."""
    provider = Tiny({"page_size": 7})
    with pytest.raises(AttributeError, match="page_size is a setting"):
        provider.page_size = 9
    assert provider.page_size == 7
